"""The rest of mx.test_utils against MXNet 1.9.1 (tests/fixtures/test_utils_extra, recorded by
tools/record_test_utils_extra.py): the generator checks' p-values, counts and verdicts on the
same numpy samples, and on tfmod's own samplers (a right and a wrong distribution);
compare_optimizer's verdicts; check_speed; the test matrices (MXNet's values after the same
seed); the environment helpers, get_im2rec_path and download_model offline."""
import json
import math
import os
import types

import numpy as np
import pytest

import tfmod as mx
from tfmod import test_utils as tu

FIX = os.path.join(os.path.dirname(__file__), 'fixtures', 'test_utils_extra')
CASES = json.load(open(os.path.join(FIX, 'cases.json')))
CHECKS = CASES['checks']


def rs_gen(kind, seed, *args):
    """The recorder's generator: numpy RandomState(seed) draws."""
    state = np.random.RandomState(seed)
    if kind == 'choice':
        return lambda n: state.choice(args[0], size=n, p=args[1])
    return lambda n: getattr(state, kind)(*args, size=n)


def outcome(fn):
    try:
        return {'verdict': 'ok', 'value': fn()}
    except Exception as e:  # noqa: BLE001
        return {'verdict': type(e).__name__, 'message': str(e)}


def as_buckets(buckets):
    return [tuple(b) for b in buckets]


def test_gen_buckets_probs_with_ppf():
    b, p = tu.gen_buckets_probs_with_ppf(lambda x: -1.0 + 2.0 * x, 4)
    assert [list(x) for x in b] == CHECKS['ppf_uniform'][0] and p == CHECKS['ppf_uniform'][1]
    b, p = tu.gen_buckets_probs_with_ppf(
        lambda x: -2.0 * math.log(1.0 - x) if x < 1 else float('inf'), 5)
    assert [list(x) for x in b] == CHECKS['ppf_expon'][0] and p == CHECKS['ppf_expon'][1]
    with pytest.raises(AssertionError):
        tu.gen_buckets_probs_with_ppf(lambda x: x, 0)


@pytest.mark.parametrize('case', CHECKS['chi_square'], ids=lambda c: c['name'])
def test_chi_square_check_matches_mxnet(case):
    buckets = as_buckets(case['buckets']) if isinstance(case['buckets'][0], list) \
        else case['buckets']
    p, obs, exp = tu.chi_square_check(rs_gen(*case['gen']), buckets, case['probs'],
                                      nsamples=case['n'])
    assert obs.tolist() == case['obs'] and obs.dtype.name == case['obs_dtype']
    assert exp.tolist() == case['exp'] and exp.dtype.name == case['exp_dtype']
    assert p == pytest.approx(case['p'], rel=1e-9, abs=1e-300)


def test_verify_generator_verdicts_and_messages():
    norm_b, norm_p = CHECKS['norm_buckets']
    norm_b = as_buckets(norm_b)
    got = tu.verify_generator(rs_gen('normal', 10, 0.0, 1.0), norm_b, norm_p, nsamples=20000,
                              nrepeat=3)
    assert got == pytest.approx(CHECKS['verify_right']['value'], rel=1e-9)
    wrong = outcome(lambda: tu.verify_generator(rs_gen('normal', 11, 0.1, 1.0), norm_b, norm_p,
                                                nsamples=20000, nrepeat=3))
    assert wrong['verdict'] == CHECKS['verify_wrong']['verdict'] == 'AssertionError'
    # the message lists the p-values (last digits may differ), then counts, buckets and probs
    mine, theirs = wrong['message'], CHECKS['verify_wrong']['message']
    assert mine.split('obs_freq=')[1] == theirs.split('obs_freq=')[1]
    assert mine.split(', obs_freq=')[0][:40] == theirs.split(', obs_freq=')[0][:40]
    rate = tu.verify_generator(rs_gen('normal', 12, 0.02, 1.0), norm_b, norm_p, nsamples=20000,
                               nrepeat=4, success_rate=0.5, alpha=0.01)
    assert rate == pytest.approx(CHECKS['verify_rate']['value'], rel=1e-9)


@pytest.mark.parametrize('case', CHECKS['mean_var'], ids=lambda c: str(c['seed']))
def test_mean_and_var_check_verdicts(case):
    gen = rs_gen('normal', case['seed'], case['gen_mu'], case['gen_sigma'])
    assert bool(tu.mean_check(gen, case['mu'], case['sigma'], nsamples=50000)) \
        == case['mean_check']
    gen = rs_gen('normal', case['seed'] + 100, case['gen_mu'], case['gen_sigma'])
    assert bool(tu.var_check(gen, case['sigma'], nsamples=50000)) == case['var_check']


