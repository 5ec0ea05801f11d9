"""mx.operator custom ops (CustomOp / CustomOpProp / register) run inside the compiled graph.

Expected numbers come from tests/fixtures/custom_op/custom_op.npz and custom_net-symbol.json,
recorded with real MXNet 1.9.1 by tests/fixtures/custom_op/gen_custom_op.py from the operators
in tests/fixtures/custom_op/custom_op_defs.py (the same code is registered here with tfmod).
"""
import importlib.util
import os

import numpy as np
import pytest

import tfmod as mx
from tfmod.base import MXNetError

HERE = os.path.join(os.path.dirname(__file__), 'fixtures', 'custom_op')
REC = np.load(os.path.join(HERE, 'custom_op.npz'))


def _load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, name + '.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_defs = _load('custom_op_defs')
_defs.define(mx)


# -- operators only these tests use -------------------------------------------------------------

class _Counting(mx.operator.CustomOp):
    calls = {'forward': 0, 'backward': 0}

    def forward(self, is_train, req, in_data, out_data, aux):
        _Counting.calls['forward'] += 1
        self.assign(out_data[0], req[0], in_data[0] * 2)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        _Counting.calls['backward'] += 1
        self.assign(in_grad[0], req[0], out_grad[0] * 2)


@mx.operator.register('counting')
class _CountingProp(mx.operator.CustomOpProp):
    created = []

    def create_operator(self, ctx, shapes, dtypes):
        _CountingProp.created.append((str(ctx), shapes, dtypes))
        return _Counting()


class _Failing(mx.operator.CustomOp):
    def __init__(self, where):
        super(_Failing, self).__init__()
        self.where = where

    def forward(self, is_train, req, in_data, out_data, aux):
        if self.where == 'forward':
            raise ValueError('forward went wrong')
        self.assign(out_data[0], req[0], in_data[0])

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        raise KeyError('backward went wrong')


@mx.operator.register('failing')
class _FailingProp(mx.operator.CustomOpProp):
    def __init__(self, where='forward'):
        super(_FailingProp, self).__init__(need_top_grad=True)
        self.where = where

    def create_operator(self, ctx, shapes, dtypes):
        return _Failing(self.where)


def _iter():
    x, y, _ = _defs.data()
    return mx.io.NDArrayIter(x, y, batch_size=8, shuffle=False, label_name='softmax_label')


def _fit(kind):
    _, _, params = _defs.data()
    mod = mx.mod.Module(_defs.net(mx, kind), context=mx.cpu())
    aux = {'rm_mean': mx.nd.zeros((16,))} if kind == 'aux' else None
    mod.fit(_iter(), num_epoch=2, optimizer='sgd',
            optimizer_params={'learning_rate': 0.5, 'momentum': 0.9},
            arg_params={k: mx.nd.array(v) for k, v in params.items()}, aux_params=aux,
            eval_metric='acc')
    return mod


# -- training in a Module -----------------------------------------------------------------------

def test_softmax_custom_op_trains_like_softmaxoutput():
    mod = _fit('custom')
    ref = _fit('builtin')
    args, _ = mod.get_params()
    ref_args, _ = ref.get_params()
    assert mod.symbol.list_arguments() == ['data', 'fc1_weight', 'fc1_bias', 'fc2_weight',
                                           'fc2_bias', 'softmax_label']
    for k in args:
        np.testing.assert_allclose(args[k].asnumpy(), ref_args[k].asnumpy(), atol=1e-5)
        np.testing.assert_allclose(args[k].asnumpy(), REC['custom/' + k], atol=1e-5)
    pred = mod.predict(_iter()).asnumpy()
    np.testing.assert_allclose(pred, REC['custom/pred'], atol=1e-5)


def test_aux_state_written_by_forward():
    mod = _fit('aux')
    args, auxs = mod.get_params()
    assert mod.symbol.list_auxiliary_states() == ['rm_mean']
    np.testing.assert_allclose(auxs['rm_mean'].asnumpy(), REC['aux/aux/rm_mean'], atol=1e-5)
    for k in args:
        np.testing.assert_allclose(args[k].asnumpy(), REC['aux/' + k], atol=1e-5)
    # inference does not touch the running mean (the op only updates it when is_train)
    before = auxs['rm_mean'].asnumpy()
    mod.predict(_iter())
    np.testing.assert_allclose(mod.get_params()[1]['rm_mean'].asnumpy(), before)


# -- need_top_grad, several outputs, shape-changing inference ----------------------------------

