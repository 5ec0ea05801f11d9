"""mx.monitor.Monitor against MXNet 1.9.1 (fixtures/monitor/monitor.json, recorded by
fixtures/monitor/gen_monitor.py on the common MLP).

MXNet's monitor sees every op node's outputs (forward, then the backward nodes'
``<node>_backward_output[i]``), then the arguments and aux states. Two recorded backward values
are uninitialised memory in MXNet and are not compared: the label gradient
``softmax_backward_output1`` (never written) and ``fc1_backward_output0`` (d loss/d data) when
the data needs no gradient -- the ``inputs_need_grad`` case records its real value.
"""
import json

import numpy as np
import pytest

import tfmod as mx
import tfmod.monitor  # noqa: F401  (mx.monitor)
from support import module_replay as R
from support.log_capture import capture_logs  # noqa: E402

MON = json.load(open(R.fixture('..', 'monitor', 'monitor.json')))
ARGS = ['data', 'fc1_weight', 'fc1_bias', 'fc2_weight', 'fc2_bias', 'softmax_label']
GARBAGE = {'softmax_backward_output1'}          # never written by MXNet
GARBAGE_NO_INPUT_GRAD = GARBAGE | {'fc1_backward_output0'}


def _stat_values(s):
    return [float(x) for x in s.strip('\t').strip('[]').split()]


def _compare(got, want, skip=GARBAGE_NO_INPUT_GRAD, rtol=1e-5):
    got = [list(r) for r in got]
    assert [r[:2] for r in got] == [r[:2] for r in want]
    for (_, name, g), (_, _, w) in zip(got, want):
        assert g.endswith('\t')
        if name in skip:
            continue
        np.testing.assert_allclose(_stat_values(g), _stat_values(w), rtol=rtol, atol=1e-7,
                                   err_msg=name)


def _module(**bind_kw):
    mod = mx.mod.Module(R.net_symbol('mlp'))
    mod.bind([('data', (8, 10))], [('softmax_label', (8,))], **bind_kw)
    arg, _ = R.init_params('mlp')
    mod.init_params(arg_params=arg)
    return mod




def test_inference_and_training_step():
    rec = MON['default']
    mod = _module()
    mon = mx.monitor.Monitor(1)
    mod.install_monitor(mon)
    mon.tic()
    mod.forward(R.batch('mlp', 0), is_train=False)
    _compare(mon.toc(), rec['infer'])
    mon.tic()
    mod.forward(R.batch('mlp', 0), is_train=True)
    mod.backward()
    _compare(mon.toc(), rec['train'])


def test_backward_outputs_with_input_grads():
    rec = MON['inputs_need_grad']
    mod = _module(inputs_need_grad=True)
    mon = mx.monitor.Monitor(1, pattern='.*backward.*')
    mod.install_monitor(mon)
    mon.tic()
    mod.forward(R.batch('mlp', 0), is_train=True)
    mod.backward()
    res = mon.toc()
    _compare(res, rec['train'], skip=GARBAGE)
    data_grad = [r for r in res if r[1] == 'fc1_backward_output0'][0][2]
    assert float(data_grad) == pytest.approx(rec['input_grad_stat'], rel=1e-5)
    g = mod.get_input_grads()[0].asnumpy()
    assert float(data_grad) == pytest.approx(np.sqrt((g ** 2).mean()), rel=1e-5)


def test_monitor_all():
    """Inputs too. Known difference: MXNet names the inputs of ops without FListInputNames
    (Activation) 'input<i>', tfmod uses the op's declared names ('relu1_data'); and the
    backward nodes' inputs are not reported."""
    rec = MON['monitor_all']
    mod = _module()
    mon = mx.monitor.Monitor(1, monitor_all=True)
    mod.install_monitor(mon)
    mon.tic()
    mod.forward(R.batch('mlp', 0), is_train=False)
    infer = mon.toc()
    mon.tic()
    mod.forward(R.batch('mlp', 0), is_train=True)
    mod.backward()
    train = mon.toc()
    rename = {'relu1_input0': 'relu1_data'}
    want_infer = [[s, rename.get(n, n), v] for s, n, v in rec['infer']]
    _compare(infer, want_infer)
    nfwd = len(want_infer) - len(ARGS)
    backward = [r for r in MON['default']['train'] if '_backward_output' in r[1]]
    want_train = [[2, n, v] for _, n, v in want_infer[:nfwd]] + backward + \
        [[2, n, v] for _, n, v in want_infer[nfwd:]]
    _compare(train, want_train)
    # every recorded non-backward-input name is there, in order
    names = [n for _, n, _ in rec['train']]
    keep = [rename.get(n, n) for i, n in enumerate(names)
            if '_backward_input' not in n and not (i + 1 < len(names) and
                                                   '_backward_input' in names[i + 1] and
                                                   n in ARGS and i >= nfwd)]
    assert [r[1] for r in train] == keep


