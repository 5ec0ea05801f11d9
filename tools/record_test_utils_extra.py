"""Record MXNet 1.9.1's behaviour for the mx.test_utils helpers of tests/test_test_utils_extra.py
and the bucket tables of tests/test_mxnet_unittests_random.py. Run with a python that has the
oracle's mxnet AND scipy (MXNet's chi_square_check and test_random.py need scipy.stats):

    PY -m venv /tmp/oracle-scipy   # PY: the python the oracle venv was made with
    echo ORACLE_SITE_PACKAGES > /tmp/oracle-scipy/lib/python3.11/site-packages/oracle.pth
    /tmp/oracle-scipy/bin/pip install --no-deps scipy==1.10.1
    /tmp/oracle-scipy/bin/python tools/record_test_utils_extra.py

Writes tests/fixtures/test_utils_extra/{cases.json,matrices.npz}. Generators are numpy
RandomStates, so both sides test the same samples. scipy >= 1.9's chisquare refuses expected
counts that do not sum to the observed total; MXNet's CI ran scipy 1.2, which had no such check,
and MXNet's chi_square_check truncates its expected counts, so the recording patches in the
1.2 formula (statistic, then chi2.sf) -- checked equal to scipy's where the sums agree.
"""
import json
import math
import os
import sys
import tempfile
import types

import numpy as np
import scipy.stats as ss

import mxnet as mx
from mxnet import test_utils as tu

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures',
                   'test_utils_extra')


class _Scipy12:
    """scipy.stats as MXNet's CI had it: chisquare without the sum check."""

    def __getattr__(self, name):
        return getattr(ss, name)

    @staticmethod
    def chisquare(f_obs, f_exp):
        f_obs = np.asarray(f_obs, dtype=np.float64)
        stat = ((f_obs - f_exp) ** 2 / f_exp).sum()
        return stat, ss.chi2.sf(stat, len(f_obs) - 1)


tu.ss = _Scipy12()


def outcome(fn):
    try:
        return {'verdict': 'ok', 'value': fn()}
    except Exception as e:  # noqa: BLE001 -- the verdict is what is recorded
        return {'verdict': type(e).__name__, 'message': str(e)}


def rs_gen(kind, seed, *args):
    """A numpy generator of RandomState(seed) draws (same samples in tfmod's test)."""
    state = np.random.RandomState(seed)
    if kind == 'choice':
        return lambda n: state.choice(args[0], size=n, p=args[1])
    return lambda n: getattr(state, kind)(*args, size=n)


# -- generator checks -----------------------------------------------------------------------------
def record_checks():
    cases = {}
    # plain-python quantile functions (the test recomputes them without scipy)
    cases['ppf_uniform'] = tu.gen_buckets_probs_with_ppf(lambda x: -1.0 + 2.0 * x, 4)
    cases['ppf_expon'] = tu.gen_buckets_probs_with_ppf(
        lambda x: -2.0 * math.log(1.0 - x) if x < 1 else float('inf'), 5)
    norm_b, norm_p = tu.gen_buckets_probs_with_ppf(lambda x: ss.norm.ppf(x, 0, 1), 5)
    cases['norm_buckets'] = [norm_b, norm_p]
    # chi_square_check: continuous right/wrong, discrete right/wrong, truncated expected counts
    chi = []
    disc_p = [0.1, 0.2, 0.3, 0.05, 0.15, 0.2]
    specs = [
        ('normal_right', ('normal', 0, 0.0, 1.0), norm_b, norm_p, 100000),
        ('normal_shifted', ('normal', 1, 0.05, 1.0), norm_b, norm_p, 100000),
        ('normal_scaled', ('normal', 2, 0.0, 1.1), norm_b, norm_p, 100000),
        ('discrete_right', ('choice', 3, 6, disc_p), list(range(6)), disc_p, 100000),
        ('discrete_wrong', ('choice', 4, 6, [0.11, 0.19, 0.3, 0.05, 0.15, 0.2]),
         list(range(6)), disc_p, 100000),
        ('uniform_truncated', ('uniform', 5, -1.0, 1.0), [(-1.0, -0.3), (-0.3, 0.4), (0.4, 1.0)],
         [0.35, 0.35, 0.3], 99999),
    ]
    for name, gen, buckets, probs, n in specs:
        p, obs, exp = tu.chi_square_check(rs_gen(*gen), buckets, probs, nsamples=n)
        if int(exp.sum()) == n:   # here scipy 1.10 itself agrees
            assert abs(ss.chisquare(obs, exp)[1] - p) <= 1e-12 * max(p, 1e-300)
        chi.append({'name': name, 'gen': gen, 'buckets': buckets, 'probs': probs, 'n': n,
                    'p': float(p), 'obs': obs.tolist(), 'obs_dtype': obs.dtype.name,
                    'exp': exp.tolist(), 'exp_dtype': exp.dtype.name})
    cases['chi_square'] = chi
    # verify_generator: a right generator passes (p-values), a wrong one raises
    cases['verify_right'] = outcome(lambda: [float(p) for p in tu.verify_generator(
        rs_gen('normal', 10, 0.0, 1.0), norm_b, norm_p, nsamples=20000, nrepeat=3)])
    cases['verify_wrong'] = outcome(lambda: tu.verify_generator(
        rs_gen('normal', 11, 0.1, 1.0), norm_b, norm_p, nsamples=20000, nrepeat=3))
    cases['verify_rate'] = outcome(lambda: [float(p) for p in tu.verify_generator(
        rs_gen('normal', 12, 0.02, 1.0), norm_b, norm_p, nsamples=20000, nrepeat=4,
        success_rate=0.5, alpha=0.01)])
    # mean_check / var_check verdicts
    mv = []
    for seed, mu, sigma, gmu, gsigma in [(20, 0.0, 1.0, 0.0, 1.0), (21, 0.0, 1.0, 0.05, 1.0),
                                          (22, 2.0, 3.0, 2.0, 3.0), (23, 2.0, 3.0, 2.0, 3.3)]:
        mean_ok = bool(tu.mean_check(rs_gen('normal', seed, gmu, gsigma), mu, sigma,
                                     nsamples=50000))
        var_ok = bool(tu.var_check(rs_gen('normal', seed + 100, gmu, gsigma), sigma,
                                   nsamples=50000))
        mv.append({'seed': seed, 'mu': mu, 'sigma': sigma, 'gen_mu': gmu, 'gen_sigma': gsigma,
                   'mean_check': mean_ok, 'var_check': var_ok})
    cases['mean_var'] = mv
    return cases


