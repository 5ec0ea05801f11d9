"""Module conventions scripts rely on, checked against MXNet 1.9.1.

Recorded by tools/record_module_conventions.py (tests/fixtures/module_conventions/): forward
with any object that has ``.data`` (the predict tutorials' ``namedtuple('Batch', ['data'])``),
reshaping on the fly; predict given arrays; the exceptions of set_params / init_params; the
batch axis of ``layout='TNC'`` data over two devices; where ``group2ctxs`` puts each array.
"""
import builtins
import json
import os
from collections import namedtuple

import numpy as np
import pytest

import tfmod as mx
from conftest import FIXTURES
from support import module_convention_programs as P
from support.module_convention_programs import mlp
from support.param_error_cases import param_error_cases

REC = json.load(open(os.path.join(FIXTURES, 'module_conventions', 'conventions.json')))
FB = REC['forward_batches']
Batch = namedtuple('Batch', ['data'])
LBatch = namedtuple('LBatch', ['data', 'label'])


def params():
    return {k: mx.nd.array(v) for k, v in FB['arg'].items()}


def close(got, want):
    np.testing.assert_allclose(got.asnumpy() if hasattr(got, 'asnumpy') else got,
                               np.array(want), rtol=1e-4, atol=1e-5)


def raises_like(fn, want):
    """fn raises what MXNet raised: the same built-in type (MXNetError for MXNet's own)."""
    want_type = mx.base.MXNetError if want[0] == 'MXNetError' else getattr(builtins, want[0])
    with pytest.raises(want_type) as e:
        fn()
    return e.value


# -- forward with any batch object -------------------------------------------------------------
def test_label_less_batch_reshapes_the_module():
    x = np.array(FB['x'], dtype=np.float32)
    mod = mx.mod.Module(mlp(mx, False), label_names=None)
    mod.bind(data_shapes=[('data', (2, 6))], for_training=False)
    mod.set_params(params(), {})
    mod.forward(Batch([mx.nd.array(x[:2])]))
    close(mod.get_outputs()[0], FB['batch_nolabel_2'])
    mod.forward(Batch([mx.nd.array(x)]))
    close(mod.get_outputs()[0], FB['batch_nolabel_5'])
    assert [[d.name, list(d.shape)] for d in mod.data_shapes] == FB['data_shapes_after']
    assert mod.label_shapes == FB['label_shapes_after']


def test_predict_takes_arrays_and_iterators():
    x = np.array(FB['x'], dtype=np.float32)
    mod = mx.mod.Module(mlp(mx, False), label_names=None)
    mod.bind(data_shapes=[('data', (2, 6))], for_training=False)
    mod.set_params(params(), {})
    close(mod.predict(x[:3]), FB['predict_numpy'])
    close(mod.predict(mx.nd.array(x)), FB['predict_ndarray'])
    close(mod.predict(mx.io.NDArrayIter(x, batch_size=2)), FB['predict_iter'])
    for key, fn in (('score_ndarray', lambda: mod.score(mx.nd.array(x), 'acc')),
                    ('iter_predict_ndarray', lambda: list(mod.iter_predict(mx.nd.array(x)))),
                    ('predict_list', lambda: mod.predict([x]))):
        err = raises_like(fn, FB[key])
        assert 'eval_data' in str(err) or 'reset' in str(err), (key, str(err))


def test_loss_module_bound_without_labels_cannot_change_batch_size():
    """MXNet refuses: the label's shape was inferred, and reshape won't change it silently."""
    x = np.array(FB['x'], dtype=np.float32)
    mod = mx.mod.Module(mlp(mx))
    mod.bind(data_shapes=[('data', (2, 6))], for_training=False)
    mod.set_params(params(), {})
    mod.forward(Batch([mx.nd.array(x[:2])]))
    close(mod.get_outputs()[0], FB['loss_batch_nolabel_2'])
    err = raises_like(lambda: mod.forward(Batch([mx.nd.array(x)])), FB['loss_batch_nolabel_5'])
    assert 'softmax_label' in str(err)
    mod.forward(Batch([mx.nd.array(x[:2])]))    # the module is still usable at its shape
    close(mod.get_outputs()[0], FB['loss_batch_nolabel_2'])


def test_batch_with_labels_of_another_size():
    x = np.array(FB['x'], dtype=np.float32)
    mod = mx.mod.Module(mlp(mx))
    mod.bind(data_shapes=[('data', (2, 6))], label_shapes=[('softmax_label', (2,))])
    mod.set_params(params(), {})
    raises_like(lambda: mod.forward(Batch([mx.nd.array(x[:4])]), is_train=False),
                FB['train_mod_nolabel_4'])
    mod = mx.mod.Module(mlp(mx))
    mod.bind(data_shapes=[('data', (2, 6))], label_shapes=[('softmax_label', (2,))])
    mod.set_params(params(), {})
    mod.forward(LBatch([mx.nd.array(x[:4])], [mx.nd.zeros((4,))]), is_train=False)
    close(mod.get_outputs()[0], FB['train_mod_label_4'])
    assert [[d.name, list(d.shape)] for d in mod.label_shapes] == \
        FB['train_mod_label_shapes_after']


# -- set_params / init_params: MXNet's exceptions ----------------------------------------------
def _raise_as_recorded(cases, want):
    """Each case returns or raises as MXNet's recorded call did."""
    for name, fn in cases.items():
        if want[name] is None:
            fn()
            continue
        err = raises_like(fn, want[name])
        if want[name][0] in ('ValueError', 'RuntimeError'):
            assert want[name][1] in str(err), (name, str(err), want[name])
        else:   # MXNet's TypeError from calling a None initializer: tfmod names the cause
            assert 'initializer' in str(err), (name, str(err))


