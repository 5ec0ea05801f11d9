"""``mx.contrib``: optional extras (``mx.contrib.tensorboard``)."""
from . import tensorboard  # noqa: F401
