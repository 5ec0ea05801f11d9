"""The four benchmark workloads, written once for bench_predict.py and bench_train.py: an MLP
784-512-512-10 at batch 128, LeNet at batch 64, a CIFAR ResNet-20 at batch 32, and a bucketed LSTM
language model (batch 32, sequence lengths 10/20/30 taking turns) -- each against the MXNet API
(run by tfmod and by MXNet 1.9.1) and as the plain-TensorFlow baseline a TF user would write
(channels-last convolutions, fused BatchNorm), so a ratio against it measures what tfmod adds on
top of TF. Also the two benchmarks' shared timing (``timed``) and command line (``run_all``: one
process per implementation and workload, interleaved).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

from bench_bucketing import lm_sym_gen, tf_lm_logits

WORKLOADS = {'mlp': (128, (784,)), 'lenet': (64, (1, 28, 28)), 'resnet20': (32, (3, 32, 32)),
             'lstm': (32, None)}
V, E, H = 200, 64, 128
LENGTHS = (10, 20, 30)
NB = 8      # distinct batches per workload


# -- the networks, once against the MXNet API --------------------------------------------------
def mlp(mx):
    h = mx.sym.Variable('data')
    for k, n in enumerate((512, 512)):
        h = mx.sym.Activation(mx.sym.FullyConnected(h, num_hidden=n, name='fc%d' % k), 'relu')
    return mx.sym.SoftmaxOutput(mx.sym.FullyConnected(h, num_hidden=10, name='out'),
                                name='softmax')


def lenet(mx):
    h = mx.sym.Variable('data')
    for k, f in enumerate((20, 50)):
        h = mx.sym.Convolution(h, kernel=(5, 5), num_filter=f, name='conv%d' % k)
        h = mx.sym.Activation(h, act_type='tanh')
        h = mx.sym.Pooling(h, pool_type='max', kernel=(2, 2), stride=(2, 2))
    h = mx.sym.Activation(mx.sym.FullyConnected(mx.sym.Flatten(h), num_hidden=500, name='fc1'),
                          act_type='tanh')
    return mx.sym.SoftmaxOutput(mx.sym.FullyConnected(h, num_hidden=10, name='fc2'),
                                name='softmax')


def resnet20(mx):
    def conv_bn(x, f, stride, name, relu=True):
        x = mx.sym.Convolution(x, kernel=(3, 3), stride=(stride, stride), pad=(1, 1),
                               num_filter=f, no_bias=True, name=name + '_conv')
        x = mx.sym.BatchNorm(x, fix_gamma=False, eps=1e-5, momentum=0.9, name=name + '_bn')
        return mx.sym.Activation(x, act_type='relu') if relu else x
    x = conv_bn(mx.sym.Variable('data'), 16, 1, 'stem')
    for s, f in enumerate((16, 32, 64)):
        for b in range(3):
            stride = 2 if s > 0 and b == 0 else 1
            name = 's%db%d' % (s, b)
            y = conv_bn(conv_bn(x, f, stride, name + 'a'), f, 1, name + 'b', relu=False)
            if stride != 1:
                x = mx.sym.Convolution(x, kernel=(1, 1), stride=(2, 2), num_filter=f,
                                       no_bias=True, name=name + '_down')
            x = mx.sym.Activation(x + y, act_type='relu')
    x = mx.sym.Pooling(x, global_pool=True, pool_type='avg', kernel=(8, 8))
    return mx.sym.SoftmaxOutput(mx.sym.FullyConnected(mx.sym.Flatten(x), num_hidden=10,
                                                      name='fc'), name='softmax')


def lstm_gen(mx):
    cell = mx.rnn.SequentialRNNCell()
    cell.add(mx.rnn.LSTMCell(num_hidden=H, prefix='lstm_l0_'))
    return lm_sym_gen(mx, cell, V, E, H)


def make_batches(name):
    r = np.random.RandomState(0)
    bs, shape = WORKLOADS[name]
    if name == 'lstm':
        out = []
        for k in range(NB):
            t = LENGTHS[k % len(LENGTHS)]
            d = r.randint(1, V, (bs, t)).astype(np.float32)
            lab = np.zeros_like(d)
            lab[:, :-1] = d[:, 1:]
            out.append((d, lab))
        return out
    return [(r.rand(bs, *shape).astype(np.float32),
             r.randint(0, 10, bs).astype(np.float32)) for _ in range(NB)]


NETS = {'mlp': mlp, 'lenet': lenet, 'resnet20': resnet20, 'lstm': lstm_gen}


def bound_module(mx, name, for_training):
    """The workload's Module (a BucketingModule for the LSTM, its default bucket the longest),
    bound on CPU with Xavier-initialised parameters, and a ``batch(data, label)`` -> DataBatch
    maker for it (with the bucket key and shapes the LSTM's buckets need)."""
    bs = WORKLOADS[name][0]
    if name == 'lstm':
        t0 = LENGTHS[-1]
        mod = mx.mod.BucketingModule(NETS['lstm'](mx), default_bucket_key=t0, context=mx.cpu())
        mod.bind([mx.io.DataDesc('data', (bs, t0))], [mx.io.DataDesc('softmax_label', (bs, t0))],
                 for_training=for_training)
    else:
        mod = mx.mod.Module(NETS[name](mx), context=mx.cpu())
        mod.bind([('data', (bs,) + WORKLOADS[name][1])], [('softmax_label', (bs,))],
                 for_training=for_training)
    mod.init_params(mx.init.Xavier())

    def batch(d, lab):
        if name == 'lstm':
            return mx.io.DataBatch([mx.nd.array(d)], [mx.nd.array(lab)], bucket_key=d.shape[1],
                                   provide_data=[mx.io.DataDesc('data', d.shape)],
                                   provide_label=[mx.io.DataDesc('softmax_label', lab.shape)])
        return mx.io.DataBatch([mx.nd.array(d)], [mx.nd.array(lab)])
    return mod, batch


# -- the plain-TF baselines ----------------------------------------------------------------------
def hand_net(name, batch, rng):
    """-> ``(params, forward)``: the trainable ``tf.Variable`` list and ``forward(x, training)``
    -> logits for an input laid out as MXNet feeds it (NCHW images, token ids); BatchNorm uses
    the batch statistics and updates its moving averages when ``training``."""
    import tensorflow as tf

    def var(*s):
        return tf.Variable(rng.uniform(-0.05, 0.05, s).astype(np.float32))

    def conv(x, w, stride=1, padding='SAME'):
        return tf.nn.conv2d(x, w, stride, padding)

    if name == 'mlp':
        ps = [var(784, 512), var(512), var(512, 512), var(512), var(512, 10), var(10)]

        def forward(x, training=False):
            h = tf.nn.relu(tf.matmul(x, ps[0]) + ps[1])
            h = tf.nn.relu(tf.matmul(h, ps[2]) + ps[3])
            return tf.matmul(h, ps[4]) + ps[5]
        return ps, forward
    if name == 'lenet':
        ps = [var(5, 5, 1, 20), var(20), var(5, 5, 20, 50), var(50), var(800, 500), var(500),
              var(500, 10), var(10)]

        def forward(x, training=False):
            h = tf.transpose(x, [0, 2, 3, 1])
            for k in range(2):
                h = tf.tanh(conv(h, ps[2 * k], padding='VALID') + ps[2 * k + 1])
                h = tf.nn.max_pool2d(h, 2, 2, 'VALID')
            h = tf.reshape(tf.transpose(h, [0, 3, 1, 2]), [batch, -1])
            h = tf.tanh(tf.matmul(h, ps[4]) + ps[5])
            return tf.matmul(h, ps[6]) + ps[7]
        return ps, forward
    if name == 'resnet20':
        trainable = []

        def cbn(cin, f):
            layer = [var(3, 3, cin, f), tf.Variable(tf.ones(f)), tf.Variable(tf.zeros(f)),
                     tf.Variable(tf.zeros(f), trainable=False),
                     tf.Variable(tf.ones(f), trainable=False)]
            trainable.extend(layer[:3])
            return layer

        def apply_cbn(x, p, stride, training, relu=True):
            y = conv(x, p[0], stride)
            if training:
                y, mean, variance = tf.compat.v1.nn.fused_batch_norm(y, p[1], p[2], epsilon=1e-5,
                                                                     is_training=True)
                p[3].assign(0.9 * p[3] + 0.1 * mean)
                p[4].assign(0.9 * p[4] + 0.1 * variance)
            else:
                y, _, _ = tf.compat.v1.nn.fused_batch_norm(y, p[1], p[2], p[3], p[4], 1e-5,
                                                           is_training=False)
            return tf.nn.relu(y) if relu else y
        stem = cbn(3, 16)
        blocks = []
        cin = 16
        for s, f in enumerate((16, 32, 64)):
            for b in range(3):
                stride = 2 if s > 0 and b == 0 else 1
                a, b_ = cbn(cin, f), cbn(f, f)
                down = var(1, 1, cin, f) if stride != 1 else None
                if down is not None:
                    trainable.append(down)
                blocks.append((stride, a, b_, down))
                cin = f
        fc = [var(64, 10), var(10)]
        trainable.extend(fc)

        def forward(x, training=False):
            h = apply_cbn(tf.transpose(x, [0, 2, 3, 1]), stem, 1, training)
            for stride, a, b_, down in blocks:
                y = apply_cbn(apply_cbn(h, a, stride, training), b_, 1, training, relu=False)
                if down is not None:
                    h = conv(h, down, 2, 'VALID')
                h = tf.nn.relu(h + y)
            h = tf.reduce_mean(h, [1, 2])
            return tf.matmul(h, fc[0]) + fc[1]
        return trainable, forward
    if name == 'lstm':
        ps = [var(V, E), var(4 * H, E), var(4 * H), var(4 * H, H), var(4 * H), var(V, H), var(V)]

        def forward(x, training=False):
            return tf_lm_logits(ps, x, batch, x.shape[1], H)
        return ps, forward
    raise ValueError('no hand-written network %r' % name)


# -- timing and the command line both benchmarks share ----------------------------------------
def timed(fn, seconds, samples):
    """(samples per wall second, samples per CPU second of this process) of fn(), over at least
    ``seconds`` after two warm calls: the best of three windows for the wall rate, since other
    processes on a shared machine only ever slow a window down; the CPU rate over all three
    (robust to that sharing; with 2 threads it can exceed the wall rate)."""
    fn()
    fn()
    best, total_n, cpu0 = 0.0, 0, time.process_time()
    for _ in range(3):
        n, tic = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            el = time.perf_counter() - tic
            if el >= seconds / 3 and n >= 3:
                break
        best = max(best, n * samples / el)
        total_n += n
    return best, total_n * samples / (time.process_time() - cpu0)


def _worker(impl, name, seconds, run_module, run_tf):
    if impl == 'tf':
        res = run_tf(name, seconds)
    elif impl == 'mxnet':
        import mxnet
        res = run_module(mxnet, name, seconds)
    else:
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
        import tfmod
        res = run_module(tfmod, name, seconds)
    res['rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return res


def run_all(script, doc, run_module, run_tf):
    """A workload benchmark's command line. As a worker (``--as-worker IMPL NAME``, internal) it
    runs one implementation on one workload and prints the result as JSON, returning None;
    otherwise every (workload, implementation) runs in a fresh process of its own, the
    implementations interleaved per workload, on ``--threads`` threads each, and it returns
    ``[(workload, {impl: result})]``. ``run_module(mx, name, seconds)`` times tfmod or MXNet,
    ``run_tf(name, seconds)`` the plain-TF baseline; each returns a dict of figures."""
    ap = argparse.ArgumentParser(description=doc.split('\n')[0])
    ap.add_argument('--seconds', type=float, default=3.0, help='timing window per measurement')
    ap.add_argument('--mxnet', default=None, help='python with MXNet 1.9.1 (for the reference)')
    ap.add_argument('--only', default=','.join(WORKLOADS))
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--as-worker', nargs=2, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.as_worker:
        print(json.dumps(_worker(args.as_worker[0], args.as_worker[1], args.seconds,
                                 run_module, run_tf)))
        return None
    n = str(args.threads)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3', OMP_NUM_THREADS=n, MXNET_CPU_WORKER_NTHREADS=n,
               TF_NUM_INTRAOP_THREADS=n, TF_NUM_INTEROP_THREADS='1')
    impls = [('tfmod', sys.executable), ('tf', sys.executable)]
    if args.mxnet:
        impls.append(('mxnet', args.mxnet))
    rows = []
    for name in args.only.split(','):
        res = {}
        for impl, py in impls:
            out = subprocess.run([py, os.path.abspath(script), '--as-worker', impl, name,
                                  '--seconds', str(args.seconds)], capture_output=True, text=True,
                                 env=env)
            if out.returncode:
                sys.stderr.write(out.stderr[-3000:])
                raise SystemExit('%s worker failed on %s' % (impl, name))
            res[impl] = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append((name, res))
    return rows
