"""Module behaviours recorded from MXNet 1.9.1 (fixtures/modules/module_misc) and bad input."""
import warnings

import numpy as np
import pytest

import tfmod as mx
from tfmod.base import MXNetError
from tfmod.io import DataBatch
from support import module_replay as R

MISC = R.load_json('module_misc', 'module_misc.json')
Z = np.load(R.fixture('module_misc', 'module_misc.npz'))
TOL = dict(rtol=1e-5, atol=1e-6)


def _descs(descs):
    return [{'name': d.name, 'shape': list(d.shape), 'dtype': np.dtype(d.dtype).name,
             'layout': d.layout} for d in descs]


def test_properties_after_bind():
    mod = R.bound_module('mlp')
    p = MISC['properties']
    assert mod.data_names == p['data_names'] and mod.label_names == p['label_names']
    assert mod.output_names == p['output_names']
    assert _descs(mod.data_shapes) == p['data_shapes']
    assert _descs(mod.label_shapes) == p['label_shapes']
    assert [{'name': n, 'shape': list(s)} for n, s in mod.output_shapes] == p['output_shapes']
    assert mod._param_names == p['param_names'] and mod._aux_names == p['aux_names']
    assert mod.symbol.list_arguments() == p['symbol_list_arguments']


def test_forward_with_other_batch_size_reshapes():
    mod = R.bound_module('mlp')
    d = R.data('mlp')
    rec = MISC['reshape']
    mod.forward(DataBatch([mx.nd.array(d['data'][:3])], [mx.nd.array(d['label'][:3])]),
                is_train=False)
    np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), Z['reshape/fwd3_out'], **TOL)
    assert _descs(mod.data_shapes) == rec['after_forward_3rows']['data_shapes']
    assert _descs(mod.label_shapes) == rec['after_forward_3rows']['label_shapes']
    mod.forward(R.batch('mlp', 0), is_train=False)
    np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), Z['reshape/fwd8_out'], **TOL)
    mod.reshape(data_shapes=[('data', (5, 10))], label_shapes=[('softmax_label', (5,))])
    assert _descs(mod.data_shapes) == rec['after_explicit_reshape_5']['data_shapes']
    mod.forward(DataBatch([mx.nd.array(d['data'][:5])], [mx.nd.array(d['label'][:5])]),
                is_train=False)
    np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), Z['reshape/fwd5_out'], **TOL)


def test_train_step_on_smaller_batch_keeps_bound_rescale_grad():
    mod = R.bound_module('mlp')
    mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.1})
    d = R.data('mlp')
    small = DataBatch([mx.nd.array(d['data'][:3])], [mx.nd.array(d['label'][:3])])
    mod.forward(small, is_train=True)
    mod.backward()
    g = mod._exec_group
    for pn, grads in zip(g.param_names, g.grad_arrays):
        np.testing.assert_allclose(grads[0].asnumpy(), Z['reshape/train3/grad/' + pn], **TOL)
    mod.update()
    arg, _ = mod.get_params()
    for k, v in arg.items():
        np.testing.assert_allclose(v.asnumpy(), Z['reshape/train3/arg/' + k], **TOL)
    rec = MISC['reshape']['train_step_3rows_on_batch8_module']
    assert mod._optimizer.rescale_grad == rec['rescale_grad_used']
    assert mod._exec_group.batch_size == rec['exec_group_batch_size_after']


@pytest.mark.parametrize('net', ['mlp', 'convbn'])
def test_input_grads(net):
    sym = R.net_symbol(net)
    shape = tuple(R.NETS[net]['data_shape_per_sample'])
    mod = mx.mod.Module(sym)
    mod.bind([('data', (8,) + shape)], [('softmax_label', (8,))], inputs_need_grad=True)
    arg, aux = R.init_params(net)
    mod.init_params(arg_params=arg, aux_params=aux)
    mod.forward(R.batch(net, 0), is_train=True)
    mod.backward()
    np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), Z['input_grads/%s/out' % net],
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(mod.get_input_grads()[0].asnumpy(),
                               Z['input_grads/%s/data' % net], rtol=1e-4, atol=1e-5)


