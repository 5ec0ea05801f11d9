"""MXNet's optimizer update ops called through mx.nd, against MXNet 1.9.1: the cases recorded by
tests/fixtures/optimizer_ops/gen_optimizer_ops.py hold each call's inputs, its result and every
input afterwards (the states MXNet mutates in place)."""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from tfmod.base import MXNetError

HERE = os.path.join(os.path.dirname(__file__), 'fixtures', 'optimizer_ops')
with open(os.path.join(HERE, 'cases.json')) as _f:
    CASES = json.load(_f)['cases']
ARRAYS = np.load(os.path.join(HERE, 'cases.npz'))


def _close(got, want, what):
    if want.dtype == np.float16:
        np.testing.assert_allclose(got.astype(np.float32), want.astype(np.float32),
                                   rtol=1e-3, atol=1e-3, err_msg=what)
    else:
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-7, err_msg=what)


def _resolve(op):
    fn = mx.nd
    for part in op.split('.'):
        fn = getattr(fn, part)
    return fn


@pytest.mark.parametrize('case', CASES, ids=[c['name'] for c in CASES])
def test_update_op_matches_mxnet(case):
    name = case['name']
    ins = [ARRAYS['%s/in/%s' % (name, n)] for n in case['inputs']]
    nds = [mx.nd.array(a, dtype=a.dtype) for a in ins]
    fn = _resolve(case['op'])
    if case['out_names']:
        out = [nds[case['inputs'].index(n)] for n in case['out_names']]
    else:
        out = nds[0] if case['out_is_weight'] else None
    res = fn(*nds, out=out, **case['params']) if out is not None else fn(*nds, **case['params'])
    if out is not None:
        assert res is out
    res = res if isinstance(res, (list, tuple)) else [res]
    assert len(res) == case['num_outputs']
    for k, r in enumerate(res):
        want = ARRAYS['%s/out%d' % (name, k)]
        assert r.dtype == want.dtype
        _close(r.asnumpy(), want, '%s: output %d' % (name, k))
    for n, a in zip(case['inputs'], nds):
        _close(a.asnumpy(), ARRAYS['%s/after/%s' % (name, n)], '%s: %s after the call' % (name, n))


def test_nag_reads_its_own_write_only_in_place():
    # the two recorded NAG calls differ only in out=weight; so must ours
    a, b = ARRAYS['nag/after/mom'], ARRAYS['nag_new_out/after/mom']
    assert not np.allclose(a, b, rtol=1e-6, atol=0)


def test_finite_checks_and_reset_arrays():
    # MXNet 1.9.1: all_finite([1, inf]) -> [0.], all_finite([1, 2]) -> [1.];
    # multi_all_finite(ones(3), [nan], num_arrays=2) -> [0.]; reset_arrays returns [] and zeros
    # its arguments
    assert mx.nd.all_finite(mx.nd.array([1, np.inf])).asnumpy().tolist() == [0.0]
    assert mx.nd.all_finite(mx.nd.array([1, 2])).asnumpy().tolist() == [1.0]
    a, b = mx.nd.ones(3), mx.nd.ones((2, 2))
    assert mx.nd.multi_all_finite(a, b, num_arrays=2).asnumpy().tolist() == [1.0]
    assert mx.nd.multi_all_finite(a, mx.nd.array([np.nan]), num_arrays=2).asnumpy().tolist() \
        == [0.0]
    assert mx.nd.reset_arrays(a, b, num_arrays=2) == []
    assert not a.asnumpy().any() and not b.asnumpy().any()


def test_adamw_skipped_step_without_out_returns_the_weight():
    # MXNet writes nothing when rescale_grad is inf (a fresh output holds whatever memory had);
    # tfmod returns the unchanged weight and leaves every state alone
    w, g = mx.nd.array([1., 2.]), mx.nd.array([3., 4.])
    m, v = mx.nd.zeros(2), mx.nd.zeros(2)
    r = mx.nd.contrib.adamw_update(w, g, m, v, float('inf'), lr=0.1, eta=1.0)
    assert r.asnumpy().tolist() == [1., 2.] and g.asnumpy().tolist() == [3., 4.]
    assert not m.asnumpy().any() and not v.asnumpy().any()


def test_bad_update_inputs_are_named():
    with pytest.raises(MXNetError, match=r'sgd_update: grad has shape \(4,\), weight has \(3,\)'):
        mx.nd.sgd_update(mx.nd.ones(3), mx.nd.ones(4), lr=0.1)
    h = mx.nd.ones(3, dtype='float16')
    with pytest.raises(MXNetError, match='mp_sgd_update: weight32 must be float32'):
        mx.nd.mp_sgd_update(h, h, h, lr=0.1)
    with pytest.raises(MXNetError, match='lr'):
        mx.nd.sgd_update(mx.nd.ones(3), mx.nd.ones(3))
    with pytest.raises(MXNetError, match=r'multi_sgd_update: num_weights=2 takes 4 inputs'):
        mx.nd.multi_sgd_update(mx.nd.ones(3), mx.nd.ones(3), lrs=(.1, .1), wds=(0, 0),
                               num_weights=2)
    with pytest.raises(MXNetError, match=r'multi_sgd_update: lrs has 1 values'):
        mx.nd.multi_sgd_update(*[mx.nd.ones(3)] * 4, lrs=(.1,), wds=(0, 0), num_weights=2)
    with pytest.raises(MXNetError, match=r'multi_sum_sq: .*float16'):
        mx.nd.multi_sum_sq(mx.nd.ones(3), h, num_arrays=2)


def test_contrib_list_wrappers_call_the_multi_tensor_ops():
    # mx.nd.contrib.multi_lamb_update / multi_adamw_update take lists, as in MXNet's Python API
    def arrays(seed):
        rng = np.random.RandomState(seed)
        return [[mx.nd.array(rng.rand(3, 2)) for _ in range(2)] for _ in range(4)]
    (w1, g1, m1, v1), (w2, g2, m2, v2) = arrays(1), arrays(1)
    kw = dict(step_count=[1, 2], lrs=[0.1, 0.2], wds=[0.0, 0.01])
    mx.nd.contrib.multi_lamb_update(w1, g1, m1, v1, out=w1, **kw)
    mx.nd._internal._multi_lamb_update(*[a for grp in zip(w2, g2, m2, v2) for a in grp], out=w2,
                                       num_tensors=2, step_count=[1, 2],
                                       learning_rates=[0.1, 0.2], wds=[0.0, 0.01])
    for a, b in zip(w1 + m1 + v1, w2 + m2 + v2):
        np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
    (w1, g1, m1, v1), (w2, g2, m2, v2) = arrays(2), arrays(2)
    mx.nd.contrib.multi_adamw_update(w1, g1, m1, v1, 0.5, lrs=[0.1, 0.2], wds=[0.0, 0.1],
                                     etas=[1.0, 1.0], out=w1)
    for i in range(2):
        mx.nd.contrib.adamw_update(w2[i], g2[i], m2[i], v2[i], 0.5, lr=[0.1, 0.2][i], eta=1.0,
                                   wd=[0.0, 0.1][i], out=w2[i])
    for a, b in zip(w1 + m1 + v1, w2 + m2 + v2):
        np.testing.assert_allclose(a.asnumpy(), b.asnumpy(), rtol=1e-6)
