"""Small TF helpers shared by the built-in optimizers' ``_tf_step`` functions.

MXNet computes an update in two precisions: scalars in Python doubles (learning-rate corrections,
``1 - beta``, Nadam's schedule) and arrays in the weight dtype. A kernel parameter is a C++
``float`` cast to the array dtype, and an NDArray-scalar op casts its double scalar to the array
dtype first. The helpers make those casts explicit so a TF step rounds where MXNet rounds.
"""
import tensorflow as tf

# A kernel's float parameter and its pow of the step count round as the update ops' kernels do:
# the same functions, kept with those ops.
from tfmod_converters.optimizer import (  # noqa: F401 (re-exported)
    cast_once, k_param as kparam, k_pow as kpow)


def f64(x):
    """A scalar as a float64 tensor (the Python-double side of MXNet)."""
    return tf.cast(x, tf.float64)


def as_dtype(x, dtype):
    """A (float64) scalar cast to the array dtype: an NDArray scalar or a kernel parameter."""
    return cast_once(x, dtype)


def kbound(hp, dtype):
    """The clip_gradient kernel parameter, or None when clipping is off."""
    return kparam(hp['clip_gradient'], dtype) if 'clip_gradient' in hp else None


def clip(g, hp):
    """``clip(g, -clip_gradient, clip_gradient)`` when clipping is on."""
    if 'clip_gradient' in hp:
        c = tf.cast(hp['clip_gradient'], g.dtype)
        return tf.minimum(tf.maximum(g, -c), c)
    return g


def zeros_state(weight, dtype=None, stype='default', shape=None):
    """MXNet's ``zeros(weight.shape, weight.context, dtype=..., stype=...)`` (float32 unless
    given)."""
    if stype != 'default':
        from ..ndarray.sparse import zeros as sparse_zeros
        return sparse_zeros(stype, shape or weight.shape, weight.context,
                            dtype=dtype or 'float32')
    from ..ndarray.ndarray import zeros
    return zeros(shape or weight.shape, weight.context, dtype=dtype or 'float32')
