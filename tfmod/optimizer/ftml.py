"""FTML (Follow the Moving Leader), as MXNet's ftml_update kernel.

    g = clip(rescale*grad + wd*w)
    v = beta2*v + (1-beta2)*g^2
    d_t = (1 - beta1^t)/lr * (sqrt(v/(1 - beta2^t)) + eps)
    z = beta1*z + (1-beta1)*g - (d_t - beta1*d)*w
    d = d_t;  w = -z/d_t

States: (d, v, z).
"""
import tensorflow as tf

from tfmod_converters import optimizer as K
from .optimizer import Optimizer, register
from ._kernels import kbound, kparam, kpow, zeros_state


@register
class FTML(Optimizer):
    """The FTML optimizer."""
    _tf_hparams = ('beta1', 'beta2', 'epsilon')

    def __init__(self, beta1=0.6, beta2=0.999, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon

    def create_state(self, index, weight):
        return (zeros_state(weight, weight.dtype),   # d_0
                zeros_state(weight, weight.dtype),   # v_0
                zeros_state(weight, weight.dtype))   # z_0

    def _tf_step(self, weight, grad, state, lr, wd, t, hp):
        dt = weight.dtype
        d, v, z = state
        new_w, d, v, z = K.ftml(
            weight, grad, d, v, z, kparam(lr, dt), kparam(hp['beta1'], dt),
            kparam(hp['beta2'], dt),
            tf.cast(hp['epsilon'], dt),   # a double kernel field, cast to the dtype
            kpow(hp['beta1'], t, dt), kpow(hp['beta2'], t, dt), kparam(wd, dt),
            kparam(hp['rescale_grad'], dt), kbound(hp, dt))
        return new_w, (d, v, z)
