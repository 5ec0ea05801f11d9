"""The region proposal network's ops (Faster R-CNN): Proposal and MultiProposal.

As MXNet 1.9.1's CPU kernels (checked against the real library, see
tools/oracle_ops/detection.py): boxes that are too small are *widened* by rpn_min_size/2 on each
side and get score -1 (as do anchors past im_info's size); all still take part in NMS
(IoU > threshold, ``nms.greedy_nms``); output rows past the kept count repeat the kept boxes
cyclically.
"""
import numpy as np
import tensorflow as tf

from .base import MXNetError
from .dims import static_shape as _shape
from .nms import (batch_gather as _bgather, expand as _x1, greedy_nms as _greedy_nms,
                  kept_first as _compact, mx_float as _c, stable_argsort as _argsort,
                  stop_grads as _sg, true_div as _div)
from .registry import op


# --- Proposal / MultiProposal -------------------------------------------------------------

def _rpn_base_anchors(p):
    """(A, 4) base anchors in MXNet's float32 arithmetic; ratio-major, then scale."""
    f = np.float32
    base = [f(0), f(0), f(p.feature_stride - 1.0), f(p.feature_stride - 1.0)]
    out = []
    for ratio in p.ratios:
        for scale in p.scales:
            ratio, scale = f(ratio), f(scale)
            w = base[2] - base[0] + f(1)
            h = base[3] - base[1] + f(1)
            x_ctr = f(np.float64(base[0]) + 0.5 * np.float64(w - f(1)))
            y_ctr = f(np.float64(base[1]) + 0.5 * np.float64(h - f(1)))
            size_ratios = np.floor(w * h / ratio).astype(f)
            new_w = np.floor(np.sqrt(size_ratios).astype(f) + f(0.5)).astype(f) * scale
            new_h = np.floor(new_w / scale * ratio + f(0.5)).astype(f) * scale
            out.append([x_ctr - f(0.5) * (new_w - f(1)), y_ctr - f(0.5) * (new_h - f(1)),
                        x_ctr + f(0.5) * (new_w - f(1)), y_ctr + f(0.5) * (new_h - f(1))])
    return np.array(out, dtype=f)


def _proposal_infer(p, in_shapes, out_shapes):
    """bbox_pred (N, 2*C, H, W) and im_info (N, 3) from cls_prob (N, C, H, W); conflicts with
    given shapes are reported by the shape inference."""
    shapes = list(in_shapes)
    c = shapes[0]
    if c is not None and len(c) == 4:
        shapes[1] = (c[0], None if c[1] is None else c[1] * 2, c[2], c[3])
        shapes[2] = (c[0], 3)
    return shapes


