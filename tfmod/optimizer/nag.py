"""NAG (Nesterov accelerated gradient), as MXNet's nag_mom_update / sgd_update kernels.

    g = clip(rescale*grad)                       (wd stays outside the clip)
    mom = momentum*mom
    w' = w - mom + (momentum + 1)*(mom - lr*(g + wd*w))
    mom = mom - lr*(g + wd*w')      (w': MXNet updates the weight in place first)

Without momentum it is plain SGD (``sgd_update``). multi_precision keeps (momentum, float32
master copy), as SGD does.
"""
import numpy as np
import tensorflow as tf

from .optimizer import Optimizer, register
from ._kernels import clip, kparam, zeros_state


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
class NAG(Optimizer):
    """Nesterov accelerated gradient."""
    _tf_hparams = ('momentum',)
    _mp_master_last = True

    def __init__(self, momentum=0.0, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum

    def create_state_multi_precision(self, index, weight):
        if self.multi_precision and weight.dtype == np.float16:
            master = weight.astype(np.float32)
            return (self.create_state(index, master), master)
        return super().create_state_multi_precision(index, weight)

    def create_state(self, index, weight):
        if self.momentum != 0.0:
            return zeros_state(weight, weight.dtype)
        return None

    def _tf_structure(self):
        return super()._tf_structure() + (self.momentum > 0,)

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

    def update_multi_precision(self, index, weight, grad, state):
        if self.multi_precision and weight.dtype == np.float16 and \
                isinstance(state, (tuple, list)):
            mom, master = state
            self.update(index, master, grad.astype(np.float32), mom)
            weight[:] = master.astype(np.float16)
        else:
            self.update(index, weight, grad, state)
