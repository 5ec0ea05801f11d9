"""Detection and segmentation contrib ops (SSD, YOLO, Faster/Mask R-CNN, PSPNet/DeepLab heads).

MultiBoxPrior/Detection/Target (SSD), box_nms, box_iou, box_encode/decode, bipartite_matching,
Proposal/MultiProposal (RPN), ROIAlign, RROIAlign (rotated boxes), PSROIPooling,
DeformablePSROIPooling (Deformable R-FCN), AdaptiveAvgPooling2D, BilinearResize2D.
All follow MXNet 1.9.1's CPU kernels, quirks included (checked against the real library, see
tools/oracle_ops/detection.py):

* Greedy NMS (``_greedy_nms``) is exact but tiled: a ``tf.while_loop`` over tiles of up to 128
  score-sorted boxes, each tile first losing the boxes overlapped by kept boxes of earlier tiles
  and then resolving its own suppression chain by fixed-point iteration; vectorised over the
  batch. Sorting is stable (ties keep input order), as MXNet's ``std::stable_sort``.
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
* Proposal/MultiProposal: boxes that are too small are *widened* by rpn_min_size/2 on each side
  and get score -1 (as do anchors past im_info's size); all still take part in NMS
  (IoU > threshold); output rows past the kept count repeat the kept boxes cyclically.
* ROIAlign samples ``ceil(roi/pooled)`` points per bin unless sample_ratio > 0. ROIAlign and
  PSROIPooling output 0 for rois whose batch index is negative or past the batch (MXNet leaves
  such outputs unset / reads out of bounds).
* BilinearResize2D mode 'size' reads scale_width only when scale_height is given.
* RROIAlign rotates each bin's sample grid by the roi's angle (degrees, counter-clockwise)
  around its centre; samples beyond one pixel outside the map count as 0 in the average. MXNet
  has no backward for it; here the data gradient is the derivative of the samples.
* DeformablePSROIPooling averages ``sample_per_part``^2 bilinear samples per bin, shifted by
  ``trans * trans_std * roi size``; samples beyond half a pixel outside the map are left out of
  the average, the others clamped into it. Its trans gradient, like MXNet's, is the bilinear
  slope at the clamped point (straight through the clamp).
* The gradients are zero for every op but box_nms, ROIAlign, PSROIPooling,
  DeformablePSROIPooling, AdaptiveAvgPooling2D and BilinearResize2D (data and trans only: rois
  and ``like`` get zero), as in MXNet.
"""
import numpy as np
import tensorflow as tf

from .base import MXNetError
from .registry import op

_INF = float('inf')


def _shape(x):
    return x.shape.as_list()


def _dim(x, i):
    s = x.shape.as_list()[i]
    return s if s is not None else tf.shape(x)[i]


def _c(value, dtype):
    """A float32 MXNet parameter as a constant of ``dtype`` (MXNet compares in float32)."""
    return tf.constant(np.asarray(np.float32(value)).astype(dtype.as_numpy_dtype))


def _div(x, y):
    """x / y that stays a true division in graph mode (grappler's constant folding turns a
    division by a constant into a multiplication by its rounded reciprocal, which moves floor /
    ceil decisions by one ulp); y is never 0 where this is used."""
    return tf.math.divide_no_nan(x, y)


def _sg(*xs):
    return [tf.stop_gradient(x) for x in xs]


def _x1(x, axis=1):
    return tf.expand_dims(x, axis)


def _first_true(mask, axis=-1):
    """Index of the first True along ``axis`` (the axis length if none); static length."""
    n = mask.shape[axis]
    shape = [1] * mask.shape.rank
    shape[axis] = n
    idx = tf.constant(np.arange(n, dtype=np.int32).reshape(shape))
    return tf.reduce_min(tf.where(mask, idx, n), axis=axis)


def _argsort(key):
    """Stable ascending argsort along the last axis."""
    return tf.argsort(key, axis=-1, direction='ASCENDING', stable=True)


def _bgather(x, idx):
    """x[b, idx[b, ...]] for x (B, N, ...) and int idx (B, ...)."""
    return tf.gather(x, idx, batch_dims=1)


