"""Long runs stay flat: memory and traces over 5,000 training batches (tfmod issue 16, part 6).

    python benchmarks/long_run_memory.py [--batches 5000] [--part module|bucketing|both]

* module    -- ``Module.fit`` of a small MLP (32-64-64-10, batch 32) on synthetic data, 250
               batches an epoch with a validation pass after each and a checkpoint (with
               optimizer states) every 5 epochs;
* bucketing -- ``BucketingModule.fit`` of an unrolled LSTM (``mx.rnn.LSTMCell``, buckets of 4,
               8 and 12 steps), 100 batches an epoch whose bucket changes 20 times.

Both run with ``mx.callback.NumericGuard`` and ``Speedometer`` as batch-end callbacks. Each
prints the resident set size (``VmRSS``) and its peak (``VmHWM``) after 1,000 batches and
after the last one, the growth between them, and the compiled-function counts after the first
epoch and at the end: the modules' own trace counters (executors and training steps) and the
number of functions registered in TensorFlow's eager context (which also catches a traced
function that a cache forgot and re-created). Flat means RSS within 5% and no new trace after
the first epoch.
"""
import argparse
import logging
import os
import sys
import tempfile
import time

import numpy as np

from bench_bucketing import lm_sym_gen

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..'))


def rss_mb():
    """(current, peak) resident set size of this process in MB, from /proc/self/status."""
    vals = {}
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(('VmRSS:', 'VmHWM:')):
                k, v = line.split(':')
                vals[k] = int(v.split()[0]) / 1024.0
    return vals['VmRSS'], vals['VmHWM']


def module_traces(mod):
    """Traces made by a Module's executors and training step (BucketingModule: every bucket)."""
    buckets = getattr(mod, '_buckets', None)
    if buckets is not None:
        return sum(module_traces(m) for m in buckets.values())
    n = sum(e.trace_count for e in mod._exec_group.execs)
    st = getattr(mod, '_train_step', None)
    return n + (st.trace_count if st is not None else 0)


def tf_functions():
    """Functions registered in TensorFlow's eager context (grows with every new trace)."""
    from tensorflow.python.eager import context
    return len(context.context().list_function_names())


class Probe:
    """Batch-end callback: RSS at the marked global batch counts, traces after epoch 0."""

    def __init__(self, mod, marks):
        self.mod, self.marks, self.count = mod, set(marks), 0
        self.rss, self.traces = {}, {}

    def __call__(self, param):
        self.count += 1
        if self.count in self.marks:
            self.rss[self.count] = rss_mb()
        if param.epoch == 1 and param.nbatch == 0:   # the first batch after epoch 0 (and eval)
            self.traces['epoch0'] = (module_traces(self.mod), tf_functions())

    def finish(self):
        self.traces['end'] = (module_traces(self.mod), tf_functions())


def run_module(mx, batches):
    per_epoch, bs = 250, 32
    rng = np.random.RandomState(0)
    x = rng.rand(per_epoch * bs, 32).astype(np.float32)
    y = rng.randint(0, 10, per_epoch * bs).astype(np.float32)
    train = mx.io.NDArrayIter(x, y, batch_size=bs)
    val = mx.io.NDArrayIter(x[:8 * bs], y[:8 * bs], batch_size=bs)
    d = mx.sym.Variable('data')
    h = mx.sym.Activation(mx.sym.FullyConnected(d, num_hidden=64, name='fc1'), act_type='relu')
    h = mx.sym.Activation(mx.sym.FullyConnected(h, num_hidden=64, name='fc2'), act_type='relu')
    sym = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(h, num_hidden=10, name='fc3'),
                               name='softmax')
    mod = mx.mod.Module(sym)
    probe = Probe(mod, (1000, batches))
    with tempfile.TemporaryDirectory() as tmp:
        mod.fit(train, eval_data=val, num_epoch=batches // per_epoch, optimizer='sgd',
                optimizer_params={'learning_rate': 0.01, 'momentum': 0.9},
                initializer=mx.init.Xavier(),
                epoch_end_callback=mx.callback.module_checkpoint(
                    mod, os.path.join(tmp, 'mlp'), period=5, save_optimizer_states=True),
                batch_end_callback=[probe, mx.callback.NumericGuard(),
                                    mx.callback.Speedometer(bs, 100)])
    probe.finish()
    return probe


