"""``mx.nd``: NDArray, creation functions, every registry op as an eager function, save/load."""
import sys
import types

from .ndarray import (NDArray, array, empty, zeros, ones, full, arange, zeros_like, ones_like,
                      concatenate, moveaxis, waitall, from_tensor)
from .ndfile import save, load, load_frombuffer
from . import register as _register
from .. import random  # noqa: F401  (mx.nd.random)

_internal = types.ModuleType(__name__ + '._internal')
contrib = types.ModuleType(__name__ + '.contrib')
linalg = types.ModuleType(__name__ + '.linalg')
for _m in (_internal, contrib, linalg):
    sys.modules[_m.__name__] = _m
_register.populate(globals(), _internal.__dict__, contrib.__dict__, linalg.__dict__)


def onehot_encode(indices, out):
    """One-hot rows of ``indices`` written into ``out`` (MXNet's legacy helper)."""
    return _internal._onehot_encode(indices, out, out=out)


# creation functions win over the generated _zeros-style ops of the same public name
globals().update(zeros=zeros, ones=ones, full=full, arange=arange, array=array, empty=empty,
                 zeros_like=zeros_like if 'zeros_like' not in globals() else globals()['zeros_like'])


def split_v2(ary, indices_or_sections, axis=0, squeeze_axis=False, **kwargs):
    """Split along ``axis`` into ``sections`` equal parts or at ``indices`` (MXNet's helper)."""
    from ..symbol import _split_v2_helper
    return _split_v2_helper(_internal._split_v2, ary, indices_or_sections, axis, squeeze_axis,
                            **kwargs)
