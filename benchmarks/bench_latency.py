"""Batch-1 latency of Module.forward(is_train=False) on real architectures, tfmod vs MXNet.

    python benchmarks/bench_latency.py --mxnet PYTHON [--models resnet50_v1,squeezenet1.0,...]
                                       [--calls 200] [--dir DIR] [--api symbolblock]

``--api symbolblock`` times what Gluon users deploy instead: ``gluon.nn.SymbolBlock.imports``
on the same files, hybridized, called on an NDArray.

The networks are what users load: MXNet 1.9.1's Gluon model zoo (``gluon.model_zoo.vision``),
GoogLeNet and an FCN segmentation net written with Gluon (see ``vision_net``), and a Gluon text
model, given random weights (no download), hybridized and exported with
``HybridBlock.export`` into a temporary directory (or ``--dir``, reused when the files are
there) by the MXNet interpreter given with ``--mxnet``. Each (implementation, model) then runs
in a fresh process, the two implementations interleaved per model: load the checkpoint, bind
a Module at batch 1 for inference, set the parameters, and time ``forward(is_train=False)``
plus reading the output to numpy, call after call. Reported: median and 90th-percentile
latency in ms (after warm-up calls; the median is what the ratio uses), the process's CPU ms
per call, start-up (bind + set_params + first call) and the largest difference between the
two implementations' outputs on the same input (a check that both ran the same network).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
# name -> input shape at batch 1 (token ids for the text models)
MODELS = {'resnet50_v1': (1, 3, 224, 224), 'squeezenet1.0': (1, 3, 224, 224),
          'googlenet': (1, 3, 224, 224), 'fcn_resnet50': (1, 3, 224, 224),
          'inceptionv3': (1, 3, 299, 299), 'mobilenet1.0': (1, 3, 224, 224),
          'bilstm': (1, 32), 'bigru': (1, 32)}
DEFAULT = 'resnet50_v1,squeezenet1.0,googlenet,fcn_resnet50,bilstm,bigru'
VOCAB = 5000
# GoogLeNet's inception blocks: 1x1, 1x1 -> 3x3, 1x1 -> 3x3 (GluonCV's stand-in for the 5x5),
# 3x3 max pool -> 1x1 channels; None marks a 3x3 stride-2 max pool between blocks
GOOGLENET = [(64, 96, 128, 16, 32, 32), (128, 128, 192, 32, 96, 64), None,
             (192, 96, 208, 16, 48, 64), (160, 112, 224, 24, 64, 64),
             (128, 128, 256, 24, 64, 64), (112, 144, 288, 32, 64, 64),
             (256, 160, 320, 32, 128, 128), None, (256, 160, 320, 32, 128, 128),
             (384, 192, 384, 48, 128, 128)]


def vision_net(mx, name):
    """A Gluon vision net: the model zoo's, or GoogLeNet (Inception v1 with BatchNorm, as
    GluonCV's) and an FCN segmentation net (ResNet-50 v1 body, FCN head, bilinear upsampling
    to the input size), which MXNet's own zoo lacks."""
    from mxnet import gluon
    from mxnet.gluon import nn

    def conv(channels, kernel, stride=1, pad=0):
        blk = nn.HybridSequential(prefix='')
        blk.add(nn.Conv2D(channels, kernel, stride, pad, use_bias=False),
                nn.BatchNorm(epsilon=0.001), nn.Activation('relu'))
        return blk

    class Inception(gluon.HybridBlock):
        def __init__(self, c1, c3r, c3, c5r, c5, cp, **kw):
            super().__init__(**kw)
            with self.name_scope():
                self.b1 = conv(c1, 1)
                self.b2 = nn.HybridSequential(prefix='')
                self.b2.add(conv(c3r, 1), conv(c3, 3, pad=1))
                self.b3 = nn.HybridSequential(prefix='')
                self.b3.add(conv(c5r, 1), conv(c5, 3, pad=1))
                self.b4 = nn.HybridSequential(prefix='')
                self.b4.add(nn.MaxPool2D(3, 1, 1), conv(cp, 1))

        def hybrid_forward(self, F, x):
            return F.concat(self.b1(x), self.b2(x), self.b3(x), self.b4(x), dim=1)

    class FCN(gluon.HybridBlock):
        def __init__(self, classes=21, **kw):
            super().__init__(**kw)
            with self.name_scope():
                body = gluon.model_zoo.vision.get_model('resnet50_v1', pretrained=False)
                self.body = nn.HybridSequential(prefix='')
                for layer in body.features[:-1]:      # without the global pooling
                    self.body.add(layer)
                self.head = nn.HybridSequential(prefix='')
                self.head.add(conv(512, 3, pad=1), nn.Dropout(0.1), nn.Conv2D(classes, 1))

        def hybrid_forward(self, F, x):
            size = MODELS['fcn_resnet50'][2:]
            return F.contrib.BilinearResize2D(self.head(self.body(x)), height=size[0],
                                              width=size[1])

    if name == 'fcn_resnet50':
        return FCN(prefix='fcn_')
    if name != 'googlenet':
        return gluon.model_zoo.vision.get_model(name, pretrained=False)
    net = nn.HybridSequential(prefix='googlenet_')
    with net.name_scope():
        net.add(conv(64, 7, 2, 3), nn.MaxPool2D(3, 2, ceil_mode=True), conv(64, 1),
                conv(192, 3, pad=1), nn.MaxPool2D(3, 2, ceil_mode=True))
        for spec in GOOGLENET:
            net.add(nn.MaxPool2D(3, 2, ceil_mode=True) if spec is None else Inception(*spec))
        net.add(nn.GlobalAvgPool2D(), nn.Flatten(), nn.Dropout(0.4), nn.Dense(1000))
    return net


