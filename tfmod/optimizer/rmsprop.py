"""RMSProp, plain (Tieleman & Hinton) or centered (Graves), as MXNet's rmsprop_update and
rmspropalex_update kernels.

    g = clip(rescale*grad + wd*w)                          (wd inside the clip)
    plain:    n = (1-g1)*g^2 + g1*n;  w = w - lr*(g/sqrt(n + eps))
    centered: n = (1-g1)*g^2 + g1*n;  gm = (1-g1)*g + g1*gm
              delta = g2*delta - lr*g/sqrt(n - gm^2 + eps);  w = w + delta
    then clip(w, clip_weights) when clip_weights > 0.

States (float32, as MXNet creates them): ``(n,)`` or ``(n, g, delta)``.
"""
import tensorflow as tf

from .optimizer import Optimizer, register
from ._kernels import clip, kparam, zeros_state


@register
class RMSProp(Optimizer):
    """The RMSProp optimizer."""
    _tf_hparams = ('gamma1', 'gamma2', 'epsilon')

    def __init__(self, learning_rate=0.001, gamma1=0.9, gamma2=0.9,
                 epsilon=1e-8, centered=False, clip_weights=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.gamma1 = gamma1
        self.gamma2 = gamma2
        self.centered = centered
        self.epsilon = epsilon
        self.clip_weights = clip_weights

    def create_state(self, index, weight):
        if self.centered:
            return (zeros_state(weight),   # n
                    zeros_state(weight),   # g
                    zeros_state(weight))   # delta
        return (zeros_state(weight),)      # n

    def _clip_weights_on(self):
        # passed to the kernel when truthy; the kernel clips when >= 0
        return bool(self.clip_weights) and self.clip_weights >= 0

    def _tf_structure(self):
        return super()._tf_structure() + (bool(self.centered), self._clip_weights_on())

    def hparam_values(self):
        names, vals = super().hparam_values()
        if self._clip_weights_on():
            names += ('clip_weights',)
            vals.append(float(self.clip_weights))
        return names, vals

    def _tf_step(self, weight, grad, state, lr, wd, t, hp):
        dt = weight.dtype
        lr, wd = kparam(lr, dt), kparam(wd, dt)
        g1 = kparam(hp['gamma1'], dt)
        eps = kparam(hp['epsilon'], dt)
        g = clip(kparam(hp['rescale_grad'], dt) * grad + wd * weight, hp)
        if self.centered:
            n, gm, delta = state
            g2 = kparam(hp['gamma2'], dt)
            n = (1 - g1) * g * g + g1 * n
            gm = (1 - g1) * g + g1 * gm
            delta = g2 * delta - (lr * g / tf.sqrt(n - gm * gm + eps))
            new_w = weight + delta
            new_state = (n, gm, delta)
        else:
            (n,) = state
            n = (1 - g1) * (g * g) + g1 * n
            new_w = weight - lr * (g / tf.sqrt(n + eps))
            new_state = (n,)
        if 'clip_weights' in hp:
            c = kparam(hp['clip_weights'], dt)
            new_w = tf.minimum(tf.maximum(new_w, -c), c)
        return new_w, new_state
