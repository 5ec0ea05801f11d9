"""Tensor creation and dtype ops: Cast/amp_cast, clip, *_like, _zeros/_ones/_full, _arange,
arange_like, _eye, add_n, where, _copyto, and the storage no-ops cast_storage /
_identity_with_attr_like_rhs (a graph's arrays are dense; eager sparse arrays go through
cast_storage's storage rule in sparse.py).

MXNet quirks kept here: Cast float->int truncates toward zero and its gradient is the head
gradient cast back to the input dtype (also when the output is an integer type); amp_cast only
touches float32/float16/bfloat16 inputs; arange casts start/step to the output dtype *before*
computing start + (i // repeat) * step (arange(0, 5, 1.5, dtype=int32) == [0, 1, 2, 3]); in a
symbol graph a 0 in the shape of _zeros/_ones/_full means "unknown, inferred from the graph".
"""
import numpy as np
import tensorflow as tf

from . import dtypes as _dt
from .attrs import Param, parse_int
from .base import MXNetError
from . import registry
from .registry import op


def _is_float(dtype):
    return dtype.is_floating


def _cast_with_grad(x, dtype):
    """tf.cast whose gradient is the head gradient cast back to x's dtype, even when ``dtype``
    is an integer or bool type (TF would give no gradient there; MXNet passes it through)."""
    if x.dtype == dtype:
        return tf.identity(x)
    if not _is_float(x.dtype) or _is_float(dtype):
        return tf.cast(x, dtype)
    in_dtype = x.dtype

    @tf.custom_gradient
    def cast(v):
        def grad(dy):
            return tf.cast(dy, in_dtype)
        return tf.cast(v, dtype), grad
    return cast(x)


def _keep_types(p, ins, outs):
    """Input dtypes are not deduced from the output (the output dtype is an attribute)."""
    return list(ins)


@op('Cast', infer_types=_keep_types,
    nan_propagates=lambda p: _dt.to_tf(p.dtype).is_floating)
def cast(ctx, p, data):
    """Convert to ``dtype``; float -> int truncates toward zero (C cast)."""
    return _cast_with_grad(data, _dt.to_tf(p.dtype))


_AMP_FLOATS = ('float32', 'float16', 'bfloat16')


@op('amp_cast', infer_types=_keep_types)
def amp_cast(ctx, p, data):
    """Cast float32/float16/bfloat16 inputs to ``dtype``; other dtypes pass unchanged."""
    if data.dtype.name not in _AMP_FLOATS:
        return tf.identity(data)
    return _cast_with_grad(data, _dt.to_tf(p.dtype))


def _amp_multicast_inputs(p):
    return ['data_%d' % i for i in range(p.num_outputs)]


def _amp_target(p, names):
    """The common float type: widest (float32 if any input is float32, else the first input's
    dtype) or, with cast_narrow, float16/bfloat16 if any input has it, else float32."""
    if p.cast_narrow:
        target = 'float32'
        for n in names:
            if n in ('float16', 'bfloat16'):
                target = n
    else:
        target = names[0]
        if 'float32' in names:
            target = 'float32'
    return target


@op('amp_multicast', inputs=_amp_multicast_inputs, num_outputs=lambda p: p.num_outputs,
    outputs=lambda p: ['output'] if p.num_outputs == 1 else
    ['output%d' % i for i in range(p.num_outputs)], variadic=False, infer_types=_keep_types)
def amp_multicast(ctx, p, *data):
    """Cast every float32/float16/bfloat16 input to one common type (see _amp_target)."""
    if len(data) != p.num_outputs:
        raise MXNetError('amp_multicast: num_outputs=%d but %d inputs given'
                         % (p.num_outputs, len(data)))
    target = _dt.to_tf(_amp_target(p, [x.dtype.name for x in data]))
    return tuple(_cast_with_grad(x, target) if x.dtype.name in _AMP_FLOATS else tf.identity(x)
                 for x in data)


