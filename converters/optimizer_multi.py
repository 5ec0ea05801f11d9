"""MXNet's multi-tensor optimizer ops: one call updates ``num_weights`` parameters.

``multi_sgd_update`` / ``multi_sgd_mom_update`` / ``multi_mp_sgd_update`` /
``multi_mp_sgd_mom_update`` take their inputs interleaved per parameter -- ``weight, grad``, then
``mom`` and/or the float32 ``weight32`` -- and learning rates and weight decays as tuples; the
``preloaded_`` forms take them as two trailing float32 arrays instead. ``multi_sum_sq`` and
``multi_lars`` are the pieces of MXNet's LARS. The states (momentum, master weights) are mutated
in place as by the single-tensor ops (converters/optimizer.py), whose kernels these reuse.

MXNet's multi-SGD kernel computes ``mom = momentum*mom - lr*wd*w - lr*clip(rescale*g)`` and
``w += mom`` even without a momentum buffer (mom starts at 0), which rounds differently from
``sgd_update``'s ``(1 - lr*wd)*w``; that form is kept.
"""
import tensorflow as tf

from .base import MXNetError
from .registry import op
from . import optimizer as K

# per-parameter inputs of each form: (names, has momentum, mixed precision)
_FORMS = {
    'sgd': (('weight', 'grad'), False, False),
    'sgd_mom': (('weight', 'grad', 'mom'), True, False),
    'mp_sgd': (('weight', 'grad', 'weight32'), False, True),
    'mp_sgd_mom': (('weight', 'grad', 'mom', 'weight32'), True, True),
}


def _aux_names(form):
    """The mutated inputs (momentum, master weight) by position: variadic inputs are argN."""
    names, _, _ = _FORMS[form]
    where = [j for j, n in enumerate(names) if n in ('mom', 'weight32')]
    return lambda p: ['arg%d' % (i * len(names) + j) for i in range(p.num_weights) for j in where]


def _outputs(p):
    return ['output%d' % i for i in range(p.num_weights)]


def _multi_sgd(op_name, form, preloaded, ctx, p, data):
    names, has_mom, mp = _FORMS[form]
    stride = len(names)
    n = p.num_weights
    want = n * stride + (2 if preloaded else 0)
    if len(data) != want:
        raise MXNetError('%s: num_weights=%d takes %d inputs (%s per weight%s), got %d'
                         % (op_name, n, want, ', '.join(names),
                            ' and lrs, wds' if preloaded else '', len(data)))
    if preloaded:
        lrs = tf.reshape(tf.cast(data[-2], tf.float32), [-1])
        wds = tf.reshape(tf.cast(data[-1], tf.float32), [-1])
        lr_at, wd_at = (lambda i: lrs[i]), (lambda i: wds[i])
    else:
        for what in ('lrs', 'wds'):
            if len(getattr(p, what)) != n:
                raise MXNetError('%s: %s has %d values for num_weights=%d'
                                 % (op_name, what, len(getattr(p, what)), n))
        lr_at = lambda i: tf.constant(p.lrs[i], tf.float32)  # noqa: E731
        wd_at = lambda i: tf.constant(p.wds[i], tf.float32)  # noqa: E731
    outs = []
    for i in range(n):
        group = dict(zip(names, data[i * stride:(i + 1) * stride]))
        weight = group['weight']
        dt = tf.float32 if mp else weight.dtype
        w = group['weight32'] if mp else weight
        mom = group['mom'] if has_mom else tf.zeros_like(w)
        for what, t in group.items():
            if t.shape.as_list() != weight.shape.as_list():
                raise MXNetError('%s: %s_%d has shape %s, weight_%d has %s'
                                 % (op_name, what, i, tuple(t.shape.as_list()), i,
                                    tuple(weight.shape.as_list())))
        momentum = K.k_param(p.momentum if has_mom else 0.0, dt)
        new_w, new_mom = K.sgd_mom(w, tf.cast(group['grad'], dt), mom,
                                   tf.cast(lr_at(i), dt), momentum, tf.cast(wd_at(i), dt),
                                   K.k_param(p.rescale_grad, dt),
                                   K.k_bound(p.clip_gradient, dt))
        base = i * stride
        if has_mom:
            ctx.update(base + names.index('mom'), new_mom)
        if mp:
            ctx.update(base + names.index('weight32'), new_w)
        outs.append(tf.cast(new_w, weight.dtype))
    return tuple(outs)


