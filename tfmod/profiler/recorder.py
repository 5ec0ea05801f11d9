"""The process-wide profiler: its configuration, run/stop/pause state, the chrome-trace records
and aggregate statistics it collects, and TensorFlow's own profiler session beside it.

``set_state('run')`` also starts ``tf.profiler.experimental`` with the log directory
``<filename without .json>_tf/`` (TensorBoard's profile plugin opens it; it is written when the
run stops); every recorded range is also a ``tf.profiler.experimental.Trace`` so it shows in
that profile. tfmod's compiled executor calls report through ``span()``, which returns one
shared no-op context manager while nothing is recorded, so the hook costs a call when off.
"""
import contextlib
import os
import threading
import time
import warnings

import tensorflow as tf

from ..base import MXNetError
from .. import write_epoch as _write_epoch
from . import config as _config

# MXNet's device "processes" come first in its trace file, pids 0..3.
_DEVICE_PROCESSES = ('cpu/0', 'cpu/1', 'cpu pinned/', 'cpu shared/')
_NOOP = contextlib.nullcontext()


class Profiler:
    """State of mx.profiler (one per process, as in MXNet)."""

    def __init__(self):
        self.config = _config.defaults()
        self.running = False
        self.paused = False
        self.output_enabled = False     # set by a run, cleared by dump(finished=True)
        self.recording = False          # running and not paused: what the hooks test
        self.records = []
        self.pids = {name: i for i, name in enumerate(_DEVICE_PROCESSES)}
        self.stats = {}                 # category -> name -> [durations or counter values]
        self.tf_logdir = None
        self._lock = threading.Lock()

    # -- state --------------------------------------------------------------------------------
    def _update_recording(self):
        self.recording = self.running and not self.paused

    def set_config(self, **kwargs):
        parsed = {name: _config.parse(name, value) for name, value in kwargs.items()}
        self.config.update(parsed)

    def run(self):
        if self.running:
            return
        self.running = True
        self.output_enabled = True
        self._update_recording()
        self._start_tf()

    def stop(self):
        if not self.running:
            return
        self.running = False
        self._update_recording()
        self._stop_tf()

    def pause(self, paused):
        self.paused = paused
        self._update_recording()

    def _start_tf(self):
        stem = os.path.splitext(self.config['filename'])[0]
        logdir = stem + '_tf'
        try:
            tf.profiler.experimental.start(logdir)
        except (tf.errors.AlreadyExistsError, tf.errors.UnavailableError) as e:
            warnings.warn('mx.profiler: TensorFlow profiler not started (%s); only %s will be '
                          'written' % (e.message, self.config['filename']))
            self.tf_logdir = None
            return
        self.tf_logdir = logdir

    def _stop_tf(self):
        if self.tf_logdir is None:
            return
        self.tf_logdir = None
        try:
            tf.profiler.experimental.stop()
        except tf.errors.UnavailableError:   # stopped by someone else meanwhile
            pass

    # -- records ------------------------------------------------------------------------------
    def pid(self, category):
        """The trace-file process a category's records go to (MXNet: one per category)."""
        pid = self.pids.get(category)
        if pid is None:
            with self._lock:
                pid = self.pids.setdefault(category, len(self.pids))
        return pid

    def add(self, record):
        with self._lock:
            self.records.append(record)

    def note_category(self, category):
        """A category listed in the statistics even with no rows (MXNet's marker sections)."""
        if self.config['aggregate_stats']:
            self.stats.setdefault(category, {})

    def add_stat(self, category, name, kind, value):
        if self.config['aggregate_stats']:
            with self._lock:
                entry = self.stats.setdefault(category, {}).setdefault(name, [kind, []])
                entry[1].append(value)

    def take_records(self):
        with self._lock:
            records, self.records = self.records, []
        return records


PROFILER = Profiler()


def now_us():
    """Microseconds since the epoch, as MXNet stamps its trace records."""
    return time.time_ns() // 1000


def thread_id():
    return threading.get_native_id()


class _Span:
    """A timed range on the calling thread: a B/E record pair plus a TF trace annotation."""
    __slots__ = ('name', 'category', 'process', 'args', '_trace', '_start')

    def __init__(self, name, category, process, args=None):
        self.name, self.category, self.process, self.args = name, category, process, args

    def __enter__(self):
        self._trace = tf.profiler.experimental.Trace(self.name)
        self._trace.__enter__()
        self._start = now_us()
        return self

    def __exit__(self, *exc):
        end = now_us()
        self._trace.__exit__(*exc)
        prof = PROFILER
        pid, tid = prof.pid(self.process), thread_id()
        begin = {'name': self.name, 'cat': self.category, 'ph': 'B', 'ts': self._start,
                 'pid': pid, 'tid': tid}
        if self.args:
            begin['args'] = self.args
        prof.add(begin)
        prof.add({'name': self.name, 'cat': self.category, 'ph': 'E', 'ts': end, 'pid': pid,
                  'tid': tid})
        prof.add_stat(self.category, self.name, 'time', end - self._start)
        return False


def span(name, context=None, args=None, writes=True):
    """Context manager timing one of tfmod's compiled calls (category ``operator``, on the
    device's trace process, as MXNet files its operators); a shared no-op unless recording
    with profile_symbolic or profile_all. A call that may assign variables (``writes``, the
    default) moves the write epoch (tfmod/write_epoch.py), so caches derived from weights
    refresh."""
    if writes:
        _write_epoch.bump()
    prof = PROFILER
    if not prof.recording or not (prof.config['profile_symbolic'] or prof.config['profile_all']):
        return _NOOP
    process = 'cpu/0' if context is None else '%s/%d' % (context.device_type, context.device_id)
    return _Span(name, 'operator', process, args)


def require_output():
    if not PROFILER.output_enabled:
        raise MXNetError("Profiler hasn't been run. Config and start profiler first")