def test_checks_pass_tfmod_samplers_and_fail_wrong_ones():
    """The checks on tfmod's own samplers: normal, uniform, exponential and multinomial pass;
    the same samplers with a wrong parameter fail."""
    mx.random.seed(7)
    norm_b, norm_p = CHECKS['norm_buckets']
    norm_b = as_buckets(norm_b)
    normal = lambda mu: (lambda n: mx.nd.random.normal(mu, 1.0, shape=n).asnumpy())  # noqa: E731
    tu.verify_generator(normal(0.0), norm_b, norm_p, nsamples=200000, nrepeat=3)
    with pytest.raises(AssertionError, match='Generator test fails'):
        tu.verify_generator(normal(0.03), norm_b, norm_p, nsamples=200000, nrepeat=3)
    assert tu.mean_check(normal(0.0), 0.0, 1.0, nsamples=200000)
    assert not tu.mean_check(normal(0.05), 0.0, 1.0, nsamples=200000)
    assert tu.var_check(lambda n: mx.nd.random.normal(0, 2.0, shape=n), 2.0, nsamples=200000)
    assert not tu.var_check(lambda n: mx.nd.random.normal(0, 2.1, shape=n), 2.0,
                            nsamples=200000)
    b, p = tu.gen_buckets_probs_with_ppf(lambda x: -1.0 + 2.0 * x, 5)
    tu.verify_generator(lambda n: mx.nd.random.uniform(-1, 1, shape=n), b, p,
                        nsamples=200000, nrepeat=3)
    with pytest.raises(AssertionError):
        tu.verify_generator(lambda n: mx.nd.random.uniform(-1, 1.05, shape=n), b, p,
                            nsamples=200000, nrepeat=3)
    b, p = tu.gen_buckets_probs_with_ppf(lambda x: -2.0 * math.log1p(-x) if x < 1 else np.inf, 5)
    tu.verify_generator(lambda n: mx.nd.random.exponential(2.0, shape=n), b, p,
                        nsamples=200000, nrepeat=3)
    with pytest.raises(AssertionError):
        tu.verify_generator(lambda n: mx.nd.random.exponential(2.1, shape=n), b, p,
                            nsamples=200000, nrepeat=3)
    probs = [0.1, 0.2, 0.3, 0.05, 0.15, 0.2]
    multi = lambda q: (lambda n: mx.nd.random.multinomial(  # noqa: E731
        mx.nd.array(q), shape=n).asnumpy())
    tu.verify_generator(multi(probs), list(range(6)), probs, nsamples=200000, nrepeat=3)
    with pytest.raises(AssertionError):
        tu.verify_generator(multi([0.11, 0.19, 0.3, 0.05, 0.15, 0.2]), list(range(6)), probs,
                            nsamples=200000, nrepeat=3)


@pytest.mark.parametrize('case', CASES['optimizers'], ids=lambda c: c['name'])
def test_compare_optimizer_verdicts(case):
    O = mx.optimizer
    make = {
        'sgd_same': lambda: (O.SGD(), O.SGD()),
        'sgd_mom_same': lambda: (O.SGD(momentum=0.9, wd=0.01), O.SGD(momentum=0.9, wd=0.01)),
        'sgd_lr_differs': lambda: (O.SGD(learning_rate=0.1), O.SGD(learning_rate=0.2)),
        'adam_beta1_differs': lambda: (O.Adam(), O.Adam(beta1=0.5)),
        'adam_beta1_no_states': lambda: (O.Adam(), O.Adam(beta1=0.5)),
        'sgd_mp_fp16': lambda: (O.SGD(momentum=0.9, multi_precision=True),
                                O.SGD(momentum=0.9, multi_precision=True)),
        'sgd_rsp_grad': lambda: (O.SGD(momentum=0.9), O.SGD(momentum=0.9)),
        'sgd_csr': lambda: (O.SGD(), O.SGD()),
        'adagrad_rsp_weight': lambda: (O.AdaGrad(), O.AdaGrad()),
        'bad_stype': lambda: (O.SGD(), O.SGD()),
        'multi_lamb': lambda: (O.LAMB(), O.LAMB()),
    }[case['name']]
    shape = case['shape'] if case['name'] != 'multi_lamb' else [tuple(s) for s in case['shape']]
    shape = tuple(shape) if isinstance(shape[0], int) else shape
    np.random.seed(60)
    mx.random.seed(60)
    got = outcome(lambda: tu.compare_optimizer(*make(), shape, case['dtype'], **case['kwargs']))
    if case['verdict'] == 'Exception':
        # MXNet raises a bare Exception('type not supported yet'); tfmod an MXNetError naming it
        assert got['verdict'] == 'MXNetError' and "'dense'" in got['message']
    else:
        assert got['verdict'] == case['verdict'], got


