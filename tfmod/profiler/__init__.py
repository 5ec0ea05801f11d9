"""mx.profiler: MXNet 1.9.1's profiler API on TensorFlow's profiler.

``set_config(...)``, ``set_state('run')``, ..., ``set_state('stop')``, ``dump()`` profile a run
as in MXNet: ``dump()`` writes ``filename`` as a chrome-trace JSON with the user's Domain /
Task / Frame / Event / Counter / Marker records and one record per compiled tfmod call
(executor forward, forward+backward, Module's fused forward+backward+update, ...), and
``dumps()`` returns MXNet's aggregate-statistics table or JSON. While running, TensorFlow's
profiler records too: its profile (xplane) goes to ``<filename without .json>_tf/``, for
TensorBoard's profile plugin (``tensorboard --logdir <that dir>``).
"""
import warnings

from ..base import MXNetError
from . import chrome_trace as _chrome_trace
from . import stats as _stats
from .config import check_process as _check_process
from .errors import ProfilerKeyError
from .objects import Counter, Domain, Event, Frame, Marker, Task
from .recorder import PROFILER as _PROFILER
from .recorder import require_output as _require_output

__all__ = ['set_config', 'profiler_set_config', 'set_state', 'profiler_set_state', 'dump',
           'dump_profile', 'dumps', 'pause', 'resume', 'Domain', 'Task', 'Frame', 'Event',
           'Counter', 'Marker']

_STATES = ('stop', 'run')
_PROCESSES = ('worker', 'server')


def _worker(profile_process):
    """Check ``profile_process``; only the worker (this process) can be profiled."""
    if profile_process not in _PROCESSES:
        raise ProfilerKeyError(profile_process)
    if profile_process == 'server':
        raise MXNetError("profile_process='server' profiles a dist kvstore's server process; "
                         'tfmod runs kvstores without server processes')


def set_config(**kwargs):
    """Configure the profiler with MXNet's keyword arguments: filename, profile_all,
    profile_symbolic, profile_imperative, profile_memory, profile_api, continuous_dump,
    dump_period, aggregate_stats, profile_process. Unknown names and bad values raise
    MXNetError with MXNet's message."""
    if 'profile_process' in kwargs:
        _check_process(kwargs['profile_process'])
        _worker(str(kwargs['profile_process']))
    _PROFILER.set_config(**kwargs)


def profiler_set_config(mode='symbolic', filename='profile.json'):
    """Deprecated form of set_config: ``profile_<mode>=True`` and ``filename``."""
    warnings.warn('profiler.profiler_set_config() is deprecated. '
                  'Please use profiler.set_config() instead')
    set_config(**{'profile_' + mode: True, 'filename': filename})


def set_state(state='stop', profile_process='worker'):
    """'run' starts recording (and TensorFlow's profiler); 'stop' ends it."""
    if state not in _STATES:
        raise ProfilerKeyError(state)
    _worker(profile_process)
    if state == 'run':
        _PROFILER.run()
    else:
        _PROFILER.stop()


def profiler_set_state(state='stop'):
    """Deprecated form of set_state."""
    warnings.warn('profiler.profiler_set_state() is deprecated. '
                  'Please use profiler.set_state() instead')
    set_state(state)


def dump(finished=True, profile_process='worker'):
    """Write the trace file (``filename``). With ``finished`` (the default) this run's output
    ends: recording stops, and a new ``set_state('run')`` is needed before the next dump."""
    _worker(profile_process)
    _require_output()
    prof = _PROFILER
    _chrome_trace.write(prof.config['filename'], list(prof.records), prof.pids)
    if finished is True:
        prof.stop()
        prof.take_records()
        prof.output_enabled = False


def dump_profile():
    """Deprecated form of dump()."""
    warnings.warn('profiler.dump_profile() is deprecated. '
                  'Please use profiler.dump() instead')
    dump(True)


def dumps(reset=False, format='table', sort_by='total', ascending=False):  # noqa: A002
    """The aggregate statistics (``aggregate_stats=True``) as MXNet prints them: a table, or
    JSON with ``format='json'``; rows sorted by 'total', 'avg', 'min', 'max' or 'count'.
    ``reset`` clears the statistics after printing them. '' without aggregate_stats."""
    _stats.check_args(reset, format, sort_by, ascending)
    prof = _PROFILER
    if not prof.config['aggregate_stats']:
        return ''
    render = _stats.table if format == 'table' else _stats.as_json
    text = render(prof.stats, sort_by, ascending)
    if reset:
        prof.stats = {}
    return text


def pause(profile_process='worker'):
    """Stop recording until resume() (TensorFlow's profiler keeps running)."""
    _worker(profile_process)
    _PROFILER.pause(True)


def resume(profile_process='worker'):
    """Resume recording after pause()."""
    _worker(profile_process)
    _PROFILER.pause(False)
