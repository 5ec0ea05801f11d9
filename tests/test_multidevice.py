"""Data-parallel Modules on several devices against MXNet 1.9.1 (fixtures/multidevice).

MXNet splits each batch over the contexts by work_load_list, runs every device on its slice
(BatchNorm statistics per device), sums the gradients in the kvstore, updates once and copies the
result back to every device. tools/record_multidevice.py recorded 5 SGD-momentum steps of the
module fixtures' nets on 1, 2 and 3 CPU contexts, even and uneven splits. conftest.py makes four
logical CPU devices, so cpu(i) are distinct TF devices here.
"""
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import tfmod as mx
from tfmod.base import MXNetError
from support import module_replay as R
from support.model_parallel_net import two_group_mlp

D = os.path.join(os.path.dirname(__file__), 'fixtures', 'multidevice')
META = json.load(open(os.path.join(D, 'multidevice.json')))['configs']
Z = np.load(os.path.join(D, 'multidevice.npz'))
MP = np.load(os.path.join(D, 'model_parallel.npz'))
MP_SYMBOL = json.load(open(os.path.join(D, 'model_parallel.json')))['symbol_json']
_PLACED = re.compile(r'^(\S+): \((\w+)\): /job:\S*/device:CPU:(\d+)$', re.M)


@pytest.fixture(scope='module')
def placements():
    """[(op name, op type, CPU index)] that TF's placer logged for
    tests/support/placement_probe.py."""
    tests = os.path.dirname(os.path.abspath(__file__))
    probe = os.path.join(tests, 'support', 'placement_probe.py')
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2')
    out = subprocess.run([sys.executable, probe], capture_output=True, text=True,
                         env=env, timeout=300, cwd=os.path.dirname(tests))
    assert out.returncode == 0, out.stderr[-2000:]
    return [(n, t, int(k)) for n, t, k in _PLACED.findall(out.stdout)]


def _module(net, ndev, wl=None, ctx=None):
    sym = R.net_symbol(net)
    ctx = ctx or [mx.cpu(i) for i in range(ndev)]
    mod = mx.mod.Module(sym, context=ctx, work_load_list=wl)
    shape = (8,) + tuple(R.NETS[net]['data_shape_per_sample'])
    mod.bind([('data', shape)], [('softmax_label', (8,))])
    arg, aux = R.init_params(net)
    mod.init_params(arg_params=arg, aux_params=aux)
    mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.1,
                                                          'momentum': 0.9, 'wd': 1e-4})
    return mod


@pytest.mark.parametrize('cfg', sorted(META))
def test_data_parallel_training_matches_mxnet(cfg):
    m = META[cfg]
    mod = _module(m['net'], m['num_device'], m['work_load_list'])
    assert [[s.start, s.stop] for s in mod._exec_group.slices] == m['slices']
    assert mod._update_on_kvstore == m['update_on_kvstore']
    assert (mod._kvstore.type if mod._kvstore else None) == m['kvstore_type']
    assert mod._optimizer.rescale_grad == m['rescale_grad']
    for t in range(1, 6):
        mod.forward_backward(R.batch(m['net'], t - 1))
        mod.update()
        pre = '%s/step%d/' % (cfg, t)
        np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), Z[pre + 'out'], rtol=1e-5,
                                   atol=1e-5)
        for k, o in enumerate(mod.get_outputs(merge_multi_context=False)[0]):
            np.testing.assert_allclose(o.asnumpy(), Z[pre + 'out_dev%d' % k], rtol=1e-5,
                                       atol=1e-5)
        eg = mod._exec_group
        for n, block in zip(eg.aux_names, eg.aux_arrays):
            for k, a in enumerate(block):
                np.testing.assert_allclose(a.asnumpy(), Z[pre + 'aux_dev%d/%s' % (k, n)],
                                           rtol=1e-5, atol=1e-5, err_msg='%s dev%d' % (n, k))
        for name, block in zip(eg.param_names, eg.param_arrays):
            for a in block[1:]:  # every device holds the same parameters
                np.testing.assert_array_equal(a.asnumpy(), block[0].asnumpy())
        arg, aux = mod.get_params()
        for n, v in list(arg.items()) + list(aux.items()):
            key = pre + '%s/%s' % ('arg' if n in arg else 'aux', n)
            np.testing.assert_allclose(v.asnumpy(), Z[key], rtol=1e-5, atol=1e-5, err_msg=key)


