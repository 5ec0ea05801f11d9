"""Training throughput and start-up: tfmod Module vs a hand-written tf.function step (and MXNet).

    python benchmarks/bench_train.py [--seconds 3] [--mxnet PYTHON] [--only mlp,lenet,...]

The four workloads of bench_predict.py (workloads.py: MLP, LeNet, ResNet-20, bucketed LSTM LM),
trained with SGD (lr 0.01, momentum 0.9, wd 1e-4) on 8 fixed random batches. Each
(implementation, workload) runs in a fresh process, implementations interleaved per workload:
  * start-up: bind + init_params + init_optimizer + the first training step (outputs read);
  * train: steady samples/s of what ``fit`` does per batch -- forward_backward, update, and the
    metric's read of the outputs -- (the LSTM switching bucket every batch);
  * peak RSS of the process.
Implementations: tfmod (Module / BucketingModule), tf (a hand-written tf.function training step
of the same network and update, one per sequence length for the LSTM), mxnet (real MXNet 1.9.1,
only with --mxnet PYTHON). Ratios are of samples/s (higher is better for tfmod).
"""
import time

import numpy as np

from workloads import NB, WORKLOADS, bound_module, hand_net, make_batches, run_all, timed

LR, MOM, WD = 0.01, 0.9, 1e-4


def run_module(mx, name, seconds):
    batches = make_batches(name)
    bs = WORKLOADS[name][0]
    tic, cpu = time.perf_counter(), time.process_time()
    mod, batch = bound_module(mx, name, for_training=True)
    mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': LR, 'momentum': MOM,
                                                          'wd': WD})

    def step(b):
        mod.forward_backward(b)
        mod.update()
        mod.get_outputs()[0].asnumpy()      # what the training metric reads each batch
    nd_batches = [batch(d, lab) for d, lab in batches]
    step(nd_batches[-1] if name == 'lstm' else nd_batches[0])
    startup = (time.perf_counter() - tic, time.process_time() - cpu)
    for b in nd_batches:        # every bucket compiled before timing
        step(b)
    state = {'i': 0}

    def train():
        step(nd_batches[state['i'] % NB])
        state['i'] += 1
    return {'startup_s': startup, 'train': timed(train, seconds, bs)}


def run_tf(name, seconds):
    import tensorflow as tf
    batches = make_batches(name)
    bs = WORKLOADS[name][0]
    tic, cpu = time.perf_counter(), time.process_time()
    params, logits = hand_net(name, bs, np.random.RandomState(1))
    moms = [tf.Variable(tf.zeros_like(p)) for p in params]

    def train_step(x, y):
        with tf.GradientTape() as tape:
            z = logits(x, training=True)
            loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(
                tf.reshape(tf.cast(y, tf.int32), [-1]), z))
        for p, m, g in zip(params, moms, tape.gradient(loss, params)):
            g = tf.convert_to_tensor(g)     # the embedding's gradient comes as IndexedSlices
            m.assign(MOM * m - LR * WD * p - LR * g / bs)
            p.assign_add(m)
        return tf.nn.softmax(z)
    fns = {}

    def run(x, y):
        key = tuple(x.shape)
        if key not in fns:
            fns[key] = tf.function(train_step).get_concrete_function(
                tf.TensorSpec(key, tf.float32), tf.TensorSpec(tuple(y.shape), tf.float32))
        return fns[key](x, y)
    tb = [(tf.constant(d), tf.constant(lab)) for d, lab in batches]
    run(*(tb[-1] if name == 'lstm' else tb[0])).numpy()
    startup = (time.perf_counter() - tic, time.process_time() - cpu)
    for b in tb:
        run(*b).numpy()
    state = {'i': 0}

    def train():
        run(*tb[state['i'] % NB]).numpy()
        state['i'] += 1
    return {'startup_s': startup, 'train': timed(train, seconds, bs)}


def main():
    rows = run_all(__file__, __doc__, run_module, run_tf)
    if rows is None:
        return
    print('training samples/s, best wall window / per CPU-second (higher is better); start-up = '
          'bind + init + the first step, wall / CPU seconds')
    print('%-9s %-6s %15s %13s %7s' % ('workload', 'impl', 'train', 'start-up s', 'RSS MB'))
    for name, res in rows:
        for impl, r in res.items():
            print('%-9s %-6s %7.0f/%-7.0f %6.2f/%-6.2f %7.0f' % (
                name, impl, r['train'][0], r['train'][1], r['startup_s'][0], r['startup_s'][1],
                r['rss_mb']))
    print()
    print('| workload | train tfmod/tf | train tfmod/MXNet | start-up tfmod / tf / MXNet | '
          'RSS MB tfmod / tf / MXNet |')
    print('|---|---|---|---|---|')

    def ratio(a, b):
        if b is None:
            return '-'
        return '%.2fx (%.2fx)' % (a['train'][0] / b['train'][0], a['train'][1] / b['train'][1])

    def st(r):
        return '%.2f (%.2f)' % tuple(r['startup_s']) if r else '-'

    def rss(r):
        return '%.0f' % r['rss_mb'] if r else '-'
    for name, res in rows:
        t, f, m = res['tfmod'], res['tf'], res.get('mxnet')
        print('| %s | %s | %s | %s / %s / %s | %s / %s / %s |' % (
            name, ratio(t, f), ratio(t, m), st(t), st(f), st(m), rss(t), rss(f), rss(m)))


if __name__ == '__main__':
    main()
