"""Random sampling ops as graph nodes: ``_random_*`` (scalar parameters as attributes),
``_random_*_like`` (shape and dtype of an input), ``_sample_*`` (parameters as tensors, one draw
of ``shape`` per parameter set), ``_sample_multinomial``, ``_sample_unique_zipfian``,
``_shuffle``, and the densities ``_random_pdf_*``.

Sampling uses TF's stateless ops seeded by ``ctx.seed(k)`` (a fresh seed per executor call), so
values differ from MXNet's generator while distributions match. MXNet's parameterisations:
gamma(alpha, beta) has SCALE beta for sampling (mean alpha*beta) but RATE beta in
``_random_pdf_gamma``; exponential(lam) has rate lam; negative_binomial(k, p) counts failures
before k successes of probability p (poisson(gamma(k, (1-p)/p))); generalized_negative_binomial
(mu, alpha) is poisson(gamma(1/alpha, alpha*mu)), poisson(mu) for alpha == 0; randint is
[low, high). Sampling ops pass no gradient (MXNet: zero gradients); ``_sample_multinomial``'s
``get_prob`` output differentiates as log(p[sample]). A shape of () or with 0 dims on the
``_random_*`` creation ops is taken from graph shape inference, as MXNet does.
"""
import math

import numpy as np
import tensorflow as tf

from . import dtypes as _dt
from .base import MXNetError
from .registry import op
from .tensor import _init_shape


def _out_shape(ctx, p, what):
    """The concrete output shape of a ``_random_*`` op: ``shape``, with () and 0 dims left to
    graph inference (``ctx.out_shapes``)."""
    shape = tuple(p.shape or ())
    if shape:
        return _init_shape(ctx, shape)
    known = getattr(ctx, 'out_shapes', None)
    if known and known[0] is not None and all(d is not None for d in known[0]):
        return list(known[0])
    if tf.executing_eagerly():
        raise MXNetError('%s: shape is not given and cannot be inferred' % what)
    # inferring shapes with an open output: a shape of unknown rank
    return tf.compat.v1.placeholder_with_default(tf.zeros([0], tf.int32), [None])


def _float_dtype(p, default='float32'):
    return _dt.to_tf(p.dtype if p.dtype not in (None, 'None') else default)


def _seed(ctx, k=0):
    if ctx is None:
        return tf.constant([0, k], tf.int32)
    return ctx.seed(k)


# ----------------------------------------------------------------------------------------------
# Samplers shared by the three op flavours. ``shape`` is the full output shape; parameters are
# python floats or tensors already broadcast to ``shape``. Parameters are computed in float32
# (float64 for float64 outputs) and the result cast to ``dtype``.

def _work_dtype(dtype):
    return tf.float64 if dtype == tf.float64 else tf.float32


def _param(v, wd):
    return tf.cast(tf.stop_gradient(v), wd) if isinstance(v, tf.Tensor) else tf.constant(v, wd)


def _uniform(ctx, shape, dtype, low, high):
    wd = _work_dtype(dtype)
    u = tf.random.stateless_uniform(shape, _seed(ctx), dtype=wd)
    lo = _param(low, wd)
    return tf.cast(lo + (_param(high, wd) - lo) * u, dtype)


def _normal(ctx, shape, dtype, loc, scale):
    wd = _work_dtype(dtype)
    n = tf.random.stateless_normal(shape, _seed(ctx), dtype=wd)
    return tf.cast(_param(loc, wd) + _param(scale, wd) * n, dtype)


def _gamma_raw(ctx, shape, wd, alpha, scale, k=0):
    a = _param(alpha, wd)
    if not isinstance(alpha, tf.Tensor):
        a = tf.fill(shape, a)
    g = tf.random.stateless_gamma(shape, _seed(ctx, k), alpha=a, dtype=wd)
    return tf.stop_gradient(g) * _param(scale, wd)


def _gamma(ctx, shape, dtype, alpha, beta):
    return tf.cast(_gamma_raw(ctx, shape, _work_dtype(dtype), alpha, beta), dtype)


def _exponential(ctx, shape, dtype, lam):
    wd = _work_dtype(dtype)
    u = tf.random.stateless_uniform(shape, _seed(ctx), dtype=wd)
    return tf.cast(-tf.math.log1p(-u) / _param(lam, wd), dtype)


def _poisson_raw(ctx, shape, wd, lam, k=0):
    lam = _param(lam, wd)
    if lam.shape.rank == 0:
        lam = tf.fill(shape, lam)
    return tf.random.stateless_poisson(shape, _seed(ctx, k), lam, dtype=wd)


