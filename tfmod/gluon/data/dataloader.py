"""``mx.gluon.data.DataLoader``: batches of a Dataset, as MXNet 1.9.1's.

The default ``batchify_fn`` stacks NDArray samples with ``nd.stack``, batches tuple samples
element by element (a list per batch), and turns anything else into one NDArray of numpy's
dtype for the samples (float64 numpy data gives float64 batches, Python ints int64, as in MXNet).
``num_workers > 0`` loads batches on that many threads, ``prefetch`` batches ahead, in order
(MXNet uses processes; the batches are the same).
"""
import collections
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ...base import MXNetError
from ... import ndarray as _nd
from . import sampler as _sampler

__all__ = ['DataLoader', 'default_batchify_fn', 'default_mp_batchify_fn']


def default_batchify_fn(data):
    """Samples -> one batch (NDArray, or a list of them for tuple samples)."""
    if isinstance(data[0], _nd.NDArray):
        return _nd.stack(*data)
    if isinstance(data[0], tuple):
        return [default_batchify_fn(i) for i in zip(*data)]
    data = np.asarray(data)
    return _nd.array(data, dtype=data.dtype)


default_mp_batchify_fn = default_batchify_fn


class DataLoader:
    """Iterates over ``dataset`` in batches (``batch_size`` with ``shuffle``/``sampler``/
    ``last_batch``, or a ``batch_sampler``), each made by ``batchify_fn``."""

    def __init__(self, dataset, batch_size=None, shuffle=False, sampler=None, last_batch=None,
                 batch_sampler=None, batchify_fn=None, num_workers=0, pin_memory=False,
                 pin_device_id=0, prefetch=None, thread_pool=False, timeout=120,
                 auto_reload=False):
        self._dataset = dataset
        if timeout <= 0:
            raise MXNetError('timeout must be positive, given %s' % timeout)
        self._timeout = timeout
        if batch_sampler is None:
            if batch_size is None:
                raise MXNetError('batch_size must be specified unless batch_sampler is '
                                 'specified')
            if sampler is None:
                sampler = _sampler.RandomSampler(len(dataset)) if shuffle else \
                    _sampler.SequentialSampler(len(dataset))
            elif shuffle:
                raise MXNetError('shuffle must not be specified if sampler is specified')
            batch_sampler = _sampler.BatchSampler(sampler, batch_size, last_batch or 'keep')
        elif batch_size is not None or shuffle or sampler is not None or \
                last_batch is not None:
            raise MXNetError('batch_size, shuffle, sampler and last_batch must not be '
                             'specified if batch_sampler is specified.')
        self._batch_sampler = batch_sampler
        self._num_workers = max(0, num_workers)
        self._prefetch = max(0, int(prefetch) if prefetch is not None
                             else 2 * self._num_workers)
        self._batchify_fn = batchify_fn or default_batchify_fn
        self.auto_reload = auto_reload
        self._iter = None
        if auto_reload:
            self.refresh()

    def _make(self, batch):
        return self._batchify_fn([self._dataset[idx] for idx in batch])

    def _batches(self):
        if self._num_workers == 0:
            for batch in self._batch_sampler:
                yield self._make(batch)
            return
        with ThreadPoolExecutor(self._num_workers) as pool:
            pending = collections.deque()
            for batch in self._batch_sampler:
                pending.append(pool.submit(self._make, batch))
                if len(pending) > max(self._prefetch, 1):
                    yield pending.popleft().result(self._timeout)
            while pending:
                yield pending.popleft().result(self._timeout)

    def __iter__(self):
        if self._iter is None:
            self.refresh()
        it, self._iter = self._iter, None
        yield from it
        if self._iter is None and self.auto_reload:
            self.refresh()

    def __len__(self):
        return len(self._batch_sampler)

    def refresh(self):
        """Start the next epoch's batches (auto_reload does this after each epoch)."""
        self._iter = self._batches()

    def clean(self):
        self._iter = None


def __getattr__(attr):
    from .. import absent
    return absent.name_getattr(__name__, attr)
