"""Element-wise edge-case programs run identically on MXNet 1.9.1 and tfmod (``mx`` passed in).

tools/record_elemwise.py runs them on MXNet into tests/fixtures/elemwise/elemwise.json;
tests/test_ops_elemwise.py runs them on tfmod. No tfmod import here.
"""
import numpy as np

# name -> (symbol builder taking mx, inputs); run bound with grad_req='write',
# forward(is_train=True), backward with ones
FLOAT_CASES = {
    'mod': (lambda mx, A, B: mx.sym._internal._mod(A, B),
            dict(a=[-5, 5, 5, -5, 3, 0, 7.5], b=[3, -3, 3, -3, 0, 0, -2])),
    'power': (lambda mx, A, B: mx.sym._internal._power(A, B),
              dict(a=[-3, 0, 0, 2, -2], b=[2, 2, 0, 0.5, 0.5])),
    'hard_sigmoid': (lambda mx, A, B: mx.sym.hard_sigmoid(A), dict(a=[-2.5, 2.5, 0, -3, 3, 1])),
    'gamma_negative': (lambda mx, A, B: mx.sym.gamma(A), dict(a=[-0.5, -1.5, 5, 0.5])),
    'rint_halves_down': (lambda mx, A, B: mx.sym.rint(A),
                         dict(a=[-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -3.7])),
    'round_half_away': (lambda mx, A, B: mx.sym.round(A),
                        dict(a=[-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -3.7])),
    'fix': (lambda mx, A, B: mx.sym.fix(A), dict(a=[-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -3.7])),
    'max_min_ties': (lambda mx, A, B: (mx.sym._internal._maximum(A, B)
                                       + mx.sym._internal._minimum(A, B) * 2),
                     dict(a=[1, 2, 3], b=[1, 1, 4])),
    'broadcast_max_ties': (lambda mx, A, B: mx.sym.broadcast_maximum(A, B),
                           dict(a=[[1, 2, 3]], b=[[1], [2]])),
    'cbrt': (lambda mx, A, B: mx.sym.cbrt(A), dict(a=[-8, 27, 0.001, -0.5])),
    'arccosh_grad': (lambda mx, A, B: mx.sym.arccosh(A), dict(a=[-2, 2, 1.5])),
    'log2_log10_exact': (lambda mx, A, B: mx.sym.log2(A) + mx.sym.log10(B),
                         dict(a=[8, 0.25, 1024], b=[1000, 0.01, 1e5])),
    'gradientmultiplier': (lambda mx, A, B: mx.sym.contrib.gradientmultiplier(A, scalar=-0.5),
                           dict(a=[1, 2])),
    'straight_through': (lambda mx, A, B: mx.sym.contrib.round_ste(A) + mx.sym.contrib.sign_ste(B),
                         dict(a=[1.5, -2.5], b=[-3, 0])),
    'div_sqrt_dim': (lambda mx, A, B: mx.sym.contrib.div_sqrt_dim(A), dict(a=[[1, 2, 3, 4]])),
    'logical_not': (lambda mx, A, B: mx.sym.logical_not(A), dict(a=[0, 1, -2])),
}

INT_X = [[1, 2], [3, -4]]
# (op in nd._internal, kwargs) applied to INT_X as int32
SCALAR_INT_CASES = [
    ('_plus_scalar', dict(scalar=1.5)),
    ('_plus_scalar', dict(scalar=1.5, is_int=False)),
    ('_div_scalar', dict(scalar=2)),
    ('_rdiv_scalar', dict(scalar=2)),
    ('_rmod_scalar', dict(scalar=2)),
    ('_rpower_scalar', dict(scalar=2)),
    ('_mul_scalar', dict(scalar=-2.7)),
    ('_greater_scalar', dict(scalar=1.5, is_int=False)),
    ('_hypot_scalar', dict(scalar=2)),
]
UNARY_INT_X = [20, 15, 3, 8, -4]
UNARY_INT_OPS = ['exp', 'log2', 'sqrt', 'square', 'abs', 'sign', 'relu', 'sin', 'degrees',
                 'reciprocal', 'round', 'negative']


