"""Bucketing: memory after 5 vs N buckets, compile time per bucket, steady-state step time.

    python benchmarks/bench_bucketing.py [--buckets 50] [--mxnet PYTHON] [--cell lstm|fused]

An LSTM language model (vocabulary 200, embedding 32, one layer of 64 units, batch 16) meets
buckets of sequence length 2, 3, ..., N+1 one after the other, one SGD step each (for a new
bucket: bind, compile, step). Each implementation runs in its own process and reports
  * rss_5, rss_N: resident memory after the first 5 buckets and after all N (after gc), and
    (rss_N - rss_5) / (N - 5), the memory one more bucket costs. For tfmod that is the bucket's
    own executor (input arrays, compiled functions); parameters, gradients and optimizer states
    are shared by all buckets, so it is bounded by the compiled functions;
  * rss_again - rss_N: a second pass over all N buckets (nothing new) -- steady state, ~0;
  * compile: the mean time of a bucket's first step;
  * ms/step of lengths 5, N/2 and N+1 in steady state, the bucket changing every step as in
    training (forward + backward + update + reading the outputs, what fit does per batch).
Implementations: tfmod (BucketingModule, mx.rnn cells); tf (a hand-written tf.function per
sequence length: the same unrolled LSTM, loss and SGD-momentum update); mxnet (real MXNet 1.9.1
with --mxnet PYTHON). The report gives the ratios tfmod/tf and tfmod/mxnet from the same run.

``--cell fused`` uses mx.rnn.FusedRNNCell (the RNN op) instead of unrolled LSTMCells for tfmod
and MXNet. The unrolled default compiles slowly: the full 50-bucket run takes several minutes.
"""
import argparse
import gc
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
V, E, H, B = 200, 32, 64, 16
LR, MOM = 0.1, 0.9


def rss_mb():
    gc.collect()
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2 ** 20


def lengths(n):
    return list(range(2, n + 2))


def probe_lengths(n):
    return sorted({5, (n + 2) // 2, n + 1})


def batches(n):
    r = np.random.RandomState(0)
    out = {}
    for t in lengths(n):
        d = r.randint(1, V, (B, t)).astype(np.float32)
        lab = np.zeros_like(d)
        lab[:, :-1] = d[:, 1:]
        out[t] = (d, lab)
    return out


def drive(n, new_bucket_step, step):
    """The measurement common to every implementation."""
    res = {'rss_start': rss_mb()}
    compile_s = []
    for k, t in enumerate(lengths(n)):
        tic = time.perf_counter()
        new_bucket_step(t)
        compile_s.append(time.perf_counter() - tic)
        if k == 4:
            res['rss_5'] = rss_mb()
    res['rss_N'] = rss_mb()
    for t in lengths(n):
        step(t)
    res['rss_again'] = rss_mb()
    res['compile_s'] = float(np.mean(compile_s))
    probes = probe_lengths(n)
    times = {t: [] for t in probes}
    for _ in range(3):                       # warm
        for t in probes:
            step(t)
    for _ in range(30):
        for t in probes:
            tic = time.perf_counter()
            step(t)
            times[t].append(time.perf_counter() - tic)
    res['ms_per_step'] = {str(t): 1e3 * float(np.median(v)) for t, v in times.items()}
    return res


def lm_sym_gen(mx, stack, vocab, embed, hidden):
    """sym_gen(seq_len) of MXNet's lstm_bucketing.py language model (Embedding, ``stack``
    unrolled, FullyConnected, SoftmaxOutput), for tfmod or MXNet; bench_predict.py uses it too."""
    def sym_gen(seq_len):
        data = mx.sym.Variable('data')
        label = mx.sym.Variable('softmax_label')
        emb = mx.sym.Embedding(data=data, input_dim=vocab, output_dim=embed, name='embed')
        stack.reset()
        outputs, _ = stack.unroll(seq_len, inputs=emb, merge_outputs=True)
        pred = mx.sym.FullyConnected(mx.sym.Reshape(outputs, shape=(-1, hidden)),
                                     num_hidden=vocab, name='pred')
        pred = mx.sym.SoftmaxOutput(pred, mx.sym.Reshape(label, shape=(-1,)), name='softmax')
        return pred, ('data',), ('softmax_label',)
    return sym_gen


def tf_lm_logits(params, x, batch, steps, hidden):
    """The plain-TF baseline of that model: logits (batch * steps, vocabulary) of int ids ``x``
    (batch, steps) through the same unrolled LSTM as mx.rnn.LSTMCell (gates i, f, c, o);
    ``params`` = [embed, i2h_weight, i2h_bias, h2h_weight, h2h_bias, pred_weight, pred_bias]."""
    import tensorflow as tf
    emb, i2h_w, i2h_b, h2h_w, h2h_b, pred_w, pred_b = params
    e = tf.gather(emb, tf.cast(x, tf.int32))
    h = tf.zeros((batch, hidden))
    c = tf.zeros((batch, hidden))
    outs = []
    for k in range(steps):
        g = tf.matmul(e[:, k], i2h_w, transpose_b=True) + i2h_b + \
            tf.matmul(h, h2h_w, transpose_b=True) + h2h_b
        i, f, gg, o = tf.split(g, 4, axis=1)
        c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(gg)
        h = tf.sigmoid(o) * tf.tanh(c)
        outs.append(h)
    out = tf.reshape(tf.stack(outs, axis=1), (-1, hidden))
    return tf.matmul(out, pred_w, transpose_b=True) + pred_b


def run_module(mx, n, cell):
    """tfmod or MXNet: a BucketingModule language model (MXNet's lstm_bucketing.py, small)."""
    if cell == 'fused':
        stack = mx.rnn.FusedRNNCell(H, num_layers=1, mode='lstm', prefix='lstm_')
    else:
        stack = mx.rnn.SequentialRNNCell()
        stack.add(mx.rnn.LSTMCell(num_hidden=H, prefix='lstm_l0_'))
    sym_gen = lm_sym_gen(mx, stack, V, E, H)
    data = batches(n)
    first = lengths(n)[0]
    mod = mx.mod.BucketingModule(sym_gen, default_bucket_key=first, context=mx.cpu())
    mod.bind([mx.io.DataDesc('data', (B, first))], [mx.io.DataDesc('softmax_label', (B, first))])
    mod.init_params(mx.init.Xavier())
    mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': LR,
                                                          'momentum': MOM})
    nd = {t: mx.io.DataBatch([mx.nd.array(d)], [mx.nd.array(lab)], bucket_key=t,
                             provide_data=[mx.io.DataDesc('data', d.shape)],
                             provide_label=[mx.io.DataDesc('softmax_label', lab.shape)])
          for t, (d, lab) in data.items()}

    def step(t):
        mod.forward_backward(nd[t])
        mod.update()
        mod.get_outputs()[0].asnumpy()
    res = drive(n, step, step)
    res['buckets'] = len(mod._buckets)
    return res