def test_replicas_equal_single_device_on_mlp():
    """2 and 3 replicas (even and uneven) give 1-replica numbers within 1e-5 (no BatchNorm)."""
    ref = _module('mlp', 1)
    runs = [_module('mlp', 2), _module('mlp', 3, [2, 1, 1]), _module('mlp', 2, [1, 3])]
    for t in range(5):
        for mod in [ref] + runs:
            mod.forward_backward(R.batch('mlp', t))
            mod.update()
    want = ref.get_params()[0]
    for mod in runs:
        got = mod.get_params()[0]
        for n in want:
            np.testing.assert_allclose(got[n].asnumpy(), want[n].asnumpy(), atol=1e-5)


def test_replicas_live_on_their_devices():
    mod = _module('mlp', 3)
    for k, e in enumerate(mod._exec_group.execs):
        assert {v.device.split(':')[-1] for v in e._arg_vars} == {str(k)}, k
    assert len(tf.config.list_logical_devices('CPU')) >= 3


def test_replicas_compute_on_their_devices(placements):
    """TF's placement log: each replica's forward and backward ops run on its own CPU."""
    placed = [p for p in placements
              if not p[0].startswith(('mp_', 'ex_', 'gradient_tape/mp_', 'gradient_tape/ex_'))]
    def base(n):    # fc1_2/MatMul -> fc1/MatMul; tf.distribute's replica/ name scopes dropped
        return re.sub(r'_\d+(?=/)', '', re.sub(r'(^|/)replica(_\d+)?/', r'\1', n))
    want = {'fc1/MatMul', 'relu1/Relu', 'fc2/MatMul', 'gradient_tape/fc2/MatMul/MatMul',
            'gradient_tape/fc2/MatMul/MatMul_1', 'gradient_tape/fc1/MatMul/MatMul'}
    for k in range(3):
        ops = {base(n) for n, t, dev in placed if dev == k and t in ('MatMul', 'Relu')}
        assert want <= ops, (k, sorted(ops))


def test_compiled_function_count_does_not_grow():
    mod = _module('convbn', 2)
    for t in range(5):
        mod.forward_backward(R.batch('convbn', t % 5))
        mod.update()
    counts = [e.trace_count for e in mod._exec_group.execs]
    group = mod._train_step
    assert group is not None  # the whole step ran as one compiled call
    traces = group.trace_count
    calls = [e.call_count for e in mod._exec_group.execs]
    for t in range(5):
        mod.forward_backward(R.batch('convbn', t % 5))
        mod.update()
    assert [e.trace_count for e in mod._exec_group.execs] == counts
    assert mod._train_step is group and group.trace_count == traces == 1
    assert [e.call_count for e in mod._exec_group.execs] == [c + 5 for c in calls]


def test_contexts_may_repeat_a_device():
    """cpu(0) twice (every cpu(i) is the host in MXNet): still two slices, two BN statistics."""
    m = META['convbn_2dev']
    mod = _module('convbn', 2, ctx=[mx.cpu(0), mx.cpu(0)])
    for t in range(1, 4):
        mod.forward_backward(R.batch('convbn', t - 1))
        mod.update()
    arg, aux = mod.get_params()
    for n, v in list(arg.items()) + list(aux.items()):
        key = 'convbn_2dev/step3/%s/%s' % ('arg' if n in arg else 'aux', n)
        np.testing.assert_allclose(v.asnumpy(), Z[key], rtol=1e-5, atol=1e-5, err_msg=key)
    assert m['num_device'] == 2


def test_absent_gpu_is_named():
    with pytest.raises(MXNetError, match=r'gpu\(7\)'):
        mx.nd.zeros((2,), ctx=mx.gpu(7))


