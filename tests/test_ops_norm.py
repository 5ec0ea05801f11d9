"""Normalisation ops beyond the corpus: float16 BatchNorm, other axes, even LRN windows, errors.

Expected numbers in tests/fixtures/norm/cases.npz were recorded with the real MXNet 1.9.1 by
``$ORACLE_PY tests/fixtures/norm/gen_oracle.py norm`` (see that script for the procedure).
"""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from tfmod_converters.base import MXNetError

HERE = os.path.join(os.path.dirname(__file__), 'fixtures')


def load_family(family):
    with open(os.path.join(HERE, family, 'cases.json')) as f:
        meta = json.load(f)
    arrays = dict(np.load(os.path.join(HERE, family, 'cases.npz')))
    return meta, arrays


def _get(arrays, case, what):
    pre = '%s/%s:' % (case, what)
    return {k[len(pre):]: v for k, v in arrays.items() if k.startswith(pre)}


def _close(actual, expected, what, half=False):
    tol = 1e-2 if half or np.float16 in (actual.dtype, expected.dtype) else 1e-4
    assert actual.shape == expected.shape, (what, actual.shape, expected.shape)
    assert actual.dtype == expected.dtype, (what, actual.dtype, expected.dtype)
    np.testing.assert_allclose(actual.astype('f8'), expected.astype('f8'), rtol=tol, atol=tol,
                               err_msg=what)


def run_oracle_case(meta, arrays, case):
    """Replay one recorded case: inference, training forward, backward, state after."""
    sym = mx.sym.load_json(meta[case]['symbol'])
    args, aux = _get(arrays, case, 'arg'), _get(arrays, case, 'aux')
    grads_exp = _get(arrays, case, 'grad')
    half = any(v.dtype == np.float16 for v in args.values())

    def close(a, e, what):
        _close(a, e, what, half)

    def bind():
        a = {k: mx.nd.array(v, dtype=v.dtype) for k, v in args.items()}
        g = {k: mx.nd.zeros(v.shape, dtype=v.dtype) for k, v in args.items() if k in grads_exp}
        req = {k: 'write' if k in grads_exp else 'null' for k in args}
        x = {k: mx.nd.array(v, dtype=v.dtype) for k, v in aux.items()}
        return sym.bind(mx.cpu(), a, args_grad=g, grad_req=req, aux_states=x)

    ex = bind()
    for i, o in enumerate(ex.forward(is_train=False)):
        close(o.asnumpy(), arrays['%s/out:%d' % (case, i)], '%s out:%d' % (case, i))
    ex = bind()
    outs = ex.forward(is_train=True)
    for i, o in enumerate(outs):
        close(o.asnumpy(), arrays['%s/train_out:%d' % (case, i)], '%s train_out:%d' % (case, i))
    for k, v in _get(arrays, case, 'arg_after_fwd').items():
        close(ex.arg_dict[k].asnumpy(), v, '%s arg_after_fwd:%s' % (case, k))
    heads = [mx.nd.array(arrays['%s/head:%d' % (case, i)]) for i in range(len(outs))]
    heads = [mx.nd.array(h.asnumpy(), dtype=o.dtype) for h, o in zip(heads, outs)]
    ex.backward(heads)
    for k, v in grads_exp.items():
        close(ex.grad_dict[k].asnumpy(), v, '%s grad:%s' % (case, k))
    for k, v in _get(arrays, case, 'aux_after').items():
        close(ex.aux_dict[k].asnumpy(), v, '%s aux_after:%s' % (case, k))


META, ARRAYS = load_family('norm')


@pytest.mark.parametrize('case', sorted(META))
def test_matches_mxnet(case):
    run_oracle_case(META, ARRAYS, case)


