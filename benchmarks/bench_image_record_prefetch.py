"""ImageRecordIter's prefetch_buffer: does making batches ahead overlap with the consumer's work?

    python benchmarks/bench_image_record_prefetch.py [--rounds 3] [--threads 1] [--mxnet PY]

Packs 320 300x400 JPEGs (bench_image_record.make_rec) and iterates them with
ImageRecordIter(data_shape=(3, 64, 64), batch_size=32, rand_crop, rand_mirror,
shuffle) under three consumers, each with prefetch_buffer=4 (the default) and 0 (batches made
on demand in next()):

  * none   -- the batch is only read (asnumpy): the iterator's own cost;
  * sleep  -- time.sleep of about one batch's making per batch: the best case, an idle consumer;
  * module -- a small conv-net Module (conv 16 3x3, pool, conv 32 3x3, pool, fc 10, softmax)
              training step per batch, forward_backward + update + reading the outputs, as
              fit does: TF's compute competes with the decoding for the 2 cores.

A fresh process per (consumer, prefetch), rounds interleaved; one warm epoch, then two epochs
timed (20 batches). Prints ms per batch, wall and process CPU, the best of the rounds and the
median.
With --mxnet, MXNet 1.9.1 runs the same consumers (its prefetch_buffer must be >= 1: 1 vs 4).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PARAMS = dict(data_shape=(3, 64, 64), batch_size=32, rand_crop=True,
              rand_mirror=True, shuffle=True, mean_r=123.68, mean_g=116.779, mean_b=103.939,
              scale=1 / 58.0)
SLEEP_MS = 20.0


def _net(mx):
    data = mx.sym.var('data')
    x = mx.sym.Convolution(data, kernel=(3, 3), num_filter=16, pad=(1, 1), name='c1')
    x = mx.sym.Pooling(mx.sym.Activation(x, act_type='relu'), kernel=(2, 2), stride=(2, 2),
                       pool_type='max')
    x = mx.sym.Convolution(x, kernel=(3, 3), num_filter=32, pad=(1, 1), name='c2')
    x = mx.sym.Pooling(mx.sym.Activation(x, act_type='relu'), kernel=(2, 2), stride=(2, 2),
                       pool_type='max')
    x = mx.sym.FullyConnected(mx.sym.Flatten(x), num_hidden=10, name='fc')
    return mx.sym.SoftmaxOutput(x, name='softmax')


def worker(impl, path, consumer, prefetch, threads):
    if impl == 'tfmod':
        sys.path.insert(0, ROOT)
        import tfmod as mx
    else:
        import mxnet as mx
    it = mx.io.ImageRecordIter(path_imgrec=path, preprocess_threads=threads,
                               prefetch_buffer=prefetch, **PARAMS)
    step = None
    if consumer == 'module':
        mod = mx.mod.Module(_net(mx), context=mx.cpu())
        mod.bind(data_shapes=it.provide_data, label_shapes=it.provide_label)
        mod.init_params(mx.init.Xavier())
        mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.01})

        def step(b):
            mod.forward_backward(b)
            mod.update()
            mod.get_outputs()[0].asnumpy()
    elif consumer == 'sleep':
        def step(b):
            time.sleep(SLEEP_MS / 1e3)

    def epoch():
        n = 0
        for b in it:
            b.data[0].asnumpy()
            if step is not None:
                step(b)
            n += 1
        it.reset()
        return n
    epoch()
    tic, cpu, n = time.perf_counter(), time.process_time(), 0
    for _ in range(2):
        n += epoch()
    print(json.dumps({'wall_ms': (time.perf_counter() - tic) / n * 1e3,
                      'cpu_ms': (time.process_time() - cpu) / n * 1e3}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--threads', type=int, default=1, help='preprocess_threads')
    ap.add_argument('--consumers', default='none,sleep,module')
    ap.add_argument('--mxnet', default=None, help='a python with MXNet 1.9.1')
    ap.add_argument('--as-worker', nargs=5, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.as_worker:
        impl, path, consumer, prefetch, threads = args.as_worker
        return worker(impl, path, consumer, int(prefetch), int(threads))
    sys.path.insert(0, HERE)
    from bench_image_record import make_rec
    import numpy as np
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3')
    runs = [('tfmod', sys.executable, 4), ('tfmod', sys.executable, 0)]
    if args.mxnet:
        runs += [('mxnet', args.mxnet, 4), ('mxnet', args.mxnet, 1)]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'images.rec')
        make_rec(path, n=320)
        res = {}
        for _ in range(args.rounds):
            for consumer in args.consumers.split(','):
                for impl, py, prefetch in runs:
                    out = subprocess.run([py, os.path.abspath(__file__), '--as-worker', impl,
                                          path, consumer, str(prefetch), str(args.threads)],
                                         env=env, capture_output=True, text=True, check=True)
                    r = json.loads(out.stdout.strip().splitlines()[-1])
                    res.setdefault((consumer, impl, prefetch), []).append(r)
    print('ImageRecordIter 64x64 crops of 300x400 JPEGs, batch 32, preprocess_threads=%d: ms '
          'per batch over %d rounds, best (median) -- wall / process CPU'
          % (args.threads, args.rounds))
    for consumer in args.consumers.split(','):
        for impl, _, prefetch in runs:
            rs = res[(consumer, impl, prefetch)]
            w = [r['wall_ms'] for r in rs]
            c = [r['cpu_ms'] for r in rs]
            print('%-6s %-6s prefetch_buffer=%d  %6.1f (%6.1f) / %6.1f (%6.1f)' % (
                consumer, impl, prefetch, min(w), np.median(w), min(c), np.median(c)))
        for impl in sorted({r[0] for r in runs}):
            on, off = [[np.median([r['wall_ms'] for r in res[(consumer, i, p)]])
                        for (i, _, p) in runs if i == impl][k] for k in (0, 1)]
            print('%-6s %-6s wall, prefetch on / off (medians): %.2fx' % (consumer, impl,
                                                                            on / off))


if __name__ == '__main__':
    main()