def export(mx, name, prefix):
    """Build ``name`` with Gluon, random weights, and export prefix-symbol.json/-0000.params."""
    from mxnet import gluon
    from mxnet.gluon import nn, rnn
    mx.random.seed(0)
    if name in ('bilstm', 'bigru'):
        class TextRNN(gluon.HybridBlock):
            """Embedding + 2-layer bidirectional LSTM/GRU (the fused RNN op) + Dense classes."""
            def __init__(self, **kw):
                super().__init__(**kw)
                with self.name_scope():
                    self.emb = nn.Embedding(VOCAB, 128)
                    layer = rnn.LSTM if name == 'bilstm' else rnn.GRU
                    self.rnn = layer(256, num_layers=2, bidirectional=True, layout='NTC')
                    self.out = nn.Dense(2)

            def hybrid_forward(self, F, x):
                return self.out(F.max(self.rnn(self.emb(x)), axis=1))
        net = TextRNN(prefix='text_')
    else:
        net = vision_net(mx, name)
    net.initialize(mx.init.Xavier(magnitude=2.0))
    net.hybridize()
    net(mx.nd.array(make_input(name, np.random.RandomState(0))))
    rng = np.random.RandomState(1)
    for pname, p in net.collect_params().items():   # BatchNorm statistics that matter
        if pname.endswith('running_var'):
            p.set_data(mx.nd.array(rng.uniform(0.5, 1.5, p.shape)))
        elif pname.endswith('running_mean'):
            p.set_data(mx.nd.array(rng.normal(0, 0.1, p.shape)))
    net.export(prefix, 0)


def make_input(name, rng):
    shape = MODELS[name]
    if len(shape) == 2:
        return rng.randint(0, VOCAB, shape).astype(np.float32)
    return rng.uniform(-1, 1, shape).astype(np.float32)


def module_call(mx, prefix, x):
    """Module.forward(is_train=False) on the checkpoint, as a call returning the output."""
    sym, args, aux = mx.model.load_checkpoint(prefix, 0)
    mod = mx.mod.Module(sym, data_names=['data'], label_names=None, context=mx.cpu())
    mod.bind([('data', x.shape)], for_training=False)
    mod.set_params(args, aux)
    batch = mx.io.DataBatch([mx.nd.array(x)])

    def call():
        mod.forward(batch, is_train=False)
        return mod.get_outputs()[0].asnumpy()
    return call


def symbolblock_call(mx, prefix, x):
    """``gluon.nn.SymbolBlock.imports(...)`` hybridized, as Gluon users deploy an export."""
    net = mx.gluon.nn.SymbolBlock.imports(prefix + '-symbol.json', ['data'],
                                          prefix + '-0000.params', ctx=mx.cpu())
    net.hybridize(static_alloc=True, static_shape=True)
    data = mx.nd.array(x)

    def call():
        out = net(data)
        return (out[0] if isinstance(out, list) else out).asnumpy()
    return call


