"""Element-wise binary math, and the same-shape binary ops (elemwise_add, _maximum, _mod, ...).

The math table ``BINARY`` is shared with ``broadcast.py`` (broadcast_*) and ``scalar.py``
(``_*_scalar``): each entry maps two same-dtype tensors (numpy-broadcastable) to the result,
with MXNet 1.9.1's semantics:

* comparisons and logical ops return 0/1 in the *input* dtype, not bool (Pitfall 16);
* ``mod`` follows Python (the result takes the divisor's sign), ``mod(a, 0) == 0``, and its
  gradient w.r.t. the divisor is ``-floor(a/b)`` (Pitfall 17);
* ``power``'s gradients are MXNet's formulas ``b*a**(b-1)`` and ``a**b*log(a)`` (TF masks the
  latter to 0 for a <= 0; MXNet gives nan/-inf there);
* integer inputs keep their dtype: ``div`` truncates toward zero (C), ``power``/``hypot`` are
  computed in float64 and truncated back, as MXNet's kernels do;
* float16/bfloat16 ``power``/``hypot``/``mod`` are computed in float32 (MXNet's half math
  goes through float).

The same-shape ops do NOT broadcast: their shapes must match exactly (MXNet's ElemwiseShape),
and shape inference fills an unknown input from the other input or from the output.
"""
import tensorflow as tf
from tensorflow.python.eager import record as _tf_record

from .base import MXNetError
from .infer import fmt, merge
from . import layout as _layout
from .registry import op


# ---------------------------------------------------------------------------------------------
# dtype helpers

def is_float(dtype):
    return dtype.is_floating


def is_half(dtype):
    return dtype in (tf.float16, tf.bfloat16)


def computed_in(fn, half=tf.float32, ints=tf.float64):
    """fn run in a wider dtype for half floats / integers, the result cast back to the input
    dtype (float -> int casts truncate toward zero, like C)."""
    def run(*xs):
        dt = xs[0].dtype
        wide = half if is_half(dt) else ints if (dt.is_integer or dt == tf.bool) else None
        if wide is None:
            return fn(*xs)
        return tf.cast(fn(*[tf.cast(x, wide) for x in xs]), dt)
    return run


# ---------------------------------------------------------------------------------------------
# gradients

def unbroadcast(g, x):
    """Sum ``g`` (shaped like a broadcast result) back to the shape of ``x``."""
    gs, xs = g.shape, x.shape
    if gs.is_fully_defined() and xs.is_fully_defined():
        if gs == xs:
            return g
        lead = gs.rank - xs.rank
        axes = list(range(lead)) + [lead + i for i, d in enumerate(xs.as_list())
                                    if d == 1 and gs[lead + i] != 1]
        return tf.reshape(tf.reduce_sum(g, axes), xs)
    sx = tf.shape(x)
    rx, _ = tf.raw_ops.BroadcastGradientArgs(s0=sx, s1=tf.shape(g))
    return tf.reshape(tf.reduce_sum(g, rx), sx)


def with_grads(fwd, dlhs, drhs):
    """``fwd(a, b)`` whose gradients are MXNet's partial derivatives ``d*(a, b, out)``
    (broadcast inputs get their gradients summed back). Non-float inputs: plain ``fwd``."""
    def apply(a, b):
        if not is_float(a.dtype) or (tf.executing_eagerly() and
                                     not _tf_record.should_record_backprop([a, b])):
            return fwd(a, b)    # no tape watches an eager call: no gradient to define

        @tf.custom_gradient
        def f(x, y):
            out = fwd(x, y)

            def grad(dy):
                return (unbroadcast(dy * dlhs(x, y, out), x),
                        unbroadcast(dy * drhs(x, y, out), y))
            return out, grad
        return f(a, b)
    return apply


# ---------------------------------------------------------------------------------------------
# the math table

def _div(a, b):
    """Integer division truncates toward zero. By zero it gives what MXNet 1.9.1's _rdiv_scalar
    gives (its float quotient converted back through int32: the minimum of int32/int64, 0 for
    narrower types); MXNet's other integer divisions by zero die of SIGFPE."""
    if a.dtype.is_integer:
        zero = tf.equal(b, 0)
        q = tf.truncatediv(a, tf.where(zero, tf.ones_like(b), b))
        at_zero = a.dtype.min if a.dtype in (tf.int32, tf.int64) else 0
        return tf.where(zero, tf.constant(at_zero, a.dtype), q)
    return a / b


def _mod_fwd(a, b):
    if b.shape.rank == 0:   # a known nonzero scalar (_mod_scalar's) needs no guard
        v = tf.get_static_value(b)
        if v is not None and v != 0:
            return tf.math.floormod(a, b)
    zero = tf.equal(b, 0)
    safe = tf.where(zero, tf.ones_like(b), b)
    return tf.where(zero, tf.zeros_like(a), tf.math.floormod(a, safe))


def _hypot(a, b):
    if a.dtype == tf.float32 or is_half(a.dtype):
        a64, b64 = tf.cast(a, tf.float64), tf.cast(b, tf.float64)
        return tf.cast(tf.sqrt(a64 * a64 + b64 * b64), a.dtype)
    return tf.sqrt(a * a + b * b)


