"""SequentialModule, PythonModule and PythonLossModule against the MXNet 1.9.1 fixtures (README
section 9), plus the assertions MXNet makes."""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from tfmod.base import MXNetError
from support.module_replay import batch, init_params

HERE = os.path.dirname(os.path.abspath(__file__))
F = os.path.join(HERE, 'fixtures', 'modules', 'sequential')
META = json.load(open(os.path.join(F, 'sequential.json')))
Z = np.load(os.path.join(F, 'sequential.npz'))
TOL = dict(rtol=1e-5, atol=1e-6)


def desc(d):
    if isinstance(d, mx.io.DataDesc):
        return {'name': d.name, 'shape': list(d.shape), 'dtype': np.dtype(d.dtype).name,
                'layout': d.layout}
    return {'name': d[0], 'shape': list(d[1])}


def mlp_halves():
    d = mx.sym.Variable('data')
    s1 = mx.sym.Activation(mx.sym.FullyConnected(d, num_hidden=16, name='fc1'),
                           act_type='relu', name='relu1')
    h = mx.sym.Variable('hidden')
    s2 = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(h, num_hidden=4, name='fc2'),
                              name='softmax')
    return s1, s2


def build_chain():
    s1, s2 = mlp_halves()
    m1 = mx.mod.Module(s1, data_names=['data'], label_names=None)
    m2 = mx.mod.Module(s2, data_names=['hidden'], label_names=['softmax_label'])
    seq = mx.mod.SequentialModule()
    assert seq.add(m1) is seq
    seq.add(m2, take_labels=True, auto_wiring=True)
    seq.bind(data_shapes=[('data', (8, 10))], label_shapes=[('softmax_label', (8,))],
             inputs_need_grad=True)
    arg, _ = init_params('mlp')
    seq.init_params(arg_params=arg, aux_params={})
    return seq, m1, m2


def test_chain_names_and_shapes():
    rec = META['sequential']
    seq, m1, m2 = build_chain()
    assert seq.data_names == rec['data_names']
    assert seq.output_names == rec['output_names']
    assert [desc(d) for d in seq.data_shapes] == rec['data_shapes']
    assert [desc(d) for d in seq.label_shapes] == rec['label_shapes']
    assert [desc(d) for d in seq.output_shapes] == rec['output_shapes']
    assert [desc(d) for d in m2.data_shapes] == rec['m2_data_shapes']
    assert m1.inputs_need_grad == rec['m1_inputs_need_grad']
    assert m2.inputs_need_grad == rec['m2_inputs_need_grad']
    assert m1.label_shapes == rec['m1_label_shapes']
    assert seq.inputs_need_grad == rec['seq_inputs_need_grad_attr_after_bind'] is False


def test_chain_forward_backward():
    rec = META['sequential']
    seq, m1, m2 = build_chain()
    b = batch('mlp', 0)
    seq.forward(b, is_train=True)
    np.testing.assert_allclose(seq.get_outputs()[0].asnumpy(), Z['fwd/out'], **TOL)
    np.testing.assert_allclose(m1.get_outputs()[0].asnumpy(), Z['fwd/m1_out'], **TOL)
    seq.backward()
    assert rec['seq_get_input_grads'].startswith('raises AssertionError')
    with pytest.raises(AssertionError):
        seq.get_input_grads()
    with pytest.raises(MXNetError):          # the same error is an MXNetError too
        seq.get_input_grads()
    np.testing.assert_allclose(m1.get_input_grads()[0].asnumpy(), Z['fwd/input_grad'], **TOL)
    np.testing.assert_allclose(m2.get_input_grads()[0].asnumpy(), Z['fwd/m2_input_grad'],
                               **TOL)
    for m in (m1, m2):
        eg = m._exec_group
        for pn, g in zip(eg.param_names, eg.grad_arrays):
            np.testing.assert_allclose(g[0].asnumpy(), Z['fwd/grad/' + pn], **TOL, err_msg=pn)
    met = mx.metric.Accuracy()
    seq.update_metric(met, b.label)
    assert met.get()[1] == rec['accuracy_after_fwd']


def test_chain_sgd_trajectory():
    rec = META['sequential']['trajectory']
    seq, m1, m2 = build_chain()
    seq.init_optimizer(optimizer=rec['optimizer'], optimizer_params=rec['optimizer_params'])
    assert [m1._optimizer.rescale_grad, m2._optimizer.rescale_grad] == \
        rec['per_module_rescale_grad']
    assert m1._optimizer is not m2._optimizer
    arg0, _ = init_params('mlp')
    for t in range(1, 4):
        b = batch('mlp', t - 1)
        seq.forward(b, is_train=True)
        np.testing.assert_allclose(seq.get_outputs()[0].asnumpy(), Z['traj/step%d/out' % t],
                                   **TOL)
        seq.backward()
        np.testing.assert_allclose(m1.get_input_grads()[0].asnumpy(),
                                   Z['traj/step%d/input_grad' % t], **TOL)
        seq.update()
        arg, aux = seq.get_params()
        assert sorted(arg) == sorted(arg0) and aux == {}
        for k in arg0:
            np.testing.assert_allclose(arg[k].asnumpy(), Z['traj/step%d/arg/%s' % (t, k)],
                                       atol=1e-6, err_msg='step %d %s' % (t, k))


