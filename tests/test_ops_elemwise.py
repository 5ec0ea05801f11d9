"""Element-wise math beyond the corpus: edge points of values and gradients, integer dtypes,
scalar-op dtype rules (is_int), and the errors / shape inference of same-shape vs broadcast ops.

The programs are support/elemwise_programs.py; tools/record_elemwise.py ran them on MXNet 1.9.1
into tests/fixtures/elemwise/elemwise.json. Among the edges: Python-sign mod (d/db = -floor(a/b),
-inf/nan at b = 0), MXNet's power gradients (nan for a < 0, not TF's 0), hard_sigmoid's zero
slope at the clipping points, ties of maximum/minimum going to lhs, arccosh's real gradient for
x < -1, and int32 unary ops computed in double and truncated.
"""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from tfmod_converters.base import MXNetError
from support import elemwise_programs as P

A, B = mx.sym.var('a'), mx.sym.var('b')
with open(os.path.join(os.path.dirname(__file__), 'fixtures', 'elemwise', 'elemwise.json')) as _f:
    REC = json.load(_f)


def _close(actual, expected):
    # float32 results of one op on exact inputs: MXNet and TF's kernels differ by a few ulp
    np.testing.assert_allclose(actual, np.asarray(expected, 'float64'), rtol=1e-5, atol=1e-6,
                               equal_nan=True)


def test_every_program_was_recorded():
    assert sorted(REC['float']) == sorted(P.FLOAT_CASES)
    assert [r[:2] for r in REC['scalar_int']] == [list(c) for c in P.SCALAR_INT_CASES]
    assert sorted(REC['shape_inference']) == sorted(P.run_shape_inference(mx))
    assert sorted(REC['unary_int']) == sorted(P.UNARY_INT_OPS)


@pytest.mark.parametrize('name', sorted(P.FLOAT_CASES))
def test_values_and_gradients_match_mxnet(name):
    want = REC['float'][name]
    y, g = P.run_float_case(mx, name)
    _close(y, want['out'])
    assert sorted(g) == sorted(want['grad'])
    for k, v in want['grad'].items():
        _close(g[k], v)


@pytest.mark.parametrize('case', range(len(P.SCALAR_INT_CASES)))
def test_scalar_ops_on_integers(case):
    op, kw, dtype, values = REC['scalar_int'][case]
    assert list(P.run_scalar_int(mx, op, kw)) == [dtype, values]


@pytest.mark.parametrize('op', P.UNARY_INT_OPS)
def test_unary_ops_keep_integer_dtype(op):
    assert list(P.run_unary_int(mx, op)) == REC['unary_int'][op]


def test_integer_binary_ops():
    got = P.run_integer_binary(mx)
    assert {k: list(v) for k, v in got.items()} == REC['integer_binary']


def test_shape_inference_and_refusals_match_mxnet():
    """The recorded program behind the spelled-out shapes and errors below: every shape MXNet
    inferred, and every case MXNet refused (with MXNetError) refused by tfmod likewise."""
    got = json.loads(json.dumps(P.run_shape_inference(mx)))
    assert got == REC['shape_inference']


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
    # MXNet 1.9.1 (run_shape_inference): elemwise ops complete an unknown operand from the
    # other one or from the output...
    assert mx.sym.elemwise_add(A, B).infer_shape_partial(a=(3, 4))[0] == [(3, 4), (3, 4)]
    assert mx.sym.elemwise_add(mx.sym.relu(A), B).infer_shape(b=(3, 4))[0] == [(3, 4), (3, 4)]
    args, outs, _ = (mx.sym.elemwise_add(A, B) * 2).infer_shape(a=(0, 4), b=(5, 0))
    assert args == [(5, 4), (5, 4)] and outs == [(5, 4)]
    # ...broadcast ops do not guess.
    assert mx.sym.broadcast_add(A, B).infer_shape_partial(a=(3, 4))[0] == [(3, 4), ()]
