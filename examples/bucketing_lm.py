"""Train a bucketing LSTM language model with tfmod, checkpoint it, reload it and score it.

    python examples/bucketing_lm.py [--epochs 15] [--out runs/lm] [--own-rnn]

This is MXNet 1.x's example/rnn/bucketing/lstm_bucketing.py, scaled down to run in well under a
minute on two CPU cores, with the import changed to tfmod. Sentences of the shipped corpus
(examples/data/village.txt) are grouped by length into buckets; a BucketingModule builds one
unrolled LSTM per bucket with ``sym_gen`` -- all buckets share one set of weights and one
optimizer -- and ``Module.fit`` trains it with the Perplexity metric, which falls epoch after
epoch. The model is saved in MXNet's bucketing checkpoint format (``prefix-%04d.params``,
``prefix-<bucket>-symbol.json`` per bucket, ``prefix.buckets``), reloaded with
``BucketingModule.load`` and scored again.

The network uses ``mx.rnn`` cells and ``mx.rnn.BucketSentenceIter``; ``--own-rnn`` (or a tfmod
without mx.rnn) builds the same unrolled LSTM from mx.sym ops and batches with a small iterator
written here instead.
"""
import argparse
import logging
import os
import random
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import tfmod as mx  # noqa: E402   (was: import mxnet as mx)

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, 'data', 'village.txt')
INVALID = 0           # the padding id; word ids start at 1


def read_sentences(path=CORPUS):
    with open(path) as f:
        return [line.split() for line in f if line.strip()]


def encode(sentences):
    """Word lists -> id lists (ids from 1, in order of first appearance) and the vocabulary."""
    vocab = {}
    coded = []
    for sent in sentences:
        coded.append([vocab.setdefault(w, len(vocab) + 1) for w in sent])
    return coded, vocab


# -- the network ---------------------------------------------------------------------------------
def make_sym_gen(vocab_size, num_embed, num_hidden, num_layers, batch_size, own_rnn):
    """sym_gen(seq_len) -> (symbol, data_names, label_names), as lstm_bucketing.py has it."""
    if not own_rnn:
        stack = mx.rnn.SequentialRNNCell()
        for i in range(num_layers):
            stack.add(mx.rnn.LSTMCell(num_hidden=num_hidden, prefix='lstm_l%d_' % i))

    def sym_gen(seq_len):
        data = mx.sym.Variable('data')
        label = mx.sym.Variable('softmax_label')
        embed = mx.sym.Embedding(data=data, input_dim=vocab_size + 1, output_dim=num_embed,
                                 name='embed')
        if own_rnn:
            outputs = unrolled_lstm(embed, seq_len, num_hidden, num_layers, batch_size)
        else:
            stack.reset()
            outputs, _ = stack.unroll(seq_len, inputs=embed, merge_outputs=True)
        pred = mx.sym.Reshape(outputs, shape=(-1, num_hidden))
        pred = mx.sym.FullyConnected(data=pred, num_hidden=vocab_size + 1, name='pred')
        label = mx.sym.Reshape(label, shape=(-1,))
        pred = mx.sym.SoftmaxOutput(data=pred, label=label, name='softmax')
        return pred, ('data',), ('softmax_label',)
    return sym_gen


def unrolled_lstm(inputs, seq_len, num_hidden, num_layers, batch_size):
    """(N, T, C) -> (N, T, H): LSTM layers unrolled over T steps with plain symbol ops. Same
    parameter names and gate order (i, f, c, o) as mx.rnn.LSTMCell(prefix='lstm_l%d_')."""
    steps = mx.sym.SliceChannel(inputs, num_outputs=seq_len, axis=1, squeeze_axis=True)
    steps = [steps[t] for t in range(seq_len)]
    for layer in range(num_layers):
        p = 'lstm_l%d_' % layer
        i2h_w, i2h_b = mx.sym.Variable(p + 'i2h_weight'), mx.sym.Variable(p + 'i2h_bias')
        h2h_w, h2h_b = mx.sym.Variable(p + 'h2h_weight'), mx.sym.Variable(p + 'h2h_bias')
        h = mx.sym.zeros(shape=(batch_size, num_hidden))
        c = mx.sym.zeros(shape=(batch_size, num_hidden))
        outs = []
        for t, x in enumerate(steps):
            gates = mx.sym.FullyConnected(x, weight=i2h_w, bias=i2h_b,
                                          num_hidden=4 * num_hidden, name='%st%d_i2h' % (p, t)) + \
                mx.sym.FullyConnected(h, weight=h2h_w, bias=h2h_b, num_hidden=4 * num_hidden,
                                      name='%st%d_h2h' % (p, t))
            i, f, g, o = mx.sym.SliceChannel(gates, num_outputs=4, name='%st%d_slice' % (p, t))
            c = mx.sym.sigmoid(f) * c + mx.sym.sigmoid(i) * mx.sym.tanh(g)
            h = mx.sym.sigmoid(o) * mx.sym.tanh(c)
            outs.append(h)
        steps = outs
    return mx.sym.stack(*steps, axis=1)