def test_check_speed():
    data = mx.sym.var('data')
    net = mx.sym.Activation(mx.sym.FullyConnected(data, num_hidden=4, name='fc'),
                            act_type='relu')
    loc = {'data': np.ones((2, 3)), 'fc_weight': np.ones((4, 3)), 'fc_bias': np.zeros(4)}
    rec = CASES['check_speed']
    whole = tu.check_speed(net, data=(2, 3), N=3)
    forward = tu.check_speed(net, location=loc, N=3, typ='forward')
    assert type(whole).__name__ == rec['whole']['value'] and whole > 0
    assert type(forward).__name__ == rec['forward']['value'] and forward > 0
    for key, call in [('bad_typ', lambda: tu.check_speed(net, data=(2, 3), typ='backward')),
                      ('bad_location', lambda: tu.check_speed(net, location=[np.ones((2, 3))]))]:
        got = outcome(call)
        assert got['verdict'] == rec[key]['verdict']
        if key == 'bad_typ':
            assert got['message'] == rec[key]['message']


def test_backward_takes_the_executors_own_outputs():
    """check_speed's call: backward(out_grads=exe.outputs) right after forward(is_train=True)
    (reading those outputs runs the deferred forward first)."""
    data = mx.sym.var('data')
    net = mx.sym.Activation(mx.sym.FullyConnected(data, num_hidden=4, name='fc'),
                            act_type='relu')
    exe = net.simple_bind(mx.cpu(), data=(2, 3))
    rng = np.random.RandomState(0)
    for arr in exe.arg_dict.values():
        arr[:] = rng.normal(size=arr.shape)
    exe.forward(is_train=True)
    exe.backward(out_grads=exe.outputs)
    out = exe.outputs[0].asnumpy()
    weight = exe.arg_dict['fc_weight'].asnumpy()
    np.testing.assert_allclose(exe.grad_dict['data'].asnumpy(), out @ weight, rtol=1e-5,
                               atol=1e-6)


def test_matrices_are_mxnets_after_the_same_seed():
    arrays = np.load(os.path.join(FIX, 'matrices.npz'))
    meta = CASES['matrices']
    calls = {'real_2d': lambda: tu.new_matrix_with_real_eigvals_2d(4),
             'real_nd': lambda: tu.new_matrix_with_real_eigvals_nd((2, 3, 3)),
             'ortho_2d': lambda: tu.new_orthonormal_matrix_2d(5),
             'sym_2d': lambda: tu.new_sym_matrix_with_real_eigvals_2d(4),
             'sym_nd': lambda: tu.new_sym_matrix_with_real_eigvals_nd((3, 2, 2, 2))}
    for name, call in calls.items():
        np.random.seed(meta[name]['seed'])
        got = call()
        assert got.dtype.name == meta[name]['dtype'] and list(got.shape) == meta[name]['shape']
        np.testing.assert_allclose(got, arrays[name], rtol=1e-10, atol=1e-12)
    # the properties the linalg tests rely on
    assert np.isrealobj(np.linalg.eigvals(arrays['real_2d'])) or \
        np.allclose(np.linalg.eigvals(arrays['real_2d']).imag, 0)
    q = arrays['ortho_2d']
    np.testing.assert_allclose(q @ q.T, np.eye(5), atol=1e-12)
    for s in arrays['sym_nd'].reshape(-1, 2, 2):
        np.testing.assert_allclose(s, s.T, atol=1e-12)
    for name, fn in [('identity', lambda: tu.get_identity_mat(3)),
                     ('identity_batch', lambda: tu.get_identity_mat_batch(3))]:
        arr = fn()
        assert type(arr).__name__ == meta[name]['type']
        assert np.dtype(arr.dtype).name == meta[name]['dtype']
        np.testing.assert_array_equal(arr.asnumpy(), arrays[name])


