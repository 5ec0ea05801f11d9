"""ImageRecordIter throughput: tfmod vs MXNet on the same RecordIO file of JPEGs.

    python benchmarks/bench_image_record.py [--mxnet PYTHON] [--threads 1,2] [--rounds 3]
                                            [--resize 256]

Packs 128 smooth random 300x400 JPEGs (quality 90) into a temporary .rec, then iterates it
with ImageRecordIter(data_shape=(3, 224, 224), batch_size=32, rand_crop, rand_mirror, shuffle,
mean subtraction; ``--resize N``: the short side resized to N first, OpenCV's bilinear kernel)
-- example/image-classification's training input -- for two epochs after a
warm one, in a fresh process per (implementation, preprocess_threads), rounds interleaved.
Prints ms per batch, wall and process CPU (MXNet decodes in its own C++ threads).
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
PARAMS = dict(data_shape=(3, 224, 224), batch_size=32, rand_crop=True, rand_mirror=True,
              shuffle=True, mean_r=123.68, mean_g=116.779, mean_b=103.939)


def make_rec(path, n=128):
    sys.path.insert(0, ROOT)
    import numpy as np
    import tensorflow as tf
    import tfmod as mx
    rng = np.random.RandomState(0)
    w = mx.recordio.MXRecordIO(path, 'w')
    for i in range(n):
        small = rng.rand(1, 30, 40, 3).astype(np.float32) * 255
        img = tf.cast(tf.image.resize(small, (300, 400)), tf.uint8)[0]
        w.write(mx.recordio.pack(mx.recordio.IRHeader(0, float(i % 10), i, 0),
                                 tf.io.encode_jpeg(img, quality=90).numpy()))
    w.close()


def worker(impl, path, threads, resize):
    if impl == 'tfmod':
        sys.path.insert(0, ROOT)
        import tfmod as mx
    else:
        import mxnet as mx
    extra = dict(resize=resize) if resize > 0 else {}
    it = mx.io.ImageRecordIter(path_imgrec=path, preprocess_threads=threads, **PARAMS, **extra)
    for b in it:
        b.data[0].asnumpy()
    it.reset()
    tic, cpu, n = time.perf_counter(), time.process_time(), 0
    for _ in range(2):
        for b in it:
            b.data[0].asnumpy()
            n += 1
        it.reset()
    print(json.dumps({'wall_ms': (time.perf_counter() - tic) / n * 1e3,
                      'cpu_ms': (time.process_time() - cpu) / n * 1e3}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--mxnet', default=None, help='a python with MXNet 1.9.1')
    ap.add_argument('--threads', default='1,2')
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--resize', type=int, default=0, help='resize the short side first')
    ap.add_argument('--as-worker', nargs=4, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.as_worker:
        impl, path, threads, resize = args.as_worker
        return worker(impl, path, int(threads), int(resize))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3')
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'images.rec')
        make_rec(path)
        impls = [('tfmod', sys.executable)] + ([('mxnet', args.mxnet)] if args.mxnet else [])
        res = {}
        for _ in range(args.rounds):
            for threads in [int(t) for t in args.threads.split(',')]:
                for impl, py in impls:
                    out = subprocess.run([py, os.path.abspath(__file__), '--as-worker', impl,
                                          path, str(threads), str(args.resize)], env=env,
                                         capture_output=True,
                                         text=True, check=True)
                    r = json.loads(out.stdout.strip().splitlines()[-1])
                    res.setdefault((impl, threads), []).append(r)
    print('ImageRecordIter, 224x224 crops of 300x400 JPEGs%s, batch 32: ms per batch, best of '
          '%d rounds (wall / process CPU)'
          % (', short side resized to %d' % args.resize if args.resize else '', args.rounds))
    for (impl, threads), rs in sorted(res.items()):
        print('%-6s preprocess_threads=%d  %7.1f / %7.1f' % (
            impl, threads, min(r['wall_ms'] for r in rs), min(r['cpu_ms'] for r in rs)))


if __name__ == '__main__':
    main()
