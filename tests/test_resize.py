"""converters/resize.py's OpenCV kernels against MXNet 1.9.1's cv::resize at an input
pipeline's scale factors (tests/fixtures/resize, recorded by tools/record_resize.py): within
one grey level of OpenCV's fixed-point pixels and most of them equal, nearest exact, float32
images within float32 rounding; eager images (numpy) and images inside a graph (TF ops) alike.
"""
import os

import numpy as np
import pytest
import tensorflow as tf

import tfmod as mx
from tfmod.base import MXNetError
from tfmod_converters.image import resize_hwc
from tfmod_converters.resize import resize_matrix, resize_taps

A = np.load(os.path.join(os.path.dirname(__file__), 'fixtures', 'resize', 'cases.npz'))
NAMES = sorted(k[3:] for k in A if k.startswith('in_'))
KERNELS = ['nearest', 'bilinear', 'bicubic', 'area', 'lanczos4']


def _check(got, want, interp, what):
    assert got.shape == want.shape and got.dtype == want.dtype, what
    diff = np.abs(got.astype(np.float64) - want)
    if want.dtype == np.float32:                  # OpenCV's float path computes in float32
        assert diff.max() <= 1e-3, '%s: off by %g' % (what, diff.max())
        return
    assert diff.max() <= (0 if interp == 0 else 1), '%s: off by %d' % (what, diff.max())
    assert (diff == 0).mean() >= 0.85, '%s: only %.2f equal' % (what, (diff == 0).mean())


@pytest.mark.parametrize('interp', range(5), ids=KERNELS)
def test_imresize_matches_mxnet(interp):
    for name in NAMES:
        want = A['out_%s_%d' % (name, interp)]
        got = mx.image.imresize(mx.nd.array(A['in_' + name], dtype=want.dtype),
                                want.shape[1], want.shape[0], interp=interp).asnumpy()
        _check(got, want, interp, '%s %s' % (name, KERNELS[interp]))


def test_inside_a_graph_too():
    # symbols resize with TF gathers: the same pixels as the eager numpy path
    for interp in (1, 3, 4):
        for name in ('shrink', 'grey', 'float'):
            want = A['out_%s_%d' % (name, interp)]
            fn = tf.function(lambda x: resize_hwc(x, want.shape[1], want.shape[0], interp))
            _check(fn(tf.constant(A['in_' + name])).numpy(), want, interp, 'graph ' + name)


def test_taps_are_sparse_and_sum_to_one():
    # each output reads at most ceil(scale) + 1 inputs (area) or the kernel's width
    for n_in, n_out, interp, most in ((400, 256, 1, 2), (400, 256, 2, 4), (400, 256, 4, 8),
                                      (400, 40, 3, 11), (32, 224, 3, 2), (300, 1, 0, 1)):
        idx, w = resize_taps(n_in, n_out, interp)
        assert idx.shape == w.shape == (n_out, idx.shape[1]) and idx.shape[1] <= most
        assert idx.min() >= 0 and idx.max() < n_in
        np.testing.assert_allclose(w.sum(1), 1, atol=1e-12)
        dense = resize_matrix(n_in, n_out, interp)
        assert dense.shape == (n_out, n_in) and np.count_nonzero(dense) <= idx.size
        with pytest.raises(ValueError):
            w[0, 0] = 2.0                          # the cached taps are read-only


def test_batches_and_bad_sizes():
    x = tf.constant(np.stack([A['in_cifar'], A['in_cifar'][::-1]]))
    got = mx.nd._internal._image_resize(mx.nd.array(x.numpy(), dtype='uint8'),
                                        size=(40, 40), interp=1).asnumpy()
    _check(got[0], A['out_cifar_1'], 1, 'batch 0')
    _check(got[1], resize_hwc(x[1], 40, 40, 1).numpy(), 1, 'batch 1')
    for bad, match in (((0, 5), 'positive'), ((5, -1), 'positive')):
        with pytest.raises(MXNetError, match='imresize: target size must be ' + match):
            resize_hwc(x[0], *bad, 1)
    with pytest.raises(MXNetError, match='imresize: interp must be 0-4'):
        resize_hwc(x[0], 5, 5, 7)
    with pytest.raises(MXNetError, match='imresize: the image is empty'):
        resize_hwc(tf.zeros((0, 4, 3), tf.uint8), 5, 5, 1)
