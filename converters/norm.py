"""Normalisation layers: BatchNorm, LayerNorm, InstanceNorm, GroupNorm, L2Normalization, LRN.

MXNet quirks kept here (see the corpus README's Pitfalls 1, 2, 11, 12, 13):
- eps defaults differ per op (BatchNorm/InstanceNorm 1e-3, LayerNorm/GroupNorm 1e-5,
  L2Normalization 1e-10) and every variance is the biased one.
- BatchNorm ``fix_gamma`` (default True) uses gamma = 1, gives gamma a zero gradient and writes
  ones into the gamma variable; its moving statistics change only in training and (through the
  executor) only in backward; ``output_mean_var`` returns mean and the INVERSE std.
- LayerNorm/GroupNorm ``output_mean_var`` return mean and std = sqrt(var + eps).
- GroupNorm's gamma/beta have one entry per group, not per channel.
- LRN divides alpha by nsize.
The extra statistics outputs carry no gradient: MXNet's backward ignores their head gradients.

The normalisations are written ``(x - mean) * (gamma / std) + beta``, never the textbook
``(x - mean) / sqrt(var + eps) * gamma + beta``: over the last axis TF 2.21's oneDNN remapper
rewrites that pattern into its fused layer-norm kernel, which then uses eps=1e-3 whatever the
graph says.
"""
import tensorflow as tf

from . import dtypes as _dt
from .base import MXNetError
from . import fold as _fold
from . import layout as _layout
from .registry import op


def _axis(axis, ndim, what):
    a = axis + ndim if axis < 0 else axis
    if not 0 <= a < ndim:
        raise MXNetError('%s: axis %d is out of range for a %d-D input' % (what, axis, ndim))
    return a


def _param_dtype(data_dtype):
    """MXNet keeps normalisation parameters and statistics in float32 for float16 data."""
    return tf.float32 if data_dtype in (tf.float16, tf.bfloat16) else data_dtype


def _bshape(ndim, axis, n):
    """A shape broadcasting a (n,) vector along ``axis`` of an ndim-D tensor."""
    s = [1] * ndim
    s[axis] = n
    return s


# --------------------------------------------------------------------------------------------
# BatchNorm
# --------------------------------------------------------------------------------------------

def _bn_outputs(p):
    return ['output', 'mean', 'var'] if p.output_mean_var else ['output']


def _bn_infer_inputs(p, ins, outs):
    data = ins[0]
    if data is None:
        return ins
    ax = _axis(p.axis, len(data), 'BatchNorm')
    c = data[ax]
    for i in range(1, 5):
        if ins[i] is None or ins[i] == (None,):  # Gluon exports declare them as __shape__ (0,)
            ins[i] = (c,)
    return ins


def _bn_infer_types(p, ins, outs):
    dt = ins[0]
    if dt is None and outs and outs[0] is not None:
        dt = outs[0]
        ins[0] = dt
    if dt is None:
        return ins
    pdt = 'float32' if _dt.canonical(dt) in ('float16', 'bfloat16') else dt
    return [ins[0]] + [pdt if t is None else t for t in ins[1:]]


def _bn_var_attrs(p, index):
    if index == 3:
        return {'__init__': '["zero", {}]'}
    if index == 4:
        return {'__init__': '["one", {}]'}
    return {}


@op('BatchNorm', aux=['moving_mean', 'moving_var'], outputs=_bn_outputs, num_outputs=3,
    infer_inputs=_bn_infer_inputs, infer_types=_bn_infer_types, input_var_attrs=_bn_var_attrs,
    nan_propagates=True)
