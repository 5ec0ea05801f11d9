"""Record MXNet 1.9.1's mx.test_utils verdicts and SVRGModule trajectories, for
tests/test_test_utils.py and tests/test_svrg.py. Run with the oracle's python:

    PY=$(../shared/oracle/setup.sh)
    OMP_NUM_THREADS=1 $PY tools/record_testutils_svrg.py

Writes tests/fixtures/test_utils/cases.json (+ mnist.npz) and tests/fixtures/svrg/svrg.npz
(+ svrg.json). Random helpers are recorded after np.random.seed(k): test_utils draws from numpy's
global generator, so the same seed must give the same shapes and arrays.
"""
import contextlib
import io
import json
import logging
import os
import struct
import sys
import tempfile

import numpy as np
import mxnet as mx
from mxnet import test_utils as tu
from mxnet.contrib.svrg_optimization.svrg_module import SVRGModule

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures')


def _raises(fn):
    """(verdict, message): 'pass', or the exception type name and its text."""
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            fn()
        return 'pass', '', out.getvalue()
    except Exception as e:  # noqa: BLE001 -- the verdict is what we record
        return type(e).__name__, str(e), out.getvalue()


def record_assert_cases():
    """assert_almost_equal / almost_equal at and around the default tolerance boundary."""
    cases = []
    f32 = np.float32
    inputs = {
        'f32_inside': (np.array([1.0, 2.0, 3.0], f32), np.array([1.0, 2.0, 3.0011], f32), {}),
        'f32_outside': (np.array([1.0, 2.0, 3.0], f32), np.array([1.0, 2.0, 3.01], f32), {}),
        'f64_outside': (np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 2.0001], [3.0, 4.0]]),
                        {}),
        'f64_inside': (np.array([1.0, 2.0]), np.array([1.0, 2.000001]), {}),
        'names_rtol': (np.arange(12, dtype=f32).reshape(3, 4),
                       np.arange(12, dtype=f32).reshape(3, 4) * 1.1,
                       {'rtol': 1e-2, 'atol': 1e-3, 'names': ('x', 'y')}),
        'nan_default': (np.array([1.0, np.nan], f32), np.array([1.0, np.nan], f32), {}),
        'nan_equal': (np.array([1.0, np.nan], f32), np.array([1.0, np.nan], f32),
                      {'equal_nan': True}),
        'mixed_f16_f32': (np.array([1.0, 2.0], np.float16), np.array([1.0, 2.05], f32), {}),
        'int_exact': (np.array([1, 2, 3]), np.array([1, 2, 4]), {}),
        'broadcast': (np.ones((2, 3), f32), np.ones((3,), f32), {}),
        'scalar_f64': (np.array(1.0), np.array(1.0 + 1e-3), {}),
        'many_mismatch': (np.zeros((4, 5), f32), np.linspace(0, 1, 20).astype(f32).reshape(4, 5),
                          {'mismatches': (3, 5)}),
    }
    for name, (a, b, kw) in inputs.items():
        verdict, msg, printed = _raises(lambda: tu.assert_almost_equal(a, b, **kw))
        nd_verdict, nd_msg, _ = _raises(
            lambda: tu.assert_almost_equal(mx.nd.array(a, dtype=a.dtype),
                                           mx.nd.array(b, dtype=b.dtype), **kw)) \
            if a.ndim and b.ndim and a.dtype != np.int64 else (None, None, None)
        kw_ae = {k: v for k, v in kw.items() if k in ('rtol', 'atol', 'equal_nan')}
        cases.append({'name': name, 'a': a.tolist(), 'b': b.tolist(), 'a_dtype': str(a.dtype),
                      'b_dtype': str(b.dtype),
                      'kwargs': {k: (list(v) if isinstance(v, tuple) else v)
                                 for k, v in kw.items()},
                      'verdict': verdict, 'message': msg, 'printed': printed,
                      'nd_verdict': nd_verdict, 'nd_message': nd_msg,
                      'almost_equal': bool(tu.almost_equal(a, b, **kw_ae))
                      if name != 'broadcast' else True})
    np.set_printoptions(edgeitems=3, infstr='inf', linewidth=75, nanstr='nan', precision=8,
                        suppress=False, threshold=1000, formatter=None)
    ign = _raises(lambda: tu.assert_almost_equal_ignore_nan(
        np.array([1.0, np.nan, 3.0], np.float32), np.array([np.nan, 2.0, 3.0], np.float32)))
    ign2 = _raises(lambda: tu.assert_almost_equal_ignore_nan(
        np.array([1.0, np.nan, 3.0], np.float32), np.array([np.nan, 2.0, 3.5], np.float32)))
    return cases, {'ignore_nan_pass': ign[0], 'ignore_nan_fail': ign2[0],
                   'ignore_nan_fail_msg': ign2[1],
                   'ignore_nan_equal': bool(tu.almost_equal_ignore_nan(
                       np.array([1.0, np.nan]), np.array([np.nan, 1.0])))
                   if hasattr(tu, 'almost_equal_ignore_nan') else None}


