"""AdaGrad (MXNet's dense Python update) and contrib GroupAdaGrad.

AdaGrad:  g = clip(rescale*grad);  history += g^2;  w += (g/sqrt(history + eps) + wd*w) * -lr
(epsilon inside the square root; wd outside the clip, Pitfall 3).
"""
import tensorflow as tf

from ..base import MXNetError
from .optimizer import Optimizer, register
from ._kernels import as_dtype, clip, zeros_state


@register
class AdaGrad(Optimizer):
    """AdaGrad (state: the history of squared gradients, float32 as in MXNet)."""
    _tf_hparams = ('float_stable_eps',)

    def __init__(self, eps=1e-7, **kwargs):
        super().__init__(**kwargs)
        self.float_stable_eps = eps

    def _clip_on(self):
        return self.clip_gradient is not None  # MXNet clips in Python when not None

    def create_state(self, index, weight):
        return zeros_state(weight, stype=weight.stype)  # history

    def _lazy_for(self, index, weight):
        # a row_sparse gradient goes to MXNet's _sparse_adagrad_update (its rows only), which
        # has no weight decay
        if index is not None and self._get_wd(index) != 0:
            raise MXNetError('AdaGrad: a row_sparse gradient (_sparse_adagrad_update) does not '
                             'support weight decay, got wd=%g' % self._get_wd(index))
        return True

    def _tf_step(self, weight, grad, state, lr, wd, t, hp):
        dt = weight.dtype
        g = clip(grad * as_dtype(hp['rescale_grad'], dt), hp)
        history = state + tf.square(g)
        div = g / tf.sqrt(history + as_dtype(hp['float_stable_eps'], dt))
        new_w = weight + (div + weight * as_dtype(wd, dt)) * as_dtype(-lr, dt)
        return new_w, history


@register
class GroupAdaGrad(Optimizer):
    """AdaGrad with one learning rate per row (``mx.optimizer.contrib.GroupAdaGrad``).

    history += mean(g^2, axis=1, keepdims=True);  w -= lr*g/sqrt(history + eps). No weight decay.
    """
    _tf_hparams = ('float_stable_eps',)

    def __init__(self, eps=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.float_stable_eps = eps

    def _clip_on(self):
        return self.clip_gradient is not None

    def create_state(self, index, weight):
        if len(weight.shape) != 2:
            raise MXNetError('GroupAdaGrad needs 2-D weights, got shape %s' % (weight.shape,))
        # one history value per row
        return zeros_state(weight, stype=weight.stype, shape=(weight.shape[0], 1))

    def _lazy_for(self, index, weight):
        return True   # a row_sparse gradient updates its rows only

    def _tf_param_hparams(self, indices):
        for idx in indices:  # MXNet asserts after counting the update
            if self._get_wd(idx) != 0:
                raise MXNetError('Weight decay is not supported for GroupAdaGrad')
        return {}

    def _tf_step(self, weight, grad, state, lr, wd, t, hp):
        dt = weight.dtype
        g = clip(grad * as_dtype(hp['rescale_grad'], dt), hp)
        history = state + tf.reduce_mean(tf.square(g), axis=1, keepdims=True)
        div = as_dtype(lr, dt) * g / tf.sqrt(history + as_dtype(hp['float_stable_eps'], dt))
        return weight - div, history
