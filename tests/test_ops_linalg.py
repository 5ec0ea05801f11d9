"""Replays the MXNet-recorded _linalg_* cases (tests/fixtures/ops_by_family/linalg, made by
tools/oracle_ops/linalg.py with MXNet 1.9.1) through tests/support/corpus.py."""

import numpy as np
import pytest

import tfmod as mx
from support import corpus

HERE, CASES = corpus.family('linalg')
test_case_matches_mxnet, test_symbol_json_round_trip = corpus.replay_tests('linalg')



def test_slogdet_of_singular_matrix():
    # MXNet 1.9.1 docs/oracle: slogdet([[1, 2], [2, 4]]) = (0, -inf); det of it is 0.
    sign, logdet = mx.nd.linalg_slogdet(mx.nd.array([[[2., 3.], [1., 4.]], [[1., 2.], [2., 4.]],
                                                     [[1., 2.], [4., 3.]]]))
    np.testing.assert_array_equal(sign.asnumpy(), [1, 0, -1])
    np.testing.assert_allclose(logdet.asnumpy(), [np.log(5), -np.inf, np.log(5)], rtol=1e-6)


def test_shape_errors():
    a, b = mx.sym.var('a'), mx.sym.var('b')
    with pytest.raises(mx.base.MXNetError, match='square'):
        mx.sym.linalg_potrf(a).infer_shape(a=(2, 3))
    with pytest.raises(mx.base.MXNetError, match='incompatible'):
        mx.sym.linalg_gemm2(a, b).infer_shape(a=(2, 3), b=(4, 2))
    with pytest.raises(mx.base.MXNetError, match='x <= y'):
        mx.sym.linalg_gelqf(a).infer_shape(a=(4, 3))
    with pytest.raises(mx.base.MXNetError, match='triangular number'):
        mx.nd.linalg_maketrian(mx.nd.zeros((4,)))
