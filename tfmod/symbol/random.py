"""``mx.sym.random``: random graph nodes, dispatched as MXNet's: number parameters make a
``_random_<distribution>`` node, Symbol parameters a ``_sample_<distribution>`` node."""
from ..base import MXNetError, numeric_types
from .register import _create
from .symbol import Symbol


def _helper(random_op, sample_op, params, shape, dtype, kwargs, attrs):
    name = kwargs.pop('name', None)
    attr = kwargs.pop('attr', None)
    if shape is not None:
        kwargs['shape'] = shape
    if dtype is not None:
        kwargs['dtype'] = dtype
    if isinstance(params[0], Symbol):
        if any(not isinstance(p, Symbol) for p in params[1:]) or sample_op is None:
            raise MXNetError('Distribution parameters must all be Symbols (or all numbers)')
        return _create(sample_op, list(params), kwargs, name, attr, sample_op.lower())
    if isinstance(params[0], numeric_types):
        kwargs.update(attrs)
        return _create(random_op, [], kwargs, name, attr, random_op.lower())
    raise MXNetError('Distribution parameters must be either Symbol or numbers, but got %s'
                     % type(params[0]).__name__)


def uniform(low=0, high=1, shape=None, dtype=None, **kwargs):
    return _helper('_random_uniform', '_sample_uniform', [low, high], shape, dtype, kwargs,
                   {'low': low, 'high': high})


def normal(loc=0, scale=1, shape=None, dtype=None, **kwargs):
    return _helper('_random_normal', '_sample_normal', [loc, scale], shape, dtype, kwargs,
                   {'loc': loc, 'scale': scale})


def randn(*shape, **kwargs):
    loc = kwargs.pop('loc', 0)
    scale = kwargs.pop('scale', 1)
    return normal(loc, scale, shape or None, **kwargs)


def poisson(lam=1, shape=None, dtype=None, **kwargs):
    return _helper('_random_poisson', '_sample_poisson', [lam], shape, dtype, kwargs,
                   {'lam': lam})


def exponential(scale=1, shape=None, dtype=None, **kwargs):
    lam = 1.0 / scale  # MXNet's ops take the rate
    return _helper('_random_exponential', '_sample_exponential', [lam], shape, dtype, kwargs,
                   {'lam': lam})


def gamma(alpha=1, beta=1, shape=None, dtype=None, **kwargs):
    return _helper('_random_gamma', '_sample_gamma', [alpha, beta], shape, dtype, kwargs,
                   {'alpha': alpha, 'beta': beta})


def negative_binomial(k=1, p=1, shape=None, dtype=None, **kwargs):
    return _helper('_random_negative_binomial', '_sample_negative_binomial', [k, p], shape,
                   dtype, kwargs, {'k': k, 'p': p})


def generalized_negative_binomial(mu=1, alpha=1, shape=None, dtype=None, **kwargs):
    return _helper('_random_generalized_negative_binomial',
                   '_sample_generalized_negative_binomial', [mu, alpha], shape, dtype, kwargs,
                   {'mu': mu, 'alpha': alpha})


def randint(low, high, shape=None, dtype=None, **kwargs):
    return _helper('_random_randint', None, [low, high], shape, dtype, kwargs,
                   {'low': low, 'high': high})


def multinomial(data, shape=None, get_prob=True, dtype='int32', **kwargs):
    name = kwargs.pop('name', None)
    kw = dict(kwargs, get_prob=get_prob, dtype=dtype)
    if shape is not None:
        kw['shape'] = shape
    return _create('_sample_multinomial', [data], kw, name, None, '_sample_multinomial')


def shuffle(data, **kwargs):
    name = kwargs.pop('name', None)
    return _create('_shuffle', [data], kwargs, name, None, '_shuffle')
