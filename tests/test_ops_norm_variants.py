"""BatchNorm_v1, _contrib_SyncBatchNorm and _contrib_BatchNormWithReLU against MXNet 1.9.1: the
cases recorded by tools/oracle_ops/norm_variants.py (tests/fixtures/ops_by_family/norm_variants)
replay through tests/support/corpus.py."""
import numpy as np
import pytest

import tfmod as mx
from support import corpus

HERE, CASES = corpus.family('norm_variants')
test_case_matches_mxnet, test_symbol_json_round_trip = corpus.replay_tests('norm_variants')


def _bound(ndev):
    data = mx.sym.var('data')
    net = mx.sym.contrib.SyncBatchNorm(data, fix_gamma=False, key='k', ndev=ndev, name='sbn')
    ex = net.simple_bind(mx.cpu(), data=(4, 3, 2, 2))
    ex.arg_dict['data'][:] = np.random.RandomState(0).rand(4, 3, 2, 2)
    ex.arg_dict['sbn_gamma'][:] = 1
    return ex


def test_sync_bn_training_across_devices_is_refused_by_name():
    # MXNet would wait for ndev devices; tfmod does not synchronise, so it says so
    ex = _bound(4)
    with pytest.raises(mx.base.MXNetError, match=r'SyncBatchNorm "sbn": .*ndev=4'):
        ex.forward(is_train=True)
        ex.outputs[0].asnumpy()
    assert ex.forward(is_train=False)[0].shape == (4, 3, 2, 2)


def test_sync_bn_single_device_trains_like_batchnorm():
    ex = _bound(1)
    out = ex.forward(is_train=True)[0].asnumpy()
    # per-channel normalised batch: mean 0, (biased) variance var/(var+eps)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    assert np.all(out.var(axis=(0, 2, 3)) > 0.9)


def test_sync_bn_output_mean_var_in_training():
    # MXNet 1.9.1, data = arange(12).reshape(2, 3, 2) / 4, gamma 1, beta 0, forward(is_train=True):
    # outputs mean [0.875, 1.375, 1.875] and the variance (not 1/std) 0.578125 per channel
    s = mx.sym.contrib.SyncBatchNorm(mx.sym.var('data'), fix_gamma=False, output_mean_var=True,
                                     key='k', name='sbn')
    ex = s.simple_bind(mx.cpu(), data=(2, 3, 2))
    ex.arg_dict['data'][:] = np.arange(12, dtype='float32').reshape(2, 3, 2) / 4
    ex.arg_dict['sbn_gamma'][:] = 1
    ex.arg_dict['sbn_beta'][:] = 0
    out, mean, var = [o.asnumpy() for o in ex.forward(is_train=True)]
    np.testing.assert_allclose(mean, [0.875, 1.375, 1.875], rtol=1e-6)
    np.testing.assert_allclose(var, [0.578125] * 3, rtol=1e-6)
    np.testing.assert_allclose(out[0, 0], [-1.1497989892959595, -0.8212849497795105], rtol=1e-5)


def test_sync_bn_model_exports_its_inference_form(tmp_path):
    import tensorflow as tf
    d = mx.sym.var('data')
    x = mx.sym.Convolution(d, num_filter=4, kernel=(3, 3), pad=(1, 1), name='conv')
    x = mx.sym.contrib.SyncBatchNorm(x, fix_gamma=False, key='k0', ndev=8, name='syncbn')
    x = mx.sym.contrib.BatchNormWithReLU(x, name='bnr')
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(x, num_hidden=2, name='fc'), name='softmax')
    mod = mx.mod.Module(net)
    mod.bind([('data', (2, 3, 6, 6))], [('softmax_label', (2,))], for_training=False)
    mod.init_params()
    with pytest.warns(UserWarning, match='no training form.*syncbn'):
        mod.export_savedmodel(str(tmp_path / 'sm'))
    serve = tf.saved_model.load(str(tmp_path / 'sm')).signatures['serving_default']
    xin = np.random.RandomState(1).rand(2, 3, 6, 6).astype('float32')
    got = list(serve(data=tf.constant(xin)).values())[0].numpy()
    mod.forward(mx.io.DataBatch([mx.nd.array(xin)]), is_train=False)
    np.testing.assert_allclose(got, mod.get_outputs()[0].asnumpy(), rtol=1e-6)
