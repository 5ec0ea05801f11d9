"""Prediction throughput and start-up: tfmod Module vs a hand-written tf.function (and MXNet).

    python benchmarks/bench_predict.py [--seconds 3] [--mxnet PYTHON] [--only mlp,lenet,...]

Four workloads written once against the MXNet API: an MLP 784-512-512-10 at batch 128, LeNet at
batch 64, a CIFAR ResNet-20 at batch 32, and a bucketed LSTM language model (batch 32, sequence
lengths 10/20/30 taking turns). Each (implementation, workload) runs in a fresh process, the
implementations interleaved per workload, and reports
  * start-up: bind + init_params + the first inference batch (outputs read to host);
  * forward: steady samples/s of forward(is_train=False) + reading the outputs to numpy, batch
    after batch (what score and the eval pass of fit do per batch);
  * predict: samples/s of Module.predict over an NDArrayIter of 8 batches (merged outputs);
  * peak RSS of the process.
Implementations: tfmod (Module / BucketingModule), tf (a hand-written tf.function inference
function of the same network, one per sequence length for the LSTM; its 'predict' also concats
the batches' outputs), mxnet (real MXNet 1.9.1, only with --mxnet PYTHON). Ratios tfmod/tf and
tfmod/mxnet are of samples/s (higher is better for tfmod) and of start-up seconds.
"""
import time

import numpy as np

from workloads import NB, WORKLOADS, bound_module, hand_net, make_batches, run_all, timed



# -- tfmod or MXNet -----------------------------------------------------------------------------
def run_module(mx, name, seconds):
    batches = make_batches(name)
    bs = WORKLOADS[name][0]
    tic, cpu = time.perf_counter(), time.process_time()
    mod, batch = bound_module(mx, name, for_training=False)
    first = batch(*batches[-1] if name == 'lstm' else batches[0])
    mod.forward(first, is_train=False)
    mod.get_outputs()[0].asnumpy()
    startup = (time.perf_counter() - tic, time.process_time() - cpu)
    nd_batches = [batch(d, lab) for d, lab in batches]
    for b in nd_batches:        # every bucket compiled before timing
        mod.forward(b, is_train=False)
        mod.get_outputs()[0].asnumpy()
    state = {'i': 0}

    def fwd():
        b = nd_batches[state['i'] % NB]
        state['i'] += 1
        mod.forward(b, is_train=False)
        mod.get_outputs()[0].asnumpy()
    res = {'startup_s': startup, 'forward': timed(fwd, seconds, bs)}
    if name != 'lstm':
        it = mx.io.NDArrayIter(np.concatenate([d for d, _ in batches]),
                               np.concatenate([lab for _, lab in batches]), batch_size=bs)

        def pred():
            mod.predict(it).asnumpy()
        res['predict'] = timed(pred, seconds, bs * NB)
    return res


# -- the hand-written TF reference ----------------------------------------------------------------
def run_tf(name, seconds):
    import tensorflow as tf
    r = np.random.RandomState(1)
    batches = make_batches(name)
    bs = WORKLOADS[name][0]
    tic, cpu = time.perf_counter(), time.process_time()
    _, logits = hand_net(name, bs, r)

    def net(x):
        return tf.nn.softmax(logits(x))
    fns = {}

    def infer(x):
        key = tuple(x.shape)
        if key not in fns:
            fns[key] = tf.function(net).get_concrete_function(
                tf.TensorSpec(key, tf.float32))
        return fns[key](x)
    first = batches[-1][0] if name == 'lstm' else batches[0][0]
    infer(tf.constant(first)).numpy()
    startup = (time.perf_counter() - tic, time.process_time() - cpu)
    tb = [tf.constant(d) for d, _ in batches]
    for x in tb:
        infer(x).numpy()
    state = {'i': 0}

    def fwd():
        x = tb[state['i'] % NB]
        state['i'] += 1
        infer(x).numpy()
    res = {'startup_s': startup, 'forward': timed(fwd, seconds, bs)}
    if name != 'lstm':
        def pred():
            tf.concat([infer(x) for x in tb], 0).numpy()
        res['predict'] = timed(pred, seconds, bs * NB)
    return res


def main():
    rows = run_all(__file__, __doc__, run_module, run_tf)
    if rows is None:
        return
    print('samples/s, best wall window / per CPU-second (higher is better); start-up = bind + '
          'init_params + first batch, wall / CPU seconds')
    print('%-9s %-6s %15s %15s %13s %7s' % ('workload', 'impl', 'forward', 'predict',
                                            'start-up s', 'RSS MB'))
    for name, res in rows:
        for impl, r in res.items():
            pr = '%7.0f/%-7.0f' % tuple(r['predict']) if 'predict' in r else '-'
            print('%-9s %-6s %7.0f/%-7.0f %15s %6.2f/%-6.2f %7.0f' % (
                name, impl, r['forward'][0], r['forward'][1], pr, r['startup_s'][0],
                r['startup_s'][1], r['rss_mb']))
    print()
    print('Ratios of samples/s (tfmod / reference; wall, CPU); start-up wall (CPU) seconds')
    print('| workload | forward tfmod/tf | predict tfmod/tf | forward tfmod/MXNet | '
          'predict tfmod/MXNet | start-up tfmod / tf / MXNet |')
    print('|---|---|---|---|---|---|')

    def ratio(a, b, key):
        if b is None or key not in a or key not in b:
            return '-'
        return '%.2fx (%.2fx)' % (a[key][0] / b[key][0], a[key][1] / b[key][1])

    def st(r):
        return '%.2f (%.2f)' % tuple(r['startup_s']) if r else '-'
    for name, res in rows:
        t, f, m = res['tfmod'], res['tf'], res.get('mxnet')
        print('| %s | %s | %s | %s | %s | %s / %s / %s |' % (
            name, ratio(t, f, 'forward'), ratio(t, f, 'predict'), ratio(t, m, 'forward'),
            ratio(t, m, 'predict'), st(t), st(f), st(m)))


if __name__ == '__main__':
    main()
