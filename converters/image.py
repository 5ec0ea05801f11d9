"""OpenCV-backed image ops of MXNet: ``_cvimdecode``, ``_cvimread``, ``_cvimresize`` and
``_cvcopyMakeBorder`` (what ``mx.image.imdecode`` / ``imread`` / ``imresize`` /
``copyMakeBorder`` call), on HWC uint8 arrays. ``interp`` takes OpenCV's codes: 0 nearest,
1 bilinear, 2 bicubic, 3 area, 4 Lanczos-4 (MXNet's docs list 2 and 3 the other way round).

Decoding gives OpenCV's pixels (JPEGs through libjpeg's accurate integer DCT), RGB unless
``to_rgb=False``. Resizing reproduces OpenCV's kernels as separable weight matrices --
nearest (``floor(x*scale)``), bilinear and bicubic (a = -0.75) and Lanczos-4 on half-pixel
centres with replicated borders, and INTER_AREA's box averaging -- computed in float64 and
rounded, so results differ from OpenCV's fixed-point arithmetic by at most one grey level.
"""
import functools
import math

import numpy as np
import tensorflow as tf

from .base import MXNetError
from .registry import op

_NAMES = {0: 'nearest', 1: 'bilinear', 2: 'bicubic', 3: 'area', 4: 'lanczos4'}  # cv2's codes


def _clamp(i, n):
    return min(max(i, 0), n - 1)


def _taps(kind, src, n):
    """[(index, weight)] sampling input of size n at coordinate src."""
    x0 = math.floor(src)
    f = src - x0
    if kind == 'bilinear':
        if x0 < 0:
            return [(0, 1.0)]
        if x0 >= n - 1:
            return [(n - 1, 1.0)]
        return [(x0, 1 - f), (x0 + 1, f)]
    if kind == 'bicubic':
        a = -0.75
        w = [((a * (f + 1) - 5 * a) * (f + 1) + 8 * a) * (f + 1) - 4 * a,
             ((a + 2) * f - (a + 3)) * f * f + 1,
             ((a + 2) * (1 - f) - (a + 3)) * (1 - f) * (1 - f) + 1]
        w.append(1 - sum(w))
        return [(_clamp(x0 - 1 + k, n), w[k]) for k in range(4)]
    # lanczos4
    w = []
    for k in range(8):
        x = f + 3 - k
        w.append(1.0 if abs(x) < 1e-12 else
                 4 * math.sin(math.pi * x) * math.sin(math.pi * x / 4) / (math.pi * x) ** 2)
    s = sum(w)
    return [(_clamp(x0 - 3 + k, n), w[k] / s) for k in range(8)]


@functools.lru_cache(maxsize=256)
def resize_matrix(n_in, n_out, interp):
    """(n_out, n_in) float64 weights resampling one axis the way OpenCV's cv::resize does
    (cached, read-only: an image pipeline resizes the same sizes again and again)."""
    kind = _NAMES[interp]
    m = np.zeros((n_out, n_in))
    scale = 1.0 / (n_out / n_in)      # as OpenCV computes it: floor(d * scale) depends on it
    for d in range(n_out):
        if kind == 'nearest':
            m[d, min(int(math.floor(d * scale)), n_in - 1)] = 1.0
        elif kind == 'area' and scale >= 1:
            lo, hi = d * scale, (d + 1) * scale          # box average over [lo, hi)
            for s in range(int(math.floor(lo)), min(int(math.ceil(hi)), n_in)):
                m[d, s] = (min(hi, s + 1) - max(lo, s)) / scale
        elif kind == 'area':                               # upscaling: OpenCV's linear weights
            sx = int(math.floor(d * scale))
            fx = (d + 1) - (sx + 1) / scale
            fx = 0.0 if fx <= 0 else fx - math.floor(fx)
            if sx >= n_in - 1:
                m[d, n_in - 1] = 1.0
            else:
                m[d, sx] += 1 - fx
                m[d, sx + 1] += fx
        else:
            for s, w in _taps(kind, (d + 0.5) * scale - 0.5, n_in):
                m[d, s] += w
    m.flags.writeable = False
    return m


