"""Record the Gluon-export corpus with real MXNet 1.9.1: the checkpoints most MXNet users have.

    PY=$(../shared/oracle/setup.sh)
    $PY tools/record_gluon_corpus.py tests/fixtures/gluon            # the small corpus CI runs
    $PY tools/record_gluon_corpus.py /tmp/gluon_zoo --zoo            # full-size zoo nets, on demand

Each net is built as users build them -- ``gluon.model_zoo.vision`` constructors with
``pretrained=False`` (narrow widths for the committed corpus), or a hybridized block written the
way users write them -- given random weights and random BatchNorm statistics, run once (which
finishes Gluon's deferred initialisation) and written by ``HybridBlock.export``. Gluon writes each
parameter's declared shape into ``__shape__`` with 0 for every dimension it inferred later.

Then MXNet fine-tunes the exported files the way a user would: ``mx.model.load_checkpoint``, a
``LinearRegressionOutput`` on the first output, ``Module.bind`` + ``set_params``, three SGD steps
(momentum 0.9; one for MobileNetV2, see STEPS) on a fixed batch of 8. Per net, in OUT_DIR:
  <name>-symbol.json, <name>-0000.params   what net.export wrote
  <name>-io.npz   'data', 'out0'.. (Gluon's inference outputs), 'train_data', 'train_label',
                  'arg:<param>' / 'aux:<param>' after the three steps (absent when the net has
                  Dropout: its random masks are not reproducible across frameworks)
  <name>.json     input shape, output shapes, op counts, fine-tune settings
No download happens: nothing here uses pretrained weights.
"""
import argparse
import json
import os
import subprocess
import sys
import zlib

import numpy as np
import mxnet as mx
from mxnet import gluon
from mxnet.gluon import nn, rnn
from mxnet.gluon.model_zoo import vision

FINETUNE = {'learning_rate': 0.0001, 'momentum': 0.9, 'steps': 3, 'batch': 8}


class PlainConvNet(gluon.HybridBlock):
    """BatchNorm without in_channels, Dense without in_units, grouped conv, LeakyReLU."""
    def __init__(self, **kw):
        super().__init__(**kw)
        with self.name_scope():
            self.body = nn.HybridSequential()
            self.body.add(nn.Conv2D(8, 3, padding=1), nn.BatchNorm(), nn.Activation('relu'),
                          nn.MaxPool2D(), nn.Conv2D(16, 3, padding=1, groups=2), nn.BatchNorm(),
                          nn.LeakyReLU(0.1), nn.GlobalAvgPool2D(), nn.Flatten())
            self.head = nn.Dense(5)

    def hybrid_forward(self, F, x):
        return self.head(self.body(x))


class TwoHeads(gluon.HybridBlock):
    """Two outputs, zeros_like carrying a dtype attribute, elementwise and broadcast ops."""
    def __init__(self, **kw):
        super().__init__(**kw)
        with self.name_scope():
            self.conv = nn.Conv2D(4, 1)
            self.bn = nn.BatchNorm(scale=False)
            self.cls = nn.Dense(3, flatten=True)

    def hybrid_forward(self, F, x):
        y = self.bn(self.conv(x))
        z = F.zeros_like(y, dtype='float32')
        m = F.broadcast_add(F.relu(y) + z, F.mean(y, axis=(2, 3), keepdims=True))
        return self.cls(m), F.sigmoid(m)


class TextRNN(gluon.HybridBlock):
    """Embedding + 2-layer bidirectional LSTM/GRU (the fused RNN op, NTC layout) + Dense."""
    def __init__(self, cell='lstm', **kw):
        super().__init__(**kw)
        with self.name_scope():
            self.emb = nn.Embedding(50, 8)
            layer = rnn.LSTM if cell == 'lstm' else rnn.GRU
            self.rnn = layer(12, num_layers=2, bidirectional=True, layout='NTC')
            self.out = nn.Dense(4, flatten=False)

    def hybrid_forward(self, F, x):
        return self.out(self.rnn(self.emb(x)))


class UnrolledCells(gluon.HybridBlock):
    """gluon.rnn cells unrolled by hand (LSTMCell, then GRUCell), begin states from the input."""
    def __init__(self, **kw):
        super().__init__(**kw)
        with self.name_scope():
            self.lstm = rnn.LSTMCell(6)
            self.gru = rnn.GRUCell(5)
            self.out = nn.Dense(3)

    def hybrid_forward(self, F, x):
        outs, _ = self.lstm.unroll(4, x, layout='NTC', merge_outputs=True)
        outs, _ = self.gru.unroll(4, outs, layout='NTC', merge_outputs=False)
        return self.out(outs[-1])