def test_kvstore_semantics():
    kv = mx.kv.create('local')
    assert (kv.type, kv.rank, kv.num_workers) == ('local', 0, 1)
    kv.init(3, mx.nd.ones((2, 2)))
    kv.push(3, [mx.nd.ones((2, 2)) * 2, mx.nd.ones((2, 2)) * 3])
    a = mx.nd.zeros((2, 2))
    kv.pull(3, out=a)
    np.testing.assert_array_equal(a.asnumpy(), 5)
    outs = [mx.nd.zeros((2, 2)), mx.nd.zeros((2, 2))]
    kv.push(3, mx.nd.ones((2, 2)) * 7)
    kv.pull(3, out=outs)
    np.testing.assert_array_equal(outs[1].asnumpy(), 7)
    with pytest.raises(MXNetError, match='duplicate init of key 3'):
        kv.init(3, mx.nd.ones((2, 2)))
    with pytest.raises(MXNetError, match='key 9 has not been inited'):
        kv.pull(9, out=a)
    with pytest.raises(MXNetError, match='Mixed key types'):
        kv.init('a', mx.nd.ones((2,)))
    kv2 = mx.kv.create('device')
    kv2.init(['a', 'b'], [mx.nd.ones((2,)), mx.nd.ones((3,))])
    kv2.set_optimizer(mx.optimizer.SGD(learning_rate=0.1))
    kv2.push('a', [mx.nd.ones((2,)), mx.nd.ones((2,))])
    b = mx.nd.zeros((2,))
    kv2.pull('a', out=b)
    np.testing.assert_allclose(b.asnumpy(), 0.8)  # 1 - 0.1 * (1 + 1)
    o = mx.nd.zeros((3,))
    kv2.pushpull('b', mx.nd.ones((3,)), out=o)
    np.testing.assert_allclose(o.asnumpy(), 0.9)
    c = mx.nd.zeros((2, 2))
    kv2.broadcast('c', mx.nd.ones((2, 2)) * 5, out=c)
    np.testing.assert_array_equal(c.asnumpy(), 5)
    kv2.set_gradient_compression({'type': '2bit', 'threshold': 0.5})
    with pytest.raises(MXNetError, match='valid types'):
        mx.kv.create('bogus')
    assert mx.kv.create('dist_sync').num_workers == 1


def test_module_accepts_kvstore_object_and_names():
    for kv in ('local', 'device', mx.kv.create('local')):
        mod = mx.mod.Module(R.net_symbol('mlp'), context=[mx.cpu(0), mx.cpu(1)])
        mod.bind([('data', (8, 10))], [('softmax_label', (8,))])
        arg, aux = R.init_params('mlp')
        mod.init_params(arg_params=arg, aux_params=aux)
        mod.init_optimizer(kvstore=kv, optimizer='sgd',
                           optimizer_params={'learning_rate': 0.1, 'momentum': 0.9, 'wd': 1e-4})
        mod.forward_backward(R.batch('mlp', 0))
        mod.update()
        np.testing.assert_allclose(mod.get_params()[0]['fc1_weight'].asnumpy(),
                                   Z['mlp_2dev/step1/arg/fc1_weight'], rtol=1e-5, atol=1e-6)


def test_model_parallel_groups_are_placed_on_their_devices():
    mod = mx.mod.Module(two_group_mlp(mx), context=mx.cpu(0),
                        group2ctxs={'dev1': mx.cpu(1), 'dev2': mx.cpu(2)})
    mod.bind([('data', (8, 10))], [('softmax_label', (8,))])
    mod.init_params()
    mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.1})
    mod.forward_backward(R.batch('mlp', 0))
    mod.update()
    exe = mod._exec_group.execs[0]
    mod.forward(R.batch('mlp', 1), is_train=False)
    assert np.isfinite(mod.get_outputs()[0].asnumpy()).all()
    graph = exe._compiled['infer']._list_all_concrete_functions()[0].graph
    placed = {}
    for op in graph.get_operations():
        for node in ('fc1', 'relu1', 'fc2'):
            if op.name.startswith(node + '/') and op.type in ('MatMul', 'Relu', 'BiasAdd',
                                                             'AddV2'):
                placed.setdefault(node, set()).add(op.device.split(':')[-1])
    assert placed['fc1'] == {'1'} and placed['relu1'] == {'1'} and placed['fc2'] == {'2'}, placed


