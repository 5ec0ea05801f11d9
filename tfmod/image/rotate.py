"""``mx.image.imrotate`` / ``random_rotate``: rotate CHW or NCHW float32 images about their
centre with BilinearSampler (zeros outside), optionally zoomed so that no border shows
(``zoom_in``) or the whole image stays visible (``zoom_out``), as MXNet 1.9.1's. The
sampling grid is computed in numpy; random angles come from ``numpy.random.uniform`` as in
MXNet."""
from numbers import Number

import numpy as np

from .. import ndarray as nd
from ..base import MXNetError


def _angles(src, rotation_degrees):
    """Degrees -> float64 radians, one per image; checks the forms MXNet accepts."""
    if src.ndim == 3:
        if not isinstance(rotation_degrees, Number):
            raise TypeError('When a single image is passed the rotation angle is '
                            'required to be a scalar.')
        n = 1
    elif src.ndim == 4:
        n = src.shape[0]
    else:
        raise MXNetError('Only 3D and 4D are supported by this function')
    if isinstance(rotation_degrees, Number):
        deg = np.full(n, float(rotation_degrees))
    else:
        deg = rotation_degrees.asnumpy() if isinstance(rotation_degrees, nd.NDArray) \
            else np.asarray(rotation_degrees)
        deg = deg.astype(np.float32).astype(np.float64).reshape(-1)
    if len(deg) != n:
        raise MXNetError('The number of images must be equal to the number of rotation angles')
    return np.pi * deg / 180


def _zoom(rad, h, w, zoom_out):
    """Per-image grid scale: the rotated image's bounding box over the frame (zoom_out) or
    the frame over the box (zoom_in)."""
    rho, corner = np.sqrt(h * h + w * w), np.arctan(h / w)
    a = np.abs(rad)
    max_x = np.maximum(np.abs(rho * np.cos(corner + a)), np.abs(rho * np.cos(corner - a)))
    max_y = np.maximum(np.abs(rho * np.sin(corner + a)), np.abs(rho * np.sin(corner - a)))
    if zoom_out:
        return np.maximum(max_x / w, max_y / h)
    return np.minimum(w / max_x, h / max_y)


def imrotate(src, rotation_degrees, zoom_in=False, zoom_out=False):
    """Rotate ``src`` (CHW or NCHW, float32) by ``rotation_degrees`` (a number, or one angle
    per image of a batch) counter-clockwise."""
    if zoom_in and zoom_out:
        raise MXNetError('`zoom_in` and `zoom_out` cannot be both True')
    if np.dtype(src.dtype) != np.float32:
        raise TypeError('Only `float32` images are supported by this function')
    rad = _angles(src, rotation_degrees)
    single = src.ndim == 3
    batch = src.expand_dims(axis=0) if single else src
    h, w = batch.shape[2:]
    hs, ws = (h - 1) / 2.0, (w - 1) / 2.0
    ys = (np.arange(h, dtype=np.float64) - hs)[:, None]
    xs = (np.arange(w, dtype=np.float64) - ws)[None, :]
    c, s = np.cos(rad)[:, None, None], np.sin(rad)[:, None, None]
    gx = (xs * c - ys * s) / ws
    gy = (xs * s + ys * c) / hs
    grid = np.stack([gx, gy], 1)
    if zoom_in or zoom_out:
        grid = grid * _zoom(rad, float(h), float(w), zoom_out)[:, None, None, None]
    out = nd.BilinearSampler(batch, nd.array(grid.astype(np.float32)))
    return out[0] if single else out


def random_rotate(src, angle_limits, zoom_in=False, zoom_out=False):
    """Rotate by angles drawn uniformly from ``angle_limits`` (degrees): one for a CHW image,
    one per image of an NCHW batch."""
    if src.ndim == 3:
        degrees = np.random.uniform(*angle_limits)
    else:
        degrees = nd.array(np.random.uniform(*angle_limits, size=src.shape[0]))
    return imrotate(src, degrees, zoom_in=zoom_in, zoom_out=zoom_out)