def batch_norm(ctx, p, data, gamma, beta, moving_mean, moving_var):
    """Batch statistics in training (unless use_global_stats), moving statistics otherwise.

    Outputs (output, mean, inverse std); the last two are visible only with output_mean_var.
    """
    shape = data.shape.as_list()
    nd = len(shape)
    ax = _axis(p.axis, nd, 'BatchNorm')
    c = shape[ax]
    for name, t in (('gamma', gamma), ('beta', beta), ('moving_mean', moving_mean),
                    ('moving_var', moving_var)):
        ts = t.shape.as_list()
        if len(ts) != 1 or (ts[0] is not None and c is not None and ts[0] != c):
            raise MXNetError('BatchNorm: %s has shape %s, expected (%s,) (channel axis %d of '
                             'data %s)' % (name, tuple(ts), c, ax, tuple(shape)))
    pdt = _param_dtype(data.dtype)
    x = tf.cast(data, pdt) if data.dtype != pdt else data
    gamma, beta = tf.cast(gamma, pdt), tf.cast(beta, pdt)
    moving_mean, moving_var = tf.cast(moving_mean, pdt), tf.cast(moving_var, pdt)
    if p.fix_gamma:
        # MXNet treats gamma as 1 (zero gradient) and overwrites the variable with ones.
        g = tf.ones_like(gamma)
        ctx.update(1, g)
    else:
        g = gamma
    bs = _bshape(nd, ax, -1)
    out = None
    stats = ctx.reads(1) or ctx.reads(2)     # the hidden outputs: built only when read
    if ctx.is_train and not p.use_global_stats:
        if pdt == tf.float32 and c is not None and (p.eps >= _FUSED_MIN_EPS or _cpu_only()):
            out, mean, var = _fused_train(data, g, beta, ax, p.eps, ctx)
        else:
            mean, var = tf.nn.moments(x, [i for i in range(nd) if i != ax])
        m, keep = ctx.shared(('bn_momentum', p.momentum, pdt), lambda: _momentum(p, pdt))
        new_mean, new_var = moving_mean * m + mean * keep, moving_var * m + var * keep
        if tf.executing_eagerly():  # no gradient may reach the arrays through their new values
            new_mean, new_var = tf.stop_gradient(new_mean), tf.stop_gradient(new_var)
        ctx.update(3, new_mean)     # (a traced call only assigns them)
        ctx.update(4, new_var)
    else:
        mean, var = moving_mean, moving_var
    inv = None
    if out is None and ctx.no_grad and nd == 4 and ax == 1 and x is data and \
            data.dtype == tf.float32 and c is not None:
        # Inference: TF's fused kernel on the channels-last layout, which Grappler's remapper
        # fuses with the convolution before it (and a relu after it).
        xl, mean_in = _layout.channels_last(ctx, data, 2), moving_mean
        folded = _fold.pre_bias(ctx, xl)
        if folded is not None and folded[1].dtype == pdt:
            # a biased convolution's output: BN(z + b) with mean m is BN(z) with mean m - b,
            # which Grappler fuses into the convolution (converters/fold.py)
            xl, mean_in = folded[0], moving_mean - folded[1]
        y = tf.raw_ops.FusedBatchNormV3(
            x=xl, scale=g, offset=beta, mean=mean_in,
            variance=moving_var, epsilon=p.eps, data_format='NHWC', is_training=False)[0]
        out = _layout.channels_first(ctx, y, 2)
    if out is None:
        inv = _inv_std(var, p.eps, pdt)
        scale = g * inv
        shift = beta - mean * scale
        if nd == 4 and ax == 1 and x is data and _layout.twin(ctx, data) is not None:
            out = _layout.channels_first(ctx, _layout.twin(ctx, data) * scale + shift, 2)
        else:
            out = x * tf.reshape(scale, bs) + tf.reshape(shift, bs)
    if out.dtype != data.dtype:
        out = tf.cast(out, data.dtype)
    if not stats:
        return out, None, None
    if inv is None:
        inv = _inv_std(var, p.eps, pdt)
    return out, tf.stop_gradient(mean), tf.stop_gradient(inv)


def _momentum(p, dtype):
    """(momentum, 1 - momentum) as the moving averages use them."""
    m = tf.constant(p.momentum, dtype)
    return m, 1 - m


def _inv_std(var, eps, dtype):
    """BatchNorm's 1 / sqrt(var + eps)."""
    return tf.math.rsqrt(var + tf.constant(eps, dtype))


# cuDNN's lower bound on epsilon (1e-5 as float32 falls just below cuDNN 7's); below it, when a
# GPU may run the op, the (exact) moments path is used. TF's CPU kernel takes any epsilon, and
# Gluon's default 1e-5 then keeps the fused kernel: with the moments path a ResNet-20 training
# step ran two reductions, their gradients and a transpose pair per BatchNorm.
_FUSED_MIN_EPS = 1.001e-5
_CPU_ONLY = []


def _cpu_only():
    """No GPU in this process: every BatchNorm runs TF's CPU kernel."""
    if not _CPU_ONLY:
        _CPU_ONLY.append(not tf.config.list_logical_devices('GPU'))
    return _CPU_ONLY[0]


