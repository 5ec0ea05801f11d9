"""MXNet's ``_image_*`` operators (``mx.nd.image`` / ``mx.sym.image``, what Gluon's vision
transforms call): ``to_tensor``, ``normalize``, ``resize``, ``crop``, the flips, the random
colour augmentations and AlexNet-style lighting noise.

Layouts are MXNet's: ``to_tensor``, ``resize`` and ``crop`` take HWC or NHWC images,
``normalize`` takes CHW or NCHW tensors, the flips and colour ops take a single HWC image of 1 or
3 channels. Results follow MXNet 1.9.1's CPU kernels, quirks included:

* the colour ops compute in float32 and store with MXNet's ``saturate_cast`` (uint8: clamped to
  [0, 255], then truncated; other types: a plain conversion);
* ``random_saturation`` blends with ``0.114 * blue`` as its grey (MXNet's kernel assigns rather
  than sums the weighted channels);
* the flips and colour ops pass their head gradient through unchanged (MXNet registers ``_copy``
  as their gradient); ``crop`` and ``normalize`` have their true gradients; asking for the
  gradient of ``to_tensor`` or ``resize`` raises (MXNet's registered gradient fails on every
  call).

Where MXNet leaves the output unwritten (a flip's middle row or column of an odd size, hue and
lighting on one channel, ``random_color_jitter`` with no positive amount) tfmod returns those
input values unchanged; a crop at a negative offset, which MXNet reads out of bounds, is refused.
Random draws (one per call, shared by the whole image) come from TF's stateless generators.
"""
import numpy as np
import tensorflow as tf

from .base import MXNetError
from .registry import op
from .resize import resize_hw

_GRAY = (0.299, 0.587, 0.114)
# AlexNet's eigenvectors scaled by their eigenvalues (rows: R, G, B), as MXNet stores them
_EIG = np.array([[55.46 * -0.5675, 4.794 * 0.7192, 1.148 * 0.4009],
                 [55.46 * -0.5808, 4.794 * -0.0045, 1.148 * -0.8140],
                 [55.46 * -0.5836, 4.794 * -0.6948, 1.148 * 0.4203]], np.float32)


def _shape(x):
    return tuple(x.shape.as_list())


def _seed(ctx, k=0):
    if ctx is None:
        return tf.constant([0, k], tf.int32)
    return ctx.seed(k)


def _uniform(ctx, lo, hi, k=0):
    """One float32 draw in [lo, hi) (either order, as std::uniform_real_distribution)."""
    u = tf.random.stateless_uniform([], _seed(ctx, k), dtype=tf.float32)
    return tf.constant(lo, tf.float32) + tf.constant(hi - lo, tf.float32) * u


def _saturate(val, dtype):
    """MXNet's saturate_cast of float32 values to ``dtype``."""
    if dtype == tf.uint8:
        val = tf.clip_by_value(val, 0.0, 255.0)
    return tf.cast(val, dtype)


def _copy_grad(fn, x):
    """``fn(x)`` whose gradient is the head gradient itself (MXNet's ``_copy`` gradient)."""
    if not x.dtype.is_floating:
        return fn(x)

    @tf.custom_gradient
    def run(v):
        return fn(v), lambda dy: dy
    return run(x)


def _no_grad(name, fn, x):
    """``fn(x)``, whose gradient raises: MXNet 1.9.1 registers ``_copy`` as the gradient of
    ``name``, which fails on every call (its output's shape is not the input's)."""
    if not x.dtype.is_floating:
        return fn(x)

    def refuse(dy):
        raise MXNetError('%s has no gradient: MXNet 1.9.1\'s (a copy of the head gradient) '
                         'fails, the output having another shape than the input' % name)

    @tf.custom_gradient
    def run(v):
        return fn(v), refuse
    return run(x)