def resize_hwc(img, w, h, interp):
    """Resize an HWC tensor to (h, w) with OpenCV's kernel ``interp`` (0-4)."""
    shape = img.shape.as_list()
    if None in shape[:2]:
        raise MXNetError('imresize: the image size must be known, got %s' % (tuple(shape),))
    if interp not in _NAMES:
        raise MXNetError('imresize: interp must be 0-4 (or 9/10 through mx.image), got %d'
                         % interp)
    if w <= 0 or h <= 0:
        raise MXNetError('imresize: target size must be positive, got w=%d, h=%d' % (w, h))
    mh = tf.constant(resize_matrix(shape[0], h, interp))
    mw = tf.constant(resize_matrix(shape[1], w, interp))
    x = tf.cast(img, tf.float64)
    out = tf.einsum('ij,jkc,lk->ilc', mh, x, mw) if len(shape) == 3 else \
        tf.einsum('ij,jk,lk->il', mh, x, mw)
    if img.dtype.is_integer:
        info = img.dtype.as_numpy_dtype
        out = tf.clip_by_value(tf.round(out), np.iinfo(info).min, np.iinfo(info).max)
    return tf.cast(out, img.dtype)


def decode(buf, flag, to_rgb, what):
    """Encoded bytes -> HWC uint8 tensor: flag 1 colour, 0 grey, -1 as stored."""
    channels = {1: 3, 0: 1}.get(flag, 0)
    try:
        if buf[:2] == b'\xff\xd8':
            img = tf.io.decode_jpeg(buf, channels=channels, dct_method='INTEGER_ACCURATE')
        else:
            img = tf.io.decode_image(buf, channels=channels, expand_animations=False)
    except (tf.errors.OpError, ValueError) as e:
        raise MXNetError('%s: cannot decode the image: %s' % (what, str(e).splitlines()[0])) \
            from None
    if not to_rgb and img.shape[-1] in (3, 4):    # OpenCV's own order is BGR
        img = tf.concat([img[..., 2::-1], img[..., 3:]], -1)
    return img


def _eager(what):
    if not tf.executing_eagerly():
        raise MXNetError('%s runs imperatively (mx.nd / mx.image), not inside a graph' % what)


@op('_cvimdecode')
def cvimdecode(ctx, p, buf):
    """Decode an image held as a uint8 array of its encoded bytes."""
    _eager('_cvimdecode')
    data = tf.reshape(buf, [-1]).numpy().astype(np.uint8).tobytes()
    return decode(data, p.flag, p.to_rgb, 'imdecode')


@op('_cvimread')
def cvimread(ctx, p):
    """Read and decode an image file."""
    try:
        with open(p.filename, 'rb') as f:
            data = f.read()
    except OSError as e:
        raise MXNetError('imread: %s: %s' % (p.filename, e.strerror)) from None
    return decode(data, p.flag, p.to_rgb, 'imread %s' % p.filename)


@op('_cvimresize')
def cvimresize(ctx, p, src):
    """Resize an HWC image to (h, w) with OpenCV's interpolation ``interp``."""
    return resize_hwc(src, p.w, p.h, p.interp)


_BORDERS = {0: 'constant', 1: 'edge', 2: 'symmetric', 3: 'wrap', 4: 'reflect'}


@op('_cvcopyMakeBorder')
def cvcopymakeborder(ctx, p, src):
    """Pad an HWC image: type 0 constant (value / values), 1 replicate, 2 reflect, 3 wrap,
    4 reflect-101 (OpenCV's border types), each also with OpenCV's BORDER_ISOLATED flag (16),
    which changes nothing for a whole image (DetRandomPadAug passes 16)."""
    kind = p.type & ~16
    if kind not in _BORDERS:
        raise MXNetError('copyMakeBorder: type must be 0-4 (OpenCV border types), optionally '
                         '+ 16 (BORDER_ISOLATED), got %d' % p.type)
    _eager('_cvcopyMakeBorder')
    x = src.numpy()
    pads = [(p.top, p.bot), (p.left, p.right)] + [(0, 0)] * (x.ndim - 2)
    if kind == 0:
        if p.values:
            vals = list(p.values) + [p.value] * (x.shape[-1] - len(p.values))
            out = np.stack([np.pad(x[..., c], pads[:2], constant_values=vals[c])
                            for c in range(x.shape[-1])], -1)
        else:
            out = np.pad(x, pads, constant_values=p.value)
    else:
        out = np.pad(x, pads, mode=_BORDERS[kind])
    return tf.constant(out.astype(x.dtype))