def _proposal(p, cls_prob, bbox_pred, im_info, name):
    cs = _shape(cls_prob)
    if len(cs) != 4 or None in cs[1:]:
        raise MXNetError('%s: cls_prob must be (batch, 2*anchors, H, W) with known anchors and '
                         'spatial size, got %s' % (name, tuple(cs)))
    A, H, W = cs[1] // 2, cs[2], cs[3]
    if A != len(p.ratios) * len(p.scales):
        raise MXNetError('%s: cls_prob has %d anchors per position but ratios x scales gives '
                         '%d' % (name, A, len(p.ratios) * len(p.scales)))
    dtype = cls_prob.dtype
    cls_prob, bbox_pred, im_info = _sg(cls_prob, tf.cast(bbox_pred, dtype),
                                       tf.cast(im_info, dtype))
    count = A * H * W
    pre = p.rpn_pre_nms_top_n if p.rpn_pre_nms_top_n > 0 else count
    pre = min(pre, count)
    post = min(p.rpn_post_nms_top_n, pre)
    n_out = p.rpn_post_nms_top_n
    stride = p.feature_stride
    f32, f64 = np.float32, np.float64
    base = _rpn_base_anchors(p)
    hh, ww, aa = [v.ravel() for v in np.meshgrid(np.arange(H), np.arange(W), np.arange(A),
                                                  indexing='ij')]  # index h*W*A + w*A + a
    shift = np.stack([ww * stride, hh * stride] * 2, -1).astype(f32)
    anchors = (base[aa] + shift).astype(f32)                                  # (count, 4)
    npd = dtype.as_numpy_dtype
    score = tf.reshape(tf.transpose(cls_prob[:, A:], [0, 2, 3, 1]), [-1, count])
    deltas = tf.reshape(bbox_pred, [-1, A, 4, H, W])
    deltas = tf.reshape(tf.transpose(deltas, [0, 3, 4, 1, 2]), [-1, count, 4])
    if p.iou_loss:
        boxes = deltas + anchors.astype(npd)
    else:
        wh = anchors[:, 2:] - anchors[:, :2] + f32(1)                         # (count, 2)
        ctr = (anchors[:, :2].astype(f64) + 0.5 * (wh.astype(f64) - 1.)).astype(f32)
        pc = tf.cast(deltas[..., :2] * wh.astype(npd) + ctr.astype(npd), tf.float64)
        half = 0.5 * (tf.cast(tf.exp(deltas[..., 2:]) * wh.astype(npd), tf.float64) - 1.)
        boxes = tf.cast(tf.concat([pc - half, pc + half], axis=-1), dtype)    # (B, count, 4)
    im_h, im_w, im_s = tf.unstack(im_info[:, None, :], axis=-1)               # (B, 1)
    hi = tf.stack([im_w, im_h, im_w, im_h], axis=-1) - 1.                     # (B, 1, 4)
    boxes = tf.maximum(tf.minimum(boxes, hi), 0.)
    sdt = _c(stride, dtype)
    padded = (tf.constant(hh[None].astype(np.int32)) >= tf.cast(_div(im_h, sdt), tf.int32)) | \
        (tf.constant(ww[None].astype(np.int32)) >= tf.cast(_div(im_w, sdt), tf.int32))
    min_size = _c(p.rpn_min_size, dtype) * im_s                                # (B, 1)
    sizes = boxes[..., 2:] - boxes[..., :2] + 1.
    small = tf.reduce_any(sizes < min_size[..., None], axis=-1)               # (B, count)
    grow = tf.concat([-min_size, -min_size, min_size, min_size], axis=-1)[:, None, :] / 2
    boxes = tf.where(small[..., None], boxes + grow, boxes)
    score = tf.where(padded | small, -tf.ones_like(score), score)
    order = _argsort(-score)[:, :pre]
    dets = _bgather(boxes, order)                                             # (B, pre, 4)
    dsc = _bgather(score, order)
    thr = _c(p.threshold, dtype)

    dx1, dy1, dx2, dy2 = tf.unstack(dets, axis=-1)
    feats = tf.stack([dx1, dy1, dx2, dy2, (dx2 - dx1 + 1.) * (dy2 - dy1 + 1.)], axis=-1)

    def overlaps(a, b):
        ax1, ay1, ax2, ay2, aa = tf.unstack(a, axis=-1)
        bx1, by1, bx2, by2, ba = tf.unstack(b, axis=-1)
        w = tf.maximum(tf.minimum(ax2, bx2) - tf.maximum(ax1, bx1) + 1., 0.)
        h = tf.maximum(tf.minimum(ay2, by2) - tf.maximum(ay1, by1) + 1., 0.)
        inter = w * h
        return inter / (aa + ba - inter) > thr
    kept = _greedy_nms(tf.ones_like(dsc, tf.bool), feats, overlaps, max_keep=post)
    korder, nk = _compact(kept)
    cyc = tf.constant(np.arange(n_out, dtype=np.int32)[None]) % _x1(tf.maximum(nk, 1))
    sel = _bgather(korder, cyc)
    out_boxes = _bgather(dets, sel)                                           # (B, n_out, 4)
    out_score = _bgather(dsc, sel)
    bcol = tf.cast(tf.range(tf.shape(sel)[0])[:, None, None], dtype) + tf.zeros_like(
        out_boxes[..., :1])
    rois = tf.reshape(tf.concat([bcol, out_boxes], -1), [-1, 5])
    return rois, tf.reshape(out_score, [-1, 1])


def _proposal_outputs(p):
    return ['output', 'score'] if p.output_score else ['output']


@op('_contrib_Proposal', outputs=_proposal_outputs, num_outputs=2,
    infer_inputs=_proposal_infer)
def proposal(ctx, p, cls_prob, bbox_pred, im_info):
    """RPN proposals of one image: rois (post, 5) [0, x1, y1, x2, y2] and scores (post, 1)."""
    b = _shape(cls_prob)[0] if len(_shape(cls_prob)) == 4 else None
    if b is not None and b != 1:
        raise MXNetError('Proposal: Sorry, multiple images each device is not implemented '
                         '(batch %d); use MultiProposal' % b)
    rois, score = _proposal(p, cls_prob, bbox_pred, im_info, 'Proposal')
    n = p.rpn_post_nms_top_n
    return tf.reshape(rois, [n, 5]), tf.reshape(score, [n, 1])


@op('_contrib_MultiProposal', outputs=_proposal_outputs, num_outputs=2,
    infer_inputs=_proposal_infer)
def multi_proposal(ctx, p, cls_prob, bbox_pred, im_info):
    """RPN proposals per image: rois (B*post, 5) [b, x1, y1, x2, y2] and scores (B*post, 1)."""
    return _proposal(p, cls_prob, bbox_pred, im_info, 'MultiProposal')
