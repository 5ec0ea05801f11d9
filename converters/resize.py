"""OpenCV's ``cv::resize`` kernels as sparse separable taps: per axis, each output index reads a
few input indices (1 for nearest, 2 bilinear, 4 bicubic, 8 Lanczos-4, up to ceil(scale) + 1
for INTER_AREA's box) with float64 weights.

Kernels: nearest (``floor(x*scale)``), bilinear and bicubic (a = -0.75) and Lanczos-4 on
half-pixel centres with replicated borders, INTER_AREA's box average when no axis grows and
its two-tap linear weights otherwise. Computed in float64 and rounded, results differ from OpenCV's
fixed-point arithmetic by at most one grey level.

Applying the taps costs O(taps) per output pixel, where the dense (n_out x n_in) weight
matrices these kernels used to be multiplied as cost O(n_in): an input pipeline resizes every
image. Eager images are resized in numpy (row gathers + small matrix products, in reused
buffers: faster than TF's gathers or sparse matmul at 32-400 pixel images,
benchmarks/bench_resize.py); images inside a traced graph with TF gathers and weighted sums.
"""
import functools
import math
import threading

import numpy as np
import tensorflow as tf

from .base import MXNetError

NAMES = {0: 'nearest', 1: 'bilinear', 2: 'bicubic', 3: 'area', 4: 'lanczos4'}  # cv2's codes


def _clamped(x0, k, n_in):
    """(n_out, k) indices x0 + 0..k-1, clamped to the image (replicated border)."""
    return np.clip(x0[:, None] + np.arange(k), 0, n_in - 1)


def _interp_taps(kind, n_in, n_out, scale):
    d = np.arange(n_out, dtype=np.float64)
    src = (d + 0.5) * scale - 0.5
    x0 = np.floor(src)
    f = src - x0
    x0 = x0.astype(np.int64)
    if kind == 'bilinear':
        lo, hi = x0 < 0, x0 >= n_in - 1            # outside: the border pixel alone
        idx = _clamped(np.where(lo, 0, np.where(hi, n_in - 1, x0)), 2, n_in)
        w = np.stack([1 - f, f], 1)
        w[lo | hi] = (1.0, 0.0)
        return idx, w
    if kind == 'bicubic':
        a = -0.75
        w0 = ((a * (f + 1) - 5 * a) * (f + 1) + 8 * a) * (f + 1) - 4 * a
        w1 = ((a + 2) * f - (a + 3)) * f * f + 1
        w2 = ((a + 2) * (1 - f) - (a + 3)) * (1 - f) * (1 - f) + 1
        return _clamped(x0 - 1, 4, n_in), np.stack([w0, w1, w2, 1 - (w0 + w1 + w2)], 1)
    x = f[:, None] + 3 - np.arange(8)              # Lanczos-4: sinc(x) sinc(x / 4), normalised
    px = np.pi * x
    with np.errstate(divide='ignore', invalid='ignore'):
        w = np.where(np.abs(x) < 1e-12, 1.0, 4 * np.sin(px) * np.sin(px / 4) / (px * px))
    return _clamped(x0 - 3, 8, n_in), w / w.sum(1, keepdims=True)


