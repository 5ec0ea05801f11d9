"""mx.test_utils against MXNet 1.9.1 (tests/fixtures/test_utils, tools/record_testutils_svrg.py):
assert_almost_equal's verdicts, messages and printed tables; the seeded random helpers;
check_numeric_gradient / check_symbolic_forward / check_symbolic_backward verdicts; and
get_mnist_iterator's batches on a tiny synthetic MNIST, shuffled exactly as MNISTIter does."""
import contextlib
import gzip
import io
import json
import os
import struct
import sys
import zipfile

import numpy as np
import pytest

import tfmod as mx
from tfmod import test_utils as tu
from tfmod.io import dataset_files
from tfmod.io.mnist_files import mnist_shuffle_order

FIX = os.path.join(os.path.dirname(__file__), 'fixtures', 'test_utils')
CASES = json.load(open(os.path.join(FIX, 'cases.json')))
SYM = CASES['symbolic']


def _verdict(fn):
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            fn()
        return 'pass', '', out.getvalue()
    except Exception as e:  # noqa: BLE001 -- the verdict is compared with MXNet's
        return type(e).__name__, str(e), out.getvalue()


@pytest.mark.parametrize('case', CASES['assert_cases'], ids=lambda c: c['name'])
def test_assert_almost_equal_matches_mxnet(case):
    a = np.array(case['a'], dtype=case['a_dtype'])
    b = np.array(case['b'], dtype=case['b_dtype'])
    kw = {k: tuple(v) if isinstance(v, list) else v for k, v in case['kwargs'].items()}
    verdict, msg, printed = _verdict(lambda: tu.assert_almost_equal(a, b, **kw))
    assert (verdict, msg, printed) == (case['verdict'], case['message'], case['printed'])
    if case['nd_verdict'] is not None:
        nd_verdict, nd_msg, _ = _verdict(lambda: tu.assert_almost_equal(
            mx.nd.array(a, dtype=a.dtype), mx.nd.array(b, dtype=b.dtype), **kw))
        assert nd_verdict == case['nd_verdict']
        if nd_verdict == 'AssertionError':
            assert nd_msg == case['nd_message']
    if case['name'] != 'broadcast':
        kw_ae = {k: v for k, v in kw.items() if k in ('rtol', 'atol', 'equal_nan')}
        assert bool(tu.almost_equal(a, b, **kw_ae)) == case['almost_equal']


def test_assert_almost_equal_ignore_nan():
    ign = CASES['ignore_nan']
    assert _verdict(lambda: tu.assert_almost_equal_ignore_nan(
        np.array([1.0, np.nan, 3.0], np.float32),
        np.array([np.nan, 2.0, 3.0], np.float32)))[0] == ign['ignore_nan_pass']
    v, msg, _ = _verdict(lambda: tu.assert_almost_equal_ignore_nan(
        np.array([1.0, np.nan, 3.0], np.float32), np.array([np.nan, 2.0, 3.5], np.float32)))
    assert (v, msg) == (ign['ignore_nan_fail'], ign['ignore_nan_fail_msg'])
    # MXNet 1.9.1 dropped almost_equal_ignore_nan; earlier 1.x releases had it
    assert tu.almost_equal_ignore_nan(np.array([1.0, np.nan]), np.array([np.nan, 1.0]))
    assert not tu.almost_equal_ignore_nan(np.array([1.0, 2.0]), np.array([np.nan, 1.0]))


def test_tolerance_defaults_and_np_reduce():
    r = CASES['random']
    assert [tu.get_atol(), tu.get_atol(0.5), tu.get_atol(None, np.dtype(np.float32))] == \
        r['get_atol']
    assert [tu.get_rtol(), tu.get_rtol(0.5), tu.get_rtol(None, np.dtype(np.float16))] == \
        r['get_rtol']
    assert [tu.get_etol(), tu.get_etol(0.2)] == r['get_etol']
    assert tu.default_dtype() is np.float32
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    assert tu.np_reduce(x, (0, 2), True, np.sum).tolist() == r['np_reduce_sum_01_keep']
    assert tu.np_reduce(x, None, False, np.max).tolist() == r['np_reduce_max_none']
    assert tu.np_reduce(x, 1, False, np.sum).tolist() == r['np_reduce_int_axis']
    assert tu.same(x, x.copy()) and not tu.same(x, x + 1)


