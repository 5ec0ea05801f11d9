"""Box ops of SSD/YOLO-style detection heads: MultiBoxPrior/Detection/Target (SSD), box_nms,
box_iou, box_encode/decode, bipartite_matching.

All follow MXNet 1.9.1's CPU kernels, quirks included (checked against the real library, see
tools/oracle_ops/detection.py); NMS is ``nms.greedy_nms``:

* MultiBoxDetection ignores ``background_id`` (class 0 is background), suppresses at
  IoU >= nms_threshold, leaves suppressed rows in place with id -1, keeps rows past ``nms_topk``
  in their unsorted (anchor) order with id -1, and does no sorting at all when nms_threshold is
  not in (0, 1].
* box_nms suppresses at IoU > overlap_thresh, drops every box past ``topk``, filters class -1
  when ``id_index >= 0`` and background_id is left at -1, compares class ids as ints, returns
  the input unchanged when topk == 0, and converts the output format only for rows whose first
  coordinate is >= 0. Its gradient copies the head gradient of each kept row back to the row it
  came from, unconverted (hidden output 1 records that flat source index, -1 for none).
* MultiBoxTarget: greedy bipartite matching first (global best IoU > 1e-6), then
  IoU > overlap_threshold; hard negative mining ranks anchors by ascending background softmax;
  ``minimum_negative_samples`` is unused.
* bipartite_matching stops at the first candidate pair failing the threshold, and makes
  ``topk + 1`` matches when topk > 0.
"""
import numpy as np
import tensorflow as tf

from .base import MXNetError
from .dims import dim as _dim, static_shape as _shape
from .nms import (INF as _INF, batch_gather as _bgather, expand as _x1, first_true as _first_true,
                  greedy_nms as _greedy_nms, kept_first as _compact, mx_float as _c,
                  stable_argsort as _argsort, stop_grads as _sg, true_div as _div)
from .registry import op


# --- MultiBoxPrior ------------------------------------------------------------------------

def _prior_boxes(p, h, w):
    """(h*w*k, 4) anchors in float32, computed with MXNet's float32 operation order."""
    f = np.float32
    sizes = [f(s) for s in p.sizes]
    ratios = [f(r) for r in p.ratios]
    step_y, step_x = f(p.steps[0]), f(p.steps[1])
    if step_y <= 0 or step_x <= 0:
        step_y, step_x = f(1) / f(h), f(1) / f(w)
    off_y, off_x = f(p.offsets[0]), f(p.offsets[1])
    half = []
    r0 = np.sqrt(ratios[0]).astype(f)
    for s in sizes:
        half.append((s * f(h) / f(w) * r0 / f(2), s / r0 / f(2)))
    for r in ratios[1:]:
        rr = np.sqrt(r).astype(f)
        half.append((sizes[0] * f(h) / f(w) * rr / f(2), sizes[0] / rr / f(2)))
    hw = np.array(half, dtype=f)                                       # (k, 2): w/2, h/2
    cy = (np.arange(h, dtype=f) + off_y) * step_y
    cx = (np.arange(w, dtype=f) + off_x) * step_x
    cy = np.broadcast_to(cy[:, None, None], (h, w, len(half)))
    cx = np.broadcast_to(cx[None, :, None], (h, w, len(half)))
    out = np.stack([cx - hw[:, 0], cy - hw[:, 1], cx + hw[:, 0], cy + hw[:, 1]], axis=-1)
    out = out.astype(f)
    if p.clip:
        out = np.clip(out, f(0), f(1))
    return out.reshape(-1, 4)


@op('_contrib_MultiBoxPrior')
def multibox_prior(ctx, p, data):
    """SSD anchors (1, H*W*(sizes+ratios-1), 4) in [xmin, ymin, xmax, ymax]; zero gradient."""
    s = _shape(data)
    if len(s) < 4:
        raise MXNetError('MultiBoxPrior: input data should be 4D: batch-channel-y-x, got %s'
                         % (tuple(s),))
    if s[2] is None or s[3] is None:
        raise MXNetError('MultiBoxPrior: the spatial size of data must be known')
    if not p.sizes or not p.ratios:
        raise MXNetError('MultiBoxPrior: sizes and ratios must not be empty')
    if len(p.steps) != 2:
        raise MXNetError('MultiBoxPrior: Step ndim must be 2: (step_y, step_x), got %s'
                         % (p.steps,))
    if len(p.offsets) != 2 or not all(0 <= o <= 1 for o in p.offsets):
        raise MXNetError('MultiBoxPrior: offsets must be two values in [0, 1], got %s'
                         % (p.offsets,))
    if p.steps[0] * p.steps[1] < 0:
        raise MXNetError('MultiBoxPrior: Must specify both step_y and step_x')
    boxes = _prior_boxes(p, s[2], s[3])
    return tf.constant(boxes[None].astype(data.dtype.as_numpy_dtype))


