"""Optimizer update ops with row_sparse gradients: MXNet's lazy updates.

With a row_sparse gradient, ``sgd_update`` / ``sgd_mom_update`` / ``adam_update`` (when
``lazy_update``, their default), ``ftrl_update`` (on a row_sparse weight), and
``_sparse_adagrad_update`` / ``_contrib_group_adagrad_update`` (always) apply their kernel to the
rows the gradient stores only: the weight's and states' other rows -- weight decay and momentum
included -- keep their values, and the step costs the rows touched. Everything else (a dense
gradient, ``lazy_update=False``, ftrl on a dense weight) is MXNet's dense fallback: the dense
kernel on the whole arrays, the results kept in the arrays' own storage types.

``_sparse_adagrad_update`` and ``_contrib_group_adagrad_update`` exist only for row_sparse
gradients in MXNet 1.9.1 (and the former only without weight decay); other calls raise, as
MXNet's do.
"""
import tensorflow as tf

from . import optimizer as _opt  # noqa: F401 -- the ops given rules below are registered there
from .base import MXNetError
from .optimizer import _kp, clip, k_bound, k_param
from .registry import op, storage_rule
from .sparse import RSP, make_rsp, shape_of, stype, to_dense


def _rows_rule(name, kernel, nstates, params, lazy):
    """A storage rule running ``kernel(w, g, *states, *params)`` on the gradient's rows when
    ``lazy(p, weight)``; None (MXNet's dense fallback) otherwise."""
    def rule(ctx, p, weight, grad, *states):
        if stype(grad) != RSP or not lazy(p, weight):
            return None
        ids = grad.indices
        dense_w = to_dense(weight)
        dense_st = [to_dense(s) for s in states]
        for what, t in [('grad', grad)] + list(zip(('state',) * nstates, states)):
            if shape_of(t)[0] != shape_of(weight)[0]:
                raise MXNetError('%s: %s has shape %s, weight has %s'
                                 % (name, what, shape_of(t), shape_of(weight)))
        res = kernel(tf.gather(dense_w, ids), tf.cast(grad.values, dense_w.dtype),
                     *[tf.gather(s, ids) for s in dense_st], *params(p, dense_w.dtype))
        res = res if isinstance(res, tuple) else (res,)
        at = ids[:, None]
        new = [tf.tensor_scatter_nd_update(t, at, tf.cast(r, t.dtype))
               for t, r in zip([dense_w] + dense_st, res)]
        for i, (old, t) in enumerate(zip(states, new[1:])):
            ctx.update(2 + i, _like(old, t))
        return _like(weight, new[0])
    rule.__name__ = '_%s_rows_rule' % name
    return rule


def _like(old, dense):
    """``dense`` in the storage type of ``old`` (a row_sparse array keeps every row stored)."""
    if stype(old) != RSP:
        return dense
    n = shape_of(old)[0]
    return make_rsp(tf.range(n, dtype=tf.int64), dense, shape_of(old))


def _params(*names):
    return lambda p, dtype: _kp(p, dtype, *names)


def _lazy_flag(p, weight):
    return bool(p.lazy_update)


def _rsp_weight(p, weight):
    return stype(weight) == RSP


storage_rule('sgd_update')(_rows_rule(
    'sgd_update', _opt.sgd, 0, _params('lr', 'wd', 'rescale_grad', 'clip_gradient'), _lazy_flag))
storage_rule('sgd_mom_update')(_rows_rule(
    'sgd_mom_update', _opt.sgd_mom, 1, _params(*_opt._SGD_MOM), _lazy_flag))
storage_rule('adam_update')(_rows_rule(
    'adam_update', _opt.adam, 2, _params('lr', 'beta1', 'beta2', 'epsilon', 'wd',
                                         'rescale_grad', 'clip_gradient'), _lazy_flag))
storage_rule('ftrl_update')(_rows_rule(
    'ftrl_update', _opt.ftrl, 2, _params('lr', 'lamda1', 'beta', 'wd', 'rescale_grad',
                                         'clip_gradient'), _rsp_weight))


# -- AdaGrad's row_sparse-only ops --------------------------------------------------------------

def adagrad(weight, grad, history, lr, epsilon, rescale, bound):
    """_sparse_adagrad_update -> (weight, history): ``history += g^2;
    w -= lr*g/sqrt(history + eps)`` with ``g = clip(rescale*grad)``."""
    g = clip(rescale * grad, bound)
    history = history + tf.square(g)
    return weight - lr * (g / tf.sqrt(history + epsilon)), history


def group_adagrad(weight, grad, history, lr, epsilon, rescale, bound):
    """_contrib_group_adagrad_update -> (weight, history): one history value per row,
    ``history += mean(g^2 over the row); w -= lr*g/sqrt(history + eps)``."""
    g = clip(rescale * grad, bound)
    history = history + tf.reduce_mean(tf.square(g), axis=1, keepdims=True)
    return weight - lr * g / tf.sqrt(history + epsilon), history


def _dense_refused(name, why):
    @op(name, aux=['history'])
    def lower(ctx, p, weight, grad, history):
        raise MXNetError('%s: %s' % (name, why))
    lower.__name__ = name.lstrip('_')
    lower.__doc__ = 'MXNet\'s %s: row_sparse gradients only (see the storage rule).' % name
    return lower


_dense_refused('_sparse_adagrad_update',
               'Operator not implemented for these storage types: it needs a row_sparse grad '
               '(and a weight and history of one storage type)')
_dense_refused('_contrib_group_adagrad_update',
               'Operator not implemented for a dense grad (MXNet 1.9.1 has only the row_sparse '
               'gradient form on CPU)')


def _adagrad_lazy(p, weight):
    if p.wd != 0:
        raise MXNetError('_sparse_adagrad_update: Operator not implemented with weight decay '
                         '(wd=%g): the sparse AdaGrad update has none' % p.wd)
    return True


def _adagrad_params(p, dtype):
    return (k_param(p.lr, dtype), k_param(p.epsilon, dtype), k_param(p.rescale_grad, dtype),
            k_bound(p.clip_gradient, dtype))


storage_rule('_sparse_adagrad_update')(_rows_rule(
    '_sparse_adagrad_update', adagrad, 1, _adagrad_params, _adagrad_lazy))
storage_rule('_contrib_group_adagrad_update')(_rows_rule(
    '_contrib_group_adagrad_update', group_adagrad, 1, _adagrad_params,
    lambda p, weight: True))
