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
sys.modules[_internal.__name__] = _internal
sys.modules[contrib.__name__] = contrib
_register.populate(globals(), _internal.__dict__, contrib.__dict__)
# creation functions win over the generated _zeros-style ops of the same public name
globals().update(zeros=zeros, ones=ones, full=full, arange=arange, array=array, empty=empty,
                 zeros_like=zeros_like if 'zeros_like' not in globals() else globals()['zeros_like'])