def test_model_parallel_ops_run_on_their_group_devices(placements):
    """TF's placement log: each group's forward ops (training and inference) and its backward
    ops run on its CPU, as MXNet places every backward node on its forward node's device --
    in Module's compiled training step (mp_*) and in a bound executor's backward (ex_*)."""
    for pre in ('mp_', 'ex_'):
        fwd, bwd, grads = {}, {}, set()
        for name, typ, dev in placements:
            # relu: TF's Relu in inference, a Select on x > 0 in training (MXNet's NaN -> 0)
            if name.startswith(pre) and typ in ('MatMul', 'Relu', 'SelectV2', 'BiasAdd'):
                fwd.setdefault(name.split('/')[0][3:], set()).add(dev)
            if name.startswith('gradient_tape/' + pre) and typ in ('MatMul', 'BiasAddGrad'):
                bwd.setdefault(name.split('/')[1][3:], set()).add(dev)
                grads.add(name[len('gradient_tape/') + 3:])
        assert fwd == {'fc1': {1}, 'relu1': {1}, 'fc2': {2}}, (pre, fwd)
        assert bwd == {'fc1': {1}, 'fc2': {2}}, (pre, bwd)
        # the weight (MatMul) and bias (BiasAddGrad) gradients of both layers, fc2's data
        # gradient (MatMul_1); fc1's data gradient only where the data has one (simple_bind's
        # 'write')
        want = {'fc1/MatMul/MatMul', 'fc1/BiasAdd/BiasAddGrad', 'fc2/MatMul/MatMul',
                'fc2/MatMul/MatMul_1', 'fc2/BiasAdd/BiasAddGrad'} | \
            ({'fc1/MatMul/MatMul_1'} if pre == 'ex_' else set())
        assert grads == want, (pre, sorted(grads))


def test_model_parallel_numbers_match_mxnet():
    """Three SGD-momentum steps and an inference pass with group2ctxs, against MXNet 1.9.1.

    tools/record_model_parallel.py recorded them (and checked that MXNet gives the same numbers
    without group2ctxs). float32 sums of 10 and 8 terms: rtol 1e-5 covers summation order.
    """
    sym = mx.sym.load_json(json.dumps(MP_SYMBOL))
    mod = mx.mod.Module(sym, context=mx.cpu(0), group2ctxs={'dev1': mx.cpu(1), 'dev2': mx.cpu(2)})
    mod.bind([('data', (8, 10))], [('softmax_label', (8,))])
    mod.init_params(arg_params={k[5:]: mx.nd.array(MP[k]) for k in MP.files
                                if k.startswith('init/')})
    mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.1, 'momentum': 0.9})
    for t in range(3):
        mod.forward_backward(R.batch('mlp', t))
        mod.update()
        np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), MP['step%d/out' % (t + 1)],
                                   rtol=1e-5, atol=1e-6)
        for n, v in mod.get_params()[0].items():
            key = 'step%d/arg/%s' % (t + 1, n)
            np.testing.assert_allclose(v.asnumpy(), MP[key], rtol=1e-5, atol=1e-6, err_msg=key)
    mod.forward(R.batch('mlp', 3), is_train=False)
    np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), MP['infer/out'],
                               rtol=1e-5, atol=1e-6)


def test_model_parallel_conv_batchnorm_numbers_match_mxnet():
    """Conv/BatchNorm/pooling groups (tools/record_model_parallel_conv.py): the gradients that
    now run on the groups' devices give MXNet 1.9.1's parameters and moving statistics."""
    Z2 = np.load(os.path.join(D, 'model_parallel_conv.npz'))
    sym = mx.sym.load_json(json.dumps(
        json.load(open(os.path.join(D, 'model_parallel_conv.json')))['symbol_json']))
    mod = mx.mod.Module(sym, context=mx.cpu(0), group2ctxs={'dev1': mx.cpu(1), 'dev2': mx.cpu(2)})
    mod.bind([('data', Z2['batch/data'].shape[1:])],
             [('softmax_label', Z2['batch/label'].shape[1:])])
    mod.init_params(arg_params={k[9:]: mx.nd.array(Z2[k]) for k in Z2.files
                                if k.startswith('init/arg/')},
                    aux_params={k[9:]: mx.nd.array(Z2[k]) for k in Z2.files
                                if k.startswith('init/aux/')})
    mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.1, 'momentum': 0.9})

    def batch(t):
        return mx.io.DataBatch([mx.nd.array(Z2['batch/data'][t])],
                               [mx.nd.array(Z2['batch/label'][t])])
    for t in range(3):
        mod.forward_backward(batch(t))
        mod.update()
        np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), Z2['step%d/out' % (t + 1)],
                                   rtol=1e-5, atol=1e-6)
        arg, aux = mod.get_params()
        for kind, params in (('arg', arg), ('aux', aux)):
            for n, v in params.items():
                key = 'step%d/%s/%s' % (t + 1, kind, n)
                np.testing.assert_allclose(v.asnumpy(), Z2[key], rtol=1e-4, atol=1e-5,
                                           err_msg=key)
    mod.forward(batch(3), is_train=False)
    np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), Z2['infer/out'],
                               rtol=1e-4, atol=1e-5)
    assert mod._train_step.trace_count == 1