def run_float_case(mx, name):
    """forward(train) + backward(ones) on float32 inputs -> (output, {name: grad})."""
    make, args = FLOAT_CASES[name]
    sym = make(mx, mx.sym.var('a'), mx.sym.var('b'))
    arrays = {k: mx.nd.array(np.asarray(v, 'float32')) for k, v in args.items()}
    grads = {k: mx.nd.zeros(np.shape(v)) for k, v in args.items()}
    ex = sym.bind(mx.cpu(), arrays, args_grad=grads)
    out = ex.forward(is_train=True)[0]
    ex.backward(mx.nd.ones(out.shape))
    return out.asnumpy(), {k: g.asnumpy() for k, g in ex.grad_dict.items()}


def run_scalar_int(mx, op, kw):
    y = getattr(mx.nd._internal, op)(mx.nd.array(INT_X, dtype='int32'), **kw)
    return np.dtype(y.dtype).name, y.asnumpy().tolist()


def run_unary_int(mx, op):
    y = getattr(mx.nd, op)(mx.nd.array(UNARY_INT_X, dtype='int32'))
    return np.dtype(y.dtype).name, y.asnumpy().tolist()


def run_integer_binary(mx):
    """name -> (dtype, values) of int32 binary ops (truncating division, Python-sign mod...)."""
    i32 = lambda v: mx.nd.array(v, dtype='int32')  # noqa: E731
    a, b = i32([7, -7, 7, -7, 5]), i32([2, 2, -2, -2, 0])
    res = {'elemwise_div': mx.nd.elemwise_div(a, i32([2, 2, -2, -2, 3])),
           '_mod': mx.nd._internal._mod(a, b),
           '_power': mx.nd._internal._power(a, i32([2, 3, 0, 1, 2])),
           '_equal': mx.nd._internal._equal(a, b),
           '_lesser': mx.nd._internal._lesser(a, b),
           'broadcast_logical_xor': mx.nd.broadcast_logical_xor(a, b)}
    return {k: (np.dtype(v.dtype).name, v.asnumpy().tolist()) for k, v in res.items()}


def _outcome(f):
    """f()'s result as lists, or ['raises', exception class name] (MXNet's messages carry
    times and node counters; the tests match tfmod's own wording)."""
    try:
        r = f()
    except Exception as e:  # noqa: BLE001 -- the recorded answer is that it raised
        return ['raises', type(e).__name__]
    return [[list(s) if s is not None else None for s in part] for part in r]


def run_shape_inference(mx):
    """Shape/type inference of same-shape (elemwise_*) vs broadcast ops, and their refusals:
    case -> (arg shapes, out shapes[, aux]) or the raise."""
    A, B = mx.sym.var('a'), mx.sym.var('b')
    nd = mx.nd
    return {
        'elemwise_partial_from_a': _outcome(
            lambda: mx.sym.elemwise_add(A, B).infer_shape_partial(a=(3, 4))),
        'elemwise_through_relu': _outcome(
            lambda: mx.sym.elemwise_add(mx.sym.relu(A), B).infer_shape(b=(3, 4))),
        'elemwise_unknown_dims': _outcome(
            lambda: (mx.sym.elemwise_add(A, B) * 2).infer_shape(a=(0, 4), b=(5, 0))),
        'broadcast_partial_from_a': _outcome(
            lambda: mx.sym.broadcast_add(A, B).infer_shape_partial(a=(3, 4))),
        'elemwise_no_broadcast': _outcome(
            lambda: mx.sym.elemwise_add(A, B).infer_shape(a=(3, 4), b=(1, 4))),
        'nd_elemwise_no_broadcast': _outcome(
            lambda: [[nd.elemwise_mul(nd.ones((2, 3)), nd.ones((3, 2))).shape]]),
        'nd_elemwise_dtypes': _outcome(
            lambda: [[nd.elemwise_add(nd.ones((2, 3)), nd.ones((2, 3), dtype='float64')).shape]]),
        'elemwise_infer_type': _outcome(
            lambda: mx.sym.elemwise_add(A, B).infer_type(a='float32', b='float64')),
        'broadcast_incompatible': _outcome(
            lambda: mx.sym.broadcast_add(A, B).infer_shape(a=(3, 4), b=(2, 4))),
        'nd_broadcast_incompatible': _outcome(
            lambda: [[nd.broadcast_mul(nd.ones((2, 3)), nd.ones((3, 2))).shape]]),
    }
