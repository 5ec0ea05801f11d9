"""``mx.sym``: Symbol, Variable, Group, load/load_json, and every registry op as a constructor."""
import sys
import types

from .symbol import Symbol, Variable, var, Group, load, load_json
from . import register as _register
from . import random  # noqa: F401  (mx.sym.random)
from .. import fluent as _fluent

_internal = types.ModuleType(__name__ + '._internal')
contrib = types.ModuleType(__name__ + '.contrib')
linalg = types.ModuleType(__name__ + '.linalg')
sparse = types.ModuleType(__name__ + '.sparse')     # mx.sym.sparse.dot, .Embedding, ... (the
image = types.ModuleType(__name__ + '.image')       # ops with sparse storage, as MXNet files them)
for _m in (_internal, contrib, linalg, sparse, image):
    sys.modules[_m.__name__] = _m
_register.populate(globals(), _internal.__dict__, contrib.__dict__, linalg.__dict__,
                   sparse.__dict__, image.__dict__)


def zeros(shape, dtype=None, **kwargs):
    return _internal._zeros(shape=shape, dtype=dtype or 'float32', **kwargs)


def ones(shape, dtype=None, **kwargs):
    return _internal._ones(shape=shape, dtype=dtype or 'float32', **kwargs)


def full(shape, val, dtype=None, **kwargs):
    return _internal._full(shape=shape, dtype=dtype or 'float32', value=float(val), **kwargs)


def arange(start, stop=None, step=1.0, repeat=1, infer_range=False, name=None, dtype=None):
    return _internal._arange(start=start, stop=stop, step=step, repeat=repeat,
                             infer_range=infer_range, name=name, dtype=dtype or 'float32')


def split_v2(ary, indices_or_sections, axis=0, squeeze_axis=False):
    """Split along ``axis`` into ``sections`` equal parts or at ``indices`` (MXNet's helper:
    the node stores ``indices=[]`` and the count, or ``[0, i1, i2...]`` and sections 0)."""
    indices, sections = [], 0
    if isinstance(indices_or_sections, int):
        sections = indices_or_sections
    elif isinstance(indices_or_sections, tuple):
        indices = [0] + list(indices_or_sections)
    else:
        raise ValueError('indices_or_sections must either int or tuple of ints')
    return _internal._split_v2(ary, indices, axis, squeeze_axis, sections)


_fluent.install(Symbol, globals())

# MXNet's Python-level functions over the ops (mx.sym.maximum, power, hypot, eye...)
from .helpers import (pow, power, maximum, minimum, hypot, eye, linspace,  # noqa: E402,A004
                      histogram)
_register.populate_random(random.__dict__, _internal.__dict__)

from . import control_flow as _control_flow  # noqa: E402
contrib.foreach = _control_flow.foreach
contrib.while_loop = _control_flow.while_loop
contrib.cond = _control_flow.cond
from .helpers import rand_zipfian as _rand_zipfian  # noqa: E402
from .helpers import adamw_update as _adamw_update, mp_adamw_update as _mp_adamw  # noqa: E402
contrib.rand_zipfian = _rand_zipfian
contrib.adamw_update = _adamw_update
contrib.mp_adamw_update = _mp_adamw
