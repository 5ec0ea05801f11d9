"""OpenCV-backed image ops of MXNet: ``_cvimdecode``, ``_cvimread``, ``_cvimresize`` and
``_cvcopyMakeBorder`` (what ``mx.image.imdecode`` / ``imread`` / ``imresize`` /
``copyMakeBorder`` call), on HWC uint8 arrays. ``interp`` takes OpenCV's codes: 0 nearest,
1 bilinear, 2 bicubic, 3 area, 4 Lanczos-4 (MXNet's docs list 2 and 3 the other way round).

Decoding gives OpenCV's pixels (JPEGs through libjpeg's accurate integer DCT), RGB unless
``to_rgb=False``. Resizing reproduces OpenCV's kernels within one grey level
(converters/resize.py).
"""
import numpy as np
import tensorflow as tf

from .base import MXNetError
from .registry import op
from .resize import resize_hw


def resize_hwc(img, w, h, interp):
    """Resize an HWC (or HW) tensor to (h, w) with OpenCV's kernel ``interp`` (0-4)."""
    if len(img.shape) == 2:
        return resize_hw(img[..., None], h, w, interp)[..., 0]
    return resize_hw(img, h, w, interp)


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
