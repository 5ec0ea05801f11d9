"""``mx.gluon.nn``: ``SymbolBlock``; MXNet's layers (Dense, Conv2D, ...) raise an MXNetError
naming them (see ../absent.py)."""
from ..block import SymbolBlock  # noqa: F401
from .. import absent as _absent


def __getattr__(attr):
    return _absent.name_getattr(__name__, attr)
