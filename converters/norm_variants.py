"""BatchNorm's relatives that model files carry: ``_contrib_BatchNormWithReLU`` (MXNet's fused
BatchNorm + ReLU), ``_contrib_SyncBatchNorm`` (GluonCV's cross-device BatchNorm) and
``BatchNorm_v1`` (MXNet 0.x).

They share BatchNorm's inputs, auxiliary states, ``fix_gamma`` (gamma used as 1 and written as
ones) and moving statistics updated in training (applied in backward). The two older ones
differ from BatchNorm (converters/norm.py) in what MXNet kept of them:
- channel axis 1 only, and their third output is the batch **variance**, not the inverse std;
  outside training BatchNorm_v1's ``mean``/``var`` outputs are the moving statistics, while
  SyncBatchNorm leaves them unwritten (zeros here, as MXNet's fresh arrays read);
- SyncBatchNorm's variance is ``E[x^2] - E[x]^2`` (BatchNorm_v1's is two-pass).
SyncBatchNorm with ``ndev > 1`` synchronises statistics across devices in training; tfmod does
not, and refuses that case rather than train on per-device statistics. Inference, ``ndev=1`` and
``use_global_stats`` need no synchronisation and run.
"""
import tensorflow as tf

from .base import MXNetError
from .registry import op
from . import norm as _norm


def _infer_axis1(p, ins, outs):
    if ins[0] is not None and len(ins[0]) >= 2:
        ins = list(ins)
        for i in range(1, 5):
            if ins[i] is None:
                ins[i] = (ins[0][1],)
    return ins


def _classic_bn(name, ctx, p, data, gamma, beta, moving_mean, moving_var, variance,
                stats_outside_training):
    shape = data.shape.as_list()
    if len(shape) < 2:
        raise MXNetError('%s: data must have a channel axis 1, got shape %s'
                         % (name, tuple(shape)))
    c = shape[1]
    for what, t in (('gamma', gamma), ('beta', beta), ('moving_mean', moving_mean),
                    ('moving_var', moving_var)):
        ts = t.shape.as_list()
        if len(ts) != 1 or (ts[0] is not None and c is not None and ts[0] != c):
            raise MXNetError('%s: %s has shape %s, expected (%s,) (channel axis 1 of data %s)'
                             % (name, what, tuple(ts), c, tuple(shape)))
    bs = _norm._bshape(len(shape), 1, -1)
    if p.fix_gamma:
        gamma = tf.ones_like(gamma)
        ctx.update(1, gamma)
    if ctx.is_train and not p.use_global_stats:
        axes = [0] + list(range(2, len(shape)))
        mean = tf.reduce_mean(data, axes)
        var = variance(data, mean, axes, bs)
        m = tf.constant(p.momentum, data.dtype)
        ctx.update(3, tf.stop_gradient(moving_mean * m + mean * (1 - m)))
        ctx.update(4, tf.stop_gradient(moving_var * m + var * (1 - m)))
        scale = gamma * tf.math.rsqrt(var + p.eps)
        out = (data - tf.reshape(mean, bs)) * tf.reshape(scale, bs) + tf.reshape(beta, bs)
        return out, tf.stop_gradient(mean), tf.stop_gradient(var)
    scale = gamma * tf.math.rsqrt(moving_var + p.eps)
    out = data * tf.reshape(scale, bs) + tf.reshape(beta - moving_mean * scale, bs)
    if stats_outside_training:
        return out, moving_mean, moving_var
    zeros = tf.zeros_like(moving_mean)
    return out, zeros, zeros


def _two_pass(data, mean, axes, bs):
    return tf.reduce_mean(tf.square(data - tf.reshape(mean, bs)), axes)


def _moments(data, mean, axes, bs):
    return tf.reduce_mean(tf.square(data), axes) - tf.square(mean)


_COMMON = dict(aux=['moving_mean', 'moving_var'], outputs=_norm._bn_outputs, num_outputs=3,
               infer_types=_norm._bn_infer_types, input_var_attrs=_norm._bn_var_attrs)


@op('BatchNorm_v1', inputs=['data', 'gamma', 'beta', 'moving_mean', 'moving_var'],
    infer_inputs=_infer_axis1, **_COMMON)
def batch_norm_v1(ctx, p, data, gamma, beta, moving_mean, moving_var):
    """MXNet 0.x BatchNorm: outputs (output, mean, var)."""
    return _classic_bn('BatchNorm_v1', ctx, p, data, gamma, beta, moving_mean, moving_var,
                       _two_pass, True)


@op('_contrib_SyncBatchNorm', inputs=['data', 'gamma', 'beta', 'moving_mean', 'moving_var'],
    infer_inputs=_infer_axis1, **_COMMON)
def sync_batch_norm(ctx, p, data, gamma, beta, moving_mean, moving_var):
    """Cross-device BatchNorm on one device: outputs (output, mean, var)."""
    if p.ndev > 1 and ctx.is_train and not p.use_global_stats:
        raise MXNetError('_contrib_SyncBatchNorm "%s": training with ndev=%d synchronises batch '
                         'statistics across devices, which tfmod does not implement; set '
                         'ndev=1 (per-device statistics) or use_global_stats=True'
                         % (ctx.name, p.ndev))
    return _classic_bn('SyncBatchNorm', ctx, p, data, gamma, beta, moving_mean, moving_var,
                       _moments, False)


@op('_contrib_BatchNormWithReLU', infer_inputs=_norm._bn_infer_inputs,
    **dict(_COMMON, num_outputs=4))
def batch_norm_with_relu(ctx, p, data, gamma, beta, moving_mean, moving_var):
    """BatchNorm (every attribute, same outputs) followed by ReLU on its first output; the
    fourth, hidden output is MXNet's workspace (here the ReLU mask)."""
    out, mean, inv = _norm.batch_norm(ctx, p, data, gamma, beta, moving_mean, moving_var)
    return tf.nn.relu(out), mean, inv, tf.stop_gradient(tf.cast(out > 0, out.dtype))