def test_shuffle_csr_column_indices():
    rec = CASES['matrices']['shuffle_csr']
    dense = np.array(rec['dense_in'], dtype=np.float32)
    nz = np.nonzero(dense)
    parts = types.SimpleNamespace(indptr=np.concatenate([[0], np.cumsum((dense != 0).sum(1))]),
                                  indices=nz[1].astype(np.int64), data=dense[nz])
    np.random.seed(rec['seed'])
    assert repr(tu.shuffle_csr_column_indices(parts)) == rec['returns']
    assert parts.indices.tolist() == rec['indices'] and parts.data.tolist() == rec['data']
    assert float(np.random.rand()) == rec['next_draw']
    # MXNet's raises TypeError on its own CSRNDArray; tfmod's shuffles one in place, the same way
    csr = mx.nd.array(dense).tostype('csr')
    np.random.seed(rec['seed'])
    tu.shuffle_csr_column_indices(csr)
    assert csr.indices.asnumpy().tolist() == rec['indices']
    assert csr.indptr.asnumpy().tolist() == rec['indptr']
    assert csr.data.asnumpy().tolist() == rec['data']
    want = np.zeros_like(dense)
    for r in range(dense.shape[0]):
        lo, hi = rec['indptr'][r], rec['indptr'][r + 1]
        want[r, rec['indices'][lo:hi]] = rec['data'][lo:hi]
    np.testing.assert_array_equal(csr.asnumpy(), want)


def test_environment_helpers():
    env = CASES['env']
    assert tu.has_tvm_ops() == env['has_tvm_ops']
    assert tu.is_op_runnable() == env['is_op_runnable']
    assert tu.is_aarch64_run() == (os.uname().machine == 'aarch64')


def test_get_im2rec_path(tmp_path, monkeypatch):
    env = CASES['env']
    monkeypatch.setenv('MXNET_HOME', str(tmp_path / 'nothing'))
    with pytest.raises(OSError) as e:
        tu.get_im2rec_path()
    assert env['im2rec_missing']['verdict'] == 'OSError'
    assert isinstance(e.value, mx.base.MXNetError)
    assert str(e.value).startswith(env['im2rec_missing']['message'])
    assert 'tfmod ships no im2rec.py' in str(e.value) and 'MXNET_HOME' in str(e.value)
    (tmp_path / 'src' / 'tools').mkdir(parents=True)
    (tmp_path / 'src' / 'tools' / 'im2rec.py').write_text('')
    (tmp_path / 'src' / 'python' / 'mxnet').mkdir(parents=True)
    for home, key in [('src', 'im2rec_home'), ('src/python/mxnet', 'im2rec_built')]:
        monkeypatch.setenv('MXNET_HOME', str(tmp_path / home))
        assert os.path.relpath(tu.get_im2rec_path(), tmp_path) == env[key]
    monkeypatch.setenv('OTHER_HOME', str(tmp_path / 'src'))
    assert os.path.relpath(tu.get_im2rec_path('OTHER_HOME'), tmp_path) == env['im2rec_other_env']
    monkeypatch.delenv('MXNET_HOME')
    with pytest.raises(OSError):  # tfmod's own package has no tools/im2rec.py
        tu.get_im2rec_path()


def test_download_model_offline(tmp_path, monkeypatch):
    env = CASES['env']
    monkeypatch.chdir(tmp_path)
    assert list(tu.download_model('no-such-model')) == env['download_unknown']
    os.makedirs('models')
    for suffix in ('-symbol.json', '-0000.params'):
        open(os.path.join('models', 'imagenet1k-resnet-18' + suffix), 'w').close()
    assert list(tu.download_model('imagenet1k-resnet-18', dst_dir='models')) \
        == env['download_present']
    os.makedirs('new_dir')
    for suffix in ('-symbol.json', '-0000.params'):
        open(os.path.join('new_dir', 'mine' + suffix), 'w').close()
    meta = {'mine': {'symbol': 'http://127.0.0.1:9/a', 'params': 'http://127.0.0.1:9/b'}}
    assert list(tu.download_model('mine', dst_dir='new_dir', meta_info=meta)) \
        == env['download_meta_present']
    got = outcome(lambda: tu.download_model('x', dst_dir='models',
                                            meta_info={'x': {'params': 'u'}}))
    assert got == env['download_no_symbol_url']
    # a file that is not there and cannot be fetched: MXNetError naming URL and destination
    with pytest.raises(mx.base.MXNetError, match=r'127\.0\.0\.1:9/a.*fresh-symbol\.json'):
        tu.download_model('fresh', dst_dir='new_dir', meta_info={'fresh': meta['mine']})
    # MXNet's table, under its names
    table = tu._default_model_info()
    assert table['imagenet1k-inception-bn']['params'].endswith(
        'imagenet/inception-bn/Inception-BN-0126.params')
    assert len(table) == 12


def test_check_gluon_hybridize_consistency_is_refused():
    with pytest.raises(mx.base.MXNetError, match='NumPy interface'):
        tu.check_gluon_hybridize_consistency(lambda prefix: None, [mx.nd.ones((2,))])