@op('clip')
def clip(ctx, p, data):
    """Clamp to [a_min, a_max]; the gradient passes where a_min <= x <= a_max (and for NaN)."""
    lo = tf.cast(p.a_min, data.dtype)
    hi = tf.cast(p.a_max, data.dtype)
    if data.dtype.is_integer:
        xf = tf.cast(data, tf.float64)
        return tf.where(xf > p.a_max, hi, tf.where(xf < p.a_min, lo, data))
    return tf.where(data > hi, hi, tf.where(data < lo, lo, data))


@op('zeros_like')
def zeros_like(ctx, p, data):
    return tf.zeros_like(data)


@op('ones_like')
def ones_like(ctx, p, data):
    return tf.ones_like(data)


@op('_copyto')
def copyto(ctx, p, data):
    return tf.identity(data)


# ------------------------------------------------------------------------------------------------
# Creation ops with no inputs.

def _init_shape(ctx, shape):
    """The concrete output shape of a creation op.

    In a symbol graph a 0 dim is unknown and comes from shape inference over the graph; the
    lowering reads it from ``ctx.out_shapes`` when the executor provides it. Eagerly (mx.nd)
    a 0 is a literal zero-size dim. While inferring shapes, unknown dims stay unknown.
    """
    shape = tuple(shape)
    if 0 not in shape:
        return list(shape)
    known = getattr(ctx, 'out_shapes', None)
    if known:
        s = known[0]
        if s is not None and len(s) == len(shape) and all(d is not None for d in s):
            return list(s)
    if tf.executing_eagerly():
        return list(shape)
    # Graph mode without inferred shapes: an unknown static dim that evaluates to 0, so that
    # running it without the graph's inferred shape fails loudly instead of broadcasting.
    unknown = tf.compat.v1.placeholder_with_default(tf.constant(0, tf.int32), [])
    return tf.stack([unknown if d == 0 else tf.constant(d, tf.int32) for d in shape])


def _creation_dtype(p):
    return _dt.to_tf(p.dtype or 'float32')


@op('_zeros')
def zeros(ctx, p):
    """Zeros of ``shape``/``dtype`` (0 dims: inferred from the graph, see _init_shape)."""
    return tf.zeros(_init_shape(ctx, p.shape), _creation_dtype(p))


@op('_ones')
def ones(ctx, p):
    return tf.ones(_init_shape(ctx, p.shape), _creation_dtype(p))


@op('_full')
def full(ctx, p):
    """``value`` cast to ``dtype`` (C cast: truncation for integer dtypes)."""
    dtype = _creation_dtype(p)
    value = tf.cast(tf.constant(p.value, tf.float64), dtype)
    return tf.fill(_init_shape(ctx, p.shape or ()), value)


@op('_zeros_without_dtype')
def zeros_without_dtype(ctx, p):
    """_zeros whose ``dtype`` is a type code (-1 = float32)."""
    dtype = tf.float32 if p.dtype is None or p.dtype < 0 else _dt.to_tf(p.dtype)
    return tf.zeros(_init_shape(ctx, p.shape or ()), dtype)


def _range_values(n, start, step, repeat, dtype):
    """start + (i // repeat) * step for i < n, with start/step first cast to ``dtype`` and the
    arithmetic done in that dtype (int64 for integer dtypes), as MXNet's range kernel does."""
    k = tf.range(n, dtype=tf.int64) // repeat
    if dtype.is_integer:
        # C casts: truncate toward zero, then wrap into the dtype's range
        bits = dtype.size * 8
        half = 0 if dtype.is_unsigned else 1 << (bits - 1)
        s0 = (int(np.trunc(start)) + half) % (1 << bits) - half
        st = (int(np.trunc(step)) + half) % (1 << bits) - half
        return tf.cast(s0 + k * st, dtype)
    s0 = tf.cast(tf.constant(start, tf.float64), dtype)
    st = tf.cast(tf.constant(step, tf.float64), dtype)
    return s0 + tf.cast(k, dtype) * st


