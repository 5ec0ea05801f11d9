"""Conversion time of a Faster R-CNN-sized detection graph: tfmod-convert --saved-model, --onnx.

    python benchmarks/bench_convert.py [--dir DIR] [--keep] [--profile FILE] [--tflite]

The graph follows MXNet's example/rcnn ResNet-50 test symbol: the ResNet-50 conv body (stages
1-4, BatchNorm on global statistics), the RPN head (3x3 conv, class scores through a channel
softmax, box deltas), `_contrib_Proposal` (300 RoIs after NMS), `_contrib_ROIAlign` (14x14),
ResNet stage 5 on the RoIs as the box head, class scores and box deltas, `_contrib_box_decode`
and `_contrib_box_nms`. It is built with `mx.sym` (the same calls build it in MXNet), given
random weights, and written as `frcnn-symbol.json` / `frcnn-0000.params` (about 120 MB: made
on demand in DIR, deleted afterwards unless --keep). Then each output is converted in a fresh
process, as a user runs the command, and timed: the SavedModel alone, then SavedModel + ONNX.
``--profile FILE`` runs the SavedModel conversion in-process under cProfile instead.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
INPUTS = ['--input', 'data:1,3,512,672', '--input', 'im_info:1,3']


def _bn(mx, x, name):
    return mx.sym.BatchNorm(x, fix_gamma=False, use_global_stats=True, eps=2e-5, name=name)


def _unit(mx, x, filters, stride, dim_match, name):
    """ResNet-v1 bottleneck unit, as example/rcnn's resnet symbol writes it."""
    c1 = mx.sym.Convolution(x, num_filter=filters // 4, kernel=(1, 1), stride=stride,
                            no_bias=True, name=name + '_conv1')
    r1 = mx.sym.Activation(_bn(mx, c1, name + '_bn1'), act_type='relu', name=name + '_relu1')
    c2 = mx.sym.Convolution(r1, num_filter=filters // 4, kernel=(3, 3), pad=(1, 1),
                            no_bias=True, name=name + '_conv2')
    r2 = mx.sym.Activation(_bn(mx, c2, name + '_bn2'), act_type='relu', name=name + '_relu2')
    c3 = mx.sym.Convolution(r2, num_filter=filters, kernel=(1, 1), no_bias=True,
                            name=name + '_conv3')
    b3 = _bn(mx, c3, name + '_bn3')
    if dim_match:
        short = x
    else:
        short = _bn(mx, mx.sym.Convolution(x, num_filter=filters, kernel=(1, 1), stride=stride,
                                           no_bias=True, name=name + '_sc'), name + '_sc_bn')
    return mx.sym.Activation(b3 + short, act_type='relu', name=name + '_relu')


def _stage(mx, x, units, filters, stride, name):
    x = _unit(mx, x, filters, stride, False, name + '_unit1')
    for i in range(2, units + 1):
        x = _unit(mx, x, filters, (1, 1), True, '%s_unit%d' % (name, i))
    return x


def build(mx, num_classes=21, anchors=(8, 16, 32), ratios=(0.5, 1, 2)):
    """The Faster R-CNN test-time symbol (outputs: detections after NMS, and the RoIs)."""
    data = mx.sym.Variable('data')
    im_info = mx.sym.Variable('im_info')
    x = mx.sym.Convolution(data, num_filter=64, kernel=(7, 7), stride=(2, 2), pad=(3, 3),
                           no_bias=True, name='conv0')
    x = mx.sym.Activation(_bn(mx, x, 'bn0'), act_type='relu', name='relu0')
    x = mx.sym.Pooling(x, kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type='max',
                       name='pool0')
    x = _stage(mx, x, 3, 256, (1, 1), 'stage1')
    x = _stage(mx, x, 4, 512, (2, 2), 'stage2')
    feat = _stage(mx, x, 6, 1024, (2, 2), 'stage3')
    na = len(anchors) * len(ratios)
    rpn = mx.sym.Activation(mx.sym.Convolution(feat, num_filter=512, kernel=(3, 3),
                                               pad=(1, 1), name='rpn_conv_3x3'),
                            act_type='relu', name='rpn_relu')
    score = mx.sym.Convolution(rpn, num_filter=2 * na, kernel=(1, 1), name='rpn_cls_score')
    deltas = mx.sym.Convolution(rpn, num_filter=4 * na, kernel=(1, 1), name='rpn_bbox_pred')
    score = mx.sym.Reshape(score, shape=(0, 2, -1, 0), name='rpn_cls_score_reshape')
    prob = mx.sym.SoftmaxActivation(score, mode='channel', name='rpn_cls_prob')
    prob = mx.sym.Reshape(prob, shape=(0, 2 * na, -1, 0), name='rpn_cls_prob_reshape')
    rois = mx.sym.contrib.Proposal(prob, deltas, im_info, name='rois', feature_stride=16,
                                   scales=anchors, ratios=ratios, rpn_pre_nms_top_n=6000,
                                   rpn_post_nms_top_n=300, threshold=0.7, rpn_min_size=16)
    pooled = mx.sym.contrib.ROIAlign(feat, rois, pooled_size=(14, 14), spatial_scale=1 / 16.,
                                     sample_ratio=2, name='roi_pool')
    head = _stage(mx, pooled, 3, 2048, (2, 2), 'stage4')
    head = mx.sym.Pooling(head, global_pool=True, kernel=(7, 7), pool_type='avg', name='pool1')
    cls = mx.sym.FullyConnected(head, num_hidden=num_classes, name='cls_score')
    box = mx.sym.FullyConnected(head, num_hidden=4 * num_classes, name='bbox_pred')
    cls_prob = mx.sym.softmax(cls, axis=-1, name='cls_prob')
    # best foreground class per RoI, its deltas decoded against the RoI, then NMS
    fg = mx.sym.slice_axis(cls_prob, axis=1, begin=1, end=None)
    cls_id = mx.sym.argmax(fg, axis=1, keepdims=True) + 1
    cls_score = mx.sym.max(fg, axis=1, keepdims=True)
    box = mx.sym.Reshape(box, shape=(-1, num_classes, 4))
    onehot = mx.sym.one_hot(mx.sym.reshape(cls_id, shape=(-1,)), depth=num_classes)
    picked = mx.sym.sum(mx.sym.broadcast_mul(box, mx.sym.expand_dims(onehot, axis=2)), axis=1)
    anchors_ = mx.sym.slice_axis(rois, axis=1, begin=1, end=5)
    boxes = mx.sym.contrib.box_decode(mx.sym.expand_dims(picked, axis=0),
                                      mx.sym.expand_dims(anchors_, axis=0),
                                      std0=0.1, std1=0.1, std2=0.2, std3=0.2, format='corner')
    dets = mx.sym.concat(mx.sym.expand_dims(cls_id, axis=0),
                         mx.sym.expand_dims(cls_score, axis=0), boxes, dim=2)
    dets = mx.sym.contrib.box_nms(dets, overlap_thresh=0.5, valid_thresh=0.01, topk=100,
                                  coord_start=2, score_index=1, id_index=0, name='detections')
    return mx.sym.Group([dets, rois])


