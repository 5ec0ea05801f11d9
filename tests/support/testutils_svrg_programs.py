"""The mx.test_utils and SVRGModule programs whose results MXNet 1.9.1 defines, written once for
the recorder (tools/record_testutils_svrg.py, run by MXNet) and the tests
(tests/test_test_utils.py, tests/test_svrg.py, run by tfmod), so they cannot drift apart;
``mx`` / ``tu`` (its test_utils) are the library under test. Programs that draw from numpy's
global generator seed it themselves, as the recording did."""
import contextlib
import io
import os
import struct

import numpy as np


def verdict(fn):
    """(verdict, message, printed): 'pass', or the exception type name and its text; and what
    fn printed."""
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            fn()
        return 'pass', '', out.getvalue()
    except Exception as e:  # noqa: BLE001 -- the verdict is what is compared
        return type(e).__name__, str(e), out.getvalue()


# -- random helpers -------------------------------------------------------------------------------
def random_draws(tu):
    """The shape and array helpers after np.random.seed(k) -> {fixture key: result}."""
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
    return out


def reductions_and_tolerances(tu):
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    return {'np_reduce_sum_01_keep': tu.np_reduce(x, (0, 2), True, np.sum).tolist(),
            'np_reduce_max_none': tu.np_reduce(x, None, False, np.max).tolist(),
            'np_reduce_int_axis': tu.np_reduce(x, 1, False, np.sum).tolist(),
            'get_atol': [tu.get_atol(), tu.get_atol(0.5), tu.get_atol(None, np.dtype(np.float32))],
            'get_rtol': [tu.get_rtol(), tu.get_rtol(0.5),
                         tu.get_rtol(None, np.dtype(np.float16))],
            'get_etol': [tu.get_etol(), tu.get_etol(0.2)]}


# -- check_symbolic_* and check_numeric_gradient ---------------------------------------------------
def _dot(mx):
    a, b = mx.sym.Variable('a'), mx.sym.Variable('b')
    with mx.name.NameManager():     # messages name the node dot0: fresh auto-name counters
        dot = mx.sym.dot(a, b)
    return a, b, dot, np.array([[1., 2.], [3., 4.]]), np.array([[5., 6.], [7., 8.]])


def forward_checks(mx, tu):
    a, b, dot, m1, m2 = _dot(mx)
    out = {
        'fwd_dot_ok': verdict(lambda: tu.check_symbolic_forward(
            dot, [m1, m2], [np.array([[19., 22.], [43., 50.]])]))[:2],
        'fwd_dot_bad': verdict(lambda: tu.check_symbolic_forward(
            dot, [m1, m2], [np.array([[19., 22.], [43., 51.]])]))[:2],
        'fwd_dict': verdict(lambda: tu.check_symbolic_forward(
            dot, {'a': m1, 'b': m2}, {dot.list_outputs()[0]: m1.dot(m2)}))[:2],
        'fwd_bad_keys': verdict(lambda: tu.check_symbolic_forward(
            dot, {'a': m1}, [m1.dot(m2)]))[:2]}
    out['fwd_returns'] = [o.asnumpy().tolist()
                          for o in tu.check_symbolic_forward(dot, [m1, m2], [m1.dot(m2)])]
    out['simple_forward'] = tu.simple_forward(dot, a=m1, b=m2).tolist()
    return out


def backward_checks(mx, tu):
    a, b, _, m1, m2 = _dot(mx)
    add = mx.sym.elemwise_add(a, b)
    og = np.ones((2, 2))
    mul = a * b
    out = {
        'bwd_add_ok': verdict(lambda: tu.check_symbolic_backward(
            add, [m1, m2], [og], [og, og]))[:2],
        'bwd_add_bad': verdict(lambda: tu.check_symbolic_backward(
            add, [m1, m2], [og], [og, 2 * og]))[:2],
        'bwd_mul_add': verdict(lambda: tu.check_symbolic_backward(
            mul, [m1, m2], [og], {'a': m2, 'b': m1}, grad_req='add'))[:2],
        'bwd_mul_null': verdict(lambda: tu.check_symbolic_backward(
            mul, [m1, m2], [og], {'a': m2, 'b': m1}, grad_req={'a': 'write', 'b': 'null'}))[:2]}
    np.random.seed(11)
    res = tu.check_symbolic_backward(mul, [m1, m2], [2 * og], {'a': 2 * m2, 'b': 2 * m1})
    out['bwd_returns'] = {k: v.asnumpy().tolist() for k, v in res.items()}
    return out


