"""``mx.contrib``: optional extras (``mx.contrib.tensorboard``, ``mx.contrib.svrg_optimization``),
and MXNet's older spellings of the contrib op namespaces: ``mx.contrib.nd`` / ``.ndarray`` are
``mx.nd.contrib``, ``mx.contrib.sym`` / ``.symbol`` are ``mx.sym.contrib``."""
from . import tensorboard  # noqa: F401
from . import svrg_optimization  # noqa: F401
from ..ndarray import contrib as nd  # noqa: F401
from ..ndarray import contrib as ndarray  # noqa: F401
from ..symbol import contrib as sym  # noqa: F401
from ..symbol import contrib as symbol  # noqa: F401