def test_python_loss_module_after_a_module():
    rec = META['python_loss_module']

    def grad_func(scores, labels):
        z = scores.asnumpy().astype(np.float64)
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        lab = labels.asnumpy().astype(np.int64)
        p[np.arange(len(lab)), lab] -= 1.0
        return p.astype(np.float32)
    d = mx.sym.Variable('data')
    logits = mx.sym.FullyConnected(mx.sym.Activation(
        mx.sym.FullyConnected(d, num_hidden=16, name='fc1'), act_type='relu', name='relu1'),
        num_hidden=4, name='fc2')
    m1 = mx.mod.Module(logits, data_names=['data'], label_names=None)
    loss = mx.mod.PythonLossModule(grad_func=grad_func)
    seq = mx.mod.SequentialModule()
    seq.add(m1).add(loss, take_labels=True, auto_wiring=True)
    seq.bind(data_shapes=[('data', (8, 10))], label_shapes=[('softmax_label', (8,))])
    arg0, _ = init_params('mlp')
    seq.init_params(arg_params=arg0)
    seq.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.1})
    assert loss.output_names == rec['loss_output_names'] == ['pyloss_output']
    assert loss.data_names == rec['loss_data_names']
    assert loss._label_names == rec['loss_label_names']
    assert [desc(x) for x in loss.output_shapes] == rec['loss_output_shapes']
    assert [dict(x) for x in loss.get_params()] == rec['loss_get_params']
    for step in rec['steps']:
        t = step['step']
        b = batch('mlp', t - 1)
        seq.forward(b, is_train=True)
        np.testing.assert_allclose(seq.get_outputs()[0].asnumpy(), Z['pyloss/step%d/scores' % t],
                                   **TOL)
        seq.backward()
        np.testing.assert_allclose(loss.get_input_grads()[0].asnumpy(),
                                   Z['pyloss/step%d/scores_grad' % t], **TOL)
        eg = m1._exec_group
        for pn, g in zip(eg.param_names, eg.grad_arrays):
            np.testing.assert_allclose(g[0].asnumpy(), Z['pyloss/step%d/grad/%s' % (t, pn)],
                                       **TOL, err_msg=pn)
        met = mx.metric.Accuracy()
        seq.update_metric(met, b.label)
        assert met.get()[1] == step['accuracy_via_update_metric']
        seq.update()
        arg, _ = seq.get_params()
        for k in arg0:
            np.testing.assert_allclose(arg[k].asnumpy(), Z['pyloss/step%d/arg/%s' % (t, k)],
                                       atol=1e-6, err_msg='step %d %s' % (t, k))


def test_python_loss_module_asserts():
    loss = mx.mod.PythonLossModule()
    assert loss.output_names == ['pyloss_output']
    with pytest.raises(AssertionError):
        loss.bind([('scores', (2, 3))], [('softmax_label', (2,))])     # not its data name
    with pytest.raises(AssertionError):
        loss.bind([('data', (2, 3))], grad_req='add')
    loss.bind([('data', (2, 3))], [('softmax_label', (2,))])
    assert loss.output_shapes == [('pyloss_output', (2, 3))]
    loss.forward(mx.io.DataBatch([mx.nd.ones((2, 3))], [mx.nd.zeros((2,))]))
    with pytest.raises(AssertionError):
        loss.backward(out_grads=[mx.nd.ones((2, 3))])
    with pytest.raises(NotImplementedError):
        loss.backward()                     # no grad_func
    with pytest.raises(AssertionError):
        mx.mod.PythonLossModule(data_names=('a', 'b'))
    with pytest.raises(AssertionError):
        mx.mod.PythonLossModule(grad_func=3)
    with pytest.raises(NotImplementedError):
        loss.install_monitor(None)


