"""mx.test_utils against MXNet 1.9.1 (tests/fixtures/test_utils, tools/record_testutils_svrg.py):
assert_almost_equal's verdicts, messages and printed tables; the seeded random helpers;
check_numeric_gradient / check_symbolic_forward / check_symbolic_backward verdicts; and
get_mnist_iterator's batches on a tiny synthetic MNIST, shuffled exactly as MNISTIter does."""
import contextlib
import gzip
import io
import json
import os
import sys
import zipfile

import numpy as np
import pytest

from support import testutils_svrg_programs as P
import tfmod as mx
from support.testutils_svrg_programs import verdict
from tfmod import test_utils as tu
from tfmod.io import dataset_files
from tfmod.io.mnist_files import mnist_shuffle_order

FIX = os.path.join(os.path.dirname(__file__), 'fixtures', 'test_utils')
CASES = json.load(open(os.path.join(FIX, 'cases.json')))
SYM = CASES['symbolic']


@pytest.mark.parametrize('case', CASES['assert_cases'], ids=lambda c: c['name'])
def test_assert_almost_equal_matches_mxnet(case):
    a = np.array(case['a'], dtype=case['a_dtype'])
    b = np.array(case['b'], dtype=case['b_dtype'])
    kw = {k: tuple(v) if isinstance(v, list) else v for k, v in case['kwargs'].items()}
    outcome = verdict(lambda: tu.assert_almost_equal(a, b, **kw))
    assert outcome == (case['verdict'], case['message'], case['printed'])
    if case['nd_verdict'] is not None:
        nd_verdict, nd_msg, _ = verdict(lambda: tu.assert_almost_equal(
            mx.nd.array(a, dtype=a.dtype), mx.nd.array(b, dtype=b.dtype), **kw))
        assert nd_verdict == case['nd_verdict']
        if nd_verdict == 'AssertionError':
            assert nd_msg == case['nd_message']
    if case['name'] != 'broadcast':
        kw_ae = {k: v for k, v in kw.items() if k in ('rtol', 'atol', 'equal_nan')}
        assert bool(tu.almost_equal(a, b, **kw_ae)) == case['almost_equal']


def test_assert_almost_equal_ignore_nan():
    ign = CASES['ignore_nan']
    assert verdict(lambda: tu.assert_almost_equal_ignore_nan(
        np.array([1.0, np.nan, 3.0], np.float32),
        np.array([np.nan, 2.0, 3.0], np.float32)))[0] == ign['ignore_nan_pass']
    v, msg, _ = verdict(lambda: tu.assert_almost_equal_ignore_nan(
        np.array([1.0, np.nan, 3.0], np.float32), np.array([np.nan, 2.0, 3.5], np.float32)))
    assert (v, msg) == (ign['ignore_nan_fail'], ign['ignore_nan_fail_msg'])
    # MXNet 1.9.1 dropped almost_equal_ignore_nan; earlier 1.x releases had it
    assert tu.almost_equal_ignore_nan(np.array([1.0, np.nan]), np.array([np.nan, 1.0]))
    assert not tu.almost_equal_ignore_nan(np.array([1.0, 2.0]), np.array([np.nan, 1.0]))


def test_tolerance_defaults_and_np_reduce():
    got = P.reductions_and_tolerances(tu)
    assert got == {k: CASES['random'][k] for k in got}
    assert tu.default_dtype() is np.float32
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    assert tu.same(x, x.copy()) and not tu.same(x, x + 1)


def test_random_helpers_draw_as_mxnet():
    got = P.random_draws(tu)
    assert got == {k: CASES['random'][k] for k in got}
    assert isinstance(tu.rand_ndarray((3, 2)), mx.nd.NDArray)
    assert tu.rand_ndarray((3, 2), stype='csr', density=0.5).stype == 'csr'  # test_sparse.py


