"""Replays the MXNet-recorded detection/segmentation contrib-op cases
(tests/fixtures/ops_by_family/detection, made by tools/oracle_ops/detection.py with MXNet 1.9.1)
through tests/support/corpus.py, plus edge cases the corpus format cannot express."""

import numpy as np
import pytest

import tfmod as mx
from support import corpus

HERE, CASES = corpus.family('detection')
test_case_matches_mxnet, test_symbol_json_round_trip = corpus.replay_tests('detection')


def _err(fn, match):
    with pytest.raises(mx.base.MXNetError, match=match):
        fn()


def test_bad_attributes_rejected():
    V, X = mx.sym.var, mx.sym.contrib
    # MXNet 1.9.1 refuses all of these too (checked with the oracle).
    _err(lambda: X.box_nms(V('d'), score_index=3).infer_shape(d=(2, 5, 6)), 'conflict')
    _err(lambda: X.ROIAlign(V('d'), V('r'), pooled_size=(2, 2), spatial_scale=1.,
                            position_sensitive=True).infer_shape(d=(1, 6, 5, 5), r=(1, 5)),
         'divided by')
    _err(lambda: X.BilinearResize2D(V('d'), scale_height=2.).infer_shape(d=(1, 1, 4, 5)),
         'scale_width')
    _err(lambda: X.Proposal(V('c'), V('b'), V('i')).infer_shape(c=(2, 24, 4, 4)),
         'MultiProposal')
    _err(lambda: X.MultiBoxDetection(V('c'), V('l'), V('a')).infer_shape(
        c=(1, 3, 10), l=(1, 40), a=(1, 12, 4)), 'anchors mismatch')
    # MXNet reads past the data here; tfmod refuses.
    _err(lambda: X.PSROIPooling(V('d'), V('r'), spatial_scale=1., output_dim=2,
                                pooled_size=3).infer_shape(d=(1, 9, 5, 5), r=(1, 5)), 'channels')


def test_unknown_batch_dimension():
    V, X = mx.sym.var, mx.sym.contrib
    det = X.MultiBoxDetection(V('c'), V('l'), V('a'))
    assert det.infer_shape_partial(c=(0, 3, 10), l=(0, 40), a=(1, 10, 4))[1] == [(0, 10, 6)]
    rois = X.MultiProposal(V('c'), V('b'), V('i'), rpn_post_nms_top_n=5)
    args, outs, _ = rois.infer_shape_partial(c=(0, 24, 4, 4))
    assert args == [(0, 24, 4, 4), (0, 48, 4, 4), (0, 3)] and outs == [(0, 5)]
    pooled = X.ROIAlign(V('d'), V('r'), pooled_size=(2, 3), spatial_scale=0.5)
    assert pooled.infer_shape_partial(d=(0, 3, 6, 6), r=(0, 5))[1] == [(0, 3, 2, 3)]


def test_roialign_negative_batch_index_gives_zeros():
    # MXNet zeroes a single element and leaves the rest of such a roi uninitialised; tfmod
    # returns zeros (what MXNet documents) and sends no gradient from it.
    data = mx.nd.array(np.arange(50, dtype='float32').reshape(1, 2, 5, 5))
    rois = mx.nd.array([[-1, 0, 0, 2, 2], [0, 0, 0, 2, 2]])
    out = mx.nd.contrib.ROIAlign(data, rois, pooled_size=(2, 2), spatial_scale=1.).asnumpy()
    assert np.all(out[0] == 0)
    # roi [0, 0, 2, 2] at scale 1: bins of 1x1 pixel, 1 sample each at the bin centre.
    np.testing.assert_allclose(out[1, 0], [[3., 4.], [8., 9.]])
    sym = mx.sym.contrib.ROIAlign(mx.sym.var('d'), mx.sym.var('r'), pooled_size=(2, 2),
                                  spatial_scale=1.)
    ex = sym.bind(mx.cpu(), {'d': data, 'r': rois}, args_grad={'d': mx.nd.zeros((1, 2, 5, 5))},
                  grad_req={'d': 'write', 'r': 'null'})
    ex.forward(is_train=True)
    head = np.zeros((2, 2, 2, 2), 'float32')
    head[0] = 1.
    ex.backward([mx.nd.array(head)])
    assert np.all(ex.grad_dict['d'].asnumpy() == 0)


def test_box_nms_doc_example():
    # The example of MXNet's box_nms docstring, forward and backward.
    x = [[0, 0.5, 0.1, 0.1, 0.2, 0.2], [1, 0.4, 0.1, 0.1, 0.2, 0.2],
         [0, 0.3, 0.1, 0.1, 0.14, 0.14], [2, 0.6, 0.5, 0.5, 0.7, 0.8]]
    sym = mx.sym.contrib.box_nms(mx.sym.var('x'), overlap_thresh=0.1, coord_start=2,
                                 score_index=1, id_index=0, force_suppress=True)
    ex = sym.bind(mx.cpu(), {'x': mx.nd.array(x)}, args_grad={'x': mx.nd.zeros((4, 6))})
    out = ex.forward(is_train=True)[0].asnumpy()
    np.testing.assert_allclose(out, [[2, 0.6, 0.5, 0.5, 0.7, 0.8], [0, 0.5, 0.1, 0.1, 0.2, 0.2],
                                     [-1] * 6, [-1] * 6], rtol=1e-6)
    ex.backward([mx.nd.array(np.repeat([[0.1], [0.2], [0.3], [0.4]], 6, axis=1))])
    np.testing.assert_allclose(ex.grad_dict['x'].asnumpy(),
                               np.repeat([[0.2], [0], [0], [0.1]], 6, axis=1), rtol=1e-6)