# -- matrices and csr shuffling -------------------------------------------------------------------
def record_matrices(arrays):
    calls = {'real_2d': lambda: tu.new_matrix_with_real_eigvals_2d(4),
             'real_nd': lambda: tu.new_matrix_with_real_eigvals_nd((2, 3, 3)),
             'ortho_2d': lambda: tu.new_orthonormal_matrix_2d(5),
             'sym_2d': lambda: tu.new_sym_matrix_with_real_eigvals_2d(4),
             'sym_nd': lambda: tu.new_sym_matrix_with_real_eigvals_nd((3, 2, 2, 2))}
    meta = {}
    for i, (name, call) in enumerate(sorted(calls.items())):
        np.random.seed(40 + i)
        arr = call()
        arrays[name] = arr
        meta[name] = {'seed': 40 + i, 'dtype': arr.dtype.name, 'shape': list(arr.shape)}
    for name, fn in [('identity', lambda: tu.get_identity_mat(3)),
                     ('identity_batch', lambda: tu.get_identity_mat_batch(3))]:
        arr = fn()
        arrays[name] = arr.asnumpy()
        meta[name] = {'dtype': np.dtype(arr.dtype).name, 'shape': list(arr.shape),
                      'type': type(arr).__name__}
    dense = np.array([[1, 0, 2, 3, 0], [0, 0, 0, 0, 0], [4, 5, 6, 7, 8], [0, 9, 0, 10, 0]],
                     dtype=np.float32)
    # MXNet's helper shuffles a scipy csr_matrix in place (its only caller's); any object with
    # numpy indptr/indices does. An MXNet CSRNDArray raises TypeError (tfmod shuffles one).
    nz = np.nonzero(dense)
    parts = types.SimpleNamespace(indptr=np.concatenate([[0], np.cumsum((dense != 0).sum(1))]),
                                  indices=nz[1].astype(np.int64), data=dense[nz])
    np.random.seed(50)
    ret = tu.shuffle_csr_column_indices(parts)
    meta['shuffle_csr'] = {'seed': 50, 'returns': repr(ret), 'dense_in': dense.tolist(),
                           'indices': parts.indices.tolist(), 'indptr': parts.indptr.tolist(),
                           'data': parts.data.tolist(), 'next_draw': float(np.random.rand()),
                           'mxnet_csrndarray': outcome(lambda: tu.shuffle_csr_column_indices(
                               mx.nd.array(dense).tostype('csr')))}
    return meta


