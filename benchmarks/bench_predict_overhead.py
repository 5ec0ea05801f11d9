"""Per-batch overhead of the inference paths: a network so small that its compiled call costs
next to nothing, so what is measured is what tfmod adds around it.

    python benchmarks/bench_predict_overhead.py [--rounds 5] [--batches 2000]

Module.forward(is_train=False) + reading the output, Module.predict, iter_predict and score
(Accuracy) over an NDArrayIter of 8 batches, against a hand-written tf.function of the same
network (called per batch and read, or called per batch and its outputs concatenated once).
All paths run in one process, interleaved round by round; reported: the median over rounds of
process CPU microseconds per batch (robust to other processes sharing the machine).
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
BS, NB, FEAT, CLASSES = 8, 8, 16, 4


def paths():
    import tensorflow as tf
    import tfmod as mx
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(mx.sym.Variable('data'),
                                                     num_hidden=CLASSES, name='fc'),
                               name='softmax')
    mod = mx.mod.Module(net, context=mx.cpu())
    mod.bind([('data', (BS, FEAT))], [('softmax_label', (BS,))], for_training=False)
    mod.init_params(mx.init.Xavier())
    r = np.random.RandomState(0)
    x = r.rand(NB * BS, FEAT).astype(np.float32)
    y = r.randint(0, CLASSES, NB * BS).astype(np.float32)
    batches = [mx.io.DataBatch([mx.nd.array(x[i * BS:(i + 1) * BS])],
                               [mx.nd.array(y[i * BS:(i + 1) * BS])]) for i in range(NB)]
    it = mx.io.NDArrayIter(x, y, batch_size=BS)
    acc = mx.metric.create('acc')
    w = tf.Variable(r.rand(FEAT, CLASSES).astype(np.float32))
    b = tf.Variable(np.zeros(CLASSES, np.float32))
    hand = tf.function(lambda t: tf.nn.softmax(tf.matmul(t, w) + b)).get_concrete_function(
        tf.TensorSpec((BS, FEAT)))
    tx = [tf.constant(x[i * BS:(i + 1) * BS]) for i in range(NB)]
    state = {'i': 0}

    def forward():
        mod.forward(batches[state['i'] % NB], is_train=False)
        state['i'] += 1
        mod.get_outputs()[0].asnumpy()

    def hand_forward():
        hand(tx[state['i'] % NB]).numpy()
        state['i'] += 1

    def iter_predict():
        for outs, _, _ in mod.iter_predict(it):
            outs[0].asnumpy()
    # (callable, batches per call)
    return {'forward': (forward, 1), 'hand forward': (hand_forward, 1),
            'predict': (lambda: mod.predict(it).asnumpy(), NB),
            'hand predict': (lambda: tf.concat([hand(t) for t in tx], 0).numpy(), NB),
            'iter_predict': (iter_predict, NB), 'score': (lambda: mod.score(it, acc), NB)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--batches', type=int, default=2000, help='batches per path per round')
    args = ap.parse_args()
    fns = paths()
    for fn, _ in fns.values():
        for _ in range(20):
            fn()
    res = {k: [] for k in fns}
    for _ in range(args.rounds):
        for k, (fn, per) in fns.items():
            n = max(1, args.batches // per)
            cpu = time.process_time()
            for _ in range(n):
                fn()
            res[k].append((time.process_time() - cpu) / (n * per) * 1e6)
    print('CPU microseconds per batch (median of %d interleaved rounds)' % args.rounds)
    for k, v in res.items():
        print('%-14s %8.1f' % (k, float(np.median(v))))


if __name__ == '__main__':
    main()
