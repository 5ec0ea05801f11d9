"""Indexing, reduction, product and sequence ops beyond the shared corpus.

The recorded cases in fixtures/indexing (made with real MXNet 1.9.1 by
fixtures/indexing/gen_indexing.py, same format and replay procedure as the corpus) cover ties,
odd indices (negative, fractional, out of range, integer dtypes), N-D transposed dot, odd
sequence lengths and Embedding clipping. The error checks below mirror MXNet's own checks,
verified with the oracle.
"""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from support import corpus

HERE = os.path.join(os.path.dirname(__file__), 'fixtures', 'indexing')

with open(os.path.join(HERE, 'cases.json')) as _f:
    CASES = json.load(_f)['cases']
_ARRAYS = None


def _load(name, root=None):
    global _ARRAYS
    if _ARRAYS is None:
        with np.load(os.path.join(HERE, 'cases.npz')) as z:
            _ARRAYS = {k: z[k] for k in z.files}
    prefix = name + '|'
    return CASES[name], {k[len(prefix):]: v for k, v in _ARRAYS.items() if k.startswith(prefix)}


@pytest.mark.parametrize('name', sorted(CASES))
def test_recorded_case(name, monkeypatch):
    monkeypatch.setattr(corpus, 'load_case', _load)
    corpus.run_case(name)


def _err(fn, *words):
    with pytest.raises(mx.base.MXNetError) as e:
        fn()
    msg = str(e.value)
    for w in words:
        assert w in msg, msg


def test_bad_attributes_raise():
    nd = mx.nd
    x = nd.array([[1, 3, 3, 2], [5, 5, 1, 0]])
    _err(lambda: nd.take(x, nd.array([1]), axis=2), 'axis')
    _err(lambda: nd.topk(x, k=9), 'k must be')
    _err(lambda: nd.dot(x, x), 'dot shape error')
    _err(lambda: nd.dot(nd.ones((3,)), nd.ones((3,)), transpose_a=True), 'transpose vectors')
    _err(lambda: nd.batch_dot(x, x), 'N >= 3')
    _err(lambda: nd.norm(x, ord=3), 'ord=1 and ord=2')
    _err(lambda: nd.moments(x), 'axes')
    _err(lambda: nd.sum(x, axis=(0, -2)), 'duplicates')
    _err(lambda: nd.sum(x, axis=2), 'exceeds')
    _err(lambda: nd.pick(x, nd.array([1, 2, 3])), 'index shape')
    _err(lambda: nd.SequenceReverse(x, nd.array([1, 2, 1, 1]), use_sequence_length=True,
                                    axis=1), 'axis')
    _err(lambda: nd.Embedding(nd.array([1, 2]), nd.ones((4, 2)), input_dim=3, output_dim=2),
         'weight shape')


def test_take_raise_mode_checks_at_run_time():
    nd = mx.nd
    x = nd.array(np.arange(10).reshape(5, 2))
    np.testing.assert_array_equal(nd.take(x, nd.array([4, 0]), mode='raise').asnumpy(),
                                  [[8, 9], [0, 1]])
    # MXNet 1.9.1: MXNetError 'take operator contains indices out of bound'
    with pytest.raises(mx.base.MXNetError, match='take operator contains indices out of bound'):
        nd.take(x, nd.array([-1]), mode='raise').asnumpy()


def test_embedding_weight_float32_with_integer_indices():
    emb = mx.sym.Embedding(mx.sym.var('data'), input_dim=10, output_dim=4, name='emb')
    ex = emb.simple_bind(mx.cpu(), data=(2, 3), type_dict={'data': 'int32'})
    assert ex.arg_dict['data'].dtype == np.int32
    assert ex.arg_dict['emb_weight'].dtype == np.float32
    assert ex.outputs[0].dtype == np.float32
    assert emb.infer_shape(data=(2, 3))[0] == [(2, 3), (10, 4)]


def test_shape_inference_with_unknown_batch():
    S = mx.sym
    d = S.var('data')
    _, out, _ = S.SequenceLast(d, S.var('sl'), use_sequence_length=True).infer_shape_partial(
        data=(5, 0, 3))
    assert out == [(0, 3)]
    args, out, _ = S.pick(d, S.var('idx'), axis=1).infer_shape(data=(2, 5, 3))
    assert args[1] == (2, 3) and out == [(2, 3)]
    _, out, _ = S.dot(d, S.var('w')).infer_shape_partial(data=(0, 5), w=(5, 3))
    assert out == [(0, 3)]
    tk = S.topk(d, k=2, ret_typ='both', name='tk')
    assert tk.list_outputs() == ['tk_output0', 'tk_output1']
    assert S.sort(d, name='so').list_outputs() == ['so_output0']


def test_pick_gradient_keeps_a_non_finite_head_at_its_position():
    """pick's backward is the head gradient at the picked positions and 0 elsewhere (MXNet
    1.9.1 gives [[1,0,0,0],[0,0,0,nan],[0,inf,0,0]] here): a NaN / inf head gradient does not
    spread over the row, as a one-hot product would make it."""
    x = mx.nd.array(np.arange(12, dtype=np.float32).reshape(3, 4))
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.pick(x, mx.nd.array([0, 3, 1]), axis=1)
    y.backward(mx.nd.array([1.0, np.nan, np.inf]))
    want = np.zeros((3, 4), np.float32)
    want[0, 0], want[1, 3], want[2, 1] = 1.0, np.nan, np.inf
    np.testing.assert_array_equal(x.grad.asnumpy(), want)
