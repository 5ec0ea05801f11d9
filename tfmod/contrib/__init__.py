"""``mx.contrib``: optional extras (``mx.contrib.tensorboard``, the pre-1.0 ``autograd`` API; ``svrg_optimization`` is imported by
name, as in MXNet, where importing it registers its optimizers),
and MXNet's older spellings of the contrib op namespaces: ``mx.contrib.nd`` / ``.ndarray`` are
``mx.nd.contrib``, ``mx.contrib.sym`` / ``.symbol`` are ``mx.sym.contrib``."""
from . import tensorboard  # noqa: F401
from . import autograd  # noqa: F401
from ..ndarray import contrib as nd  # noqa: F401
from ..ndarray import contrib as ndarray  # noqa: F401
from ..symbol import contrib as sym  # noqa: F401
from ..symbol import contrib as symbol  # noqa: F401
