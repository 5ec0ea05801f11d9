"""Row_sparse gradients of lookup weights (Embedding(sparse_grad=True), SparseEmbedding):
grad_dict's storage type and rows as MXNet 1.9.1 records them (tests/fixtures/sparse/grad.json,
recorded by tools/record_sparse_grad.py from tests/support/sparse_grad_programs.py), and the
structural fact that a Module step, and the inference after it, on a 1e6-row table build
nothing table-sized."""
import json
import os

import numpy as np
import pytest
import tensorflow as tf

import tfmod as mx
from support import sparse_grad_programs as P
from conftest import FIXTURES

with open(os.path.join(FIXTURES, 'sparse', 'grad.json')) as _f:
    FIX = json.load(_f)


@pytest.fixture(scope='module')
def results():
    out = {}
    for program in P.PROGRAMS:
        out.update(program(mx))
    return out


@pytest.mark.parametrize('case', sorted(FIX))
def test_grads_match_mxnet(results, case):
    got, want = results[case], FIX[case]
    if isinstance(want, dict):
        assert got['stype'] == want['stype'], case
        assert got.get('indices') == want.get('indices'), case
        got, want = got['value'], want['value']
    if isinstance(want, str):
        assert got == want, case
    else:
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7, err_msg=case)


def _graph_ops(graph):
    """Every op of a traced graph and of the functions it calls."""
    ops = list(graph.get_operations())
    for fn in graph._functions.values():
        inner = getattr(fn, 'graph', None)
        if inner is not None:
            ops.extend(_graph_ops(inner))
    return ops


@pytest.mark.parametrize('ctx', [[mx.cpu(0)], [mx.cpu(0), mx.cpu(1)]], ids=['one', 'two'])
def test_big_table_step_builds_nothing_table_sized(ctx):
    """The compiled step (forward, backward, gradient sum, lazy SGD update) of a 1e6-row
    Embedding(sparse_grad=True) reads, sums and writes only the batch's rows: no tensor of the
    traced step has a 1e6-long dimension, the table is updated by a scatter, and the executor's
    gradient holds the batch's distinct ids."""
    rows, batch = 1000000, 8
    emb = mx.sym.Embedding(mx.sym.Variable('data'), input_dim=rows, output_dim=2,
                           sparse_grad=True, name='emb')
    fc = mx.sym.FullyConnected(mx.sym.sum(emb, axis=1), num_hidden=1, name='fc')
    sym = mx.sym.LinearRegressionOutput(mx.sym.reshape(fc, shape=(-1,)),
                                        mx.sym.Variable('softmax_label'))
    ids = np.random.RandomState(0).randint(0, rows, (batch, 4)).astype('float32')
    it = mx.io.NDArrayIter(ids, np.ones(batch, 'float32'), batch_size=batch)
    mod = mx.mod.Module(sym, data_names=['data'], label_names=['softmax_label'], context=ctx)
    mod.bind(it.provide_data, it.provide_label)
    mod.init_params(mx.init.Zero(), arg_params={'fc_weight': mx.nd.ones((1, 2))},
                    allow_missing=True)
    mod.init_optimizer(kvstore='local', optimizer='sgd',
                       optimizer_params={'learning_rate': 0.1, 'momentum': 0.9, 'wd': 1e-4})
    b = next(iter(it))
    for _ in range(2):
        mod.forward_backward(b)
        mod.update()
    step = mod._train_step
    assert step is not None and step.trace_count == 1     # the compiled step, traced once
    ops = [op for entry in step._cache.values() for op in _graph_ops(entry[1].graph)]
    big = [(op.type, op.name) for op in ops for t in op.outputs
           if t.shape.rank and rows in t.shape.as_list()]
    assert not big, big
    assert any(op.type == 'ResourceScatterNdUpdate' for op in ops)
    want = sorted({int(i) for k in range(len(ctx)) for i in
                   ids[k * batch // len(ctx):(k + 1) * batch // len(ctx)].ravel()})
    got = sorted({int(i) for g in mod._exec_group.grad_arrays[0] for i in g.indices.asnumpy()})
    assert [g.stype for g in mod._exec_group.grad_arrays[0]] == ['row_sparse'] * len(ctx)
    assert got == want
    w = mod.get_params()[0]['emb_weight'].asnumpy()
    assert sorted(np.nonzero(np.abs(w).sum(1))[0].tolist()) == want   # lazy: only those rows
    # inference after the lazy updates gathers its rows from the table too: a dense read of a
    # variable that scatters have written copies all of it, on every call
    mod.forward(b, is_train=False)
    args = mod.get_params()[0]
    want_out = (w[ids.astype(int)].sum(1) @ args['fc_weight'].asnumpy().T).ravel() \
        + args['fc_bias'].asnumpy()
    np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), want_out, rtol=1e-5, atol=1e-6)
    for exe in mod._exec_group.execs:
        inf = [op for key, cf in exe._concrete.items() if key[0] == 'infer'
               for op in _graph_ops(cf.graph)]
        assert any(op.type == 'ResourceGather' for op in inf)
        big = [(op.type, op.name) for op in inf for t in op.outputs
               if t.shape.rank and rows in t.shape.as_list()]
        assert not big, big