def _compare(fn):
    return lambda a, b: tf.cast(fn(a, b), a.dtype)


def _logical(fn):
    return lambda a, b: tf.cast(fn(tf.not_equal(a, 0), tf.not_equal(b, 0)), a.dtype)


# Their derivatives are evaluated in the input dtype (MXNet's half a/b rounds before floor).
_mod = with_grads(
    computed_in(_mod_fwd, ints=None),
    lambda a, b, out: tf.ones_like(out),
    lambda a, b, out: -tf.floor(a / b))
_power = with_grads(
    computed_in(tf.pow),
    lambda a, b, out: tf.pow(a, b - 1) * b,
    lambda a, b, out: out * tf.math.log(a))

# The kinds whose TF op gives NaN wherever an operand is NaN (``maximum``, ``power``, ``hypot``,
# comparisons... can turn a NaN into a number): their ops are registered ``nan_propagates``.
NAN_PROPAGATING = frozenset({'add', 'sub', 'mul', 'div'})

BINARY = {
    'add': tf.add,
    'sub': tf.subtract,
    'mul': tf.multiply,
    'div': _div,
    'mod': _mod,
    'power': _power,
    'hypot': computed_in(_hypot, half=None),
    'maximum': tf.maximum,
    'minimum': tf.minimum,
    'equal': _compare(tf.equal),
    'not_equal': _compare(tf.not_equal),
    'greater': _compare(tf.greater),
    'greater_equal': _compare(tf.greater_equal),
    'lesser': _compare(tf.less),
    'lesser_equal': _compare(tf.less_equal),
    'logical_and': _logical(tf.logical_and),
    'logical_or': _logical(tf.logical_or),
    'logical_xor': _logical(tf.math.logical_xor),
}


# ---------------------------------------------------------------------------------------------
# shape / dtype inference shared by element-wise families

def same_shape_inputs(p, ins, outs):
    """MXNet's ElemwiseShape: every input and output has one shape; fill unknowns from any
    known one. A conflict raises ValueError, which the graph reports with the node's name."""
    known = None
    seen = []
    for what, s in [('input %d' % i, s) for i, s in enumerate(ins)] + \
            [('output', s) for s in outs]:
        if s is None:
            continue
        try:
            known = merge(known, tuple(s))
        except ValueError:
            shapes = ', '.join('%s %s' % (w, fmt(x)) for w, x in seen + [(what, s)])
            raise ValueError('element-wise operands must have the same shape (no broadcasting; '
                             'use broadcast_* ops), got %s' % shapes) from None
        seen.append((what, s))
    return [known] * len(ins)


def same_types(p, ins, outs):
    """MXNet's ElemwiseType: inputs share one dtype, taken from a known input or the output; a
    conflicting input is reported by the graph as 'Type inconsistent'."""
    known = next((t for t in list(ins) + list(outs) if t is not None), None)
    return [known] * len(ins)


def check_same_dtype(name, a, b):
    if a.dtype != b.dtype:
        raise MXNetError('%s: lhs and rhs must have the same dtype, got %s and %s'
                         % (name, a.dtype.name, b.dtype.name))


# ---------------------------------------------------------------------------------------------
# same-shape binary ops

ELEMWISE = {
    'elemwise_add': 'add', 'elemwise_sub': 'sub', 'elemwise_mul': 'mul', 'elemwise_div': 'div',
    '_grad_add': 'add', '_scatter_elemwise_div': 'div',
    '_maximum': 'maximum', '_minimum': 'minimum', '_power': 'power', '_hypot': 'hypot',
    '_mod': 'mod',
    '_equal': 'equal', '_not_equal': 'not_equal', '_greater': 'greater',
    '_greater_equal': 'greater_equal', '_lesser': 'lesser', '_lesser_equal': 'lesser_equal',
    '_logical_and': 'logical_and', '_logical_or': 'logical_or', '_logical_xor': 'logical_xor',
}


def _check_same_shape(name, a, b):
    sa, sb = a.shape, b.shape
    if sa.rank is None or sb.rank is None:
        return
    if sa.rank != sb.rank or any(x is not None and y is not None and x != y
                                 for x, y in zip(sa.as_list(), sb.as_list())):
        raise MXNetError('%s: lhs shape %s and rhs shape %s differ; element-wise ops do not '
                         'broadcast (use broadcast_* ops)'
                         % (name, fmt(tuple(sa.as_list())), fmt(tuple(sb.as_list()))))


def _elemwise(name, kind):
    fn = BINARY[kind]

    def lower(ctx, p, lhs, rhs):
        _check_same_shape(name, lhs, rhs)
        check_same_dtype(name, lhs, rhs)
        out = _layout.elementwise(ctx, fn, lhs, rhs)  # on channels-last twins, if both have
        return fn(lhs, rhs) if out is None else out
    lower.__name__ = name.strip('_')
    lower.__doc__ = 'MXNet %s: same-shape element-wise %s.' % (name, kind)
    return lower


for _name, _kind in ELEMWISE.items():
    op(_name, infer_inputs=same_shape_inputs, infer_types=same_types,
       nan_propagates=_kind in NAN_PROPAGATING)(_elemwise(_name, _kind))