def numeric_gradient_checks(mx, tu):
    """Correct gradients pass (seeded), a deliberately wrong one fails -> outcomes and ``x``."""
    out = {}
    np.random.seed(12)
    x = np.random.uniform(-1, 1, (3, 4))
    data = mx.sym.Variable('data')
    out['ngrad_tanh'] = verdict(lambda: tu.check_numeric_gradient(mx.sym.tanh(data), [x]))[:2]
    np.random.seed(13)
    w = np.random.uniform(-1, 1, (5, 4))
    bias = np.random.uniform(-1, 1, (5,))
    fc = mx.sym.FullyConnected(data, num_hidden=5, name='fc')
    out['ngrad_fc'] = verdict(lambda: tu.check_numeric_gradient(fc, [x, w, bias]))[:2]
    out['ngrad_fc_nodes'] = verdict(lambda: tu.check_numeric_gradient(
        fc, {'data': x, 'fc_weight': w, 'fc_bias': bias}, grad_nodes=['fc_weight']))[:2]
    np.random.seed(23)
    out['ngrad_fc_req_dict'] = verdict(lambda: tu.check_numeric_gradient(
        fc, [x, w, bias], grad_nodes={'data': 'add', 'fc_weight': 'write', 'fc_bias': 'null'}))[:2]
    out.update(wrong_gradient_checks(mx, tu, x))
    np.random.seed(14)
    out['ngrad_sigmoid_f64'] = verdict(lambda: tu.check_numeric_gradient(
        mx.sym.sigmoid(data), [x], dtype=np.float64, numeric_eps=1e-6, rtol=1e-5, atol=1e-7))[:2]
    bn = mx.sym.BatchNorm(data, name='bn', fix_gamma=False)
    np.random.seed(15)
    xb = np.random.uniform(-1, 1, (4, 3))
    out['ngrad_bn_aux'] = verdict(lambda: tu.check_numeric_gradient(
        bn, [xb, np.ones(3), np.zeros(3)], aux_states=[np.zeros(3), np.ones(3)],
        rtol=0.05, atol=1e-3))[:2]
    out['x'] = x.tolist()
    return out


def wrong_gradient_checks(mx, tu, x):
    """Wrong backward passes fail with the worst element: BlockGrad's zero gradient is wrong for
    the identity forward it computes; MakeLoss ignores head gradients (d(sum proj*x)/dx is proj,
    MakeLoss gives 1)."""
    data = mx.sym.Variable('data')
    np.random.seed(21)
    out = {'ngrad_blockgrad': verdict(lambda: tu.check_numeric_gradient(
        mx.sym.BlockGrad(data) * 1.0, [x]))[:2]}
    np.random.seed(22)
    out['ngrad_makeloss'] = verdict(lambda: tu.check_numeric_gradient(
        mx.sym.MakeLoss(data * 2.0), [x]))[:2]
    return out


def numeric_grad_and_consistency(mx, tu, x):
    """numeric_grad on a bound executor (finite differences of sum(output)); check_consistency
    across two cpu contexts."""
    data = mx.sym.Variable('data')
    exe = (data * data).bind(mx.cpu(), {'data': mx.nd.array(x)})
    out = {'numeric_grad_square': tu.numeric_grad(exe, {'data': x.astype(np.float32)},
                                                  eps=1e-2)['data'].tolist()}
    fc = mx.sym.FullyConnected(data, num_hidden=5, name='fc')
    ctxs = [{'ctx': mx.cpu(0), 'data': (2, 4), 'type_dict': {'data': np.float32}},
            {'ctx': mx.cpu(1), 'data': (2, 4), 'type_dict': {'data': np.float64}}]
    np.random.seed(16)
    gt = tu.check_consistency(fc, ctxs)
    out['consistency_keys'] = sorted(gt.keys())
    out['consistency_gt_dtype'] = str(gt['fc_output'].dtype)
    return out


