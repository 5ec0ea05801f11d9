"""Random state: ``mx.random.seed`` and the samplers of ``mx.random`` / ``mx.nd.random``.

One global seed drives both the eager samplers (a ``tf.random.Generator``) and the per-call seeds
that compiled graphs use for Dropout and random ops (stateless TF random ops), so a seeded
program is reproducible run to run. Values cannot match MXNet's generator; distributions do.
"""
import numpy as np
import tensorflow as tf

from converters import dtypes as _dt
from .base import MXNetError

_state = {'rng': np.random.RandomState(0), 'gen': None}


def seed(seed_state, ctx='all'):
    """Seed every random source tfmod uses."""
    if not isinstance(seed_state, (int, np.integer)):
        raise MXNetError('seed_state must be an integer, got %r' % (seed_state,))
    _state['rng'] = np.random.RandomState(int(seed_state) & 0xFFFFFFFF)
    _state['gen'] = tf.random.Generator.from_seed(int(seed_state))


def next_seed():
    """A fresh [2] int32 seed tensor for one call of a compiled graph."""
    return tf.constant(_state['rng'].randint(0, 2 ** 31 - 1, size=2, dtype=np.int64)
                       .astype(np.int32))


def generator():
    if _state['gen'] is None:
        _state['gen'] = tf.random.Generator.from_seed(int(_state['rng'].randint(0, 2 ** 31 - 1)))
    return _state['gen']


def _shape(shape):
    if shape is None or shape == ():
        return (1,)
    if isinstance(shape, int):
        return (shape,)
    return tuple(shape)


def _out(t, ctx, out):
    from .ndarray.ndarray import from_tensor
    from .context import current_context
    if out is not None:
        out[:] = from_tensor(t)
        return out
    return from_tensor(t, ctx or current_context())


def _device(ctx):
    from .context import current_context
    return (ctx or current_context()).tf_device


def uniform(low=0, high=1, shape=(1,), dtype='float32', ctx=None, out=None, **kwargs):
    with tf.device(_device(ctx)):
        t = generator().uniform(_shape(shape), low, high, dtype=_dt.to_tf(dtype or 'float32'))
    return _out(t, ctx, out)


def normal(loc=0, scale=1, shape=(1,), dtype='float32', ctx=None, out=None, **kwargs):
    with tf.device(_device(ctx)):
        t = generator().normal(_shape(shape), loc, scale, dtype=_dt.to_tf(dtype or 'float32'))
    return _out(t, ctx, out)


def randn(*shape, **kwargs):
    loc = kwargs.pop('loc', 0)
    scale = kwargs.pop('scale', 1)
    return normal(loc, scale, shape or (1,), **kwargs)


def randint(low, high, shape=(1,), dtype='int32', ctx=None, out=None, **kwargs):
    with tf.device(_device(ctx)):
        t = generator().uniform(_shape(shape), low, high, dtype=_dt.to_tf(dtype or 'int32'))
    return _out(t, ctx, out)


def exponential(scale=1, shape=(1,), dtype='float32', ctx=None, out=None, **kwargs):
    with tf.device(_device(ctx)):
        u = generator().uniform(_shape(shape), 0, 1, dtype=_dt.to_tf(dtype or 'float32'))
        t = -tf.math.log1p(-u) * scale
    return _out(t, ctx, out)


def gamma(alpha=1, beta=1, shape=(1,), dtype='float32', ctx=None, out=None, **kwargs):
    with tf.device(_device(ctx)):
        s = tf.random.stateless_gamma(_shape(shape), generator().make_seeds(1)[:, 0], alpha,
                                      dtype=_dt.to_tf(dtype or 'float32'))
        t = s * beta
    return _out(t, ctx, out)


def poisson(lam=1, shape=(1,), dtype='float32', ctx=None, out=None, **kwargs):
    with tf.device(_device(ctx)):
        t = tf.random.stateless_poisson(_shape(shape), generator().make_seeds(1)[:, 0], lam,
                                        dtype=_dt.to_tf(dtype or 'float32'))
    return _out(t, ctx, out)


def multinomial(data, shape=1, get_prob=False, out=None, dtype='int32', **kwargs):
    from .ndarray.ndarray import from_tensor
    probs = data._read()
    flat = tf.reshape(probs, [-1, probs.shape[-1]])
    n = int(np.prod(_shape(shape)))
    idx = tf.random.stateless_categorical(tf.math.log(flat), n, generator().make_seeds(1)[:, 0])
    shp = list(probs.shape[:-1]) + ([] if shape == 1 else list(_shape(shape)))
    t = tf.cast(tf.reshape(idx, shp or [1]), _dt.to_tf(dtype))
    res = from_tensor(t, data.context)
    if get_prob:
        lp = tf.gather(tf.math.log(flat), tf.reshape(idx, [flat.shape[0], -1]), batch_dims=1)
        return res, from_tensor(tf.reshape(lp, shp or [1]), data.context)
    return res


def shuffle(data, **kwargs):
    from .ndarray.ndarray import from_tensor
    t = data._read()
    perm = tf.argsort(generator().uniform([t.shape[0]]))
    return from_tensor(tf.gather(t, perm), data.context)
