"""``mx.image``'s functions: the image helpers inference and data scripts call -- imread,
imdecode, imresize, resize_short, fixed/center/random/random-sized crops, scale_down,
color_normalize and copyMakeBorder -- on HWC NDArrays, with OpenCV's pixels (see
converters/image.py). Random choices come from Python's ``random`` module in MXNet's order, so
a seeded script crops where MXNet's does."""
import numbers
import random
import warnings

import numpy as np

from .. import ndarray as nd
from ..base import MXNetError


def imread(filename, flag=1, to_rgb=True, out=None):
    """Read an image file to an HWC uint8 NDArray (flag 1 colour, 0 grey; RGB unless
    ``to_rgb=False``)."""
    return nd._internal._cvimread(filename=filename, flag=flag, to_rgb=to_rgb, out=out)


def imdecode(buf, flag=1, to_rgb=True, out=None):
    """Decode an image from bytes / a uint8 array of its encoded bytes."""
    if not isinstance(buf, nd.NDArray):
        if not isinstance(buf, (bytes, bytearray, np.ndarray)):
            raise MXNetError('imdecode: buf must be bytes, bytearray or numpy.ndarray, got %s'
                             % type(buf).__name__)
        buf = nd.array(np.frombuffer(bytes(buf), dtype=np.uint8), dtype=np.uint8)
    return nd._internal._cvimdecode(buf, flag=flag, to_rgb=to_rgb, out=out)


def imresize(src, w, h, interp=1, out=None):
    """Resize an HWC image to w x h (interp, OpenCV's codes: 0 nearest, 1 bilinear,
    2 bicubic, 3 area, 4 Lanczos)."""
    return nd._internal._cvimresize(src, w=w, h=h, interp=interp, out=out)


def copyMakeBorder(src, top, bot, left, right, type=0, value=0.0, values=None,  # noqa: N802
                   out=None):
    """Pad an HWC image with an OpenCV border type (0 constant, 1 replicate, 2 reflect,
    3 wrap, 4 reflect-101)."""
    kw = {} if values is None else {'values': tuple(values)}
    return nd._internal._cvcopyMakeBorder(src, top=top, bot=bot, left=left, right=right,
                                          type=type, value=value, out=out, **kw)


def scale_down(src_size, size):
    """Shrink ``size`` (w, h) to fit in ``src_size`` keeping its aspect ratio."""
    w, h = size
    sw, sh = src_size
    if sh < h:
        w, h = float(w * sh) / h, sh
    if sw < w:
        w, h = sw, float(h * sw) / w
    return int(w), int(h)


def _get_interp_method(interp, sizes=()):
    """MXNet's interp codes: 9 picks by direction (bicubic to grow, area to shrink), 10 at
    random."""
    if interp == 9:
        if sizes:
            oh, ow, nh, nw = sizes
            if nh > oh and nw > ow:
                return 2
            if nh < oh and nw < ow:
                return 3
            return 1
        return 2
    if interp == 10:
        return random.randint(0, 4)
    if interp not in (0, 1, 2, 3, 4):
        raise MXNetError('Unknown interp method %d' % interp)
    return interp


def resize_short(src, size, interp=2):
    """Resize so the shorter side is ``size``."""
    h, w = src.shape[:2]
    if h > w:
        new_h, new_w = size * h // w, size
    else:
        new_h, new_w = size, size * w // h
    return imresize(src, new_w, new_h, interp=_get_interp_method(interp, (h, w, new_h, new_w)))


def fixed_crop(src, x0, y0, w, h, size=None, interp=2):
    """Crop (x0, y0, w, h), then resize to ``size`` (w, h) if given."""
    out = src[y0:y0 + h, x0:x0 + w]
    if size is not None and (w, h) != size:      # as MXNet: a list ``size`` always resizes
        out = imresize(out, *size, interp=_get_interp_method(interp, (h, w, size[1], size[0])))
    return out


def random_crop(src, size, interp=2):
    """A random crop of ``size`` (scaled down to fit) -> (image, (x0, y0, w, h))."""
    h, w = src.shape[:2]
    new_w, new_h = scale_down((w, h), size)
    x0 = random.randint(0, w - new_w)
    y0 = random.randint(0, h - new_h)
    return fixed_crop(src, x0, y0, new_w, new_h, size, interp), (x0, y0, new_w, new_h)


def center_crop(src, size, interp=2):
    """The centre crop of ``size`` (scaled down to fit) -> (image, (x0, y0, w, h))."""
    h, w = src.shape[:2]
    new_w, new_h = scale_down((w, h), size)
    x0, y0 = int((w - new_w) / 2), int((h - new_h) / 2)
    return fixed_crop(src, x0, y0, new_w, new_h, size, interp), (x0, y0, new_w, new_h)


def color_normalize(src, mean, std=None):
    """(src - mean) / std, in place as MXNet's."""
    if mean is not None:
        src -= mean
    if std is not None:
        src /= std
    return src


def random_size_crop(src, size, area, ratio, interp=2, **kwargs):
    """A random crop of random area (a fraction of the image: ``area`` = min, or (min, max))
    and aspect ratio (``ratio`` = (min, max), drawn log-uniformly), resized to ``size`` (w, h)
    -> (image, (x0, y0, w, h)); the centre crop after ten draws that do not fit."""
    h, w = src.shape[:2]
    if 'min_area' in kwargs:
        warnings.warn('`min_area` is deprecated. Please use `area` instead.', DeprecationWarning)
        area = kwargs.pop('min_area')
    if kwargs:
        raise MXNetError('random_size_crop: unexpected keyword arguments %s' % sorted(kwargs))
    if isinstance(area, numbers.Number):
        area = (area, 1.0)
    log_ratio = (np.log(ratio[0]), np.log(ratio[1]))
    for _ in range(10):
        target = random.uniform(area[0], area[1]) * (h * w)
        aspect = np.exp(random.uniform(*log_ratio))
        new_w = int(round(np.sqrt(target * aspect)))
        new_h = int(round(np.sqrt(target / aspect)))
        if new_w <= w and new_h <= h:
            x0 = random.randint(0, w - new_w)
            y0 = random.randint(0, h - new_h)
            return fixed_crop(src, x0, y0, new_w, new_h, size, interp), (x0, y0, new_w, new_h)
    return center_crop(src, size, interp)