def test_batchnorm_float16_keeps_float32_parameters():
    data = mx.sym.var('data')
    bn = mx.sym.BatchNorm(data, name='bn', output_mean_var=True)
    arg_shapes, out_shapes, aux_shapes = bn.infer_shape(data=(2, 5, 3))
    assert arg_shapes == [(2, 5, 3), (5,), (5,)] and aux_shapes == [(5,), (5,)]
    assert out_shapes == [(2, 5, 3), (5,), (5,)]
    ex = bn.simple_bind(mx.cpu(), data=(2, 5, 3), type_dict={'data': 'float16'})
    assert ex.arg_dict['bn_gamma'].dtype == np.float32
    assert ex.aux_dict['bn_moving_var'].dtype == np.float32
    outs = ex.forward(is_train=False)
    assert outs[0].asnumpy().dtype == np.float16
    assert outs[1].asnumpy().dtype == np.float32


def test_batchnorm_composition_stamps_moving_stat_initialisers():
    bn = mx.sym.BatchNorm(mx.sym.var('data'), name='bn')
    nodes = {n['name']: n for n in json.loads(bn.tojson())['nodes']}
    assert nodes['bn_moving_mean']['attrs']['__init__'] == '["zero", {}]'
    assert nodes['bn_moving_var']['attrs']['__init__'] == '["one", {}]'
    assert 'attrs' not in nodes['bn_gamma'] or '__init__' not in nodes['bn_gamma']['attrs']
    assert bn.list_auxiliary_states() == ['bn_moving_mean', 'bn_moving_var']


def test_batchnorm_moving_stats_change_in_backward_only():
    data = np.random.RandomState(0).randn(6, 2).astype('f')
    bn = mx.sym.BatchNorm(mx.sym.var('data'), name='bn', momentum=0.5)
    ex = bn.simple_bind(mx.cpu(), data=(6, 2))
    ex.aux_dict['bn_moving_var'][:] = 1
    ex.forward(is_train=True, data=data)
    ex.outputs[0].asnumpy()
    np.testing.assert_array_equal(ex.aux_dict['bn_moving_mean'].asnumpy(), 0)
    ex.backward(mx.nd.ones((6, 2)))
    np.testing.assert_allclose(ex.aux_dict['bn_moving_mean'].asnumpy(), 0.5 * data.mean(0),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ex.aux_dict['bn_moving_var'].asnumpy(),
                               0.5 + 0.5 * data.var(0), rtol=1e-5)


def test_lrn_float16_trains_as_float32_rounded():
    """A float16 LRN (MXNet's example alexnet with --dtype float16) runs on CPU, forward and
    backward in a bound executor, giving the float32 LRN's values to float16 precision (MXNet
    1.9.1's CPU LRN refuses float16 with a dtype check failure; TF's CPU pooling has no half
    kernel, so tfmod sums its windows in float32)."""
    x = np.random.RandomState(0).uniform(-2, 2, (2, 6, 3, 3))
    got = {}
    for dt in ('float16', 'float32'):
        sym = mx.sym.LRN(mx.sym.var('data', dtype=dt), alpha=0.5, beta=0.75, knorm=2, nsize=5)
        ex = sym.simple_bind(mx.cpu(), data=(2, 6, 3, 3), type_dict={'data': dt})
        ex.forward(is_train=True, data=x.astype(dt))
        ex.backward(mx.nd.ones((2, 6, 3, 3), dtype=dt))
        got[dt] = (ex.outputs[0], ex.grad_dict['data'])
    for half, full in zip(got['float16'], got['float32']):
        assert half.dtype == np.float16
        np.testing.assert_allclose(half.asnumpy(), full.asnumpy(), rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize('make, shape, words', [
    (lambda d: mx.sym.BatchNorm(d, axis=3), (2, 3, 4), 'axis'),
    (lambda d: mx.sym.GroupNorm(d, num_groups=4), (2, 6, 3), 'num_groups'),
    (lambda d: mx.sym.LRN(d, nsize=3), (2, 6, 3), '4-D'),
    (lambda d: mx.sym.L2Normalization(d, mode='spatial'), (2, 6), 'spatial'),
    (lambda d: mx.sym.InstanceNorm(d), (2, 6), '3 dimensions'),
])
def test_bad_inputs_raise_mxnet_error(make, shape, words):
    sym = make(mx.sym.var('data'))
    with pytest.raises(MXNetError, match=words):
        sym.simple_bind(mx.cpu(), data=shape).forward()
