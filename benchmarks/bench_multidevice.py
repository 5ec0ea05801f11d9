"""Data-parallel Module throughput: 1 vs 2 logical-CPU replicas, and the multi-device overhead.

    python benchmarks/bench_multidevice.py [--batches 100]

Makes two logical CPU devices (before TensorFlow starts), then times steady-state training
steps (forward_backward + update + reading the outputs) of the benchmark MLP and conv net with
batch 64 on:
  * 1 device   -- context=cpu(0): the single-device compiled step;
  * 2 replicas -- context=[cpu(0), cpu(1)]: the batch split in two, gradients summed, one
                  compiled call for the whole step (both replicas share this machine's cores);
and prints samples/sec and the ratio. On one machine the replicas share the same cores, so the
ratio measures the cost of the data-parallel machinery (slicing, summing, copying parameters
back), not a speed-up; on several GPUs the same code runs the replicas in parallel.
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--batches', type=int, default=100)
    args = ap.parse_args()
    import tensorflow as tf
    cpu = tf.config.list_physical_devices('CPU')[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    sys.path.insert(0, os.path.join(HERE, '..'))
    sys.path.insert(0, HERE)
    import tfmod as mx
    import bench_fit
    for name in ('mlp', 'convnet'):
        sym, shape = bench_fit.nets(mx)[name]
        x, y = bench_fit.make_data(shape, shape[0] * 8)
        n = shape[0]
        data = [mx.io.DataBatch([mx.nd.array(x[i * n:(i + 1) * n])],
                                [mx.nd.array(y[i * n:(i + 1) * n])]) for i in range(8)]
        res = {}
        for label, ctx in (('1 device', [mx.cpu(0)]), ('2 replicas', [mx.cpu(0), mx.cpu(1)])):
            mod = mx.mod.Module(sym, context=ctx)
            mod.bind([('data', shape)], [('softmax_label', (n,))])
            mod.init_params(mx.init.Xavier())
            mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.01,
                                                                  'momentum': 0.9})
            tic = time.perf_counter()
            for i in range(3):
                mod.forward_backward(data[i % 8])
                mod.update()
                mod.get_outputs()[0].asnumpy()
            compile_s = time.perf_counter() - tic
            tic = time.perf_counter()
            for i in range(args.batches):
                mod.forward_backward(data[i % 8])
                mod.update()
                mod.get_outputs()[0].asnumpy()
            step = (time.perf_counter() - tic) / args.batches
            res[label] = step
            print('%-8s %-10s %8.1f samples/s  %6.2f ms/batch  (first 3 batches %.2fs)'
                  % (name, label, n / step, step * 1e3, compile_s))
        print('%-8s 2 replicas / 1 device time ratio = %.2f' % (
            name, res['2 replicas'] / res['1 device']))


if __name__ == '__main__':
    main()
