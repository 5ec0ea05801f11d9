"""Convolution / Deconvolution / Pooling / UpSampling beyond the op corpus.

tests/fixtures/conv/{cases.json,conv.npz} were recorded with the real MXNet 1.9.1 by
tests/fixtures/conv/gen_conv_fixtures.py (run with the oracle's python): grouped + dilated +
strided convolutions in 1-3-D, unequal depthwise strides, Deconvolution with pad/adj/groups/
dilation/target_shape, 'full' pooling with padding and overhang, lp with negative inputs,
channels-last pooling layouts, multi-input nearest and bilinear UpSampling. Every case is replayed
on the native (oneDNN) kernels and on the portable formulations used by TF builds without oneDNN.
"""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from tfmod_converters import conv as conv_mod
from tfmod_converters.base import MXNetError

HERE = os.path.join(os.path.dirname(__file__), 'fixtures', 'conv')
with open(os.path.join(HERE, 'cases.json')) as _f:
    CASES = json.load(_f)
_ARRAYS = None


def arrays():
    global _ARRAYS
    if _ARRAYS is None:
        _ARRAYS = dict(np.load(os.path.join(HERE, 'conv.npz')))
    return _ARRAYS


def replay(name):
    meta = CASES[name]
    a = arrays()
    sym = mx.sym.load_json(meta['symbol'])
    assert sym.list_arguments() == meta['args']
    assert sym.tojson() == meta['symbol']
    args = {n: mx.nd.array(a['%s/arg:%s' % (name, n)]) for n in meta['args']}
    grads = {n: mx.nd.zeros(args[n].shape) for n in meta['args']}
    ex = sym.bind(mx.cpu(), args, args_grad=grads)
    ex.forward(is_train=True)
    ex.backward([mx.nd.array(a[name + '/head'])])
    np.testing.assert_allclose(ex.outputs[0].asnumpy(), a[name + '/out'], rtol=1e-4, atol=1e-4,
                               err_msg=name + ' out')
    for n in meta['args']:
        np.testing.assert_allclose(ex.grad_dict[n].asnumpy(), a['%s/grad:%s' % (name, n)],
                                   rtol=1e-4, atol=1e-4, err_msg='%s grad:%s' % (name, n))


@pytest.mark.parametrize('name', sorted(CASES))
def test_matches_mxnet(name):
    replay(name)


PORTABLE = sorted(n for n in CASES if n[0] in 'cd' or n.startswith('u_bilinear'))


@pytest.mark.parametrize('name', PORTABLE)
def test_matches_mxnet_portable_kernels(name, monkeypatch):
    # The formulations used when TF has no oneDNN (no native grouped/dilated CPU kernels).
    monkeypatch.setattr(conv_mod, 'ONEDNN', False)
    replay(name)


def _grads(sym, vals, head):
    args = {k: mx.nd.array(v) for k, v in vals.items()}
    grads = {k: mx.nd.zeros(v.shape) for k, v in vals.items()}
    ex = sym.bind(mx.cpu(), args, args_grad=grads)
    out = ex.forward(is_train=True)[0].asnumpy()
    ex.backward([mx.nd.array(head)])
    return out, {k: g.asnumpy() for k, g in ex.grad_dict.items()}


