"""RMSProp, plain (Tieleman & Hinton) or centered (Graves), as MXNet's rmsprop_update and
rmspropalex_update kernels.

    g = clip(rescale*grad + wd*w)                          (wd inside the clip)
    plain:    n = (1-g1)*g^2 + g1*n;  w = w - lr*(g/sqrt(n + eps))
    centered: n = (1-g1)*g^2 + g1*n;  gm = (1-g1)*g + g1*gm
              delta = g2*delta - lr*g/sqrt(n - gm^2 + eps);  w = w + delta
    then clip(w, clip_weights) when clip_weights > 0.

States (float32, as MXNet creates them): ``(n,)`` or ``(n, g, delta)``.
"""
from tfmod_converters import optimizer as K
from .optimizer import Optimizer, register
from ._kernels import kbound, kparam, zeros_state


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
        g1, eps = kparam(hp['gamma1'], dt), kparam(hp['epsilon'], dt)
        rescale, bound = kparam(hp['rescale_grad'], dt), kbound(hp, dt)
        cw = kparam(hp['clip_weights'], dt) if 'clip_weights' in hp else None
        if self.centered:
            new_w, n, gm, delta = K.rmspropalex(weight, grad, *state, lr, g1,
                                                kparam(hp['gamma2'], dt), eps, wd, rescale,
                                                bound, cw)
            return new_w, (n, gm, delta)
        new_w, n = K.rmsprop(weight, grad, state[0], lr, g1, eps, wd, rescale, bound, cw)
        return new_w, (n,)
