"""LAMB, as MXNet's multi_lamb_update kernel (what the Updater runs: LAMB aggregates up to 45
parameters per call).

    g = clip(rescale*grad)
    mean = beta1*mean + (1-beta1)*g;  var = beta2*var + (1-beta2)*g^2
    bias_correction: mean_hat = mean/(1-beta1^t), var_hat = var/(1-beta2^t)
    u = mean_hat/(sqrt(var_hat) + eps) + wd*w
    r1 = ||w|| (clamped to [lower_bound, upper_bound] when set), r2 = ||u||
    w -= lr * (r1/r2 if r1 and r2 else 1) * u

States: (mean, var); multi_precision adds MXNet's default (float32 master, (mean, var)), and
then r1 is the norm of the float16 weight, not of the master copy being stepped (MXNet's
multi_mp_lamb_update sums the squares of its float16 weight inputs).
"""
import numpy as np
import tensorflow as tf

from tfmod_converters import optimizer as K
from .optimizer import Optimizer, register
from ._kernels import kbound, kparam, kpow, zeros_state


@register
class LAMB(Optimizer):
    """LAMB optimizer."""
    _tf_hparams = ('beta1', 'beta2', 'epsilon')
    _takes_index_lists = True

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

    def _tf_step(self, weight, grad, state, lr, wd, t, hp, norm_of=None):
        dt = weight.dtype
        u, mean, var = K.lamb_phase1(
            weight, grad, *state, kparam(hp['beta1'], dt), kparam(hp['beta2'], dt),
            kparam(hp['epsilon'], dt), kpow(hp['beta1'], t, dt), kpow(hp['beta2'], t, dt),
            kparam(wd, dt), kparam(hp['rescale_grad'], dt), kbound(hp, dt), self.bias_correction)
        new_w = K.lamb_trust_step(weight, u, kparam(lr, dt), hp.get('lower_bound'),
                                  hp.get('upper_bound'), norm_of=norm_of)
        return new_w, (mean, var)

    def _tf_update(self, weight, grad, state, lr, wd, t, hp):
        """A float16 weight under multi_precision steps its master copy with r1 = ||weight||."""
        if self.multi_precision and weight.dtype == tf.float16 and \
                isinstance(state, (tuple, list)) and len(state) == 2:
            master, inner = state
            new_master, new_inner = self._tf_step(master, tf.cast(grad, tf.float32), inner, lr,
                                                  wd, t, hp, norm_of=tf.cast(weight, tf.float32))
            return tf.cast(new_master, weight.dtype), type(state)((new_master, new_inner)), None
        return super()._tf_update(weight, grad, state, lr, wd, t, hp)

    def update_multi_precision(self, index, weight, grad, state):
        if isinstance(index, (list, tuple)):
            self._update_index_list(index, weight, grad, state)
            return
        if self.multi_precision and weight.dtype == np.float16:
            self._update_chunk([index], [weight], [grad], [state])    # through _tf_update
        else:
            super().update_multi_precision(index, weight, grad, state)