def run_tf(n):
    """A hand-written TF2 version: one tf.function per sequence length (as a bucket)."""
    import tensorflow as tf
    r = np.random.RandomState(1)

    def var(*s):
        return tf.Variable(r.uniform(-0.1, 0.1, s).astype(np.float32))
    params = [var(V, E), var(4 * H, E), var(4 * H), var(4 * H, H), var(4 * H), var(V, H), var(V)]
    moms = [tf.Variable(tf.zeros_like(p)) for p in params]

    def make(t):
        @tf.function
        def train_step(x, y):
            with tf.GradientTape() as tape:
                logits = tf_lm_logits(params, x, B, t, H)
                loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(
                    tf.cast(tf.reshape(y, (-1,)), tf.int32), logits))
            grads = tape.gradient(loss, params)
            for p, m, g in zip(params, moms, grads):
                g = tf.convert_to_tensor(g)
                m.assign(MOM * m - LR * g / B)
                p.assign_add(m)
            return tf.nn.softmax(logits)
        return train_step
    data = {t: (tf.constant(d), tf.constant(lab)) for t, (d, lab) in batches(n).items()}
    fns = {}

    def step(t):
        if t not in fns:
            fns[t] = make(t)
        fns[t](*data[t]).numpy()
    res = drive(n, step, step)
    res['buckets'] = len(fns)
    return res


def worker(impl, n, cell):
    if impl == 'tf':
        return run_tf(n)
    if impl == 'mxnet':
        import mxnet
        return run_module(mxnet, n, cell)
    sys.path.insert(0, os.path.join(HERE, '..'))
    import tfmod
    return run_module(tfmod, n, cell)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--buckets', type=int, default=50)
    ap.add_argument('--cell', choices=('lstm', 'fused'), default='lstm')
    ap.add_argument('--mxnet', default=None, help='python with MXNet 1.9.1 (for the reference)')
    ap.add_argument('--skip-tf', action='store_true')
    ap.add_argument('--as-worker', default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.buckets < 6:
        ap.error('--buckets must be at least 6')
    if args.as_worker:
        print(json.dumps(worker(args.as_worker, args.buckets, args.cell)))
        return
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2')
    runs = [('tfmod', sys.executable)]
    if not args.skip_tf:
        runs.append(('tf', sys.executable))
    if args.mxnet:
        runs.append(('mxnet', args.mxnet))
    results = {}
    for impl, py in runs:
        tic = time.time()
        out = subprocess.run([py, os.path.abspath(__file__), '--as-worker', impl, '--buckets',
                              str(args.buckets), '--cell', args.cell], capture_output=True,
                             text=True, env=env)
        if out.returncode:
            sys.stderr.write(out.stderr[-3000:])
            raise SystemExit('%s worker failed' % impl)
        results[impl] = json.loads(out.stdout.strip().splitlines()[-1])
        results[impl]['wall_s'] = time.time() - tic
    n = args.buckets
    print('%d buckets (sequence lengths 2..%d), %s cells, batch %d, hidden %d'
          % (n, n + 1, args.cell, B, H))
    print('%-6s %9s %9s %9s %11s %11s %10s  %s' % (
        'impl', 'rss_5 MB', 'rss_N MB', 'MB/bucket', 'again-N MB', 'compile s', 'total s',
        'steady ms/step by length'))
    for impl, r in results.items():
        per = (r['rss_N'] - r['rss_5']) / (n - 5)
        steps = '  '.join('T=%s: %.2f' % (t, v) for t, v in r['ms_per_step'].items())
        print('%-6s %9.1f %9.1f %9.2f %11.1f %11.2f %10.1f  %s' % (
            impl, r['rss_5'], r['rss_N'], per, r['rss_again'] - r['rss_N'], r['compile_s'],
            r['wall_s'], steps))
    base = results['tfmod']
    for ref in ('tf', 'mxnet'):
        if ref not in results:
            continue
        r = results[ref]
        ratios = '  '.join('T=%s: %.2f' % (t, base['ms_per_step'][t] / r['ms_per_step'][t])
                           for t in base['ms_per_step'])
        mem = ((base['rss_N'] - base['rss_5']) / max(r['rss_N'] - r['rss_5'], 1e-9))
        print('tfmod/%s: step time %s; memory growth 5->%d buckets %.2fx; compile %.2fx'
              % (ref, ratios, n, mem, base['compile_s'] / max(r['compile_s'], 1e-9)))


if __name__ == '__main__':
    main()