def record_random():
    out = {}
    np.random.seed(3)
    out['rand_shape_2d'] = [list(map(int, tu.rand_shape_2d())) for _ in range(5)]
    np.random.seed(4)
    out['rand_shape_3d'] = [list(map(int, tu.rand_shape_3d(3, 4, 5))) for _ in range(5)]
    np.random.seed(5)
    out['rand_shape_nd'] = [list(map(int, tu.rand_shape_nd(4, 6))) for _ in range(5)]
    np.random.seed(6)
    out['rand_shape_nd_zero'] = [list(map(int, tu.rand_shape_nd(3, 2, allow_zero_size=True)))
                                 for _ in range(8)]
    np.random.seed(7)
    ra = tu.random_arrays((2, 3), (4,), ())
    out['random_arrays'] = [a.tolist() for a in ra]
    out['random_arrays_dtypes'] = [str(a.dtype) for a in ra]
    np.random.seed(8)
    out['random_sample'] = tu.random_sample(list(range(10)), 4)
    np.random.seed(9)
    r = tu.rand_ndarray((3, 2))
    out['rand_ndarray'] = r.asnumpy().tolist()
    out['rand_ndarray_dtype'] = str(r.dtype)
    np.random.seed(9)
    out['rand_ndarray_f64'] = tu.rand_ndarray((3, 2), dtype='float64').asnumpy().tolist()
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    out['np_reduce_sum_01_keep'] = tu.np_reduce(x, (0, 2), True, np.sum).tolist()
    out['np_reduce_max_none'] = tu.np_reduce(x, None, False, np.max).tolist()
    out['np_reduce_int_axis'] = tu.np_reduce(x, 1, False, np.sum).tolist()
    out['get_atol'] = [tu.get_atol(), tu.get_atol(0.5), tu.get_atol(None, np.dtype(np.float32))]
    out['get_rtol'] = [tu.get_rtol(), tu.get_rtol(0.5), tu.get_rtol(None, np.dtype(np.float16))]
    out['get_etol'] = [tu.get_etol(), tu.get_etol(0.2)]
    return out


