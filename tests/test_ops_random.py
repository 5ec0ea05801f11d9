"""Random ops against MXNet 1.9.1 (tests/fixtures/ops_by_family/random, made by
tools/oracle_ops/random.py with the real MXNet).

Deterministic cases (densities ``_random_pdf_*``; samplers with degenerate parameters, which also
carry MXNet's zero gradients) replay through support/corpus.py. Sampled values cannot match MXNet's
generator: for those cases the fixture holds MXNet's sample statistics and the test compares the
statistics of tfmod's sample (same shapes, dtypes, support, mean and spread) under a fixed
``mx.random.seed``.
"""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from support import corpus

HERE = os.path.join(os.path.dirname(__file__), 'fixtures', 'ops_by_family', 'random')
with open(os.path.join(HERE, 'index.json')) as _f:
    INDEX = json.load(_f)['cases']


def _meta(name):
    with open(os.path.join(HERE, name + '.json')) as f:
        return json.load(f)


STATS = [c['case'] for c in INDEX if 'stats' in _meta(c['case'])]
DETERMINISTIC = [c['case'] for c in INDEX if c['deterministic']]
BOUNDED = ('_random_uniform', '_random_uniform_like', '_random_randint', '_sample_uniform',
           '_sample_multinomial')


@pytest.fixture
def extra_root(monkeypatch):
    monkeypatch.setattr(corpus, 'HERE', HERE)


@pytest.mark.parametrize('name', DETERMINISTIC)
def test_case_matches_mxnet(name, extra_root):
    corpus.run_case(name)


@pytest.mark.parametrize('name', [c['case'] for c in INDEX])
def test_symbol_json_round_trip(name, extra_root):
    meta, _ = corpus.load_case(name)
    assert mx.sym.load_json(meta['symbol']).tojson() == meta['symbol']


def _forward(name, is_train=False):
    meta, arrays = corpus.load_case(name)
    sym = mx.sym.load_json(meta['symbol'])
    mx.random.seed(1234)
    ex = corpus._bind(sym, meta, arrays)
    return meta, arrays, [o.asnumpy() for o in ex.forward(is_train=is_train)]


@pytest.mark.parametrize('name', STATS)
def test_sample_statistics_match_mxnet(name, extra_root):
    meta, _, outs = _forward(name)
    assert [list(o.shape) for o in outs] == meta['output_shapes']
    assert [str(o.dtype) for o in outs] == meta['output_dtypes']
    for i, (o, st) in enumerate(zip(outs, meta['stats'])):
        x = o.astype(np.float64)
        axes = tuple(st['axes'])
        n = st['count']
        mean, std = x.mean(axes), x.std(axes)
        m_mean, m_std = np.array(st['mean']), np.array(st['std'])
        m_min, m_max = np.array(st['min']), np.array(st['max'])
        what = '%s output %d' % (name, i)
        tol = 6 * np.sqrt((m_std ** 2 + std ** 2) / n) + 1e-3 * np.abs(m_mean) + 1e-6
        np.testing.assert_array_less(np.abs(mean - m_mean), tol, err_msg=what + ' mean')
        np.testing.assert_allclose(std, m_std, rtol=0.1, atol=1e-3, err_msg=what + ' std')
        lo, hi = x.min(axes), x.max(axes)
        assert np.all(lo[m_min >= 0] >= 0), what + ' support (negative values)'
        if meta['op'] in BOUNDED:
            span = np.maximum(m_max - m_min, 1e-12)
            np.testing.assert_array_less(np.abs(lo - m_min), 0.02 * span + 1e-6, err_msg=what)
            np.testing.assert_array_less(np.abs(hi - m_max), 0.02 * span + 1e-6, err_msg=what)
        if np.issubdtype(o.dtype, np.integer) or meta['op'].endswith(
                ('poisson', 'binomial', 'poisson_like', 'binomial_like')):
            np.testing.assert_array_equal(x, np.round(x), err_msg=what + ' not integral')


def test_shuffle_permutes_rows(extra_root):
    meta, arrays, (out,) = _forward('shuffle')
    data = arrays['arg:data']
    assert out.shape == data.shape
    key = lambda a: sorted(map(tuple, a.tolist()))  # noqa: E731
    assert key(out) == key(data)


def test_unique_zipfian_rows_are_distinct(extra_root):
    _, _, (samples, tries) = _forward('sample_unique_zipfian')
    assert all(len(set(row)) == len(row) for row in samples.tolist())
    assert np.all(tries >= samples.shape[1])


def _sample(op_name, *inputs, **attrs):
    return getattr(mx.sym._internal, op_name)(*inputs, **attrs)


def test_fresh_draws_per_call_and_seed_reproducible():
    ex = _sample('_random_normal', shape=(3, 4)).bind(mx.cpu(), {})
    mx.random.seed(7)
    a = ex.forward()[0].asnumpy()
    b = ex.forward()[0].asnumpy()
    mx.random.seed(7)
    c = ex.forward()[0].asnumpy()
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(a, c)


def test_sample_ops_have_zero_gradients():
    # MXNet registers MakeZeroGradNodes for every _sample_* op (a reparameterised TF gamma
    # would otherwise leak a gradient to alpha).
    alpha, beta = mx.sym.var('alpha'), mx.sym.var('beta')
    s = _sample('_sample_gamma', alpha, beta, shape=(5,))
    args = {'alpha': mx.nd.array([1.5, 2.0]), 'beta': mx.nd.array([1.0, 3.0])}
    grads = {k: mx.nd.ones((2,)) for k in args}
    ex = s.bind(mx.cpu(), args, args_grad=grads)
    ex.forward(is_train=True)
    ex.backward(mx.nd.ones((2, 5)))
    for k in args:
        np.testing.assert_array_equal(grads[k].asnumpy(), 0)


def test_bad_attributes():
    with pytest.raises(mx.base.MXNetError, match='low must be less than high'):
        mx.nd._internal._random_randint(low=3, high=3, shape=(2,))
    with pytest.raises(mx.base.MXNetError, match='cannot exceed'):
        mx.nd._internal._sample_unique_zipfian(range_max=5, shape=(1, 6))
    with pytest.raises(mx.base.MXNetError, match='shape'):
        mx.nd._internal._random_uniform()