def _same_outcomes(got, full=()):
    """Every outcome has MXNet's verdict; those in ``full`` its message too (the others name
    numbers that differ in the last digits)."""
    for key, value in got.items():
        value = list(value) if isinstance(value, tuple) else value
        if key in full:
            assert value == SYM[key], key
        else:
            assert value[:1] == SYM[key][:1], key


def test_check_symbolic_forward():
    got = P.forward_checks(mx, tu)
    bad_keys = got.pop('fwd_bad_keys')      # MXNet's message prints a set: its order varies
    assert bad_keys[0] == SYM['fwd_bad_keys'][0] and bad_keys[1].startswith(
        'Symbol arguments and keys of the given location do not match.')
    _same_outcomes(got, full=got)


def test_check_symbolic_backward():
    got = P.backward_checks(mx, tu)
    _same_outcomes(got, full=got)


def test_check_numeric_gradient_verdicts():
    got = P.numeric_gradient_checks(mx, tu)
    assert got.pop('x') == SYM['x']
    _same_outcomes(got, full=('ngrad_tanh', 'ngrad_blockgrad', 'ngrad_makeloss'))


def test_wrong_gradients_fail_with_mxnets_message():
    """A wrong backward fails with MXNet's message: same random projection (numpy seeded as
    in the recording), same finite differences, same worst element."""
    got = P.wrong_gradient_checks(mx, tu, np.array(SYM['x']))
    _same_outcomes(got, full=got)


def test_numeric_grad_and_consistency():
    got = P.numeric_grad_and_consistency(mx, tu, np.array(SYM['x']))
    np.testing.assert_allclose(got.pop('numeric_grad_square'),
                               np.array(SYM['numeric_grad_square']), rtol=1e-5, atol=1e-5)
    assert got == {k: SYM[k] for k in got}


def test_environment_set_env_var_and_stderr(tmp_path):
    os.environ.pop('TFMOD_TU_A', None)
    with tu.environment('TFMOD_TU_A', '1'):
        assert os.environ['TFMOD_TU_A'] == '1'
    assert 'TFMOD_TU_A' not in os.environ

    @tu.environment({'TFMOD_TU_A': '2', 'HOME': None})
    def body():
        return os.environ.get('TFMOD_TU_A'), os.environ.get('HOME')
    home = os.environ.get('HOME')
    assert body() == ('2', None)
    assert os.environ.get('HOME') == home
    assert tu.set_env_var('TFMOD_TU_A', 'x', 'unset') == 'unset'
    assert tu.set_env_var('TFMOD_TU_A', 'y') == 'x'
    del os.environ['TFMOD_TU_A']
    with tu.discard_stderr():
        sys.stderr.write('')
    assert list(tu.list_gpus()) == list(range(mx.context.num_gpus()))
    tu.assert_exception(lambda: 1 / 0, ZeroDivisionError)
    with pytest.raises(AssertionError):
        tu.assert_exception(lambda: None, ZeroDivisionError)