def test_random_helpers_draw_as_mxnet():
    r = CASES['random']
    np.random.seed(3)
    assert [list(map(int, tu.rand_shape_2d())) for _ in range(5)] == r['rand_shape_2d']
    np.random.seed(4)
    assert [list(map(int, tu.rand_shape_3d(3, 4, 5))) for _ in range(5)] == r['rand_shape_3d']
    np.random.seed(5)
    assert [list(map(int, tu.rand_shape_nd(4, 6))) for _ in range(5)] == r['rand_shape_nd']
    np.random.seed(6)
    assert [list(map(int, tu.rand_shape_nd(3, 2, allow_zero_size=True)))
            for _ in range(8)] == r['rand_shape_nd_zero']
    np.random.seed(7)
    ra = tu.random_arrays((2, 3), (4,), ())
    assert [str(a.dtype) for a in ra] == r['random_arrays_dtypes']
    for got, want in zip(ra, r['random_arrays']):
        np.testing.assert_array_equal(got, np.array(want, np.float32))
    np.random.seed(8)
    assert tu.random_sample(list(range(10)), 4) == r['random_sample']
    np.random.seed(9)
    nd = tu.rand_ndarray((3, 2))
    assert isinstance(nd, mx.nd.NDArray) and nd.dtype == np.float32
    np.testing.assert_array_equal(nd.asnumpy(), np.array(r['rand_ndarray'], np.float32))
    np.random.seed(9)
    nd64 = tu.rand_ndarray((3, 2), dtype='float64')
    assert nd64.dtype == np.float64
    np.testing.assert_array_equal(nd64.asnumpy(), np.array(r['rand_ndarray_f64']))
    assert tu.rand_ndarray((3, 2), stype='csr', density=0.5).stype == 'csr'  # test_sparse.py


def _dot_setup():
    a, b = mx.sym.Variable('a'), mx.sym.Variable('b')
    return a, b, np.array([[1., 2.], [3., 4.]]), np.array([[5., 6.], [7., 8.]])


def test_check_symbolic_forward():
    a, b, m1, m2 = _dot_setup()
    with mx.name.NameManager():     # MXNet's message names dot0: fresh auto-name counters
        dot = mx.sym.dot(a, b)
    assert list(_verdict(lambda: tu.check_symbolic_forward(
        dot, [m1, m2], [np.array([[19., 22.], [43., 50.]])]))[:2]) == SYM['fwd_dot_ok']
    assert list(_verdict(lambda: tu.check_symbolic_forward(
        dot, [m1, m2], [np.array([[19., 22.], [43., 51.]])]))[:2]) == SYM['fwd_dot_bad']
    assert list(_verdict(lambda: tu.check_symbolic_forward(
        dot, {'a': m1, 'b': m2}, {dot.list_outputs()[0]: m1.dot(m2)}))[:2]) == SYM['fwd_dict']
    v, msg, _ = _verdict(lambda: tu.check_symbolic_forward(dot, {'a': m1}, [m1.dot(m2)]))
    assert v == SYM['fwd_bad_keys'][0] and msg.startswith(
        'Symbol arguments and keys of the given location do not match.')
    outs = tu.check_symbolic_forward(dot, [m1, m2], [m1.dot(m2)])
    assert [o.asnumpy().tolist() for o in outs] == SYM['fwd_returns']
    assert tu.simple_forward(dot, a=m1, b=m2).tolist() == SYM['simple_forward']