def _poisson(ctx, shape, dtype, lam):
    return tf.cast(_poisson_raw(ctx, shape, _work_dtype(dtype), lam), dtype)


def _negative_binomial(ctx, shape, dtype, k, prob):
    wd = _work_dtype(dtype)
    pr = _param(prob, wd)
    lam = _gamma_raw(ctx, shape, wd, k, (1.0 - pr) / pr, 0)
    return tf.cast(_poisson_raw(ctx, shape, wd, lam, 1), dtype)


def _generalized_negative_binomial(ctx, shape, dtype, mu, alpha):
    wd = _work_dtype(dtype)
    m, a = _param(mu, wd), _param(alpha, wd)
    zero = tf.equal(a, 0)
    safe = tf.where(zero, tf.ones_like(a), a)
    if isinstance(alpha, tf.Tensor):
        conc = 1.0 / safe
    else:
        conc = 1.0 / float(alpha) if alpha else 1.0
    lam = _gamma_raw(ctx, shape, wd, conc, safe * m, 0)
    lam = tf.where(zero, m + tf.zeros_like(lam), lam)
    return tf.cast(_poisson_raw(ctx, shape, wd, lam, 1), dtype)


# ----------------------------------------------------------------------------------------------
# _random_<distr>: parameters are attributes, the shape an attribute (or inferred).

_SCALAR = {
    'uniform': (_uniform, ('low', 'high')),
    'normal': (_normal, ('loc', 'scale')),
    'gamma': (_gamma, ('alpha', 'beta')),
    'exponential': (_exponential, ('lam',)),
    'poisson': (_poisson, ('lam',)),
    'negative_binomial': (_negative_binomial, ('k', 'p')),
    'generalized_negative_binomial': (_generalized_negative_binomial, ('mu', 'alpha')),
}


def _check_scalar_params(name, p):
    if name == 'gamma' and (p.alpha <= 0 or p.beta <= 0):
        raise MXNetError('_random_gamma: alpha and beta must be positive, got %g, %g'
                         % (p.alpha, p.beta))
    if name in ('exponential', 'poisson') and p.lam < 0:
        raise MXNetError('_random_%s: lam must be non-negative, got %g' % (name, p.lam))
    if name == 'negative_binomial' and not 0 < p.p <= 1:
        raise MXNetError('_random_negative_binomial: p must be in (0, 1], got %g' % p.p)


def _make_random(name, sampler, pnames):
    def lower(ctx, p):
        _check_scalar_params(name, p)
        shape = _out_shape(ctx, p, '_random_' + name)
        return sampler(ctx, shape, _float_dtype(p), *[getattr(p, n) for n in pnames])
    lower.__name__ = 'random_' + name
    lower.__doc__ = '_random_%s(%s): samples of ``shape`` (dtype None: float32).' % (
        name, ', '.join(pnames))
    op('_random_' + name, uses_rng=True)(lower)

    def lower_like(ctx, p, data):
        _check_scalar_params(name, p)
        dtype = data.dtype if data.dtype.is_floating else tf.float32
        out = sampler(ctx, tf.shape(data), dtype, *[getattr(p, n) for n in pnames])
        out = tf.ensure_shape(out, data.shape)
        return tf.cast(out, data.dtype)
    lower_like.__name__ = 'random_%s_like' % name
    lower_like.__doc__ = '_random_%s_like: samples shaped and typed like ``data``.' % name
    op('_random_%s_like' % name, uses_rng=True,
       infer_types=lambda p, ins, outs: [ins[0] if ins[0] is not None else outs[0]])(lower_like)


for _n, (_s, _pn) in _SCALAR.items():
    _make_random(_n, _s, _pn)


@op('_random_randint', uses_rng=True)
def random_randint(ctx, p):
    """Integers uniform in [low, high) (dtype None: int32)."""
    if p.low >= p.high:
        raise MXNetError('_random_randint: low must be less than high, got low=%d, high=%d'
                         % (p.low, p.high))
    dtype = _dt.to_tf(p.dtype if p.dtype not in (None, 'None') else 'int32')
    shape = _out_shape(ctx, p, '_random_randint')
    return tf.random.stateless_uniform(shape, _seed(ctx), minval=tf.cast(p.low, dtype),
                                       maxval=tf.cast(p.high, dtype), dtype=dtype)


# ----------------------------------------------------------------------------------------------
# _sample_<distr>: parameter tensors of one shape S; output S + shape, dtype ``dtype``.

