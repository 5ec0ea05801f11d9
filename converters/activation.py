"""Activations: Activation, LeakyReLU, softmax / log_softmax / softmin, SoftmaxActivation, Dropout.

MXNet quirks kept here (corpus README Pitfalls 14, 22):
- LeakyReLU ``selu`` backward is MXNet's ``lambda * (out > 0 ? 1 : alpha + out)``, computed from
  the OUTPUT -- not the true derivative; ``gelu`` is the erf form; ``elu`` uses ``slope`` as alpha;
  ``rrelu`` has two visible outputs (output, mask) and a fixed slope (lower+upper)/2 at inference.
- SoftmaxActivation ``instance`` mode is a softmax over the LAST axis, while its backward always
  reduces over axis 1 (identical for 2-D input, MXNet's own result otherwise).
- softmax ``use_length``: positions >= length along ``axis`` output 0 (and get no gradient).
- Dropout: identity at inference unless mode='always'; the mask holds 0 or 1/(1-p) and is shared
  along ``axes``; it is a hidden second output.
"""
import math

import tensorflow as tf
try:    # TF's tape API (private): a relu's gradient recorded on the watching tape directly
    from tensorflow.python.eager import record as _record
except ImportError:  # pragma: no cover - another TF layout: tf.custom_gradient's form
    _record = None

from . import dtypes as _dt
from .base import MXNetError
from . import layout as _layout
from .registry import op


def _axis(axis, ndim, what):
    a = axis + ndim if axis < 0 else axis
    if not 0 <= a < ndim:
        raise MXNetError('%s: axis %d is out of range for a %d-D input' % (what, axis, ndim))
    return a


# --------------------------------------------------------------------------------------------
# Activation
# --------------------------------------------------------------------------------------------

def _relu_mask(x, zero):
    mask = x > zero
    return mask, tf.where(mask, x, zero)


def _relu_custom(x, zero):
    @tf.custom_gradient
    def relu(x):
        mask, out = _relu_mask(x, zero)
        return out, lambda dy: dy * tf.cast(mask, dy.dtype)
    return relu(x)


def _act_relu(x, zero=None):
    """Activation(relu) as MXNet computes it: NaN inputs give 0 (x > 0 ? x : 0) and the
    gradient is dy * (out > 0), so a NaN head gradient still propagates where out is 0. One
    comparison serves both passes (x > 0 is False for NaN): two elementwise passes forward
    instead of IsNan + Select + Relu, and the backward reuses the mask.

    Under a tape that watches x (a training step), the gradient is recorded on that tape
    directly, as ``tf.custom_gradient`` does eagerly: in a traced graph ``tf.custom_gradient``
    adds an IdentityN, an Identity and a zeros tensor the size of x, which nothing runs -- five
    ops per relu to trace. Elsewhere (a loop body, whose gradient TF derives from the graph
    later) it is ``tf.custom_gradient``'s form, which carries the gradient in the graph.
    ``zero``: a scalar 0 of x's dtype to use (a graph call's relus share one)."""
    if zero is None:
        zero = tf.zeros([], x.dtype)
    if _record is None or not _record.should_record_backprop([x]):
        return _relu_custom(x, zero)
    with _record.stop_recording():
        mask, out = _relu_mask(x, zero)

    def grad(dy):
        return [dy * tf.cast(mask, dy.dtype)]
    _record.record_operation('Activation_relu', [out], [x], grad)
    return out


def _act_relu_forward(x):
    """Activation(relu) for a call nothing differentiates: TF's Relu (which a preceding conv or
    fused BatchNorm can absorb) then NaN -> 0, the same values as ``_act_relu``."""
    out = tf.nn.relu(x)
    return tf.where(tf.math.is_nan(out), tf.zeros_like(out), out)