@functools.lru_cache(maxsize=512)
def resize_taps(n_in, n_out, interp, area_box=True):
    """(index, weight): (n_out, k) int64 input indices and float64 weights resampling one axis
    of size n_in to n_out as OpenCV's kernel ``interp`` (0-4) does; unused taps have weight 0.
    INTER_AREA averages boxes only where the whole image shrinks (``area_box``, no axis
    growing); otherwise OpenCV gives both axes its two-tap linear weights.
    Cached and read-only: an image pipeline resizes the same sizes again and again."""
    kind = NAMES[interp]
    scale = 1.0 / (n_out / n_in)      # as OpenCV computes it: floor(d * scale) depends on it
    d = np.arange(n_out, dtype=np.float64)
    if kind == 'nearest':
        idx = np.minimum(np.floor(d * scale).astype(np.int64), n_in - 1)[:, None]
        w = np.ones((n_out, 1))
    elif kind == 'area' and scale >= 1 and area_box:   # box average over [lo, hi)
        lo, hi = d * scale, (d + 1) * scale
        first = np.floor(lo).astype(np.int64)
        end = np.minimum(np.ceil(hi).astype(np.int64), n_in)
        k = int((end - first).max())
        s = first[:, None] + np.arange(k)
        used = s < end[:, None]
        w = np.where(used, (np.minimum(hi[:, None], s + 1) - np.maximum(lo[:, None], s))
                     / scale, 0.0)
        idx = np.where(used, s, first[:, None])
    elif kind == 'area':                   # an axis grows: OpenCV's linear weights
        sx = np.floor(d * scale).astype(np.int64)
        fx = (d + 1) - (sx + 1) / scale
        fx = np.where(fx <= 0, 0.0, fx - np.floor(fx))
        edge = sx >= n_in - 1
        idx = _clamped(np.where(edge, n_in - 1, sx), 2, n_in)
        w = np.stack([np.where(edge, 1.0, 1 - fx), np.where(edge, 0.0, fx)], 1)
    else:
        idx, w = _interp_taps(kind, n_in, n_out, scale)
    idx.flags.writeable = False
    w.flags.writeable = False
    return idx, w


@functools.lru_cache(maxsize=256)
def resize_matrix(n_in, n_out, interp, area_box=True):
    """The taps as a dense (n_out, n_in) float64 matrix (cached, read-only)."""
    idx, w = resize_taps(n_in, n_out, interp, area_box)
    m = np.zeros((n_out, n_in))
    np.add.at(m, (np.arange(n_out)[:, None], idx), w)
    m.flags.writeable = False
    return m


_LOCAL = threading.local()
_F64 = np.dtype(np.float64)
_KEEP = 32 << 20          # scratch buffers up to this many bytes are kept for the next image


def _scratch(slot, shape, dtype):
    """A thread's reusable work array: fresh large arrays cost a page fault every 4 KiB,
    as much as the arithmetic, when every image of a pipeline allocates them anew."""
    n = math.prod(shape) * dtype.itemsize
    if n > _KEEP:
        return np.empty(shape, dtype)
    bufs = _LOCAL.__dict__.setdefault('bufs', {})
    buf = bufs.get(slot)
    if buf is None or buf.size < n:
        buf = bufs[slot] = np.empty(max(n, 1 << 16), np.uint8)
    return buf[:n].view(dtype).reshape(shape)


def _rows_np(x2, taps, slot):
    """Resample the rows of 2-D numpy array ``x2`` (n_in, n): float64 (n_out, n) in scratch
    ``slot``, each output row the weighted sum of its gathered input rows (one small matrix
    product per row)."""
    idx, w = taps
    n_out, k = idx.shape
    g = np.take(x2, idx, axis=0, mode='clip',
                out=_scratch('gather', (n_out, k, x2.shape[1]), x2.dtype))
    if g.dtype != np.float64:
        g64 = _scratch('gather64', g.shape, _F64)
        np.copyto(g64, g)
        g = g64
    out = _scratch(slot, (n_out, 1, x2.shape[1]), _F64)
    return np.matmul(w[:, None, :], g, out=out)[:, 0]


def _transposed(a, slot=None):
    """(n, m, c) -> (m, n, c) in scratch ``slot`` (a new array without one), moving whole
    pixels (c values) at once."""
    n, m, c = a.shape
    pix = np.dtype((np.void, c * a.itemsize))
    out = np.empty((m, n * c), a.dtype) if slot is None else _scratch(slot, (m, n * c), a.dtype)
    np.copyto(out.view(pix), a.reshape(n, m * c).view(pix).T)
    return out.reshape(m, n, c)