def _greedy_nms(cand, feats, overlaps, max_keep=None):
    """Greedy NMS over boxes already in priority order, vectorised over the batch.

    cand (B, N) bool: the boxes taking part (N static); feats (B, N, K) their features;
    ``overlaps(a, b)`` -> bool, broadcasting feature tensors (..., K): does a kept box ``a``
    suppress a later box ``b``. Same result as the sequential greedy walk (keeping at most
    ``max_keep``), computed T boxes at a time: the pending boxes are kept compacted in priority
    order; each step resolves the first T of them (their own chain of suppressions iterated to
    its unique fixed point), drops the later pending boxes they overlap and re-compacts the rest.
    So the work follows the boxes still pending, as MXNet's loops do. Returns kept (B, N).
    """
    n, k = cand.shape[1], feats.shape[-1]
    bsz = cand.shape[0]
    T = max(1, min(n, 128, max(16, 2 ** 22 // max((bsz or 8) * n, 1))))
    tri = tf.constant(np.triu(np.ones((T, T), bool), 1))                     # i < j

    def compact(mask, pos, f):
        order, cnt = _compact(mask)
        width = tf.reduce_max(cnt)
        live = tf.range(tf.shape(mask)[1])[None] < _x1(cnt)
        pos = tf.where(live, _bgather(pos, order), n)[:, :width]
        return pos, _bgather(f, order)[:, :width]

    pos0 = tf.zeros_like(cand, tf.int32) + tf.constant(np.arange(n, dtype=np.int32)[None])
    pos0, f0 = compact(cand, pos0, feats)
    nk0 = tf.reduce_sum(tf.zeros_like(cand, tf.int32), axis=1)

    def body(pos, f, kept, nk):
        hp, hf = pos[:, :T], f[:, :T]                                         # (B, t)
        t = tf.shape(hp)[1]
        init = hp < n
        own = overlaps(_x1(hf, 2), _x1(hf, 1)) & tri[:t, :t]                  # (B, t, t)

        def step(keep, changed):
            new = init & ~tf.reduce_any(_x1(keep, 2) & own, axis=1)
            return new, tf.reduce_any(tf.not_equal(new, keep))
        keep, _ = tf.while_loop(lambda kp, ch: ch, step, (init, tf.constant(True)),
                                maximum_iterations=T)
        if max_keep is not None:
            keep = keep & (tf.cumsum(tf.cast(keep, tf.int32), axis=1) + _x1(nk) <= max_keep)
            nk = nk + tf.reduce_sum(tf.cast(keep, tf.int32), axis=1)
        brow = tf.zeros_like(hp) + _x1(tf.range(tf.shape(hp)[0]))
        kept = kept + tf.scatter_nd(tf.stack([brow, hp], axis=-1), tf.cast(keep, tf.int32),
                                    tf.shape(kept))
        rp, rf = pos[:, T:], f[:, T:]
        sup = tf.reduce_any(_x1(keep, 2) & overlaps(_x1(hf, 2), _x1(rf, 1)), axis=1)
        alive = (rp < n) & ~sup
        if max_keep is not None:
            alive = alive & _x1(nk < max_keep)
        pos, f = compact(alive, rp, rf)
        return pos, f, kept, nk

    kept0 = tf.pad(tf.zeros_like(cand, tf.int32), [[0, 0], [0, 1]])           # column n: padding
    _, _, kept, _ = tf.while_loop(
        lambda pos, f, kp, c: tf.shape(pos)[1] > 0, body, (pos0, f0, kept0, nk0),
        shape_invariants=(tf.TensorShape([bsz, None]), tf.TensorShape([bsz, None, k]),
                          kept0.shape, nk0.shape))
    return kept[:, :n] > 0


def _compact(mask):
    """(order, count): ``order`` lists the positions where mask is True first (stable)."""
    m = tf.cast(mask, tf.int32)
    return _argsort(1 - m), tf.reduce_sum(m, axis=-1)


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


# --- ROIAlign -----------------------------------------------------------------------------

def _axis_taps(start, binsz, grid, n, pooled, size, dtype):
    """Bilinear taps along one axis for the first ``n`` samples of every (roi, bin):
    (index (2, n, R, pooled), weight (2, n, R, pooled)) for the low and high neighbours;
    weights are 0 outside [-1, size] and for samples past the roi's own grid."""
    i = tf.range(n)[:, None, None]                                            # (n, 1, 1)
    k = tf.constant(np.arange(pooled, dtype=dtype.as_numpy_dtype)[None, None])
    binsz = binsz[None, :, None]
    g = grid[None, :, None]
    pos = start[None, :, None] + k * binsz + _div((tf.cast(i, dtype) + 0.5) * binsz,
                                                  tf.cast(g, dtype))
    ok = ~((pos < -1.) | (pos > size)) & (i < g)
    y = tf.maximum(pos, tf.zeros_like(pos))
    low = tf.minimum(tf.cast(y, tf.int32), size - 1)
    high = tf.minimum(low + 1, size - 1)
    frac = tf.where(tf.cast(y, tf.int32) >= size - 1, tf.zeros_like(y), y - tf.cast(low, dtype))
    frac = tf.where(ok, frac, tf.zeros_like(frac))
    return tf.stack([low, high]), tf.stack([tf.cast(ok, dtype) - frac, frac])


@op('_contrib_ROIAlign')
def roi_align(ctx, p, data, rois):
    """Average of bilinear samples per bin of each roi [batch_index, x1, y1, x2, y2]."""
    ds, rs = _shape(data), _shape(rois)
    if len(ds) != 4:
        raise MXNetError('ROIAlign: data should be a 4D tensor, got %s' % (tuple(ds),))
    if len(rs) != 2 or rs[1] not in (None, 5):
        raise MXNetError('ROIAlign: bbox should be a 2D tensor of shape [batch, 5], got %s'
                         % (tuple(rs),))
    if len(p.pooled_size) != 2 or min(p.pooled_size) < 1:
        raise MXNetError('ROIAlign: pooled_size should be (h, w) with positive entries, got %s'
                         % (tuple(p.pooled_size),))
    PH, PW = p.pooled_size
    _, C, H, W = ds
    if None in (C, H, W):
        raise MXNetError('ROIAlign: channels and spatial size of data must be known')
    if p.position_sensitive and C % (PH * PW):
        raise MXNetError('ROIAlign: Input channels should be divided by '
                         'pooled_size[0]*pooled_size[1] when position_sensitive is true.')
    dtype = data.dtype
    rois = tf.stop_gradient(tf.cast(rois, dtype))
    b, x1, y1, x2, y2 = tf.unstack(rois, axis=-1)
    bidx = tf.cast(b, tf.int32)
    use = (bidx >= 0) & (bidx < tf.shape(data)[0])
    bidx = tf.where(use, bidx, tf.zeros_like(bidx))
    scale = _c(p.spatial_scale, dtype)
    off = _c(0.5 if p.aligned else 0., dtype)
    sw, sh = x1 * scale - off, y1 * scale - off
    rw, rh = x2 * scale - off - sw, y2 * scale - off - sh
    if not p.aligned:
        rw, rh = tf.maximum(rw, 1.), tf.maximum(rh, 1.)
    bh, bw = _div(rh, _c(PH, dtype)), _div(rw, _c(PW, dtype))
    if p.sample_ratio > 0:
        gh = gw = tf.fill(tf.shape(bidx), p.sample_ratio)
        nh = nw = p.sample_ratio
    else:
        gh = tf.cast(tf.math.ceil(_div(rh, _c(PH, dtype))), tf.int32)
        gw = tf.cast(tf.math.ceil(_div(rw, _c(PW, dtype))), tf.int32)
        nh, nw = tf.reduce_max(gh), tf.reduce_max(gw)
    ytap, ywt = _axis_taps(sh, bh, gh, nh, PH, H, dtype)                     # (2, nh, R, PH)
    xtap, xwt = _axis_taps(sw, bw, gw, nw, PW, W, dtype)                     # (2, nw, R, PW)
    count = tf.cast(gh * gw, dtype)
    if p.position_sensitive:
        Co = C // (PH * PW)
        flat = tf.reshape(data, [-1])
        cin = (np.arange(Co)[:, None, None] * PH * PW + np.arange(PH)[None, :, None] * PW +
               np.arange(PW)[None, None, :]).astype(np.int32)                # (Co, PH, PW)
        base = (bidx[:, None, None, None] * C + cin[None]) * (H * W)          # (R, Co, PH, PW)
        ytap, xtap = ytap[:, :, :, None, :, None] * W, xtap[:, :, :, None, None, :]
        ywt, xwt = ywt[:, :, :, None, :, None], xwt[:, :, :, None, None, :]
    else:
        Co = C
        flat = tf.reshape(tf.transpose(data, [0, 2, 3, 1]), [-1, C])
        base = bidx[:, None, None] * (H * W)                                  # (R, 1, 1)
        ytap, xtap = ytap[..., None] * W, xtap[:, :, :, None, :]
        ywt, xwt = ywt[..., None], xwt[:, :, :, None, :]

    def sample(s, acc):
        """Add sample s (row s // nw, column s % nw) of every bin, its 4 taps at once."""
        iy, ix = s // nw, s % nw
        idx = base + ytap[:, None, iy] + xtap[None, :, ix]                    # (2, 2, R, ...)
        wgt = ywt[:, None, iy] * xwt[None, :, ix]
        v = tf.gather(flat, idx)
        if not p.position_sensitive:
            wgt = wgt[..., None]
        return acc + tf.reduce_sum(v * wgt, axis=[0, 1])

    def sample_some(s, acc):
        """As sample(), for the rois whose own grid has sample s only (adaptive grids differ
        per roi: the work follows each roi's own sample count, as in MXNet)."""
        iy, ix = s // nw, s % nw
        sel = tf.where((iy < gh) & (ix < gw))[:, 0]
        yt, yw = tf.gather(ytap[:, iy], sel, axis=1), tf.gather(ywt[:, iy], sel, axis=1)
        xt, xw = tf.gather(xtap[:, ix], sel, axis=1), tf.gather(xwt[:, ix], sel, axis=1)
        idx = tf.gather(base, sel) + yt[:, None] + xt[None]
        wgt = yw[:, None] * xw[None]
        if not p.position_sensitive:
            wgt = wgt[..., None]
        part = tf.reduce_sum(tf.gather(flat, idx) * wgt, axis=[0, 1])
        return tf.tensor_scatter_nd_add(acc, sel[:, None], part)

    R = _dim(rois, 0)
    shape = [R, Co, PH, PW] if p.position_sensitive else [R, PH, PW, Co]
    acc = tf.zeros(tf.stack(shape) if not isinstance(R, int) else shape, dtype)
    if isinstance(nh, int) and nh * nw <= 4:
        for s in range(nh * nw):
            acc = sample(s, acc)
    else:
        step = sample if p.sample_ratio > 0 else sample_some
        _, acc = tf.while_loop(lambda s, a: s < nh * nw, lambda s, a: (s + 1, step(s, a)),
                               (tf.constant(0), acc))
    if not p.position_sensitive:
        acc = tf.transpose(acc, [0, 3, 1, 2])
    out = _div(acc, count[:, None, None, None])
    out = tf.where(use[:, None, None, None], out, tf.zeros_like(out))
    out.set_shape([rs[0], Co, PH, PW])
    return out


# --- PSROIPooling -------------------------------------------------------------------------

def _round_half_away(x):
    return tf.sign(x) * tf.floor(tf.abs(x) + 0.5)


@op('_contrib_PSROIPooling')
def psroi_pooling(ctx, p, data, rois):
    """Position-sensitive average pooling (R-FCN): output channel d of bin (i, j) averages
    input channel (d*G + gi)*G + gj over the bin's integer window."""
    ds, rs = _shape(data), _shape(rois)
    if len(ds) != 4:
        raise MXNetError('PSROIPooling: data should be a 4D tensor, got %s' % (tuple(ds),))
    if len(rs) != 2 or rs[1] not in (None, 5):
        raise MXNetError('PSROIPooling: bbox should be a 2D tensor of shape [batch, 5], got %s'
                         % (tuple(rs),))
    P, D = p.pooled_size, p.output_dim
    G = p.group_size if p.group_size > 0 else P
    if P < 1 or D < 1:
        raise MXNetError('PSROIPooling: pooled_size and output_dim must be positive')
    _, C, H, W = ds
    if None in (C, H, W):
        raise MXNetError('PSROIPooling: channels and spatial size of data must be known')
    if C < D * G * G:
        raise MXNetError('PSROIPooling: data has %d channels, output_dim*group_size^2 = %d '
                         'needed' % (C, D * G * G))
    dtype = data.dtype
    rois = tf.stop_gradient(tf.cast(rois, dtype))
    scale = _c(p.spatial_scale, dtype)
    bidx = tf.cast(rois[:, 0], tf.int32)
    sw = _round_half_away(rois[:, 1]) * scale
    sh = _round_half_away(rois[:, 2]) * scale
    ew = (_round_half_away(rois[:, 3]) + 1.) * scale
    eh = (_round_half_away(rois[:, 4]) + 1.) * scale
    rw = tf.maximum(ew - sw, _c(0.1, dtype))
    rh = tf.maximum(eh - sh, _c(0.1, dtype))
    bh, bw = _div(rh, tf.cast(P, dtype)), _div(rw, tf.cast(P, dtype))
    k = tf.cast(tf.range(P), dtype)[None, :]

    def window(start, binsz, size):
        lo = tf.cast(tf.floor(k * binsz[:, None] + start[:, None]), tf.int32)
        hi = tf.cast(tf.math.ceil((k + 1.) * binsz[:, None] + start[:, None]), tf.int32)
        return tf.clip_by_value(lo, 0, size), tf.clip_by_value(hi, 0, size)   # (R, P)
    hs, he = window(sh, bh, H)
    ws, we = window(sw, bw, W)
    f = np.float32 if dtype != tf.float64 else np.float64
    gidx = np.clip(np.floor(np.arange(P).astype(f) * f(G) / f(P)).astype(int), 0, G - 1)
    chan = ((np.arange(D)[:, None, None] * G + gidx[None, :, None]) * G +
            gidx[None, None, :]).astype(np.int32)                              # (D, P, P)
    # Window sums from an integral image (in float64 to keep MXNet's direct-sum precision).
    acc_t = tf.float64
    integ = tf.pad(tf.cast(data, acc_t), [[0, 0], [0, 0], [1, 0], [1, 0]])
    integ = tf.reshape(tf.cumsum(tf.cumsum(integ, axis=2), axis=3), [-1])
    use = (bidx >= 0) & (bidx < tf.shape(data)[0])       # MXNet reads out of bounds otherwise
    base = (tf.where(use, bidx, 0)[:, None, None, None] * C + chan[None]) * \
        ((H + 1) * (W + 1))                                                   # (R, D, P, P)

    def at(y, x):
        return tf.gather(integ, base + y[:, None, :, None] * (W + 1) + x[:, None, None, :])
    total = at(he, we) - at(hs, we) - at(he, ws) + at(hs, ws)
    area = ((he - hs)[:, :, None] * (we - ws)[:, None, :])[:, None]           # (R, 1, P, P)
    empty = (area <= 0) | ~use[:, None, None, None]
    out = tf.where(empty, tf.zeros_like(total),
                   total / tf.cast(tf.where(empty, tf.ones_like(area), area), acc_t))
    out = tf.cast(out, dtype)
    out.set_shape([rs[0], D, P, P])
    return out


# --- AdaptiveAvgPooling2D / BilinearResize2D -------------------------------------------------

def _adaptive_matrix(n_in, n_out):
    f = np.float32
    m = np.zeros((n_out, n_in), np.float64)
    for o in range(n_out):
        lo = int(np.floor(f(o * n_in) / f(n_out)))
        hi = int(np.ceil(f((o + 1) * n_in) / f(n_out)))
        m[o, lo:hi] = 1.0 / (hi - lo)
    return m


def _separable(x, mh, mw):
    """out[n, c] = mh @ x[n, c] @ mw.T for (N, C, H, W) x and numpy matrices."""
    dt = x.dtype.as_numpy_dtype
    y = tf.einsum('oh,nchw->ncow', tf.constant(mh.astype(dt)), x)
    return tf.einsum('pw,ncow->ncop', tf.constant(mw.astype(dt)), y)


@op('_contrib_AdaptiveAvgPooling2D')
def adaptive_avg_pooling(ctx, p, data):
    """Average pooling of NCHW data to output_size (int or (h, w); empty: 1x1), windows
    [floor(i*H/h), ceil((i+1)*H/h))."""
    s = _shape(data)
    if len(s) != 4:
        raise MXNetError('AdaptiveAvgPooling2D: data must be 4D (NCHW), got %s' % (tuple(s),))
    if s[2] is None or s[3] is None:
        raise MXNetError('AdaptiveAvgPooling2D: the spatial size of data must be known')
    o = tuple(p.output_size)
    oh, ow = (o[0], o[0]) if len(o) == 1 else (o if len(o) == 2 else (1, 1))
    if oh < 1 or ow < 1:
        raise MXNetError('AdaptiveAvgPooling2D: output_size must be positive, got %s' % (o,))
    return _separable(data, _adaptive_matrix(s[2], oh), _adaptive_matrix(s[3], ow))


def _resize_matrix(n_in, n_out, align):
    """Interpolation weights (n_out, n_in) as MXNet's kernel computes them (float32)."""
    f = np.float32
    m = np.zeros((n_out, n_in), np.float64)
    if n_out > 1:
        scale = f(f(n_in - 1) / f(n_out - 1)) if align else f(f(n_in) / f(n_out))
    else:
        scale = f(0)
    for d in range(n_out):
        if align:
            src = f(scale * f(d))
        else:
            src = f(np.float64(scale) * (d + 0.5) - 0.5)
            src = f(0) if src < 0 else src
        i = int(src)
        step = 1 if i < n_in - 1 else 0
        lam = f(src - f(i))
        m[d, i] += f(f(1) - lam)
        m[d, i + step] += lam
    return m


def _resize_inputs(p):
    return ['data', 'like'] if p.mode == 'like' else ['data']


def _resize_size(p, s, like_shape):
    h, w = s[2], s[3]
    mode = p.mode
    if mode == 'size':
        if p.scale_height is not None:
            if p.scale_width is None:
                raise MXNetError('BilinearResize2D: scale_width must be given with scale_height')
            return (int(np.float32(p.scale_height) * np.float32(h)),
                    int(np.float32(p.scale_width) * np.float32(w)))
        return p.height, p.width
    if mode == 'odd_scale':
        if p.scale_height is None or p.scale_width is None:
            raise MXNetError("BilinearResize2D: mode 'odd_scale' needs scale_height and "
                             "scale_width")

        def odd(n, sc):
            sc = np.float32(sc)
            return int(np.float32(n) * sc) if n % 2 == 0 else int(np.float32(n - 1) * sc) + 1
        return odd(h, p.scale_height), odd(w, p.scale_width)
    if mode == 'like':
        if like_shape is None or len(like_shape) < 4 or None in like_shape[2:4]:
            raise MXNetError("BilinearResize2D: mode 'like' needs a 4D like input of known "
                             "spatial size")
        return like_shape[2], like_shape[3]
    even = mode.startswith('to_even')
    up = mode.endswith('_up')

    def fix(n):
        if (n % 2 == 0) == even:
            return n
        return n + 1 if up else n - 1
    return fix(h), fix(w)


@op('_contrib_BilinearResize2D', inputs=_resize_inputs)
def bilinear_resize(ctx, p, data, like=None):
    """Bilinear resize of NCHW data (align_corners or half-pixel with a clamp at 0)."""
    s = _shape(data)
    if len(s) != 4:
        raise MXNetError('BilinearResize2D: data must be 4D (NCHW), got %s' % (tuple(s),))
    if s[2] is None or s[3] is None:
        raise MXNetError('BilinearResize2D: the spatial size of data must be known')
    oh, ow = _resize_size(p, s, None if like is None else _shape(like))
    if oh < 1 or ow < 1:
        raise MXNetError('BilinearResize2D: output size (%d, %d) must be positive' % (oh, ow))
    if (oh, ow) == (s[2], s[3]):
        return tf.identity(data)
    return _separable(data, _resize_matrix(s[2], oh, p.align_corners),
                      _resize_matrix(s[3], ow, p.align_corners))


# --- DeformablePSROIPooling ------------------------------------------------------------------

def _dpsroi_inputs(p):
    return ['data', 'rois'] if p.no_trans else ['data', 'rois', 'trans']


@op('_contrib_DeformablePSROIPooling', inputs=_dpsroi_inputs, num_outputs=2,
    outputs=['output'])
def deformable_psroi_pooling(ctx, p, data, rois, trans=None):
    """Deformable R-FCN pooling: bin (i, j) of output channel d averages bilinear samples of
    input channel (d*G + gi)*G + gj, the bin shifted by its part's learned offset. The hidden
    second output counts the samples averaged."""
    ds, rs = _shape(data), _shape(rois)
    if len(ds) != 4 or None in ds[1:]:
        raise MXNetError('DeformablePSROIPooling: data must be 4-D with known channels and '
                         'size, got %s' % (tuple(ds),))
    if len(rs) != 2 or rs[1] not in (None, 5):
        raise MXNetError('DeformablePSROIPooling: rois must have shape (num_rois, 5), got %s'
                         % (tuple(rs),))
    P, D, G = p.pooled_size, p.output_dim, p.group_size
    part = p.part_size or P
    S = p.sample_per_part
    _, C, H, W = ds
    if C != D * G * G:
        raise MXNetError('DeformablePSROIPooling: data has %d channels, output_dim * '
                         'group_size^2 = %d expected' % (C, D * G * G))
    dtype = data.dtype
    f = dtype.as_numpy_dtype
    rois = tf.stop_gradient(tf.cast(rois, dtype))
    scale = _c(p.spatial_scale, dtype)
    half = tf.constant(0.5, dtype)
    bidx = tf.cast(rois[:, 0], tf.int32)
    x1 = _round_half_away(rois[:, 1]) * scale - half
    y1 = _round_half_away(rois[:, 2]) * scale - half
    rw = tf.maximum((_round_half_away(rois[:, 3]) + 1.) * scale - half - x1, _c(0.1, dtype))
    rh = tf.maximum((_round_half_away(rois[:, 4]) + 1.) * scale - half - y1, _c(0.1, dtype))
    bw, bh = rw / tf.cast(P, dtype), rh / tf.cast(P, dtype)
    sub_w, sub_h = bw / tf.cast(S, dtype), bh / tf.cast(S, dtype)
    k = np.arange(P)
    part_idx = np.floor(k.astype(f) / f(P) * f(part)).astype(np.int32)             # (P,)
    gidx = np.clip(np.floor(k.astype(f) * f(G) / f(P)).astype(int), 0, G - 1)
    chan = ((np.arange(D)[:, None, None] * G + gidx[None, :, None]) * G +
            gidx[None, None, :]).astype(np.int32)                                  # (D, P, P)
    kf = tf.constant(k.astype(f))
    # bin origins (R, D, P, P), shifted by the part offsets
    wstart = tf.broadcast_to((kf[None, None, None, :] * bw[:, None, None, None] +
                              x1[:, None, None, None]), [tf.shape(rois)[0], D, P, P])
    hstart = tf.broadcast_to((kf[None, None, :, None] * bh[:, None, None, None] +
                              y1[:, None, None, None]), [tf.shape(rois)[0], D, P, P])
    if not p.no_trans:
        ts = _shape(trans)
        if len(ts) != 4 or ts[1] is None or ts[1] % 2 or ts[2:] != [part, part]:
            raise MXNetError('DeformablePSROIPooling: trans must have shape (num_rois, '
                             '2*num_classes, %d, %d), got %s' % (part, part, tuple(ts)))
        ncls = ts[1] // 2
        if D % ncls:
            raise MXNetError('DeformablePSROIPooling: output_dim=%d is not a multiple of the '
                             '%d classes in trans' % (D, ncls))
        cls = np.arange(D) // (D // ncls)
        tstd = _c(p.trans_std, dtype)
        # trans[r, 2*cls(d) + {0, 1}, part(ph), part(pw)] as (R, D, P, P)
        sel = (cls[:, None, None] * 2 * part * part + part_idx[None, :, None] * part +
               part_idx[None, None, :]).astype(np.int32)
        flat = tf.reshape(tf.cast(trans, dtype), [-1, ncls * 2 * part * part])
        tx = tf.gather(flat, sel, axis=1) * tstd
        ty = tf.gather(flat, sel + part * part, axis=1) * tstd
        wstart = wstart + tx * rw[:, None, None, None]
        hstart = hstart + ty * rh[:, None, None, None]
    sk = tf.constant(np.arange(S).astype(f))
    ws = wstart[..., None, None] + sk[None, :] * sub_w[:, None, None, None, None, None]
    hs = hstart[..., None, None] + sk[:, None] * sub_h[:, None, None, None, None, None]
    ws, hs = tf.broadcast_to(ws, tf.shape(hs + ws)), tf.broadcast_to(hs, tf.shape(hs + ws))
    valid = ((ws >= -half) & (ws <= W - 0.5) & (hs >= -half) & (hs <= H - 0.5))
    use = (bidx >= 0) & (bidx < tf.shape(data)[0])
    valid = valid & use[:, None, None, None, None, None]
    # clamp into the map, the gradient going straight through (MXNet's trans gradient)
    wc = ws + tf.stop_gradient(tf.clip_by_value(ws, 0., W - 1.) - ws)
    hc = hs + tf.stop_gradient(tf.clip_by_value(hs, 0., H - 1.) - hs)
    x0, y0 = tf.stop_gradient(tf.floor(wc)), tf.stop_gradient(tf.floor(hc))
    xh, yh = tf.stop_gradient(tf.math.ceil(wc)), tf.stop_gradient(tf.math.ceil(hc))
    dx, dy = wc - x0, hc - y0
    flat_data = tf.reshape(data, [-1])
    base = (tf.where(use, bidx, 0)[:, None, None, None] * C + chan[None]) * (H * W)
    base = base[..., None, None]

    def at(y, x):
        return tf.gather(flat_data, base + tf.cast(y, tf.int32) * W + tf.cast(x, tf.int32))
    val = ((1 - dx) * (1 - dy) * at(y0, x0) + (1 - dx) * dy * at(yh, x0) +
           dx * (1 - dy) * at(y0, xh) + dx * dy * at(yh, xh))
    val = tf.where(valid, val, tf.zeros_like(val))
    count = tf.reduce_sum(tf.cast(valid, dtype), axis=[4, 5])
    total = tf.reduce_sum(val, axis=[4, 5])
    out = tf.where(count > 0, total / tf.maximum(count, 1), tf.zeros_like(total))
    out.set_shape([rs[0], D, P, P])
    return out, tf.stop_gradient(count)


# --- RROIAlign ------------------------------------------------------------------------------

@op('_contrib_RROIAlign')
def rroi_align(ctx, p, data, rois):
    """ROIAlign of rotated rois [batch_index, centre x, centre y, width, height, angle]."""
    ds, rs = _shape(data), _shape(rois)
    if len(ds) != 4 or None in ds[1:]:
        raise MXNetError('RROIAlign: data must be 4-D with known channels and size, got %s'
                         % (tuple(ds),))
    if len(rs) != 2 or rs[1] not in (None, 6):
        raise MXNetError('RROIAlign: rois must have shape (num_rois, 6), got %s' % (tuple(rs),))
    if len(p.pooled_size) != 2 or min(p.pooled_size) < 1:
        raise MXNetError('RROIAlign: pooled_size should be (h, w) with positive entries, got %s'
                         % (tuple(p.pooled_size),))
    PH, PW = p.pooled_size
    _, C, H, W = ds
    dtype = data.dtype
    rois = tf.stop_gradient(tf.cast(rois, dtype))
    b, cx, cy, rw, rh, ang = tf.unstack(rois, axis=-1)
    bidx = tf.cast(b, tf.int32)
    use = (bidx >= 0) & (bidx < tf.shape(data)[0])
    bidx = tf.where(use, bidx, tf.zeros_like(bidx))
    scale = _c(p.spatial_scale, dtype)
    cx, cy = cx * scale, cy * scale
    rw, rh = tf.maximum(rw * scale, 1.), tf.maximum(rh * scale, 1.)
    theta = tf.cast(tf.cast(ang, tf.float64) * np.pi / 180.0, dtype)
    cos, sin = tf.cos(theta), tf.sin(theta)
    bh, bw = rh / _c(PH, dtype), rw / _c(PW, dtype)
    if p.sampling_ratio > 0:
        gh = gw = tf.fill(tf.shape(bidx), p.sampling_ratio)
    else:
        gh = tf.cast(tf.math.ceil(rh / _c(PH, dtype)), tf.int32)
        gw = tf.cast(tf.math.ceil(rw / _c(PW, dtype)), tf.int32)
    nw = tf.maximum(tf.reduce_max(gw), 1)
    total = tf.maximum(tf.reduce_max(gh), 1) * nw
    ghf, gwf = tf.cast(gh, dtype), tf.cast(gw, dtype)
    ph = tf.cast(tf.range(PH), dtype)[None, :, None]
    pw = tf.cast(tf.range(PW), dtype)[None, None, :]
    col = lambda v: v[:, None, None]   # noqa: E731  (R,) -> (R, 1, 1)
    flat = tf.reshape(tf.transpose(data, [0, 2, 3, 1]), [-1, C])
    hf, wf = tf.constant(H, dtype), tf.constant(W, dtype)

    def body(s, acc):
        iy, ix = s // nw, s % nw
        yy = col(-rh / 2.) + ph * col(bh) + (tf.cast(iy, dtype) + 0.5) * col(bh) / col(ghf)
        xx = col(-rw / 2.) + pw * col(bw) + (tf.cast(ix, dtype) + 0.5) * col(bw) / col(gwf)
        x = xx * col(cos) + yy * col(sin) + col(cx)                      # (R, PH, PW)
        y = yy * col(cos) - xx * col(sin) + col(cy)
        empty = (y < -1.) | (y > hf) | (x < -1.) | (x > wf) | \
            ~col((iy < gh) & (ix < gw) & use)
        y, x = tf.maximum(y, 0.), tf.maximum(x, 0.)
        y_low, x_low = tf.stop_gradient(tf.floor(y)), tf.stop_gradient(tf.floor(x))
        y_edge, x_edge = y_low >= hf - 1, x_low >= wf - 1
        y_low, x_low = tf.where(y_edge, hf - 1, y_low), tf.where(x_edge, wf - 1, x_low)
        y, x = tf.where(y_edge, y_low, y), tf.where(x_edge, x_low, x)
        y_high = tf.where(y_edge, y_low, y_low + 1)
        x_high = tf.where(x_edge, x_low, x_low + 1)
        ly, lx = y - y_low, x - x_low
        base = col(bidx) * (H * W)

        def at(yi, xi):
            return tf.gather(flat, base + tf.cast(yi, tf.int32) * W + tf.cast(xi, tf.int32))
        v = ((1 - ly) * (1 - lx))[..., None] * at(y_low, x_low) + \
            ((1 - ly) * lx)[..., None] * at(y_low, x_high) + \
            (ly * (1 - lx))[..., None] * at(y_high, x_low) + \
            (ly * lx)[..., None] * at(y_high, x_high)
        return s + 1, acc + tf.where(empty[..., None], tf.zeros_like(v), v)

    acc0 = tf.zeros(tf.stack([tf.shape(rois)[0], PH, PW, C]), dtype)
    _, acc = tf.while_loop(lambda s, a: s < total, body, (tf.constant(0), acc0))
    out = acc / (col(ghf) * col(gwf))[..., None]
    out = tf.transpose(out, [0, 3, 1, 2])
    out.set_shape([rs[0], C, PH, PW])
    return out