def test_state_names():
    d = mx.sym.Variable('data')
    out = mx.sym.elemwise_add(mx.sym.FullyConnected(d, num_hidden=3, name='fc'),
                              mx.sym.Variable('state'), name='out')
    m = mx.mod.Module(out, data_names=['data'], label_names=None, state_names=['state'])
    m.bind(data_shapes=[('data', (2, 4))], for_training=False)
    m.init_params(arg_params={'fc_weight': mx.nd.array(Z['states/fc_weight']),
                              'fc_bias': mx.nd.array(Z['states/fc_bias'])})
    assert m._param_names == MISC['states']['param_names']
    with pytest.raises(AssertionError):
        m.get_states()
    gs = m.get_states(merge_multi_context=False)
    assert [[list(a.shape) for a in dev] for dev in gs] == MISC['states']['get_states_structure']
    np.testing.assert_array_equal(gs[0][0].asnumpy(), Z['states/initial'])
    batch = DataBatch([mx.nd.array(Z['states/data'])])
    m.forward(batch)
    np.testing.assert_allclose(m.get_outputs()[0].asnumpy(), Z['states/out_initial'], **TOL)
    m.set_states(value=1.5)
    m.forward(batch)
    np.testing.assert_allclose(m.get_outputs()[0].asnumpy(), Z['states/out_value_1.5'], **TOL)
    np.testing.assert_array_equal(m.get_states(merge_multi_context=False)[0][0].asnumpy(),
                                  Z['states/after_value_1.5'])
    m.set_states(states=[[mx.nd.array(Z['states/set_value_nested'])]])
    m.forward(batch)
    np.testing.assert_allclose(m.get_outputs()[0].asnumpy(), Z['states/out_nested'], **TOL)
    # MXNet 1.9.1: AttributeError "'NDArray' object has no attribute 'start'" on a flat list
    with pytest.raises(AttributeError, match="'NDArray' object has no attribute 'start'"):
        m.set_states(states=[mx.nd.array(Z['states/set_value_flat'])])


