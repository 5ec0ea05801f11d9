"""The inference fast path: forward-only graphs, one trace per shape, shape inference traced once.

Values are MXNet 1.9.1's (tests/fixtures/perf/predict.npz, recorded by
tools/record_perf_predict.py): a residual conv/BatchNorm/relu net whose inference lowering uses
TF's fused BatchNorm and plain Relu instead of the differentiable forms, on data with NaNs
(given, or made inside the graph by inf - inf): the guarded call notices them and reruns exactly.
"""
import importlib
import os

import numpy as np
import pytest

import tfmod as mx
from support import perf_nets

# the module, not the function ``converters.infer`` that the package re-exports
_infer = importlib.import_module('tfmod_converters.infer')

FIX = os.path.join(os.path.dirname(__file__), 'fixtures', 'perf', 'predict.npz')


@pytest.fixture(scope='module')
def rec():
    return dict(np.load(FIX))


def _module(rec):
    mod = mx.mod.Module(perf_nets.resnet_block(mx), context=mx.cpu())
    mod.bind([('data', (perf_nets.BATCH,) + rec['data'].shape[1:])],
             [('softmax_label', (perf_nets.BATCH,))], for_training=False)
    mod.set_params({k[4:]: mx.nd.array(v) for k, v in rec.items() if k.startswith('arg:')},
                   {k[4:]: mx.nd.array(v) for k, v in rec.items() if k.startswith('aux:')})
    return mod


def _iter(rec):
    return mx.io.NDArrayIter(rec['data'], rec['label'], batch_size=perf_nets.BATCH)


def test_forward_and_predict_match_mxnet(rec):
    mod = _module(rec)
    b = mx.io.DataBatch([mx.nd.array(rec['data'][:perf_nets.BATCH])],
                        [mx.nd.array(rec['label'][:perf_nets.BATCH])])
    mod.forward(b, is_train=False)
    for k, o in enumerate(mod.get_outputs()):
        np.testing.assert_allclose(o.asnumpy(), rec['forward%d' % k], rtol=1e-4, atol=1e-5)
    for k, o in enumerate(mod.predict(_iter(rec))):
        np.testing.assert_allclose(o.asnumpy(), rec['predict%d' % k], rtol=1e-4, atol=1e-5)


def test_one_trace_for_every_inference_call(rec):
    mod = _module(rec)
    exe = mod._exec_group.execs[0]
    mod.predict(_iter(rec))
    mod.score(_iter(rec), mx.metric.Accuracy(output_names=['softmax_output']))
    for _ in mod.iter_predict(_iter(rec)):
        pass
    mod.forward(mx.io.DataBatch([mx.nd.array(rec['data'][:perf_nets.BATCH])]), is_train=False)
    # the guarded call, and once the exact one: every batch carries a NaN (the padded last one
    # wraps around to the first rows), so each call is rerun exactly: 3 passes of 3 batches + 1
    assert exe.trace_count == 2
    assert exe.call_count == 2 * (3 * 3 + 1)


def test_nan_free_inference_is_one_guarded_call(rec):
    mod = _module(rec)
    exe = mod._exec_group.execs[0]
    for _ in range(3):
        mod.forward(mx.io.DataBatch([mx.nd.array(rec['data_clean'])]), is_train=False)
        np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), rec['clean0'], rtol=1e-4,
                                   atol=1e-5)
    assert (exe.trace_count, exe.call_count) == (1, 3)
    ops = [n.op for n in list(exe._concrete.values())[0].graph.as_graph_def().node]
    assert 'IsNan' in ops and 'SelectV2' not in ops    # one NaN test, no per-relu NaN -> 0


def test_nan_made_inside_the_graph_takes_the_exact_path(rec):
    """inf - inf in the first convolution: no NaN in the input, NaNs at the relu."""
    mod = _module(rec)
    exe = mod._exec_group.execs[0]
    mod.forward(mx.io.DataBatch([mx.nd.array(rec['data_inside'])]), is_train=False)
    out, feat = (o.asnumpy() for o in mod.get_outputs())
    np.testing.assert_allclose(feat, rec['inside1'], rtol=1e-4, atol=1e-5)
    # sample 2's logits are NaN: MXNet's softmax then leaves one 0 among NaNs, TF's gives NaNs
    keep = [0, 1, 3]
    np.testing.assert_allclose(out[keep], rec['inside0'][keep], rtol=1e-4, atol=1e-5)
    assert np.isnan(out[2]).all() and np.isnan(rec['inside0'][2]).sum() == 4
    assert (exe.trace_count, exe.call_count) == (2, 2)


def test_inference_graph_is_forward_only(rec):
    mod = _module(rec)
    mod.predict(_iter(rec))
    concrete = mod._exec_group.execs[0]._concrete
    graphs = [cf for key, cf in concrete.items() if key[0] == 'infer']
    assert len(graphs) == 1 and len(concrete) == 2      # and the exact rerun's, for the NaNs
    ops = [n.op for n in graphs[0].graph.as_graph_def().node]
    assert 'IdentityN' not in ops            # no custom-gradient wrappers
    assert ops.count('FusedBatchNormV3') == 2
    assert 'Rsqrt' not in ops or ops.count('Rsqrt') <= 2   # only the unused mean/var outputs


def test_shape_inference_traces_each_distinct_layer_once(monkeypatch):
    calls = []
    real = _infer._trace_graph

    def counting(node, *a):
        calls.append(node.op)
        return real(node, *a)
    monkeypatch.setattr(_infer, '_trace_graph', counting)
    monkeypatch.setattr(_infer, '_TRACE_MEMO', {})

    def net():
        x = mx.sym.Variable('data')
        for k in range(6):      # six identical blocks: one trace per distinct (op, shape)
            x = mx.sym.Activation(mx.sym.Convolution(x, kernel=(3, 3), pad=(1, 1),
                                                     num_filter=4, name='c%d' % k), 'relu')
        return x
    a1, o1, _ = net().infer_shape(data=(2, 4, 5, 5))
    first = len(calls)
    assert 0 < first <= 3     # a conv before its weight's dtype is known, then with it
    a2, o2, _ = net().infer_shape(data=(2, 4, 5, 5))
    assert len(calls) == first and (a1, o1) == (a2, o2)
    assert o1 == [(2, 4, 5, 5)]
    net().infer_shape(data=(3, 4, 5, 5))        # a new shape is traced, and right
    assert len(calls) > first
