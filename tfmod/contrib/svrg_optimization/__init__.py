"""``mx.contrib.svrg_optimization``: SVRGModule, a Module trained by stochastic variance-reduced
gradients, and its helper optimizers -- as MXNet 1.9.1's ``mxnet.contrib.svrg_optimization``."""
from . import svrg_optimizer  # noqa: F401
from . import svrg_module  # noqa: F401
