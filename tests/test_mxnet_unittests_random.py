"""MXNet 1.9.1's chi-square tests of its samplers (tests/python/unittest/test_random.py:
test_{normal,uniform,gamma,exponential,poisson,negative_binomial,multinomial,randint}_generator),
rewritten against tfmod: the same distributions, parameters, dtypes, success rates and
verify_generator calls (one draw of n samples, and ten draws of n/10 concatenated), with the
bucket tables test_random.py computes with scipy.stats recorded from it
(tools/record_test_utils_extra.py). 50,000 samples a check instead of 1,000,000 (and 10
repeats instead of 100 for randint) to stay fast; at MXNet's full size they passed too when
this file was written (about 7 minutes). Seeded, so each run tests the same samples."""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from tfmod.test_utils import verify_generator

FIX = os.path.join(os.path.dirname(__file__), 'fixtures', 'test_utils_extra', 'cases.json')
TABLES = json.load(open(FIX))['unittest_random_tables']
N = 50000


def table(key):
    buckets, probs = TABLES[key]
    return [tuple(b) for b in buckets], probs


def check_both_ways(draw, buckets, probs, **kw):
    """verify_generator on draw(n), then on ten draws of n // 10 (MXNet's 'same seed' case)."""
    verify_generator(generator=draw, buckets=buckets, probs=probs, nsamples=N, **kw)
    verify_generator(generator=lambda n: np.concatenate([draw(n // 10) for _ in range(10)]),
                     buckets=buckets, probs=probs, nsamples=N, **kw)


@pytest.fixture(autouse=True)
def seeded():
    mx.random.seed(1234)
    np.random.seed(1234)


FLOATS = ['float16', 'float32', 'float64']


@pytest.mark.parametrize('dtype', FLOATS)
def test_normal_generator(dtype):
    for mu, sigma in [(0.0, 1.0), (1.0, 5.0)]:
        buckets, probs = table('normal/%s/%s/%s' % (dtype, mu, sigma))
        check_both_ways(lambda n: mx.nd.random.normal(mu, sigma, shape=n, dtype=dtype).asnumpy(),
                        buckets, probs, nrepeat=8)


@pytest.mark.parametrize('dtype', FLOATS)
def test_uniform_generator(dtype):
    for low, high in [(-1.0, 1.0), (1.0, 3.0)]:
        buckets, probs = table('uniform/%s/%s/%s' % (dtype, low, high))
        check_both_ways(lambda n: mx.nd.random.uniform(low, high, shape=n, dtype=dtype).asnumpy(),
                        buckets, probs)


@pytest.mark.parametrize('dtype', FLOATS)
def test_gamma_generator(dtype):
    for kappa, theta in [(0.5, 1.0), (1.0, 5.0)]:
        buckets, probs = table('gamma/%s/%s' % (kappa, theta))
        check_both_ways(lambda n: mx.nd.random.gamma(kappa, theta, shape=n,
                                                      dtype=dtype).asnumpy(),
                        buckets, probs, success_rate=0.05)


@pytest.mark.parametrize('dtype', FLOATS)
def test_exponential_generator(dtype):
    for scale in [0.1, 1.0]:
        buckets, probs = table('exponential/%s' % scale)
        check_both_ways(lambda n: mx.nd.random.exponential(scale, shape=n, dtype=dtype).asnumpy(),
                        buckets, probs, success_rate=0.20)


@pytest.mark.parametrize('dtype', FLOATS)
def test_poisson_generator(dtype):
    for lam in [1, 10]:
        buckets, probs = table('poisson/%s' % lam)
        check_both_ways(lambda n: mx.nd.random.poisson(lam, shape=n, dtype=dtype).asnumpy(),
                        buckets, probs)


@pytest.mark.parametrize('dtype', FLOATS)
def test_negative_binomial_generator(dtype):
    k, p = 2, 0.2
    buckets, probs = table('negative_binomial/%s/%s' % (k, p))
    check_both_ways(lambda n: mx.nd.random.negative_binomial(k, p, shape=n,
                                                              dtype=dtype).asnumpy(),
                    buckets, probs)
    # the same distribution as a gamma-Poisson mixture
    alpha = 1.0 / k
    mu = (1.0 - p) / p / alpha
    check_both_ways(lambda n: mx.nd.random.generalized_negative_binomial(
        mu, alpha, shape=n, dtype=dtype).asnumpy(), buckets, probs)


@pytest.mark.parametrize('dtype', FLOATS)
def test_multinomial_generator(dtype):
    probs = np.array([0.1, 0.2, 0.3, 0.05, 0.15, 0.2])
    if dtype == 'float16':
        # float16 probabilities: the nearest multiples of 2^-11, summing to one
        probs = np.rint(probs * 2048.0) / 2048.0
        probs[0] += 1.0 - probs.sum()
    check_both_ways(lambda n: mx.nd.random.multinomial(
        data=mx.nd.array(probs, dtype=dtype), shape=n).asnumpy(),
        list(range(6)), probs, nrepeat=5, success_rate=0.20)


@pytest.mark.parametrize('dtype', ['int32', 'int64'])
def test_randint_generator(dtype):
    for low, high in [(50000000, 50001000), (-50000100, -50000000), (-500, 199)]:
        buckets, probs = table('randint/%s/%s/%s' % (dtype, low, high))
        check_both_ways(lambda n: mx.nd.random.randint(low, high, shape=n,
                                                        dtype=dtype).asnumpy(),
                        buckets, probs, nrepeat=10)
