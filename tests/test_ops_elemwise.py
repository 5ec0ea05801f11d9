"""Element-wise math beyond the corpus: edge points of values and gradients, integer dtypes,
scalar-op dtype rules (is_int), and the errors / shape inference of same-shape vs broadcast ops.

Every expected number below was printed by the real MXNet 1.9.1 (the oracle venv) with the same
inputs -- symbols bound with grad_req='write', forward(is_train=True), backward with ones -- or,
for integer dtypes, with ``mx.nd`` / ``mx.nd._internal`` calls, and pasted here as literals.
"""
import numpy as np
import pytest

import tfmod as mx
from converters.base import MXNetError

NAN, INF = float('nan'), float('inf')
A, B = mx.sym.var('a'), mx.sym.var('b')


def _run(sym, **args):
    """forward(train) + backward(ones) on float32 inputs -> (output, {name: grad})."""
    arrays = {k: mx.nd.array(np.asarray(v, 'float32')) for k, v in args.items()}
    grads = {k: mx.nd.zeros(np.shape(v)) for k, v in args.items()}
    ex = sym.bind(mx.cpu(), arrays, args_grad=grads)
    out = ex.forward(is_train=True)[0]
    ex.backward(mx.nd.ones(out.shape))
    return out.asnumpy(), {k: g.asnumpy() for k, g in ex.grad_dict.items()}


def _close(actual, expected, rtol=1e-5):
    np.testing.assert_allclose(actual, np.asarray(expected, 'float64'), rtol=rtol, atol=1e-6,
                               equal_nan=True)


# (symbol, inputs, output, gradients) recorded from MXNet 1.9.1
CASES = {
    # Python-sign mod; mod by 0 is 0; d/db = -floor(a/b) (-inf / nan at b = 0)
    'mod': (lambda: mx.sym._internal._mod(A, B),
            dict(a=[-5, 5, 5, -5, 3, 0, 7.5], b=[3, -3, 3, -3, 0, 0, -2]),
            [1, -1, 2, -2, 0, 0, -0.5],
            dict(a=[1] * 7, b=[2, 2, -1, -1, -INF, NAN, 4])),
    # MXNet's power gradients: b*a**(b-1) and a**b*log(a) (nan for a < 0, not TF's 0)
    'power': (lambda: mx.sym._internal._power(A, B),
              dict(a=[-3, 0, 0, 2, -2], b=[2, 2, 0, 0.5, 0.5]),
              [9, 0, 1, 1.4142135381698608, NAN],
              dict(a=[-6, 0, NAN, 0.3535533845424652, NAN], b=[NAN, NAN, -INF, 0.9802581071853638,
                                                              NAN])),
    # the slope is zero AT the clipping points (TF's clip would pass it)
    'hard_sigmoid': (lambda: mx.sym.hard_sigmoid(A), dict(a=[-2.5, 2.5, 0, -3, 3, 1]),
                     [0, 1, 0.5, 0, 1, 0.699999988079071],
                     dict(a=[0, 0, 0.20000000298023224, 0, 0, 0.20000000298023224])),
    'gamma_negative': (lambda: mx.sym.gamma(A), dict(a=[-0.5, -1.5, 5, 0.5]),
                       [-3.544908046722412, 2.363271713256836, 24, 1.772453784942627],
                       dict(a=[-0.1293533891439438, 1.6617505550384521, 36.146827697753906,
                               -3.480232000350952])),
    'rint_halves_down': (lambda: mx.sym.rint(A), dict(a=[-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5,
                                                         -3.7]),
                         [-3, -2, -1, 0, 1, 2, 3, -4], dict(a=[0] * 8)),
    'round_half_away': (lambda: mx.sym.round(A), dict(a=[-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5,
                                                         -3.7]),
                        [-3, -2, -1, 1, 2, 3, 4, -4], dict(a=[0] * 8)),
    'fix': (lambda: mx.sym.fix(A), dict(a=[-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -3.7]),
            [-2, -1, -0, 0, 1, 2, 3, -3], dict(a=[0] * 8)),
    # ties: maximum's gradient goes to lhs (a >= b), minimum's to lhs (a <= b)
    'max_min_ties': (lambda: mx.sym._internal._maximum(A, B) + mx.sym._internal._minimum(A, B) * 2,
                     dict(a=[1, 2, 3], b=[1, 1, 4]), [3, 4, 10], dict(a=[3, 1, 2], b=[0, 2, 1])),
    'broadcast_max_ties': (lambda: mx.sym.broadcast_maximum(A, B),
                           dict(a=[[1, 2, 3]], b=[[1], [2]]), [[1, 2, 3], [2, 2, 3]],
                           dict(a=[[1, 2, 2]], b=[[0], [1]])),
    'cbrt': (lambda: mx.sym.cbrt(A), dict(a=[-8, 27, 0.001, -0.5]),
             [-2, 3, 0.10000000149011612, -0.7937005162239075],
             dict(a=[0.0833333358168602, 0.03703703731298447, 33.33333206176758,
                     0.529133677482605])),
    # MXNet's 1/sqrt(x^2-1) is real for x < -1 although arccosh is nan there
    'arccosh_grad': (lambda: mx.sym.arccosh(A), dict(a=[-2, 2, 1.5]),
                     [NAN, 1.316957950592041, 0.9624236822128296],
                     dict(a=[0.5773502588272095, 0.5773502588272095, 0.8944271802902222])),
    'log2_log10_exact': (lambda: mx.sym.log2(A) + mx.sym.log10(B),
                         dict(a=[8, 0.25, 1024], b=[1000, 0.01, 1e5]), [6, -4, 15],
                         dict(a=[0.1803368777036667, 5.770780086517334, 0.001408881857059896],
                              b=[0.0004342944885138422, 43.42945098876953,
                                 4.3429449760878924e-06])),
    'gradientmultiplier': (lambda: mx.sym.contrib.gradientmultiplier(A, scalar=-0.5),
                           dict(a=[1, 2]), [1, 2], dict(a=[-0.5, -0.5])),
    'straight_through': (lambda: mx.sym.contrib.round_ste(A) + mx.sym.contrib.sign_ste(B),
                         dict(a=[1.5, -2.5], b=[-3, 0]), [1, -3], dict(a=[1, 1], b=[1, 1])),
    'div_sqrt_dim': (lambda: mx.sym.contrib.div_sqrt_dim(A), dict(a=[[1, 2, 3, 4]]),
                     [[0.5, 1, 1.5, 2]], dict(a=[[0.5] * 4])),
    'logical_not': (lambda: mx.sym.logical_not(A), dict(a=[0, 1, -2]), [1, 0, 0], dict(a=[0] * 3)),
}