# -- optimizers, speed, environment ---------------------------------------------------------------
def record_optimizers():
    O = mx.optimizer
    specs = [
        ('sgd_same', lambda: (O.SGD(), O.SGD()), (3, 4), 'float32', {}),
        ('sgd_mom_same', lambda: (O.SGD(momentum=0.9, wd=0.01), O.SGD(momentum=0.9, wd=0.01)),
         (3, 4), 'float32', {}),
        ('sgd_lr_differs', lambda: (O.SGD(learning_rate=0.1), O.SGD(learning_rate=0.2)),
         (3, 4), 'float32', {}),
        ('adam_beta1_differs', lambda: (O.Adam(), O.Adam(beta1=0.5)), (5,), 'float32', {}),
        ('adam_beta1_no_states', lambda: (O.Adam(), O.Adam(beta1=0.5)), (5,), 'float32',
         {'compare_states': False}),
        ('sgd_mp_fp16', lambda: (O.SGD(momentum=0.9, multi_precision=True),
                                 O.SGD(momentum=0.9, multi_precision=True)), (4, 3), 'float16',
         {'rtol': 1e-3}),
        ('sgd_rsp_grad', lambda: (O.SGD(momentum=0.9), O.SGD(momentum=0.9)), (6, 3), 'float32',
         {'g_stype': 'row_sparse'}),
        ('sgd_csr', lambda: (O.SGD(), O.SGD()), (4, 5), 'float32',
         {'w_stype': 'csr', 'g_stype': 'csr'}),
        ('adagrad_rsp_weight', lambda: (O.AdaGrad(), O.AdaGrad()), (4, 3), 'float32',
         {'w_stype': 'row_sparse', 'g_stype': 'row_sparse'}),
        ('bad_stype', lambda: (O.SGD(), O.SGD()), (3,), 'float32', {'w_stype': 'dense'}),
        ('multi_lamb', lambda: (O.LAMB(), O.LAMB()), [(3, 2), (4,), (2, 2)], 'float32',
         {'ntensors': 3}),
    ]
    out = []
    for name, make, shape, dtype, kw in specs:
        np.random.seed(60)
        mx.random.seed(60)
        res = outcome(lambda: tu.compare_optimizer(*make(), shape, dtype, **kw))
        res.pop('message', None) if res['verdict'] == 'AssertionError' else None
        out.append({'name': name, 'shape': shape, 'dtype': dtype, 'kwargs': kw, **res})
    return out


def record_env():
    data = mx.sym.var('data')
    net = mx.sym.FullyConnected(data, num_hidden=4, name='fc')
    net = mx.sym.Activation(net, act_type='relu')
    loc = {'data': np.ones((2, 3)), 'fc_weight': np.ones((4, 3)), 'fc_bias': np.zeros(4)}
    speed = {
        'whole': outcome(lambda: type(tu.check_speed(net, data=(2, 3), N=3)).__name__),
        'forward': outcome(lambda: type(tu.check_speed(net, location=loc, N=3,
                                                       typ='forward')).__name__),
        'bad_typ': outcome(lambda: tu.check_speed(net, data=(2, 3), typ='backward')),
        'bad_location': outcome(lambda: tu.check_speed(net, location=[np.ones((2, 3))])),
    }
    env = {'has_tvm_ops': tu.has_tvm_ops(), 'is_op_runnable': tu.is_op_runnable(),
           'is_aarch64_run': tu.is_aarch64_run()}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ['MXNET_HOME'] = os.path.join(tmp, 'nothing')
        env['im2rec_missing'] = outcome(tu.get_im2rec_path)
        os.makedirs(os.path.join(tmp, 'src', 'tools'))
        open(os.path.join(tmp, 'src', 'tools', 'im2rec.py'), 'w').close()
        os.makedirs(os.path.join(tmp, 'src', 'python', 'mxnet'))
        for home, key in [('src', 'im2rec_home'), ('src/python/mxnet', 'im2rec_built')]:
            os.environ['MXNET_HOME'] = os.path.join(tmp, home)
            env[key] = os.path.relpath(tu.get_im2rec_path(), tmp)
        os.environ['OTHER_HOME'] = os.path.join(tmp, 'src')
        env['im2rec_other_env'] = os.path.relpath(tu.get_im2rec_path('OTHER_HOME'), tmp)
        del os.environ['MXNET_HOME']
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            env['download_unknown'] = list(tu.download_model('no-such-model'))
            os.makedirs('models')
            for suffix in ('-symbol.json', '-0000.params'):
                open(os.path.join('models', 'imagenet1k-resnet-18' + suffix), 'w').close()
            env['download_present'] = list(tu.download_model('imagenet1k-resnet-18',
                                                             dst_dir='models'))
            place_both('new_dir', 'mine')
            env['download_meta_present'] = list(tu.download_model(
                'mine', dst_dir='new_dir', meta_info={'mine': {'symbol': 'http://127.0.0.1:9/a',
                                                               'params': 'http://127.0.0.1:9/b'}}))
            env['download_no_symbol_url'] = outcome(lambda: tu.download_model(
                'x', dst_dir='models', meta_info={'x': {'params': 'u'}}))
        finally:
            os.chdir(cwd)
    return speed, env