def test_need_top_grad_op_with_string_kwargs():
    x = mx.sym.Variable('x')
    q = mx.sym.Custom(x, op_type='scaledsq', scale=2.5, name='sq')
    assert q.list_attr() == {'op_type': 'scaledsq', 'scale': '2.5'}
    ex = q.simple_bind(mx.cpu(), x=(3, 5))
    ex.forward(is_train=True, x=mx.nd.array(REC['split/x']))
    ex.backward(mx.nd.array(REC['split/g0']))
    np.testing.assert_allclose(ex.outputs[0].asnumpy(), REC['sq/out'], rtol=1e-6)
    np.testing.assert_allclose(ex.grad_dict['x'].asnumpy(), REC['sq/grad'], rtol=1e-6)


def test_two_outputs():
    s = mx.sym.Custom(mx.sym.Variable('x'), op_type='signsplit', name='ss')
    assert s.list_outputs() == ['ss_pos', 'ss_neg']
    ex = s.simple_bind(mx.cpu(), x=(3, 5))
    ex.forward(is_train=True, x=mx.nd.array(REC['split/x']))
    ex.backward([mx.nd.array(REC['split/g0']), mx.nd.array(REC['split/g1'])])
    np.testing.assert_allclose(ex.outputs[0].asnumpy(), REC['split/out0'])
    np.testing.assert_allclose(ex.outputs[1].asnumpy(), REC['split/out1'])
    np.testing.assert_allclose(ex.grad_dict['x'].asnumpy(), REC['split/grad'])


def test_infer_shape_changes_shape():
    c = mx.sym.Custom(mx.sym.Variable('x'), op_type='pairs', name='pr')
    arg, out, aux = c.infer_shape(x=(6, 4))
    assert out == [tuple(REC['pairs/shapes'])] == [(3, 8)]
    ex = c.simple_bind(mx.cpu(), x=(6, 4))
    ex.forward(is_train=True, x=mx.nd.array(np.arange(24, dtype=np.float32).reshape(6, 4)))
    ex.backward(mx.nd.ones((3, 8)))
    np.testing.assert_allclose(ex.outputs[0].asnumpy(), REC['pairs/out'])
    np.testing.assert_allclose(ex.grad_dict['x'].asnumpy(), REC['pairs/grad'])


def test_label_shape_inferred_and_unknown_types_left_unknown():
    d = mx.sym.Variable('data')
    s = mx.sym.Custom(d, op_type='mysoftmax', name='softmax')
    arg, out, _ = s.infer_shape(data=(5, 3))
    assert arg == [(5, 3), (5,)] and out == [(5, 3)]
    # the Prop's infer_type leaves the label's type unknown: so does MXNet
    assert s.infer_type(data=np.float32) == (None, None, None)


# -- symbol JSON, eager nd.Custom -----------------------------------------------------------------

def test_load_symbol_json_with_custom_node():
    path = os.path.join(HERE, 'custom_net-symbol.json')
    sym = mx.sym.load(path)
    with open(path) as f:
        assert sym.tojson() == f.read()
    assert sym.list_auxiliary_states() == ['rm_mean']
    _, _, params = _defs.data()
    mod = mx.mod.Module(sym, context=mx.cpu())
    it = _iter()
    mod.bind(it.provide_data, it.provide_label, for_training=False)
    mod.set_params({k: mx.nd.array(v) for k, v in params.items()},
                   {'rm_mean': mx.nd.zeros((16,))})
    pred = mod.predict(it).asnumpy()
    # MXNet's predictions for the same file (tools/record_custom_op_json.py); float32 softmax
    # of two small dense layers: 1e-5 covers summation order
    want = np.load(os.path.join(HERE, 'custom_net_pred.npz'))['pred']
    np.testing.assert_allclose(pred, want, rtol=1e-5, atol=1e-6)


def test_nd_custom_eager():
    out = mx.nd.Custom(mx.nd.array(REC['split/x']), op_type='scaledsq', scale=0.5)
    np.testing.assert_allclose(out.asnumpy(), REC['nd/custom'], rtol=1e-6)
    pos, neg = mx.nd.Custom(mx.nd.array(REC['split/x']), op_type='signsplit')
    np.testing.assert_allclose(pos.asnumpy(), REC['split/out0'])
    np.testing.assert_allclose(neg.asnumpy(), REC['split/out1'])


# -- compiled once -------------------------------------------------------------------------------

def test_traced_once_over_many_batches():
    _Counting.calls.update(forward=0, backward=0)
    del _CountingProp.created[:]
    s = mx.sym.Custom(mx.sym.Variable('x'), op_type='counting', name='c')
    s = mx.sym.MakeLoss(mx.sym.sum(s))
    ex = s.simple_bind(mx.cpu(), x=(4, 3))
    rng = np.random.RandomState(0)
    for _ in range(12):
        ex.forward(is_train=True, x=mx.nd.array(rng.randn(4, 3)))
        ex.backward()
        np.testing.assert_allclose(ex.grad_dict['x'].asnumpy(), np.full((4, 3), 2.0))
    assert ex.trace_count == 1
    assert _Counting.calls == {'forward': 12, 'backward': 12}
    assert _CountingProp.created == [('cpu(0)', [[4, 3]], [0])]