class ContribOps(gluon.HybridBlock):
    """contrib ops and odd layers users put in detection/segmentation heads."""
    def __init__(self, **kw):
        super().__init__(**kw)
        with self.name_scope():
            self.conv = nn.Conv2D(6, 3, padding=1, use_bias=False)
            self.inorm = nn.InstanceNorm()
            self.lnorm = nn.LayerNorm()
            self.prelu = nn.PReLU()
            self.up = nn.Conv2DTranspose(4, 4, strides=2, padding=1)
            self.pad = nn.ReflectionPad2D(1)
            self.head = nn.Dense(7, flatten=False)

    def hybrid_forward(self, F, x):
        y = self.prelu(self.inorm(self.conv(x)))
        y = F.contrib.AdaptiveAvgPooling2D(y, output_size=4)
        y = F.contrib.BilinearResize2D(y, height=6, width=6)
        y = self.pad(self.up(y))
        y = F.reshape(y, shape=(0, 0, -1))
        y = self.lnorm(F.transpose(y, axes=(0, 2, 1)))
        y = F.L2Normalization(y, mode='instance') * F.ones_like(y)
        return self.head(F.softmax(y, axis=-1, temperature=2.0))


class Attention(gluon.HybridBlock):
    """Self-attention as users wrote it before GluonNLP: Dense without in_units (flatten=False),
    reshape codes, batch_dot, masked softmax through where/broadcast ops, three outputs."""
    def __init__(self, units=8, heads=2, **kw):
        super().__init__(**kw)
        self.heads = heads
        with self.name_scope():
            self.qkv = nn.Dense(3 * units, flatten=False, use_bias=False)
            self.proj = nn.Dense(units, flatten=False)
            self.norm = nn.LayerNorm()
            self.act = nn.GELU()

    def hybrid_forward(self, F, x, *args):
        q, k, v = F.split(self.qkv(x), num_outputs=3, axis=-1)

        def heads(t):  # (B, T, U) -> (B*H, T, U/H)
            t = F.reshape(t, shape=(0, 0, self.heads, -1))
            return F.reshape(F.transpose(t, axes=(0, 2, 1, 3)), shape=(-3, 0, 0))
        q, k, v = heads(q), heads(k), heads(v)
        score = F.batch_dot(q, k, transpose_b=True) / 2.0
        mask = F.broadcast_lesser_equal(F.contrib.arange_like(score, axis=-1).reshape((1, 1, -1)),
                                        F.contrib.arange_like(score, axis=1).reshape((1, -1, 1)))
        score = F.where(F.broadcast_like(mask, score), score, F.ones_like(score) * -1e4)
        att = F.softmax(score, axis=-1)
        ctx = F.batch_dot(att, v)
        ctx = F.reshape(F.transpose(F.reshape(ctx, shape=(-4, -1, self.heads, 0, 0)),
                                    axes=(0, 2, 1, 3)), shape=(0, 0, -3))
        y = self.norm(self.act(self.proj(ctx)) + x)
        return y, att, F.max(y, axis=1)


def zoo(name, shape, **kw):
    return (lambda: vision.get_model(name, pretrained=False, classes=10, **kw)), shape


def small(ctor, shape, *args, **kw):
    return (lambda: ctor(*args, classes=10, **kw)), shape


