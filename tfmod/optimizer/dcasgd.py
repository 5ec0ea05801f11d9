"""DCASGD (delay-compensated asynchronous SGD), as MXNet 1.9.1's Python update.

    g = clip(rescale*grad)
    mom = -lr*(g + wd*w + lamda*g*g*(w - w_prev))
    w_prev = w;  w += mom

The state is (momentum or None, previous weight). With momentum > 0, MXNet 1.9.1's update tests
``if mom:`` on an NDArray and crashes (ValueError for a multi-element array, AssertionError for
one element). tfmod raises a clean MXNetError at the same point instead -- the first update,
after the update count advanced -- rather than inventing the missing momentum rule.
"""
from ..base import MXNetError
from .optimizer import Optimizer, register
from ._kernels import as_dtype, clip, zeros_state


@register
class DCASGD(Optimizer):
    """The DCASGD optimizer."""
    _tf_hparams = ('lamda',)

    def __init__(self, momentum=0.0, lamda=0.04, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.weight_previous = {}
        self.lamda = lamda

    def _clip_on(self):
        return self.clip_gradient is not None  # MXNet clips in Python when not None

    def create_state(self, index, weight):
        if self.momentum == 0.0:
            return (None, weight.copy())                        # previous weight
        return (zeros_state(weight, weight.dtype), weight.copy())  # momentum, previous weight

    def _tf_param_hparams(self, indices):
        if self.momentum != 0.0:
            raise MXNetError('DCASGD with momentum=%r is broken in MXNet 1.9.1 (its update '
                             'fails with "The truth value of an NDArray with multiple elements '
                             'is ambiguous"); use momentum=0' % (self.momentum,))
        return {}

    def _tf_step(self, weight, grad, state, lr, wd, t, hp):
        dt = weight.dtype
        g = clip(grad * as_dtype(hp['rescale_grad'], dt), hp)
        mom, prev = state
        if mom is not None:
            raise MXNetError('DCASGD with momentum is broken in MXNet 1.9.1; use momentum=0')
        corr = g * as_dtype(hp['lamda'], dt) * g * (weight - prev)
        step = (g + weight * as_dtype(wd, dt) + corr) * as_dtype(-lr, dt)
        return weight + step, (None, weight)