def _fused_train(data, gamma, beta, ax, eps, ctx=None):
    """Training BatchNorm with TF's fused kernel (about 2x faster than moments for a training
    step on (32, 64, 56, 56) NCHW, transposes included).

    The kernel wants channels last: NCHW is transposed, anything else viewed as (1, M, 1, C).
    Returns (output, mean, biased var): the kernel's batch variance has Bessel's correction,
    MXNet uses the biased one.
    """
    shape = data.shape.as_list()
    nd = len(shape)
    dyn = tf.shape(data) if None in shape else None     # only read for unknown dims
    c = shape[ax]
    if nd == 4 and ax == 1:
        perm = [0, 2, 3, 1]
        xt = _layout.channels_last(ctx, data, 2)
    elif nd == 4 and ax == 3:
        perm = None
        xt = data
    else:
        perm = [i for i in range(nd) if i != ax] + [ax]
        xt = tf.transpose(data, perm) if ax != nd - 1 else data
        xt = tf.reshape(xt, [1, -1, 1, c])
    # no running statistics go in when training
    none = ctx.shared('bn_none', lambda: tf.zeros([0], tf.float32)) if ctx is not None else \
        tf.zeros([0], tf.float32)
    # Float32 data without GPUs: TF's first FusedBatchNorm, the same CPU kernel, forward and
    # backward, as V3's (the same values), and the one whose other outputs a gradient tape
    # leaves without zeros -- V3's five made eight ops per BatchNorm that nothing runs. Half
    # data (which only V2/V3 take) and GPUs (where Grappler's remapper can fuse V3 with a
    # following relu) keep V3.
    v1 = xt.dtype == tf.float32 and _cpu_only()
    fused = tf.raw_ops.FusedBatchNorm if v1 else tf.raw_ops.FusedBatchNormV3
    y, mean, var_u = fused(x=xt, scale=gamma, offset=beta, mean=none, variance=none,
                           epsilon=eps, data_format='NHWC', is_training=True)[:3]
    if nd == 4 and ax == 1:
        y = _layout.channels_first(ctx, y, 2)
    elif not (nd == 4 and ax == 3):
        if ax != nd - 1:
            tshape = [dyn[i] if shape[i] is None else shape[i] for i in perm]
            y = tf.transpose(tf.reshape(y, tshape), [perm.index(i) for i in range(nd)])
        else:
            y = tf.reshape(y, dyn if None in shape else shape)
    n = 1
    for i, d in enumerate(shape):
        if i != ax:
            n = n * (tf.cast(dyn[i], tf.float32) if d is None else d)
    if isinstance(n, int):
        corr = (n - 1) / n if n > 1 else 1.0
        if ctx is not None:     # one constant per distinct count
            corr = ctx.shared(('bn_corr', corr), lambda: tf.constant(corr, tf.float32))
    else:
        corr = tf.maximum(n - 1, 1.0) / tf.maximum(n, 1.0)
    return y, mean, var_u * corr


# --------------------------------------------------------------------------------------------
# LayerNorm, InstanceNorm, GroupNorm
# --------------------------------------------------------------------------------------------

def _mean_var_outputs(p):
    return ['output', 'mean', 'std'] if p.output_mean_var else ['output']


def _ln_infer_inputs(p, ins, outs):
    data = ins[0]
    if data is not None:
        c = data[_axis(p.axis, len(data), 'LayerNorm')]
        ins[1] = ins[1] or (c,)
        ins[2] = ins[2] or (c,)
    return ins


def _check_param(name, t, n, op_name):
    ts = t.shape.as_list()
    if len(ts) != 1 or (ts[0] is not None and n is not None and ts[0] != n):
        raise MXNetError('%s: %s has shape %s, expected (%s,)' % (op_name, name, tuple(ts), n))


def _moments(x, axes):
    """Mean and biased variance over axes (kept), accumulated in float32 for half types."""
    pdt = _param_dtype(x.dtype)
    xf = tf.cast(x, pdt) if x.dtype != pdt else x
    mean, var = tf.nn.moments(xf, axes, keepdims=True)
    return xf, mean, var


