"""Region-of-interest pooling: ROIPooling, ROIAlign, RROIAlign (rotated boxes), PSROIPooling and
DeformablePSROIPooling (Deformable R-FCN), all NCHW.

All follow MXNet 1.9.1's CPU kernels, quirks included (checked against the real library, see
tools/oracle_ops/detection.py and tests/fixtures/spatial):

* ROIPooling: rois rows are [batch_index, x1, y1, x2, y2]; coordinates are scaled by
  spatial_scale and rounded half away from zero; the roi is (x2-x1+1) x (y2-y1+1) pixels
  (at least 1), bin (ph, pw) covers rows floor(ph*h/PH) .. ceil((ph+1)*h/PH) (clipped to the
  image); the max's gradient goes to its first occurrence in row-major order; empty bins and
  rois with an invalid batch index output 0. Its hidden output ``maxidx`` (MXNet's workspace)
  is the flat index into data, -1 for empty bins.
* ROIAlign samples ``ceil(roi/pooled)`` points per bin unless sample_ratio > 0. ROIAlign and
  PSROIPooling output 0 for rois whose batch index is negative or past the batch (MXNet leaves
  such outputs unset / reads out of bounds).
* RROIAlign rotates each bin's sample grid by the roi's angle (degrees, counter-clockwise)
  around its centre; samples beyond one pixel outside the map count as 0 in the average. MXNet
  has no backward for it; here the data gradient is the derivative of the samples.
* DeformablePSROIPooling averages ``sample_per_part``^2 bilinear samples per bin, shifted by
  ``trans * trans_std * roi size``; samples beyond half a pixel outside the map are left out of
  the average, the others clamped into it. Its trans gradient, like MXNet's, is the bilinear
  slope at the clamped point (straight through the clamp).
"""
import numpy as np
import tensorflow as tf

from .base import MXNetError
from .dims import dim as _dim, static_shape as _shape
from .nms import mx_float as _c, true_div as _div
from .registry import op

_FLT_MAX = 3.4028234663852886e38


# --- ROIPooling ---------------------------------------------------------------------------

def _round_half_away(x):
    """Round to the nearest integer, halves away from zero (C's ``round``)."""
    return tf.sign(x) * tf.floor(tf.abs(x) + 0.5)


