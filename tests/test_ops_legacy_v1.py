"""Convolution_v1 and Pooling_v1 (MXNet 0.x operators old model files name) against MXNet
1.9.1: the cases recorded by tools/oracle_ops/legacy_v1.py replay through support/corpus.py."""
import pytest

import tfmod as mx
from support import corpus

HERE, CASES = corpus.family('legacy_v1')
test_case_matches_mxnet, test_symbol_json_round_trip = corpus.replay_tests('legacy_v1')


def test_conv_v1_3d_is_refused_as_in_mxnet():
    s = mx.sym.Convolution_v1(mx.sym.var('data'), num_filter=2, kernel=(2, 2, 2), name='c3')
    with pytest.raises(mx.base.MXNetError, match='Convolution_v1 "c3": only 2-D kernels'):
        s.simple_bind(mx.cpu(), data=(1, 2, 3, 3, 3))