# The committed corpus: every vision-zoo family at narrow widths, and user-style blocks.
SMALL = {
    'resnet_v1_basic': small(vision.ResNetV1, (2, 3, 16, 16), vision.BasicBlockV1, [1, 1, 1, 1],
                             [4, 4, 8, 16, 32], thumbnail=True),
    'resnet_v1_bottleneck': small(vision.ResNetV1, (2, 3, 32, 32), vision.BottleneckV1,
                                  [1, 1, 1, 1], [8, 8, 16, 32, 64]),
    'resnet_v2_basic': small(vision.ResNetV2, (2, 3, 16, 16), vision.BasicBlockV2, [1, 1, 1, 1],
                             [4, 4, 8, 16, 32], thumbnail=True),
    'resnet_v2_bottleneck': small(vision.ResNetV2, (2, 3, 32, 32), vision.BottleneckV2,
                                  [1, 1, 1, 1], [8, 8, 16, 32, 64]),
    'mobilenet_v1': small(vision.MobileNet, (2, 3, 32, 32), multiplier=0.25),
    'mobilenet_v2': small(vision.MobileNetV2, (2, 3, 32, 32), multiplier=0.25),
    'densenet': small(vision.DenseNet, (2, 3, 64, 64), 8, 8, [2, 2]),
    'plain_convnet': (PlainConvNet, (2, 3, 16, 16)),
    'two_heads': (TwoHeads, (2, 3, 8, 8)),
    'text_lstm': (lambda: TextRNN('lstm'), (2, 7)),
    'text_gru': (lambda: TextRNN('gru'), (2, 7)),
    'unrolled_cells': (UnrolledCells, (2, 4, 3)),
    'contrib_ops': (ContribOps, (2, 3, 8, 8)),
    'attention': (Attention, (2, 5, 8)),
}

# Full-size zoo nets (tens of MB each): recorded on demand, checked by tools/check_gluon_zoo.py.
ZOO = {
    'resnet18_v1': zoo('resnet18_v1', (2, 3, 32, 32)),
    'resnet50_v2': zoo('resnet50_v2', (2, 3, 32, 32)),
    'mobilenet1.0': zoo('mobilenet1.0', (2, 3, 32, 32)),
    'mobilenetv2_1.0': zoo('mobilenetv2_1.0', (2, 3, 32, 32)),
    'squeezenet1.0': zoo('squeezenet1.0', (2, 3, 224, 224)),
    'squeezenet1.1': zoo('squeezenet1.1', (2, 3, 224, 224)),
    'densenet121': zoo('densenet121', (2, 3, 224, 224)),
    'alexnet': zoo('alexnet', (2, 3, 64, 64)),
    'vgg11': zoo('vgg11', (2, 3, 32, 32)),
    'vgg11_bn': zoo('vgg11_bn', (2, 3, 32, 32)),
    'inceptionv3': zoo('inceptionv3', (2, 3, 299, 299)),
}


def randomise(net, rng):
    """Random weights; random BN statistics and affine params, so every parameter matters."""
    for name, p in net.collect_params().items():
        shape = p.shape
        if name.endswith('running_var'):
            v = rng.uniform(0.5, 1.5, shape)
        elif name.endswith(('running_mean', 'beta', 'bias')):
            v = rng.normal(0, 0.2, shape)
        elif name.endswith(('gamma', 'alpha')):
            v = rng.uniform(0.5, 1.5, shape) if name.endswith('gamma') else rng.uniform(0.1, 0.3, shape)
        else:
            fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
            v = rng.normal(0, np.sqrt(2.0 / max(fan_in, 1)), shape)
        p.set_data(mx.nd.array(v.astype(np.float32)))


def make_input(shape, rng):
    if len(shape) == 2:     # token ids
        return rng.randint(0, 50, shape).astype(np.float32)
    return rng.uniform(-1, 1, shape).astype(np.float32)


# MobileNetV2's 17 BatchNorms over 1x1 maps of 8 samples amplify rounding step over step: after
# three steps MXNet's own oneDNN and reference kernels disagree by 0.37 on a moving variance of 7,
# and even one step's first-layer update differs by several percent between implementations. So
# it takes one step, checked to 10% of each parameter's movement ('movement_rtol').
STEPS = {'mobilenet_v2': 1}
MOVEMENT_RTOL = {'mobilenet_v2': 0.1}


