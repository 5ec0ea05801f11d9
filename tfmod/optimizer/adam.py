"""Adam, Adamax and Nadam with MXNet 1.9.1's exact update rules.

Adam is MXNet's ``adam_update`` kernel with the bias correction folded into the learning rate in
Python: ``lr_t = lr*sqrt(1-beta2^t)/(1-beta1^t)``, eps added to the uncorrected sqrt(v), and wd
inside the clip. Adamax and Nadam are MXNet's Python NDArray code: ``g = clip(rescale*grad +
wd*w)``; Adamax has no epsilon (0/0 -> NaN for a gradient that was always 0, as in MXNet).

Nadam's ``m_schedule`` is one optimizer-wide Python float multiplied once per *parameter* update
(Pitfall 5). It advances in ``_tf_param_hparams`` (once per parameter, in update order) and
reaches the step as the per-parameter scalar ``m_schedule``.
"""
import tensorflow as tf

from tfmod_converters import optimizer as K
from .optimizer import Optimizer, register
from ._kernels import as_dtype, clip, f64, kbound, kparam, zeros_state


def _moments(weight):
    """Two zero states in the weight's dtype: (mean, variance) / (m, u)."""
    return (zeros_state(weight, weight.dtype), zeros_state(weight, weight.dtype))


@register
class Adam(Optimizer):
    """The Adam optimizer (states: mean, variance)."""
    _tf_hparams = ('beta1', 'beta2', 'epsilon')

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 lazy_update=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.lazy_update = lazy_update

    def create_state(self, index, weight):
        stype = self._state_stype(weight)
        return (zeros_state(weight, weight.dtype, stype), zeros_state(weight, weight.dtype, stype))

    def _tf_step(self, weight, grad, state, lr, wd, t, hp):
        dt = weight.dtype
        b1, b2 = f64(hp['beta1']), f64(hp['beta2'])
        t = f64(t)
        # Python doubles: lr *= sqrt(1 - beta2**t) / (1 - beta1**t)
        lr_t = f64(lr) * (tf.sqrt(1. - tf.pow(b2, t)) / (1. - tf.pow(b1, t)))
        mean, var = state
        new_w, mean, var = K.adam(weight, grad, mean, var, kparam(lr_t, dt), kparam(b1, dt),
                                  kparam(b2, dt), kparam(hp['epsilon'], dt), kparam(wd, dt),
                                  kparam(hp['rescale_grad'], dt), kbound(hp, dt))
        return new_w, (mean, var)


@register
class Adamax(Optimizer):
    """AdaMax, Adam with the infinity norm (states: m, u)."""
    _tf_hparams = ('beta1', 'beta2')

    def __init__(self, learning_rate=0.002, beta1=0.9, beta2=0.999, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2

    def _clip_on(self):
        return self.clip_gradient is not None  # MXNet clips in Python when not None

    def create_state(self, index, weight):
        return _moments(weight)

    def _tf_step(self, weight, grad, state, lr, wd, t, hp):
        dt = weight.dtype
        b1, b2 = f64(hp['beta1']), f64(hp['beta2'])
        lr = f64(lr) / (1. - tf.pow(b1, f64(t)))
        g = clip(grad * as_dtype(hp['rescale_grad'], dt) + weight * as_dtype(wd, dt), hp)
        m, u = state
        m = m * as_dtype(b1, dt) + g * as_dtype(1. - b1, dt)
        u = tf.maximum(u * as_dtype(b2, dt), tf.abs(g))
        new_w = weight - m * as_dtype(lr, dt) / u
        return new_w, (m, u)


@register
class Nadam(Optimizer):
    """Nesterov Adam (states: m, v; optimizer-wide ``m_schedule``)."""
    _tf_hparams = ('beta1', 'beta2', 'epsilon', 'schedule_decay')

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 schedule_decay=0.004, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.schedule_decay = schedule_decay
        self.m_schedule = 1.

    def _clip_on(self):
        return self.clip_gradient is not None

    def create_state(self, index, weight):
        return _moments(weight)

    def _momentum_at(self, t):
        return self.beta1 * (1. - 0.5 * (pow(0.96, t * self.schedule_decay)))

    def _tf_param_hparams(self, indices):
        out = []
        for idx in indices:
            t = self._index_update_count[idx]
            self.m_schedule = self.m_schedule * self._momentum_at(t)
            out.append(self.m_schedule)
        return {'m_schedule': out}

    def _tf_step(self, weight, grad, state, lr, wd, t, hp):
        dt = weight.dtype
        b1, b2 = f64(hp['beta1']), f64(hp['beta2'])
        sd = f64(hp['schedule_decay'])
        t = f64(t)
        mom_t = b1 * (1. - 0.5 * tf.pow(tf.constant(0.96, tf.float64), t * sd))
        mom_t1 = b1 * (1. - 0.5 * tf.pow(tf.constant(0.96, tf.float64), (t + 1.) * sd))
        m_sched = f64(hp['m_schedule'])
        m_sched_next = m_sched * mom_t1
        g = clip(grad * as_dtype(hp['rescale_grad'], dt) + weight * as_dtype(wd, dt), hp)
        m, v = state
        m = m * as_dtype(b1, dt) + g * as_dtype(1. - b1, dt)
        v = v * as_dtype(b2, dt) + g * as_dtype(1. - b2, dt) * g
        g_prime = g / as_dtype(1. - m_sched, dt)
        m_prime = m / as_dtype(1. - m_sched_next, dt)
        v_prime = v / as_dtype(1. - tf.pow(b2, t), dt)
        m_bar = g_prime * as_dtype(1. - mom_t, dt) + m_prime * as_dtype(mom_t1, dt)
        new_w = weight - m_bar * as_dtype(lr, dt) / (tf.sqrt(v_prime) +
                                                     as_dtype(hp['epsilon'], dt))
        return new_w, (m, v)

