"""SGD with momentum, weight decay and gradient clipping, as MXNet's sgd(_mom)_update kernels.

    no momentum: w = (1 - lr*wd)*w - lr*clip(rescale*g)
    momentum:    mom = momentum*mom - lr*wd*w - lr*clip(rescale*g);  w = w + mom

Weight decay is applied outside the clip (Pitfall 3 of the module fixtures).
"""
import tensorflow as tf

from ._momentum import MomentumState
from .optimizer import Optimizer, register


def clipped_grad(grad, hp):
    """rescale_grad * grad, clipped to [-clip_gradient, clip_gradient] when clipping is on."""
    g = grad * tf.cast(hp['rescale_grad'], grad.dtype)
    if 'clip_gradient' in hp:
        c = tf.cast(hp['clip_gradient'], grad.dtype)
        g = tf.clip_by_value(g, -c, c)
    return g


@register
class SGD(MomentumState, Optimizer):
    """Stochastic gradient descent, optionally with momentum."""
    _tf_hparams = ('momentum',)

    def __init__(self, momentum=0.0, lazy_update=True, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.lazy_update = lazy_update
        self.aggregate_num = 4

    def _tf_step(self, weight, grad, state, lr, wd, t, hp):
        dt = weight.dtype
        lr = tf.cast(lr, dt)
        wd = tf.cast(wd, dt)
        g = clipped_grad(grad, hp)
        if state is None:
            return (1 - lr * wd) * weight - lr * g, None
        mom = tf.cast(hp['momentum'], dt) * state - lr * wd * weight - lr * g
        return weight + mom, mom
