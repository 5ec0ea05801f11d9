"""Rarely used ops that model files still carry, against MXNet 1.9.1: the cases recorded by
tools/oracle_ops/rare_ops.py (tests/fixtures/ops_by_family/rare_ops) replay through
tests/support/corpus.py; ops MXNet cannot run as symbols are checked against literals recorded with
MXNet's nd API (each test says how)."""

import numpy as np
import pytest

import tfmod as mx
from support import corpus

HERE, CASES = corpus.family('rare_ops')
test_case_matches_mxnet, test_symbol_json_round_trip = corpus.replay_tests('rare_ops')


@pytest.fixture
def extra_root(monkeypatch):
    monkeypatch.setattr(corpus, 'HERE', HERE)


def test_gluon_lstm_param_concat_sizes_inferred(extra_root):
    # Gluon declares the first layer's i2h weights as (4H, 0): _rnn_param_concat hands the
    # remainder of the RNN's packed parameter size to those flattened weights (48 = 16 * 3).
    meta, _ = corpus.load_case('graph_gluon_lstm_bidir_2layer')
    internals = mx.sym.load_json(meta['symbol']).get_internals()
    _, outs, _ = internals.infer_shape_partial(data=(5, 2, 3))
    shapes = dict(zip(internals.list_outputs(), outs))
    assert shapes['rnn_reshape0_output'] == (48,) and shapes['rnn_reshape2_output'] == (48,)
    assert shapes['rnn__rnn_param_concat0_output'] == (736,)


def test_boolean_mask():
    # mx.nd.contrib.boolean_mask(x, [0, 1, 0, 1]) with autograd in MXNet 1.9.1, head gradient
    # [[1, 2, 3], [4, 5, 6]]: output rows 1 and 3; the gradient lands on those rows.
    x = mx.nd.array([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]])
    idx = mx.nd.array([0, 1, 0, 1])
    np.testing.assert_array_equal(mx.nd.contrib.boolean_mask(x, idx).asnumpy(),
                                  [[4, 5, 6], [10, 11, 12]])
    assert mx.nd.contrib.boolean_mask(x, mx.nd.zeros((4,))).shape == (0, 3)
    d, i = mx.sym.var('d'), mx.sym.var('i')
    ex = mx.sym.contrib.boolean_mask(d, i).bind(mx.cpu(), {'d': x, 'i': idx})
    np.testing.assert_array_equal(ex.forward()[0].asnumpy(), [[4, 5, 6], [10, 11, 12]])
    # the gradient, on the lowering itself (the executor wants static output shapes)
    import tensorflow as tf
    from tfmod_converters import registry
    od = registry.get('_contrib_boolean_mask')
    xt = tf.constant(x.asnumpy())
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = od.lower(None, od.parse({}), xt, tf.constant([0., 1., 0., 1.]))
    g = tape.gradient(y, xt, output_gradients=tf.constant([[1., 2, 3], [4, 5, 6]]))
    np.testing.assert_array_equal(g.numpy(), [[0, 0, 0], [1, 2, 3], [0, 0, 0], [4, 5, 6]])


def test_onehot_encode_and_fill_element_0index():
    # MXNet 1.9.1: mx.nd.onehot_encode(mx.nd.array([1, 0, 3]), mx.nd.zeros((3, 4))) and
    # mx.nd.fill_element_0index(arange(1, 13).reshape(3, 4), [-1, -2, -3], [3, 0, 1.7]).
    out = mx.nd.zeros((3, 4))
    mx.nd._internal._onehot_encode(mx.nd.array([1, 0, 3]), out, out=out)
    np.testing.assert_array_equal(out.asnumpy(), [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]])
    res = mx.nd.fill_element_0index(mx.nd.array(np.arange(1, 13).reshape(3, 4)),
                                    mx.nd.array([-1, -2, -3]), mx.nd.array([3, 0, 1.7]))
    np.testing.assert_array_equal(res.asnumpy(), [[1, 2, 3, -1], [-2, 6, 7, 8], [9, -3, 11, 12]])


def test_errors():
    with pytest.raises(mx.base.MXNetError, match='different size'):
        mx.nd.reshape_like(mx.nd.zeros((6,)), mx.nd.zeros((4, 2)))
    with pytest.raises(mx.base.MXNetError, match='both or neither'):
        mx.nd._internal._histogram(mx.nd.zeros((3,)), bin_cnt=3)
    a, b = mx.sym.var('a'), mx.sym.var('b')
    with pytest.raises(mx.base.MXNetError, match='same number of columns'):
        mx.sym.khatri_rao(a, b).infer_shape(a=(2, 3), b=(2, 4))


def test_kl_sparse_reg_trains_2d_data_only():
    # MXNet sizes moving_avg by data.shape[1] and its backward fails for 4-D data; tfmod says so
    s = mx.sym.IdentityAttachKLSparseReg(mx.sym.var('data'), name='kl')
    _, _, aux = s.infer_shape(data=(3, 2, 2, 2))
    assert aux == [(2,)]
    ex = s.simple_bind(mx.cpu(), data=(3, 2, 2, 2))
    assert ex.forward(is_train=False)[0].shape == (3, 2, 2, 2)
    with pytest.raises(mx.base.MXNetError, match=r'"kl": training needs 2-D'):
        ex.forward(is_train=True)
        ex.outputs[0].asnumpy()