def test_check_symbolic_backward():
    a, b, m1, m2 = _dot_setup()
    add = mx.sym.elemwise_add(a, b)
    og = np.ones((2, 2))
    assert list(_verdict(lambda: tu.check_symbolic_backward(
        add, [m1, m2], [og], [og, og]))[:2]) == SYM['bwd_add_ok']
    assert list(_verdict(lambda: tu.check_symbolic_backward(
        add, [m1, m2], [og], [og, 2 * og]))[:2]) == SYM['bwd_add_bad']
    mul = a * b
    assert list(_verdict(lambda: tu.check_symbolic_backward(
        mul, [m1, m2], [og], {'a': m2, 'b': m1}, grad_req='add'))[:2]) == SYM['bwd_mul_add']
    assert list(_verdict(lambda: tu.check_symbolic_backward(
        mul, [m1, m2], [og], {'a': m2, 'b': m1},
        grad_req={'a': 'write', 'b': 'null'}))[:2]) == SYM['bwd_mul_null']
    res = tu.check_symbolic_backward(mul, [m1, m2], [2 * og], {'a': 2 * m2, 'b': 2 * m1})
    assert {k: v.asnumpy().tolist() for k, v in res.items()} == SYM['bwd_returns']


def test_check_numeric_gradient_verdicts():
    data = mx.sym.Variable('data')
    np.random.seed(12)
    x = np.random.uniform(-1, 1, (3, 4))
    assert list(_verdict(lambda: tu.check_numeric_gradient(mx.sym.tanh(data), [x]))[:2]) == \
        SYM['ngrad_tanh']
    np.random.seed(13)
    w = np.random.uniform(-1, 1, (5, 4))
    bias = np.random.uniform(-1, 1, (5,))
    fc = mx.sym.FullyConnected(data, num_hidden=5, name='fc')
    assert _verdict(lambda: tu.check_numeric_gradient(fc, [x, w, bias]))[0] == \
        SYM['ngrad_fc'][0]
    assert _verdict(lambda: tu.check_numeric_gradient(
        fc, {'data': x, 'fc_weight': w, 'fc_bias': bias}, grad_nodes=['fc_weight']))[0] == \
        SYM['ngrad_fc_nodes'][0]
    np.random.seed(23)
    assert _verdict(lambda: tu.check_numeric_gradient(
        fc, [x, w, bias], grad_nodes={'data': 'add', 'fc_weight': 'write',
                                      'fc_bias': 'null'}))[0] == SYM['ngrad_fc_req_dict'][0]
    np.random.seed(14)
    assert _verdict(lambda: tu.check_numeric_gradient(
        mx.sym.sigmoid(data), [x], dtype=np.float64, numeric_eps=1e-6, rtol=1e-5,
        atol=1e-7))[0] == SYM['ngrad_sigmoid_f64'][0]
    np.random.seed(15)
    xb = np.random.uniform(-1, 1, (4, 3))
    bn = mx.sym.BatchNorm(data, name='bn', fix_gamma=False)
    assert _verdict(lambda: tu.check_numeric_gradient(
        bn, [xb, np.ones(3), np.zeros(3)], aux_states=[np.zeros(3), np.ones(3)],
        rtol=0.05, atol=1e-3))[0] == SYM['ngrad_bn_aux'][0]


@pytest.mark.parametrize('case,seed', [('ngrad_blockgrad', 21), ('ngrad_makeloss', 22)])
def test_check_numeric_gradient_catches_wrong_gradients(case, seed):
    """A wrong backward fails with MXNet's message: same random projection (numpy seeded as
    in the recording), same finite differences, same worst element."""
    data = mx.sym.Variable('data')
    sym = mx.sym.BlockGrad(data) * 1.0 if case == 'ngrad_blockgrad' \
        else mx.sym.MakeLoss(data * 2.0)
    x = np.array(SYM['x'])
    np.random.seed(seed)
    v, msg, _ = _verdict(lambda: tu.check_numeric_gradient(sym, [x]))
    assert [v, msg] == SYM[case]