def test_batchnorm_moving_stats_change_in_backward_only():
    m = R.bound_module('convbn')
    aux = lambda: {k: v[0].asnumpy().copy()  # noqa: E731
                   for k, v in zip(m._aux_names, m._exec_group.aux_arrays)}
    a0 = aux()
    m.forward(R.batch('convbn', 0), is_train=True)
    np.testing.assert_allclose(m.get_outputs()[0].asnumpy(), Z['bn/out_train'], rtol=1e-5,
                               atol=1e-5)
    a1 = aux()
    i = m._exec_group.param_names.index('bn2_gamma')
    g1 = m._exec_group.param_arrays[i][0].asnumpy()
    m.backward()
    a2 = aux()
    for k in a0:
        np.testing.assert_array_equal(a0[k], Z['bn/aux_init/' + k])
        np.testing.assert_array_equal(a1[k], Z['bn/aux_after_forward/' + k])
        np.testing.assert_allclose(a2[k], Z['bn/aux_after_backward/' + k], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(g1, Z['bn/bn2_gamma_after_forward'])
    m.forward(R.batch('convbn', 0), is_train=False)
    np.testing.assert_allclose(m.get_outputs()[0].asnumpy(), Z['bn/out_infer_after_update'],
                               rtol=1e-5, atol=1e-5)
    for k, v in aux().items():
        np.testing.assert_array_equal(v, a2[k])


def test_update_metric_feeds_every_output():
    s1 = R.net_symbol('mlp')
    g = mx.sym.Group([s1, mx.sym.BlockGrad(s1.get_internals()['fc2_output'], name='logits')])
    m = mx.mod.Module(g)
    m.bind([('data', (8, 10))], [('softmax_label', (8,))])
    arg, aux = R.init_params('mlp')
    m.init_params(arg_params=arg, aux_params=aux)
    full = R.batch('mlp', 0)
    m.forward(full, is_train=False)
    with pytest.raises(ValueError, match='Shape of labels 1 does not match shape of predictions 2'):
        m.update_metric(mx.metric.Accuracy(), full.label)
    met = mx.metric.Accuracy(output_names=['softmax_output'])
    m.update_metric(met, full.label)
    assert list(met.get()) == MISC['update_metric_two_outputs_output_names']['accuracy']


def test_init_params_rules():
    m = R.bound_module('mlp')
    arg, _ = R.init_params('mlp')
    with warnings.catch_warnings(record=True) as wl:
        warnings.simplefilter('always')
        m.init_params(initializer=mx.init.One())
    assert [str(w.message) for w in wl] == MISC['init_params_twice']['warnings']
    for k, v in m.get_params()[0].items():
        np.testing.assert_array_equal(v.asnumpy(), arg[k].asnumpy())
    m.init_params(initializer=mx.init.One(), force_init=True,
                  arg_params={'fc1_weight': arg['fc1_weight']}, allow_missing=True)
    pa = m.get_params()[0]
    np.testing.assert_array_equal(pa['fc1_weight'].asnumpy(), arg['fc1_weight'].asnumpy())
    assert np.all(pa['fc2_weight'].asnumpy() == 1) and np.all(pa['fc1_bias'].asnumpy() == 0)
    with pytest.raises(RuntimeError, match='fc1_bias is not presented'):
        m.init_params(force_init=True, arg_params={'fc1_weight': arg['fc1_weight']})


# -- bad input: clear MXNetErrors naming what is wrong ---------------------------------------------
def test_wrong_data_names_and_shapes_are_named():
    sym = R.net_symbol('mlp')
    with pytest.raises(MXNetError, match="(?s)'image'.*data"):
        mx.mod.Module(sym, data_names=['image'])
    mod = mx.mod.Module(sym)
    with pytest.raises(MXNetError, match='image'):
        mod.bind([('image', (8, 10))], [('softmax_label', (8,))])
    mod = mx.mod.Module(sym)
    with pytest.raises(MXNetError, match=r'fc1_weight|\(8, 11\)'):
        mod.bind([('data', (8, 11))], [('softmax_label', (8,))])
        mod.init_params(arg_params=R.init_params('mlp')[0])


def test_steps_out_of_order_say_which_step_is_missing():
    sym = R.net_symbol('mlp')
    mod = mx.mod.Module(sym)
    with pytest.raises(MXNetError, match=r'bind\(\)'):
        mod.forward(R.batch('mlp', 0))
    mod.bind([('data', (8, 10))], [('softmax_label', (8,))])
    with pytest.raises(MXNetError, match=r'init_params\(\)'):
        mod.predict(mx.nd.zeros((8, 10)))
    mod.init_params()
    mod.forward_backward(R.batch('mlp', 0))
    with pytest.raises(MXNetError, match=r'init_optimizer\(\)'):
        mod.update()


def test_batch_that_does_not_fit_is_named_and_leaves_the_module_usable():
    mod = R.bound_module('mlp')
    bad = DataBatch([mx.nd.zeros((8, 11))], [mx.nd.zeros((8,))])
    with pytest.raises(MXNetError, match=r"\(8, 11\).*\('data', \(8, 10\)\)"):
        mod.forward(bad)
    assert mod.data_shapes[0].shape == (8, 10)
    mod.forward(R.batch('mlp', 0), is_train=False)
    np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), Z['reshape/fwd8_out'], **TOL)


def test_eager_errors_are_clean():
    with pytest.raises(MXNetError, match=r'broadcast_add: operands could not be broadcast '
                                         r'together with shapes \(2,\) \(3,\)'):
        mx.nd.ones((2,)) + mx.nd.ones((3,))
    with pytest.raises(MXNetError) as e:
        mx.nd.FullyConnected(mx.nd.ones((2, 3)), mx.nd.ones((4, 5)), num_hidden=4, no_bias=True)
    assert 'function_node' not in str(e.value) and '(2, 3), (4, 5)' in str(e.value)