def record_symbolic():
    """check_symbolic_forward/backward and check_numeric_gradient verdicts."""
    out = {}
    a = mx.sym.Variable('a')
    b = mx.sym.Variable('b')
    m1 = np.array([[1., 2.], [3., 4.]])
    m2 = np.array([[5., 6.], [7., 8.]])
    dot = mx.sym.dot(a, b)
    out['fwd_dot_ok'] = _raises(lambda: tu.check_symbolic_forward(
        dot, [m1, m2], [np.array([[19., 22.], [43., 50.]])]))[:2]
    out['fwd_dot_bad'] = _raises(lambda: tu.check_symbolic_forward(
        dot, [m1, m2], [np.array([[19., 22.], [43., 51.]])]))[:2]
    out['fwd_dict'] = _raises(lambda: tu.check_symbolic_forward(
        dot, {'a': m1, 'b': m2}, {dot.list_outputs()[0]: m1.dot(m2)}))[:2]
    out['fwd_bad_keys'] = _raises(lambda: tu.check_symbolic_forward(
        dot, {'a': m1}, [m1.dot(m2)]))[:2]
    add = mx.sym.elemwise_add(a, b)
    og = np.ones((2, 2))
    out['bwd_add_ok'] = _raises(lambda: tu.check_symbolic_backward(
        add, [m1, m2], [og], [og, og]))[:2]
    out['bwd_add_bad'] = _raises(lambda: tu.check_symbolic_backward(
        add, [m1, m2], [og], [og, 2 * og]))[:2]
    mul = a * b
    out['bwd_mul_add'] = _raises(lambda: tu.check_symbolic_backward(
        mul, [m1, m2], [og], {'a': m2, 'b': m1}, grad_req='add'))[:2]
    out['bwd_mul_null'] = _raises(lambda: tu.check_symbolic_backward(
        mul, [m1, m2], [og], {'a': m2, 'b': m1}, grad_req={'a': 'write', 'b': 'null'}))[:2]
    # Returned values
    np.random.seed(11)
    res = tu.check_symbolic_backward(mul, [m1, m2], [2 * og], {'a': 2 * m2, 'b': 2 * m1})
    out['bwd_returns'] = {k: v.asnumpy().tolist() for k, v in res.items()}
    fres = tu.check_symbolic_forward(dot, [m1, m2], [m1.dot(m2)])
    out['fwd_returns'] = [o.asnumpy().tolist() for o in fres]
    out['simple_forward'] = tu.simple_forward(dot, a=m1, b=m2).tolist()
    # numeric gradient: correct ops pass, a deliberately wrong gradient fails
    np.random.seed(12)
    x = np.random.uniform(-1, 1, (3, 4))
    data = mx.sym.Variable('data')
    out['ngrad_tanh'] = _raises(lambda: tu.check_numeric_gradient(mx.sym.tanh(data), [x]))[:2]
    np.random.seed(13)
    w = np.random.uniform(-1, 1, (5, 4))
    bias = np.random.uniform(-1, 1, (5,))
    fc = mx.sym.FullyConnected(data, num_hidden=5, name='fc')
    out['ngrad_fc'] = _raises(lambda: tu.check_numeric_gradient(fc, [x, w, bias]))[:2]
    out['ngrad_fc_nodes'] = _raises(lambda: tu.check_numeric_gradient(
        fc, {'data': x, 'fc_weight': w, 'fc_bias': bias}, grad_nodes=['fc_weight']))[:2]
    np.random.seed(23)
    out['ngrad_fc_req_dict'] = _raises(lambda: tu.check_numeric_gradient(
        fc, [x, w, bias], grad_nodes={'data': 'add', 'fc_weight': 'write', 'fc_bias': 'null'}))[:2]
    # BlockGrad's zero gradient is wrong for the identity forward it computes.
    np.random.seed(21)
    out['ngrad_blockgrad'] = _raises(lambda: tu.check_numeric_gradient(
        mx.sym.BlockGrad(data) * 1.0, [x]))[:2]
    # MakeLoss ignores head gradients: d(sum proj*x)/dx is proj, MakeLoss gives 1 -> wrong.
    np.random.seed(22)
    out['ngrad_makeloss'] = _raises(lambda: tu.check_numeric_gradient(
        mx.sym.MakeLoss(data * 2.0), [x]))[:2]
    np.random.seed(14)
    out['ngrad_sigmoid_f64'] = _raises(lambda: tu.check_numeric_gradient(
        mx.sym.sigmoid(data), [x], dtype=np.float64, numeric_eps=1e-6, rtol=1e-5, atol=1e-7))[:2]
    bn = mx.sym.BatchNorm(data, name='bn', fix_gamma=False)
    np.random.seed(15)
    xb = np.random.uniform(-1, 1, (4, 3))
    out['ngrad_bn_aux'] = _raises(lambda: tu.check_numeric_gradient(
        bn, [xb, np.ones(3), np.zeros(3)], aux_states=[np.zeros(3), np.ones(3)],
        rtol=0.05, atol=1e-3))[:2]
    # numeric_grad directly: finite differences of sum(output) on a bound executor
    exe = (data * data).bind(mx.cpu(), {'data': mx.nd.array(x)})
    ng = tu.numeric_grad(exe, {'data': x.astype(np.float32)}, eps=1e-2)
    out['numeric_grad_square'] = ng['data'].tolist()
    out['x'] = x.tolist()
    # check_consistency across two cpu contexts
    ctxs = [{'ctx': mx.cpu(0), 'data': (2, 4), 'type_dict': {'data': np.float32}},
            {'ctx': mx.cpu(1), 'data': (2, 4), 'type_dict': {'data': np.float64}}]
    np.random.seed(16)
    gt = tu.check_consistency(fc, ctxs)
    out['consistency_keys'] = sorted(gt.keys())
    out['consistency_gt_dtype'] = str(gt['fc_output'].dtype)
    return out


def _write_idx(path, arr, magic):
    with open(path, 'wb') as f:
        f.write(struct.pack('>I', magic))
        for d in arr.shape:
            f.write(struct.pack('>I', d))
        f.write(arr.astype(np.uint8).tobytes())