def test_numeric_grad_and_consistency():
    data = mx.sym.Variable('data')
    x = np.array(SYM['x'])
    exe = (data * data).bind(mx.cpu(), {'data': mx.nd.array(x)})
    ng = tu.numeric_grad(exe, {'data': x.astype(np.float32)}, eps=1e-2)
    np.testing.assert_allclose(ng['data'], np.array(SYM['numeric_grad_square']), rtol=1e-5,
                               atol=1e-5)
    fc = mx.sym.FullyConnected(data, num_hidden=5, name='fc')
    ctxs = [{'ctx': mx.cpu(0), 'data': (2, 4), 'type_dict': {'data': np.float32}},
            {'ctx': mx.cpu(1), 'data': (2, 4), 'type_dict': {'data': np.float64}}]
    np.random.seed(16)
    gt = tu.check_consistency(fc, ctxs)
    assert sorted(gt.keys()) == SYM['consistency_keys']
    assert str(gt['fc_output'].dtype) == SYM['consistency_gt_dtype']


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
def _write_idx(path, arr, magic, opener=open):
    with opener(path, 'wb') as f:
        f.write(struct.pack('>I', magic))
        for d in arr.shape:
            f.write(struct.pack('>I', d))
        f.write(arr.astype(np.uint8).tobytes())


def _synthetic_mnist(root):
    """The recorder's tiny MNIST: 10 train and 6 test 28x28 images in data/."""
    os.makedirs(os.path.join(root, 'data'), exist_ok=True)
    rng = np.random.RandomState(0)
    tr = rng.randint(0, 256, (10, 28, 28))
    te = rng.randint(0, 256, (6, 28, 28))
    _write_idx(os.path.join(root, 'data', 'train-images-idx3-ubyte'), tr, 2051)
    _write_idx(os.path.join(root, 'data', 'train-labels-idx1-ubyte'), np.arange(10), 2049)
    _write_idx(os.path.join(root, 'data', 't10k-images-idx3-ubyte'), te, 2051)
    _write_idx(os.path.join(root, 'data', 't10k-labels-idx1-ubyte'),
               np.array([3, 1, 4, 1, 5, 9]), 2049)
    return tr, te


def test_get_mnist_iterator_matches_mnistiter(tmp_path, monkeypatch):
    _synthetic_mnist(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    want = np.load(os.path.join(FIX, 'mnist.npz'))
    meta = CASES['mnist']
    for tag, shape, bs in (('flat', (784,), 4), ('img', (1, 28, 28), 3)):
        its = dict(zip(('train', 'val'), tu.get_mnist_iterator(bs, shape)))
        for which, it in its.items():
            key = '%s_%s' % (tag, which)
            assert [(d.name, list(d.shape)) for d in it.provide_data] == \
                [tuple(x) for x in meta[key]['provide_data']]
            assert [(d.name, list(d.shape)) for d in it.provide_label] == \
                [tuple(x) for x in meta[key]['provide_label']]
            for epoch in range(2):
                it.reset()
                batches = list(it)
                assert [b.pad for b in batches] == meta[key]['pads_e%d' % epoch]
                np.testing.assert_array_equal(
                    np.stack([b.data[0].asnumpy() for b in batches]),
                    want['%s_e%d_data' % (key, epoch)])
                np.testing.assert_array_equal(
                    np.stack([b.label[0].asnumpy() for b in batches]),
                    want['%s_e%d_label' % (key, epoch)])
    tr, va = tu.get_mnist_iterator(2, (784,), num_parts=2, part_index=1)
    np.testing.assert_array_equal(np.stack([b.label[0].asnumpy() for b in va]),
                                  want['part1_val_label'])
    np.testing.assert_array_equal(np.stack([b.label[0].asnumpy() for b in tr]),
                                  want['part1_train_label'])


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
    tr, te = _synthetic_mnist(str(tmp_path))
    for split, imgs, labels in (('train', tr, np.arange(10)),
                                ('t10k', te, np.array([3, 1, 4, 1, 5, 9]))):
        _write_idx('%s-images-idx3-ubyte.gz' % split, imgs, 2051, gzip.open)
        _write_idx('%s-labels-idx1-ubyte.gz' % split, labels, 2049, gzip.open)
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
