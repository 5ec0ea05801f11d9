"""Loss-layer edge cases the op corpus does not cover, checked against MXNet 1.9.1.

Expected values come from tests/fixtures/loss/loss_cases.npz, recorded with the real MXNet 1.9.1
by ``/tmp/mxnet-oracle/bin/python tests/fixtures/loss/gen_loss.py`` (see that script for the
cases): inference and training outputs and the gradients after backward (loss layers without
head gradients). MXNet leaves the gradient of CTC samples that cannot be aligned uninitialised;
tfmod gives zeros there, so those samples' gradients are not compared.
"""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from tfmod_converters.base import MXNetError

HERE = os.path.join(os.path.dirname(__file__), 'fixtures', 'loss')
_DATA = np.load(os.path.join(HERE, 'loss_cases.npz'))
CASES = json.loads(str(_DATA['cases']))


def _get(name, key):
    k = '%s/%s' % (name, key)
    return _DATA[k] if k in _DATA.files else None


@pytest.mark.parametrize('name', CASES)
def test_loss_case_matches_mxnet(name):
    sym = mx.sym.load_json(str(_DATA[name + '/symbol']))
    args = {n: _get(name, 'arg:' + n) for n in sym.list_arguments()}
    grads = [n for n in args if _get(name, 'grad:' + n) is not None]
    tol = dict(rtol=1e-4, atol=1e-5)

    def bind():
        return sym.bind(mx.cpu(), {n: mx.nd.array(v, dtype=v.dtype) for n, v in args.items()},
                        args_grad={n: mx.nd.zeros(args[n].shape, dtype=args[n].dtype)
                                   for n in grads},
                        grad_req={n: 'write' if n in grads else 'null' for n in args})
    ex = bind()
    for i, o in enumerate(ex.forward(is_train=False)):
        np.testing.assert_allclose(o.asnumpy(), _get(name, 'out:%d' % i), err_msg='out', **tol)
    ex = bind()
    outs = ex.forward(is_train=True)
    for i, o in enumerate(outs):
        np.testing.assert_allclose(o.asnumpy(), _get(name, 'train_out:%d' % i),
                                   err_msg='train_out', **tol)
    heads = [_get(name, 'head:%d' % i) for i in range(len(outs))]
    if heads[0] is not None:
        ex.backward([mx.nd.array(h, dtype=h.dtype) for h in heads])
    else:
        ex.backward()
    for n in grads:
        got, want = ex.grad_dict[n].asnumpy(), _get(name, 'grad:' + n)
        if name.startswith('ctc'):
            feasible = _get(name, 'train_out:0') != 0
            got, want = got[:, feasible], want[:, feasible]
        np.testing.assert_allclose(got, want, err_msg='grad:' + n, **tol)


def test_softmax_output_label_shape_inferred():
    data = mx.sym.Variable('data')
    so = mx.sym.SoftmaxOutput(data, name='so')
    assert so.infer_shape(data=(2, 3, 4))[0] == [(2, 3, 4), (2, 3)]
    multi = mx.sym.SoftmaxOutput(data, multi_output=True, name='so')
    assert multi.infer_shape(data=(2, 3, 4, 5))[0] == [(2, 3, 4, 5), (2, 20)]
    # MXNet also accepts (N, d2, d3) and (N, 1, d2, d3) labels with multi_output
    assert multi.infer_shape(data=(2, 3, 4, 5), so_label=(2, 4, 5))[0][1] == (2, 4, 5)
    assert multi.infer_shape(data=(2, 3, 4, 5), so_label=(2, 1, 4, 5))[0][1] == (2, 1, 4, 5)
    with pytest.raises(MXNetError):
        multi.infer_shape(data=(2, 3, 4, 5), so_label=(2, 3))
    with pytest.raises(MXNetError):
        so.infer_shape(data=(2, 3), so_label=(3,))
    # a probability label (same shape as data) is accepted
    assert so.infer_shape(data=(2, 3), so_label=(2, 3))[0][1] == (2, 3)


def test_regression_label_shapes():
    data = mx.sym.Variable('data')
    for make in (mx.sym.LinearRegressionOutput, mx.sym.LogisticRegressionOutput,
                 mx.sym.MAERegressionOutput):
        r = make(data, name='r')
        assert r.infer_shape(data=(4, 1))[0][1] == (4,)
        assert r.infer_shape(data=(4, 3))[0][1] == (4, 3)
        assert r.infer_shape(data=(4, 2, 3), r_label=(4, 6))[0][1] == (4, 6)
        with pytest.raises(MXNetError):
            r.infer_shape(data=(4, 3), r_label=(3, 4))


def test_simple_bind_without_label_shape_and_zero_label_grad():
    data = mx.sym.Variable('data')
    net = mx.sym.SoftmaxOutput(data, name='softmax')
    ex = net.simple_bind(mx.cpu(), data=(3, 4), grad_req='write')
    assert ex.arg_dict['softmax_label'].shape == (3,)
    ex.arg_dict['data'][:] = np.arange(12, dtype='float32').reshape(3, 4) / 10
    ex.arg_dict['softmax_label'][:] = np.array([0, 1, 3], 'float32')
    ex.forward(is_train=True)
    ex.backward()
    assert np.all(ex.grad_dict['softmax_label'].asnumpy() == 0)
    sm = np.exp(np.arange(12).reshape(3, 4) / 10)
    sm /= sm.sum(1, keepdims=True)
    sm[[0, 1, 2], [0, 1, 3]] -= 1
    np.testing.assert_allclose(ex.grad_dict['data'].asnumpy(), sm, rtol=1e-5, atol=1e-6)


def test_ctc_inputs_and_outputs():
    d, l = mx.sym.Variable('data'), mx.sym.Variable('label')
    c = mx.sym.CTCLoss(d, l, mx.sym.Variable('dl'), mx.sym.Variable('ll'),
                       use_data_lengths=True, use_label_lengths=True, name='ctc')
    assert c.list_arguments() == ['data', 'label', 'dl', 'll']
    assert c.list_outputs() == ['ctc_output0']
    args, outs, _ = c.infer_shape(data=(6, 2, 5), label=(2, 3))
    assert args == [(6, 2, 5), (2, 3), (2,), (2,)] and outs == [(2,)]
    with pytest.raises(MXNetError):
        mx.sym.CTCLoss(d, l).infer_shape(data=(2, 2, 5), label=(2, 3))   # labels longer than T


def test_block_grad_needs_no_head_gradient():
    data = mx.sym.Variable('data')
    ex = mx.sym.BlockGrad(data).simple_bind(mx.cpu(), data=(2, 2))
    ex.forward(is_train=True)
    ex.backward()
    assert np.all(ex.grad_dict['data'].asnumpy() == 0)


def test_elementwise_make_loss():
    # MXNet 1.9.1: make_loss(square(data), name='ml') lists output 'ml_loss'; backward() with or
    # without head gradients gives 2*data (ones_like through square).
    data = mx.sym.Variable('data')
    net = mx.sym.make_loss(mx.sym.square(data), name='ml')
    assert net.list_outputs() == ['ml_loss']
    assert mx.sym.load_json(net.tojson()).list_outputs() == ['ml_loss']
    ex = net.simple_bind(mx.cpu(), data=(2, 3))
    ex.arg_dict['data'][:] = np.arange(6, dtype='float32').reshape(2, 3)
    for heads in (None, [mx.nd.ones((2, 3)) * 5]):
        ex.forward(is_train=True)
        ex.backward(heads)
        np.testing.assert_allclose(ex.grad_dict['data'].asnumpy(),
                                   2 * np.arange(6).reshape(2, 3))