def _register(form, preloaded):
    op_name = ('preloaded_multi_' if preloaded else 'multi_') + form + '_update'

    @op(op_name, variadic=True, aux=_aux_names(form), outputs=_outputs,
        num_outputs=lambda p: p.num_weights)
    def lower(ctx, p, *data):
        return _multi_sgd(op_name, form, preloaded, ctx, p, data)
    lower.__doc__ = 'MXNet\'s %s (%s per weight).' % (op_name, ', '.join(_FORMS[form][0]))
    return lower


for _form in _FORMS:
    _register(_form, False)
    _register(_form, True)


@op('multi_sum_sq', variadic=True)
def multi_sum_sq(ctx, p, *data):
    """Sum of squares of each of ``num_arrays`` arrays -> float32 (num_arrays,); a float16
    array's squares are rounded to float16 before the float32 sum, as in MXNet."""
    if len(data) != p.num_arrays:
        raise MXNetError('multi_sum_sq: num_arrays=%d but %d arrays given'
                         % (p.num_arrays, len(data)))
    for i, d in enumerate(data[1:], 1):
        if d.dtype != data[0].dtype:   # MXNet: "This layer requires uniform type"
            raise MXNetError('multi_sum_sq: array %d is %s, array 0 is %s (one dtype for all)'
                             % (i, d.dtype.name, data[0].dtype.name))
    return tf.stack([K.sum_sq(d) for d in data])


@op('multi_lars')
def multi_lars(ctx, p, lrs, weights_sum_sq, grads_sum_sq, wds):
    """Per-parameter LARS learning rates: ``lr*eta*|w| / (|g|*rescale + wd*|w| + eps)``, or lr
    where |w| or |g| is zero (float32 vectors)."""
    for what, t in (('lrs', lrs), ('weights_sum_sq', weights_sum_sq),
                    ('grads_sum_sq', grads_sum_sq), ('wds', wds)):
        if t.dtype != tf.float32:
            raise MXNetError('multi_lars: %s must be float32, got %s' % (what, t.dtype.name))
    w_norm = tf.sqrt(weights_sum_sq)
    valid = tf.logical_and(w_norm > 0, grads_sum_sq > 0)
    eta, eps = K.k_param(p.eta, tf.float32), K.k_param(p.eps, tf.float32)
    rescale = K.k_param(p.rescale_grad, tf.float32)
    denom = tf.sqrt(grads_sum_sq) * rescale + wds * w_norm + eps
    return tf.where(valid, lrs * eta * w_norm / tf.where(valid, denom, tf.ones_like(denom)),
                    lrs)


def _per_tensor(op_name, data, n, names, extra=0):
    """Split interleaved inputs into one dict per tensor, checking count and shapes."""
    stride = len(names)
    want = n * stride + extra
    if len(data) != want:
        raise MXNetError('%s: %d tensors take %d inputs (%s per tensor%s), got %d'
                         % (op_name, n, want, ', '.join(names),
                            ' and rescale_grad' if extra else '', len(data)))
    groups = []
    for i in range(n):
        group = dict(zip(names, data[i * stride:(i + 1) * stride]))
        ws = group['weight'].shape.as_list()
        for what, t in group.items():
            if t.shape.as_list() != ws:
                raise MXNetError('%s: %s_%d has shape %s, weight_%d has %s'
                                 % (op_name, what, i, tuple(t.shape.as_list()), i, tuple(ws)))
        groups.append(group)
    return groups


def _tuple_len(op_name, p, n, *fields):
    for f in fields:
        if len(getattr(p, f)) != n:
            raise MXNetError('%s: %s has %d values for %d tensors'
                             % (op_name, f, len(getattr(p, f)), n))


