"""PrefetchingIter: run one or more iterators one batch ahead in background threads (MXNet API).

Each inner iterator gets a worker thread that owns it while a fetch is in flight; the caller
only touches an inner iterator (reset) after collecting that worker's answer, so the inner
iterators never see two threads at once. Every fetch request is answered -- with a batch, an
end-of-data marker or the exception it raised -- so the caller never waits on a worker that has
finished or failed:

* end of data is remembered, so further ``next()`` calls raise StopIteration at once;
* an exception raised by an inner iterator is re-raised in the caller by the ``next()`` that
  would have returned that batch (the failed fetch is retried by the following ``next()``);
* the workers hold no reference to the PrefetchingIter, so dropping it (or ``close()``) stops
  them; they are daemon threads and never keep the interpreter alive.
"""
import queue
import threading

from ..base import MXNetError
from .base import DataBatch, DataDesc, _WholeBatchIter

_STOP = object()
_POLL_SECONDS = 0.05


def _worker_loop(it, requests, results):
    """Thread body: one answer per request -- ('batch', b), ('end', None) or ('error', exc)."""
    while True:
        if requests.get() is _STOP:
            return
        try:
            results.put(('batch', it.next()))
        except StopIteration:
            results.put(('end', None))
        except BaseException as e:  # noqa: BLE001 -- handed to the caller, never swallowed
            results.put(('error', e))


class _Worker:
    __slots__ = ('it', 'requests', 'results', 'thread', 'in_flight', 'answer')

    def __init__(self, it, index):
        self.it = it
        self.requests = queue.Queue()
        self.results = queue.Queue()
        self.in_flight = False
        self.answer = None
        self.thread = threading.Thread(target=_worker_loop, args=(it, self.requests, self.results),
                                       name='tfmod-prefetch-%d' % index, daemon=True)
        self.thread.start()

    def request(self):
        self.in_flight = True
        self.requests.put(True)

    def collect(self):
        """Wait for the in-flight answer (if any) and keep it in ``self.answer``."""
        if not self.in_flight:
            return
        while True:
            try:
                self.answer = self.results.get(timeout=_POLL_SECONDS)
                break
            except queue.Empty:
                if not self.thread.is_alive() and self.results.empty():
                    self.in_flight = False
                    raise MXNetError('PrefetchingIter: the prefetch thread for %r died'
                                     % (self.it,))
        self.in_flight = False

    def stop(self):
        self.requests.put(_STOP)


def _renamed(descs, mapping):
    if mapping is None:
        return list(descs)
    out = []
    for d in descs:
        if not isinstance(d, DataDesc):
            d = DataDesc(*d)
        out.append(DataDesc(mapping.get(d.name, d.name), d.shape, d.dtype, layout=d.layout))
    return out


class PrefetchingIter(_WholeBatchIter):
    """Prefetch batches of ``iters`` (a DataIter or a list of them) in background threads.

    The batches of several iterators are joined: data and labels are concatenated in iterator
    order. ``rename_data`` / ``rename_label`` are lists (one per iterator) of dicts
    ``{'original_name': 'new_name'}``; names not in a dict are kept.
    """

    def __init__(self, iters, rename_data=None, rename_label=None):
        super().__init__()
        if isinstance(iters, tuple):
            iters = list(iters)
        if not isinstance(iters, list):
            iters = [iters]
        if not iters:
            raise MXNetError('PrefetchingIter: iters is empty; give at least one DataIter')
        self.n_iter = len(iters)
        self.iters = iters
        self.rename_data = self._check_rename(rename_data, 'rename_data')
        self.rename_label = self._check_rename(rename_label, 'rename_label')
        self.current_batch = None
        self._workers = []
        provide = self.provide_data
        self.batch_size = provide[0].shape[0] if provide and provide[0].shape else 0
        self._workers = [_Worker(it, i) for i, it in enumerate(iters)]
        for w in self._workers:
            w.request()

    def _check_rename(self, rename, arg):
        if rename is None:
            return None
        if isinstance(rename, dict):
            rename = [rename]
        rename = list(rename)
        if len(rename) != self.n_iter or not all(r is None or isinstance(r, dict)
                                                 for r in rename):
            raise MXNetError('PrefetchingIter: %s must be a list of %d dicts (one per iterator)'
                             % (arg, self.n_iter))
        return rename

    # -- descriptions -----------------------------------------------------------------------
    def _provide(self, attr, rename, batches=None):
        out = []
        for i, it in enumerate(self.iters):
            descs = getattr(batches[i], attr, None) if batches is not None else None
            if descs is None:
                descs = getattr(it, attr)
            out.extend(_renamed(descs, rename[i] if rename is not None else None))
        return out

    @property
    def provide_data(self):
        return self._provide('provide_data', self.rename_data)

    @property
    def provide_label(self):
        return self._provide('provide_label', self.rename_label)

    # -- iteration --------------------------------------------------------------------------
    def reset(self):
        for w in self._workers:
            w.collect()
            w.answer = None
        for it in self.iters:
            it.reset()
        for w in self._workers:
            w.request()

    def iter_next(self):
        if not self._workers:
            raise MXNetError('PrefetchingIter: the iterator was closed')
        for w in self._workers:
            if w.answer is None and not w.in_flight:
                w.request()
        for w in self._workers:
            w.collect()
        answers = [w.answer for w in self._workers]
        errors = [a[1] for a in answers if a[0] == 'error']
        if errors:
            for w in self._workers:
                if w.answer[0] == 'error':
                    w.answer = None
            raise errors[0]
        kinds = set(a[0] for a in answers)
        if kinds == {'end'}:
            return False  # answers stay 'end': later calls return False at once
        if 'end' in kinds:
            raise MXNetError('PrefetchingIter: Number of entry mismatches between iterators '
                             '(some ended, some did not)')
        batches = [a[1] for a in answers]
        pad = batches[0].pad
        if any(b.pad != pad for b in batches):
            raise MXNetError('PrefetchingIter: Number of entry mismatches between iterators '
                             '(pads %s)' % [b.pad for b in batches])
        per_batch = any(getattr(b, 'provide_data', None) is not None for b in batches)
        self.current_batch = DataBatch(
            sum([list(b.data or []) for b in batches], []),
            sum([list(b.label or []) for b in batches], []),
            pad, batches[0].index,
            bucket_key=getattr(batches[0], 'bucket_key', None),
            provide_data=self._provide('provide_data', self.rename_data,
                                       batches if per_batch else None),
            provide_label=self._provide('provide_label', self.rename_label,
                                        batches if per_batch else None))
        for w in self._workers:
            w.answer = None
            w.request()
        return True


    # -- shutdown ---------------------------------------------------------------------------
    def close(self, timeout=None):
        """Stop the worker threads (waiting up to ``timeout`` seconds for each)."""
        workers, self._workers = self._workers, []
        for w in workers:
            w.stop()
        for w in workers:
            if w.thread is not threading.current_thread():
                w.thread.join(timeout)

    def __del__(self):
        for w in getattr(self, '_workers', ()):
            w.stop()
