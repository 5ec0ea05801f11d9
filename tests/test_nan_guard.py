"""Where a guarded inference call tests for the NaNs its fast relus may let through.

A relu leaves its check to the call: its NaNs are tested at the outputs they reach through ops
that propagate NaN (the registry's ``nan_propagates``) and at the input of any op able to turn a
NaN into a number (max pooling), so no relu keeps a sum of its own. Either way a NaN made inside
the graph -- or given in the input -- sends the call to the exact graph and MXNet 1.9.1's values
come out
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


def test_relu_feeding_max_pooling_is_tested_at_the_pools_input():
    """TF's MaxPool skips NaNs (a window of NaNs gives the lowest float, MXNet's relu then pool
    0): the pool's input is tested, not the output after it, and MXNet's zeros come out."""
    mod = _check('maxpool', ['clean', 'inside', 'clean'], calls=1 + 2 + 1)
    assert _guard_ops(mod) == ((0, 1) if TRUSTED else (1, 1))
    rec = _rec('maxpool')
    assert (rec['inside1'][1, 0, 1, 1] == 0) and (rec['clean1'] != 0).all()


def test_relu_reaching_max_pooling_and_a_propagating_branch():
    """r0 feeds max pooling and a conv -> relu -> average-pool branch: the pool's input and the
    branch's output are tested (head 0, after the pool, is not), no relu keeps a sum."""
    mod = _check('mixed', ['inside', 'clean', 'input'], calls=2 + 1 + 2)
    assert _guard_ops(mod) == ((0, 2) if TRUSTED else (2, 1))


def _points(sym, name):
    """Names of the nodes whose outputs the call tests for the NaNs of node ``name``."""
    order = _graph.topo_order(sym._heads)
    node = [n for n in order if n.name == name][0]
    return sorted(n.name for n, _ in _graph.nan_test_points(order, sym._heads, [node]))


@pytest.mark.parametrize('after, at_relu', [
    (lambda x: mx.sym.clip(x, 0, 1), True),
    (lambda x: mx.sym.Cast(x, dtype='int32'), True),
    (lambda x: mx.sym.Cast(x, dtype='float16'), False),
    (lambda x: mx.sym.maximum(x, 0.5), True),
    (lambda x: x > 0.5, True),
    (lambda x: mx.sym.Pooling(x, kernel=(1, 1), pool_type='max'), True),
    (lambda x: mx.sym.Pooling(x, kernel=(1, 1), pool_type='avg'), False),
    (lambda x: mx.sym.Group([mx.sym.tanh(x) * 2, mx.sym.argmax(x, axis=1)]), True),
    (lambda x: mx.sym.Group([mx.sym.tanh(x) * 2, mx.sym.BlockGrad(x)]), False),
])
def test_where_a_relus_nans_are_tested(after, at_relu):
    """At the relu's output when an op that may drop NaN reads it, else at the heads only."""
    sym = after(mx.sym.Activation(mx.sym.Variable('data'), 'relu', name='r'))
    points = _points(sym, 'r')
    heads = sorted({n.name for n, _ in sym._heads})
    if at_relu:
        assert 'r' in points
    else:
        assert points == heads and 'r' not in heads


def test_one_test_before_a_max_pool_covers_the_relus_upstream():
    """relu -> conv -> relu -> max pool -> fc: both relus' NaNs are tested once, at the
    pool's input (the second relu's output); the head after the pool is not tested."""
    x = mx.sym.Activation(mx.sym.Variable('data'), 'relu', name='r0')
    x = mx.sym.Activation(mx.sym.Convolution(x, kernel=(1, 1), num_filter=2, name='c'), 'relu',
                          name='r1')
    x = mx.sym.Pooling(x, kernel=(2, 2), pool_type='max', name='p')
    sym = mx.sym.FullyConnected(x, num_hidden=3, name='fc')
    order = _graph.topo_order(sym._heads)
    relus = [n for n in order if n.name in ('r0', 'r1')]
    assert sorted(n.name for n, _ in _graph.nan_test_points(order, sym._heads, relus)) == ['r1']


def test_propagation_is_trusted_on_plain_cpu_kernels_only():
    assert TRUSTED == (not _graph.ONEDNN)
    gpu = '/job:localhost/replica:0/task:0/device:GPU:0'
    assert not _graph.nan_propagation_verified([_CPU, gpu])