def _multi_adamw(op_name, mp):
    names = ('weight', 'grad', 'mean', 'var') + (('weight32',) if mp else ())
    stride = len(names)

    @op(op_name, variadic=True, outputs=_outputs, num_outputs=lambda p: p.num_weights,
        aux=lambda p: ['arg%d' % (i * stride + j) for i in range(p.num_weights)
                       for j in range(2, stride)])
    def lower(ctx, p, *data):
        n = p.num_weights
        groups = _per_tensor(op_name, data, n, names, extra=1)
        _tuple_len(op_name, p, n, 'lrs', 'wds', 'etas')
        r, ok = K.scale_ok(data[-1])
        outs = []
        for i, g in enumerate(groups):
            weight = g['weight']
            dt = tf.float32 if mp else weight.dtype
            w = g['weight32'] if mp else weight
            new_w, _, m, v = K.adamw(
                w, tf.cast(g['grad'], dt), g['mean'], g['var'], K.k_param(p.lrs[i], dt),
                K.k_param(p.beta1, dt), K.k_param(p.beta2, dt), K.k_param(p.epsilon, dt),
                K.k_param(p.wds[i], dt), K.k_param(p.etas[i], dt), tf.cast(r, dt),
                K.k_bound(p.clip_gradient, dt))
            updates = [(2, m, g['mean']), (3, v, g['var'])]
            if mp:
                updates.append((4, new_w, w))
            for j, new, old in updates:
                ctx.update(i * stride + j, tf.where(ok, new, old))
            outs.append(tf.where(ok, tf.cast(new_w, weight.dtype), weight))
        return tuple(outs)
    lower.__doc__ = 'MXNet\'s %s (%s per tensor, then rescale_grad).' % (op_name,
                                                                           ', '.join(names))


_multi_adamw('_multi_adamw_update', False)
_multi_adamw('_multi_mp_adamw_update', True)


def _multi_lamb(op_name, mp):
    names = ('weight', 'grad', 'mean', 'var') + (('weight32',) if mp else ())
    stride = len(names)

    @op(op_name, variadic=True, outputs=lambda p: ['output%d' % i for i in range(p.num_tensors)],
        num_outputs=lambda p: p.num_tensors,
        aux=lambda p: ['arg%d' % (i * stride + j) for i in range(p.num_tensors)
                       for j in range(2, stride)])
    def lower(ctx, p, *data):
        n = p.num_tensors
        groups = _per_tensor(op_name, data, n, names)
        _tuple_len(op_name, p, n, 'learning_rates', 'wds', 'step_count')
        outs = []
        for i, g in enumerate(groups):
            weight = g['weight']
            dt = tf.float32 if mp else weight.dtype
            w = g['weight32'] if mp else weight
            t = p.step_count[i]
            u, m, v = K.lamb_phase1(
                w, tf.cast(g['grad'], dt), g['mean'], g['var'], K.k_param(p.beta1, dt),
                K.k_param(p.beta2, dt), K.k_param(p.epsilon, dt), K.k_pow(p.beta1, t, dt),
                K.k_pow(p.beta2, t, dt), K.k_param(p.wds[i], dt),
                K.k_param(p.rescale_grad, dt), K.k_bound(p.clip_gradient, dt),
                p.bias_correction)
            new_w = K.lamb_trust_step(w, u, K.k_param(p.learning_rates[i], dt),
                                      K.k_bound(p.lower_bound, tf.float32),
                                      K.k_bound(p.upper_bound, tf.float32), norm_of=weight)
            ctx.update(i * stride + 2, m)
            ctx.update(i * stride + 3, v)
            if mp:
                ctx.update(i * stride + 4, new_w)
            outs.append(tf.cast(new_w, weight.dtype))
        return tuple(outs)
    lower.__doc__ = 'MXNet\'s %s (%s per tensor).' % (op_name, ', '.join(names))


_multi_lamb('_multi_lamb_update', False)
_multi_lamb('_multi_mp_lamb_update', True)