# -- datasets -------------------------------------------------------------------------------------
def test_get_mnist_iterator_matches_mnistiter(tmp_path, monkeypatch):
    P.synthetic_mnist(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    want = np.load(os.path.join(FIX, 'mnist.npz'))
    arrays, meta = P.mnist_iterator_runs(tu)
    assert json.loads(json.dumps(meta)) == {k: CASES['mnist'][k] for k in meta}
    assert sorted(arrays) == sorted(want.files)
    for key, value in arrays.items():
        np.testing.assert_array_equal(value, want[key], err_msg=key)


def test_mnist_shuffle_order_is_mnistiters():
    assert mnist_shuffle_order(11, 5).tolist() == CASES['mnist']['shuffle_n11_seed5']
    assert mnist_shuffle_order(1000, 0).tolist() == CASES['mnist']['shuffle_n1000_seed0']


def test_dataset_helpers_offline(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # missing files, no network: the error names the file and where to put it
    monkeypatch.setattr(dataset_files, '_MNIST_URL', 'http://127.0.0.1:9/mnist/')
    out = io.StringIO()
    with contextlib.redirect_stdout(out), \
            pytest.raises(mx.base.MXNetError, match='train-labels-idx1-ubyte.gz'):
        tu.get_mnist()
    # MXNet's retry count: 5 attempts in all
    assert out.getvalue().splitlines() == ['download failed, retrying, %d attempt%s left'
                                           % (n, 's' if n > 1 else '') for n in (4, 3, 2, 1)]
    with pytest.raises(mx.base.MXNetError, match='place the file at .*mnist.zip'):
        tu.download('http://127.0.0.1:9/x/mnist.zip', dirname='data', retries=0)
    real_download = dataset_files.download
    monkeypatch.setattr(dataset_files, 'download', lambda url, **kw: real_download(
        url.replace('http://data.mxnet.io', 'http://127.0.0.1:9'), retries=0, **kw))
    with pytest.raises(mx.base.MXNetError,
                       match='mnist.zip.*extracted files there.*t10k-labels-idx1-ubyte'):
        tu.get_mnist_iterator(4, (784,))
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    # files placed by hand are used as they are
    tr, te = P.synthetic_mnist(str(tmp_path))
    for split, imgs, labels in (('train', tr, np.arange(10)),
                                ('t10k', te, np.array([3, 1, 4, 1, 5, 9]))):
        P.write_idx('%s-images-idx3-ubyte.gz' % split, imgs, 2051, gzip.open)
        P.write_idx('%s-labels-idx1-ubyte.gz' % split, labels, 2049, gzip.open)
    m = tu.get_mnist()
    assert m['train_data'].shape == (10, 1, 28, 28) and m['train_data'].dtype == np.float32
    np.testing.assert_allclose(m['test_data'][:, 0], te / 255.0, rtol=1e-6)
    assert m['test_label'].dtype == np.int8 and m['test_label'].tolist() == [3, 1, 4, 1, 5, 9]
    # an archive placed in data/ is extracted, as after MXNet's download
    with zipfile.ZipFile('data/cifar10.zip', 'w') as zf:
        for name in ('train.rec', 'test.rec', 'train.lst', 'test.lst'):
            zf.writestr('cifar/' + name, b'x')
    tu.get_cifar10()
    assert os.path.exists('data/cifar/test.lst')
    import bz2
    with bz2.open('data/kdda.t.bz2', 'wb') as f:
        f.write(b'1 1:0.5\n')
    tu.get_bz2_data('data', 'kdda.t', 'http://127.0.0.1:9/kdda.t.bz2', 'kdda.t.bz2')
    assert open('data/kdda.t', 'rb').read() == b'1 1:0.5\n'
    assert not os.path.exists('data/kdda.t.bz2')
    with pytest.raises(mx.base.MXNetError, match='place the decompressed file at'):
        tu.get_bz2_data('data', 'other.t', 'http://127.0.0.1:9/other.t.bz2', 'other.t.bz2')
    with pytest.raises(mx.base.MXNetError, match='ml.zip, with its contents extracted'):
        tu.get_zip_data('data', 'http://127.0.0.1:9/ml.zip', 'ml.zip')
    # as MXNet: an archive already present counts as downloaded and extracted
    with zipfile.ZipFile('data/ml.zip', 'w') as zf:
        zf.writestr('ml/ratings.dat', b'1::2')
    tu.get_zip_data('data', 'http://127.0.0.1:9/ml.zip', 'ml.zip')
    assert not os.path.exists('data/ml')


def test_dummy_iter_and_default_context():
    it = mx.io.NDArrayIter(np.arange(8, dtype=np.float32).reshape(4, 2), batch_size=2)
    dummy = tu.DummyIter(it)
    first = next(dummy)
    assert next(dummy) is first and dummy.provide_data == it.provide_data
    old = tu.default_context()
    try:
        tu.set_default_context(mx.cpu(1))
        assert tu.default_context() == mx.cpu(1) == mx.current_context()
        assert tu.rand_ndarray((2,)).context == mx.cpu(1)
    finally:
        tu.set_default_context(old)
