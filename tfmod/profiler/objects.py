"""The user-level profiling objects of mx.profiler: Domain, Task, Frame, Event, Counter, Marker.

Each writes the chrome-trace records MXNet 1.9.1 writes for it (Task: async ``b``/``e`` in its
domain's category; Frame: ``(``/``)`` in ``"<domain>,frame"``; Event: ``B``/``E`` in
``event``; Counter: ``C`` with ``{name: value}``; Marker: ``n`` with a scope letter in
``"<domain>,instant_marker"``), but only while the profiler runs and is not paused. Timed
ranges are also TensorFlow trace annotations, so they appear in TF's profile too.
"""
import itertools

import tensorflow as tf

from ..base import MXNetError
from .recorder import PROFILER, now_us, thread_id

_MARKER_SCOPES = {'global': 'g', 'process': 'p', 'thread': 't', 'task': 'p', 'marker': 'p'}
_async_ids = itertools.count(1)
_OPEN = {}   # (category, name, thread) -> stack of (start, TF trace, record extras)


class Domain:
    """A named group of tasks, frames, counters and markers (a category in the trace)."""

    def __init__(self, name):
        self.name = name

    def __str__(self):
        return self.name

    def new_task(self, name):
        return Task(self, name)

    def new_frame(self, name):
        return Frame(self, name)

    def new_counter(self, name, value=None):
        return Counter(self, name, value)

    def new_marker(self, name):
        return Marker(self, name)


class _Range:
    """start()/stop() timing of a named range; subclasses give the record phases.

    As in MXNet, a stop() closes the latest open range of the same name and category on the
    calling thread, even one another object of that name started."""
    _begin_ph = _end_ph = None

    def __init__(self, name, category):
        self.name = name
        self._category = category

    def __str__(self):
        return self.name

    def _extra(self):
        return {}

    def _record(self, ph, ts, extra):
        rec = {'name': self.name, 'cat': self._category, 'ph': ph, 'ts': ts}
        rec.update(extra)
        rec['pid'] = PROFILER.pid(self._category)
        rec['tid'] = thread_id()
        PROFILER.add(rec)

    def start(self):
        """Start timing (recorded only while the profiler runs, unpaused)."""
        if not PROFILER.recording:
            return
        trace = tf.profiler.experimental.Trace(self.name)
        trace.__enter__()
        extra = self._extra()
        ts = now_us()
        self._record(self._begin_ph, ts, extra)
        key = (self._category, self.name, thread_id())
        _OPEN.setdefault(key, []).append((ts, trace, extra))

    def stop(self):
        """Stop timing; the duration joins the aggregate statistics."""
        key = (self._category, self.name, thread_id())
        opened = _OPEN.get(key)
        if not opened:
            return
        start, trace, extra = opened.pop()
        if not opened:
            del _OPEN[key]
        trace.__exit__(None, None, None)
        if not PROFILER.recording:
            return
        ts = now_us()
        self._record(self._end_ph, ts, extra)
        PROFILER.add_stat(self._category, self.name, 'time', ts - start)


class Task(_Range):
    """A logical unit of work of a domain (all its passes aggregate into one statistic)."""
    _begin_ph, _end_ph = 'b', 'e'

    def __init__(self, domain, name):
        super().__init__(name, domain.name)

    def _extra(self):
        return {'id': next(_async_ids)}


class Frame(_Range):
    """A frame of a domain: each start/stop is a separately numbered period."""
    _begin_ph, _end_ph = '(', ')'

    def __init__(self, domain, name):
        super().__init__(name, domain.name + ',frame')


class Event(_Range):
    """A named range on the calling thread, outside any domain (category ``event``)."""
    _begin_ph, _end_ph = 'B', 'E'

    def __init__(self, name):
        super().__init__(name, 'event')


class Counter:
    """An integer tracked over time; every change is a ``C`` record."""

    def __init__(self, domain, name, value=None):
        self.name = name
        self._category = domain.name
        self._value = 0
        if value is not None:
            self.set_value(value)

    def __str__(self):
        return self.name

    def _changed(self):
        if not PROFILER.recording:
            return
        PROFILER.add({'name': self.name, 'cat': self._category, 'ph': 'C', 'ts': now_us(),
                      'args': {self.name: self._value}, 'pid': PROFILER.pid(self._category),
                      'tid': thread_id()})
        PROFILER.add_stat(self._category, self.name, 'counter', self._value)

    def set_value(self, value):
        self._value = int(value)
        self._changed()

    def increment(self, delta=1):
        self._value += int(delta)
        self._changed()

    def decrement(self, delta=1):
        self._value -= int(delta)
        self._changed()

    def __iadd__(self, delta):
        self.increment(delta)
        return self

    def __isub__(self, delta):
        self.decrement(delta)
        return self


class Marker:
    """An instant in time, marked in a domain."""

    def __init__(self, domain, name):
        self.name = name
        self.domain = domain

    def mark(self, scope='process'):
        """Record the instant; ``scope`` is 'global', 'process', 'thread', 'task' or 'marker'."""
        if scope not in _MARKER_SCOPES:
            raise MXNetError("Invalid Input: '%s', valid values are: {%s}" % (
                scope, ', '.join("'%s'" % s for s in sorted(_MARKER_SCOPES))))
        if not PROFILER.recording:
            return
        category = self.domain.name + ',instant_marker'
        PROFILER.note_category(category)
        PROFILER.add({'name': self.name, 'cat': category, 'ph': 'n', 'ts': now_us(),
                      's': _MARKER_SCOPES[scope], 'pid': PROFILER.pid(category),
                      'tid': thread_id()})