@pytest.mark.parametrize('name', sorted(CASES))
def test_values_and_gradients_match_mxnet(name):
    make, args, out, grads = CASES[name]
    y, g = _run(make(), **args)
    _close(y, out)
    for k, v in grads.items():
        _close(g[k], v)


X = [[1, 2], [3, -4]]


@pytest.mark.parametrize('op,kw,dtype,expected', [
    ('_plus_scalar', dict(scalar=1.5), 'int32', [[2, 3], [4, -3]]),          # scalar truncated
    ('_plus_scalar', dict(scalar=1.5, is_int=False), 'float64', [[2.5, 3.5], [4.5, -2.5]]),
    ('_div_scalar', dict(scalar=2), 'int32', [[0, 1], [1, -2]]),
    ('_rdiv_scalar', dict(scalar=2), 'int32', [[2, 1], [0, 0]]),             # C truncation
    ('_rmod_scalar', dict(scalar=2), 'int32', [[0, 0], [2, -2]]),
    ('_rpower_scalar', dict(scalar=2), 'int32', [[2, 4], [8, 0]]),
    ('_mul_scalar', dict(scalar=-2.7), 'int32', [[-2, -4], [-6, 8]]),
    ('_greater_scalar', dict(scalar=1.5, is_int=False), 'float64', [[0, 1], [1, 0]]),
    ('_hypot_scalar', dict(scalar=2), 'int32', [[2, 2], [3, 4]]),
])
def test_scalar_ops_on_integers(op, kw, dtype, expected):
    y = getattr(mx.nd._internal, op)(mx.nd.array(X, dtype='int32'), **kw)
    assert y.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(y.asnumpy(), expected)