def run(mx, name, prefix, calls, api='module'):
    """Latencies of one implementation on one exported model."""
    x = make_input(name, np.random.RandomState(2))
    tic, cpu = time.perf_counter(), time.process_time()
    call = (symbolblock_call if api == 'symbolblock' else module_call)(mx, prefix, x)
    out = call()
    startup = time.perf_counter() - tic
    for _ in range(max(5, calls // 10)):
        call()
    lat = []
    cpu0 = time.process_time()
    for _ in range(calls):
        t = time.perf_counter()
        call()
        lat.append(time.perf_counter() - t)
    cpu_ms = (time.process_time() - cpu0) / calls * 1e3
    lat = np.sort(np.array(lat)) * 1e3
    np.save(prefix + '-%s-out.npy' % mx.__name__, out)
    return {'median_ms': float(np.median(lat)), 'p90_ms': float(lat[int(0.9 * (len(lat) - 1))]),
            'cpu_ms': cpu_ms, 'startup_s': startup, 'startup_cpu_s': time.process_time() - cpu}


def worker(impl, name, prefix, calls, api='module'):
    if impl == 'export':
        import mxnet
        export(mxnet, name, prefix)
        return {}
    if impl == 'mxnet':
        import mxnet as mx
    else:
        sys.path.insert(0, os.path.join(HERE, '..'))
        import tfmod as mx
    return run(mx, name, prefix, calls, api)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--mxnet', default=None,
                    help='python with MXNet 1.9.1: exports the models and adds its latencies')
    ap.add_argument('--models', default=DEFAULT, help='comma-separated, from %s' % ', '.join(MODELS))
    ap.add_argument('--calls', type=int, default=200, help='timed calls per measurement')
    ap.add_argument('--dir', default=None, help='where the exported files are (or go)')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--api', choices=('module', 'symbolblock'), default='module',
                    help='time Module.forward (default) or a gluon SymbolBlock call')
    ap.add_argument('--as-worker', nargs=3, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.as_worker:
        print(json.dumps(worker(*args.as_worker, calls=args.calls, api=args.api)))
        return
    names = args.models.split(',')
    for n in names:
        if n not in MODELS:
            raise SystemExit('unknown model %r; choose from %s' % (n, ', '.join(MODELS)))
    tmp = None
    if args.dir is None:
        tmp = tempfile.TemporaryDirectory(prefix='tfmod_latency_')
        args.dir = tmp.name
    os.makedirs(args.dir, exist_ok=True)
    n = str(args.threads)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3', OMP_NUM_THREADS=n,
               MXNET_CPU_WORKER_NTHREADS=n, TF_NUM_INTRAOP_THREADS=n, TF_NUM_INTEROP_THREADS='1')

    def call(impl, py, name, prefix):
        out = subprocess.run([py, os.path.abspath(__file__), '--as-worker', impl, name, prefix,
                              '--calls', str(args.calls), '--api', args.api],
                             capture_output=True, text=True,
                             env=env)
        if out.returncode:
            sys.stderr.write(out.stderr[-3000:])
            raise SystemExit('%s worker failed on %s' % (impl, name))
        return json.loads(out.stdout.strip().splitlines()[-1])
    rows = []
    for name in names:
        prefix = os.path.join(args.dir, name)
        if not os.path.exists(prefix + '-symbol.json'):
            if not args.mxnet:
                raise SystemExit('%s-symbol.json is missing: give --mxnet PYTHON (MXNet 1.9.1) '
                                 'to export the model, or --dir with the exported files' % prefix)
            call('export', args.mxnet, name, prefix)
        res = {'tfmod': call('tfmod', sys.executable, name, prefix)}
        if args.mxnet:
            res['mxnet'] = call('mxnet', args.mxnet, name, prefix)
            a = np.load(prefix + '-tfmod-out.npy')
            b = np.load(prefix + '-mxnet-out.npy')
            res['diff'] = float(np.max(np.abs(a - b)) / max(1e-12, float(np.max(np.abs(b)))))
        rows.append((name, res))
    what = 'SymbolBlock call' if args.api == 'symbolblock' else 'Module.forward(is_train=False)'
    print('batch-1 ' + what + ' + output to numpy; ms per call (median / p90, '
          'CPU ms); start-up = load + bind + set_params + first call, s')
    print('%-14s %-6s %17s %8s %10s' % ('model', 'impl', 'median/p90 ms', 'CPU ms',
                                         'start-up s'))
    for name, res in rows:
        for impl in ('tfmod', 'mxnet'):
            r = res.get(impl)
            if r:
                print('%-14s %-6s %8.2f/%-8.2f %8.2f %10.2f' % (
                    name, impl, r['median_ms'], r['p90_ms'], r['cpu_ms'], r['startup_s']))
    if args.mxnet:
        print()
        print('| model | tfmod ms | MXNet ms | latency tfmod / MXNet (median; CPU) | '
              'max output difference (relative) |')
        print('|---|---|---|---|---|')
        for name, res in rows:
            t, m = res['tfmod'], res['mxnet']
            print('| %s | %.2f | %.2f | %.2fx (%.2fx) | %.1e |' % (
                name, t['median_ms'], m['median_ms'], t['median_ms'] / m['median_ms'],
                t['cpu_ms'] / m['cpu_ms'], res['diff']))
    if tmp is not None:
        tmp.cleanup()


if __name__ == '__main__':
    main()
