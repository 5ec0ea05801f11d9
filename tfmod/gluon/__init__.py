"""``mx.gluon``: the part of Gluon that runs and fine-tunes exported models -- ``SymbolBlock``
(``imports``, calls, gradients under ``mx.autograd``, ``save_parameters`` / ``load_parameters`` /
``export``) with ``Parameter`` and ``ParameterDict``, ``Trainer``, and the ``loss``, ``data`` and
``utils`` modules training loops use (imported on first use). Every other name MXNet's gluon has
(``nn.Dense``, ``model_zoo``, ``rnn``, ...) raises an MXNetError naming it."""
from . import absent as _absent
from .parameter import DeferredInitializationError, Parameter, ParameterDict  # noqa: F401
from .block import SymbolBlock  # noqa: F401
from .trainer import Trainer  # noqa: F401
from . import nn  # noqa: F401

_absent.install()


def __getattr__(attr):
    return _absent.name_getattr(__name__, attr)