# --- MultiBoxDetection --------------------------------------------------------------------

@op('_contrib_MultiBoxDetection')
def multibox_detection(ctx, p, cls_prob, loc_pred, anchor):
    """Decode SSD predictions into (B, A, 6) rows [id, score, xmin, ymin, xmax, ymax]."""
    cs, ls, as_ = _shape(cls_prob), _shape(loc_pred), _shape(anchor)
    if len(cs) != 3 or len(ls) != 2 or len(as_) != 3:
        raise MXNetError('MultiBoxDetection: expected cls_prob (batch, classes, anchors), '
                         'loc_pred (batch, anchors*4), anchor (1, anchors, 4); got %s, %s, %s'
                         % (tuple(cs), tuple(ls), tuple(as_)))
    C, A = cs[1], cs[2]
    if C is None or A is None:
        raise MXNetError('MultiBoxDetection: the classes and anchors dims must be known')
    if as_[1] not in (None, A):
        raise MXNetError('MultiBoxDetection: Number of anchors mismatch (%d vs %d)'
                         % (A, as_[1]))
    if ls[1] not in (None, 4 * A):
        raise MXNetError('MultiBoxDetection: # anchors mismatch with # loc (%d vs %d)'
                         % (4 * A, ls[1]))
    if as_[2] not in (None, 4):
        raise MXNetError('MultiBoxDetection: anchor last dim must be 4, got %s' % as_[2])
    if len(p.variances) != 4:
        raise MXNetError('MultiBoxDetection: Variance size must be 4, got %s' % (p.variances,))
    dtype = cls_prob.dtype
    cls_prob, loc_pred, anchor = _sg(cls_prob, tf.cast(loc_pred, dtype),
                                     tf.cast(anchor, dtype))
    anchors = tf.reshape(anchor, [-1, 4])
    if as_[0] != 1:
        anchors = anchors[:A]
    al, at, ar, ab = tf.unstack(anchors, axis=-1)                             # (A,)
    aw, ah = ar - al, ab - at
    ax, ay = (al + ar) / 2, (at + ab) / 2
    px, py, pw, ph = tf.unstack(tf.reshape(loc_pred, [-1, A, 4]), axis=-1)   # (B, A)
    vx, vy, vw, vh = [_c(v, dtype) for v in p.variances]
    ox, oy = px * vx * aw + ax, py * vy * ah + ay
    ow, oh = tf.exp(pw * vw) * aw / 2, tf.exp(ph * vh) * ah / 2
    boxes = tf.stack([ox - ow, oy - oh, ox + ow, oy + oh], axis=-1)          # (B, A, 4)
    if p.clip:
        boxes = tf.clip_by_value(boxes, _c(0, dtype), _c(1, dtype))
    if C > 1:
        fg = cls_prob[:, 1:, :]                                               # (B, C-1, A)
        best = tf.reduce_max(fg, axis=1)
        cid = _first_true(fg >= _x1(best), axis=1) + 1
        score = tf.maximum(best, _c(-1, dtype))           # no class above -1 -> score -1, id 0
        valid = (best > _c(-1, dtype)) & ~(best < _c(p.threshold, dtype))
    else:
        score = -tf.ones_like(cls_prob[:, 0, :])
        cid = tf.zeros_like(score, tf.int32)
        valid = tf.zeros_like(score, tf.bool)
    ids = tf.where(valid, tf.cast(cid - 1, dtype), -tf.ones_like(score))
    rows = tf.concat([tf.stack([ids, score], axis=-1), boxes], axis=-1)       # (B, A, 6)
    pos = tf.constant(np.arange(A, dtype=np.int32)[None])
    corder, nvalid = _compact(valid)
    compact = _bgather(rows, corder)
    in_valid = _x1(pos < _x1(nvalid), 2)
    minus = -tf.ones_like(rows)
    if not (0 < np.float32(p.nms_threshold) <= 1):
        return tf.where(in_valid, compact, minus)
    srt = _bgather(rows, _argsort(tf.where(valid, -score, tf.fill(tf.shape(score), _INF))))
    nkeep = nvalid if p.nms_topk <= 0 else tf.minimum(nvalid, p.nms_topk)
    in_keep = pos < _x1(nkeep)
    sid, _, sx1, sy1, sx2, sy2 = tf.unstack(srt, axis=-1)
    feats = tf.stack([sid, sx1, sy1, sx2, sy2, (sx2 - sx1) * (sy2 - sy1)], axis=-1)
    thr = _c(p.nms_threshold, dtype)

    def overlaps(a, b):
        aid, ax1, ay1, ax2, ay2, aa = tf.unstack(a, axis=-1)
        bid, bx1, by1, bx2, by2, ba = tf.unstack(b, axis=-1)
        w = tf.maximum(tf.minimum(ax2, bx2) - tf.maximum(ax1, bx1), 0.)
        h = tf.maximum(tf.minimum(ay2, by2) - tf.maximum(ay1, by1), 0.)
        inter = w * h
        union = aa + ba - inter
        sup = (union > 0) & (inter / union >= thr)       # CalculateOverlap: 0 if union <= 0
        if not p.force_suppress:
            sup = sup & tf.equal(aid, bid)
        return sup
    if p.nms_topk > 0 and p.nms_topk < A:
        # Only the first nms_topk sorted rows take part.
        kept = _greedy_nms(in_keep[:, :p.nms_topk], feats[:, :p.nms_topk], overlaps)
        kept = tf.pad(kept, [[0, 0], [0, A - p.nms_topk]])
    else:
        kept = _greedy_nms(in_keep, feats, overlaps)
    srt = tf.concat([_x1(tf.where(kept, sid, -tf.ones_like(sid)), 2), srt[..., 1:]], -1)
    dropped = tf.concat([minus[..., :1], compact[..., 1:]], axis=-1)
    return tf.where(_x1(in_keep, 2), srt, tf.where(in_valid, dropped, minus))


