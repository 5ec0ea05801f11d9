"""Signum and signSGD, as MXNet's signum_update / signsgd_update kernels.

    momentum > 0: mom = m*mom - (1-m)*wd*w - (1-m)*clip(rescale*grad)
                  w = (1 - lr*wd_lh)*w + lr*sign(mom)
    momentum 0:   w = (1 - lr*wd)*w - lr*sign(grad)
                  (signsgd_update ignores rescale_grad and clip_gradient, and has no wd_lh:
                  MXNet raises "Cannot find argument 'wd_lh'" when it is set)
"""
import tensorflow as tf

from tfmod_converters import optimizer as K
from ..base import MXNetError
from .optimizer import Optimizer, register
from ._kernels import kbound, kparam, zeros_state


@register
class Signum(Optimizer):
    """The Signum optimizer (state: momentum, or None when momentum is 0)."""
    _tf_hparams = ('momentum', 'wd_lh')

    def __init__(self, learning_rate=0.01, momentum=0.9, wd_lh=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum = momentum
        self.wd_lh = wd_lh

    def create_state(self, index, weight):
        if self.momentum != 0.0:
            return zeros_state(weight, weight.dtype)
        return None

    def _tf_structure(self):
        return super()._tf_structure() + (self.momentum > 0,)

    def _tf_param_hparams(self, indices):
        if self.momentum == 0.0 and self.wd_lh:
            raise MXNetError("Cannot find argument 'wd_lh' of signsgd_update (Signum with "
                             "momentum 0 runs signsgd_update, which has no wd_lh)")
        return {}

    def _tf_step(self, weight, grad, state, lr, wd, t, hp):
        dt = weight.dtype
        lr, wd = kparam(lr, dt), kparam(wd, dt)
        if state is None:
            return K.signsgd(weight, grad, lr, wd), None
        m = kparam(hp['momentum'], dt) if self.momentum > 0 else tf.zeros([], dt)
        return K.signum(weight, grad, state, lr, m, wd, kparam(hp['rescale_grad'], dt),
                        kbound(hp, dt), kparam(hp['wd_lh'], dt))
