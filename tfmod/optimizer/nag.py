"""NAG (Nesterov accelerated gradient), as MXNet's nag_mom_update / sgd_update kernels.

    g = clip(rescale*grad)                       (wd stays outside the clip)
    mom = momentum*mom
    w' = w - mom + (momentum + 1)*(mom - lr*(g + wd*w))
    mom = mom - lr*(g + wd*w')      (w': MXNet updates the weight in place first)

Without momentum it is plain SGD (``sgd_update``). multi_precision keeps (momentum, float32
master copy), as SGD does.
"""
import tensorflow as tf

from tfmod_converters import optimizer as K
from ._momentum import MomentumState
from .optimizer import Optimizer, register
from ._kernels import kbound, kparam


@register
class NAG(MomentumState, Optimizer):
    """Nesterov accelerated gradient."""
    _tf_hparams = ('momentum',)

    def __init__(self, momentum=0.0, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum

    def _tf_step(self, weight, grad, state, lr, wd, t, hp):
        dt = weight.dtype
        lr, wd, rescale = kparam(lr, dt), kparam(wd, dt), kparam(hp['rescale_grad'], dt)
        if state is None:
            return K.sgd(weight, grad, lr, wd, rescale, kbound(hp, dt)), None
        # MXNet passes momentum to the kernel only when > 0 (kernel default 0)
        m = kparam(hp['momentum'], dt) if self.momentum > 0 else tf.zeros([], dt)
        # the kernel writes the weight in place (out=weight) before it updates the momentum,
        # so the momentum's weight-decay term reads the *new* weight
        return K.nag_mom(weight, grad, state, lr, m, wd, rescale, kbound(hp, dt), in_place=True)
