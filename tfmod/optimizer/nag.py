"""NAG (Nesterov accelerated gradient), as MXNet's nag_mom_update / sgd_update kernels.

    g = clip(rescale*grad)                       (wd stays outside the clip)
    mom = momentum*mom
    w' = w - mom + (momentum + 1)*(mom - lr*(g + wd*w))
    mom = mom - lr*(g + wd*w')      (w': MXNet updates the weight in place first)

Without momentum it is plain SGD (``sgd_update``). multi_precision keeps (momentum, float32
master copy), as SGD does.
"""
import tensorflow as tf

from ._momentum import MomentumState
from .optimizer import Optimizer, register
from ._kernels import clip, kparam


def sgd_kernel(weight, grad, lr, wd, hp):
    """MXNet's ``sgd_update`` kernel: (1 - lr*wd)*w - lr*clip(rescale*g)."""
    dt = weight.dtype
    lr = kparam(lr, dt)
    wd = kparam(wd, dt)
    rescale = kparam(hp['rescale_grad'], dt)
    if 'clip_gradient' in hp:
        return (1 - lr * wd) * weight - lr * clip(rescale * grad, hp)
    return (1 - lr * wd) * weight - (lr * rescale) * grad


@register
class NAG(MomentumState, Optimizer):
    """Nesterov accelerated gradient."""
    _tf_hparams = ('momentum',)

    def __init__(self, momentum=0.0, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum

    def _tf_step(self, weight, grad, state, lr, wd, t, hp):
        if state is None:
            return sgd_kernel(weight, grad, lr, wd, hp), None
        dt = weight.dtype
        # MXNet passes momentum to the kernel only when > 0 (kernel default 0)
        m = kparam(hp['momentum'], dt) if self.momentum > 0 else tf.zeros([], dt)
        lr = kparam(lr, dt)
        wd = kparam(wd, dt)
        g = clip(kparam(hp['rescale_grad'], dt) * grad, hp)
        mom = m * state
        new_w = weight - mom + (m + 1) * (mom - lr * (g + wd * weight))
        # the kernel writes the weight in place (out=weight) before it updates the momentum,
        # so the momentum's weight-decay term reads the *new* weight
        return new_w, mom - lr * (g + wd * new_w)