def _check_hwc(name, x):
    """The single-image ops' check: an HWC image of 1 or 3 channels."""
    shape = _shape(x)
    if len(shape) != 3:
        raise MXNetError('%s: input image must have shape (height, width, channels), but got %s'
                         % (name, shape))
    if shape[2] not in (1, 3):
        raise MXNetError('%s: the last dimension of the input image must be the channel '
                         'dimension with either 1 or 3 elements, but got input with shape %s'
                         % (name, shape))
    return shape[2]


def _check_factors(name, p):
    for key in ('min_factor', 'max_factor'):
        if getattr(p, key) < 0:
            raise MXNetError('%s: value %g for parameter %s should be greater equal to 0'
                             % (name, getattr(p, key), key))


@op('_image_to_tensor')
def image_to_tensor(ctx, p, data):
    """(N)HWC values in [0, 255] -> (N)CHW float32 in [0, 1] (divided by 255 in the input's
    float type, or in float32 for integer inputs)."""
    rank = len(_shape(data))
    if rank not in (3, 4):
        raise MXNetError('_image_to_tensor: input image must have shape (height, width, '
                         'channels), or (N, height, width, channels) but got %s' % (_shape(data),))

    def convert(x):
        x = x / tf.constant(255, x.dtype) if x.dtype.is_floating else \
            tf.cast(x, tf.float32) / 255.0
        return tf.transpose(tf.cast(x, tf.float32), [2, 0, 1] if rank == 3 else [0, 3, 1, 2])
    return _no_grad('_image_to_tensor', convert, data)


@op('_image_normalize')
def image_normalize(ctx, p, data):
    """(x - mean[c]) / std[c] over the channel axis of a (N)CHW tensor; mean and std have 1 or
    C entries (the default's 4 fit no input, as in MXNet)."""
    shape = _shape(data)
    if len(shape) not in (3, 4):
        raise MXNetError('_image_normalize: input tensor must have shape (channels, height, '
                         'width), or (N, channels, height, width), but got %s' % (shape,))
    c = shape[len(shape) - 3]
    if c not in (1, 3):
        raise MXNetError('_image_normalize: the channel dimension (axis %d) of the input must '
                         'have 1 or 3 elements, but got input with shape %s'
                         % (len(shape) - 3, shape))
    for key in ('mean', 'std'):
        v = getattr(p, key)
        if len(v) not in (1, c):
            raise MXNetError('_image_normalize: invalid %s for input with shape %s: it must have '
                             'either 1 or %d elements, but got %s' % (key, shape, c, tuple(v)))
    wd = tf.float64 if data.dtype == tf.float64 else tf.float32
    bshape = [c, 1, 1]
    mean = tf.reshape(tf.constant(np.resize(np.float32(p.mean), c), wd), bshape)
    std = tf.reshape(tf.constant(np.resize(np.float32(p.std), c), wd), bshape)
    out = (tf.cast(data, wd) - mean) / std
    return out if out.dtype == data.dtype else tf.cast(out, data.dtype)


def _resize_size(p, h, w):
    size = tuple(p.size)
    if len(size) not in (1, 2):
        raise MXNetError('_image_resize: size must have 1 or 2 elements (size, or (width, '
                         'height)), but got %s' % (size,))
    if any(s <= 0 for s in size):
        raise MXNetError('_image_resize: size must be greater than 0, but got %s' % (size,))
    if len(size) == 2:
        return size[1], size[0]
    if not p.keep_ratio:
        return size[0], size[0]
    if h > w:
        return h * size[0] // w, size[0]
    return size[0], w * size[0] // h


