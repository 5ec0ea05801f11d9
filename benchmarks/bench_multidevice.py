"""Data-parallel Module throughput: 1 device vs 2 logical-CPU replicas at the same global batch.

    python benchmarks/bench_multidevice.py [--batches 60] [--rounds 3]

Makes two logical CPU devices (before TensorFlow starts), then times steady-state training
steps (forward_backward + update + reading the outputs) of bench_fit.py's MLP and conv net, batch
64, on:
  * 1 device   -- context=cpu(0): the training step on TF's default strategy;
  * 2 replicas -- context=[cpu(0), cpu(1)]: the same step on a MirroredStrategy over the two
                  logical CPUs (32 rows each, gradients summed by the strategy, one update);
and, for scale, a hand-written tf.function doing the same two half-batch forward/backward passes
on CPU:0 and CPU:1 vs one full-batch pass (the MLP only): what TensorFlow itself pays for
spreading one step over two logical devices. The configurations alternate for ``--rounds``
rounds and each reports its median wall and process-CPU time per batch, so load from other
processes affects both alike. Both
replicas share this machine's cores: the ratio is the cost of the data-parallel machinery, not a
speed-up; on several GPUs the same code runs the replicas in parallel.
"""
import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def module_step(mx, sym, shape, ctx, data):
    """A bound, initialised Module and its step function."""
    n = shape[0]
    mod = mx.mod.Module(sym, context=ctx)
    mod.bind([('data', shape)], [('softmax_label', (n,))])
    mod.init_params(mx.init.Xavier())
    mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.01,
                                                          'momentum': 0.9})

    def step(i):
        mod.forward_backward(data[i % len(data)])
        mod.update()
        mod.get_outputs()[0].asnumpy()
    return step


def raw_tf_steps(tf, x, y):
    """Hand-written MLP steps: one device on the batch, and two devices on its halves."""
    shapes = [(784, 256), (256,), (256, 256), (256,), (256, 10), (10,)]

    def params(dev):
        with tf.device(dev):
            return [tf.Variable(tf.random.normal(s, stddev=0.05)) for s in shapes]

    def fwd_bwd(ps, xb, yb):
        with tf.GradientTape() as tape:
            h = tf.nn.relu(xb @ ps[0] + ps[1])
            h = tf.nn.relu(h @ ps[2] + ps[3])
            logits = h @ ps[4] + ps[5]
            loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(yb, logits))
        return tf.nn.softmax(logits), tape.gradient(loss, ps)

    p0, p1 = params('/CPU:0'), params('/CPU:1')

    @tf.function
    def one(xb, yb):
        out, gs = fwd_bwd(p0, xb, yb)
        for p, g in zip(p0, gs):
            p.assign_sub(0.01 * g)
        return out

    @tf.function
    def two(xb, yb):
        h = xb.shape[0] // 2
        with tf.device('/CPU:0'):
            o0, g0 = fwd_bwd(p0, xb[:h], yb[:h])
        with tf.device('/CPU:1'):
            o1, g1 = fwd_bwd(p1, xb[h:], yb[h:])
        for p, q, a, b in zip(p0, p1, g0, g1):
            with tf.device('/CPU:0'):
                p.assign_sub(0.01 * (a + b))
            with tf.device('/CPU:1'):
                q.assign(tf.identity(p))
        return tf.concat([o0, o1], 0)
    data = [(tf.constant(x[i * 64:(i + 1) * 64]), tf.constant(y[i * 64:(i + 1) * 64], tf.int32))
            for i in range(8)]
    return ({'tf 1 device': lambda i: one(*data[i % 8]).numpy(),
             'tf 2 devices': lambda i: two(*data[i % 8]).numpy()})


def timed(step, batches):
    """(wall, process CPU) seconds per batch; the CPU time (all of this process's threads)
    is the steadier figure on a machine other processes load."""
    tic, cpu = time.perf_counter(), time.process_time()
    for i in range(batches):
        step(i)
    return ((time.perf_counter() - tic) / batches, (time.process_time() - cpu) / batches)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--batches', type=int, default=60)
    ap.add_argument('--rounds', type=int, default=3)
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
        steps = {'1 device': module_step(mx, sym, shape, [mx.cpu(0)], data),
                 '2 replicas': module_step(mx, sym, shape, [mx.cpu(0), mx.cpu(1)], data)}
        if name == 'mlp':
            steps.update(raw_tf_steps(tf, x, y))
        times = {k: [] for k in steps}
        for k, step in steps.items():      # compile and warm up
            for i in range(3):
                step(i)
        for _ in range(args.rounds):
            for k, step in steps.items():
                times[k].append(timed(step, args.batches))
        med = {k: statistics.median(w for w, _ in v) for k, v in times.items()}
        cpu = {k: statistics.median(c for _, c in v) for k, v in times.items()}
        for k, t in med.items():
            print('%-8s %-13s %8.1f samples/s  %6.2f ms/batch  (CPU %6.2f ms/batch)'
                  % (name, k, n / t, t * 1e3, cpu[k] * 1e3))
        print('%-8s tfmod 2 replicas / 1 device: wall time ratio = %.2f, CPU time ratio = %.2f'
              % (name, med['2 replicas'] / med['1 device'], cpu['2 replicas'] / cpu['1 device']))
        if 'tf 2 devices' in med:
            print('%-8s hand-written tf.function 2 devices / 1 device: wall %.2f, CPU %.2f' % (
                name, med['tf 2 devices'] / med['tf 1 device'],
                cpu['tf 2 devices'] / cpu['tf 1 device']))


if __name__ == '__main__':
    main()