def _act_relu_guarded(guards):
    """Activation(relu) in a guarded inference call: TF's Relu alone, so it fuses with the conv,
    BatchNorm or MatMul before it; its values differ from MXNet's only where a NaN reached it
    (MXNet gives 0, TF's Relu NaN). The guard is the sum of the outputs: they are >= 0 or
    +inf or NaN, so the sum is NaN exactly when one of them is (one read pass instead of the
    IsNan + Select passes, which also keep the Relu out of the fused kernels)."""
    def fn(x):
        out = tf.nn.relu(x)
        guards.append(tf.reduce_sum(out))
        return out
    return fn


_ACTS = {
    'relu': _act_relu,
    'sigmoid': tf.sigmoid,
    'tanh': tf.tanh,
    'softrelu': tf.nn.softplus,
    'softsign': tf.nn.softsign,
}


# nan_propagates: in a guarded call every act_type keeps NaN (relu is then TF's Relu, not the
# exact NaN -> 0 form; sigmoid, tanh, softplus and softsign give NaN for NaN)
@op('Activation', nan_propagates=True)
def activation(ctx, p, data):
    """relu, sigmoid, tanh, softrelu (log(1 + e^x)), softsign (x / (1 + |x|)).

    In a guarded inference call a relu is TF's Relu alone; it takes a guard of its own unless
    the call tests for NaN where its NaNs go (LowerContext.leave_nan_to_outputs)."""
    fn = _ACTS[p.act_type]
    if fn is _act_relu and data.dtype.is_floating:
        dt = data.dtype
        zero = ctx.shared(('zero', dt.name), lambda: tf.zeros([], dt))

        def fn(x):
            return _act_relu(x, zero)
    if ctx.no_grad and p.act_type == 'relu':
        fn = _act_relu_forward
        if ctx.guards is not None and data.dtype.is_floating:
            fn = tf.nn.relu if ctx.leave_nan_to_outputs() else _act_relu_guarded(ctx.guards)
    out = _layout.elementwise(ctx, fn, data)  # on the channels-last twin, if any
    return fn(data) if out is None else out


# --------------------------------------------------------------------------------------------
# LeakyReLU
# --------------------------------------------------------------------------------------------

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_LAMBDA = 1.0507009873554804934193349852946


def _lrelu_inputs(p):
    return ['data', 'gamma'] if p.act_type == 'prelu' else ['data']


def _lrelu_outputs(p):
    return ['output', 'mask'] if p.act_type == 'rrelu' else ['output']


def _lrelu_infer_inputs(p, ins, outs):
    if p.act_type == 'prelu' and ins[0] is not None and ins[1] is None:
        if len(ins[0]) < 2:
            raise MXNetError('LeakyReLU: prelu needs data with a channel axis (axis 1), got a '
                             '%d-D input; give gamma a shape' % len(ins[0]))
        ins[1] = (ins[0][1],)
    return ins


def _gamma_shape(gshape, dshape):
    """Where MXNet broadcasts prelu's gamma: its dims align from the right onto data axes 0 and 1
    only (a (C,) gamma scales axis 1, a (1,) gamma everything)."""
    nd = len(dshape)
    out = [1] * nd
    s = len(gshape) - 1
    for i in range(nd - 1, -1, -1):
        if s >= 0 and i <= 1 and (dshape[i] == gshape[s] or gshape[s] == 1 or dshape[i] is None):
            out[i] = gshape[s]
            s -= 1
    if s != -1:
        raise MXNetError('LeakyReLU: cannot broadcast gamma %s to data %s'
                         % (tuple(gshape), tuple(dshape)))
    return out


def _selu(x):
    @tf.custom_gradient
    def f(x):
        lam = tf.constant(_SELU_LAMBDA, x.dtype)
        alpha = tf.constant(_SELU_ALPHA, x.dtype)
        out = lam * tf.where(x > 0, x, alpha * tf.math.expm1(tf.minimum(x, 0)))

        def grad(dy):
            return dy * lam * tf.where(out > 0, tf.ones_like(out), alpha + out)
        return out, grad
    return f(x)


