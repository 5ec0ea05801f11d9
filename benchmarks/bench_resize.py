"""OpenCV-kernel image resize alone: tfmod's sparse taps vs the dense weight matrices they
replaced, and vs MXNet's cv::resize.

    python benchmarks/bench_resize.py [--mxnet PYTHON] [--rounds 5]

Resizes a smooth random uint8 HWC image at an input pipeline's sizes (300x400 to the 256
short side and to 224x224, CIFAR's 32x32, small images grown) with each implementation,
rounds interleaved, and prints process-CPU microseconds per call (best round):
- dense: the (n_out x n_in) float64 matrices multiplied with an eager TF einsum (the old code);
- taps: ``resize_hwc`` on an eager tensor (numpy gathers + float64 weighted sums);
- taps f32: the same sums in float32, without resize.py's reused buffers (measured only:
  float64 is what keeps OpenCV's pixels within a grey level), its largest difference from taps;
- graph: ``resize_hwc`` traced into a tf.function (TF gathers), as inside a symbol;
- mxnet: ``mx.image.imresize`` (OpenCV) in MXNet's own process.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# (input h, w, channels), (output h, w), interp
CASES = [((300, 400, 3), (256, 341), 1), ((300, 400, 3), (256, 341), 2),
         ((300, 400, 3), (256, 341), 3), ((300, 400, 3), (224, 224), 3),
         ((32, 32, 3), (40, 40), 1), ((32, 32, 3), (224, 224), 2),
         ((90, 120, 3), (256, 341), 4), ((300, 400, 3), (30, 40), 3)]


def image(shape):
    """A smooth random uint8 image with some noise (contiguous, as a decoded image is)."""
    import numpy as np
    rng = np.random.RandomState(0)
    small = rng.rand(max(shape[0] // 10, 2), max(shape[1] // 10, 2), shape[2])
    rows = np.linspace(0, small.shape[0] - 1, shape[0]).round().astype(int)
    cols = np.linspace(0, small.shape[1] - 1, shape[1]).round().astype(int)
    noise = rng.rand(*shape) * 40
    return np.ascontiguousarray(np.clip(small[rows][:, cols] * 215 + noise, 0, 255), np.uint8)


def per_call(fn, reps):
    fn()
    cpu = time.process_time()
    for _ in range(reps):
        fn()
    return (time.process_time() - cpu) / reps * 1e6


def reps_for(shape, out):
    return max(5, int(2e6 // (shape[0] * shape[1] + out[0] * out[1])))


def mxnet_worker():
    import mxnet as mx
    res = []
    for shape, out, interp in CASES:
        img = mx.nd.array(image(shape), dtype='uint8')
        res.append(per_call(lambda: mx.image.imresize(img, out[1], out[0], interp=interp)
                            .wait_to_read(), reps_for(shape, out)))
    print(json.dumps(res))


def tfmod_round(state):
    import numpy as np
    import tensorflow as tf
    from converters import resize as rz
    from converters.image import resize_hwc

    def dense(x, out, interp):
        mh = tf.constant(rz.resize_matrix(x.shape[0], out[0], interp))
        mw = tf.constant(rz.resize_matrix(x.shape[1], out[1], interp))
        y = tf.einsum('ij,jkc,lk->ilc', mh, tf.cast(x, tf.float64), mw)
        return tf.cast(tf.clip_by_value(tf.round(y), 0, 255), tf.uint8)

    def taps_f32(xn, out, interp):
        y = xn.astype(np.float32)                  # both passes on rows, as resize.py's
        for n_out in out:
            idx, w = rz.resize_taps(y.shape[0], n_out, interp)
            y2 = np.matmul(w[:, None, :].astype(np.float32), y.reshape(y.shape[0], -1)[idx])
            y = np.ascontiguousarray(y2.reshape(n_out, -1, y.shape[2]).transpose(1, 0, 2))
        return np.clip(np.rint(y), 0, 255).astype(np.uint8)

    rows = []
    for i, (shape, out, interp) in enumerate(CASES):
        x = tf.constant(image(shape))
        xn = x.numpy()
        if i not in state:
            state[i] = tf.function(lambda v, o=out, k=interp: resize_hwc(v, o[1], o[0], k))
        reps = reps_for(shape, out)
        got = resize_hwc(x, out[1], out[0], interp).numpy().astype(int)
        rows.append({
            'dense': per_call(lambda: dense(x, out, interp).numpy(), max(2, reps // 4)),
            'taps': per_call(lambda: resize_hwc(x, out[1], out[0], interp).numpy(), reps),
            'taps f32': per_call(lambda: taps_f32(xn, out, interp), reps),
            'f32 diff': int(np.abs(taps_f32(xn, out, interp).astype(int) - got).max()),
            'graph': per_call(lambda: state[i](x).numpy(), reps),
            'dense diff': int(np.abs(dense(x, out, interp).numpy().astype(int) - got).max())})
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--mxnet', default=None, help='a python with MXNet 1.9.1')
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--as-mxnet-worker', action='store_true', help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.as_mxnet_worker:
        return mxnet_worker()
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    sys.path.insert(0, ROOT)
    best, state = {}, {}
    for _ in range(args.rounds):
        for i, row in enumerate(tfmod_round(state)):
            for k, v in row.items():
                best.setdefault((i, k), []).append(v)
        if args.mxnet:
            out = subprocess.run([args.mxnet, os.path.abspath(__file__), '--as-mxnet-worker'],
                                 capture_output=True, text=True, check=True,
                                 env=dict(os.environ, OMP_NUM_THREADS='1'))
            for i, v in enumerate(json.loads(out.stdout.strip().splitlines()[-1])):
                best.setdefault((i, 'mxnet'), []).append(v)
    names = ['nearest', 'bilinear', 'bicubic', 'area', 'lanczos4']
    cols = ['dense', 'taps', 'taps f32', 'graph'] + (['mxnet'] if args.mxnet else [])
    print('resize of a uint8 HWC image: process-CPU us per call, best of %d interleaved rounds'
          % args.rounds)
    print('%-32s' % 'case' + ''.join('%10s' % c for c in cols) + '  dense/taps  max diffs '
          '(dense, f32) vs taps')
    for i, (shape, out, interp) in enumerate(CASES):
        v = {c: min(best[(i, c)]) for c in cols}
        print('%-32s' % ('%dx%dx%d -> %dx%d %s' % (shape + out + (names[interp],)))
              + ''.join('%10.0f' % v[c] for c in cols)
              + '  %8.1fx  %d, %d' % (v['dense'] / v['taps'], max(best[(i, 'dense diff')]),
                                      max(best[(i, 'f32 diff')])))


if __name__ == '__main__':
    main()
