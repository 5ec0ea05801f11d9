"""Record MXNet 1.9.1 running programs that follow MXNet's own docs tutorials
(tests/support/mxnet_tutorial_programs.py) into tests/fixtures/mxnet_tutorials/ for
tests/test_mxnet_tutorials.py, and make the files the tutorials download:

* ``resnet-18-symbol.json`` / ``resnet-18-0000.params`` / ``synset.txt``: a small network
  saved by MXNet under python/predict_image.md's file names, ending in resnet-18's layers
  (bn1, relu1, pool1, flatten0 with 512 features, fc1, softmax) over 10 classes;
* ``tiny.jpg`` stands for every photo the tutorials download; it is made with TensorFlow's
  JPEG encoder (the oracle has no OpenCV): ``python tools/record_mxnet_tutorials.py --jpeg``
  with tfmod's python.

Run with the oracle's python:
    /tmp/mxnet-oracle/bin/python tools/record_mxnet_tutorials.py [--checkpoint] [program ...]
"""
import json
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'tests', 'fixtures', 'mxnet_tutorials')
sys.path.insert(0, os.path.join(HERE, '..', 'tests'))


def make_tiny_jpeg():
    """A 320x240 picture of gradients and squares, JPEG quality 80."""
    import tensorflow as tf
    y, x = np.mgrid[0:240, 0:320]
    img = np.stack([x * 255 // 320, y * 255 // 240, ((x // 40 + y // 40) % 2) * 200 + 30],
                   -1).astype(np.uint8)
    with open(os.path.join(OUT, 'tiny.jpg'), 'wb') as f:
        f.write(tf.io.encode_jpeg(img, quality=80).numpy())


def make_predict_image_checkpoint():
    """resnet-18's head on a narrow body, random weights from a seeded numpy generator."""
    import mxnet as mx
    data = mx.sym.Variable('data')
    body = mx.sym.BatchNorm(data, fix_gamma=True, eps=2e-5, name='bn_data')
    body = mx.sym.Convolution(body, num_filter=8, kernel=(7, 7), stride=(2, 2), pad=(3, 3),
                              no_bias=True, name='conv0')
    body = mx.sym.BatchNorm(body, fix_gamma=False, eps=2e-5, name='bn0')
    body = mx.sym.Activation(body, act_type='relu', name='relu0')
    body = mx.sym.Pooling(body, kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type='max')
    conv = mx.sym.Convolution(body, num_filter=512, kernel=(1, 1), stride=(2, 2), no_bias=True,
                              name='stage1_unit1_conv1')
    short = mx.sym.Convolution(body, num_filter=512, kernel=(1, 1), stride=(2, 2),
                               no_bias=True, name='stage1_unit1_sc')
    body = conv + short
    body = mx.sym.BatchNorm(body, fix_gamma=False, eps=2e-5, name='bn1')
    body = mx.sym.Activation(body, act_type='relu', name='relu1')
    body = mx.sym.Pooling(body, global_pool=True, kernel=(7, 7), pool_type='avg', name='pool1')
    body = mx.sym.Flatten(body)
    body = mx.sym.FullyConnected(body, num_hidden=10, name='fc1')
    net = mx.sym.SoftmaxOutput(body, name='softmax')
    arg_shapes, _, aux_shapes = net.infer_shape(data=(1, 3, 224, 224))
    rs = np.random.RandomState(18)
    args = {n: mx.nd.array(rs.normal(0, 0.1, s) if not n.endswith('gamma')
                           else rs.uniform(0.5, 1.5, s))
            for n, s in zip(net.list_arguments(), arg_shapes)
            if n not in ('data', 'softmax_label')}
    auxs = {n: mx.nd.array(rs.normal(0, 1, s) if n.endswith('mean')
                           else rs.uniform(0.5, 2, s))
            for n, s in zip(net.list_auxiliary_states(), aux_shapes)}
    args['bn_data_gamma'][:] = 1
    args['fc1_weight'][:] = args['fc1_weight'] / 50   # spread-out probabilities, not one 1.0
    mx.model.save_checkpoint(os.path.join(OUT, 'resnet-18'), 0, net, args, auxs)
    with open(os.path.join(OUT, 'synset.txt'), 'w') as f:
        for i in range(10):
            f.write('n%08d class_%d\n' % (i, i))


def main(argv):
    os.makedirs(OUT, exist_ok=True)
    if argv[:1] == ['--jpeg']:
        return make_tiny_jpeg()
    import mxnet as mx
    if argv[:1] == ['--checkpoint']:
        make_predict_image_checkpoint()
        argv = argv[1:]
    from support.mxnet_tutorial_programs import PROGRAMS
    for name in argv or sorted(PROGRAMS):
        with tempfile.TemporaryDirectory() as tmp:
            result = PROGRAMS[name](mx, tmp, OUT)
        with open(os.path.join(OUT, name + '.json'), 'w') as f:
            json.dump(result, f, sort_keys=True, indent=0)
            f.write('\n')
        print(name, 'recorded')


if __name__ == '__main__':
    main(sys.argv[1:])