# -- errors ------------------------------------------------------------------------------------

def test_exception_in_forward_is_mxnet_error_naming_op_type():
    s = mx.sym.Custom(mx.sym.Variable('x'), op_type='failing', name='f')
    ex = s.simple_bind(mx.cpu(), x=(2, 2))
    with pytest.raises(MXNetError) as info:
        ex.forward(x=mx.nd.ones((2, 2)))
        ex.outputs[0].asnumpy()
    msg = str(info.value)
    assert "'failing'" in msg and 'CustomOp.forward' in msg and 'forward went wrong' in msg
    assert 'Traceback' not in msg and 'Graph execution error' not in msg
    assert isinstance(info.value.__cause__, ValueError)


def test_exception_in_backward_and_in_module_fit():
    s = mx.sym.Custom(mx.sym.Variable('x'), op_type='failing', where='backward', name='f')
    ex = s.simple_bind(mx.cpu(), x=(2, 2))
    ex.forward(is_train=True, x=mx.nd.ones((2, 2)))
    ex.backward(mx.nd.ones((2, 2)))
    with pytest.raises(MXNetError, match=r"CustomOp.backward of custom operator 'failing'.*"
                                         r"backward went wrong"):
        ex.grad_dict['x'].asnumpy()
    net = mx.sym.FullyConnected(mx.sym.Variable('data'), num_hidden=4, name='fc')
    net = mx.sym.Custom(net, op_type='failing', name='f')
    net = mx.sym.SoftmaxOutput(net, name='softmax')
    mod = mx.mod.Module(net, context=mx.cpu())
    with pytest.raises(MXNetError, match="'failing'"):
        mod.fit(_iter(), num_epoch=1, optimizer='sgd')


def test_unregistered_op_type():
    x = mx.sym.Variable('x')
    with pytest.raises(MXNetError, match='Cannot find custom operator nosuchop'):
        mx.sym.Custom(x, op_type='nosuchop')
    with pytest.raises(MXNetError, match='Cannot find custom operator nosuchop'):
        mx.nd.Custom(mx.nd.ones((2,)), op_type='nosuchop')
    text = open(os.path.join(HERE, 'custom_net-symbol.json')).read()
    sym = mx.sym.load_json(text.replace('"runmean"', '"nosuchop"'))
    with pytest.raises(MXNetError, match='Cannot find custom operator nosuchop'):
        sym.list_arguments()


def test_undeclared_backward_dependency_is_empty():
    seen = {}

    class Probe(mx.operator.CustomOp):
        def forward(self, is_train, req, in_data, out_data, aux):
            self.assign(out_data[0], req[0], in_data[0])

        def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
            seen['shapes'] = (out_grad[0].shape, in_data[0].shape, out_data[0].shape, req)
            with pytest.raises(MXNetError):
                out_data[0].asnumpy()
            self.assign(in_grad[0], req[0], out_grad[0])

    @mx.operator.register('probe_deps')
    class ProbeProp(mx.operator.CustomOpProp):
        def declare_backward_dependency(self, out_grad, in_data, out_data):
            assert (out_grad, in_data, out_data) == ([0], [1], [2])
            return out_grad + in_data

        def create_operator(self, ctx, shapes, dtypes):
            return Probe()

    s = mx.sym.Custom(mx.sym.Variable('x'), op_type='probe_deps')
    ex = s.simple_bind(mx.cpu(), x=(2, 3))
    ex.forward(is_train=True, x=mx.nd.ones((2, 3)))
    ex.backward(mx.nd.ones((2, 3)) * 3)
    np.testing.assert_allclose(ex.grad_dict['x'].asnumpy(), np.full((2, 3), 3.0))
    assert seen['shapes'] == ((2, 3), (2, 3), (), ['write'])   # as MXNet 1.9.1 shows them


def test_deprecated_numpy_op():
    class Double(mx.operator.NumpyOp):
        def __init__(self):
            super(Double, self).__init__(need_top_grad=True)

        def forward(self, in_data, out_data):
            out_data[0][:] = in_data[0] * 2

        def backward(self, out_grad, in_data, out_data, in_grad):
            in_grad[0][:] = out_grad[0] * 2

    with pytest.warns(UserWarning, match='deprecated'):
        op = Double()
    s = op(mx.sym.Variable('x'), name='dbl')
    ex = s.simple_bind(mx.cpu(), x=(2, 2))
    ex.forward(is_train=True, x=mx.nd.ones((2, 2)))
    ex.backward(mx.nd.ones((2, 2)))
    np.testing.assert_allclose(ex.outputs[0].asnumpy(), np.full((2, 2), 2.0))
    np.testing.assert_allclose(ex.grad_dict['x'].asnumpy(), np.full((2, 2), 2.0))
