"""Record MXNet 1.9.1 cases for the random ops (converters/random.py).

    /tmp/mxnet-oracle/bin/python tools/oracle_ops/random_ops.py [case,...]

(Not named random.py: a script folder's random.py would shadow the stdlib module for every
script run from this folder.)

Writes tests/fixtures/ops_by_family/random/ (corpus format, see tests/fixtures/ops/README.md).
Sampling ops cannot match MXNet's values, so for cases marked ``random_stats`` the sampled
outputs are replaced, after recording, by their summary statistics (``stats`` in the case json:
per output the mean / std / min / max over its last ``random_stats`` axes, or over everything
for None) and the test compares distributions. Degenerate parameters (low == high, one-hot
probabilities) give deterministic samples, recorded with their (zero) gradients as usual. The
densities ``_random_pdf_*`` are deterministic and recorded with forward and backward.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _family_runner import main  # noqa: E402


def define(g):
    mx, V, N, U, C, case = g.mx, g.V, g.N, g.U, g.C, g.case
    I = mx.sym._internal
    R = mx.sym.random
    G = 'random'
    big = (40, 100)

    def stats(k=None):
        return {'random_stats': {'axes': k}}

    # ---- _random_<distr>: attributes only
    for name, kw in (('uniform', dict(low=-1.0, high=3.0)),
                     ('normal', dict(loc=1.0, scale=2.0)),
                     ('gamma', dict(alpha=2.5, beta=0.7)),
                     ('exponential', dict(lam=3.0)),
                     ('poisson', dict(lam=4.0)),
                     ('negative_binomial', dict(k=3, p=0.4)),
                     ('generalized_negative_binomial', dict(mu=2.0, alpha=0.5))):
        fn = getattr(I, '_random_' + name)
        case('random_' + name, lambda fn=fn, kw=kw: fn(shape=big, name='rnd', **kw), {},
             group=G, deterministic=False, extra=stats(), note='statistics only')
        like = getattr(R, name + '_like')
        case('random_%s_like' % name, lambda like=like, kw=kw: like(V('data'), name='rnd', **kw),
             {'data': C(np.zeros(big), dtype='float64')}, group=G, deterministic=False,
             extra=stats(),
             note='shape and dtype (float64) from data; statistics only')
    case('random_uniform_f64', lambda: I._random_uniform(low=2, high=5, shape=big, dtype='float64',
                                                         name='rnd'),
         {}, group=G, deterministic=False, extra=stats())
    case('random_normal_f16', lambda: I._random_normal(loc=-1, scale=0.5, shape=big,
                                                       dtype='float16', name='rnd'),
         {}, group=G, deterministic=False, extra=stats())
    case('random_generalized_negative_binomial_alpha0',
         lambda: I._random_generalized_negative_binomial(mu=3.0, alpha=0.0, shape=big, name='rnd'),
         {}, group=G, deterministic=False, extra=stats(), note='alpha=0: poisson(mu)')
    case('random_randint', lambda: I._random_randint(low=-3, high=7, shape=big, name='rnd'), {},
         group=G, deterministic=False, extra=stats(), note='int32 by default')
    case('random_randint_int64', lambda: I._random_randint(low=5, high=9, shape=big,
                                                           dtype='int64', name='rnd'),
         {}, group=G, deterministic=False, extra=stats())

    def infer_zero_dim():
        r = I._random_normal(loc=3, scale=0.1, shape=(0, 50), name='rnd')
        return mx.sym.elemwise_add(V('data'), r, name='add')
    case('random_normal_shape_from_graph', infer_zero_dim, {'data': C(np.zeros((60, 50)))},
         op='_random_normal', group=G, deterministic=False, extra=stats(),
         note='shape (0, 50): the 0 is inferred from the graph')

    # ---- _sample_<distr>: parameter tensors, one draw of `shape` per parameter set
    def sample(name, params, shape=(2000,), **kw):
        fn = getattr(I, '_sample_' + name)
        names = list(params)
        return lambda: fn(*[V(n) for n in names], shape=shape, name='smp', **kw)

    for name, params in (('uniform', {'low': C([-1.0, 2.0]), 'high': C([1.0, 2.5])}),
                         ('normal', {'mu': C([0.0, 3.0]), 'sigma': C([1.0, 0.2])}),
                         ('gamma', {'alpha': C([0.5, 4.0]), 'beta': C([2.0, 0.5])}),
                         ('exponential', {'lam': C([0.5, 4.0])}),
                         ('poisson', {'lam': C([0.7, 12.5])}),
                         ('negative_binomial', {'k': C([2.0, 5.0]), 'p': C([0.3, 0.8])}),
                         ('generalized_negative_binomial', {'mu': C([1.5, 4.0]),
                                                            'alpha': C([0.0, 0.3])})):
        case('sample_' + name, sample(name, params), params, group=G, deterministic=False,
             extra=stats(1), note='two parameter sets x 2000 draws; statistics only')
    case('sample_normal_2d_f64', sample('normal', {'mu': C([[0.0, 1.0], [2.0, 3.0]]),
                                                   'sigma': C([[1.0, 2.0], [0.5, 0.1]])},
                                        shape=(30, 40), dtype='float64'),
         {'mu': C([[0.0, 1.0], [2.0, 3.0]]), 'sigma': C([[1.0, 2.0], [0.5, 0.1]])},
         group=G, deterministic=False, extra=stats(2), note='2-D parameters, 2-D draws, float64')
    case('sample_uniform_degenerate', sample('uniform', {'low': C([1.0, -2.0]),
                                                         'high': C([1.0, -2.0])}, shape=(3,)),
         {'low': C([1.0, -2.0]), 'high': C([1.0, -2.0])}, group=G,
         note='low == high: deterministic; MXNet gives zero gradients')
    case('sample_normal_sigma0', sample('normal', {'mu': C([0.5, 1.5, -1.0]),
                                                   'sigma': C([0.0, 0.0, 0.0])}, shape=(2, 2)),
         {'mu': C([0.5, 1.5, -1.0]), 'sigma': C([0.0, 0.0, 0.0])}, group=G,
         note='sigma == 0: deterministic; zero gradients')

    # ---- multinomial
    probs = np.array([[0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.1, 0.1]], 'float32')
    case('sample_multinomial', lambda: I._sample_multinomial(V('p'), shape=(3000,), name='smp'),
         {'p': C(probs)}, group=G, deterministic=False, extra=stats(1),
         note='int32 indices; statistics only')
    case('sample_multinomial_get_prob',
         lambda: I._sample_multinomial(V('p'), shape=(3000,), get_prob=True, name='smp'),
         {'p': C(probs)}, group=G, deterministic=False, extra=stats(1))
    onehot = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]], 'float32')
    case('sample_multinomial_onehot_get_prob',
         lambda: I._sample_multinomial(V('p'), shape=(2,), get_prob=True, name='smp'),
         {'p': C(onehot)}, group=G,
         note='one-hot probabilities: deterministic; d logp / dp = head_grad / p[sample]')
    case('sample_multinomial_1d', lambda: I._sample_multinomial(V('p'), dtype='float32',
                                                                name='smp'),
         {'p': C([0.0, 0.0, 1.0])}, group=G, backward=False,
         note='1-D input, no shape: output (1,), dtype float32')

    # ---- shuffle, unique zipfian
    case('shuffle', lambda: I._shuffle(V('data'), name='shf'), {'data': N(6, 3)}, group=G,
         deterministic=False, no_grad=('data',),
         note='rows permuted; the test compares the sorted rows. MXNet registers no gradient '
              '(binding with grad_req write fails)')
    case('sample_unique_zipfian', lambda: I._sample_unique_zipfian(range_max=50, shape=(400, 10),
                                                                   name='zipf'),
         {}, group=G, deterministic=False, extra=stats(None),
         note='samples and num_tries (int64); statistics only')

    # ---- densities (deterministic, with gradients)
    def pdf(name, params, is_log=False):
        fn = getattr(I, '_random_pdf_' + name)
        return lambda: fn(V('sample'), *[V(n) for n in params], is_log=is_log, name='pdf')

    P2 = (2,)
    for name, sample_spec, params in (
            ('uniform', U(-0.5, 0.5, 2, 3), {'low': C([-1.0, -0.7]), 'high': C([1.0, 2.0])}),
            ('normal', N(2, 3), {'mu': N(*P2), 'sigma': U(0.5, 2.0, *P2)}),
            ('gamma', U(0.3, 3.0, 2, 3), {'alpha': U(0.5, 3.0, *P2), 'beta': U(0.5, 2.0, *P2)}),
            ('exponential', U(0.1, 2.0, 2, 3), {'lam': U(0.5, 3.0, *P2)}),
            ('poisson', C([[0, 1, 3], [2, 5, 7]]), {'lam': U(0.5, 5.0, *P2)}),
            ('negative_binomial', C([[0, 1, 3], [2, 5, 7]]),
             {'k': U(1.0, 4.0, *P2), 'p': U(0.2, 0.8, *P2)}),
            ('generalized_negative_binomial', C([[0, 1, 3], [2, 5, 7]]),
             {'mu': U(0.5, 4.0, *P2), 'alpha': U(0.2, 1.5, *P2)})):
        for is_log in (False, True):
            case('pdf_%s%s' % (name, '_log' if is_log else ''), pdf(name, params, is_log),
                 dict(sample=sample_spec, **params), group=G, tol='math')
    case('pdf_normal_2d_params', pdf('normal', ['mu', 'sigma'], True),
         {'sample': N(2, 3, 4), 'mu': N(2, 3), 'sigma': U(0.5, 2.0, 2, 3)}, group=G, tol='math')

    def dirichlet(is_log):
        return lambda: I._random_pdf_dirichlet(V('sample'), V('alpha'), is_log=is_log, name='pdf')

    def simplex(*shape):
        def f(r):
            x = r.uniform(0.2, 1.0, shape)
            return (x / x.sum(-1, keepdims=True)).astype('float32')
        return g.Gen(f)
    case('pdf_dirichlet', dirichlet(False), {'sample': simplex(2, 3, 4),
                                            'alpha': U(0.5, 3.0, 2, 4)}, group=G, tol='math')
    case('pdf_dirichlet_log', dirichlet(True), {'sample': simplex(2, 3, 4),
                                               'alpha': U(0.5, 3.0, 2, 4)}, group=G, tol='math')
    case('pdf_dirichlet_1d', dirichlet(True), {'sample': simplex(3), 'alpha': U(0.5, 3.0, 3)},
         group=G, tol='math', note='a single vector sample: output (1,)')


def post(g, c, meta, outdir):
    """Replace sampled outputs by their statistics (see the module docstring)."""
    spec = c['extra'].get('random_stats')
    path = os.path.join(outdir, c['name'] + '.npz')
    arrays = dict(np.load(path))
    if spec is None:
        return
    k = spec['axes']
    st = []
    for i in range(len(meta['output_names'])):
        x = arrays.pop('out:%d' % i).astype('float64')
        axes = tuple(range(x.ndim)) if k is None else tuple(range(x.ndim - k, x.ndim))
        st.append({'axes': list(axes), 'count': int(np.prod([x.shape[a] for a in axes])),
                   'mean': x.mean(axes).tolist(), 'std': x.std(axes).tolist(),
                   'min': x.min(axes).tolist(), 'max': x.max(axes).tolist()})
    meta['stats'] = st
    with open(os.path.join(outdir, c['name'] + '.json'), 'w') as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    np.savez_compressed(path, **arrays)


if __name__ == '__main__':
    sys.exit(main('random', define, post))
