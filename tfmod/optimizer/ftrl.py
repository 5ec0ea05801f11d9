"""Ftrl, as MXNet's ftrl_update kernel (wd in the denominator).

    g = clip(rescale*grad)
    z += g - (sqrt(n + g^2) - sqrt(n)) * w / lr
    n += g^2
    w = (sign(z)*lamda1 - z) / ((beta + sqrt(n))/lr + wd) * (|z| > lamda1)

States (float32): (z, n).
"""
from tfmod_converters import optimizer as K
from .optimizer import Optimizer, register
from ._kernels import kbound, kparam, zeros_state


@register
class Ftrl(Optimizer):
    """The Ftrl optimizer."""
    _tf_hparams = ('lamda1', 'beta')

    def __init__(self, lamda1=0.01, learning_rate=0.1, beta=1, **kwargs):
        super().__init__(**kwargs)
        self.lamda1 = lamda1
        self.beta = beta
        self.lr = learning_rate

    def _lazy_for(self, index, weight):
        # MXNet's sparse ftrl_update needs a row_sparse weight; a dense one falls back to the
        # dense kernel (every row updated)
        return self._weight_stype(index, weight) == 'row_sparse'

    def create_state(self, index, weight):
        return (zeros_state(weight, stype=weight.stype),   # z
                zeros_state(weight, stype=weight.stype))   # n

    def _tf_step(self, weight, grad, state, lr, wd, t, hp):
        dt = weight.dtype
        z, n = state
        new_w, z, n = K.ftrl(weight, grad, z, n, kparam(lr, dt), kparam(hp['lamda1'], dt),
                             kparam(hp['beta'], dt), kparam(wd, dt),
                             kparam(hp['rescale_grad'], dt), kbound(hp, dt))
        return new_w, (z, n)