def _resize_np(x, h, w, th, tw, rows_first, finish):
    """Resize one (H, W, C) numpy image to a new (h, w, C) array, ``finish`` taking the float64
    sums (scratch) to the output type. Both passes resample contiguous rows (cheap gathers):
    the image is transposed in between so its columns become rows."""
    ih, iw, c = x.shape
    x = np.ascontiguousarray(x)
    if rows_first:
        y = _rows_np(x.reshape(ih, iw * c), th, 'pass1').reshape(h, iw, c)
        y = _rows_np(_transposed(y, 'turn').reshape(iw, h * c), tw, 'pass2')
        return _transposed(finish(y).reshape(w, h, c))
    y = _rows_np(_transposed(x, 'in').reshape(iw, ih * c), tw, 'pass1').reshape(w, ih, c)
    y = _rows_np(_transposed(y, 'turn').reshape(ih, w * c), th, 'pass2')
    return finish(y).reshape(h, w, c)


def _axis_tf(x, taps, axis):
    """Resample float64 tensor ``x`` along ``axis`` (negative): gathered taps, weighted sum."""
    idx, w = taps
    g = tf.gather(x, idx, axis=axis)               # axis -> (n_out, k)
    wshape = list(w.shape) + [1] * (-axis - 1)
    return tf.reduce_sum(g * tf.constant(w.reshape(wshape)), axis=axis)


def resize_hw(img, h, w, interp, what='imresize'):
    """Resize the two axes before the last of ``img`` ((..., H, W, C) tensor) to (h, w) with
    OpenCV's kernel ``interp`` (0-4): integer images rounded and clipped, float ones cast
    back. Eager tensors are resized in numpy, symbolic ones with TF ops."""
    shape = img.shape.as_list()
    ih, iw = shape[-3], shape[-2]
    if ih is None or iw is None:
        raise MXNetError('%s: the image size must be known, got %s' % (what, tuple(shape)))
    if ih == 0 or iw == 0 or shape[-1] == 0:
        raise MXNetError('%s: the image is empty, got shape %s' % (what, tuple(shape)))
    if interp not in NAMES:
        raise MXNetError('%s: interp must be 0-4 (or 9/10 through mx.image), got %d'
                         % (what, interp))
    if w <= 0 or h <= 0:
        raise MXNetError('%s: target size must be positive, got w=%d, h=%d' % (what, w, h))
    box = ih >= h and iw >= w                     # INTER_AREA's box average: no axis grows
    th, tw = resize_taps(ih, h, interp, box), resize_taps(iw, w, interp, box)
    kh, kw = th[0].shape[1], tw[0].shape[1]
    # the cheaper order first (multiply-adds per channel): shrink before resampling
    rows_first = h * kh * iw + h * w * kw <= ih * w * kw + h * w * kh
    dtype = img.dtype
    info = np.iinfo(dtype.as_numpy_dtype) if dtype.is_integer else None
    if tf.executing_eagerly() and hasattr(img, 'numpy'):
        x = img.numpy()
        lo, hi = (info.min, info.max) if info is not None else (None, None)

        def finish(y):
            if info is not None:
                y = np.clip(np.rint(y, out=y), lo, hi, out=y)
            return y.astype(x.dtype)
        if x.ndim == 3:
            return tf.constant(_resize_np(x, h, w, th, tw, rows_first, finish))
        out = [_resize_np(one, h, w, th, tw, rows_first, finish)
               for one in x.reshape((-1,) + x.shape[-3:])]
        shape = x.shape[:-3] + (h, w, x.shape[-1])
        return tf.constant(np.stack(out).reshape(shape) if out else np.zeros(shape, x.dtype))
    order = [(th, -3), (tw, -2)] if rows_first else [(tw, -2), (th, -3)]
    out = tf.cast(img, tf.float64)
    for taps, axis in order:
        out = _axis_tf(out, taps, axis)
    if info is not None:
        out = tf.clip_by_value(tf.round(out), info.min, info.max)
    return tf.cast(out, dtype)