@op('ROIPooling', outputs=['output'], num_outputs=2)
def roi_pooling(ctx, p, data, rois):
    """Max pooling of each roi [batch_index, x1, y1, x2, y2] into pooled_size bins."""
    ds, rs = _shape(data), _shape(rois)
    if len(ds) != 4:
        raise MXNetError('ROIPooling: data should be a 4D tensor, got %s' % (tuple(ds),))
    if len(rs) != 2 or rs[1] not in (None, 5):
        raise MXNetError('ROIPooling: rois should be a 2D tensor of shape (num_rois, 5), got %s'
                         % (tuple(rs),))
    if len(p.pooled_size) != 2 or min(p.pooled_size) < 1:
        raise MXNetError('ROIPooling: pooled_size should be (h, w) with positive entries, '
                         'got %s' % (tuple(p.pooled_size),))
    PH, PW = p.pooled_size
    _, C, H, W = ds
    if C is None or H is None or W is None:
        raise MXNetError('ROIPooling: channels and spatial size of data must be known')
    dtype = data.dtype
    N = tf.shape(data)[0]
    rois = tf.cast(rois, dtype)
    # MXNet multiplies the roi (data dtype) by the float32 spatial_scale, then std::round.
    scale = tf.cast(tf.constant(np.float32(p.spatial_scale)), dtype)
    coords = _round_half_away(rois[:, 1:5] * scale)
    coords = tf.cast(coords, tf.int32)                      # x1, y1, x2, y2 in feature pixels
    bidx = tf.cast(rois[:, 0], tf.int32)
    valid_b = (bidx >= 0) & (bidx < N)

    def bins(start, end, pooled, size):
        """(R, pooled) first and one-past-last pixel of each bin, clipped to [0, size].

        MXNet computes floor(k * fl(len / pooled)) in the data dtype. Grappler would turn a
        division by a constant into a multiplication by its reciprocal (7 * fl(1/3) * 3 > 7
        in float32), so the quotient and products are formed exactly in float64 and rounded
        to the data dtype once each, as MXNet's float arithmetic does.
        """
        length = tf.cast(tf.maximum(end - start + 1, 1), tf.float64)
        bin_sz = tf.cast(tf.cast(length / pooled, dtype), tf.float64)           # (R,)
        k = tf.range(pooled, dtype=tf.float64)
        lo = tf.cast(tf.cast(k[None] * bin_sz[:, None], dtype), tf.float64)
        hi = tf.cast(tf.cast((k[None] + 1) * bin_sz[:, None], dtype), tf.float64)
        lo = tf.cast(tf.floor(lo), tf.int32) + start[:, None]
        hi = tf.cast(tf.math.ceil(hi), tf.int32) + start[:, None]
        return tf.clip_by_value(lo, 0, size), tf.clip_by_value(hi, 0, size)

    h_lo, h_hi = bins(coords[:, 1], coords[:, 3], PH, H)                        # (R, PH)
    w_lo, w_hi = bins(coords[:, 0], coords[:, 2], PW, W)                        # (R, PW)
    # Every bin's pixels, padded to the largest bin: rows (R, PH, KH), cols (R, PW, KW).
    KH = tf.maximum(tf.reduce_max(h_hi - h_lo), 1)
    KW = tf.maximum(tf.reduce_max(w_hi - w_lo), 1)
    rows = h_lo[..., None] + tf.range(KH)
    cols = w_lo[..., None] + tf.range(KW)
    row_ok = rows < h_hi[..., None]
    col_ok = cols < w_hi[..., None]
    rows = tf.minimum(rows, H - 1)
    cols = tf.minimum(cols, W - 1)
    bsafe = tf.clip_by_value(bidx, 0, N - 1)
    pix = (bsafe[:, None, None, None, None] * (H * W) + rows[:, :, None, :, None] * W
           + cols[:, None, :, None, :])                                         # (R,PH,PW,KH,KW)
    ok = row_ok[:, :, None, :, None] & col_ok[:, None, :, None, :]
    # Which pixel holds each bin's max: the first in row-major order, as MXNet's strict '>'
    # scan (tf.argmax returns the first maximum). Found on a channels-last copy without
    # gradient; the output then gathers that one pixel, so the gradient goes to it alone.
    nhwc = tf.reshape(tf.transpose(tf.stop_gradient(data), [0, 2, 3, 1]), [-1, C])
    v = tf.gather(nhwc, tf.reshape(pix, tf.stack([-1, PH, PW, KH * KW])))       # (..., C)
    v = tf.where(tf.reshape(ok, tf.stack([-1, PH, PW, KH * KW, 1])), v,
                 tf.constant(-np.inf, dtype))
    first = tf.argmax(v, axis=3, output_type=tf.int32)                          # (R, PH, PW, C)
    kh = first // KW
    kw = first % KW
    rsel = tf.minimum(h_lo[:, :, None, None] + kh, H - 1)
    csel = tf.minimum(w_lo[:, None, :, None] + kw, W - 1)
    gidx = (bsafe[:, None, None, None] * (C * H * W) + tf.range(C)[None, None, None, :] * (H * W)
            + rsel * W + csel)                                                  # (R, PH, PW, C)
    gidx = tf.transpose(gidx, [0, 3, 1, 2])                                     # (R, C, PH, PW)
    vals = tf.gather(tf.reshape(data, [-1]), gidx)
    # A bin holding only -inf keeps MXNet's initial -FLT_MAX (and passes no gradient).
    vals = tf.maximum(vals, tf.constant(-_FLT_MAX, dtype))
    empty = (h_hi <= h_lo)[:, :, None] | (w_hi <= w_lo)[:, None, :]              # (R, PH, PW)
    dead = empty[:, None] | ~valid_b[:, None, None, None]                       # (R, 1, PH, PW)
    out = tf.where(dead, tf.zeros_like(vals), vals)
    maxidx = tf.where(dead, tf.constant(-1, tf.int32), gidx)
    return out, maxidx


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