def test_fit_interval_pattern_sort_toc_print():
    rec = MON['fit_interval2_pattern_sorted']['log_lines']
    d = R.data('mlp')
    arg, _ = R.init_params('mlp')
    mod = mx.mod.Module(R.net_symbol('mlp'))
    mon = mx.monitor.Monitor(2, pattern='.*weight|.*backward.*|fc2_output', sort=True)
    with capture_logs() as lines:
        mod.fit(mx.io.NDArrayIter(d['data'][:32], d['label'][:32], batch_size=8),
                optimizer='sgd', optimizer_params={'learning_rate': 0.1}, arg_params=arg,
                num_epoch=1, monitor=mon)
    got = [ln for ln in lines if ln.startswith('Batch:')]
    assert len(got) == len(rec)
    for g, w in zip(got, rec):
        assert g[:46] == w[:46]           # 'Batch: {:7d} {:30s} '
        name = w[15:45].strip()
        if name not in GARBAGE_NO_INPUT_GRAD:
            assert float(g[46:]) == pytest.approx(float(w[46:]), rel=1e-5), name


def test_custom_vector_stat_and_toc_without_tic():
    rec = MON['custom_stat_vector']
    mod = _module()
    mon = mx.monitor.Monitor(1, stat_func=lambda x: mx.nd.max(x, axis=0), pattern='fc2_output')
    mod.install_monitor(mon)
    assert mon.toc() == rec['toc_before_tic'] == []
    mon.tic()
    mod.forward(R.batch('mlp', 1), is_train=False)
    _compare(mon.toc(), rec['result'])
    # a list of statistics per tensor
    mon2 = mx.monitor.Monitor(1, stat_func=lambda x: [mx.nd.min(x), mx.nd.max(x)],
                              pattern='fc1_bias')
    mod.install_monitor(mon2)
    mon2.tic()
    (step, name, s), = mon2.toc()
    b = R.init_params('mlp')[0]['fc1_bias'].asnumpy()
    assert (step, name) == (1, 'fc1_bias')
    assert [float(x) for x in s.split('\t')[:2]] == pytest.approx([b.min(), b.max()])
    mon3 = mx.monitor.Monitor(1, stat_func=lambda x: 3.0)
    mod.install_monitor(mon3)
    mon3.tic()
    with pytest.raises(TypeError):
        mon3.toc()


def test_monitor_does_not_change_training_and_compiles_once():
    d = R.data('mlp')
    arg, _ = R.init_params('mlp')

    def train(mon):
        mod = mx.mod.Module(R.net_symbol('mlp'))
        mod.fit(mx.io.NDArrayIter(d['data'], d['label'], batch_size=8), optimizer='sgd',
                optimizer_params={'learning_rate': 0.1, 'momentum': 0.9},
                arg_params={k: v.copy() for k, v in arg.items()}, num_epoch=3, monitor=mon)
        return mod

    plain = train(None)
    seen = []
    mon = mx.monitor.Monitor(2, stat_func=lambda x: seen.append(1) or mx.nd.norm(x),
                             pattern='fc2_output')
    with capture_logs():
        watched = train(mon)
    for k, v in plain.get_params()[0].items():
        np.testing.assert_allclose(watched.get_params()[0][k].asnumpy(), v.asnumpy(),
                                   rtol=1e-6, atol=1e-7)
    # 5 batches per epoch: the step counter runs across epochs, batches 0, 2, 4, ... monitored
    assert len(seen) == 8
    exe = watched._exec_group.execs[0]
    mon_kinds = [k for k in exe._compiled if isinstance(k, tuple) and k[0].endswith('_mon')]
    assert [k[0] for k in mon_kinds] == ['train_bwd_mon']
    # unmonitored batches still take the fused forward+backward+update call
    fused = [k for k in watched._train_step._cache if k[0]]
    assert fused and watched._train_step.trace_count == 2
    # no monitor: no monitored function exists at all
    exe_plain = plain._exec_group.execs[0]
    assert not [k for k in exe_plain._compiled if isinstance(k, tuple)]