def _sample_infer_inputs(p, ins, outs):
    """Every parameter has one shape: a known input's, or the output's leading dims."""
    known = next((s for s in ins if s is not None), None)
    n = len(p.shape or ())
    if known is None and outs and outs[0] is not None and len(outs[0]) > n:
        known = tuple(outs[0][:len(outs[0]) - n])
    if known is not None:
        ins = [known if s is None else s for s in ins]
    return ins


def _broadcast_params(params, extra):
    """Parameter tensors of shape S -> S + extra (and the full shape)."""
    base = params[0]
    s = base.shape.as_list()
    for q in params[1:]:
        qs = q.shape.as_list()
        if len(qs) != len(s) or any(a is not None and b is not None and a != b
                                    for a, b in zip(qs, s)):
            raise MXNetError('sampling parameters must all have one shape, got %s and %s'
                             % (tuple(s), tuple(qs)))
    if any(d is None for d in s):
        full = tf.concat([tf.shape(base), tf.constant(list(extra), tf.int32)], 0)
    else:
        full = s + list(extra)
    out = []
    for q in params:
        q = tf.reshape(q, tf.concat([tf.shape(q), tf.ones([len(extra)], tf.int32)], 0)) \
            if extra else q
        out.append(tf.broadcast_to(q, full) if extra else q)
    static = s + list(extra)
    return out, full, static


def _make_sample(name, sampler, pnames):
    def lower(ctx, p, *params):
        extra = tuple(p.shape or ())
        if any(d <= 0 for d in extra):
            raise MXNetError('_sample_%s: shape parameter must be non-zero within each '
                             'dimension, got %s' % (name, extra))
        dts = set(q.dtype for q in params)
        if len(dts) > 1:
            raise MXNetError('_sample_%s: all parameters must have one dtype, got %s'
                             % (name, ', '.join(sorted(d.name for d in dts))))
        bparams, full, static = _broadcast_params(list(params), extra)
        out = sampler(ctx, full, _float_dtype(p), *bparams)
        return tf.ensure_shape(out, static)
    lower.__name__ = 'sample_' + name
    lower.__doc__ = ('_sample_%s(%s): one draw of ``shape`` per parameter set; output shape '
                     'params.shape + shape, dtype ``dtype`` (None: float32).'
                     % (name, ', '.join(pnames)))
    op('_sample_' + name, uses_rng=True, infer_inputs=_sample_infer_inputs,
       infer_types=_same_param_types)(lower)


def _same_param_types(p, ins, outs):
    known = next((t for t in ins if t is not None), None)
    return [known if t is None else t for t in ins]


_SAMPLE_INPUTS = {
    'uniform': ('low', 'high'), 'normal': ('mu', 'sigma'), 'gamma': ('alpha', 'beta'),
    'exponential': ('lam',), 'poisson': ('lam',), 'negative_binomial': ('k', 'p'),
    'generalized_negative_binomial': ('mu', 'alpha'),
}

for _n, (_s, _pn) in _SCALAR.items():
    _make_sample(_n, _s, _SAMPLE_INPUTS[_n])


# ----------------------------------------------------------------------------------------------
# Multinomial, unique zipfian, shuffle.

def _multinomial_outputs(p):
    return ['output0', 'output1'] if p.get_prob else ['output']


def _multinomial_types(p, ins, outs):
    return list(ins)


@op('_sample_multinomial', outputs=_multinomial_outputs, uses_rng=True,
    infer_types=_multinomial_types)
def sample_multinomial(ctx, p, data):
    """Category indices drawn from the probabilities on ``data``'s last axis (K): output shape
    data.shape[:-1] + shape ((1,) / shape for a 1-D input), dtype ``dtype`` (int32). With
    ``get_prob`` also log p[sample] (data's dtype), whose gradient reaches ``data``."""
    ds = data.shape.as_list()
    if not ds:
        raise MXNetError('_sample_multinomial: data must have at least one dim')
    extra = list(p.shape or ())
    k = ds[-1]
    n = int(np.prod(extra)) if extra else 1
    flat = tf.reshape(data, [-1, k if k is not None else tf.shape(data)[-1]])
    logits = tf.math.log(tf.cast(tf.stop_gradient(flat), tf.float32))
    idx = tf.random.stateless_categorical(logits, n, _seed(ctx), dtype=tf.int32)
    if len(ds) == 1:
        oshape = extra or [1]
    else:
        lead = ds[:-1]
        if any(d is None for d in lead):
            oshape = tf.concat([tf.shape(data)[:-1], tf.constant(extra, tf.int32)], 0)
        else:
            oshape = lead + extra
    out = tf.cast(tf.reshape(idx, oshape), _dt.to_tf(p.dtype or 'int32'))
    if not p.get_prob:
        return out
    picked = tf.gather(flat, idx, batch_dims=1)
    return out, tf.reshape(tf.math.log(picked), oshape)


