"""No retracing after the first epoch (tfmod issue 16, part 6): a BucketingModule fit whose
bucket changes every other batch, with a validation pass and NumericGuard, traces every
compiled function during epoch 0 and none in the epochs after it.

Counted two ways: the modules' own trace counters (executors, training steps, the guard) and
the names of the functions registered in TensorFlow's eager context -- a cache that forgot an
entry and traced it again would add a name even if it reset its counter.
``benchmarks/long_run_memory.py`` is the long form (5,000 batches, RSS)."""
import numpy as np
from tensorflow.python.eager import context

import tfmod as mx

VOCAB, HIDDEN, BS = 20, 8, 4


def _sym_gen(t):
    data = mx.sym.Variable('data')
    label = mx.sym.Variable('softmax_label')
    emb = mx.sym.Embedding(data, input_dim=VOCAB, output_dim=HIDDEN, name='embed')
    outs, _ = mx.rnn.LSTMCell(HIDDEN, prefix='lstm_').unroll(t, inputs=emb, merge_outputs=True)
    pred = mx.sym.FullyConnected(mx.sym.Reshape(outs, shape=(-1, HIDDEN)), num_hidden=VOCAB,
                                 name='pred')
    return (mx.sym.SoftmaxOutput(pred, mx.sym.Reshape(label, shape=(-1,)), name='softmax'),
            ('data',), ('softmax_label',))


class _Iter(mx.io.DataIter):
    """Batches of token sequences; the bucket (length 2, 3 or 4) changes every other batch."""

    def __init__(self, n, seed):
        super().__init__(BS)
        rng = np.random.RandomState(seed)
        self.batches = []
        for i in range(n):
            t = (2, 3, 4)[(i // 2) % 3]
            self.batches.append(mx.io.DataBatch(
                [mx.nd.array(rng.randint(1, VOCAB, (BS, t)))],
                [mx.nd.array(rng.randint(1, VOCAB, (BS, t)))], bucket_key=t,
                provide_data=[mx.io.DataDesc('data', (BS, t))],
                provide_label=[mx.io.DataDesc('softmax_label', (BS, t))]))
        self.default_bucket_key = 4
        self.provide_data = [mx.io.DataDesc('data', (BS, 4))]
        self.provide_label = [mx.io.DataDesc('softmax_label', (BS, 4))]

    def __iter__(self):
        return iter(self.batches)

    def reset(self):
        pass


def _module_traces(mod):
    n = 0
    for m in mod._buckets.values():
        n += sum(e.trace_count for e in m._exec_group.execs)
        n += m._train_step.trace_count if m._train_step is not None else 0
    return n


def test_bucket_switches_do_not_retrace_after_the_first_epoch():
    train, val = _Iter(12, 0), _Iter(6, 1)
    switches = sum(a.bucket_key != b.bucket_key
                   for a, b in zip(train.batches, train.batches[1:]))
    assert switches == 5
    mod = mx.mod.BucketingModule(_sym_gen, default_bucket_key=4)
    guard = mx.callback.NumericGuard()
    seen = {}

    def probe(param):
        if param.nbatch == 0:   # before epoch e's first batch ran again: after epoch e-1 + eval
            seen[param.epoch] = (_module_traces(mod), guard.trace_count,
                                 set(context.context().list_function_names()))
    mod.fit(train, eval_data=val, num_epoch=4, optimizer='adam', eval_metric='acc',
            initializer=mx.init.Xavier(), batch_end_callback=[probe, guard])
    end = (_module_traces(mod), guard.trace_count,
           set(context.context().list_function_names()))
    after_first = seen[1]
    assert after_first[0] > 0 and after_first[1] == 3     # traced in epoch 0, once a bucket
    for later in (seen[2], seen[3], end):
        assert later[:2] == after_first[:2]
        assert not later[2] - after_first[2], sorted(later[2] - after_first[2])[:5]
