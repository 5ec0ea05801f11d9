"""Statistical checks of random generators, part of ``mx.test_utils``: MXNet 1.9.1's
``gen_buckets_probs_with_ppf``, ``mean_check``, ``var_check``, ``chi_square_check`` and
``verify_generator``, which MXNet's own test_random.py runs on its samplers.

A generator is any function ``generator(n)`` returning n samples (a numpy array, a list, or an
NDArray). The chi-square p-value is computed here, without scipy: the statistic
sum((observed - expected)^2 / expected) with len(buckets) - 1 degrees of freedom, as
``scipy.stats.chisquare`` computes it in the scipy MXNet's CI ran (1.2); the expected counts are
MXNet's, ``int32(nsamples * float32(probs))``, so they may sum to a little less than nsamples
(scipy >= 1.9 refuses that; MXNet's tests rely on it).
"""
import numpy as np

from .ndarray.ndarray import NDArray


def _as_numpy(samples):
    return samples.asnumpy() if isinstance(samples, NDArray) else np.asarray(samples)


def _plain(x):
    """``x`` with numpy scalars made Python numbers, inside lists and tuples: messages print as
    MXNet's did under numpy < 2."""
    if isinstance(x, (list, tuple)):
        return type(x)(_plain(v) for v in x)
    return x.item() if isinstance(x, np.generic) else x


def gen_buckets_probs_with_ppf(ppf, nbuckets):
    """``nbuckets`` equally likely buckets of a distribution given its quantile function
    ``ppf`` (inverse cdf): ([(ppf(i/n), ppf((i+1)/n)) for each i], [1/n] * n)."""
    assert nbuckets > 0
    probs = [1.0 / nbuckets] * nbuckets
    edges = [ppf(i / float(nbuckets)) for i in range(nbuckets + 1)]
    buckets = [(edges[i], edges[i + 1]) for i in range(nbuckets)]
    return buckets, probs


def mean_check(generator, mu, sigma, nsamples=1000000):
    """Whether the mean of ``generator(nsamples)`` lies within mu +- 3 sigma / sqrt(nsamples)."""
    mean = _as_numpy(generator(nsamples)).mean()
    half = 3 * sigma / np.sqrt(nsamples)
    return (mean > mu - half) and (mean < mu + half)


def var_check(generator, sigma, nsamples=1000000):
    """Whether the sample variance (ddof=1) of ``generator(nsamples)`` lies within
    sigma^2 +- 3 sqrt(2 sigma^4 / (nsamples - 1))."""
    var = _as_numpy(generator(nsamples)).var(ddof=1)
    half = 3 * np.sqrt(2 * sigma ** 4 / (nsamples - 1))
    return (var > sigma ** 2 - half) and (var < sigma ** 2 + half)


def _chi2_survival(stat, dof):
    """P(X > stat) for X chi-square with ``dof`` degrees of freedom: the regularized upper
    incomplete gamma function Q(dof / 2, stat / 2)."""
    import tensorflow as tf
    return float(tf.math.igammac(tf.constant(dof / 2.0, tf.float64),
                                 tf.constant(stat / 2.0, tf.float64)).numpy())


def chi_square_check(generator, buckets, probs, nsamples=1000000):
    """Chi-square test of ``generator(nsamples)`` against ``probs``: returns (p-value, observed
    counts (int64), expected counts (int32)). ``buckets`` is a list of (low, high) ranges in
    ascending order, without overlap, for a continuous distribution (a sample x counts in the
    bucket with low <= x < high, float32 edges), or of the values of a discrete one."""
    assert isinstance(buckets, list)
    samples = generator(nsamples)
    assert len(probs) == len(buckets)
    continuous = isinstance(buckets[0], (list, tuple))
    if continuous:
        edges = np.zeros(2 * len(buckets), dtype=np.float32)
        for i, (low, high) in enumerate(buckets):
            assert low <= high
            if i + 1 < len(buckets):
                assert high <= buckets[i + 1][0]
            edges[2 * i], edges[2 * i + 1] = low, high
        # an even position past the edges is inside a bucket; odd ones fall between buckets
        ids = np.searchsorted(edges, _as_numpy(samples), side='right') // 2
        observed = np.array([(ids == i).sum() for i in range(len(buckets))], dtype=np.int64)
    else:
        values = _as_numpy(samples)
        observed = np.array([(values == b).sum() for b in buckets], dtype=np.int64)
    expected = (nsamples * np.array(probs, dtype=np.float32)).astype(np.int32)
    with np.errstate(divide='ignore', invalid='ignore'):
        stat = ((observed.astype(np.float64) - expected) ** 2 / expected).sum()
    return np.float64(_chi2_survival(stat, len(buckets) - 1)), observed, expected


def verify_generator(generator, buckets, probs, nsamples=1000000, nrepeat=5, success_rate=0.2,
                     alpha=0.05):
    """Run chi_square_check ``nrepeat`` times; raise AssertionError (with every p-value and
    count) unless at least ``nrepeat * success_rate`` runs have p > ``alpha``. Returns the
    p-values."""
    pvals, observed, expected = [], [], []
    for _ in range(nrepeat):
        p, obs, exp = chi_square_check(generator=generator, buckets=buckets, probs=probs,
                                       nsamples=nsamples)
        pvals.append(p)
        observed.append(obs)
        expected.append(exp)
    if (np.array(pvals) > alpha).sum() < nrepeat * success_rate:
        raise AssertionError('Generator test fails, Chi-square p=%s, obs_freq=%s, '
                             'expected_freq=%s.\nbuckets=%s, probs=%s'
                             % (str(_plain(pvals)), str(observed), str(expected),
                                str(_plain(buckets)), str(_plain(probs))))
    return pvals