@op('_arange')
def arange(ctx, p):
    """arange(start, stop, step) with each value repeated ``repeat`` times; stop None means
    arange(0, start). Length ceil((stop - start) / step) * repeat."""
    if p.infer_range:
        raise MXNetError('_arange: infer_range=True is not supported by tfmod; give stop')
    start, stop = (0.0, p.start) if p.stop is None else (p.start, p.stop)
    if p.step == 0:
        raise MXNetError('_arange: Range does not support step=0, received 0')
    if p.repeat <= 0:
        raise MXNetError('_arange: Range only supports repeat > 0, received %d' % p.repeat)
    if (p.step > 0 and not start < stop) or (p.step < 0 and not start > stop):
        raise MXNetError('_arange: Invalid range (start, stop, step) = (%g,%g,%g)'
                         % (start, stop, p.step))
    n = int(np.ceil((stop - start) / p.step)) * p.repeat
    return _range_values(n, start, p.step, p.repeat, _creation_dtype(p))


def _linspace_params():
    # signatures.json records _arange's RangeParam for _linspace; MXNet 1.9.1 parses LinspaceParam
    sig = dict(registry.signatures()['_linspace']['params'])
    return [Param.from_mxnet('start', 'double, required'),
            Param.from_mxnet('stop', 'double, required'),
            Param.from_mxnet('num', 'int, required'),
            Param.from_mxnet('endpoint', 'boolean, optional, default=1'),
            Param.from_mxnet('ctx', sig['ctx']), Param.from_mxnet('dtype', sig['dtype'])]


@op('_linspace', params=_linspace_params())
def linspace(ctx, p):
    """``num`` values from start to stop (stop included with endpoint), each computed as
    ``start + step*i`` in double and then cast, as MXNet's kernel does."""
    if p.num < 0:
        raise MXNetError('_linspace: num must be non-negative, got %d' % p.num)
    steps = p.num - 1 if p.endpoint else p.num
    step = (p.stop - p.start) / steps if steps > 0 else 0.0
    vals = p.start + step * np.arange(p.num, dtype=np.float64)
    return tf.constant(vals.astype(_creation_dtype(p).as_numpy_dtype))


@op('_contrib_arange_like', infer_types=lambda p, ins, outs: list(ins))
def arange_like(ctx, p, data):
    """start + (i // repeat) * step shaped like ``data`` (axis None) or of length
    data.shape[axis]; the dtype is data's."""
    if p.repeat <= 0:
        raise MXNetError('arange_like: repeat must be positive, got %d' % p.repeat)
    shape = data.shape.as_list()
    if p.axis is None:
        n = tf.size(data, out_type=tf.int64)
        static = shape
    else:
        nd = len(shape)
        a = p.axis + nd if p.axis < 0 else p.axis
        if not 0 <= a < nd:
            raise MXNetError('arange_like: cannot handle axis %d for a %d-D input' % (p.axis, nd))
        n = tf.shape(data, out_type=tf.int64)[a]
        static = [shape[a]]
    if all(d is not None for d in static):
        n = int(np.prod(static, dtype=np.int64))
    vals = _range_values(n, p.start, p.step, p.repeat, data.dtype)
    if p.axis is None:
        vals = tf.reshape(vals, [d if d is not None else -1 for d in static]) \
            if sum(d is None for d in static) <= 1 else tf.reshape(vals, tf.shape(data))
    return vals


# ------------------------------------------------------------------------------------------------
# add_n and where.

def _same_shape_infer(p, ins, outs):
    """Elementwise ops: every input and the output share one shape."""
    shape = None
    for s in list(ins) + [outs[0]]:
        if s is None:
            continue
        if shape is None:
            shape = tuple(s)
            continue
        if len(s) != len(shape):
            raise MXNetError('add_n: inputs have different shapes %s vs %s' % (shape, tuple(s)))
        merged = []
        for a, b in zip(shape, s):
            if a is not None and b is not None and a != b:
                raise MXNetError('add_n: inputs have different shapes %s vs %s'
                                 % (shape, tuple(s)))
            merged.append(a if a is not None else b)
        shape = tuple(merged)
    if shape is None:
        return ins
    return [shape] * len(ins)


def _same_type_infer(p, ins, outs):
    known = [t for t in list(ins) + [outs[0]] if t is not None]
    if not known:
        return ins
    return [known[0]] * len(ins)


@op('add_n', infer_inputs=_same_shape_infer, infer_types=_same_type_infer, nan_propagates=True,
    extra_params=[Param('num_args', parse_int, required=False, default=None,
                        type_str='int, required')])