@op('_image_resize')
def image_resize(ctx, p, data):
    """Resize (N)HWC images with OpenCV's ``interp`` kernel (0 nearest, 1 bilinear, 2 bicubic,
    3 area, 4 Lanczos-4): ``size`` is (width, height), or one number for both edges -- the
    short edge with ``keep_ratio`` (the long one scaled by integer division)."""
    shape = _shape(data)
    if len(shape) not in (3, 4):
        raise MXNetError('_image_resize: input image dimension should be 3 or 4 but got %d'
                         % len(shape))
    h, w = shape[-3], shape[-2]
    if h is None or w is None:
        raise MXNetError('_image_resize: the image size must be known, got %s' % (shape,))
    oh, ow = _resize_size(p, h, w)
    if p.interp not in (0, 1, 2, 3, 4):
        raise MXNetError('_image_resize: interp must be 0-4 (OpenCV\'s nearest, bilinear, '
                         'bicubic, area, Lanczos-4), got %d' % p.interp)
    if data.dtype not in (tf.uint8, tf.float32, tf.float64):
        raise MXNetError('_image_resize: data of type %s is not supported (uint8, float32 and '
                         'float64 are, as in MXNet\'s OpenCV resize)' % data.dtype.name)

    def resize(x):
        return resize_hw(x, oh, ow, p.interp, '_image_resize')
    return _no_grad('_image_resize', resize, data)


@op('_image_crop')
def image_crop(ctx, p, data):
    """The ``height`` x ``width`` window at column ``x``, row ``y`` of (N)HWC images."""
    shape = _shape(data)
    if len(shape) not in (3, 4):
        raise MXNetError('_image_crop: expects inputs of 3D (h, w, c) or 4D (n, h, w, c), but '
                         'got %d dimensions' % len(shape))
    if shape[-1] not in (1, 3):
        raise MXNetError('_image_crop: expects 1 or 3 channels in the input image, but got %s'
                         % (shape[-1],))
    if p.height <= 0 or p.width <= 0:
        raise MXNetError('_image_crop: height and width must be greater than 0, got height=%d, '
                         'width=%d' % (p.height, p.width))
    if p.x < 0 or p.y < 0:
        raise MXNetError('_image_crop: x and y must not be negative, got x=%d, y=%d'
                         % (p.x, p.y))
    if p.x + p.width > shape[-2]:
        raise MXNetError('_image_crop: x + width (%d + %d) should not be greater than the input '
                         'width %d' % (p.x, p.width, shape[-2]))
    if p.y + p.height > shape[-3]:
        raise MXNetError('_image_crop: y + height (%d + %d) should not be greater than the input '
                         'height %d' % (p.y, p.height, shape[-3]))
    return data[..., p.y:p.y + p.height, p.x:p.x + p.width, :]


def _flip(axis):
    return lambda x: tf.reverse(x, [axis])


@op('_image_flip_left_right')
def image_flip_left_right(ctx, p, data):
    """Mirror an HWC image horizontally."""
    _check_hwc('_image_flip_left_right', data)
    return _copy_grad(_flip(1), data)


@op('_image_flip_top_bottom')
def image_flip_top_bottom(ctx, p, data):
    """Mirror an HWC image vertically."""
    _check_hwc('_image_flip_top_bottom', data)
    return _copy_grad(_flip(0), data)


def _random_flip(ctx, data, axis):
    heads = tf.random.stateless_uniform([], _seed(ctx), dtype=tf.float32) < 0.5
    return _copy_grad(lambda x: tf.where(heads, x, tf.reverse(x, [axis])), data)


@op('_image_random_flip_left_right', uses_rng=True)
def image_random_flip_left_right(ctx, p, data):
    """Mirror an HWC image horizontally with probability 1/2."""
    _check_hwc('_image_random_flip_left_right', data)
    return _random_flip(ctx, data, 1)


@op('_image_random_flip_top_bottom', uses_rng=True)
def image_random_flip_top_bottom(ctx, p, data):
    """Mirror an HWC image vertically with probability 1/2."""
    _check_hwc('_image_random_flip_top_bottom', data)
    return _random_flip(ctx, data, 0)


# ---- colour adjustments on float32 values (HWC); each ends with MXNet's saturate_cast

def _brightness(x, alpha, dtype):
    return _saturate(tf.cast(x, tf.float32) * alpha, dtype)