def finetune(prefix, in_shape, out_shape, rng, steps):
    """What a user does with an exported net: load it, put a loss on its first output, train."""
    sym, args, auxs = mx.model.load_checkpoint(prefix, 0)
    net = sym[0] if len(sym.list_outputs()) > 1 else sym
    loss = mx.sym.LinearRegressionOutput(net, mx.sym.Variable('label'), name='lro')
    # A batch of 8: BatchNorm's batch statistics over 2 samples of a 1x1 map make the steps
    # ill-conditioned (any rounding difference grows), in MXNet as anywhere.
    x = make_input((FINETUNE['batch'],) + tuple(in_shape[1:]), rng)
    y = rng.normal(0, 1, (FINETUNE['batch'],) + tuple(out_shape[1:])).astype(np.float32)
    mod = mx.mod.Module(loss, data_names=['data'], label_names=['label'], context=mx.cpu())
    mod.bind([('data', x.shape)], [('label', y.shape)])
    mod.set_params(args, auxs)
    mod.init_optimizer(optimizer='sgd', optimizer_params={
        'learning_rate': FINETUNE['learning_rate'], 'momentum': FINETUNE['momentum']})
    batch = mx.io.DataBatch([mx.nd.array(x)], [mx.nd.array(y)])
    for _ in range(steps):
        mod.forward_backward(batch)
        mod.update()
    # Without this, get_params can copy BatchNorm's moving statistics before the steps' writes
    # to them land (MXNet's engine does not order that copy after them): stale values.
    mx.nd.waitall()
    a, x_ = mod.get_params()
    out = {'train_data': x, 'train_label': y}
    # Kept small: every aux state and small parameter, and the first and last big weights.
    big = [k for k in sym.list_arguments() if k in a and a[k].size > 4096]
    keep = set(big[:1] + big[-1:])
    out.update({'arg:' + k: v.asnumpy() for k, v in a.items() if v.size <= 4096 or k in keep})
    out.update({'aux:' + k: v.asnumpy() for k, v in x_.items()})
    return out


def record(name, make, in_shape, out_dir, seed):
    rng = np.random.RandomState(seed)
    net = make()
    net.initialize()
    net.hybridize()
    x = mx.nd.array(make_input(in_shape, rng))
    net(x)                      # finishes deferred initialisation
    randomise(net, rng)
    outs = net(x)
    outs = outs if isinstance(outs, (list, tuple)) else [outs]
    prefix = os.path.join(out_dir, name)
    net.export(prefix, epoch=0)
    arrays = {'data': x.asnumpy()}
    arrays.update({'out%d' % i: o.asnumpy() for i, o in enumerate(outs)})
    sym = json.load(open(prefix + '-symbol.json'))
    ops = {}
    for node in sym['nodes']:
        if node['op'] != 'null':
            ops[node['op']] = ops.get(node['op'], 0) + 1
    tuned = 'Dropout' not in ops
    settings = dict(FINETUNE, steps=STEPS.get(name, FINETUNE['steps']),
                    movement_rtol=MOVEMENT_RTOL.get(name))
    if tuned:
        arrays.update(finetune(prefix, in_shape, outs[0].shape, rng, settings['steps']))
    np.savez_compressed(prefix + '-io.npz', **arrays)
    meta = {'name': name, 'input': {'data': list(in_shape)},
            'outputs': [list(o.shape) for o in outs], 'seed': seed, 'ops': ops,
            'finetune': settings if tuned else None,
            'params_bytes': os.path.getsize(prefix + '-0000.params'), 'mxnet': mx.__version__}
    json.dump(meta, open(prefix + '.json', 'w'), indent=1, sort_keys=True)
    return meta


# MXNet's oneDNN kernels cannot read some trained DenseNet weights back ("could not construct a
# sub-memory"); its reference kernels are recorded instead -- except for the fused RNN op, which has no
# working reference CPU path in 1.9.1.
NEEDS_ONEDNN = {'text_lstm', 'text_gru'}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('out_dir')
    ap.add_argument('--zoo', action='store_true', help='the full-size zoo nets instead')
    ap.add_argument('--only', default='')
    a = ap.parse_args()
    models = ZOO if a.zoo else SMALL
    os.makedirs(a.out_dir, exist_ok=True)
    for name, (make, shape) in models.items():
        if a.only and name not in a.only.split(','):
            continue
        want = '1' if name in NEEDS_ONEDNN else '0'
        if os.environ.get('MXNET_MKLDNN_ENABLED') != want:     # one process per setting
            env = dict(os.environ, MXNET_MKLDNN_ENABLED=want)
            cmd = [sys.executable, __file__, a.out_dir, '--only', name] + ['--zoo'] * a.zoo
            subprocess.run(cmd, env=env, check=True)
            continue
        meta = record(name, make, shape, a.out_dir, seed=zlib.crc32(name.encode()) % 100000)
        print('%-22s %-16s -> %-24s %7.1f kB  %s' % (
            name, meta['input']['data'], meta['outputs'], meta['params_bytes'] / 1e3,
            ' '.join(sorted(meta['ops']))))
    return 0


if __name__ == '__main__':
    sys.exit(main())
