"""Shape arithmetic shared by the op families: static sizes where TF knows them, tensors where not.

Keeping dims static where possible lets reshapes inside a lowering keep their static shape, which
shape inference and XLA-free graph building both rely on.
"""
import tensorflow as tf

from .base import MXNetError


def prod(xs):
    """Product of ints or scalar tensors (1 for an empty sequence)."""
    n = 1
    for x in xs:
        n = n * x
    return n


def dims(x):
    """Per-dim size of ``x``: a Python int where static, else a scalar int32 tensor."""
    static = x.shape.as_list()
    if all(d is not None for d in static):
        return static
    dyn = tf.shape(x)
    return [d if d is not None else dyn[i] for i, d in enumerate(static)]


def static_shape(x):
    """The static shape of ``x`` as a list (None where TF does not know a dim)."""
    return x.shape.as_list()


def dim(x, i):
    """Size of dim ``i`` of ``x``: a Python int where static, else a scalar int32 tensor."""
    s = x.shape.as_list()[i]
    return s if s is not None else tf.shape(x)[i]


def check_axis(axis, ndim, what, op_name, allow_negative=True):
    """MXNet's CheckAxis: axis in [-ndim, ndim), negative counted from the end."""
    a = axis
    if a < 0 and allow_negative:
        a += ndim
    if not 0 <= a < ndim:
        raise MXNetError('%s: %s=%d is out of range for an input with %d dims'
                         % (op_name, what, axis, ndim))
    return a