def _contrast(x, alpha, dtype):
    xf = tf.cast(x, tf.float32)
    gray = tf.reduce_sum(xf * tf.constant(_GRAY, tf.float32), -1) if x.shape[-1] == 3 else xf
    beta = (1.0 - alpha) * tf.reduce_mean(gray)
    return _saturate(xf * alpha + beta, dtype)


def _saturation(x, alpha, dtype):
    if x.shape[-1] == 1:
        return x
    xf = tf.cast(x, tf.float32)
    gray = xf[..., 2:3] * _GRAY[2] * (1.0 - alpha)      # MXNet's grey: the weighted blue alone
    return _saturate(gray + xf * alpha, dtype)


def _rgb_to_hls(r, g, b):
    vmax = tf.maximum(tf.maximum(r, g), b)
    vmin = tf.minimum(tf.minimum(r, g), b)
    diff = vmax - vmin
    l = (vmax + vmin) * 0.5
    colour = diff > np.finfo(np.float32).eps
    safe = tf.where(colour, diff, tf.ones_like(diff))
    s = tf.where(l < 0.5, diff / tf.where(colour, vmax + vmin, tf.ones_like(diff)),
                 diff / tf.where(colour, 2.0 - vmax - vmin, tf.ones_like(diff)))
    k = 60.0 / safe
    h = tf.where(vmax == r, (g - b) * k, tf.where(vmax == g, (b - r) * k + 120.0,
                                                  (r - g) * k + 240.0))
    h = tf.where(h < 0.0, h + 360.0, h)
    zero = tf.zeros_like(h)
    return tf.where(colour, h, zero), l, tf.where(colour, s, zero)


# for each sector of the hue circle: which of (p2, p1, falling, rising) is b, g, r
_HLS_SECTORS = np.array([[1, 3, 0], [1, 0, 2], [3, 0, 1], [0, 2, 1], [0, 1, 3], [2, 1, 0]])


def _hls_to_rgb(h, l, s):
    p2 = tf.where(l <= 0.5, l * (1.0 + s), l + s - l * s)
    p1 = 2.0 * l - p2
    h = h * np.float32(1.0 / 60.0)
    h = h - 6.0 * tf.floor(h / 6.0)
    sector = tf.minimum(tf.cast(h, tf.int32), 5)
    h = h - tf.cast(sector, tf.float32)
    tab = tf.stack([p2, p1, p1 + (p2 - p1) * (1.0 - h), p1 + (p2 - p1) * h], -1)
    pick = tf.gather(tf.constant(_HLS_SECTORS, tf.int32), sector)
    bgr = tf.gather(tab, pick, batch_dims=len(h.shape))
    grey = s == 0.0
    b, g, r = (tf.where(grey, l, bgr[..., i]) for i in range(3))
    return r * 255.0, g * 255.0, b * 255.0


def _hue(x, alpha, dtype):
    if x.shape[-1] == 1:
        return x
    xf = tf.cast(x, tf.float32) / 255.0
    h, l, s = _rgb_to_hls(xf[..., 0], xf[..., 1], xf[..., 2])
    r, g, b = _hls_to_rgb(h + alpha * 360.0, l, s)
    return _saturate(tf.stack([r, g, b], -1), dtype)


def _lighting(x, alpha, dtype):
    if x.shape[-1] == 1:
        return x
    pca = tf.linalg.matvec(tf.constant(_EIG), alpha)
    return _saturate(tf.cast(x, tf.float32) + pca, dtype)


def _random_enhance(name, adjust):
    def lower(ctx, p, data):
        _check_hwc(name, data)
        _check_factors(name, p)
        alpha = _uniform(ctx, p.min_factor, p.max_factor)
        return _copy_grad(lambda x: adjust(x, alpha, data.dtype), data)
    lower.__name__ = name.lstrip('_')
    lower.__doc__ = 'The %s of an HWC image scaled by a factor drawn from [min_factor, ' \
                    'max_factor].' % name[len('_image_random_'):]
    op(name, uses_rng=True)(lower)


