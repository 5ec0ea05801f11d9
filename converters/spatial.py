"""Spatial-transformer-style ops: BilinearSampler, GridGenerator, SpatialTransformer,
Correlation, ROIPooling (all NCHW).

Conventions (MXNet 1.9.1, CPU kernels):
* Sampling grids are normalised to [-1, 1], channel 0 is x (width), channel 1 is y (height);
  -1 maps to pixel 0 and 1 to pixel W-1 ("align corners"). Bilinear taps outside the input
  read 0.
* GridGenerator/SpatialTransformer's target grid: x = -1 + j*2/(W-1), y = -1 + i*2/(H-1);
  the affine ``data``/``loc`` (N, 6) is a row-major 2x3 matrix applied to (x, y, 1).
  ``warp`` adds a pixel flow (N, 2, H, W) to the pixel grid, then normalises.
* Correlation (CPU kernel): the patch of output (i, j) starts at padded row/col
  ``i*stride1 + max_displacement`` (not centred on it), displacement channel q is
  (dy, dx) = (q // G - r, q % G - r) * stride2 with r = max_displacement // stride2,
  G = 2r+1, and the sum is divided by kernel_size^2 * channels. ``is_multiply=False`` uses
  |a - b|, whose gradient is +1 where a >= b.
* ROIPooling: rois rows are [batch_index, x1, y1, x2, y2]; coordinates are scaled by
  spatial_scale and rounded half away from zero; the roi is (x2-x1+1) x (y2-y1+1) pixels
  (at least 1), bin (ph, pw) covers rows floor(ph*h/PH) .. ceil((ph+1)*h/PH) (clipped to the
  image); the max's gradient goes to its first occurrence in row-major order; empty bins and
  rois with an invalid batch index output 0.

Hidden outputs (MXNet's workspaces) are returned too: BilinearSampler ``tmp``, GridGenerator
``grid_dst``, SpatialTransformer ``grid_dst``/``grid_src``, Correlation ``tmp1``/``tmp2`` (the
padded NHWC inputs), ROIPooling ``maxidx`` (flat index into data, -1 for empty bins).
"""
import numpy as np
import tensorflow as tf

from .base import MXNetError
from .registry import op

_FLT_MAX = 3.4028234663852886e38


def _shape(x):
    return x.shape.as_list()


def _dim(x, i):
    """Static dim i if known, else the dynamic one."""
    s = x.shape.as_list()[i]
    return s if s is not None else tf.shape(x)[i]


def bilinear_sample(data, gx, gy):
    """Sample data (N, C, H, W) at normalised coords gx, gy (N, Ho, Wo); outside taps are 0."""
    _, _, H, W = _shape(data)
    if H is None or W is None:
        raise MXNetError('the spatial size of data must be known')
    N = _dim(data, 0)
    C = _dim(data, 1)
    Ho = _dim(gx, 1)
    Wo = _dim(gx, 2)
    x = (gx + 1) * (W - 1) / 2
    y = (gy + 1) * (H - 1) / 2
    x0 = tf.floor(x)
    y0 = tf.floor(y)
    wx0 = 1 - (x - x0)
    wy0 = 1 - (y - y0)
    x0i = tf.cast(x0, tf.int32)
    y0i = tf.cast(y0, tf.int32)
    flat = tf.reshape(data, tf.stack([N, C, H * W]))
    out = 0
    for dy, wy in ((0, wy0), (1, 1 - wy0)):
        for dx, wx in ((0, wx0), (1, 1 - wx0)):
            xi = x0i + dx
            yi = y0i + dy
            valid = (xi >= 0) & (xi < W) & (yi >= 0) & (yi < H)
            idx = tf.clip_by_value(yi, 0, H - 1) * W + tf.clip_by_value(xi, 0, W - 1)
            idx = tf.reshape(idx, tf.stack([N, -1]))
            v = tf.gather(flat, idx, axis=2, batch_dims=1)                     # (N, C, Ho*Wo)
            wgt = tf.where(valid, wy * wx, tf.zeros_like(wx))
            out = out + v * tf.reshape(wgt, tf.stack([N, 1, -1]))
    return tf.reshape(out, tf.stack([N, C, Ho, Wo]))