@pytest.mark.parametrize('op,expected', [
    ('exp', [485165195, 3269017, 20, 2980, 0]),        # computed in double, truncated
    ('log2', [4, 3, 1, 3, -2147483648]),
    ('sqrt', [4, 3, 1, 2, -2147483648]),
    ('square', [400, 225, 9, 64, 16]),
    ('abs', [20, 15, 3, 8, 4]),
    ('sign', [1, 1, 1, 1, -1]),
    ('relu', [20, 15, 3, 8, 0]),
    ('sin', [0, 0, 0, 0, 0]),
    ('degrees', [1145, 859, 171, 458, -229]),
    ('reciprocal', [0, 0, 0, 0, 0]),
    ('round', [20, 15, 3, 8, -4]),
    ('negative', [-20, -15, -3, -8, 4]),
])
def test_unary_ops_keep_integer_dtype(op, expected):
    y = getattr(mx.nd, op)(mx.nd.array([20, 15, 3, 8, -4], dtype='int32'))
    assert y.dtype == np.int32
    np.testing.assert_array_equal(y.asnumpy(), expected)


def test_integer_binary_ops():
    i32 = lambda v: mx.nd.array(v, dtype='int32')  # noqa: E731
    a, b = i32([7, -7, 7, -7, 5]), i32([2, 2, -2, -2, 0])
    np.testing.assert_array_equal(
        mx.nd.elemwise_div(a, i32([2, 2, -2, -2, 3])).asnumpy(), [3, -3, -3, 3, 1])
    np.testing.assert_array_equal(mx.nd._internal._mod(a, b).asnumpy(), [1, 1, -1, -1, 0])
    np.testing.assert_array_equal(mx.nd._internal._power(a, i32([2, 3, 0, 1, 2])).asnumpy(),
                                  [49, -343, 1, -7, 25])
    eq = mx.nd._internal._equal(a, b)
    assert eq.dtype == np.int32
    np.testing.assert_array_equal(mx.nd._internal._lesser(a, b).asnumpy(), [0, 1, 0, 1, 0])
    np.testing.assert_array_equal(mx.nd.broadcast_logical_xor(a, b).asnumpy(), [0, 0, 0, 0, 1])


def test_elemwise_ops_do_not_broadcast():
    with pytest.raises(MXNetError, match=r'\(3, 4\).*\(1, 4\)'):
        mx.sym.elemwise_add(A, B).infer_shape(a=(3, 4), b=(1, 4))
    with pytest.raises(MXNetError, match=r'\(2, 3\).*\(3, 2\)'):
        mx.nd.elemwise_mul(mx.nd.ones((2, 3)), mx.nd.ones((3, 2)))
    with pytest.raises(MXNetError, match='dtype'):
        mx.nd.elemwise_add(mx.nd.ones((2, 3)), mx.nd.ones((2, 3), dtype='float64'))
    with pytest.raises(MXNetError, match='inconsistent'):
        mx.sym.elemwise_add(A, B).infer_type(a='float32', b='float64')


def test_broadcast_incompatible_shapes():
    with pytest.raises(MXNetError, match=r'could not be broadcast.*\(3, 4\) \(2, 4\)'):
        mx.sym.broadcast_add(A, B).infer_shape(a=(3, 4), b=(2, 4))
    with pytest.raises(MXNetError, match='could not be broadcast'):
        mx.nd.broadcast_mul(mx.nd.ones((2, 3)), mx.nd.ones((3, 2)))


def test_shape_inference_fills_elemwise_inputs_like_mxnet():
    # MXNet: elemwise ops complete an unknown operand from the other one or from the output...
    assert mx.sym.elemwise_add(A, B).infer_shape_partial(a=(3, 4))[0] == [(3, 4), (3, 4)]
    assert mx.sym.elemwise_add(mx.sym.relu(A), B).infer_shape(b=(3, 4))[0] == [(3, 4), (3, 4)]
    args, outs, _ = (mx.sym.elemwise_add(A, B) * 2).infer_shape(a=(0, 4), b=(5, 0))
    assert args == [(5, 4), (5, 4)] and outs == [(5, 4)]
    # ...broadcast ops do not guess.
    assert mx.sym.broadcast_add(A, B).infer_shape_partial(a=(3, 4))[0] == [(3, 4), ()]