class BucketIter:
    """Synthetic sequence batches; the bucket (sequence length) changes every 5 batches."""

    def __init__(self, mx, per_epoch, bs=16, buckets=(4, 8, 12), run=5):
        rng = np.random.RandomState(1)
        self.batches = []
        for i in range(per_epoch):
            t = buckets[(i // run) % len(buckets)]
            self.batches.append(mx.io.DataBatch(
                [mx.nd.array(rng.randint(1, 50, (bs, t)))],
                [mx.nd.array(rng.randint(1, 50, (bs, t)))], bucket_key=t,
                provide_data=[mx.io.DataDesc('data', (bs, t))],
                provide_label=[mx.io.DataDesc('softmax_label', (bs, t))]))
        self.switches = sum(a.bucket_key != b.bucket_key
                            for a, b in zip(self.batches, self.batches[1:] + self.batches[:1]))
        self.default_bucket_key = max(buckets)
        self.provide_data = [mx.io.DataDesc('data', (bs, self.default_bucket_key))]
        self.provide_label = [mx.io.DataDesc('softmax_label', (bs, self.default_bucket_key))]
        self.batch_size = bs

    def __iter__(self):
        return iter(self.batches)

    def reset(self):
        pass


def lstm_sym_gen(mx, vocab=50, hidden=16):
    """bench_bucketing.py's language model, one LSTMCell of ``hidden`` units."""
    return lm_sym_gen(mx, mx.rnn.LSTMCell(hidden, prefix='lstm_'), vocab, hidden, hidden)


def run_bucketing(mx, batches):
    per_epoch = 100
    it = BucketIter(mx, per_epoch)
    mod = mx.mod.BucketingModule(lstm_sym_gen(mx), default_bucket_key=it.default_bucket_key)
    probe = Probe(mod, (1000, batches))
    mod.fit(it, num_epoch=batches // per_epoch, optimizer='adam',
            optimizer_params={'learning_rate': 1e-3}, initializer=mx.init.Xavier(),
            eval_metric=mx.metric.Perplexity(None),
            batch_end_callback=[probe, mx.callback.NumericGuard(),
                                mx.callback.Speedometer(it.batch_size, 100)])
    probe.finish()
    probe.switches = it.switches
    return probe


def report(name, probe, batches, secs):
    r1, p1 = probe.rss[1000]
    r2, p2 = probe.rss[batches]
    t0, t1 = probe.traces['epoch0'], probe.traces['end']
    extra = ', %d bucket switches an epoch' % probe.switches if hasattr(probe, 'switches') \
        else ''
    print('%s: %d batches in %.0f s%s' % (name, batches, secs, extra))
    print('  RSS  after 1000: %.1f MB (peak %.1f)  after %d: %.1f MB (peak %.1f)  '
          'growth %+.1f%% (peak %+.1f%%)' % (r1, p1, batches, r2, p2, 100 * (r2 / r1 - 1),
                                              100 * (p2 / p1 - 1)))
    print('  traces after epoch 0: module %d, TF functions %d;  at the end: module %d, '
          'TF functions %d' % (t0 + t1))
    flat = r2 <= 1.05 * r1 and p2 <= 1.05 * p1 and t0 == t1
    print('  %s' % ('flat' if flat else 'NOT FLAT'))
    return flat


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--batches', type=int, default=5000)
    ap.add_argument('--part', default='both', choices=('module', 'bucketing', 'both'))
    args = ap.parse_args()
    if args.batches < 1000 or args.batches % 500:
        ap.error('--batches: a multiple of 500, at least 1000')
    logging.getLogger().setLevel(logging.WARNING)
    import tfmod as mx
    ok = True
    for name, fn in (('module', run_module), ('bucketing', run_bucketing)):
        if args.part in (name, 'both'):
            tic = time.time()
            probe = fn(mx, args.batches)
            ok &= report(name, probe, args.batches, time.time() - tic)
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