# --- MultiBoxTarget -----------------------------------------------------------------------

@op('_contrib_MultiBoxTarget', outputs=['loc_target', 'loc_mask', 'cls_target'])
def multibox_target(ctx, p, anchor, label, cls_pred):
    """SSD training targets: (loc_target (B, A*4), loc_mask (B, A*4), cls_target (B, A))."""
    as_, ls, ps = _shape(anchor), _shape(label), _shape(cls_pred)
    if len(as_) != 3 or as_[0] not in (None, 1) or as_[2] not in (None, 4):
        raise MXNetError('MultiBoxTarget: anchor should be a batch-shared (1, N, 4) tensor, '
                         'got %s' % (tuple(as_),))
    if len(ls) != 3 or (ls[2] is not None and ls[2] < 5):
        raise MXNetError('MultiBoxTarget: label should be (batch, num_labels, >=5), got %s'
                         % (tuple(ls),))
    if len(ps) != 3 or (ps[2] is not None and as_[1] is not None and ps[2] != as_[1]):
        raise MXNetError('MultiBoxTarget: cls_pred should be (batch, classes, anchors) with '
                         'as many anchors as anchor, got %s and %s' % (tuple(ps), tuple(as_)))
    if len(p.variances) != 4:
        raise MXNetError('MultiBoxTarget: variances must have 4 values, got %s'
                         % (p.variances,))
    A, L = as_[1], ls[1]
    if A is None or L is None:
        raise MXNetError('MultiBoxTarget: the number of anchors and labels must be known')
    dtype = anchor.dtype
    anchor, label, cls_pred = _sg(anchor, tf.cast(label, dtype), tf.cast(cls_pred, dtype))
    al, at, ar, ab = tf.unstack(tf.reshape(anchor, [A, 1, 4]), axis=-1)       # (A, 1)
    lab = tf.unstack(label[..., :5], axis=-1)                                 # 5 x (B, L)
    gl, gt, gr, gb = [_x1(v) for v in lab[1:]]                                # (B, 1, L)
    zero = _c(0, dtype)
    inter = tf.maximum(tf.minimum(ar, gr) - tf.maximum(al, gl), zero) * \
        tf.maximum(tf.minimum(ab, gb) - tf.maximum(at, gt), zero)
    union = (ar - al) * (ab - at) + (gr - gl) * (gb - gt) - inter
    ov = tf.math.divide_no_nan(inter, union)                   # safe_divide: 0 if union == 0
    nvalid = _first_true(tf.equal(lab[0], _c(-1, dtype)))                     # (B,)
    lpos = tf.constant(np.arange(L, dtype=np.int32)[None])
    gt_valid = lpos < _x1(nvalid)                                             # (B, L)
    ov_valid = tf.where(_x1(gt_valid), ov, tf.fill(tf.shape(ov), -_INF))       # (B, A, L)
    best_iou = tf.reduce_max(ov_valid, axis=-1)                               # (B, A)
    best_gt = _first_true(ov_valid >= _x1(best_iou, 2))
    apos = tf.constant(np.arange(A, dtype=np.int32)[None])
    eps = _c(1e-6, dtype)

    # 1. greedy bipartite matching: repeatedly the globally best (anchor, gt) pair > 1e-6.
    def bbody(go, amatch, gmatch, mgt):
        avail = _x1(~amatch, 2) & _x1(~gmatch, 1)
        flat = tf.reshape(tf.where(avail, ov_valid, tf.fill(tf.shape(ov), -_INF)), [-1, A * L])
        best = tf.reduce_max(flat, axis=1)
        j = _first_true(flat >= _x1(best))
        has = best > eps
        ja, jg = j // L, j % L
        hit_a = tf.equal(apos, _x1(ja)) & _x1(has)
        return (tf.reduce_any(has), amatch | hit_a,
                gmatch | (tf.equal(lpos, _x1(jg)) & _x1(has)),
                tf.where(hit_a, _x1(jg) + tf.zeros_like(mgt), mgt))
    no_a = tf.zeros_like(best_gt) > 0
    _, matched, _, mgt = tf.while_loop(
        lambda go, a, g, m: go, bbody,
        (tf.constant(L > 0), no_a, tf.zeros_like(gt_valid), tf.zeros_like(best_gt)),
        maximum_iterations=L)
    # 2. every other anchor against its best gt.
    positive = matched
    if p.overlap_threshold > 0:
        positive = matched | (best_iou > _c(p.overlap_threshold, dtype))
        mgt = tf.where(matched, mgt, best_gt)
    # 3. negatives: all others, or the hardest ones by background probability.
    if p.negative_mining_ratio > 0:
        if not p.negative_mining_thresh > 0:
            raise MXNetError('MultiBoxTarget: negative_mining_thresh must be > 0')
        npos = tf.reduce_sum(tf.cast(positive, tf.int32), axis=1)
        nneg = tf.cast(tf.cast(npos, tf.float32) * np.float32(p.negative_mining_ratio),
                       tf.int32)
        nneg = tf.minimum(nneg, A - npos)
        cand = ~positive & (best_iou < _c(p.negative_mining_thresh, dtype))
        mx_ = tf.reduce_max(cls_pred, axis=1, keepdims=True)                 # (B, 1, A)
        e = tf.exp(cls_pred - mx_)
        prob = e[:, 0] / tf.reduce_sum(e, axis=1)                             # (B, A)
        rank = _argsort(_argsort(tf.where(cand, prob, tf.fill(tf.shape(prob), _INF))))
        negative = cand & (rank < _x1(nneg))
    else:
        negative = ~positive
    has_gt = _x1(nvalid > 0)
    positive = positive & has_gt
    negative = negative & has_gt
    rows = tf.unstack(_bgather(label[..., :5], tf.minimum(mgt, L - 1)), axis=-1)   # (B, A)
    cls = tf.where(positive, rows[0] + 1,
                   tf.where(negative, tf.zeros_like(rows[0]),
                            tf.fill(tf.shape(rows[0]), _c(p.ignore_label, dtype))))
    vx, vy, vw, vh = [_c(v, dtype) for v in p.variances]
    al, at, ar, ab = [tf.reshape(v, [1, A]) for v in (al, at, ar, ab)]
    aw, ah = ar - al, ab - at
    ax, ay = (al + ar) * 0.5, (at + ab) * 0.5
    gw, gh = rows[3] - rows[1], rows[4] - rows[2]
    gx, gy = (rows[1] + rows[3]) * 0.5, (rows[2] + rows[4]) * 0.5
    one = tf.ones_like(gw)
    loc = tf.stack([_div((gx - ax) / aw, vx), _div((gy - ay) / ah, vy),
                    _div(tf.math.log(tf.where(positive, gw, one) / aw), vw),
                    _div(tf.math.log(tf.where(positive, gh, one) / ah), vh)], axis=-1)
    pos4 = tf.tile(_x1(positive, 2), [1, 1, 4])
    loc = tf.where(pos4, loc, tf.zeros_like(loc))
    return (tf.reshape(loc, [-1, A * 4]), tf.reshape(tf.cast(pos4, dtype), [-1, A * 4]), cls)


