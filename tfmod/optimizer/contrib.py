"""``mx.optimizer.contrib``: GroupAdaGrad."""
from .adagrad import GroupAdaGrad  # noqa: F401

__all__ = ['GroupAdaGrad']
