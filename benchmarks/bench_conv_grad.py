"""A convolution's gradients: TF's CPU backprop kernels against the same gradients computed as
forward convolutions (converters/conv_grad.py), per layer size -- the timings behind its choice.

    python benchmarks/bench_conv_grad.py [--threads 2] [--rounds 4]

Per layer (ResNet-20's and LeNet's at their benchmark batches, and ImageNet-sized ones at batch
8): milliseconds of process CPU time per call (the best of interleaved rounds) of the filter
gradient and, at stride 1, the input gradient, each as TF's kernel and as a forward conv, and
the forward conv itself; the ratio native / forward-conv form (> 1: the form is faster) and
which form conv_grad.py picks for the layer.
"""
import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

# (N, H=W, C, F, kernel, stride, pad)
LAYERS = [(32, 32, 3, 16, 3, 1, 1), (32, 32, 16, 16, 3, 1, 1), (32, 32, 16, 32, 3, 2, 1),
          (32, 32, 16, 32, 1, 2, 0), (32, 16, 32, 32, 3, 1, 1), (32, 16, 32, 64, 3, 2, 1),
          (32, 8, 64, 64, 3, 1, 1), (64, 28, 1, 20, 5, 1, 0), (64, 12, 20, 50, 5, 1, 0),
          (8, 56, 64, 64, 3, 1, 1), (8, 28, 128, 128, 3, 1, 1), (8, 14, 256, 256, 3, 1, 1),
          (8, 7, 512, 512, 3, 1, 1), (8, 56, 64, 256, 1, 1, 0), (8, 56, 256, 64, 1, 1, 0),
          (8, 224, 3, 64, 7, 2, 3), (1, 56, 64, 64, 3, 1, 1)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--rounds', type=int, default=4)
    args = ap.parse_args()
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    import tensorflow as tf
    from tfmod_converters import conv_grad as cg
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    rng = np.random.RandomState(0)

    def cpu_ms(fn):
        t = time.process_time()
        for _ in range(3):
            out = fn()
        out.numpy()
        return (time.process_time() - t) / 3 * 1000

    print('CPU ms per call, best of %d interleaved rounds, %d threads' % (args.rounds,
                                                                       args.threads))
    print('%-28s %8s %8s %6s %8s %8s %6s %8s  %s' % (
        'layer (N,HW,C,F,k,s,p)', 'dW tf', 'dW conv', 'ratio', 'dX tf', 'dX conv', 'ratio',
        'forward', 'picked (dW, dX)'))
    for (n, hw, c, f, k, s, p) in LAYERS:
        x = tf.constant(rng.randn(n, hw, hw, c).astype(np.float32))
        w = tf.constant(rng.randn(k, k, c, f).astype(np.float32))
        ho = (hw + 2 * p - k) // s + 1
        dy = tf.constant(rng.randn(n, ho, ho, f).astype(np.float32))
        pads = [[0, 0], [p, p], [p, p], [0, 0]]
        raw = {'strides': [1, s, s, 1], 'padding': 'EXPLICIT',
               'explicit_paddings': [0, 0, p, p, p, p, 0, 0]}
        fns = {
            'dW tf': lambda: tf.raw_ops.Conv2DBackpropFilter(
                input=x, filter_sizes=[k, k, c, f], out_backprop=dy, **raw),
            'dW conv': lambda: cg._filter_grad(x, dy, (k, k), (s, s), (p, p)),
            'dX tf': lambda: tf.raw_ops.Conv2DBackpropInput(
                input_sizes=[n, hw, hw, c], filter=w, out_backprop=dy, **raw),
            'forward': lambda: tf.nn.conv2d(x, w, s, pads)}
        if s == 1 and p <= k - 1:
            fns['dX conv'] = lambda: cg._input_grad(w, dy, (k, k), (p, p))
        fns = {key: tf.function(fn) for key, fn in fns.items()}
        best = {key: float('inf') for key in fns}
        for _ in range(args.rounds):
            for key, fn in fns.items():
                best[key] = min(best[key], cpu_ms(fn), cpu_ms(fn))
        picked = (cg._filter_form(n, (k, k), (s, s)), cg._input_form((c, f), (k, k), (s, s),
                                                                     (p, p)))
        dx_conv = best.get('dX conv')
        print('%-28s %8.2f %8.2f %5.2fx %8.2f %8s %6s %8.2f  %s' % (
            (n, hw, c, f, k, s, p), best['dW tf'], best['dW conv'],
            best['dW tf'] / best['dW conv'], best['dX tf'],
            '-' if dx_conv is None else '%.2f' % dx_conv,
            '-' if dx_conv is None else '%.2fx' % (best['dX tf'] / dx_conv), best['forward'],
            picked))


if __name__ == '__main__':
    main()
