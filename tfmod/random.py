"""Random state and samplers: ``mx.random.seed``, ``mx.random.*`` = ``mx.nd.random.*``.

One seed drives everything random in tfmod: the eager samplers and the per-call seeds that
compiled graphs give to Dropout and the random ops (stateless TF random ops), so a seeded program
is reproducible run to run. The samplers dispatch as MXNet's do: number parameters draw with the
``_random_<distribution>`` op, NDArray parameters with ``_sample_<distribution>`` (one draw of
``shape`` per parameter element). Values cannot match MXNet's generator; distributions do.
"""
import numpy as np
import tensorflow as tf

from .base import MXNetError, numeric_types

_state = {'rng': np.random.RandomState(0)}


def seed(seed_state, ctx='all'):
    """Seed every random source tfmod uses."""
    if not isinstance(seed_state, (int, np.integer)) or isinstance(seed_state, bool):
        raise MXNetError('seed_state must be an integer, got %r' % (seed_state,))
    _state['rng'] = np.random.RandomState(int(seed_state) & 0xFFFFFFFF)


def next_seed():
    """A fresh [2] int32 seed tensor for one call of a compiled graph or a random op."""
    return tf.constant(_state['rng'].randint(0, 2 ** 31 - 1, size=2, dtype=np.int64)
                       .astype(np.int32))


def _helper(random_op, sample_op, params, shape, dtype, ctx, out, kwargs):
    from .ndarray.ndarray import NDArray
    from .ndarray.register import invoke
    if isinstance(params[0], NDArray):
        if any(not isinstance(p, NDArray) for p in params[1:]):
            raise MXNetError('Distribution parameters must all have the same type, but got '
                             'both %s' % ', '.join(type(p).__name__ for p in params))
        if sample_op is None:
            raise MXNetError('%s takes number parameters only' % random_op)
        kw = dict(kwargs, out=out)
        if shape is not None:
            kw['shape'] = shape
        if dtype is not None:
            kw['dtype'] = dtype
        return invoke(sample_op, tuple(params), kw)
    if isinstance(params[0], numeric_types) or isinstance(params[0], np.number):
        if any(isinstance(p, NDArray) for p in params[1:]):
            raise MXNetError('Distribution parameters must all have the same type')
        if shape is None and out is None:
            shape = 1
        kw = dict(kwargs, out=out, ctx=ctx)
        if shape is not None:
            kw['shape'] = shape
        if dtype is not None:
            kw['dtype'] = dtype
        return invoke(random_op, (), kw)
    raise MXNetError('Distribution parameters must be either NDArray or numbers, but got %s'
                     % type(params[0]).__name__)


def uniform(low=0, high=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Uniform samples in [low, high)."""
    return _helper('_random_uniform', '_sample_uniform', [low, high], shape, dtype, ctx, out,
                   dict(kwargs, **_num(low=low, high=high)))


def normal(loc=0, scale=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    return _helper('_random_normal', '_sample_normal', [loc, scale], shape, dtype, ctx, out,
                   dict(kwargs, **_num(loc=loc, scale=scale)))


def randn(*shape, **kwargs):
    """Normal samples of the given shape (``loc``/``scale`` keywords)."""
    loc = kwargs.pop('loc', 0)
    scale = kwargs.pop('scale', 1)
    return normal(loc, scale, shape or None, **kwargs)


def poisson(lam=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    return _helper('_random_poisson', '_sample_poisson', [lam], shape, dtype, ctx, out,
                   dict(kwargs, **_num(lam=lam)))


def exponential(scale=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    lam = 1.0 / scale  # MXNet's ops take the rate
    return _helper('_random_exponential', '_sample_exponential', [lam], shape, dtype, ctx,
                   out, dict(kwargs, **_num(lam=lam)))


def gamma(alpha=1, beta=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    return _helper('_random_gamma', '_sample_gamma', [alpha, beta], shape, dtype, ctx, out,
                   dict(kwargs, **_num(alpha=alpha, beta=beta)))


def negative_binomial(k=1, p=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    return _helper('_random_negative_binomial', '_sample_negative_binomial', [k, p], shape,
                   dtype, ctx, out, dict(kwargs, **_num(k=k, p=p)))


def generalized_negative_binomial(mu=1, alpha=1, shape=None, dtype=None, ctx=None, out=None,
                                  **kwargs):
    return _helper('_random_generalized_negative_binomial',
                   '_sample_generalized_negative_binomial', [mu, alpha], shape, dtype, ctx, out,
                   dict(kwargs, **_num(mu=mu, alpha=alpha)))


def randint(low, high, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Integers in [low, high) (int32 unless ``dtype`` says otherwise)."""
    return _helper('_random_randint', None, [low, high], shape, dtype, ctx, out,
                   dict(kwargs, **_num(low=low, high=high)))


def multinomial(data, shape=None, get_prob=False, out=None, dtype='int32', **kwargs):
    """Class indices drawn from the probability rows of ``data`` (and their log-likelihood)."""
    from .ndarray.register import invoke
    kw = dict(kwargs, get_prob=get_prob, dtype=dtype, out=out)
    if shape is not None:
        kw['shape'] = shape
    return invoke('_sample_multinomial', (data,), kw)


def shuffle(data, **kwargs):
    """A random permutation of ``data`` along its first axis."""
    from .ndarray.register import invoke
    return invoke('_shuffle', (data,), kwargs)


def _num(**kw):
    """Keep number parameters as op attributes (NDArray parameters are op inputs)."""
    from .ndarray.ndarray import NDArray
    return {k: v for k, v in kw.items() if not isinstance(v, NDArray)}