def test_executor_callback_and_deferred_forward():
    sym = R.net_symbol('mlp')
    exe = sym.simple_bind(mx.cpu(), data=(8, 10), softmax_label=(8,))
    arg, _ = R.init_params('mlp')
    for k, v in arg.items():
        exe.arg_dict[k][:] = v
    b = R.batch('mlp', 0)
    names = []
    exe.set_monitor_callback(lambda name, arr: names.append((name, arr.shape)))   # always on
    exe.forward(is_train=False, data=b.data[0], softmax_label=b.label[0])
    fwd = [('fc1_output', (8, 16)), ('relu1_output', (8, 16)), ('fc2_output', (8, 4)),
           ('softmax_output', (8, 4))]
    assert names == fwd
    bwd = [('softmax_backward_output0', (8, 4)), ('softmax_backward_output1', (8,)),
           ('fc2_backward_output0', (8, 16)), ('fc2_backward_output1', (4, 16)),
           ('fc2_backward_output2', (4,)), ('relu1_backward_output', (8, 16)),
           ('fc1_backward_output0', (8, 10)), ('fc1_backward_output1', (16, 10)),
           ('fc1_backward_output2', (16,))]
    del names[:]
    exe.forward(is_train=True, data=b.data[0], softmax_label=b.label[0])
    exe.backward()
    exe.grad_dict['fc1_weight'].asnumpy()          # runs the deferred step
    assert names == fwd + bwd
    # forward read before backward: the forward is reported once, the backward after it
    del names[:]
    exe.forward(is_train=True, data=b.data[0], softmax_label=b.label[0])
    exe.outputs[0].asnumpy()
    assert names == fwd
    exe.backward()
    exe.grad_dict['fc1_weight'].asnumpy()
    assert names == fwd + bwd
    # the gradients reported equal the executor's
    grads = {}
    exe.set_monitor_callback(lambda name, arr: grads.__setitem__(name, arr.asnumpy()))
    exe.forward(is_train=True, data=b.data[0], softmax_label=b.label[0])
    exe.backward()
    exe.grad_dict['fc1_weight'].asnumpy()
    traces = exe.trace_count
    np.testing.assert_allclose(grads['fc1_backward_output1'],
                               exe.grad_dict['fc1_weight'].asnumpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(grads['fc2_backward_output2'],
                               exe.grad_dict['fc2_bias'].asnumpy(), rtol=1e-6, atol=1e-7)
    out = exe.outputs[0].asnumpy()
    onehot = np.eye(4)[b.label[0].asnumpy().astype(int)]
    np.testing.assert_allclose(grads['softmax_backward_output0'], out - onehot, rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_array_equal(grads['softmax_backward_output1'], 0)
    # every monitored kind was traced once
    for _ in range(2):
        exe.forward(is_train=True, data=b.data[0], softmax_label=b.label[0])
        exe.outputs[0].asnumpy()
        exe.backward()
        exe.forward(is_train=False, data=b.data[0], softmax_label=b.label[0])
    assert exe.trace_count == traces
    # removing the callback goes back to the plain functions
    exe.set_monitor_callback(None)
    del names[:]
    exe.forward(is_train=False, data=b.data[0], softmax_label=b.label[0])
    assert names == []


def test_fixed_params_prune_backward_nodes():
    """Only nodes whose backward runs are reported (MXNet prunes the others)."""
    sym = R.net_symbol('mlp')
    mod = mx.mod.Module(sym, fixed_param_names=['fc1_weight', 'fc1_bias'])
    mod.bind([('data', (8, 10))], [('softmax_label', (8,))])
    mod.init_params(arg_params=R.init_params('mlp')[0])
    mon = mx.monitor.Monitor(1, pattern='.*backward.*')
    mod.install_monitor(mon)
    mon.tic()
    mod.forward_backward(R.batch('mlp', 0))
    names = [r[1] for r in mon.toc()]
    assert names == ['softmax_backward_output0', 'softmax_backward_output1',
                     'fc2_backward_output0', 'fc2_backward_output1', 'fc2_backward_output2']


def test_two_executors_share_a_monitor():
    sym = R.net_symbol('mlp')
    exes = [sym.simple_bind(mx.cpu(), data=(8, 10), softmax_label=(8,)) for _ in range(2)]
    mon = mx.monitor.Monitor(1, pattern='fc2_output|fc2_bias')
    for e in exes:
        mon.install(e)
    assert mon.exes == exes
    b = R.batch('mlp', 0)
    mon.tic()
    for e in exes:
        e.forward(is_train=False, data=b.data[0], softmax_label=b.label[0])
    assert [r[1] for r in mon.toc()] == ['fc2_output', 'fc2_output', 'fc2_bias', 'fc2_bias']
    # inactive between toc and the next tic: the callback is not fed
    for e in exes:
        e.forward(is_train=False, data=b.data[0], softmax_label=b.label[0])
    assert mon.queue == [] and mon.toc() == []
