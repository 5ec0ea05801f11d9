"""Text data for language models: ``encode_sentences`` and ``BucketSentenceIter``."""
import bisect
import random

import numpy as np

from .. import ndarray
from ..base import MXNetError
from ..io import DataBatch, DataDesc, DataIter

__all__ = ['encode_sentences', 'BucketSentenceIter']


def encode_sentences(sentences, vocab=None, invalid_label=-1, invalid_key='\n', start_label=0,
                     unknown_token=None):
    """Token lists -> id lists, building (or extending) ``vocab`` as words are met.

    A new vocabulary starts as ``{invalid_key: invalid_label}`` and hands out ids from
    ``start_label`` upwards, skipping ``invalid_label``. With a given ``vocab`` unknown words are
    an error unless ``unknown_token`` is set; each unknown word is then mapped to
    ``unknown_token`` (added with the next id if it is missing). Returns ``(coded, vocab)``.
    """
    next_id = start_label
    growing = vocab is None
    if growing:
        vocab = {invalid_key: invalid_label}
    coded_all = []
    for sentence in sentences:
        coded = []
        for word in sentence:
            if word not in vocab:
                if not (growing or unknown_token):
                    raise MXNetError('Unknown token %s' % word)
                if next_id == invalid_label:
                    next_id += 1
                if unknown_token:
                    word = unknown_token
                vocab[word] = next_id
                next_id += 1
            coded.append(vocab[word])
        coded_all.append(coded)
    return coded_all, vocab


class BucketSentenceIter(DataIter):
    """Batches of equal-length padded sentences for a BucketingModule language model.

    Each sentence goes to the smallest bucket that holds it, padded with ``invalid_label``;
    longer ones are discarded. Without ``buckets``, every length shared by at least
    ``batch_size`` sentences is a bucket. The label is the data shifted left by one step, ending
    in ``invalid_label``. ``layout`` 'NT' gives (batch, time) arrays, 'TN' (time, batch).
    Batches come in random order (``random.shuffle``) from shuffled buckets
    (``np.random.shuffle``), reshuffled on every ``reset()``.
    """

    def __init__(self, sentences, batch_size, buckets=None, invalid_label=-1, data_name='data',
                 label_name='softmax_label', dtype='float32', layout='NT'):
        super().__init__()
        if not buckets:
            counts = np.bincount([len(s) for s in sentences])
            buckets = [length for length, n in enumerate(counts) if n >= batch_size]
        buckets.sort()

        rows = [[] for _ in buckets]
        used = [False] * (len(buckets) + 1)
        ndiscard = 0
        for sentence in sentences:
            b = bisect.bisect_left(buckets, len(sentence))
            used[b] = True
            if b == len(buckets):
                ndiscard += 1
                continue
            padded = np.full((buckets[b],), invalid_label, dtype=dtype)
            padded[:len(sentence)] = sentence
            rows[b].append(padded)
        buckets = [length for b, length in enumerate(buckets) if used[b]]
        self.data = [np.asarray(r, dtype=dtype) for r in rows if r]

        print('WARNING: discarded %d sentences longer than the largest bucket.' % ndiscard)

        self.batch_size = batch_size
        self.buckets = buckets
        self.data_name = data_name
        self.label_name = label_name
        self.dtype = dtype
        self.invalid_label = invalid_label
        self.nddata = []
        self.ndlabel = []
        self.major_axis = layout.find('N')
        self.layout = layout
        self.default_bucket_key = max(buckets)

        if self.major_axis == 0:
            shape = (batch_size, self.default_bucket_key)
        elif self.major_axis == 1:
            shape = (self.default_bucket_key, batch_size)
        else:
            raise ValueError('Invalid layout %s: Must by NT (batch major) or TN (time major)'
                             % layout)
        self.provide_data = [DataDesc(name=self.data_name, shape=shape, layout=self.layout)]
        self.provide_label = [DataDesc(name=self.label_name, shape=shape, layout=self.layout)]

        self.idx = []
        for b, bucket_rows in enumerate(self.data):
            self.idx.extend((b, start) for start in
                            range(0, len(bucket_rows) - batch_size + 1, batch_size))
        self.curr_idx = 0
        self.reset()

    def reset(self):
        """Back to the first batch; reshuffles batch order and each bucket's rows."""
        self.curr_idx = 0
        random.shuffle(self.idx)
        for bucket_rows in self.data:
            np.random.shuffle(bucket_rows)
        self.nddata = []
        self.ndlabel = []
        for bucket_rows in self.data:
            label = np.empty_like(bucket_rows)
            label[:, :-1] = bucket_rows[:, 1:]
            label[:, -1] = self.invalid_label
            self.nddata.append(ndarray.array(bucket_rows, dtype=self.dtype))
            self.ndlabel.append(ndarray.array(label, dtype=self.dtype))

    def next(self):
        """The next DataBatch, with ``bucket_key`` and per-batch provide_data/provide_label."""
        if self.curr_idx == len(self.idx):
            raise StopIteration
        b, start = self.idx[self.curr_idx]
        self.curr_idx += 1
        data = self.nddata[b][start:start + self.batch_size]
        label = self.ndlabel[b][start:start + self.batch_size]
        if self.major_axis == 1:
            data = data.T
            label = label.T
        return DataBatch([data], [label], pad=0, bucket_key=self.buckets[b],
                         provide_data=[DataDesc(name=self.data_name, shape=data.shape,
                                                layout=self.layout)],
                         provide_label=[DataDesc(name=self.label_name, shape=label.shape,
                                                 layout=self.layout)])