def test_set_params_and_init_params_raise_where_mxnet_does():
    want = REC['param_errors']
    mod, a, x, missing_a, cases = param_error_cases(mx)
    _raise_as_recorded(cases, want)
    mod.set_params(a, x)
    before = mod.get_params()[0]['bn_beta'].asnumpy().copy()
    mod.set_params(missing_a, x, allow_missing=True)
    assert np.allclose(mod.get_params()[0]['bn_beta'].asnumpy(), before) == \
        want['missing_allow_missing_keeps_old']


def test_bucketing_module_params_raise_where_mxnet_does():
    """MXNet's BucketingModule hands set_params/init_params to a Module: the same exceptions."""
    _raise_as_recorded(param_error_cases(mx, bucketing=True)[-1], REC['param_errors']['bucketing'])


# -- layouts: TNC data over two devices --------------------------------------------------------
@pytest.mark.parametrize('tag', P.LAYOUT_TAGS)
def test_tnc_layout_splits_the_batch_axis_over_two_devices(tag):
    """Data is split along its layout's N axis; outputs are merged, and out_grads split, along
    the batch axis of the output's ``__layout__`` attribute (axis 0 without one, as MXNet)."""
    L = REC['layouts']
    want = L[tag]
    mod = P.tnc_module(mx, tag)
    mod.set_params({'fc_weight': mx.nd.array(L['w']), 'fc_bias': mx.nd.array(L['b'])}, {})
    assert [list(e.arg_dict['data'].shape) for e in mod._exec_group.execs] == \
        want['exec_data_shapes']
    mod.forward(mx.io.DataBatch([mx.nd.array(L['x'])]), is_train=True)
    close(mod.get_outputs()[0], want['merged'])
    per = mod.get_outputs(merge_multi_context=False)
    assert len(per) == 1 and len(per[0]) == 2
    for got, w in zip(per[0], want['per_device']):
        close(got, w)
    assert [[n, list(s)] for n, s in mod.output_shapes] == want['output_shapes']
    og = mx.nd.array(want['out_grad'])
    if want['backward_error']:
        raises_like(lambda: (mod.backward([og]), mod.get_input_grads()[0].asnumpy()),
                    want['backward_error'])
        return
    mod.backward([og])
    close(mod.get_input_grads()[0], want['input_grad'])
    for got, w in zip(mod.get_input_grads(merge_multi_context=False)[0],
                      want['input_grad_per_device']):
        close(got, w)
    for got, w in zip(mod._exec_group.grad_arrays[0], want['weight_grad_per_device']):
        close(got, w)


# -- group2ctxs: where each group's arrays live ------------------------------------------------
@pytest.mark.parametrize('tag', ['one_ctx', 'one_ctx_lists', 'two_ctx'])
def test_ctx_groups_place_arrays_where_mxnet_does(tag):
    out = P.ctx_group_net(mx)
    ctx, g2c = P.ctx_group_cases(mx)[tag]
    mod = mx.mod.Module(out, context=ctx, group2ctxs=g2c)
    mod.bind([('data', (4, 6))], [('softmax_label', (4,))])
    mod.init_params()
    got = P.placement(mod)
    assert got == REC['ctx_groups'][tag]
    assert {k: str(v.context) for k, v in mod.get_params()[0].items()} == \
        REC['ctx_groups'][tag + '_params']
    # and the placed module computes what the same module on one device does
    plain = mx.mod.Module(out, context=ctx)
    plain.bind([('data', (4, 6))], [('softmax_label', (4,))])
    plain.set_params(*mod.get_params())
    batch = mx.io.DataBatch([mx.nd.array(np.linspace(-1, 1, 24).reshape(4, 6))],
                            [mx.nd.array([0, 1, 2, 1])])
    for m in (mod, plain):
        m.forward(batch, is_train=True)
        m.backward()
    close(mod.get_outputs()[0], plain.get_outputs()[0].asnumpy())
    for g, p in zip(mod._exec_group.grad_arrays, plain._exec_group.grad_arrays):
        close(g[0], p[0].asnumpy())


def test_default_initializer_fills_what_given_params_leave_out():
    """init_params(arg_params=...) still uses the default Uniform(0.01): for a value missing
    under allow_missing, and for the aux states when no aux_params are given."""
    want = REC['param_errors']
    data = mx.sym.Variable('data')
    net = mx.sym.BatchNorm(mx.sym.FullyConnected(data, num_hidden=4, name='fc'), name='bn')
    mod = mx.mod.Module(net, label_names=None)
    mod.bind([('data', (2, 3))])
    mod.init_params()
    a, x = mod.get_params()
    five_a = {k: mx.nd.full(v.shape, 5.0) for k, v in a.items()}
    five_x = {k: mx.nd.full(v.shape, 5.0) for k, v in x.items()}

    def kind(arr):
        v = arr.asnumpy().ravel()
        return ['const', float(v[0])] if np.all(v == v[0]) else ['random', float(abs(v).max())]

    mod.set_params(five_a, five_x)
    mod.init_params(arg_params={k: v for k, v in five_a.items() if k != 'fc_weight'},
                    aux_params=five_x, allow_missing=True, force_init=True)
    for k, v in mod.get_params()[0].items():
        w = want['default_init_fills_missing'][k]
        assert kind(v)[0] == w[0] and (w[0] == 'random' and kind(v)[1] <= 0.01 or
                                       kind(v)[1] == w[1]), (k, kind(v), w)
    mod.set_params(five_a, five_x)
    mod.init_params(arg_params=five_a, force_init=True)
    assert {k: kind(v) for k, v in mod.get_params()[1].items()} == \
        want['default_init_aux_not_given']