@op('LayerNorm', outputs=_mean_var_outputs, num_outputs=3, infer_inputs=_ln_infer_inputs)
def layer_norm(ctx, p, data, gamma, beta):
    """Normalise over ``axis``; gamma/beta (C,) scale that axis. Outputs output, mean, std."""
    shape = data.shape.as_list()
    nd = len(shape)
    ax = _axis(p.axis, nd, 'LayerNorm')
    _check_param('gamma', gamma, shape[ax], 'LayerNorm')
    _check_param('beta', beta, shape[ax], 'LayerNorm')
    xf, mean, var = _moments(data, [ax])
    std = tf.sqrt(var + tf.constant(p.eps, xf.dtype))
    bs = _bshape(nd, ax, -1)
    g = tf.reshape(tf.cast(gamma, xf.dtype), bs)
    b = tf.reshape(tf.cast(beta, xf.dtype), bs)
    out = (xf - mean) * (g / std) + b
    dt = data.dtype
    return (tf.cast(out, dt), tf.stop_gradient(tf.cast(mean, dt)),
            tf.stop_gradient(tf.cast(std, dt)))


def _in_infer_inputs(p, ins, outs):
    data = ins[0]
    if data is not None:
        if len(data) < 3:
            raise MXNetError('InstanceNorm: data must have at least 3 dimensions (N, C, ...), '
                             'got %d' % len(data))
        ins[1] = ins[1] or (data[1],)
        ins[2] = ins[2] or (data[1],)
    return ins


@op('InstanceNorm', outputs=['output'], num_outputs=3, infer_inputs=_in_infer_inputs)
def instance_norm(ctx, p, data, gamma, beta):
    """Normalise each (sample, channel) over the spatial axes; gamma/beta per channel."""
    shape = data.shape.as_list()
    nd = len(shape)
    if nd < 3:
        raise MXNetError('InstanceNorm: data must have at least 3 dimensions (N, C, ...), got '
                         'shape %s' % (tuple(shape),))
    _check_param('gamma', gamma, shape[1], 'InstanceNorm')
    _check_param('beta', beta, shape[1], 'InstanceNorm')
    xf, mean, var = _moments(data, list(range(2, nd)))
    inv = tf.math.rsqrt(var + tf.constant(p.eps, xf.dtype))
    bs = _bshape(nd, 1, -1)
    g = tf.reshape(tf.cast(gamma, xf.dtype), bs)
    b = tf.reshape(tf.cast(beta, xf.dtype), bs)
    out = (xf - mean) * (g * inv) + b
    dt = data.dtype
    flat = [-1 if shape[0] is None else shape[0], -1 if shape[1] is None else shape[1]]
    return (tf.cast(out, dt), tf.stop_gradient(tf.cast(tf.reshape(mean, flat), dt)),
            tf.stop_gradient(tf.cast(tf.reshape(var, flat), dt)))


def _gn_infer_inputs(p, ins, outs):
    data = ins[0]
    if data is not None:
        if len(data) < 3:
            raise MXNetError('GroupNorm: data must have at least 3 dimensions (N, C, ...), got '
                             '%d' % len(data))
        if data[1] is not None and data[1] % p.num_groups:
            raise MXNetError('GroupNorm: # of channels (%d) must be divisible by num_groups (%d)'
                             % (data[1], p.num_groups))
    ins[1] = ins[1] or (p.num_groups,)
    ins[2] = ins[2] or (p.num_groups,)
    return ins


