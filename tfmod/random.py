"""Random state and samplers: ``mx.random.seed``, ``mx.random.*`` = ``mx.nd.random.*``.

One seed (rng.py) drives everything random in tfmod. The samplers dispatch as MXNet's do: number
parameters draw with the ``_random_<distribution>`` op, NDArray parameters with
``_sample_<distribution>`` (one draw of ``shape`` per parameter element). Values cannot match MXNet's generator; distributions do.
"""
import numpy as np

from .base import MXNetError, numeric_types
from .ndarray.ndarray import NDArray
from .ndarray.register import invoke
from .rng import next_seed, seed  # noqa: F401  (mx.random.seed; next_seed for executors)


def _helper(random_op, sample_op, params, shape, dtype, ctx, out, kwargs):
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
    kw = dict(kwargs, get_prob=get_prob, dtype=dtype, out=out)
    if shape is not None:
        kw['shape'] = shape
    return invoke('_sample_multinomial', (data,), kw)


def shuffle(data, **kwargs):
    """A random permutation of ``data`` along its first axis."""
    return invoke('_shuffle', (data,), kwargs)


def _num(**kw):
    """Keep number parameters as op attributes (NDArray parameters are op inputs)."""
    return {k: v for k, v in kw.items() if not isinstance(v, NDArray)}