_random_enhance('_image_random_brightness', _brightness)
_random_enhance('_image_random_contrast', _contrast)
_random_enhance('_image_random_saturation', _saturation)


@op('_image_random_hue', uses_rng=True)
def image_random_hue(ctx, p, data):
    """Rotate the hue of an HWC RGB image by a draw from [min_factor, max_factor] turns (in HLS
    space, as OpenCV's conversions)."""
    _check_hwc('_image_random_hue', data)
    _check_factors('_image_random_hue', p)
    alpha = _uniform(ctx, p.min_factor, p.max_factor)
    return _copy_grad(lambda x: _hue(x, alpha, data.dtype), data)


@op('_image_random_color_jitter', uses_rng=True)
def image_random_color_jitter(ctx, p, data):
    """Brightness, contrast and saturation scaled by 1 + U(-amount, amount) and hue rotated by
    U(-hue, hue), applied in a random order; an amount <= 0 skips its adjustment."""
    _check_hwc('_image_random_color_jitter', data)
    dtype = data.dtype
    cheap = []
    for k, (amount, adjust) in enumerate(((p.brightness, _brightness), (p.contrast, _contrast),
                                          (p.saturation, _saturation))):
        draw = _uniform(ctx, -amount, amount, k + 1) if amount > 0 else None
        cheap.append(None if draw is None else (lambda x, f=adjust, a=1.0 + draw: f(x, a, dtype)))
    hue = (lambda x, a=_uniform(ctx, -p.hue, p.hue, 4): _hue(x, a, dtype)) if p.hue > 0 else None
    if hue is None and not any(cheap):
        return tf.identity(data)
    # MXNet's order: a random permutation of (brightness, contrast, saturation, hue). Hue runs
    # once, between the adjustments placed before it and those after it: slot j of the three
    # cheap ones applies the j-th of them in the order, before hue when j < hue's position.
    order = tf.argsort(tf.random.stateless_uniform([4], _seed(ctx), dtype=tf.float32))
    hue_at = tf.cast(tf.argmax(tf.cast(tf.equal(order, 3), tf.int32)), tf.int32)
    rest = tf.boolean_mask(order, tf.not_equal(order, 3))

    def slot(x, j, before):
        active = j < hue_at if before else j >= hue_at
        step = tf.where(active, tf.cast(rest[j], tf.int32), 3)
        return tf.gather(tf.stack([x if f is None else f(x) for f in cheap] + [x]), step)

    def jitter(x):
        if hue is None:
            return slot(slot(slot(x, 0, False), 1, False), 2, False)
        for j in range(3):
            x = slot(x, j, True)
        x = hue(x)
        for j in range(3):
            x = slot(x, j, False)
        return x
    return _copy_grad(jitter, data)


@op('_image_adjust_lighting')
def image_adjust_lighting(ctx, p, data):
    """Add AlexNet's PCA lighting noise, weights ``alpha`` (R, G, B), to an HWC RGB image."""
    _check_hwc('_image_adjust_lighting', data)
    if len(p.alpha) < 3:
        raise MXNetError('_image_adjust_lighting: alpha needs 3 values (R, G, B), got %s'
                         % (tuple(p.alpha),))
    alpha = tf.constant(p.alpha[:3], tf.float32)
    return _copy_grad(lambda x: _lighting(x, alpha, data.dtype), data)


@op('_image_random_lighting', uses_rng=True)
def image_random_lighting(ctx, p, data):
    """adjust_lighting with alpha drawn from N(0, alpha_std) per channel."""
    _check_hwc('_image_random_lighting', data)
    alpha = tf.random.stateless_normal([3], _seed(ctx), dtype=tf.float32) * p.alpha_std
    return _copy_grad(lambda x: _lighting(x, alpha, data.dtype), data)