# --- box_nms ------------------------------------------------------------------------------

def _corners(b, fmt):
    """(x1, y1, x2, y2, area) of boxes b (..., 4) in 'corner' or 'center' encoding; the area
    is 0 for inverted boxes (MXNet's BoxArea)."""
    a, b_, c, d = tf.unstack(b, axis=-1)
    if fmt == 'corner':
        x1, y1, x2, y2 = a, b_, c, d
        w, h = c - a, d - b_
    else:
        hw, hh = c / 2, d / 2
        x1, x2, y1, y2 = a - hw, a + hw, b_ - hh, b_ + hh
        w, h = c, d
    area = tf.where((w < 0) | (h < 0), tf.zeros_like(w), w * h)
    return x1, y1, x2, y2, area


def _intersection(a, b):
    """MXNet's Intersect product: a, b are (x1, y1, x2, y2, ...) tuples broadcasting together."""
    w = tf.minimum(a[2], b[2]) - tf.maximum(a[0], b[0])
    h = tf.minimum(a[3], b[3]) - tf.maximum(a[1], b[1])
    return tf.maximum(w, tf.zeros_like(w)) * tf.maximum(h, tf.zeros_like(h))


def _nms_check(p, width):
    expected = 6 if p.id_index >= 0 else 5
    if width is not None and width < expected:
        raise MXNetError('box_nms: the last dimension must have at least 5 elements namely '
                         '(score, coordinates x 4), %d provided, %d expected' % (width, expected))
    cs, ce, si = p.coord_start, p.coord_start + 3, p.score_index
    if width is not None and not 0 <= si < width:
        raise MXNetError('box_nms: score_index: %d out of range: (0, %d)' % (si, width))
    if cs <= si <= ce:
        raise MXNetError('box_nms: score_index: %d conflict with coordinates: (%d, %d).'
                         % (si, cs, ce))
    if cs < 0 or (width is not None and ce >= width):
        raise MXNetError('box_nms: coordinates: (%d, %d) out of range:: (0, %s)'
                         % (cs, ce, width))
    if p.id_index >= 0:
        if width is not None and p.id_index >= width:
            raise MXNetError('box_nms: id_index: %d out of range: (0, %d)'
                             % (p.id_index, width))
        if cs <= p.id_index <= ce:
            raise MXNetError('box_nms: id_index: %d conflict with coordinates: (%d, %d).'
                             % (p.id_index, cs, ce))
        if p.id_index == si:
            raise MXNetError('box_nms: id_index: %d conflict with score_index: %d'
                             % (p.id_index, si))


