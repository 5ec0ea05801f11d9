"""``mx.gluon``: the part of Gluon that runs exported models -- ``SymbolBlock`` (``imports``,
calls, gradients under ``mx.autograd``, ``save_parameters`` / ``load_parameters`` / ``export``)
with ``Parameter`` and ``ParameterDict``. Every other name MXNet's gluon has (``Trainer``,
``nn.Dense``, ``loss``, ``data``, ``model_zoo``, ...) raises an MXNetError naming it."""
from . import absent as _absent
from .parameter import DeferredInitializationError, Parameter, ParameterDict  # noqa: F401
from .block import SymbolBlock  # noqa: F401
from . import nn  # noqa: F401

_absent.install()


def __getattr__(attr):
    return _absent.name_getattr(__name__, attr)
