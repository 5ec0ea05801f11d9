"""OpenCV's ``cv::resize`` kernels as sparse separable taps: per axis, each output index reads a
few input indices (1 for nearest, 2 bilinear, 4 bicubic, 8 Lanczos-4, up to ceil(scale) + 1
for INTER_AREA's box) with float64 weights.

Kernels: nearest (``floor(x*scale)``), bilinear and bicubic (a = -0.75) and Lanczos-4 on
half-pixel centres with replicated borders, INTER_AREA's box average when shrinking and its
linear weights when growing. Computed in float64 and rounded, results differ from OpenCV's
fixed-point arithmetic by at most one grey level.

Applying the taps costs O(taps) per output pixel, where the dense (n_out x n_in) weight
matrices these kernels used to be multiplied as cost O(n_in): an input pipeline resizes every
image. Eager images are resized in numpy (gathers + weighted sums, fewer dispatches than TF's
eager ops); images inside a traced graph with the same gathers in TF.
"""
import functools

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
def resize_taps(n_in, n_out, interp):
    """(index, weight): (n_out, k) int64 input indices and float64 weights resampling one axis
    of size n_in to n_out as OpenCV's kernel ``interp`` (0-4) does; unused taps have weight 0.
    Cached and read-only: an image pipeline resizes the same sizes again and again."""
    kind = NAMES[interp]
    scale = 1.0 / (n_out / n_in)      # as OpenCV computes it: floor(d * scale) depends on it
    d = np.arange(n_out, dtype=np.float64)
    if kind == 'nearest':
        idx = np.minimum(np.floor(d * scale).astype(np.int64), n_in - 1)[:, None]
        w = np.ones((n_out, 1))
    elif kind == 'area' and scale >= 1:            # box average over [lo, hi)
        lo, hi = d * scale, (d + 1) * scale
        first = np.floor(lo).astype(np.int64)
        end = np.minimum(np.ceil(hi).astype(np.int64), n_in)
        k = int((end - first).max())
        s = first[:, None] + np.arange(k)
        used = s < end[:, None]
        w = np.where(used, (np.minimum(hi[:, None], s + 1) - np.maximum(lo[:, None], s))
                     / scale, 0.0)
        idx = np.where(used, s, first[:, None])
    elif kind == 'area':                           # growing: OpenCV's linear weights
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
def resize_matrix(n_in, n_out, interp):
    """The taps as a dense (n_out, n_in) float64 matrix (cached, read-only)."""
    idx, w = resize_taps(n_in, n_out, interp)
    m = np.zeros((n_out, n_in))
    np.add.at(m, (np.arange(n_out)[:, None], idx), w)
    m.flags.writeable = False
    return m


def _axis_np(x, taps, axis):
    """Resample numpy array ``x`` (integer or float) along ``axis``: float64 out."""
    idx, w = taps
    shape = [1] * x.ndim
    shape[axis] = -1
    out = None
    for k in range(idx.shape[1]):
        term = np.take(x, idx[:, k], axis=axis) * w[:, k].reshape(shape)
        if out is None:
            out = term
        else:
            out += term
    return out


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
    if interp not in NAMES:
        raise MXNetError('%s: interp must be 0-4 (or 9/10 through mx.image), got %d'
                         % (what, interp))
    if w <= 0 or h <= 0:
        raise MXNetError('%s: target size must be positive, got w=%d, h=%d' % (what, w, h))
    th, tw = resize_taps(ih, h, interp), resize_taps(iw, w, interp)
    kh, kw = th[0].shape[1], tw[0].shape[1]
    # the cheaper order first (multiply-adds per channel): shrink before resampling
    if h * kh * iw + h * w * kw <= ih * w * kw + h * w * kh:
        order = [(th, -3), (tw, -2)]
    else:
        order = [(tw, -2), (th, -3)]
    dtype = img.dtype
    if tf.executing_eagerly() and hasattr(img, 'numpy'):
        out = img.numpy()
        for taps, axis in order:
            out = _axis_np(out, taps, axis)
        if dtype.is_integer:
            info = np.iinfo(dtype.as_numpy_dtype)
            out = np.clip(np.rint(out, out=out), info.min, info.max, out=out)
        return tf.constant(out.astype(dtype.as_numpy_dtype))
    out = tf.cast(img, tf.float64)
    for taps, axis in order:
        out = _axis_tf(out, taps, axis)
    if dtype.is_integer:
        info = np.iinfo(dtype.as_numpy_dtype)
        out = tf.clip_by_value(tf.round(out), info.min, info.max)
    return tf.cast(out, dtype)