# -- MNIST helpers --------------------------------------------------------------------------------
def write_idx(path, arr, magic, opener=open):
    """An idx file (MNIST's format) holding ``arr`` as bytes."""
    with opener(path, 'wb') as f:
        f.write(struct.pack('>I', magic))
        for d in arr.shape:
            f.write(struct.pack('>I', d))
        f.write(arr.astype(np.uint8).tobytes())


def synthetic_mnist(root):
    """A tiny MNIST in MXNet's layout (data/*-ubyte) under root: 10 train and 6 test images
    -> (train images, test images)."""
    os.makedirs(os.path.join(root, 'data'), exist_ok=True)
    rng = np.random.RandomState(0)
    tr = rng.randint(0, 256, (10, 28, 28))
    te = rng.randint(0, 256, (6, 28, 28))
    write_idx(os.path.join(root, 'data', 'train-images-idx3-ubyte'), tr, 2051)
    write_idx(os.path.join(root, 'data', 'train-labels-idx1-ubyte'), np.arange(10), 2049)
    write_idx(os.path.join(root, 'data', 't10k-images-idx3-ubyte'), te, 2051)
    write_idx(os.path.join(root, 'data', 't10k-labels-idx1-ubyte'), np.array([3, 1, 4, 1, 5, 9]),
              2049)
    return tr, te


def mnist_iterator_runs(tu):
    """get_mnist_iterator's batches over two epochs (flat and image shapes), and part 1 of 2,
    on the synthetic MNIST in the current directory -> (arrays, meta)."""
    arrays, meta = {}, {}
    for tag, shape, bs in (('flat', (784,), 4), ('img', (1, 28, 28), 3)):
        tr, va = tu.get_mnist_iterator(bs, shape)
        for which, it in (('train', tr), ('val', va)):
            key = '%s_%s' % (tag, which)
            meta[key] = {'provide_data': [(dd.name, list(dd.shape)) for dd in it.provide_data],
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
    return arrays, meta


# -- SVRGModule -----------------------------------------------------------------------------------
def svrg_symbol(mx):
    data = mx.sym.Variable('data')
    label = mx.sym.Variable('lin_reg_label')
    fc = mx.sym.FullyConnected(data, num_hidden=1, name='fc1')
    return mx.sym.LinearRegressionOutput(fc, label=label, name='lro')


def svrg_fit(mx, svrg_module_cls, x, y, w0, b0, batch_size, num_epoch, update_freq, optimizer,
             optimizer_params, num_devices):
    """SVRGModule.fit on a linear regression, watched -> (full-gradient snapshots, parameters
    after each epoch, fc1_weight after each batch, final MSE)."""
    it = mx.io.NDArrayIter(x, y, batch_size=batch_size, shuffle=False,
                           label_name='lin_reg_label')
    ctx = [mx.cpu(i) for i in range(num_devices)] if num_devices > 1 else mx.cpu()
    mod = svrg_module_cls(svrg_symbol(mx), data_names=['data'], label_names=['lin_reg_label'],
                          update_freq=update_freq, context=ctx)
    full, traj, batch_w = [], [], []
    orig = mod.update_full_grads

    def spy(train_data):
        orig(train_data)
        full.append({k: v.asnumpy().copy() for k, v in mod._param_dict[0].items()})
    mod.update_full_grads = spy

    def batch_cb(_param):
        batch_w.append(mod.get_params()[0]['fc1_weight'].asnumpy().copy())
    metric = mx.metric.MSE()
    mod.fit(it, eval_metric=metric, optimizer=optimizer, optimizer_params=optimizer_params,
            num_epoch=num_epoch, arg_params={'fc1_weight': mx.nd.array(w0),
                                             'fc1_bias': mx.nd.array(b0)},
            epoch_end_callback=lambda e, s, a, aux: traj.append(
                {k: v.asnumpy().copy() for k, v in a.items()}),
            batch_end_callback=batch_cb, kvstore='local')
    return full, traj, batch_w, metric.get()[1]
