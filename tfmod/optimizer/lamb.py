"""LAMB, as MXNet's multi_lamb_update kernel (what the Updater runs: LAMB aggregates up to 45
parameters per call).

    g = clip(rescale*grad)
    mean = beta1*mean + (1-beta1)*g;  var = beta2*var + (1-beta2)*g^2
    bias_correction: mean_hat = mean/(1-beta1^t), var_hat = var/(1-beta2^t)
    u = mean_hat/(sqrt(var_hat) + eps) + wd*w
    r1 = ||w|| (clamped to [lower_bound, upper_bound] when set), r2 = ||u||
    w -= lr * (r1/r2 if r1 and r2 else 1) * u

States: (mean, var); multi_precision adds MXNet's default (float32 master, (mean, var)).
"""
import tensorflow as tf

from .optimizer import Optimizer, register
from ._kernels import clip, kparam, kpow, zeros_state


@register
class LAMB(Optimizer):
    """LAMB optimizer."""
    _tf_hparams = ('beta1', 'beta2', 'epsilon')

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-6,
                 lower_bound=None, upper_bound=None, bias_correction=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound
        self.bias_correction = bias_correction
        self.aggregate_num = 45

    def create_state(self, index, weight):
        return (zeros_state(weight, weight.dtype),
                zeros_state(weight, weight.dtype))

    def _bounds(self):
        # passed to the kernel when truthy; the kernel applies them when >= 0
        return tuple(n for n in ('lower_bound', 'upper_bound')
                     if getattr(self, n) and getattr(self, n) >= 0)

    def _tf_structure(self):
        return super()._tf_structure() + (bool(self.bias_correction), self._bounds())

    def hparam_values(self):
        names, vals = super().hparam_values()
        for n in self._bounds():
            names += (n,)
            vals.append(float(getattr(self, n)))
        return names, vals

    def _tf_step(self, weight, grad, state, lr, wd, t, hp):
        dt = weight.dtype
        lr, wd = kparam(lr, dt), kparam(wd, dt)
        b1, b2 = kparam(hp['beta1'], dt), kparam(hp['beta2'], dt)
        eps = kparam(hp['epsilon'], dt)
        g = clip(grad * kparam(hp['rescale_grad'], dt), hp)
        mean, var = state
        mean = b1 * mean + (1 - b1) * g
        var = b2 * var + (1 - b2) * g * g
        if self.bias_correction:
            m_hat = mean / (1 - kpow(hp['beta1'], t, dt))
            v_hat = var / (1 - kpow(hp['beta2'], t, dt))
            u = m_hat / (tf.sqrt(v_hat) + eps) + wd * weight
        else:
            u = mean / (tf.sqrt(var) + eps) + wd * weight
        r1 = tf.sqrt(tf.reduce_sum(tf.square(tf.cast(weight, tf.float32))))
        r2 = tf.sqrt(tf.reduce_sum(tf.square(tf.cast(u, tf.float32))))
        if 'lower_bound' in hp:
            r1 = tf.maximum(r1, tf.cast(hp['lower_bound'], tf.float32))
        if 'upper_bound' in hp:
            r1 = tf.minimum(r1, tf.cast(hp['upper_bound'], tf.float32))
        ok = tf.logical_and(tf.not_equal(r1, 0.), tf.not_equal(r2, 0.))
        r = tf.where(ok, r1 / tf.where(ok, r2, 1.), 1.)
        new_w = weight - (lr * tf.cast(r, dt)) * u
        return new_w, (mean, var)
