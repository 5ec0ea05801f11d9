"""Record MXNet 1.9.1 cases for the detection / segmentation contrib ops (converters/boxes.py,
proposal.py, roi.py, and the resizing ops of spatial.py).

    /tmp/mxnet-oracle/bin/python tools/oracle_ops/detection.py [case,...]

Writes tests/fixtures/ops_by_family/detection/ (corpus format, see tests/fixtures/ops/README.md).
Inputs are random with fixed seeds (crc32 of the case name) and built so that no decision of the
ops (score order, IoU against a threshold, floor/ceil of a sampling position) sits on a tie.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _family_runner import main  # noqa: E402


# ---- input generators (fn(RandomState) -> array) -------------------------------------------

def boxes_corner(r, n, lo=0.0, hi=1.0, wmin=0.05, wmax=0.4, clusters=0):
    """n corner boxes [x1, y1, x2, y2]; with clusters > 0 the centres gather around a few points
    so that many pairs overlap (NMS has work to do)."""
    if clusters:
        cen = r.uniform(lo + 0.2 * (hi - lo), hi - 0.2 * (hi - lo), (clusters, 2))
        c = cen[r.randint(0, clusters, n)] + r.standard_normal((n, 2)) * 0.04 * (hi - lo)
    else:
        c = r.uniform(lo + 0.1 * (hi - lo), hi - 0.1 * (hi - lo), (n, 2))
    wh = r.uniform(wmin, wmax, (n, 2)) * (hi - lo)
    return np.concatenate([c - wh / 2, c + wh / 2], axis=1)


def define(g):
    mx, V, N, U, I, C, case = g.mx, g.V, g.N, g.U, g.I, g.C, g.case
    Gen = g.Gen
    X = mx.sym.contrib
    D = 'detection'

    def gen(fn, dtype='float32'):
        return Gen(lambda r: np.asarray(fn(r)).astype(dtype))

    # ---- MultiBoxPrior -------------------------------------------------------------------
    def mbp(**kw):
        return lambda: X.MultiBoxPrior(V('data'), name='prior', **kw)
    case('mbp_default', mbp(), {'data': N(1, 3, 4, 5)}, group=D)
    case('mbp_sizes_ratios', mbp(sizes=(0.5, 0.25, 0.1), ratios=(1, 2, 0.5)),
         {'data': N(2, 3, 5, 4)}, group=D, note='num anchors = sizes + ratios - 1 per cell')
    case('mbp_steps_offsets', mbp(sizes=(0.3,), ratios=(1, 3), steps=(0.2, 0.25),
                                  offsets=(0.3, 0.7)),
         {'data': N(1, 2, 3, 6)}, group=D, note='steps/offsets are (y, x)')
    case('mbp_clip', mbp(sizes=(0.8, 0.5), ratios=(1, 2, 0.5), clip=True),
         {'data': N(1, 2, 3, 3)}, group=D)

    # ---- MultiBoxDetection ---------------------------------------------------------------
    def mbd_inputs(B, C_, A, clusters=3):
        def cls(r):
            x = r.standard_normal((B, C_, A)) * 1.5
            e = np.exp(x - x.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
        return {'cls_prob': gen(cls), 'loc_pred': N(B, A * 4, scale=0.5),
                'anchor': gen(lambda r: boxes_corner(r, A, clusters=clusters)[None])}

    def mbd(**kw):
        return lambda: X.MultiBoxDetection(V('cls_prob'), V('loc_pred'), V('anchor'),
                                           name='det', **kw)
    case('mbd_default', mbd(), mbd_inputs(2, 4, 40), group=D,
         note='sorted by score, suppressed rows keep their values with id -1')
    case('mbd_force_suppress', mbd(force_suppress=True, nms_threshold=0.3), mbd_inputs(2, 3, 40),
         group=D)
    case('mbd_nms_topk', mbd(nms_topk=7, nms_threshold=0.4), mbd_inputs(2, 3, 30), group=D,
         note='rows beyond nms_topk keep their unsorted content with id -1')
    case('mbd_threshold_noclip', mbd(threshold=0.4, clip=False, variances=(0.2, 0.2, 0.3, 0.3)),
         mbd_inputs(2, 4, 30), group=D)
    case('mbd_no_nms', mbd(nms_threshold=0), mbd_inputs(2, 3, 20), group=D,
         note='nms_threshold <= 0: valid detections compacted in anchor order, not sorted')
    case('mbd_background_id', mbd(background_id=2, nms_threshold=0.45), mbd_inputs(1, 4, 25),
         group=D, note='background_id is ignored by the CPU kernel: class 0 is background')
    case('mbd_many_anchors', mbd(nms_threshold=0.45, threshold=0.05), mbd_inputs(2, 3, 300, 6),
         group=D, note='300 anchors: several NMS tiles')
    case('mbd_one_class', mbd(), mbd_inputs(2, 2, 16), group=D)

    # ---- MultiBoxTarget ------------------------------------------------------------------
    def mbt_inputs(B, A, L, nvalid, C_=3, width=5):
        def lab(r):
            out = -np.ones((B, L, width))
            for b in range(B):
                k = nvalid[b]
                if k:
                    out[b, :k, 0] = r.randint(0, C_ - 1, k)
                    out[b, :k, 1:5] = boxes_corner(r, k, wmin=0.15, wmax=0.45)
                    if width > 5:
                        out[b, :k, 5:] = r.uniform(0, 1, (k, width - 5))
            return out
        return {'anchor': gen(lambda r: boxes_corner(r, A, wmin=0.1, wmax=0.5)[None]),
                'label': gen(lab), 'cls_pred': N(B, C_, A)}

    def mbt(**kw):
        return lambda: X.MultiBoxTarget(V('anchor'), V('label'), V('cls_pred'), name='tgt', **kw)
    case('mbt_default', mbt(), mbt_inputs(2, 30, 4, [3, 2]), group=D)
    case('mbt_overlap_variances', mbt(overlap_threshold=0.3, variances=(0.1, 0.1, 0.3, 0.3)),
         mbt_inputs(2, 30, 3, [3, 1], width=6), group=D, note='label width 6')
    case('mbt_negative_mining', mbt(negative_mining_ratio=2, negative_mining_thresh=0.4,
                                    ignore_label=-2, minimum_negative_samples=3),
         mbt_inputs(2, 40, 4, [2, 3]), group=D,
         note='hard negatives = lowest background softmax; the rest get ignore_label; '
              'minimum_negative_samples is unused by the CPU kernel')
    case('mbt_no_overlap_threshold', mbt(overlap_threshold=0, negative_mining_ratio=3),
         mbt_inputs(2, 30, 3, [2, 2]), group=D, note='bipartite matches only')
    case('mbt_empty_labels', mbt(ignore_label=-3), mbt_inputs(2, 20, 3, [2, 0]), group=D,
         note='a sample without valid labels: targets 0, mask 0, cls ignore_label')

    # ---- box_nms ---------------------------------------------------------------------------
    def nms_data(shape, ncls=3, score_col=1, id_col=0, coord=2, width=6, center=False,
                 neg=False):
        def f(r):
            lead, n = shape[:-1], shape[-1]
            tot = int(np.prod(lead)) * n
            out = r.uniform(0, 1, (tot, width))
            bx = boxes_corner(r, tot, clusters=3, wmin=0.1, wmax=0.35)
            if neg:
                bx[: tot // 3, [0, 2]] -= 0.5
            if center:
                bx = np.stack([(bx[:, 0] + bx[:, 2]) / 2, (bx[:, 1] + bx[:, 3]) / 2,
                               bx[:, 2] - bx[:, 0], bx[:, 3] - bx[:, 1]], axis=1)
            out[:, coord:coord + 4] = bx
            out[:, score_col] = r.permutation(tot) / float(tot) + r.uniform(0.001, 0.009, tot)
            if id_col is not None and id_col >= 0:
                out[:, id_col] = r.randint(-1, ncls, tot)
            return out.reshape(tuple(lead) + (n, width))
        return gen(f)

    def nms(**kw):
        return lambda: X.box_nms(V('data'), name='nms', **kw)
    case('nms_default', nms(), {'data': nms_data((2, 20))}, group=D,
         note='id_index=-1: all boxes compete; gradient goes back to the kept rows')
    case('nms_class_aware', nms(id_index=0, overlap_thresh=0.3, background_id=0),
         {'data': nms_data((2, 20))}, group=D, note='class 0 (background) and class -1 dropped')
    case('nms_force_suppress', nms(id_index=0, force_suppress=True, overlap_thresh=0.4),
         {'data': nms_data((2, 20))}, group=D)
    case('nms_id_no_background', nms(id_index=0, overlap_thresh=0.45),
         {'data': nms_data((1, 16))}, group=D,
         note='background_id=-1 with id_index>=0 filters boxes whose class is -1')
    case('nms_topk_valid', nms(topk=6, valid_thresh=0.3, overlap_thresh=0.5),
         {'data': nms_data((2, 18))}, group=D, note='only the topk best valid boxes are kept')
    case('nms_center_to_corner', nms(in_format='center', out_format='corner', overlap_thresh=0.4),
         {'data': nms_data((2, 15), center=True)}, group=D,
         note='format conversion in forward, but the gradient is copied unconverted')
    case('nms_corner_to_center', nms(in_format='corner', out_format='center',
                                     overlap_thresh=0.4),
         {'data': nms_data((2, 15), neg=True)}, group=D,
         note='rows whose first coordinate is negative are not converted')
    case('nms_layout_2d', nms(coord_start=0, score_index=4, id_index=5, overlap_thresh=0.35),
         {'data': nms_data((12,), score_col=4, id_col=5, coord=0)}, group=D,
         note='2-D input, [x1, y1, x2, y2, score, id]')
    case('nms_4d_batch', nms(overlap_thresh=0.5, topk=8), {'data': nms_data((2, 2, 10))},
         group=D, note='leading dims flattened into the batch')
    case('nms_extra_columns', nms(coord_start=1, score_index=0, id_index=5, overlap_thresh=0.3,
                                  force_suppress=False),
         {'data': nms_data((2, 12), score_col=0, id_col=5, coord=1, width=8)}, group=D)
    case('nms_topk_zero', nms(topk=0), {'data': nms_data((2, 6))}, group=D,
         note='topk=0: identity')
    case('nms_all_invalid', nms(valid_thresh=2.0), {'data': nms_data((2, 6))}, group=D,
         note='everything filtered: all -1')
    case('nms_many_boxes', nms(overlap_thresh=0.5, id_index=0),
         {'data': nms_data((2, 300))}, group=D,
         note='300 boxes: several NMS tiles')
    case('nms_many_topk', nms(overlap_thresh=0.3, topk=200, force_suppress=True, id_index=0),
         {'data': nms_data((1, 400))}, group=D)
    case('nms_alias', lambda: X.box_non_maximum_suppression(V('data'), overlap_thresh=0.3,
                                                            name='nms'),
         {'data': nms_data((1, 10))}, group=D)

    def tied(f, q=0.2):
        """Scores quantised to multiples of q: many exact ties (stable ordering matters)."""
        def g_(r):
            x = f(r)
            x[..., 1] = np.round(x[..., 1] / q) * q + 0.05
            return x
        return g_
    case('nms_tied_scores', nms(overlap_thresh=0.3),
         {'data': gen(tied(lambda r: nms_data((2, 16)).fn(r)))}, group=D,
         note='equal scores keep their input order')
    case('nms_tied_class_topk', nms(overlap_thresh=0.4, id_index=0, topk=7, background_id=2),
         {'data': gen(tied(lambda r: nms_data((2, 16)).fn(r)))}, group=D)

    def mbd_tied(B, C_, A):
        def cls(r):
            x = np.floor(r.uniform(0, 5, (B, C_, A))) / 5. + 0.02
            return x
        return {'cls_prob': gen(cls), 'loc_pred': N(B, A * 4, scale=0.5),
                'anchor': gen(lambda r: boxes_corner(r, A, clusters=3)[None])}
    case('mbd_tied_scores', mbd(nms_threshold=0.35, nms_topk=12), mbd_tied(2, 4, 30), group=D,
         note='tied class scores (first class wins) and tied detection scores')

    # ---- box_iou / box_decode / box_encode / bipartite_matching --------------------------
    def bx(*lead, center=False, **kw):
        def f(r):
            n = int(np.prod(lead))
            b = boxes_corner(r, n, **kw)
            if center:
                b = np.stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2,
                              b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], axis=1)
            return b.reshape(tuple(lead) + (4,))
        return gen(f)
    case('iou_corner', lambda: X.box_iou(V('lhs'), V('rhs'), name='iou'),
         {'lhs': bx(5, clusters=2), 'rhs': bx(2, 3, clusters=2)}, group=D,
         note='(5,4) x (2,3,4) -> (5,2,3); zero gradients')
    case('iou_center', lambda: X.box_iou(V('lhs'), V('rhs'), format='center', name='iou'),
         {'lhs': bx(2, 4, center=True, clusters=2), 'rhs': bx(6, center=True, clusters=2)},
         group=D)
    case('iou_degenerate', lambda: X.box_iou(V('lhs'), V('rhs'), name='iou'),
         {'lhs': C([[0, 0, 1, 1], [0.5, 0.5, 0.2, 0.2], [2, 2, 3, 3]]),
          'rhs': C([[0, 0, 1, 1], [0.25, 0.25, 0.75, 0.75], [0.4, 0.4, 0.3, 0.6]])}, group=D,
         note='inverted boxes have area 0')

    def dec(**kw):
        return lambda: X.box_decode(V('data'), V('anchors'), name='dec', **kw)
    case('decode_center', dec(), {'data': N(2, 6, 4, scale=0.5),
                                  'anchors': bx(1, 6, center=True)}, group=D)
    case('decode_corner_std_clip', dec(format='corner', std0=0.1, std1=0.1, std2=0.2, std3=0.2,
                                       clip=0.3),
         {'data': N(2, 5, 4, scale=2.0), 'anchors': bx(1, 5)}, group=D)

    def enc():
        return X.box_encode(V('samples'), V('matches'), V('anchors'), V('refs'), V('means'),
                            V('stds'), name='enc')
    case('encode_basic', enc,
         {'samples': I(-1, 2, 2, 6), 'matches': I(0, 3, 2, 6), 'anchors': bx(2, 6),
          'refs': bx(2, 3), 'means': C([0.0, 0.1, -0.1, 0.05]), 'stds': C([0.1, 0.1, 0.2, 0.2])},
         group=D, note='samples > 0.5 are positive; zero gradients')

    def bpm(**kw):
        return lambda: X.bipartite_matching(V('data'), name='bpm', **kw)
    case('bpm_desc', bpm(threshold=0.2), {'data': U(0, 1, 2, 5, 4)}, group=D)
    case('bpm_ascend', bpm(threshold=0.7, is_ascend=True), {'data': U(0, 1, 2, 4, 6)}, group=D)
    case('bpm_topk', bpm(threshold=0.05, topk=2), {'data': U(0, 1, 2, 5, 5)}, group=D,
         note='stops after topk + 1 matches')
    case('bpm_2d', bpm(threshold=0.5), {'data': U(0, 1, 6, 3)}, group=D,
         note='stops at the first candidate below the threshold')
    case('bpm_tied', bpm(threshold=0.1),
         {'data': gen(lambda r: np.floor(r.uniform(0, 4, (2, 5, 4))) / 4. + 0.05)}, group=D,
         note='tied scores: row-major order decides')

    # ---- Proposal / MultiProposal ----------------------------------------------------------
    def prop_inputs(B, A, H, W, info, scale_delta=0.3):
        return {'cls_prob': U(0, 1, B, 2 * A, H, W), 'bbox_pred': N(B, 4 * A, H, W,
                                                                     scale=scale_delta),
                'im_info': C(info)}

    def prop(op='Proposal', **kw):
        return lambda: getattr(X, op)(V('cls_prob'), V('bbox_pred'), V('im_info'), name='prop',
                                      **kw)
    small = dict(scales=(2, 4), ratios=(0.5, 1, 2), feature_stride=4, rpn_min_size=2)
    case('proposal_small', prop(rpn_pre_nms_top_n=60, rpn_post_nms_top_n=12, threshold=0.6,
                                **small),
         prop_inputs(1, 6, 6, 7, [[22, 26, 1.0]]), group=D,
         note='im_info smaller than the map: padded positions get score -1')
    case('proposal_score', prop(rpn_pre_nms_top_n=40, rpn_post_nms_top_n=20, threshold=0.5,
                                output_score=True, **small),
         prop_inputs(1, 6, 5, 5, [[20, 20, 1.5]]), group=D)
    case('proposal_cycle', prop(rpn_pre_nms_top_n=15, rpn_post_nms_top_n=30, threshold=0.3,
                                output_score=True, **small),
         prop_inputs(1, 6, 4, 4, [[16, 16, 2.0]]), group=D,
         note='fewer kept boxes than rpn_post_nms_top_n: the kept ones repeat cyclically')
    case('proposal_defaults', prop(), prop_inputs(1, 12, 4, 5, [[60, 75, 1.0]]), group=D,
         note='default scales/ratios/stride 16: 240 anchors < 300 outputs')
    case('proposal_iou_loss', prop(rpn_pre_nms_top_n=50, rpn_post_nms_top_n=10, iou_loss=True,
                                   output_score=True, **small),
         prop_inputs(1, 6, 5, 6, [[20, 24, 1.0]], scale_delta=2.0), group=D)
    case('proposal_no_pre_limit', prop(rpn_pre_nms_top_n=-1, rpn_post_nms_top_n=8,
                                       threshold=0.8, scales=(3,), ratios=(1, 2),
                                       feature_stride=8, rpn_min_size=4),
         prop_inputs(1, 2, 4, 4, [[32, 30, 1.0]]), group=D)
    case('proposal_many', prop(rpn_pre_nms_top_n=500, rpn_post_nms_top_n=60, threshold=0.5,
                               output_score=True, **small),
         prop_inputs(1, 6, 9, 10, [[36, 40, 1.0]]), group=D,
         note='500 boxes before NMS: several NMS tiles, stops after 60 kept')
    case('proposal_tied', prop(rpn_pre_nms_top_n=30, rpn_post_nms_top_n=10, threshold=0.5,
                               output_score=True, **small),
         dict(prop_inputs(1, 6, 5, 5, [[20, 18, 1.0]]),
              cls_prob=gen(lambda r: np.floor(r.uniform(0, 4, (1, 12, 5, 5))) / 4.)), group=D,
         note='tied scores: (h, w, anchor) order decides')
    case('multiproposal_basic', prop('MultiProposal', rpn_pre_nms_top_n=50,
                                     rpn_post_nms_top_n=10, threshold=0.6, output_score=True,
                                     **small),
         prop_inputs(2, 6, 5, 6, [[20, 24, 1.0], [17, 21, 0.8]]), group=D)
    case('multiproposal_defaults', prop('MultiProposal', rpn_post_nms_top_n=40),
         prop_inputs(2, 12, 3, 4, [[48, 64, 1.0], [40, 50, 1.0]]), group=D)
    case('multiproposal_iou_loss', prop('MultiProposal', rpn_pre_nms_top_n=30,
                                        rpn_post_nms_top_n=6, iou_loss=True, **small),
         prop_inputs(3, 6, 4, 4, [[16, 16, 1.0], [14, 15, 1.0], [16, 12, 1.0]],
                     scale_delta=2.0), group=D)

    # ---- ROIAlign --------------------------------------------------------------------------
    def rois(n, B, lo, hi, wmin, wmax):
        def f(r):
            b = boxes_corner(r, n, lo=lo, hi=hi, wmin=wmin, wmax=wmax)
            return np.concatenate([r.randint(0, B, (n, 1)), b], axis=1)
        return gen(f)

    def roialign(**kw):
        return lambda: X.ROIAlign(V('data'), V('rois'), name='roi', **kw)
    case('roialign_adaptive', roialign(pooled_size=(2, 3), spatial_scale=0.5),
         {'data': N(2, 3, 8, 9), 'rois': rois(5, 2, -2, 20, 0.1, 0.6)}, group=D,
         no_grad=['rois'], note='sample_ratio=-1: ceil(roi size / pooled size) samples per bin')
    case('roialign_sample2', roialign(pooled_size=(3, 3), spatial_scale=0.25, sample_ratio=2),
         {'data': N(2, 2, 7, 6), 'rois': rois(4, 2, -4, 30, 0.1, 0.5)}, group=D,
         no_grad=['rois'])
    case('roialign_aligned', roialign(pooled_size=(2, 2), spatial_scale=1.0, aligned=True),
         {'data': N(1, 3, 6, 7), 'rois': rois(4, 1, -1, 8, 0.1, 0.6)}, group=D,
         no_grad=['rois'])
    case('roialign_position_sensitive', roialign(pooled_size=(2, 2), spatial_scale=0.5,
                                                 sample_ratio=2, position_sensitive=True),
         {'data': N(2, 8, 6, 6), 'rois': rois(3, 2, 0, 12, 0.2, 0.7)}, group=D,
         no_grad=['rois'], note='input channel = c*ph*pw + bin')
    case('roialign_tiny_rois', roialign(pooled_size=(2, 2), spatial_scale=1.0),
         {'data': N(1, 2, 5, 5), 'rois': C([[0, 1.2, 1.3, 1.5, 1.4], [0, 3.3, 0.2, 3.35, 4.1],
                                            [0, -0.6, -0.4, 0.3, 0.8]])}, group=D,
         no_grad=['rois'], note='rois smaller than a pixel are widened to 1x1')
    case('roialign_rois_grad', roialign(pooled_size=(2, 2), spatial_scale=0.5),
         {'data': N(1, 2, 6, 6), 'rois': rois(2, 1, 0, 12, 0.2, 0.6)}, group=D,
         note='the rois gradient is zero')
    case('roialign_f64', roialign(pooled_size=(2, 2), spatial_scale=0.5, sample_ratio=3),
         {'data': N(2, 2, 5, 6, dtype='float64'),
          'rois': gen(lambda r: np.concatenate([r.randint(0, 2, (3, 1)),
                                                boxes_corner(r, 3, lo=0, hi=10)], 1), 'float64')},
         group=D, tol='f64', no_grad=['rois'])

    # ---- PSROIPooling ----------------------------------------------------------------------
    def psroi(**kw):
        return lambda: X.PSROIPooling(V('data'), V('rois'), name='psroi', **kw)
    case('psroi_basic', psroi(spatial_scale=0.5, output_dim=2, pooled_size=3),
         {'data': N(2, 18, 7, 8), 'rois': rois(4, 2, 0.3, 15.7, 0.2, 0.7)}, group=D,
         no_grad=['rois'])
    case('psroi_group2', psroi(spatial_scale=0.25, output_dim=3, pooled_size=3, group_size=2),
         {'data': N(1, 12, 6, 6), 'rois': rois(3, 1, -3.7, 26.3, 0.2, 0.9)}, group=D,
         no_grad=['rois'], note='group_size != pooled_size')

    # ---- DeformablePSROIPooling ------------------------------------------------------------
    def dpsroi(with_trans=True, **kw):
        if with_trans:
            return lambda: X.DeformablePSROIPooling(V('data'), V('rois'), V('trans'),
                                                    name='dpsroi', **kw)
        return lambda: X.DeformablePSROIPooling(V('data'), V('rois'), name='dpsroi',
                                                no_trans=True, **kw)
    case('dpsroi_trans', dpsroi(spatial_scale=0.5, output_dim=2, group_size=3, pooled_size=3,
                                sample_per_part=2, trans_std=0.1),
         {'data': N(2, 18, 7, 8), 'rois': rois(4, 2, 0.3, 15.7, 0.2, 0.7),
          'trans': N(4, 2, 3, 3, scale=2.0)}, group=D, no_grad=['rois'],
         note='one class of offsets; samples shifted past the border are left out')
    case('dpsroi_classes_part2', dpsroi(spatial_scale=0.25, output_dim=4, group_size=2,
                                        pooled_size=4, part_size=2, sample_per_part=3,
                                        trans_std=0.2),
         {'data': N(1, 16, 6, 6), 'rois': rois(3, 1, -3.7, 26.3, 0.2, 0.9),
          'trans': N(3, 4, 2, 2)}, group=D, no_grad=['rois'],
         note='2 classes of offsets, part_size < pooled_size, group_size < pooled_size')
    case('dpsroi_no_trans', dpsroi(False, spatial_scale=0.5, output_dim=2, group_size=2,
                                   pooled_size=2, sample_per_part=4),
         {'data': N(2, 8, 6, 7), 'rois': rois(3, 2, -2.0, 14.0, 0.1, 0.8)}, group=D,
         no_grad=['rois'])

    # ---- RROIAlign (forward only: MXNet's backward is 'not supported') ------------------------
    def rrois(n, B, lo, hi):
        def f(r):
            return np.stack([r.randint(0, B, n), r.uniform(lo, hi, n), r.uniform(lo, hi, n),
                             r.uniform(1, hi - lo, n), r.uniform(1, hi - lo, n),
                             r.uniform(-180, 180, n)], axis=1)
        return gen(f)

    def rroi(**kw):
        return lambda: X.RROIAlign(V('data'), V('rois'), name='rroi', **kw)
    case('rroialign_adaptive', rroi(pooled_size=(2, 3), spatial_scale=0.5),
         {'data': N(2, 3, 8, 9), 'rois': rrois(5, 2, -2, 18)}, group=D, no_grad=['rois'],
         backward=False, note='ceil(roi size / pooled size) samples per bin, rotated grids')
    case('rroialign_sampling2', rroi(pooled_size=(3, 3), spatial_scale=0.25, sampling_ratio=2),
         {'data': N(1, 2, 7, 6), 'rois': rrois(4, 1, -4, 28)}, group=D, no_grad=['rois'],
         backward=False)

    # ---- AdaptiveAvgPooling2D --------------------------------------------------------------
    def aap(**kw):
        return lambda: X.AdaptiveAvgPooling2D(V('data'), name='aap', **kw)
    case('aap_default', aap(), {'data': N(2, 3, 5, 6)}, group=D, note='output 1x1')
    case('aap_int', aap(output_size=3), {'data': N(2, 3, 7, 8)}, group=D)
    case('aap_tuple', aap(output_size=(2, 4)), {'data': N(1, 2, 5, 9)}, group=D)
    case('aap_upsample', aap(output_size=(5, 4)), {'data': N(1, 2, 3, 3)}, group=D,
         note='output larger than input: overlapping windows')

    # ---- BilinearResize2D ------------------------------------------------------------------
    def br(**kw):
        return lambda: X.BilinearResize2D(V('data'), name='rs', **kw)
    case('resize_size', br(height=7, width=5), {'data': N(2, 2, 4, 6)}, group=D)
    case('resize_size_noalign', br(height=7, width=9, align_corners=False),
         {'data': N(1, 2, 4, 6)}, group=D)
    case('resize_down_noalign', br(height=3, width=2, align_corners=False),
         {'data': N(1, 2, 7, 5)}, group=D)
    case('resize_scale', br(scale_height=1.5, scale_width=0.6), {'data': N(1, 2, 4, 5)}, group=D,
         note='mode size with scales: int(scale * size)')
    case('resize_scale_width_only', br(height=3, width=4, scale_width=2.0),
         {'data': N(1, 1, 4, 5)}, group=D,
         note='scale_width is only read when scale_height is given')
    case('resize_to_one', br(height=1, width=3), {'data': N(1, 2, 4, 5)}, group=D)
    case('resize_same', br(height=4, width=5), {'data': N(1, 2, 4, 5)}, group=D, note='copy')
    case('resize_odd_scale', br(mode='odd_scale', scale_height=2.0, scale_width=0.5),
         {'data': N(1, 2, 5, 6)}, group=D)
    case('resize_like', lambda: X.BilinearResize2D(V('data'), V('like'), mode='like', name='rs'),
         {'data': N(1, 2, 3, 4), 'like': N(1, 1, 6, 5)}, group=D, note='like gets zero gradient')
    for m in ('to_even_down', 'to_even_up', 'to_odd_down', 'to_odd_up'):
        case('resize_' + m, br(mode=m), {'data': N(1, 2, 5, 6)}, group=D)
    case('resize_f64', br(height=6, width=3, align_corners=False),
         {'data': N(1, 2, 4, 5, dtype='float64')}, group=D, tol='f64')

    # ---- graphs ------------------------------------------------------------------------------
    def ssd_head():
        x = V('data')
        anchors = X.MultiBoxPrior(x, sizes=(0.3, 0.6), ratios=(1, 2), name='prior')
        cls = mx.sym.Convolution(x, kernel=(3, 3), pad=(1, 1), num_filter=3 * 3, name='cls')
        loc = mx.sym.Convolution(x, kernel=(3, 3), pad=(1, 1), num_filter=3 * 4, name='loc')
        cls = mx.sym.transpose(cls, axes=(0, 2, 3, 1))
        cls = mx.sym.reshape(cls, shape=(0, -1, 3))
        cls = mx.sym.transpose(cls, axes=(0, 2, 1))
        prob = mx.sym.softmax(cls, axis=1, name='prob')
        loc = mx.sym.flatten(mx.sym.transpose(loc, axes=(0, 2, 3, 1)))
        return X.MultiBoxDetection(prob, loc, anchors, nms_threshold=0.45, name='det')
    case('graph_ssd_detect', ssd_head, {'data': N(2, 4, 3, 3)}, op='graph', group=D,
         note='MultiBoxPrior + conv heads + softmax + MultiBoxDetection (SSD inference)')

    def ssd_train():
        x = V('data')
        anchors = X.MultiBoxPrior(x, sizes=(0.3, 0.6), ratios=(1, 2), name='prior')
        cls = mx.sym.Convolution(x, kernel=(3, 3), pad=(1, 1), num_filter=3 * 3, name='cls')
        cls = mx.sym.reshape(mx.sym.transpose(cls, axes=(0, 2, 3, 1)), shape=(0, -1, 3))
        cls = mx.sym.transpose(cls, axes=(0, 2, 1))
        tgt = X.MultiBoxTarget(anchors, V('label'), cls, overlap_threshold=0.4,
                               negative_mining_ratio=3, name='tgt')
        return mx.sym.SoftmaxOutput(cls, tgt[2], multi_output=True, ignore_label=-1,
                                    use_ignore=True, normalization='valid', name='cls_prob')
    def ssd_label(r):
        lab = -np.ones((2, 3, 5))
        lab[0, :2, 0] = [1, 0]
        lab[0, :2, 1:] = boxes_corner(r, 2, wmin=0.2, wmax=0.5)
        lab[1, :1, 0] = [0]
        lab[1, :1, 1:] = boxes_corner(r, 1, wmin=0.2, wmax=0.5)
        return lab
    case('graph_ssd_train', ssd_train, {'data': N(2, 4, 4, 4), 'label': gen(ssd_label)},
         op='graph', group=D, loss_op=True, no_grad=['label'],
         note='MultiBoxTarget feeding SoftmaxOutput(multi_output) (SSD training)')

    def rcnn_head():
        feat = mx.sym.Convolution(V('data'), kernel=(3, 3), pad=(1, 1), num_filter=4, name='c1')
        rpn_cls = mx.sym.Convolution(feat, kernel=(1, 1), num_filter=2 * 2, name='rpn_cls')
        rpn_prob = mx.sym.SoftmaxActivation(
            mx.sym.reshape(rpn_cls, shape=(0, 2, -1, 0)), mode='channel', name='rpn_prob')
        rpn_prob = mx.sym.reshape(rpn_prob, shape=(0, 4, -1, 0))
        rpn_bbox = mx.sym.Convolution(feat, kernel=(1, 1), num_filter=4 * 2, name='rpn_bbox')
        rois = X.MultiProposal(rpn_prob, rpn_bbox, V('im_info'), feature_stride=4,
                               scales=(2, 4), ratios=(1,), rpn_pre_nms_top_n=30,
                               rpn_post_nms_top_n=5, rpn_min_size=2, threshold=0.6,
                               name='rois')
        pooled = X.ROIAlign(feat, rois, pooled_size=(2, 2), spatial_scale=0.25, sample_ratio=2,
                            name='roialign')
        return mx.sym.FullyConnected(pooled, num_hidden=3, name='fc')
    case('graph_rcnn_head', rcnn_head, {'data': N(2, 3, 5, 6),
                                        'im_info': C([[20, 24, 1.0], [18, 22, 1.0]])},
         op='graph', group=D, no_grad=['im_info'],
         note='conv -> RPN softmax -> MultiProposal -> ROIAlign -> FC (Faster R-CNN head)')

    def seg_head():
        d = V('data')
        x = mx.sym.Convolution(d, kernel=(3, 3), pad=(1, 1), num_filter=3, name='c1')
        p = X.AdaptiveAvgPooling2D(x, output_size=(2, 2), name='ppm')
        up = X.BilinearResize2D(p, d, mode='like', name='up')
        return mx.sym.concat(x, up, dim=1, name='cat')
    case('graph_psp_head', seg_head, {'data': N(2, 2, 5, 6)}, op='graph', group=D,
         note='pyramid pooling: AdaptiveAvgPooling2D + BilinearResize2D(mode=like)')


if __name__ == '__main__':
    sys.exit(main('detection', define))