def place_both(folder, name):
    """Place both files of ``name`` in ``folder`` (created) so no download is tried."""
    os.makedirs(folder, exist_ok=True)
    for suffix in ('-symbol.json', '-0000.params'):
        open(os.path.join(folder, name + suffix), 'w').close()


# -- MXNet's test_random.py bucket tables ---------------------------------------------------------
def record_unittest_tables():
    """The buckets and probabilities test_random.py computes with scipy.stats, per case."""
    tables = {}
    for dtype in ['float16', 'float32', 'float64']:
        for mu, sigma in [(0.0, 1.0), (1.0, 5.0)]:
            b, _ = tu.gen_buckets_probs_with_ppf(lambda x: ss.norm.ppf(x, mu, sigma), 5)
            b = np.array(b, dtype=dtype).tolist()
            p = [ss.norm.cdf(b[i][1], mu, sigma) - ss.norm.cdf(b[i][0], mu, sigma)
                 for i in range(5)]
            tables['normal/%s/%s/%s' % (dtype, mu, sigma)] = [b, p]
        for low, high in [(-1.0, 1.0), (1.0, 3.0)]:
            scale = high - low
            b, _ = tu.gen_buckets_probs_with_ppf(lambda x: ss.uniform.ppf(x, loc=low,
                                                                          scale=scale), 5)
            b = np.array(b, dtype=dtype).tolist()
            tables['uniform/%s/%s/%s' % (dtype, low, high)] = [
                b, [(b[i][1] - b[i][0]) / scale for i in range(5)]]
    for kappa, theta in [(0.5, 1.0), (1.0, 5.0)]:
        tables['gamma/%s/%s' % (kappa, theta)] = list(tu.gen_buckets_probs_with_ppf(
            lambda x: ss.gamma.ppf(x, a=kappa, loc=0, scale=theta), 5))
    for scale in [0.1, 1.0]:
        tables['exponential/%s' % scale] = list(tu.gen_buckets_probs_with_ppf(
            lambda x: ss.expon.ppf(x, loc=0, scale=scale), 5))
    for lam in [1, 10]:
        b = [(-1.0, lam - 0.5), (lam - 0.5, 2 * lam + 0.5), (2 * lam + 0.5, np.inf)]
        tables['poisson/%s' % lam] = [b, [ss.poisson.cdf(x[1], lam) - ss.poisson.cdf(x[0], lam)
                                          for x in b]]
    b = [(-1.0, 2.5), (2.5, 5.5), (5.5, 8.5), (8.5, np.inf)]
    tables['negative_binomial/2/0.2'] = [b, [ss.nbinom.cdf(x[1], 2, 0.2) -
                                             ss.nbinom.cdf(x[0], 2, 0.2) for x in b]]
    for dtype in ['int32', 'int64']:
        for low, high in [(50000000, 50001000), (-50000100, -50000000), (-500, 199)]:
            scale = high - low
            b, _ = tu.gen_buckets_probs_with_ppf(lambda x: ss.uniform.ppf(x, loc=low,
                                                                          scale=scale), 5)
            b = np.array(b, dtype=dtype).tolist()
            tables['randint/%s/%s/%s' % (dtype, low, high)] = [
                b, [(b[i][1] - b[i][0]) / float(scale) for i in range(5)]]
    return tables


def _jsonable(x):
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    return x


def main():
    os.makedirs(OUT, exist_ok=True)
    arrays = {}
    speed, env = record_env()
    cases = {'mxnet': mx.__version__, 'scipy': __import__('scipy').__version__,
             'checks': record_checks(), 'matrices': record_matrices(arrays),
             'optimizers': record_optimizers(), 'check_speed': speed, 'env': env,
             'unittest_random_tables': record_unittest_tables()}
    with open(os.path.join(OUT, 'cases.json'), 'w') as f:
        json.dump(_jsonable(cases), f, indent=1, sort_keys=True)
    np.savez_compressed(os.path.join(OUT, 'matrices.npz'), **arrays)
    print('wrote', OUT, file=sys.stderr)


if __name__ == '__main__':
    main()
