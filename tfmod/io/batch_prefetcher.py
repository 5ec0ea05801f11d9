"""Produce an iterator's batches ahead on a background thread (MXNet's ``prefetch_buffer``).

The owner implements ``_produce()`` -> ``('batch', value)`` or ``('end', None)`` and
``_snapshot()`` / ``_restore(state)`` of everything ``_produce`` advances (its row position,
its random generator). The producer thread runs ``_produce`` up to ``depth`` results ahead,
in the same order and with the same random draws as calling it on demand, so prefetching
never changes the batches:

* an exception raised by ``_produce`` is handed over in its place and re-raised by the
  ``take()`` that would have returned that batch; the thread then ends, and the next ``take()``
  starts a new one from where the failed batch left the owner, as the on-demand path would;
* ``halt()`` (the owner's reset) stops the thread, drops the batches made ahead and returns the
  state the owner had before the first of them, so that reset and the batches after it are
  those of the on-demand path;
* the thread holds the owner only while making a batch: dropping the iterator stops it, and
  it is a daemon thread that interpreter exit stops and joins before the process tears down.
"""
import atexit
import collections
import threading
import weakref

from ..base import MXNetError

_WAIT_SECONDS = 0.5          # how often a waiting consumer checks that the producer lives
_EXIT_JOIN_SECONDS = 5.0
_LIVE = weakref.WeakSet()    # prefetchers whose thread may be running (stopped at exit)


class _Run:
    """One producer thread's stop flag (each restart gets a fresh one)."""
    __slots__ = ('stopped', 'thread')

    def __init__(self):
        self.stopped = False
        self.thread = None


def _producer(owner_ref, pf, run):
    """Thread body: make results until ``depth`` are waiting, the run is stopped, the owner is
    gone, or a result ends the sequence (end of data, an error)."""
    cond = pf._cond
    while True:
        with cond:
            while len(pf._items) >= pf.depth and not run.stopped:
                cond.wait()
            if run.stopped:
                return
        owner = owner_ref()
        if owner is None:
            return
        try:
            before = owner._snapshot()
            with cond:
                pf._befores.append(before)
            item = owner._produce()
        except BaseException as e:  # noqa: BLE001 -- re-raised by the consumer's take()
            item = ('error', e)
        del owner
        with cond:
            if run.stopped:
                return
            pf._items.append(item)
            cond.notify_all()
            if item[0] != 'batch':
                return


class BatchPrefetcher:
    """Up to ``depth`` of ``owner._produce()``'s results made ahead on one daemon thread."""

    def __init__(self, owner, depth, name):
        self.depth = int(depth)
        self._name = name
        self._owner_ref = weakref.ref(owner)
        self._cond = threading.Condition()
        self._items = collections.deque()     # results made ahead, oldest first
        self._befores = collections.deque()   # the owner's state before each of them (+ in flight)
        self._run = None
        weakref.finalize(owner, self._signal_stop)
        _LIVE.add(self)

    def _signal_stop(self):
        with self._cond:
            if self._run is not None:
                self._run.stopped = True
            self._cond.notify_all()

    def take(self):
        """The next result, in order: ``('batch', value)``, ``('end', None)`` or
        ``('error', exception)``; starts the producer if it is not running."""
        with self._cond:
            run = self._run
            if not self._items and (run is None or not run.thread.is_alive()):
                run = self._start()
            while not self._items:
                if not run.thread.is_alive() and not self._items:
                    raise MXNetError('%s: its prefetching thread ended without a batch'
                                     % self._name)
                self._cond.wait(_WAIT_SECONDS)
            item = self._items.popleft()
            self._befores.popleft()
            self._cond.notify_all()
            return item

    def _start(self):
        owner = self._owner_ref()
        if owner is None:
            raise MXNetError('%s: the iterator is gone' % self._name)
        run = _Run()
        run.thread = threading.Thread(target=_producer, args=(self._owner_ref, self, run),
                                      name='tfmod-%s-prefetch' % self._name, daemon=True)
        self._run = run
        run.thread.start()
        return run

    def halt(self, timeout=None):
        """Stop the producer (waiting for the batch it is making), drop what was made ahead and
        return the owner's state before the first dropped batch (None when nothing was)."""
        with self._cond:
            run, self._run = self._run, None
            if run is not None:
                run.stopped = True
            self._cond.notify_all()
        if run is not None and run.thread is not threading.current_thread():
            run.thread.join(timeout)
        with self._cond:
            first = self._befores[0] if self._befores else None
            self._items.clear()
            self._befores.clear()
        return first

    @property
    def running(self):
        run = self._run
        return run is not None and run.thread.is_alive()


@atexit.register
def _stop_all_at_exit():
    """Stop every producer and let it finish its batch before the interpreter tears down the
    libraries it is calling (a daemon thread inside TF at teardown can crash the exit)."""
    live = list(_LIVE)
    for pf in live:
        pf._signal_stop()
    for pf in live:
        run = pf._run
        if run is not None and run.thread.is_alive():
            run.thread.join(_EXIT_JOIN_SECONDS)
