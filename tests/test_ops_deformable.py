"""Deformable convolutions against MXNet 1.9.1: the cases recorded by
tools/oracle_ops/deformable.py (tests/fixtures/ops_by_family/deformable) replay through
tests/support/corpus.py. MXNet's CPU build has no backward for the modulated (v2) form, so its cases
are forward only and its gradient is checked against finite differences here."""
import numpy as np
import pytest
import tensorflow as tf

import tfmod as mx
from support import corpus
from tfmod_converters import registry

HERE, CASES = corpus.family('deformable')
test_case_matches_mxnet, test_symbol_json_round_trip = corpus.replay_tests('deformable')


def test_modulated_gradient_matches_finite_differences():
    od = registry.get('_contrib_ModulatedDeformableConvolution')
    p = od.parse({'num_filter': '2', 'kernel': '(3, 3)', 'pad': '(1, 1)'})
    rng = np.random.RandomState(0)
    args = [rng.randn(1, 2, 4, 4), rng.randn(1, 18, 4, 4) * 0.7 + 0.05,
            rng.rand(1, 9, 4, 4), rng.randn(2, 2, 3, 3), rng.randn(2)]
    ts = [tf.constant(a, tf.float64) for a in args]
    with tf.GradientTape() as tape:
        tape.watch(ts)
        y = tf.reduce_sum(tf.sin(od.lower(None, p, *ts)))
    grads = tape.gradient(y, ts)
    eps = 1e-6
    for k in (0, 1, 2, 3):
        flat = args[k].ravel()
        for idx in rng.choice(flat.size, 5, replace=False):
            plus, minus = [a.copy() for a in args], [a.copy() for a in args]
            plus[k].ravel()[idx] += eps
            minus[k].ravel()[idx] -= eps
            f = lambda a: float(tf.reduce_sum(tf.sin(od.lower(  # noqa: E731
                None, p, *[tf.constant(x, tf.float64) for x in a]))))
            num = (f(plus) - f(minus)) / (2 * eps)
            assert abs(grads[k].numpy().ravel()[idx] - num) < 1e-5 * max(1, abs(num)), (k, idx)


def test_bad_offset_shape_is_named():
    s = mx.sym.contrib.DeformableConvolution(mx.sym.var('data'), mx.sym.var('offset'),
                                             num_filter=2, kernel=(3, 3), name='dcn')
    with pytest.raises(mx.base.MXNetError, match=r'offset has shape'):
        s.simple_bind(mx.cpu(), data=(1, 2, 5, 5), offset=(1, 9, 3, 3))
