"""mx.image.ImageIter throughput: tfmod vs MXNet on the same RecordIO file of JPEGs.

    python benchmarks/bench_image_iter.py [--mxnet PYTHON] [--rounds 3]

Packs 64 smooth random 300x400 JPEGs (quality 90) into a temporary .rec/.idx, then iterates
it with mx.image.ImageIter(batch_size=32, data_shape=(3, 224, 224), shuffle, resize=256,
rand_crop, rand_mirror, mean, std, brightness/contrast/saturation 0.1) -- the augmenters run
in Python, one image at a time, in both -- for one epoch after a warm one, in a fresh process
per implementation, rounds interleaved. Prints ms per batch, wall and process CPU.
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
PARAMS = dict(batch_size=32, data_shape=(3, 224, 224), shuffle=True, resize=256,
              rand_crop=True, rand_mirror=True, mean=True, std=True, brightness=0.1,
              contrast=0.1, saturation=0.1)


def make_rec(rec, idx, n=64):
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    sys.path.insert(0, ROOT)
    import numpy as np
    import tensorflow as tf
    import tfmod as mx
    rng = np.random.RandomState(0)
    w = mx.recordio.MXIndexedRecordIO(idx, rec, 'w')
    for i in range(n):
        small = rng.rand(1, 30, 40, 3).astype(np.float32) * 255
        img = tf.cast(tf.image.resize(small, (300, 400)), tf.uint8)[0]
        w.write_idx(i, mx.recordio.pack(mx.recordio.IRHeader(0, float(i % 10), i, 0),
                                        tf.io.encode_jpeg(img, quality=90).numpy()))
    w.close()


def worker(impl, rec, idx):
    if impl == 'tfmod':
        sys.path.insert(0, ROOT)
        import tfmod as mx
    else:
        import mxnet as mx
    it = mx.image.ImageIter(path_imgrec=rec, path_imgidx=idx, **PARAMS)
    for b in it:
        b.data[0].asnumpy()
    it.reset()
    tic, cpu, n = time.perf_counter(), time.process_time(), 0
    for b in it:
        b.data[0].asnumpy()
        n += 1
    print(json.dumps({'wall_ms': (time.perf_counter() - tic) / n * 1e3,
                      'cpu_ms': (time.process_time() - cpu) / n * 1e3}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--mxnet', default=None, help='a python with MXNet 1.9.1')
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--as-worker', nargs=3, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.as_worker:
        return worker(*args.as_worker)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3')
    with tempfile.TemporaryDirectory() as tmp:
        rec, idx = os.path.join(tmp, 'images.rec'), os.path.join(tmp, 'images.idx')
        make_rec(rec, idx)
        impls = [('tfmod', sys.executable)] + ([('mxnet', args.mxnet)] if args.mxnet else [])
        res = {}
        for _ in range(args.rounds):
            for impl, py in impls:
                out = subprocess.run([py, os.path.abspath(__file__), '--as-worker', impl, rec,
                                      idx], env=env, capture_output=True, text=True, check=True)
                res.setdefault(impl, []).append(json.loads(out.stdout.strip().splitlines()[-1]))
    print('ImageIter, 224x224 random crops of 300x400 JPEGs resized to 256, mirror, colour '
          'jitter, mean/std, batch 32: ms per batch, best of %d rounds (wall / process CPU)'
          % args.rounds)
    for impl, rs in sorted(res.items()):
        print('%-6s %7.1f / %7.1f' % (impl, min(r['wall_ms'] for r in rs),
                                      min(r['cpu_ms'] for r in rs)))
    if len(res) == 2:
        print('tfmod/mxnet wall: %.2fx' % (min(r['wall_ms'] for r in res['tfmod']) /
                                           min(r['wall_ms'] for r in res['mxnet'])))


if __name__ == '__main__':
    main()
