"""Activation ops beyond the corpus: softmax dtype/length/axis, SoftmaxActivation's gradient,
prelu/selu/elu details, and the random ops (Dropout, rrelu) whose training outputs MXNet's
corpus cannot record.

Expected numbers in tests/fixtures/activation/cases.npz were recorded with the real MXNet 1.9.1 by
``$ORACLE_PY tests/fixtures/norm/gen_oracle.py activation`` (see that script for the procedure).
"""
import numpy as np
import pytest

import tfmod as mx
from tfmod_converters.base import MXNetError
from test_ops_norm import load_family, run_oracle_case

META, ARRAYS = load_family('activation')


@pytest.mark.parametrize('case', sorted(META))
def test_matches_mxnet(case):
    run_oracle_case(META, ARRAYS, case)


def _train(sym, data, head=None, **kw):
    ex = sym.simple_bind(mx.cpu(), data=data.shape, **kw)
    out = ex.forward(is_train=True, data=data)
    outs = [o.asnumpy() for o in out]
    ex.backward([mx.nd.array(head if head is not None else np.ones_like(o)) for o in outs])
    return outs, ex.grad_dict['data'].asnumpy()


def test_dropout_training_mask_and_scale():
    x = np.ones((200, 50), 'f')
    sym = mx.sym.Dropout(mx.sym.var('data'), p=0.3)
    assert sym.list_outputs() == ['dropout0_output']
    (y,), g = _train(sym, x)
    vals = np.unique(np.round(y, 5))
    np.testing.assert_allclose(vals, [0, 1 / 0.7], rtol=1e-5)
    assert abs((y == 0).mean() - 0.3) < 0.02
    np.testing.assert_array_equal(g, y)          # gradient = mask
    ex = sym.simple_bind(mx.cpu(), data=x.shape)
    np.testing.assert_array_equal(ex.forward(is_train=False, data=x)[0].asnumpy(), x)


def test_dropout_axes_share_the_mask():
    x = np.ones((4, 30, 6), 'f')
    (y,), _ = _train(mx.sym.Dropout(mx.sym.var('data'), p=0.5, axes=(1,)), x)
    assert np.all(y == y[:, :1, :])
    assert 0 < (y == 0).mean() < 1


def test_dropout_mode_always_applies_at_inference_and_varies_per_call():
    x = np.ones((50, 40), 'f')
    ex = mx.sym.Dropout(mx.sym.var('data'), p=0.5, mode='always').simple_bind(
        mx.cpu(), data=x.shape)
    a = ex.forward(is_train=False, data=x)[0].asnumpy()
    b = ex.forward(is_train=False, data=x)[0].asnumpy()
    assert 0.4 < (a == 0).mean() < 0.6
    assert not np.array_equal(a, b)


def test_rrelu_training_slope_in_bounds_and_mask_output():
    x = -np.ones((20, 30), 'f')
    with mx.name.NameManager():     # fresh auto-name counters, whatever ran before
        sym = mx.sym.LeakyReLU(mx.sym.var('data'), act_type='rrelu', lower_bound=0.2,
                               upper_bound=0.4)
    assert sym.list_outputs() == ['leakyrelu0_output', 'leakyrelu0_mask']
    (y, mask), g = _train(sym, x)
    assert np.all((-y >= 0.2) & (-y < 0.4)) and np.std(y) > 0.02
    np.testing.assert_allclose(mask, -y)
    np.testing.assert_allclose(g, mask)
    ex = sym.simple_bind(mx.cpu(), data=x.shape)
    np.testing.assert_allclose(ex.forward(data=x)[0].asnumpy(), -0.3 * np.ones_like(x))


def test_prelu_gamma_shape_inferred_from_channel_axis():
    sym = mx.sym.LeakyReLU(mx.sym.var('data'), act_type='prelu', name='p')
    assert sym.list_arguments() == ['data', 'p_gamma']
    assert sym.infer_shape(data=(2, 5, 3))[0] == [(2, 5, 3), (5,)]
    assert mx.sym.LeakyReLU(mx.sym.var('data')).list_arguments() == ['data']


def test_softmax_length_input_only_with_use_length():
    d = mx.sym.var('data')
    assert mx.sym.softmax(d).list_arguments() == ['data']
    s = mx.sym.softmax(d, mx.sym.var('length'), use_length=True, axis=1)
    assert s.list_arguments() == ['data', 'length']
    assert s.infer_shape(data=(2, 3, 5))[0] == [(2, 3, 5), (2, 5)]


def test_log_softmax_rejects_use_length():
    sym = mx.sym.log_softmax(mx.sym.var('data'), use_length=True)
    with pytest.raises(MXNetError, match='use_length'):
        sym.simple_bind(mx.cpu(), data=(2, 3)).forward()


def test_softmax_activation_channel_needs_3d():
    sym = mx.sym.SoftmaxActivation(mx.sym.var('data'), mode='channel')
    with pytest.raises(MXNetError, match='mode=channel'):
        sym.simple_bind(mx.cpu(), data=(2, 3)).forward()


def test_bad_act_type_names_valid_choices():
    with pytest.raises(MXNetError, match='relu'):
        mx.sym.Activation(mx.sym.var('data'), act_type='mish')


def test_relu_training_on_non_finite_values_matches_mxnet():
    """Activation(relu) in training, bound and imperative: NaN -> 0, and dy * (out > 0) keeps a
    non-finite head gradient's NaN where out is 0 (tests/fixtures/activation/relu_nonfinite.json,
    tools/record_relu_nonfinite.py)."""
    import json
    import os
    with open(os.path.join(os.path.dirname(__file__), 'fixtures', 'activation',
                           'relu_nonfinite.json')) as f:
        rec = {k: np.array([float(v) for v in vs], np.float32) for k, vs in json.load(f).items()}
    x, dy = rec['x'], rec['dy']
    outs, grad = _train(mx.sym.Activation(mx.sym.Variable('data'), act_type='relu'), x, head=dy)
    np.testing.assert_array_equal(outs[0], rec['symbol_out'])
    np.testing.assert_array_equal(grad, rec['symbol_grad'])
    xs = mx.nd.array(x)
    xs.attach_grad()
    with mx.autograd.record():
        y = mx.nd.Activation(xs, act_type='relu')
    y.backward(mx.nd.array(dy))
    np.testing.assert_array_equal(y.asnumpy(), rec['nd_out'])
    np.testing.assert_array_equal(xs.grad.asnumpy(), rec['nd_grad'])