def _lrelu_var_attrs(p, index):
    # MXNet stamps prelu's gamma with its initial slope, so any initializer starts it at 0.25.
    if index == 1 and p.act_type == 'prelu':
        return {'__init__': '["Constant", {"value": 0.25}]'}
    return {}


@op('LeakyReLU', inputs=_lrelu_inputs, outputs=_lrelu_outputs, infer_inputs=_lrelu_infer_inputs,
    uses_rng=True, input_var_attrs=_lrelu_var_attrs)
def leaky_relu(ctx, p, data, gamma=None):
    """leaky / prelu (learnt gamma) / rrelu (random slope in training) / elu / selu / gelu."""
    t = p.act_type
    x = data
    dt = x.dtype
    if t == 'leaky':
        return tf.where(x > 0, x, x * tf.constant(p.slope, dt))
    if t == 'prelu':
        gs = _gamma_shape(gamma.shape.as_list(), x.shape.as_list())
        g = tf.reshape(tf.cast(gamma, dt), gs)
        return tf.where(x > 0, x, x * g)
    if t == 'rrelu':
        lo, hi = p.lower_bound, p.upper_bound
        if ctx.is_train:
            u = tf.random.stateless_uniform(tf.shape(x), ctx.seed(), dtype=tf.float32)
            mask = tf.cast(u * (hi - lo) + lo, dt)
        else:
            mask = tf.fill(tf.shape(x), tf.constant((lo + hi) / 2.0, dt))
        mask = tf.stop_gradient(mask)
        return tf.where(x > 0, x, x * mask), mask
    if t == 'elu':
        return tf.where(x > 0, x, tf.constant(p.slope, dt) * tf.math.expm1(tf.minimum(x, 0)))
    if t == 'selu':
        return _selu(x)
    if t == 'gelu':
        return 0.5 * x * (1.0 + tf.math.erf(x * tf.constant(1.0 / math.sqrt(2.0), dt)))
    raise MXNetError('LeakyReLU: unknown act_type %r' % t)


# --------------------------------------------------------------------------------------------
# softmax family
# --------------------------------------------------------------------------------------------

def _softmax_inputs(p):
    return ['data', 'length'] if p.use_length else ['data']


def _softmax_infer_inputs(p, ins, outs):
    if p.use_length and ins[0] is not None and ins[1] is None:
        d = ins[0]
        ax = _axis(p.axis, len(d), 'softmax')
        ins[1] = tuple(x for i, x in enumerate(d) if i != ax) or (1,)
    return ins


def _softmax_infer_types(p, ins, outs):
    # The length input's dtype is never inferred from data (MXNet leaves it open too).
    if ins[0] is None and p.dtype is not None:
        ins[0] = p.dtype
    return ins


def _softmax(ctx, p, data, length=None, log=False, negate=False, what='softmax'):
    shape = data.shape.as_list()
    nd = len(shape)
    ax = _axis(p.axis, nd, what)
    out_dt = _dt.to_tf(p.dtype) if p.dtype is not None else data.dtype
    cdt = tf.float32 if data.dtype in (tf.float16, tf.bfloat16) else data.dtype
    x = tf.cast(data, cdt) if data.dtype != cdt else data
    if negate:
        x = -x
    if p.temperature is not None and p.temperature != 1.0:
        x = x / tf.constant(p.temperature, cdt)
    if length is not None:
        m = tf.shape(data)[ax]
        pos = tf.range(m, dtype=tf.int64)
        pos = tf.reshape(pos, [-1 if i == ax else 1 for i in range(nd)])
        ln = tf.cast(length, tf.int64)
        if nd > 1:
            ln = tf.expand_dims(ln, ax)
        else:
            ln = tf.reshape(ln, [1])
        mask = pos < ln
        # Masked positions get the lowest finite logit (not -inf: an all-masked row must not
        # produce NaN gradients), then a zero output.
        xm = tf.where(mask, x, tf.fill(tf.shape(x), tf.constant(cdt.min, cdt)))
        y = tf.nn.softmax(xm, axis=ax)
        y = tf.where(mask, y, tf.zeros_like(y))
    elif log:
        y = tf.nn.log_softmax(x, axis=ax)
    else:
        y = tf.nn.softmax(x, axis=ax)
    return tf.cast(y, out_dt) if y.dtype != out_dt else y


