"""``mx.optimizer``: Optimizer, the built-in optimizers, Updater and get_updater.

Every optimizer MXNet 1.9.1 registers is here: sgd, ccsgd, nag, signum, adam, adamax, nadam,
adagrad, rmsprop, adadelta, ftrl, ftml, dcasgd, lamb, lars, lbsgd, sgld, test, and
contrib.GroupAdaGrad.
"""
from .optimizer import (Optimizer, Updater, get_updater, register, create,  # noqa: F401
                        flatten_state)
from .sgd import SGD  # noqa: F401
from .nag import NAG  # noqa: F401
from .signum import Signum  # noqa: F401
from .adam import Adam, Adamax, Nadam  # noqa: F401
from .adagrad import AdaGrad  # noqa: F401
from .rmsprop import RMSProp  # noqa: F401
from .adadelta import AdaDelta  # noqa: F401
from .ftrl import Ftrl  # noqa: F401
from .ftml import FTML  # noqa: F401
from .dcasgd import DCASGD  # noqa: F401
from .lamb import LAMB  # noqa: F401
from .lars import LARS, LBSGD  # noqa: F401
from .sgld import SGLD  # noqa: F401
from .misc import ccSGD, Test  # noqa: F401
from . import contrib  # noqa: F401
