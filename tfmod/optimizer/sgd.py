"""SGD with momentum, weight decay and gradient clipping, as MXNet's sgd(_mom)_update kernels.

    no momentum: w = (1 - lr*wd)*w - lr*clip(rescale*g)
    momentum:    mom = momentum*mom - lr*wd*w - lr*clip(rescale*g);  w = w + mom

Weight decay is applied outside the clip (Pitfall 3 of the module fixtures).
"""
from tfmod_converters import optimizer as K
from ._momentum import MomentumState
from .optimizer import Optimizer, register
from ._kernels import kbound, kparam


@register
class SGD(MomentumState, Optimizer):
    """Stochastic gradient descent, optionally with momentum."""
    _tf_hparams = ('momentum',)
    _takes_index_lists = True

    def __init__(self, momentum=0.0, lazy_update=True, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.lazy_update = lazy_update
        self.aggregate_num = 4

    def _tf_step(self, weight, grad, state, lr, wd, t, hp):
        dt = weight.dtype
        lr, wd, rescale = kparam(lr, dt), kparam(wd, dt), kparam(hp['rescale_grad'], dt)
        if state is None:
            return K.sgd(weight, grad, lr, wd, rescale, kbound(hp, dt)), None
        return K.sgd_mom(weight, grad, state, lr, kparam(hp['momentum'], dt), wd, rescale,
                         kbound(hp, dt))