def _zipf_infer_shape(p, ins):
    s = tuple(p.shape or ())
    if len(s) != 2:
        raise MXNetError('_sample_unique_zipfian: shape must be 2-D (batch, num_sampled), got '
                         '%s' % (s,))
    return [s, (s[0],)]


@op('_sample_unique_zipfian', num_outputs=2, uses_rng=True, infer_shape=_zipf_infer_shape)
def sample_unique_zipfian(ctx, p):
    """Per row, ``shape[1]`` distinct classes of [0, range_max) drawn without replacement from
    MXNet's log-uniform law (value = round(range_max ** u) - 1), and the number of draws MXNet's
    rejection loop would have needed (int64 both). Sampling without replacement is the Gumbel
    top-k trick; the tries are a sum of geometric waits, one per new class."""
    s = tuple(p.shape or ())
    if len(s) != 2:
        raise MXNetError('_sample_unique_zipfian: shape must be 2-D (batch, num_sampled), got '
                         '%s' % (s,))
    b, n = s
    r = p.range_max
    if n > r:
        raise MXNetError('_sample_unique_zipfian: Number of samples cannot exceed the number of '
                         'possible classes (%d > %d)' % (n, r))
    kk = tf.range(r, dtype=tf.float64)
    hi = tf.minimum(kk + 1.5, float(r))
    lo = tf.maximum(kk + 0.5, 1.0)
    logp = tf.math.log(tf.math.log(hi) - tf.math.log(lo)) - math.log(math.log(r)) \
        if r > 1 else tf.zeros([1], tf.float64)
    u = tf.random.stateless_uniform([b, r], _seed(ctx, 0), minval=1e-300, maxval=1.0,
                                    dtype=tf.float64)
    gumbel = -tf.math.log(-tf.math.log(u))
    _, idx = tf.math.top_k(logp[None, :] + gumbel, k=n)
    prob = tf.gather(tf.exp(logp), idx)                          # (b, n) in draw order
    used = tf.math.cumsum(prob, axis=1, exclusive=True)         # mass already drawn
    v = tf.random.stateless_uniform([b, n], _seed(ctx, 1), minval=1e-300, maxval=1.0,
                                    dtype=tf.float64)
    safe = tf.clip_by_value(used, 1e-300, 1.0 - 1e-16)
    waits = 1.0 + tf.floor(tf.math.log(v) / tf.math.log(safe))
    waits = tf.where(used > 0, waits, tf.ones_like(waits))
    tries = tf.reduce_sum(waits, axis=1)
    return tf.cast(idx, tf.int64), tf.cast(tries, tf.int64)


@op('_shuffle', uses_rng=True)
def shuffle(ctx, p, data):
    """A random permutation along the first axis (rows keep their contents); no gradient."""
    if data.shape.rank == 0:
        raise MXNetError('_shuffle: data must have at least one dim')
    n = tf.shape(data)[0]
    perm = tf.argsort(tf.random.stateless_uniform(tf.reshape(n, [1]), _seed(ctx)))
    return tf.gather(tf.stop_gradient(data), perm)


# ----------------------------------------------------------------------------------------------
# Densities: _random_pdf_<distr>(sample, params...) -- params of shape S, sample of shape
# S + extra; out has sample's shape (dirichlet: without its last axis).

def _pdf_infer_inputs(p, ins, outs):
    params = ins[1:]
    known = next((s for s in params if s is not None), None)
    if known is not None:
        ins = [ins[0]] + [known if s is None else s for s in params]
    return ins


