"""Ftrl, as MXNet's ftrl_update kernel (wd in the denominator).

    g = clip(rescale*grad)
    z += g - (sqrt(n + g^2) - sqrt(n)) * w / lr
    n += g^2
    w = (sign(z)*lamda1 - z) / ((beta + sqrt(n))/lr + wd) * (|z| > lamda1)

States (float32): (z, n).
"""
import tensorflow as tf

from .optimizer import Optimizer, register
from ._kernels import clip, kparam, zeros_state


@register
class Ftrl(Optimizer):
    """The Ftrl optimizer."""
    _tf_hparams = ('lamda1', 'beta')

    def __init__(self, lamda1=0.01, learning_rate=0.1, beta=1, **kwargs):
        super().__init__(**kwargs)
        self.lamda1 = lamda1
        self.beta = beta
        self.lr = learning_rate

    def create_state(self, index, weight):
        return (zeros_state(weight),   # z
                zeros_state(weight))   # n

    def _tf_step(self, weight, grad, state, lr, wd, t, hp):
        dt = weight.dtype
        lr, wd = kparam(lr, dt), kparam(wd, dt)
        lamda1 = kparam(hp['lamda1'], dt)
        beta = kparam(hp['beta'], dt)
        g = clip(grad * kparam(hp['rescale_grad'], dt), hp)
        z, n = state
        z = z + (g - (tf.sqrt(n + tf.square(g)) - tf.sqrt(n)) * weight / lr)
        n = n + tf.square(g)
        mask = tf.cast(tf.abs(z) > lamda1, dt)
        new_w = (tf.sign(z) * lamda1 - z) / ((beta + tf.sqrt(n)) / lr + wd) * mask
        return new_w, (z, n)