# --- BilinearSampler ------------------------------------------------------------------------

@op('BilinearSampler', outputs=['output'], num_outputs=2)
def bilinear_sampler(ctx, p, data, grid):
    """output[n, c, i, j] = data[n, c] sampled at grid[n, :, i, j] (x first, in [-1, 1])."""
    ds, gs = _shape(data), _shape(grid)
    if len(ds) != 4:
        raise MXNetError('BilinearSampler: data should be 4D in batch-num_filter-y-x, got %s'
                         % (tuple(ds),))
    if len(gs) != 4 or gs[1] not in (None, 2):
        raise MXNetError('BilinearSampler: grid should be 4D of shape (batch, 2, H, W), got %s'
                         % (tuple(gs),))
    if ds[0] is not None and gs[0] is not None and ds[0] != gs[0]:
        raise MXNetError('BilinearSampler: data and grid batch sizes differ (%d vs %d)'
                         % (ds[0], gs[0]))
    grid = tf.cast(grid, data.dtype)
    out = bilinear_sample(data, grid[:, 0], grid[:, 1])
    return out, tf.transpose(grid, [0, 2, 3, 1])


# --- GridGenerator / SpatialTransformer ---------------------------------------------------

def _target_grid(h, w, dtype):
    """MXNet's (3, h*w) destination grid: rows x, y, 1 in [-1, 1]."""
    k = np.arange(h * w)
    xs = -1.0 + (k % w) * (2.0 / (w - 1)) if w > 1 else np.full(h * w, np.inf)
    ys = -1.0 + (k // w) * (2.0 / (h - 1)) if h > 1 else np.full(h * w, np.inf)
    g = np.stack([xs, ys, np.ones(h * w)]).astype(dtype.as_numpy_dtype)
    return tf.constant(g)


def _check_target(op_name, p):
    ts = p.target_shape
    if len(ts) != 2 or ts[0] <= 0 or ts[1] <= 0:
        raise MXNetError('%s: incorrect target_shape %s, expected (H, W) with H, W > 0'
                         % (op_name, tuple(ts)))
    return ts


@op('GridGenerator', outputs=['output'], num_outputs=2)
def grid_generator(ctx, p, data):
    """A sampling grid (N, 2, H, W) for BilinearSampler from an affine matrix or a flow."""
    ds = _shape(data)
    dtype = data.dtype
    if p.transform_type == 'affine':
        if len(ds) != 2 or ds[1] not in (None, 6):
            raise MXNetError('GridGenerator: with transform_type affine, data should be an '
                             'affine matrix of shape (batch, 6), got %s' % (tuple(ds),))
        h, w = _check_target('GridGenerator', p)
        dst = _target_grid(h, w, dtype)
        n = _dim(data, 0)
        out = tf.matmul(tf.reshape(data, tf.stack([n, 2, 3])), dst)            # (N, 2, h*w)
        return tf.reshape(out, tf.stack([n, 2, h, w])), dst
    if len(ds) != 4 or ds[1] not in (None, 2):
        raise MXNetError('GridGenerator: with transform_type warp, data should be an optical '
                         'flow of shape (batch, 2, H, W), got %s' % (tuple(ds),))
    h, w = ds[2], ds[3]
    if h is None or w is None:
        raise MXNetError('GridGenerator: the flow spatial size must be known')
    gx, gy = np.meshgrid(np.arange(w), np.arange(h))
    dst = tf.constant(np.stack([gx, gy]).astype(dtype.as_numpy_dtype))         # (2, h, w)
    scale = tf.constant(np.array([(w - 1.0) / 2.0, (h - 1.0) / 2.0])
                        .astype(dtype.as_numpy_dtype).reshape(1, 2, 1, 1))
    return (data + dst[None]) / scale - 1, dst


@op('SpatialTransformer', outputs=['output'], num_outputs=3)
def spatial_transformer(ctx, p, data, loc):
    """Affine grid from loc (N, 6) over target_shape, then bilinear sampling of data."""
    ds, ls = _shape(data), _shape(loc)
    if len(ds) != 4:
        raise MXNetError('SpatialTransformer: data should be 4D in batch-num_filter-y-x, got %s'
                         % (tuple(ds),))
    if len(ls) != 2 or ls[1] not in (None, 6):
        raise MXNetError('SpatialTransformer: loc should be of shape (batch, 6), got %s'
                         % (tuple(ls),))
    h, w = _check_target('SpatialTransformer', p)
    dst = _target_grid(h, w, data.dtype)
    n = _dim(data, 0)
    src = tf.matmul(tf.reshape(tf.cast(loc, data.dtype), tf.stack([n, 2, 3])), dst)
    gx = tf.reshape(src[:, 0], tf.stack([n, h, w]))
    gy = tf.reshape(src[:, 1], tf.stack([n, h, w]))
    return bilinear_sample(data, gx, gy), dst, src


# --- Correlation --------------------------------------------------------------------------

def _corr_geometry(p, H, W):
    if p.kernel_size % 2 == 0:
        raise MXNetError('Correlation: kernel_size should be an odd number, got %d'
                         % p.kernel_size)
    if p.stride1 < 1 or p.stride2 < 1:
        raise MXNetError('Correlation: stride1 and stride2 must be >= 1')
    kr = (p.kernel_size - 1) // 2
    border = p.max_displacement + kr
    hp, wp = H + 2 * p.pad_size, W + 2 * p.pad_size
    th = int(np.ceil((hp - 2 * border) / float(p.stride1)))
    tw = int(np.ceil((wp - 2 * border) / float(p.stride1)))
    if th < 1 or tw < 1:
        raise MXNetError('Correlation cannot be done with current settings: neighborhood and '
                         'kernel don\'t fit in the input (H=%d, W=%d, pad_size=%d, '
                         'max_displacement=%d, kernel_size=%d)'
                         % (H, W, p.pad_size, p.max_displacement, p.kernel_size))
    r = p.max_displacement // p.stride2
    return th, tw, r


@op('Correlation', outputs=['output'], num_outputs=3)
def correlation(ctx, p, data1, data2):
    """FlowNet correlation of data1 patches with displaced data2 patches (MXNet CPU layout)."""
    s1, s2 = _shape(data1), _shape(data2)
    if len(s1) != 4 or len(s2) != 4:
        raise MXNetError('Correlation: data should be a 4D tensor, got %s and %s'
                         % (tuple(s1), tuple(s2)))
    _, C, H, W = s1
    if C is None or H is None or W is None:
        raise MXNetError('Correlation: channels and spatial size of data1 must be known')
    th, tw, r = _corr_geometry(p, H, W)
    k, md, st1, st2 = p.kernel_size, p.max_displacement, p.stride1, p.stride2
    pad = [[0, 0], [0, 0], [p.pad_size, p.pad_size], [p.pad_size, p.pad_size]]
    a = tf.pad(data1, pad)
    b = tf.pad(tf.cast(data2, data1.dtype), pad)
    # Rows/cols of the padded input read by the output grid, for a displacement of 0.
    rh = (th - 1) * st1 + k
    rw = (tw - 1) * st1 + k
    a_win = a[:, :, md:md + rh, md:md + rw]
    maps = []
    G = 2 * r + 1
    for q in range(G * G):
        dy = (q // G - r) * st2
        dx = (q % G - r) * st2
        b_win = b[:, :, md + dy:md + dy + rh, md + dx:md + dx + rw]
        if p.is_multiply:
            m = a_win * b_win
        else:
            d = a_win - b_win
            m = tf.where(d >= 0, d, -d)
        maps.append(tf.reduce_sum(m, axis=1))                                   # (N, rh, rw)
    m = tf.stack(maps, axis=-1)                                                 # (N, rh, rw, Q)
    if k > 1 or st1 > 1:
        m = tf.nn.avg_pool2d(m, [k, k], [st1, st1], 'VALID') if k > 1 else \
            m[:, ::st1, ::st1]
    out = tf.transpose(m, [0, 3, 1, 2]) / tf.constant(C, m.dtype)
    return out, tf.transpose(a, [0, 2, 3, 1]), tf.transpose(b, [0, 2, 3, 1])


# --- ROIPooling ---------------------------------------------------------------------------

def _round_half_away(x):
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
