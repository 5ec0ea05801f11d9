"""AdaDelta, as MXNet 1.9.1's Python update. It ignores the learning rate.

    grad *= rescale_grad                 (IN PLACE: the caller's gradient array changes)
    g = clip(grad)
    acc_g = rho*acc_g + (1-rho)*g^2
    delta = sqrt(acc_delta + eps)/sqrt(acc_g + eps) * g
    acc_delta = rho*acc_delta + (1-rho)*delta^2
    w -= delta + wd*w

The step returns the rescaled gradient as a third value, which the eager and compiled paths
write back into the gradient array (``grad_after`` in the fixtures; visible with grad_req='add').
"""
import tensorflow as tf

from .optimizer import Optimizer, register
from ._kernels import as_dtype, clip, zeros_state


@register
class AdaDelta(Optimizer):
    """AdaDelta (states: accumulated g, accumulated delta)."""
    _tf_hparams = ('rho', 'epsilon')

    def __init__(self, rho=0.90, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def _clip_on(self):
        return self.clip_gradient is not None  # MXNet clips in Python when not None

    def create_state(self, index, weight):
        return (zeros_state(weight),   # accumulated g
                zeros_state(weight))   # accumulated delta

    def _tf_step(self, weight, grad, state, lr, wd, t, hp):
        dt = weight.dtype
        rho = hp['rho']
        eps = as_dtype(hp['epsilon'], dt)
        scaled = grad * as_dtype(hp['rescale_grad'], grad.dtype)
        g = clip(tf.cast(scaled, dt), hp)
        acc_g, acc_delta = state
        acc_g = acc_g * as_dtype(rho, dt) + g * as_dtype(1. - rho, dt) * g
        delta = tf.sqrt(acc_delta + eps) / tf.sqrt(acc_g + eps) * g
        acc_delta = acc_delta * as_dtype(rho, dt) + delta * as_dtype(1. - rho, dt) * delta
        new_w = weight - (delta + weight * as_dtype(wd, dt))
        return new_w, (acc_g, acc_delta), scaled