def test_python_module_subclass_in_the_middle():
    """A PythonModule subclass (x -> 2x, gradient doubled) between two Modules."""
    class Double(mx.mod.PythonModule):
        def __init__(self):
            super().__init__(['data'], None, ['double_output'])

        def _compute_output_shapes(self):
            return [('double_output', self._data_shapes[0][1])]

        def forward(self, data_batch, is_train=None):
            self._out = data_batch.data[0] * 2

        def get_outputs(self, merge_multi_context=True):
            return [self._out]

        def backward(self, out_grads=None):
            self._grad = out_grads[0] * 2

        def get_input_grads(self, merge_multi_context=True):
            return [self._grad]
    s1, s2 = mlp_halves()
    m1 = mx.mod.Module(s1, label_names=None)
    m2 = mx.mod.Module(s2, data_names=['hidden'])
    seq = mx.mod.SequentialModule().add(m1).add(Double(), auto_wiring=True).add(
        m2, take_labels=True, auto_wiring=True)
    seq.bind([('data', (8, 10))], [('softmax_label', (8,))])
    arg, _ = init_params('mlp')
    seq.init_params(arg_params=arg)
    seq.forward(batch('mlp', 0), is_train=True)
    seq.backward()
    # reference: the same network with the hidden layer doubled inside the graph
    d = mx.sym.Variable('data')
    h = mx.sym.Activation(mx.sym.FullyConnected(d, num_hidden=16, name='fc1'), act_type='relu')
    ref = mx.mod.Module(mx.sym.SoftmaxOutput(mx.sym.FullyConnected(h * 2, num_hidden=4,
                                                                   name='fc2'), name='softmax'))
    ref.bind([('data', (8, 10))], [('softmax_label', (8,))])
    ref.init_params(arg_params=arg)
    ref.forward(batch('mlp', 0), is_train=True)
    ref.backward()
    np.testing.assert_allclose(seq.get_outputs()[0].asnumpy(), ref.get_outputs()[0].asnumpy(),
                               **TOL)
    for m in (m1, m2):
        for name, g in m._exec_group.execs[0].grad_dict.items():
            if name in ref._exec_group.execs[0].grad_dict and g is not None and \
                    name.startswith('fc'):
                np.testing.assert_allclose(g.asnumpy(),
                                           ref._exec_group.execs[0].grad_dict[name].asnumpy(),
                                           **TOL, err_msg=name)


def test_sequential_asserts_as_mxnet():
    seq = mx.mod.SequentialModule()
    with pytest.raises(AssertionError):
        seq.bind([('data', (8, 10))])                   # empty
    s1, s2 = mlp_halves()
    with pytest.raises(AssertionError, match='typo'):
        seq.add(mx.mod.Module(s1, label_names=None), take_label=True)
    seq.add(mx.mod.Module(s1, label_names=None))
    with pytest.raises(AssertionError):
        seq.bind([('data', (8, 10))], for_training=False, inputs_need_grad=True)
    with pytest.raises(AssertionError):
        seq.data_shapes
    # a module after the first without auto_wiring must already use the right data name
    bad = mx.mod.SequentialModule().add(mx.mod.Module(s1, label_names=None)).add(
        mx.mod.Module(s2, data_names=['hidden']), take_labels=True)
    with pytest.raises(MXNetError):
        bad.bind([('data', (8, 10))], [('softmax_label', (8,))])


def test_duplicated_parameter_names():
    s1, _ = mlp_halves()
    seq = mx.mod.SequentialModule()
    seq.add(mx.mod.Module(s1, label_names=None))
    seq.add(mx.mod.Module(mx.sym.Activation(mx.sym.FullyConnected(
        mx.sym.Variable('data'), num_hidden=16, name='fc1'), act_type='relu'),
        label_names=None), auto_wiring=True)
    seq.bind([('data', (8, 16))])
    with pytest.raises(AssertionError, match='Duplicated parameter names: name "fc1_'):
        seq.init_params()


def test_sequential_fit_and_score_match_a_single_module():
    """fit/score/predict through the container equal one Module of the whole network."""
    from tfmod.io import NDArrayIter
    from support.module_replay import data, net_symbol
    d = data('mlp')
    arg, _ = init_params('mlp')

    def it():
        return NDArrayIter(d['data'], d['label'], batch_size=8)
    seq, m1, m2 = build_chain()
    seq.fit(it(), num_epoch=2, optimizer='sgd', optimizer_params={'learning_rate': 0.1},
            arg_params=arg, force_init=True)
    single = mx.mod.Module(net_symbol('mlp'))
    single.fit(it(), num_epoch=2, optimizer='sgd', optimizer_params={'learning_rate': 0.1},
               arg_params=arg)
    sa, _ = seq.get_params()
    ra, _ = single.get_params()
    for k in ra:
        np.testing.assert_allclose(sa[k].asnumpy(), ra[k].asnumpy(), rtol=1e-5, atol=1e-6)
    assert seq.score(it(), 'acc') == single.score(it(), 'acc')
    np.testing.assert_allclose(seq.predict(it()).asnumpy(), single.predict(it()).asnumpy(),
                               **TOL)