def write_checkpoint(mx, prefix, seed=0):
    sym = build(mx)
    arg_shapes, _, aux_shapes = sym.infer_shape(data=(1, 3, 512, 672), im_info=(1, 3))
    rng = np.random.RandomState(seed)
    arrays = {}
    for name, shape in zip(sym.list_arguments(), arg_shapes):
        if name in ('data', 'im_info'):
            continue
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        if name.endswith('gamma'):
            v = rng.uniform(0.5, 1.0, shape)
        elif name.endswith('beta') or name.endswith('bias'):
            v = rng.normal(0, 0.01, shape)
        else:
            v = rng.normal(0, np.sqrt(2.0 / fan_in), shape)
        arrays['arg:' + name] = mx.nd.array(v.astype('float32'))
    for name, shape in zip(sym.list_auxiliary_states(), aux_shapes):
        v = rng.uniform(0.5, 1.5, shape) if name.endswith('var') else rng.normal(0, 0.1, shape)
        arrays['aux:' + name] = mx.nd.array(v.astype('float32'))
    sym.save(prefix + '-symbol.json')
    mx.nd.save(prefix + '-0000.params', arrays)
    return sym


def _timed(argv, env):
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, '-m', 'tfmod.tools.convert'] + argv, cwd=ROOT,
                          env=env, capture_output=True, text=True)
    took = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit('tfmod-convert failed:\n' + proc.stderr[-3000:])
    return took


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--dir', help='where to write the checkpoint and outputs (default: a '
                                  'temporary directory)')
    ap.add_argument('--keep', action='store_true', help='keep the files')
    ap.add_argument('--profile', metavar='FILE', help='profile the SavedModel conversion '
                                                      'in-process with cProfile into FILE')
    ap.add_argument('--tflite', action='store_true', help='also time --tflite')
    args = ap.parse_args()
    sys.path.insert(0, ROOT)
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    import tfmod as mx
    work = args.dir or tempfile.mkdtemp(prefix='bench_convert_')
    os.makedirs(work, exist_ok=True)
    prefix = os.path.join(work, 'frcnn')
    try:
        if not os.path.exists(prefix + '-0000.params'):
            t = time.perf_counter()
            sym = write_checkpoint(mx, prefix)
            print('checkpoint: %d nodes, %.1f MB, written in %.1f s' % (
                len(sym.get_internals().list_outputs()),
                os.path.getsize(prefix + '-0000.params') / 1e6, time.perf_counter() - t))
        base = ['--prefix', prefix, '--epoch', '0'] + INPUTS
        if args.profile:
            import cProfile
            from tfmod.tools import convert
            cProfile.runctx('convert.run(argv)', {'convert': convert},
                            {'argv': base + ['--saved-model', prefix + '-sm']}, args.profile)
            print('profile written to', args.profile)
            return
        env = dict(os.environ, PYTHONPATH=ROOT)
        sm = _timed(base + ['--saved-model', prefix + '-sm'], env)
        print('tfmod-convert --saved-model          %6.1f s' % sm, flush=True)
        both = _timed(base + ['--saved-model', prefix + '-sm2', '--onnx'], env)
        print('tfmod-convert --saved-model --onnx   %6.1f s  (ONNX step %.1f s)'
              % (both, both - sm), flush=True)
        if args.tflite:
            tfl = _timed(base + ['--saved-model', prefix + '-sm3', '--tflite'], env)
            print('tfmod-convert --saved-model --tflite %6.1f s' % tfl)
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
