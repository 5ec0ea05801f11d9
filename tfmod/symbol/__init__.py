"""``mx.sym``: Symbol, Variable, Group, load/load_json, and every registry op as a constructor."""
import sys
import types

from .symbol import Symbol, Variable, var, Group, load, load_json
from . import register as _register

_internal = types.ModuleType(__name__ + '._internal')
contrib = types.ModuleType(__name__ + '.contrib')
sys.modules[_internal.__name__] = _internal
sys.modules[contrib.__name__] = contrib
_register.populate(globals(), _internal.__dict__, contrib.__dict__)


def zeros(shape, dtype=None, **kwargs):
    return _internal._zeros(shape=shape, dtype=dtype or 'float32', **kwargs)


def ones(shape, dtype=None, **kwargs):
    return _internal._ones(shape=shape, dtype=dtype or 'float32', **kwargs)


def full(shape, val, dtype=None, **kwargs):
    return _internal._full(shape=shape, dtype=dtype or 'float32', value=float(val), **kwargs)


def arange(start, stop=None, step=1.0, repeat=1, infer_range=False, name=None, dtype=None):
    return _internal._arange(start=start, stop=stop, step=step, repeat=repeat,
                             infer_range=infer_range, name=name, dtype=dtype or 'float32')
