"""The inference weight cache: convolution and FullyConnected kernels kept in the layout TF's
kernels read fastest between inference calls, recomputed only after a weight may have changed
(tfmod/write_epoch.py).

Values are MXNet 1.9.1's (tests/fixtures/perf/predict.npz, tools/record_perf_predict.py); a
stale cache would give the outputs of the weights written before.
"""
import os

import numpy as np
import pytest

import tfmod as mx
from support import perf_nets

FIX = os.path.join(os.path.dirname(__file__), 'fixtures', 'perf', 'predict.npz')


@pytest.fixture(scope='module')
def rec():
    return dict(np.load(FIX))


def _params(rec, scale=1.0):
    return ({k[4:]: mx.nd.array(v * scale) for k, v in rec.items() if k.startswith('arg:')},
            {k[4:]: mx.nd.array(v) for k, v in rec.items() if k.startswith('aux:')})


def _module(rec, for_training=False):
    mod = mx.mod.Module(perf_nets.resnet_block(mx), context=mx.cpu())
    mod.bind([('data', (perf_nets.BATCH,) + rec['data'].shape[1:])],
             [('softmax_label', (perf_nets.BATCH,))], for_training=for_training)
    mod.set_params(*_params(rec))
    return mod


def _clean(mod, rec):
    mod.forward(mx.io.DataBatch([mx.nd.array(rec['data_clean'])]), is_train=False)
    return mod.get_outputs()[1].asnumpy()


def _counting(monkeypatch):
    calls = []
    real = mx.executor.Executor._refresh_prepared

    def counting(self):
        calls.append(1)
        return real(self)
    monkeypatch.setattr(mx.executor.Executor, '_refresh_prepared', counting)
    return calls


def test_kernels_are_cached_and_refreshed_only_after_writes(rec, monkeypatch):
    refreshes = _counting(monkeypatch)
    mod = _module(rec)
    exe = mod._exec_group.execs[0]
    for _ in range(3):
        np.testing.assert_allclose(_clean(mod, rec), rec['clean1'], rtol=1e-4, atol=1e-5)
    # both convolutions' kernels and the FullyConnected's (in, out) kernel, made once
    assert sorted(n for n, _ in exe._prep) == ['c0_weight', 'c1_weight', 'fc_weight']
    assert not refreshes
    mod.set_params(*_params(rec, 0.5))
    changed = _clean(mod, rec)
    assert not np.allclose(changed, rec['clean1'], rtol=1e-3)
    mod.set_params(*_params(rec))
    np.testing.assert_allclose(_clean(mod, rec), rec['clean1'], rtol=1e-4, atol=1e-5)
    assert len(refreshes) == 2 and exe.trace_count == 1


def test_array_writes_and_fed_weights_refresh(rec):
    mod = _module(rec)
    exe = mod._exec_group.execs[0]
    _clean(mod, rec)
    w = exe.arg_dict['c0_weight'].asnumpy()
    exe.arg_dict['c0_weight'][:] = w * 2                  # NDArray write
    assert not np.allclose(_clean(mod, rec), rec['clean1'], rtol=1e-3)
    exe.arg_dict['c0_weight'][:] = w
    np.testing.assert_allclose(_clean(mod, rec), rec['clean1'], rtol=1e-4, atol=1e-5)
    data = mx.nd.array(rec['data_clean'])
    exe.forward(is_train=False, data=data, c0_weight=mx.nd.array(w * 2))   # fed, not cached
    fed = exe.outputs[1].asnumpy()
    assert not np.allclose(fed, rec['clean1'], rtol=1e-3)
    exe.forward(is_train=False, data=data)                # keeps the fed value, as in MXNet
    np.testing.assert_allclose(exe.outputs[1].asnumpy(), fed, rtol=1e-6)


def test_training_steps_refresh_the_cache(rec):
    """Weights changed inside compiled training steps (Module.update) reach predict."""
    mod = _module(rec, for_training=True)
    mod.init_optimizer(optimizer_params={'learning_rate': 0.5})
    it = mx.io.NDArrayIter(np.nan_to_num(rec['data']), rec['label'], batch_size=perf_nets.BATCH)
    before = mod.predict(it)[1].asnumpy()
    it.reset()
    for batch in it:
        mod.forward_backward(batch)
        mod.update()
    after = mod.predict(it)[1].asnumpy()
    fresh = mx.mod.Module(perf_nets.resnet_block(mx), context=mx.cpu())
    fresh.bind(it.provide_data, it.provide_label, for_training=False)
    fresh.set_params(*mod.get_params())
    assert not np.allclose(after, before, rtol=1e-3)
    np.testing.assert_allclose(after, fresh.predict(it)[1].asnumpy(), rtol=1e-5, atol=1e-6)


def test_transposed_convolution_filters_are_cached():
    """Deconvolution (dilated, grouped, 1-D) and bilinear UpSampling filters: cached once per
    weight, refreshed after new weights are set; MXNet's outputs with both weight sets
    (tests/fixtures/perf/deconv_predict.npz, tools/record_deconv_predict.py)."""
    from support import deconv_cache_net as D
    rec = np.load(os.path.join(os.path.dirname(FIX), 'deconv_predict.npz'))
    ex = D.net(mx).simple_bind(mx.cpu(), data=D.SHAPE, grad_req='null')
    ex.arg_dict['data'][:] = rec['data']
    for k in (0, 1):
        for n in ex.arg_dict:
            if n != 'data':
                ex.arg_dict[n][:] = rec['p%d_%s' % (k, n)]
        for _ in range(2):
            out = ex.forward(is_train=False)[0].asnumpy()
            np.testing.assert_allclose(out, rec['out%d' % k], rtol=1e-4, atol=1e-4)
    assert sorted(n for n, _ in ex._prep) == ['dc_1d_weight', 'dc_a_weight', 'dc_b_weight',
                                              'dc_up_weight']
    assert ex.trace_count == 1