def add_n(ctx, p, *args):
    """Sum of all inputs (alias ElementWiseSum); shapes must be equal."""
    if not args:
        raise MXNetError('add_n needs at least one input')
    if p.num_args is not None and p.num_args != len(args):
        raise MXNetError('add_n: num_args=%d but %d inputs given' % (p.num_args, len(args)))
    shapes = [tuple(a.shape.as_list()) for a in args]
    _same_shape_infer(p, shapes, [None])
    if len(args) == 1:
        return tf.identity(args[0])
    return tf.math.add_n(list(args))


def _where_infer_inputs(p, ins, outs):
    """MXNet's WhereOpShape: x, y and the output share a shape once the condition is known; a
    condition of the same rank also takes it."""
    cond, x, y = ins
    if cond is None or any(d is None for d in cond):
        return ins
    shape = None
    for s in (x, y, outs[0]):
        if s is None:
            continue
        shape = tuple(s) if shape is None else tuple(
            a if a is not None else b for a, b in zip(shape, s))
    if shape is None:
        return ins
    out = [cond, shape, shape]
    if len(cond) == len(shape):
        out[0] = tuple(a if a is not None else b for a, b in zip(cond, shape))
    return out


def _where_infer_types(p, ins, outs):
    cond, x, y = ins
    t = x or y or outs[0]
    return [cond if cond is not None else t, t, t]


@op('where', infer_inputs=_where_infer_inputs, infer_types=_where_infer_types)
def where(ctx, p, condition, x, y):
    """x where condition != 0 else y. A 1-D condition of length x.shape[0] picks whole rows."""
    if x.shape.rank is None or condition.shape.rank is None:
        # only reached while inferring dtypes before shapes are known
        return tf.where(tf.not_equal(condition, tf.zeros([], condition.dtype)), x, y)
    xs = x.shape.as_list()
    cs = condition.shape.as_list()
    if len(cs) == len(xs):
        for a, b in zip(cs, xs):
            if a is not None and b is not None and a != b:
                raise MXNetError('where: condition shape %s does not match x shape %s'
                                 % (tuple(cs), tuple(xs)))
        mask = condition
    elif len(cs) == 1:
        if cs[0] is not None and xs[0] is not None and cs[0] != xs[0]:
            raise MXNetError('where: a 1-D condition must have x.shape[0]=%d entries, got %d'
                             % (xs[0], cs[0]))
        mask = tf.reshape(condition, [-1] + [1] * (len(xs) - 1))
    else:
        raise MXNetError('where: condition must have the shape of x or be 1-D (condition %s, '
                         'x %s)' % (tuple(cs), tuple(xs)))
    mask = tf.not_equal(mask, tf.zeros([], condition.dtype))
    if len(cs) != len(xs):
        mask = tf.broadcast_to(mask, tf.shape(x))
    return tf.where(mask, x, y)


# ------------------------------------------------------------------------------------------------
# Storage no-ops (tfmod graphs are dense) and _eye.

@op('cast_storage')
def cast_storage(ctx, p, data):
    """Storage-type conversion. In a graph (all dense in tfmod) the values pass through; eager
    calls convert through the op's storage rule (converters/sparse.py)."""
    return tf.identity(data)


@op('_identity_with_attr_like_rhs', infer_types=lambda p, ins, outs: [
    ins[0] if ins[0] is not None else outs[0], ins[1]])
def identity_with_attr_like_rhs(ctx, p, lhs, rhs):
    """lhs unchanged (MXNet copies rhs's storage attributes; rhs gets no gradient)."""
    return tf.identity(lhs)


@op('_eye')
def eye(ctx, p):
    """N x M (M = 0: N) matrix with ones on the k-th diagonal, of ``dtype``."""
    n = p.N
    m = p.M if p.M > 0 else p.N
    dt = _dt.to_tf(p.dtype or 'float32')
    if -n < p.k < m:
        length = min(n + min(p.k, 0), m - max(p.k, 0))
        return tf.linalg.diag(tf.ones([length], dt), k=p.k, num_rows=n, num_cols=m)
    return tf.zeros([n, m], dt)