def synthetic_mnist(root):
    """A tiny MNIST in MXNet's layout (data/*-ubyte) under root: 10 train and 6 test images."""
    os.makedirs(os.path.join(root, 'data'), exist_ok=True)
    rng = np.random.RandomState(0)
    tr = rng.randint(0, 256, (10, 28, 28))
    te = rng.randint(0, 256, (6, 28, 28))
    _write_idx(os.path.join(root, 'data', 'train-images-idx3-ubyte'), tr, 2051)
    _write_idx(os.path.join(root, 'data', 'train-labels-idx1-ubyte'), np.arange(10) % 10, 2049)
    _write_idx(os.path.join(root, 'data', 't10k-images-idx3-ubyte'), te, 2051)
    _write_idx(os.path.join(root, 'data', 't10k-labels-idx1-ubyte'), np.array([3, 1, 4, 1, 5, 9]),
               2049)


def record_mnist():
    arrays = {}
    meta = {}
    with tempfile.TemporaryDirectory() as d:
        synthetic_mnist(d)
        cwd = os.getcwd()
        os.chdir(d)
        try:
            for tag, shape, bs in (('flat', (784,), 4), ('img', (1, 28, 28), 3)):
                tr, va = tu.get_mnist_iterator(bs, shape)
                for which, it in (('train', tr), ('val', va)):
                    key = '%s_%s' % (tag, which)
                    meta[key] = {'provide_data': [(dd.name, list(dd.shape))
                                                  for dd in it.provide_data],
                                 'provide_label': [(dd.name, list(dd.shape))
                                                   for dd in it.provide_label]}
                    for epoch in range(2):
                        it.reset()
                        ds, ls, pads = [], [], []
                        for batch in it:
                            ds.append(batch.data[0].asnumpy())
                            ls.append(batch.label[0].asnumpy())
                            pads.append(batch.pad)
                        arrays['%s_e%d_data' % (key, epoch)] = np.stack(ds)
                        arrays['%s_e%d_label' % (key, epoch)] = np.stack(ls)
                        meta[key]['pads_e%d' % epoch] = pads
            tr, va = tu.get_mnist_iterator(2, (784,), num_parts=2, part_index=1)
            arrays['part1_val_label'] = np.stack([b.label[0].asnumpy() for b in va])
            arrays['part1_train_label'] = np.stack([b.label[0].asnumpy() for b in tr])
        finally:
            os.chdir(cwd)
    # MNISTIter's shuffle order: 11 images with seed 5, 1000 images with seed 0 (pixel 0 and 1
    # of image i hold i % 256 and i // 256; MNISTIter scales pixels by 1/256)
    with tempfile.TemporaryDirectory() as d:
        for n, seed in ((11, 5), (1000, 0)):
            img = np.zeros((n, 28, 28))
            img[:, 0, 0] = np.arange(n) % 256
            img[:, 0, 1] = np.arange(n) // 256
            _write_idx(os.path.join(d, 'i'), img, 2051)
            _write_idx(os.path.join(d, 'l'), np.arange(n) % 10, 2049)
            it = mx.io.MNISTIter(image=os.path.join(d, 'i'), label=os.path.join(d, 'l'),
                                 batch_size=n, shuffle=True, flat=True, seed=seed)
            b = next(iter(it)).data[0].asnumpy() * 256
            meta['shuffle_n%d_seed%d' % (n, seed)] = \
                np.round(b[:, 0] + 256 * b[:, 1]).astype(int).tolist()
    return arrays, meta


