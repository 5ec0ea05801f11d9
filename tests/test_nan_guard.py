"""Which relus of a guarded inference call keep a NaN check of their own.

A relu whose every path to the outputs propagates NaN (the registry's ``nan_propagates``) leaves
its check to one NaN test of the outputs; one that reaches an op able to turn a NaN into a number
(max pooling) keeps its sum. Either way a NaN made inside the graph -- or given in the input --
sends the call to the exact graph and MXNet 1.9.1's values come out
(tests/fixtures/nan_guard/, recorded by tools/record_nan_guard.py from the nets of
tests/support/nan_guard_nets.py).
"""
import os

import numpy as np
import pytest

import tfmod as mx
from support import nan_guard_nets as nets
from tfmod_converters import graph as _graph

FIX = os.path.join(os.path.dirname(__file__), 'fixtures', 'nan_guard')
_CPU = '/job:localhost/replica:0/task:0/device:CPU:0'
# where the registry's nan_propagates flags are not trusted (oneDNN), every relu keeps its sum
TRUSTED = _graph.nan_propagation_verified([_CPU])


def _rec(name):
    return dict(np.load(os.path.join(FIX, name + '.npz')))


def _module(name, rec):
    mod = mx.mod.Module(nets.NETS[name](mx), label_names=None, context=mx.cpu())
    mod.bind([('data', nets.SHAPE)], for_training=False)
    mod.set_params({k[4:]: mx.nd.array(v) for k, v in rec.items() if k.startswith('arg:')},
                   {k[4:]: mx.nd.array(v) for k, v in rec.items() if k.startswith('aux:')})
    return mod


def _forward(mod, rec, batch):
    mod.forward(mx.io.DataBatch([mx.nd.array(rec['data_' + batch])]), is_train=False)
    return [o.asnumpy() for o in mod.get_outputs()]


def _guard_ops(mod):
    """(per-relu sums, IsNan ops) in the guarded call's traced graph: one IsNan per output
    tested, plus one over the sums when there are any."""
    exe = mod._exec_group.execs[0]
    graphs = [cf.graph for key, cf in exe._concrete.items() if key[0] == 'infer']
    assert len(graphs) == 1
    ops = [n.op for n in graphs[0].as_graph_def().node]
    return ops.count('Sum'), ops.count('IsNan')


def _check(name, batches, calls):
    """Each batch's outputs equal MXNet's; the calls made (guarded + exact reruns) are
    ``calls``; returns the module."""
    rec = _rec(name)
    mod = _module(name, rec)
    exe = mod._exec_group.execs[0]
    for batch in batches:
        for k, o in enumerate(_forward(mod, rec, batch)):
            np.testing.assert_allclose(o, rec['%s%d' % (batch, k)], rtol=1e-4, atol=1e-5,
                                       err_msg='%s %s output %d' % (name, batch, k))
    assert exe.call_count == calls
    return mod


def test_relus_reaching_only_propagating_ops_take_no_sum():
    """Three relus, none with a sum: one NaN test of the output; the NaNs made inside (at the
    first relu, then through two fused conv -> BatchNorm -> relu) take the exact rerun."""
    mod = _check('propagating', ['clean', 'inside'], calls=1 + 2)
    assert _guard_ops(mod) == ((0, 1) if TRUSTED else (3, 1))
    assert mod._exec_group.execs[0].trace_count == 2


def test_nan_in_the_input_still_gives_mxnets_outputs():
    """A NaN given in the data reaches the output (NaN in MXNet too, through the data's own
    FullyConnected) and elsewhere a relu (0 in MXNet): the exact rerun gives both."""
    rec = _rec('propagating')
    assert np.isnan(rec['input0'][2]).all() and not np.isnan(np.delete(rec['input0'], 2, 0)).any()
    _check('propagating', ['input', 'clean', 'input'], calls=2 + 1 + 2)


def test_relu_feeding_max_pooling_keeps_its_sum():
    """TF's MaxPool skips NaNs (a window of NaNs gives the lowest float, MXNet's relu then pool
    0): the relu before it keeps its own check, and its zeros come out as MXNet's."""
    mod = _check('maxpool', ['clean', 'inside', 'clean'], calls=1 + 2 + 1)
    assert _guard_ops(mod) == (1, 1)
    rec = _rec('maxpool')
    assert (rec['inside1'][1, 0, 1, 1] == 0) and (rec['clean1'] != 0).all()


def test_relu_reaching_max_pooling_and_a_propagating_branch_keeps_its_sum():
    """r0 feeds max pooling and a conv -> relu -> average-pool branch: r0 keeps its sum, r1
    (propagating only) leaves its check to a NaN test of the branch's output alone."""
    mod = _check('mixed', ['inside', 'clean', 'input'], calls=2 + 1 + 2)
    # head 1 tested, head 0 (after max pooling) not
    assert _guard_ops(mod) == ((1, 2) if TRUSTED else (2, 1))


def _nodes(sym):
    order = _graph.topo_order(sym._heads)
    return {n.name: n for n in order}, _graph.nan_checked_nodes(order)


@pytest.mark.parametrize('after, checked', [
    (lambda x: mx.sym.clip(x, 0, 1), False),
    (lambda x: mx.sym.Cast(x, dtype='int32'), False),
    (lambda x: mx.sym.Cast(x, dtype='float16'), True),
    (lambda x: mx.sym.maximum(x, 0.5), False),
    (lambda x: x > 0.5, False),
    (lambda x: mx.sym.Pooling(x, kernel=(1, 1), pool_type='max'), False),
    (lambda x: mx.sym.Pooling(x, kernel=(1, 1), pool_type='avg'), True),
    (lambda x: mx.sym.Group([mx.sym.tanh(x) * 2, mx.sym.argmax(x, axis=1)]), False),
    (lambda x: mx.sym.Group([mx.sym.tanh(x) * 2, mx.sym.BlockGrad(x)]), True),
])
def test_which_relus_the_outputs_cover(after, checked):
    relu = mx.sym.Activation(mx.sym.Variable('data'), 'relu', name='r')
    nodes, covered = _nodes(after(relu))
    assert (id(nodes['r']) in covered) == checked


def test_propagation_is_trusted_on_plain_cpu_kernels_only():
    assert TRUSTED == (not _graph.ONEDNN)
    gpu = '/job:localhost/replica:0/task:0/device:GPU:0'
    assert not _graph.nan_propagation_verified([_CPU, gpu])