def test_channels_last_convolution_matches_channels_first():
    # MXNet's NHWC weight layout is (num_filter, kh, kw, C/num_group) (its shape rule; CPU MXNet
    # cannot run NHWC convolutions, so this checks consistency with NCHW).
    rs = np.random.RandomState(0)
    x = rs.randn(2, 4, 7, 6).astype('f')
    w = rs.randn(6, 2, 3, 2).astype('f')
    b = rs.randn(6).astype('f')
    kw = dict(kernel=(3, 2), num_filter=6, num_group=2, stride=(2, 1), pad=(1, 1), name='c')
    d = mx.sym.var('data')
    first = mx.sym.Convolution(d, **kw)
    last = mx.sym.Convolution(d, layout='NHWC', **kw)
    assert last.infer_shape(data=(2, 7, 6, 4))[0][1] == (6, 3, 2, 2)
    head = rs.randn(2, 6, 4, 7).astype('f')
    o1, g1 = _grads(first, {'data': x, 'c_weight': w, 'c_bias': b}, head)
    o2, g2 = _grads(last, {'data': x.transpose(0, 2, 3, 1), 'c_weight': w.transpose(0, 2, 3, 1),
                           'c_bias': b}, head.transpose(0, 2, 3, 1))
    np.testing.assert_allclose(o2, o1.transpose(0, 2, 3, 1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(g2['data'], g1['data'].transpose(0, 2, 3, 1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(g2['c_weight'], g1['c_weight'].transpose(0, 2, 3, 1), rtol=1e-5,
                               atol=1e-5)


def test_channels_last_deconvolution_matches_channels_first():
    rs = np.random.RandomState(1)
    x = rs.randn(2, 4, 5, 4).astype('f')
    w = rs.randn(4, 3, 3, 2).astype('f')
    kw = dict(kernel=(3, 2), num_filter=6, num_group=2, stride=(2, 2), pad=(1, 0), adj=(1, 1),
              name='d')
    d = mx.sym.var('data')
    # Shapes as MXNet 1.9.1's infer_shape gives them (recorded with the oracle).
    assert mx.sym.Deconvolution(d, layout='NHWC', **kw).infer_shape(data=(2, 7, 5, 4))[:2] == \
        ([(2, 7, 5, 4), (4, 3, 2, 3)], [(2, 14, 11, 6)])
    o1 = mx.nd.Deconvolution(mx.nd.array(x), mx.nd.array(w), **kw).asnumpy()
    o2 = mx.nd.Deconvolution(mx.nd.array(x.transpose(0, 2, 3, 1)),
                             mx.nd.array(w.transpose(0, 2, 3, 1)), layout='NHWC', **kw).asnumpy()
    np.testing.assert_allclose(o2, o1.transpose(0, 2, 3, 1), rtol=1e-5, atol=1e-5)


def test_parameter_shapes():
    d = mx.sym.var('data')
    # Expected values recorded from MXNet 1.9.1's infer_shape.
    s = mx.sym.Convolution(d, kernel=(3, 2, 2), num_filter=6, layout='NDHWC')
    assert s.infer_shape(data=(2, 7, 5, 4, 3))[:2] == (
        [(2, 7, 5, 4, 3), (6, 3, 2, 2, 3), (6,)], [(2, 5, 4, 3, 6)])
    s = mx.sym.Deconvolution(d, kernel=(3,), num_filter=4, stride=(2,), target_shape=(12,))
    assert s.infer_shape(data=(2, 3, 6))[:2] == ([(2, 3, 6), (3, 4, 3)], [(2, 4, 12)])
    s = mx.sym.UpSampling(d, scale=3, sample_type='bilinear', num_filter=2, num_args=1)
    assert s.infer_shape(data=(1, 2, 3, 3))[:2] == ([(1, 2, 3, 3), (2, 1, 5, 5)], [(1, 2, 9, 9)])
    s = mx.sym.Pooling(d, kernel=(3, 3), pool_type='avg', layout='NHWC',
                       pooling_convention='full', stride=(2, 2))
    assert s.infer_shape(data=(2, 7, 6, 3))[1] == [(2, 3, 3, 3)]
    s = mx.sym.Convolution(mx.sym.var('data', shape=(0, 3, 0, 0)), kernel=(3, 3), num_filter=4,
                           pad=(1, 1), name='c')
    assert s.infer_shape_partial()[0] == [(0, 3, 0, 0), (4, 3, 3, 3), (4,)]


def test_bilinear_upsampling_creates_its_weight():
    up = mx.sym.UpSampling(mx.sym.var('data'), scale=2, sample_type='bilinear', num_filter=3,
                           num_args=1, name='up')
    assert up.list_arguments() == ['data', 'up_weight']
    assert up.attr_dict()['up_weight']['__init__'] == '["bilinear", {}]'


@pytest.mark.parametrize('kw,rows', [
    # node_row_ptr as MXNet 1.9.1 (oneDNN build) writes it: max pooling with a kernel and a
    # channels-first layout has a hidden workspace output.
    (dict(kernel=(2, 2), pool_type='max'), [0, 1, 3]),
    (dict(kernel=(2,), pool_type='max'), [0, 1, 3]),
    (dict(kernel=(2, 2), pool_type='avg'), [0, 1, 2]),
    (dict(kernel=(2, 2), pool_type='max', layout='NHWC'), [0, 1, 2]),
    (dict(global_pool=True, pool_type='max'), [0, 1, 2]),
    (dict(kernel=(2, 2), pool_type='lp', p_value=2), [0, 1, 2]),
])
def test_pooling_hidden_outputs(kw, rows):
    s = mx.sym.Pooling(mx.sym.var('data'), **kw)
    assert json.loads(s.tojson())['node_row_ptr'] == rows
    assert len(s.list_outputs()) == 1


def test_max_pool_ties_send_gradient_to_first_maximum():
    # MXNet 1.9.1: zeros input, k3 s2 p1 -> each window's first in-range cell gets the gradient.
    s = mx.sym.Pooling(mx.sym.var('data'), kernel=(3, 3), stride=(2, 2), pad=(1, 1),
                       pool_type='max')
    _, g = _grads(s, {'data': np.zeros((1, 1, 4, 4), 'f')}, np.ones((1, 1, 2, 2), 'f'))
    expected = np.zeros((4, 4), 'f')
    expected[:2, :2] = 1
    np.testing.assert_array_equal(g['data'][0, 0], expected)


@pytest.mark.parametrize('fn', [
    lambda x: mx.nd.Convolution(x, mx.nd.zeros((5, 2, 3, 3)), mx.nd.zeros(5), kernel=(3, 3),
                                num_filter=5, num_group=2),
    lambda x: mx.nd.Convolution(x, mx.nd.zeros((4, 4, 9, 9)), mx.nd.zeros(4), kernel=(9, 9),
                                num_filter=4),
    lambda x: mx.nd.Convolution(x, mx.nd.zeros((4, 4, 3)), mx.nd.zeros(4), kernel=(3,),
                                num_filter=4),
    lambda x: mx.nd.Convolution(x, mx.nd.zeros((4, 4, 3, 3)), mx.nd.zeros(4), kernel=(3, 3),
                                num_filter=4, stride=(1, 1, 1)),
    lambda x: mx.nd.Convolution(x, mx.nd.zeros((4, 3, 3, 3)), mx.nd.zeros(4), kernel=(3, 3),
                                num_filter=4),
    lambda x: mx.nd.Deconvolution(x, mx.nd.zeros((4, 4, 3, 3)), kernel=(3, 3), num_filter=4,
                                  stride=(2, 2), adj=(2, 2)),
    lambda x: mx.nd.Deconvolution(x, mx.nd.zeros((4, 4, 3, 3)), kernel=(3, 3), num_filter=4,
                                  stride=(2, 2), target_shape=(20, 20)),
    lambda x: mx.nd.Pooling(x, kernel=(2, 2), pool_type='max', pooling_convention='same'),
    lambda x: mx.nd.Pooling(x, kernel=(2, 2), pool_type='lp'),
    lambda x: mx.nd.Pooling(x, kernel=(2, 2), pool_type='lp', p_value=4),
    lambda x: mx.nd.Pooling(x, kernel=(7, 7), pool_type='max'),
    lambda x: mx.nd.Pooling(x, kernel=(2,), pool_type='max'),
    lambda x: mx.nd.Pooling(x, pool_type='max'),
    lambda x: mx.nd.UpSampling(x, mx.nd.zeros((1, 4, 3, 3)), scale=2, sample_type='nearest',
                               num_args=2),
    lambda x: mx.nd.UpSampling(x, mx.nd.zeros((4, 1, 4, 4)), scale=2, sample_type='bilinear',
                               num_filter=3, num_args=2),
], ids=['conv_group', 'conv_kernel_too_big', 'conv_ndim', 'conv_stride_len', 'conv_weight_shape',
        'deconv_adj', 'deconv_target_too_big', 'pool_same', 'lp_no_p', 'lp_p4', 'pool_kernel_big',
        'pool_kernel_ndim', 'pool_no_kernel', 'up_nearest_size', 'up_bilinear_filters'])
def test_bad_attributes_raise_mxneterror(fn):
    with pytest.raises(MXNetError):
        fn(mx.nd.ones((1, 4, 5, 5)))