# -- batches -------------------------------------------------------------------------------------
class SimpleBucketIter(mx.io.DataIter):
    """What mx.rnn.BucketSentenceIter does, in brief: each sentence goes to the smallest bucket
    that holds it (padded with INVALID); the label is the sentence shifted left by one word;
    batches come shuffled, each with its ``bucket_key``."""

    def __init__(self, sentences, batch_size, buckets):
        super().__init__(batch_size)
        self.buckets = sorted(buckets)
        rows = {b: [] for b in self.buckets}
        for s in sentences:
            fits = [b for b in self.buckets if b >= len(s)]
            if fits:
                rows[fits[0]].append(s + [INVALID] * (fits[0] - len(s)))
        self.data = {b: np.asarray(r, np.float32) for b, r in rows.items() if r}
        self.default_bucket_key = max(self.data)
        self.idx = [(b, i) for b, d in self.data.items()
                    for i in range(0, len(d) - batch_size + 1, batch_size)]
        shape = (batch_size, self.default_bucket_key)
        self.provide_data = [mx.io.DataDesc('data', shape)]
        self.provide_label = [mx.io.DataDesc('softmax_label', shape)]
        self.reset()

    def reset(self):
        self.curr = 0
        random.shuffle(self.idx)
        for d in self.data.values():
            np.random.shuffle(d)

    def next(self):
        if self.curr == len(self.idx):
            raise StopIteration
        b, i = self.idx[self.curr]
        self.curr += 1
        data = self.data[b][i:i + self.batch_size]
        label = np.full_like(data, INVALID)
        label[:, :-1] = data[:, 1:]
        return mx.io.DataBatch([mx.nd.array(data)], [mx.nd.array(label)], pad=0, bucket_key=b,
                               provide_data=[mx.io.DataDesc('data', data.shape)],
                               provide_label=[mx.io.DataDesc('softmax_label', label.shape)])


# -- training ------------------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--epochs', type=int, default=15)
    ap.add_argument('--batch-size', type=int, default=16)
    ap.add_argument('--num-embed', type=int, default=32)
    ap.add_argument('--num-hidden', type=int, default=64)
    ap.add_argument('--num-layers', type=int, default=1)
    ap.add_argument('--buckets', default='6,7,10')
    ap.add_argument('--lr', type=float, default=0.2)
    ap.add_argument('--own-rnn', action='store_true',
                    help='build the LSTM from mx.sym ops and batch with SimpleBucketIter')
    ap.add_argument('--out', default=os.path.join('runs', 'lm'),
                    help='checkpoint prefix (directory is created)')
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    own_rnn = args.own_rnn or not hasattr(mx, 'rnn')
    mx.random.seed(7)
    tic = time.time()

    coded, vocab = encode(read_sentences())
    buckets = [int(b) for b in args.buckets.split(',')]

    def make_iter(seed):
        random.seed(seed)       # batch order and rows are shuffled on every reset()
        np.random.seed(seed)
        if own_rnn:
            return SimpleBucketIter(coded, args.batch_size, buckets)
        return mx.rnn.BucketSentenceIter(coded, args.batch_size, buckets=buckets,
                                         invalid_label=INVALID)
    train = make_iter(7)
    logging.info('%d sentences, vocabulary %d, buckets %s, %d batches per epoch%s',
                 len(coded), len(vocab), buckets, len(train.idx),
                 ' (own LSTM and iterator)' if own_rnn else '')
    sym_gen = make_sym_gen(len(vocab), args.num_embed, args.num_hidden, args.num_layers,
                           args.batch_size, own_rnn)
    mod = mx.mod.BucketingModule(sym_gen, default_bucket_key=train.default_bucket_key,
                                 context=mx.cpu())
    metric = mx.metric.Perplexity(ignore_label=INVALID)
    history = []
    mod.fit(train, eval_metric=metric, num_epoch=args.epochs,
            optimizer='sgd', optimizer_params={'learning_rate': args.lr, 'momentum': 0.9,
                                               'wd': 1e-5, 'clip_gradient': 5.0},
            initializer=mx.init.Xavier(factor_type='in', magnitude=2.34),
            epoch_end_callback=lambda epoch, *_: history.append(metric.get()[1]))
    logging.info('train perplexity per epoch: %s', ', '.join('%.1f' % p for p in history))

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    mod.save_checkpoint(args.out, args.epochs)
    loaded = mx.mod.BucketingModule.load(args.out, args.epochs, sym_gen=sym_gen,
                                         default_bucket_key=train.default_bucket_key)
    loaded.bind(train.provide_data, train.provide_label, for_training=False)
    scores = [dict(m.score(make_iter(1), mx.metric.Perplexity(ignore_label=INVALID)))[
        'perplexity'] for m in (mod, loaded)]     # the same batches for both
    trained, reloaded = scores
    logging.info('perplexity of the trained model %.3f, of the reloaded checkpoint %.3f',
                 trained, reloaded)
    if abs(trained - reloaded) > 1e-3 * trained:
        raise SystemExit('the reloaded checkpoint scores differently')
    logging.info('done in %.1f s; checkpoint %s-%04d.params, %s.buckets', time.time() - tic,
                 args.out, args.epochs, args.out)
    return history, reloaded


if __name__ == '__main__':
    main()