# -- SVRG -----------------------------------------------------------------------------------------
def svrg_problem(n, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.uniform(-1, 1, (n, 3)).astype(np.float32)
    y = (x.dot(np.array([1.5, -2.0, 0.5])) + 0.3 + 0.05 * rng.randn(n)).astype(np.float32)
    w0 = rng.uniform(-0.5, 0.5, (1, 3)).astype(np.float32)
    b0 = np.zeros((1,), np.float32)
    return x, y, w0, b0


def svrg_symbol():
    data = mx.sym.Variable('data')
    label = mx.sym.Variable('lin_reg_label')
    fc = mx.sym.FullyConnected(data, num_hidden=1, name='fc1')
    return mx.sym.LinearRegressionOutput(fc, label=label, name='lro')


SVRG_CASES = {
    # name: (n, batch, num_epoch, update_freq, optimizer, optimizer_params, contexts)
    'sgd_n20_b5': (20, 5, 4, 2, 'sgd', {'learning_rate': 0.025}, 1),
    'sgd_mom_pad_n22_b5': (22, 5, 4, 2, 'sgd', {'learning_rate': 0.02, 'momentum': 0.9,
                                                 'wd': 0.001}, 1),
    'sgd_freq1_n16_b4': (16, 4, 3, 1, 'sgd', {'learning_rate': 0.05}, 1),
    'sgd_n20_b10_2dev': (20, 10, 3, 2, 'sgd', {'learning_rate': 0.05}, 2),
}


def record_svrg():
    arrays = {}
    meta = {}
    logging.getLogger().setLevel(logging.WARNING)
    for name, (n, bs, ne, uf, optname, oparams, ndev) in SVRG_CASES.items():
        x, y, w0, b0 = svrg_problem(n)
        arrays[name + '/x'] = x
        arrays[name + '/y'] = y
        arrays[name + '/w0'] = w0
        arrays[name + '/b0'] = b0
        it = mx.io.NDArrayIter(x, y, batch_size=bs, shuffle=False, label_name='lin_reg_label')
        ctx = [mx.cpu(i) for i in range(ndev)] if ndev > 1 else mx.cpu()
        mod = SVRGModule(svrg_symbol(), data_names=['data'], label_names=['lin_reg_label'],
                         update_freq=uf, context=ctx)
        traj = []
        full = []
        orig = mod.update_full_grads

        def spy(train_data, _orig=orig, _mod=mod, _full=full):
            _orig(train_data)
            _full.append({k: v.asnumpy().copy() for k, v in _mod._param_dict[0].items()})
        mod.update_full_grads = spy

        def epoch_cb(epoch, sym, arg, aux, _traj=traj):
            _traj.append({k: v.asnumpy().copy() for k, v in arg.items()})
        batch_params = []

        def batch_cb(param, _mod=mod, _bp=batch_params):
            a, _ = _mod.get_params()
            _bp.append(a['fc1_weight'].asnumpy().copy())
        metric = mx.metric.MSE()
        mod.fit(it, eval_metric=metric, optimizer=optname, optimizer_params=oparams,
                num_epoch=ne, arg_params={'fc1_weight': mx.nd.array(w0),
                                          'fc1_bias': mx.nd.array(b0)},
                epoch_end_callback=epoch_cb, batch_end_callback=batch_cb, kvstore='local')
        for e, p in enumerate(traj):
            for k, v in p.items():
                arrays['%s/epoch%d/%s' % (name, e, k)] = v
        for j, fg in enumerate(full):
            for k, v in fg.items():
                arrays['%s/full%d/%s' % (name, j, k)] = v
        arrays[name + '/batch_weights'] = np.stack(batch_params)
        meta[name] = {'n': n, 'batch_size': bs, 'num_epoch': ne, 'update_freq': uf,
                      'optimizer': optname, 'optimizer_params': oparams, 'num_devices': ndev,
                      'num_full': len(full), 'final_mse': metric.get()[1]}
    # errors on bad update_freq
    errs = {}
    for bad in (0, -1, 1.5, None):
        try:
            SVRGModule(svrg_symbol(), data_names=['data'], label_names=['lin_reg_label'],
                       update_freq=bad)
            errs[repr(bad)] = ['pass', '']
        except Exception as e:  # noqa: BLE001
            errs[repr(bad)] = [type(e).__name__, str(e)]
    meta['_errors'] = errs
    return arrays, meta


def main():
    cases, ign = record_assert_cases()
    tud = os.path.join(ROOT, 'test_utils')
    os.makedirs(tud, exist_ok=True)
    res = {'assert_cases': cases, 'ignore_nan': ign, 'random': record_random(),
           'symbolic': record_symbolic()}
    marr, mmeta = record_mnist()
    res['mnist'] = mmeta
    np.savez_compressed(os.path.join(tud, 'mnist.npz'), **marr)
    with open(os.path.join(tud, 'cases.json'), 'w') as f:
        json.dump(res, f, indent=1, sort_keys=True)
    sarr, smeta = record_svrg()
    sd = os.path.join(ROOT, 'svrg')
    os.makedirs(sd, exist_ok=True)
    np.savez(os.path.join(sd, 'svrg.npz'), **sarr)
    with open(os.path.join(sd, 'svrg.json'), 'w') as f:
        json.dump(smeta, f, indent=1, sort_keys=True)


if __name__ == '__main__':
    sys.exit(main())
