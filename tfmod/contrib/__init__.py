"""``mx.contrib``: optional extras (``mx.contrib.tensorboard``, ``mx.contrib.svrg_optimization``)."""
from . import tensorboard  # noqa: F401
from . import svrg_optimization  # noqa: F401