@op('softmax', inputs=_softmax_inputs, infer_inputs=_softmax_infer_inputs,
    infer_types=_softmax_infer_types, nan_propagates=lambda p: not p.use_length)
def softmax(ctx, p, data, length=None):
    """exp(x/T) / sum(exp(x/T)) along ``axis``; ``use_length`` masks positions >= length."""
    if p.use_length and length is None:
        raise MXNetError('softmax: use_length=True needs a length input')
    return _softmax(ctx, p, data, length if p.use_length else None)


def _no_length(p, what):
    if p.use_length:
        raise MXNetError('%s: use_length=True is not supported (it takes no length input)'
                         % what)


@op('log_softmax', infer_types=_softmax_infer_types, nan_propagates=True)
def log_softmax(ctx, p, data):
    """log(softmax(x / T)) along ``axis``."""
    _no_length(p, 'log_softmax')
    return _softmax(ctx, p, data, log=True, what='log_softmax')


@op('softmin', infer_types=_softmax_infer_types)
def softmin(ctx, p, data):
    """softmax(-x / T) along ``axis``."""
    _no_length(p, 'softmin')
    return _softmax(ctx, p, data, negate=True, what='softmin')


@op('SoftmaxActivation', nan_propagates=True)
def softmax_activation(ctx, p, data):
    """Deprecated softmax: 'instance' over the last axis, 'channel' over axis 1.

    The gradient reduces over axis 1 in both modes, as MXNet's backward does."""
    shape = data.shape.as_list()
    nd = len(shape)
    if p.mode == 'channel':
        if nd < 3:
            raise MXNetError('SoftmaxActivation: input needs at least 3 dimensions when '
                             'mode=channel, got shape %s' % (tuple(shape),))
        ax = 1
    else:
        ax = nd - 1
    gax = 1 if nd >= 2 else 0

    @tf.custom_gradient
    def f(x):
        out = tf.nn.softmax(x, axis=ax)

        def grad(dy):
            return out * (dy - tf.reduce_sum(dy * out, axis=gax, keepdims=True))
        return out, grad
    return f(data)


# --------------------------------------------------------------------------------------------
# Dropout
# --------------------------------------------------------------------------------------------

def _mask_shape(p, shape):
    s = list(shape)
    for a in p.axes:
        s[_axis(a, len(shape), 'Dropout')] = 1
    return s


@op('Dropout', inputs=['data'], outputs=['output'], num_outputs=2, variadic=False,
    uses_rng=True, nan_propagates=True)
def dropout(ctx, p, data):
    """Training (or mode='always'): x * mask, mask = Bernoulli(1-p) / (1-p) shared along
    ``axes``; otherwise identity. Hidden 2nd output: the mask."""
    shape = data.shape.as_list()
    ms = _mask_shape(p, shape)
    active = (ctx.is_train or p.mode == 'always') and p.p > 0
    if not active:
        mshape = [tf.shape(data)[i] if d is None else d for i, d in enumerate(ms)]
        return tf.identity(data), tf.ones(mshape, data.dtype)
    if None in shape:
        dyn = tf.shape(data)
        mshape = tf.stack([dyn[i] if d is None else d for i, d in enumerate(ms)])
    else:
        mshape = ms
    keep = 1.0 - p.p
    u = tf.random.stateless_uniform(mshape, ctx.seed(), dtype=tf.float32)
    # 1/(1-p) in float32 as MXNet; p=1 gives 0 * inf = NaN there too.
    scale = 1.0 / keep if keep > 0 else float('inf')
    mask = tf.cast(tf.cast(u < keep, tf.float32) * scale, data.dtype)
    mask = tf.stop_gradient(mask)
    return data * mask, mask
