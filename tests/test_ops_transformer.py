"""Replays the MXNet-recorded Transformer contrib-op cases
(tests/fixtures/ops_by_family/transformer, made by tools/oracle_ops/transformer.py with
MXNet 1.9.1) through tests/support/corpus.py."""

import numpy as np
import pytest

import tfmod as mx
from support import corpus

HERE, CASES = corpus.family('transformer')
test_case_matches_mxnet, test_symbol_json_round_trip = corpus.replay_tests('transformer')


def test_bad_heads_rejected():
    qkv = mx.sym.var('qkv')
    s = mx.sym.contrib.interleaved_matmul_selfatt_qk(qkv, heads=4)
    with pytest.raises(mx.base.MXNetError, match='multiple of'):
        s.infer_shape(qkv=(3, 2, 18))


def test_unknown_batch_and_length():
    # BERT symbols are bound to many sequence lengths: the batch and time dims may stay open.
    qkv = mx.sym.var('qkv')
    att = mx.sym.softmax(mx.sym.contrib.interleaved_matmul_selfatt_qk(qkv, heads=2), axis=-1)
    out = mx.sym.contrib.interleaved_matmul_selfatt_valatt(qkv, att, heads=2)
    _, outs, _ = out.infer_shape(qkv=(5, 3, 12))
    assert outs == [(5, 3, 4)]
    x = np.random.RandomState(0).standard_normal((5, 3, 12)).astype('float32')
    y = mx.nd.contrib.interleaved_matmul_selfatt_qk(mx.nd.array(x), heads=2).asnumpy()
    q = x.reshape(5, 3, 2, 3, 2)[:, :, :, 0].transpose(1, 2, 0, 3).reshape(6, 5, 2)
    k = x.reshape(5, 3, 2, 3, 2)[:, :, :, 1].transpose(1, 2, 0, 3).reshape(6, 5, 2)
    np.testing.assert_allclose(y, q @ k.transpose(0, 2, 1) / np.sqrt(2), rtol=1e-5, atol=1e-6)