def _expand(param, sample, vector=False):
    """Broadcast a parameter tensor of shape S over the trailing dims of ``sample``."""
    pr, sr = param.shape.rank, sample.shape.rank
    if vector:
        pr, sr = pr - 1, sr - 1
    if pr > sr:
        raise MXNetError('dimension of input samples (%d) must be at least dimension of '
                         'distribution parameters (%d)' % (sample.shape.rank, param.shape.rank))
    ps, ss = param.shape.as_list(), sample.shape.as_list()
    for i in range(pr):
        if ps[i] is not None and ss[i] is not None and ps[i] != ss[i]:
            raise MXNetError('distribution parameters of shape %s do not match the leading dims '
                             'of the samples %s' % (tuple(ps), tuple(ss)))
    if vector:
        new = tf.concat([tf.shape(param)[:-1], tf.ones([sr - pr], tf.int32),
                         tf.shape(param)[-1:]], 0)
    else:
        new = tf.concat([tf.shape(param), tf.ones([sr - pr], tf.int32)], 0)
    return tf.reshape(tf.cast(param, sample.dtype), new)


def _finish(lp, is_log):
    return lp if is_log else tf.exp(lp)


def _make_pdf(name, fn, nparams):
    def lower(ctx, p, sample, *params):
        if not sample.dtype.is_floating:
            sample = tf.cast(sample, tf.float32)
        ps = [_expand(q, sample) for q in params]
        return fn(sample, *ps, p.is_log)
    lower.__name__ = 'random_pdf_' + name
    lower.__doc__ = fn.__doc__
    op('_random_pdf_' + name, infer_inputs=_pdf_infer_inputs)(lower)


def _pdf_uniform(x, low, high, is_log):
    """1/(high-low) everywhere (MXNet does not check the support); no gradient to sample."""
    lp = -tf.math.log(high - low) + tf.zeros_like(x)
    return _finish(lp, is_log)


def _pdf_normal(x, mu, sigma, is_log):
    """Normal density of mean mu and standard deviation sigma."""
    lp = -0.5 * tf.square(x - mu) / tf.square(sigma) - tf.math.log(
        math.sqrt(2.0 * math.pi) * sigma)
    return _finish(lp, is_log)


def _pdf_gamma(x, alpha, beta, is_log):
    """Gamma density with shape alpha and RATE beta (the sampler's beta is a scale)."""
    lp = alpha * tf.math.log(beta) + (alpha - 1) * tf.math.log(x) - beta * x - tf.math.lgamma(alpha)
    return _finish(lp, is_log)


def _pdf_exponential(x, lam, is_log):
    """Exponential density of rate lam."""
    lp = tf.math.log(lam) - lam * x
    return _finish(lp, is_log)


def _pdf_poisson(x, lam, is_log):
    """Poisson probability of x; MXNet gives the sample no gradient."""
    x = tf.stop_gradient(x)
    lp = x * tf.math.log(lam) - tf.math.lgamma(x + 1) - lam
    return _finish(lp, is_log)


def _nb_logpmf(x, k, prob):
    return (tf.math.lgamma(x + k) - tf.math.lgamma(x + 1) - tf.math.lgamma(k)
            + k * tf.math.log(prob) + x * tf.math.log(1 - prob))


def _pdf_negative_binomial(x, k, prob, is_log):
    """Probability of x failures before k successes of probability p; no gradient to x."""
    return _finish(_nb_logpmf(tf.stop_gradient(x), k, prob), is_log)


def _pdf_gnb(x, mu, alpha, is_log):
    """Negative binomial with k = 1/alpha, p = 1/(mu*alpha + 1); no gradient to x."""
    return _finish(_nb_logpmf(tf.stop_gradient(x), 1.0 / alpha, 1.0 / (mu * alpha + 1.0)), is_log)


_make_pdf('uniform', _pdf_uniform, 2)
_make_pdf('normal', _pdf_normal, 2)
_make_pdf('gamma', _pdf_gamma, 2)
_make_pdf('exponential', _pdf_exponential, 1)
_make_pdf('poisson', _pdf_poisson, 1)
_make_pdf('negative_binomial', _pdf_negative_binomial, 2)
_make_pdf('generalized_negative_binomial', _pdf_gnb, 2)


@op('_random_pdf_dirichlet')
def random_pdf_dirichlet(ctx, p, sample, alpha):
    """Dirichlet density of vector samples (last axis, K) for concentration vectors alpha
    (S + (K,)); output sample.shape[:-1] ((1,) for a single 1-D sample)."""
    if not sample.dtype.is_floating:
        sample = tf.cast(sample, tf.float32)
    a = _expand(alpha, sample, vector=True)
    lp = (tf.reduce_sum((a - 1) * tf.math.log(sample), -1)
          + tf.math.lgamma(tf.reduce_sum(a, -1)) - tf.reduce_sum(tf.math.lgamma(a), -1))
    if sample.shape.rank == 1:
        lp = tf.reshape(lp, [1])
    return _finish(lp, p.is_log)