@op('GroupNorm', outputs=_mean_var_outputs, num_outputs=3, infer_inputs=_gn_infer_inputs)
def group_norm(ctx, p, data, gamma, beta):
    """Normalise each (sample, group of C/G channels); gamma/beta have ONE entry per group."""
    shape = data.shape.as_list()
    nd = len(shape)
    G = p.num_groups
    if nd < 3:
        raise MXNetError('GroupNorm: data must have at least 3 dimensions (N, C, ...), got '
                         'shape %s' % (tuple(shape),))
    if G < 1 or shape[1] is None or shape[1] % G:
        raise MXNetError('GroupNorm: # of channels (%s) must be divisible by num_groups (%d)'
                         % (shape[1], G))
    _check_param('gamma', gamma, G, 'GroupNorm')
    _check_param('beta', beta, G, 'GroupNorm')
    grp = [-1, G, shape[1] // G] + [-1 if d is None else d for d in shape[2:]]
    if shape[0] is not None:
        grp[0] = shape[0]
    elif None in shape[2:]:
        grp = tf.concat([tf.shape(data)[:1], [G, shape[1] // G], tf.shape(data)[2:]], 0)
    xg = tf.reshape(data, grp)
    xf, mean, var = _moments(xg, list(range(2, nd + 1)))
    std = tf.sqrt(var + tf.constant(p.eps, xf.dtype))
    bs = _bshape(nd + 1, 1, G)
    g = tf.reshape(tf.cast(gamma, xf.dtype), bs)
    b = tf.reshape(tf.cast(beta, xf.dtype), bs)
    out = tf.reshape((xf - mean) * (g / std) + b, tf.shape(data) if None in shape else shape)
    dt = data.dtype
    ms = [-1 if shape[0] is None else shape[0], G]
    return (tf.cast(out, dt), tf.stop_gradient(tf.cast(tf.reshape(mean, ms), dt)),
            tf.stop_gradient(tf.cast(tf.reshape(std, ms), dt)))


# --------------------------------------------------------------------------------------------
# L2Normalization, LRN
# --------------------------------------------------------------------------------------------

@op('L2Normalization', outputs=['output'], num_outputs=2)
def l2_normalization(ctx, p, data):
    """x / sqrt(sum(x^2) + eps) over all but axis 0 ('instance'), over axis 1 ('channel') or
    over the axes after 1 ('spatial'). Hidden 2nd output: the norm."""
    shape = data.shape.as_list()
    nd = len(shape)
    if p.mode == 'instance':
        axes = list(range(1, nd))
    else:
        if nd < 3:
            raise MXNetError('L2Normalization: at least 3 dimensions required in %s mode, got '
                             'shape %s' % (p.mode, tuple(shape)))
        axes = [1] if p.mode == 'channel' else list(range(2, nd))
    sq = tf.reduce_sum(tf.square(data), axes, keepdims=True) if axes else tf.square(data)
    norm = tf.sqrt(sq + tf.constant(p.eps, data.dtype))
    out = data / norm
    n0 = -1 if shape[0] is None else shape[0]
    if p.mode == 'instance':
        norm_out = tf.reshape(norm, [n0])
    elif p.mode == 'spatial':
        norm_out = tf.reshape(norm, [n0, -1 if shape[1] is None else shape[1]])
    else:
        norm_out = norm
    return out, tf.stop_gradient(norm_out)


@op('LRN', outputs=['output'], num_outputs=2)
def lrn(ctx, p, data):
    """Across-channel LRN: x / (knorm + alpha/nsize * sum_{channel window} x^2)^beta.

    Hidden 2nd output: the (knorm + ...) term."""
    shape = data.shape.as_list()
    nd = len(shape)
    if nd != 4:
        raise MXNetError('LRN: input data should be 4-D (batch, channel, y, x), got shape %s'
                         % (tuple(shape),))
    n = p.nsize
    if n < 1:
        raise MXNetError('LRN: nsize must be positive, got %d' % n)
    sq = tf.square(data)
    # MXNet (oneDNN) sums channels c-h..c+h with h = (nsize-1)//2: an even nsize behaves as
    # nsize-1 wide, while alpha is still divided by nsize (checked with MXNet 1.9.1).
    h = (n - 1) // 2
    w = 2 * h + 1
    # float16 (the float16 networks of MXNet's example/image-classification, e.g. alexnet):
    # TF's CPU pooling has no half kernel, so the window sums are taken in float32
    wide = tf.cast(sq, tf.float32) if sq.dtype == tf.float16 else sq
    padded = tf.pad(wide, [[0, 0], [h, h], [0, 0], [0, 0]])
    c = shape[1]
    # A channel-window sum as one 3-D pooling over (C, H, W) with a (w, 1, 1) window.
    win = tf.nn.avg_pool3d(padded[..., None], [1, w, 1, 1, 1], [1, 1, 1, 1, 1], 'VALID',
                           data_format='NDHWC')[..., 0] * w
    win = tf.cast(win, sq.dtype)
    if c is not None:
        win = tf.ensure_shape(win, shape)
    dt = data.dtype
    norm = tf.constant(p.knorm, dt) + tf.constant(p.alpha / n, dt) * win
    out = data * tf.pow(norm, tf.constant(-p.beta, dt))
    return out, tf.stop_gradient(norm)