def _convert_format(out, p):
    """Convert the coordinates of rows whose first coordinate is >= 0 to out_format."""
    cs = p.coord_start
    c = out[..., cs:cs + 4]
    a, b, cc, d = tf.unstack(c, axis=-1)
    if p.out_format == 'center':
        new = tf.stack([(a + cc) / 2, (b + d) / 2, cc - a, d - b], axis=-1)
    else:
        w, h = cc / 2, d / 2
        new = tf.stack([a - w, b - h, a + w, b + h], axis=-1)
    new = tf.where(_x1(a >= 0, -1), new, c)
    return tf.concat([out[..., :cs], new, out[..., cs + 4:]], axis=-1)


@op('_contrib_box_nms', outputs=['output0'], num_outputs=2)
def box_nms(ctx, p, data):
    """Non-maximum suppression of (..., N, width) box rows, sorted by score; the rest -1."""
    s = _shape(data)
    if len(s) < 2:
        raise MXNetError('box_nms: input must have dim >= 2 the last two dimensions are num_box '
                         'and box_width, %s provided' % (tuple(s),))
    N, W = s[-2], s[-1]
    if N is None or W is None:
        raise MXNetError('box_nms: the number of boxes and the box width must be known')
    _nms_check(p, W)
    dtype = data.dtype
    rec_shape = s[:-1] + [1]
    dyn_rec_shape = tf.concat([tf.shape(data)[:-1], [1]], 0)

    def finish(out, rec):
        out = tf.reshape(out, tf.shape(data))
        out.set_shape(s)
        rec = tf.reshape(rec, dyn_rec_shape)
        rec.set_shape(rec_shape)
        return out, rec

    x = tf.reshape(data, [-1, N, W])
    topk = N if p.topk < 0 else min(N, p.topk)
    if topk < 1:
        return finish(x, tf.cast(tf.range(tf.size(x) // W), dtype))
    xs = tf.stop_gradient(x)
    cols = tf.unstack(xs, axis=-1)
    score = cols[p.score_index]
    valid = score > _c(p.valid_thresh, dtype)
    if p.id_index >= 0:
        valid = valid & tf.not_equal(cols[p.id_index], _c(p.background_id, dtype))
    order = _argsort(tf.where(valid, -score, tf.fill(tf.shape(score), _INF)))
    nvalid = tf.reduce_sum(tf.cast(valid, tf.int32), axis=1)
    cs = p.coord_start
    feats = [tf.stack(cols[cs:cs + 4], axis=-1)]
    class_aware = not p.force_suppress and p.id_index >= 0
    if class_aware:
        feats.append(_x1(tf.cast(tf.cast(cols[p.id_index], tf.int32), dtype), 2))
    feats = _bgather(tf.concat(feats, axis=-1) if len(feats) > 1 else feats[0], order)
    pos = tf.constant(np.arange(N, dtype=np.int32)[None])
    cand = (pos < _x1(nvalid)) & (pos < topk)
    thr = _c(p.overlap_thresh, dtype)

    fc = tf.unstack(feats[:, :topk], axis=-1)
    feats = tf.stack(list(_corners(tf.stack(fc[:4], axis=-1), p.in_format)) + fc[4:], axis=-1)

    def overlaps(a, b):
        ac, bc = tf.unstack(a, axis=-1), tf.unstack(b, axis=-1)
        inter = _intersection(ac, bc)
        sup = inter / (ac[4] + bc[4] - inter) > thr
        if class_aware:
            sup = sup & tf.equal(ac[5], bc[5])
        return sup
    # Boxes past topk never take part: run the NMS on the first topk sorted rows only.
    kept = _greedy_nms(cand[:, :topk], feats, overlaps)
    if topk < N:
        kept = tf.pad(kept, [[0, 0], [0, N - topk]])
    korder, nkept = _compact(kept)
    src = _bgather(order, korder)                                              # (B, N)
    row_ok = pos < _x1(nkept)
    src = tf.where(row_ok, src, tf.zeros_like(src))
    out = tf.where(_x1(row_ok, 2), _bgather(x, src), -tf.ones_like(x))
    flat_src = src + _x1(tf.range(tf.shape(src)[0]) * N)
    rec = tf.where(row_ok, flat_src, -tf.ones_like(src))
    if p.in_format != p.out_format:
        fixed = tf.stop_gradient(out)
        # MXNet's gradient copies the head gradient back unconverted: value of the converted
        # rows, gradient of the plain copy.
        out = _convert_format(fixed, p) + (out - fixed)
    return finish(out, tf.cast(rec, dtype))


# --- box_iou / box_decode / box_encode ---------------------------------------------------

@op('_contrib_box_iou')
def box_iou(ctx, p, lhs, rhs):
    """Pairwise IoU: (a..., 4) x (b..., 4) -> (a..., b...); zero gradient."""
    ls, rs = _shape(lhs), _shape(rhs)
    if len(ls) < 2 or ls[-1] not in (None, 4):
        raise MXNetError('box_iou: lhs must have dim >= 2 and last dimension 4, got %s'
                         % (tuple(ls),))
    if len(rs) < 2 or rs[-1] not in (None, 4):
        raise MXNetError('box_iou: rhs must have dim >= 2 and last dimension 4, got %s'
                         % (tuple(rs),))
    dtype = lhs.dtype
    lhs, rhs = _sg(lhs, tf.cast(rhs, dtype))
    a = _corners(tf.reshape(lhs, [-1, 1, 4]), p.format)
    b = _corners(tf.reshape(rhs, [1, -1, 4]), p.format)
    inter = _intersection(a, b)
    union = a[4] + b[4] - inter
    pos = inter > 0
    iou = tf.where(pos, inter / tf.where(pos, union, tf.ones_like(union)), tf.zeros_like(inter))
    out = tf.reshape(iou, tf.concat([tf.shape(lhs)[:-1], tf.shape(rhs)[:-1]], 0))
    out.set_shape(ls[:-1] + rs[:-1])
    return out


@op('_contrib_box_decode')
def box_decode(ctx, p, data, anchors):
    """Decode (B, N, 4) center offsets against (1, N, 4) anchors to corner boxes."""
    ds, as_ = _shape(data), _shape(anchors)
    if len(ds) != 3 or ds[2] not in (None, 4):
        raise MXNetError('box_decode: data shape must have dim == 3 and last dimension 4, '
                         'got %s' % (tuple(ds),))
    if len(as_) < 3 or as_[-1] not in (None, 4):
        raise MXNetError('box_decode: anchors shape must have dim >= 3 and last dimension 4, '
                         'got %s' % (tuple(as_),))
    dtype = data.dtype
    data, anchors = _sg(data, tf.cast(anchors, dtype))
    n = _dim(data, 1)
    a = tf.reshape(anchors, [-1, 4])[:n][None]
    ax, ay, aw, ah = tf.unstack(a, axis=-1)
    if p.format == 'corner':
        aw, ah = aw - ax, ah - ay
        ax, ay = ax + aw * 0.5, ay + ah * 0.5
    std = [_c(v, dtype) for v in (p.std0, p.std1, p.std2, p.std3)]
    d0, d1, d2, d3 = tf.unstack(data, axis=-1)
    ox, oy = d0 * std[0] * aw + ax, d1 * std[1] * ah + ay
    dw, dh = d2 * std[2], d3 * std[3]
    if p.clip > 0:
        clip = _c(p.clip, dtype)
        dw, dh = tf.minimum(dw, clip), tf.minimum(dh, clip)
    ow, oh = tf.exp(dw) * aw * 0.5, tf.exp(dh) * ah * 0.5
    return tf.stack([ox - ow, oy - oh, ox + ow, oy + oh], axis=-1)


def _box_encode_infer(p, in_shapes, out_shapes):
    """means and stds are (4,)."""
    return list(in_shapes[:4]) + [(4,), (4,)]


@op('_contrib_box_encode', outputs=['output0', 'output1'], infer_inputs=_box_encode_infer)
def box_encode(ctx, p, samples, matches, anchors, refs, means, stds):
    """Encode matched refs against anchors: (targets, masks), both (B, N, 4)."""
    ss, ms, as_, rs = _shape(samples), _shape(matches), _shape(anchors), _shape(refs)
    if len(ss) != 2:
        raise MXNetError('box_encode: samples shape must have dim == 2, %d provided' % len(ss))
    if len(ms) < 2:
        raise MXNetError('box_encode: matches shape must have dim == 2, %d provided' % len(ms))
    if len(as_) < 3 or as_[-1] not in (None, 4):
        raise MXNetError('box_encode: anchors must be (B, N, 4), got %s' % (tuple(as_),))
    if len(rs) < 3 or rs[-1] not in (None, 4):
        raise MXNetError('box_encode: refs must be (B, M, 4), got %s' % (tuple(rs),))
    dtype = anchors.dtype
    samples, matches, anchors, refs, means, stds = _sg(*[tf.cast(t, dtype) for t in (
        samples, matches, anchors, refs, means, stds)])
    B, N = _dim(anchors, 0), _dim(anchors, 1)
    M = _dim(refs, 1)
    samples = tf.reshape(samples, tf.stack([B, N]))
    idx = tf.clip_by_value(tf.cast(tf.reshape(matches, tf.stack([B, N])), tf.int32), 0, M - 1)
    ref = _bgather(tf.reshape(refs, tf.stack([B, M, 4])), idx)
    anchors3 = tf.reshape(anchors, tf.stack([B, N, 4]))
    r0, r1, r2, r3 = tf.unstack(ref, axis=-1)
    a0, a1, a2, a3 = tf.unstack(anchors3, axis=-1)
    rw, rh = r2 - r0, r3 - r1
    rx, ry = r0 + rw * 0.5, r1 + rh * 0.5
    aw, ah = a2 - a0, a3 - a1
    ax, ay = a0 + aw * 0.5, a1 + ah * 0.5
    valid = samples > 0.5
    vmask = valid[..., None]
    ratio = tf.stack([rw / aw, rh / ah], -1)
    ratio = tf.where(vmask, ratio, tf.ones_like(ratio))
    t = tf.stack([(rx - ax) / aw, (ry - ay) / ah], axis=-1)
    t = _div(tf.concat([t, tf.math.log(ratio)], axis=-1) - means, stds)
    t = tf.where(vmask, t, tf.zeros_like(t))
    m = tf.cast(tf.tile(vmask, [1, 1, 4]), dtype)
    shape = tf.shape(anchors)
    t, m = tf.reshape(t, shape), tf.reshape(m, shape)
    t.set_shape(as_)
    m.set_shape(as_)
    return t, m


# --- bipartite_matching -------------------------------------------------------------------

@op('_contrib_bipartite_matching', outputs=['output0', 'output1'])
def bipartite_matching(ctx, p, data):
    """Greedy matching of a (..., N, M) score matrix: (row -> col, col -> row), -1 unmatched."""
    s = _shape(data)
    if len(s) < 2:
        raise MXNetError('bipartite_matching: score matrix must have dim >= 2, %d provided'
                         % len(s))
    N, M = s[-2], s[-1]
    if N is None or M is None:
        raise MXNetError('bipartite_matching: the last two dims must be known')
    dtype = data.dtype
    x = tf.reshape(tf.stop_gradient(data), [-1, N * M])
    B = tf.shape(x)[0]
    order = _argsort(x if p.is_ascend else -x)
    rank = _argsort(order)
    thr = _c(p.threshold, dtype)
    r_idx, c_idx = tf.range(N)[None, :], tf.range(M)[None, :]

    def cond(done, rowm, colm, cnt):
        return tf.reduce_any(~done)

    def body(done, rowm, colm, cnt):
        avail = (rowm[:, :, None] < 0) & (colm[:, None, :] < 0)
        r = tf.where(tf.reshape(avail, tf.stack([B, N * M])), rank, N * M)
        best = tf.reduce_min(r, axis=1)
        has = best < N * M
        j = _bgather(order, tf.minimum(best, N * M - 1))
        sc = _bgather(x, j)
        ok = (sc < thr) if p.is_ascend else (sc > thr)
        act = ~done & has & ok
        jr, jc = j // M, j % M
        hit_r = (r_idx == jr[:, None]) & act[:, None]
        hit_c = (c_idx == jc[:, None]) & act[:, None]
        rowm = tf.where(hit_r, tf.broadcast_to(jc[:, None], tf.shape(rowm)), rowm)
        colm = tf.where(hit_c, tf.broadcast_to(jr[:, None], tf.shape(colm)), colm)
        cnt = cnt + tf.cast(act, tf.int32)
        done = done | ~has | ~ok
        if p.topk > 0:
            done = done | (cnt > p.topk)
        return done, rowm, colm, cnt
    init = (tf.zeros(tf.stack([B]), tf.bool), -tf.ones(tf.stack([B, N]), tf.int32),
            -tf.ones(tf.stack([B, M]), tf.int32), tf.zeros(tf.stack([B]), tf.int32))
    _, rowm, colm, _ = tf.while_loop(cond, body, init, maximum_iterations=min(N, M) + 1)
    lead = tf.shape(data)[:-2]
    rowm = tf.reshape(tf.cast(rowm, dtype), tf.concat([lead, [N]], 0))
    colm = tf.reshape(tf.cast(colm, dtype), tf.concat([lead, [M]], 0))
    rowm.set_shape(s[:-1])
    colm.set_shape(s[:-2] + [M])
    return rowm, colm
