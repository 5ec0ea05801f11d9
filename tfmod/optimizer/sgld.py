"""SGLD (stochastic gradient Langevin dynamics), as MXNet 1.9.1's Python update.

    g = clip(rescale*grad)
    w += -lr/2 * (g + wd*w)
    w += normal(0, sqrt(lr))

The noise comes from tfmod's global random state (``mx.random.seed`` makes it reproducible):
every parameter update draws a fresh seed in Python, passed to the step as the per-parameter
scalar ``noise_seed``, so eager and compiled updates sample alike without retracing. Values
cannot match MXNet's generator; the distribution does.
"""
import tensorflow as tf

from .. import rng as _rng
from .optimizer import Optimizer, register
from ._kernels import as_dtype, clip


@register
class SGLD(Optimizer):
    """Stochastic Gradient Riemannian Langevin Dynamics (no state)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def _clip_on(self):
        return self.clip_gradient is not None  # MXNet clips in Python when not None

    def create_state(self, index, weight):
        return None

    def _tf_param_hparams(self, indices):
        rng = _rng.generator()
        return {'noise_seed': [float(rng.randint(0, 2 ** 31 - 1)) for _ in indices]}

    def _tf_step(self, weight, grad, state, lr, wd, t, hp):
        dt = weight.dtype
        g = clip(grad * as_dtype(hp['rescale_grad'], dt), hp)
        w = weight + (g + weight * as_dtype(wd, dt)) * as_dtype(-lr / 2., dt)
        seed = tf.stack([tf.cast(hp['noise_seed'], tf.int32), tf.constant(0x5D1, tf.int32)])
        noise = tf.random.stateless_normal(tf.shape(weight), seed, dtype=tf.float32)
        return w + tf.cast(noise * tf.cast(tf.sqrt(lr), tf.float32), dt), None
