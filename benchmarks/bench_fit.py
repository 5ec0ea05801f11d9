"""Training throughput: tfmod's Module against a hand-written tf.function loop (and MXNet).

    python benchmarks/bench_fit.py [--batches 200] [--mxnet PYTHON]

For an MLP and a small conv net, on the same random data and batch size, it times steady-state
training steps (compilation is timed separately) of:
  * tfmod  -- Module.forward_backward + update per batch (what fit does), one compiled call;
  * tf     -- a hand-written tf.function step (same math: softmax cross-entropy gradient,
              SGD with momentum and weight decay), the best plain TF can do;
  * mxnet  -- real MXNet 1.9.1 Module (only with --mxnet PYTHON, run in that interpreter).
and prints per-batch times and the ratios tfmod/tf and tfmod/mxnet, measured in one run.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
BATCH = 64


def nets(mx):
    data = mx.sym.Variable('data')
    h = mx.sym.FullyConnected(data, num_hidden=256, name='fc1')
    h = mx.sym.Activation(h, act_type='relu', name='relu1')
    h = mx.sym.FullyConnected(h, num_hidden=256, name='fc2')
    h = mx.sym.Activation(h, act_type='relu', name='relu2')
    h = mx.sym.FullyConnected(h, num_hidden=10, name='fc3')
    mlp = mx.sym.SoftmaxOutput(h, name='softmax')
    c = mx.sym.Convolution(data, num_filter=16, kernel=(3, 3), pad=(1, 1), name='conv1')
    c = mx.sym.Activation(c, act_type='relu')
    c = mx.sym.Pooling(c, kernel=(2, 2), stride=(2, 2), pool_type='max')
    c = mx.sym.Convolution(c, num_filter=32, kernel=(3, 3), pad=(1, 1), name='conv2')
    c = mx.sym.BatchNorm(c, name='bn2')
    c = mx.sym.Activation(c, act_type='relu')
    c = mx.sym.Pooling(c, kernel=(2, 2), stride=(2, 2), pool_type='max')
    c = mx.sym.FullyConnected(mx.sym.Flatten(c), num_hidden=10, name='fc')
    conv = mx.sym.SoftmaxOutput(c, name='softmax')
    return {'mlp': (mlp, (BATCH, 784)), 'convnet': (conv, (BATCH, 1, 28, 28))}


def make_data(shape, n):
    rng = np.random.RandomState(0)
    x = rng.rand(n, *shape[1:]).astype(np.float32)
    y = rng.randint(0, 10, size=n).astype(np.float32)
    return x, y


def run_module(mx, name, batches):
    """Time Module training steps in this interpreter (tfmod or MXNet)."""
    sym, shape = nets(mx)[name]
    x, y = make_data(shape, BATCH * 8)
    mod = mx.mod.Module(sym, context=mx.cpu())
    mod.bind([('data', shape)], [('softmax_label', (BATCH,))])
    mod.init_params(mx.init.Xavier())
    mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.01,
                                                          'momentum': 0.9, 'wd': 1e-4})
    data = [mx.io.DataBatch([mx.nd.array(x[i * BATCH:(i + 1) * BATCH])],
                            [mx.nd.array(y[i * BATCH:(i + 1) * BATCH])]) for i in range(8)]

    def step(i):
        b = data[i % 8]
        mod.forward_backward(b)
        mod.update()
        mod.get_outputs()[0].asnumpy()  # what the metric reads each batch
    tic = time.perf_counter()
    step(0)
    compile_s = time.perf_counter() - tic
    for i in range(5):
        step(i)
    tic = time.perf_counter()
    for i in range(batches):
        step(i)
    return compile_s, (time.perf_counter() - tic) / batches


def run_tf(name, batches):
    """A hand-written TF2 training step for the same network and optimizer."""
    import tensorflow as tf
    _, shape = nets(__import__('tfmod'))[name]
    x, y = make_data(shape, BATCH * 8)
    rng = np.random.RandomState(1)

    def var(*s):
        return tf.Variable(rng.uniform(-0.05, 0.05, s).astype(np.float32))
    if name == 'mlp':
        params = [var(784, 256), var(256), var(256, 256), var(256), var(256, 10), var(10)]

        def forward(xb, training):
            h = tf.nn.relu(tf.matmul(xb, params[0]) + params[1])
            h = tf.nn.relu(tf.matmul(h, params[2]) + params[3])
            return tf.matmul(h, params[4]) + params[5]
    else:
        params = [var(3, 3, 1, 16), var(16), var(3, 3, 16, 32), var(32), tf.Variable(tf.ones(32)),
                  tf.Variable(tf.zeros(32)), var(7 * 7 * 32, 10), var(10)]
        mm = tf.Variable(tf.zeros(32), trainable=False)
        mv = tf.Variable(tf.ones(32), trainable=False)

        def forward(xb, training):
            h = tf.transpose(xb, [0, 2, 3, 1])
            h = tf.nn.relu(tf.nn.conv2d(h, params[0], 1, 'SAME') + params[1])
            h = tf.nn.max_pool2d(h, 2, 2, 'VALID')
            h = tf.nn.conv2d(h, params[2], 1, 'SAME') + params[3]
            mean, var_ = tf.nn.moments(h, [0, 1, 2])
            mm.assign(0.9 * mm + 0.1 * mean)
            mv.assign(0.9 * mv + 0.1 * var_)
            h = tf.nn.relu(tf.nn.batch_normalization(h, mean, var_, params[5], params[4], 1e-3))
            h = tf.nn.max_pool2d(h, 2, 2, 'VALID')
            h = tf.reshape(tf.transpose(h, [0, 3, 1, 2]), [BATCH, -1])
            return tf.matmul(h, params[6]) + params[7]
    moms = [tf.Variable(tf.zeros_like(p)) for p in params]

    @tf.function
    def train_step(xb, yb):
        with tf.GradientTape() as tape:
            logits = forward(xb, True)
            loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(
                tf.cast(yb, tf.int32), logits))
        grads = tape.gradient(loss, params)
        for p, m, g in zip(params, moms, grads):
            m.assign(0.9 * m - 0.01 * 1e-4 * p - 0.01 * g / BATCH)
            p.assign_add(m)
        return tf.nn.softmax(logits)
    data = [(tf.constant(x[i * BATCH:(i + 1) * BATCH]), tf.constant(y[i * BATCH:(i + 1) * BATCH]))
            for i in range(8)]
    tic = time.perf_counter()
    train_step(*data[0]).numpy()
    compile_s = time.perf_counter() - tic
    for i in range(5):
        train_step(*data[i % 8]).numpy()
    tic = time.perf_counter()
    for i in range(batches):
        train_step(*data[i % 8]).numpy()
    return compile_s, (time.perf_counter() - tic) / batches


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--batches', type=int, default=200)
    ap.add_argument('--mxnet', default=None, help='python with MXNet 1.9.1 (for the reference)')
    ap.add_argument('--as-mxnet-worker', default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.as_mxnet_worker:
        import mxnet
        print(json.dumps(run_module(mxnet, args.as_mxnet_worker, args.batches)))
        return
    sys.path.insert(0, os.path.join(HERE, '..'))
    import tfmod
    rows = []
    for name in ('mlp', 'convnet'):
        tc, tstep = run_module(tfmod, name, args.batches)
        rc, rstep = run_tf(name, args.batches)
        row = {'net': name, 'tfmod_ms': tstep * 1e3, 'tf_ms': rstep * 1e3,
               'tfmod_compile_s': tc, 'tf_compile_s': rc, 'tfmod/tf': tstep / rstep}
        if args.mxnet:
            out = subprocess.run([args.mxnet, os.path.abspath(__file__), '--batches',
                                  str(args.batches), '--as-mxnet-worker', name],
                                 capture_output=True, text=True, check=True)
            mc, mstep = json.loads(out.stdout.strip().splitlines()[-1])
            row.update({'mxnet_ms': mstep * 1e3, 'tfmod/mxnet': tstep / mstep})
        rows.append(row)
    for r in rows:
        line = ('%-8s tfmod %7.2f ms/batch (compile %.2fs)  tf.function %7.2f ms/batch '
                '(compile %.2fs)  ratio tfmod/tf = %.2f'
                % (r['net'], r['tfmod_ms'], r['tfmod_compile_s'], r['tf_ms'],
                   r['tf_compile_s'], r['tfmod/tf']))
        if 'mxnet_ms' in r:
            line += '  mxnet %7.2f ms/batch  ratio tfmod/mxnet = %.2f' % (r['mxnet_ms'],
                                                                          r['tfmod/mxnet'])
        print(line)


if __name__ == '__main__':
    main()
