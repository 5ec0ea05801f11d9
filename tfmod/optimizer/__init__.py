"""``mx.optimizer``: Optimizer, the built-in optimizers, Updater and get_updater."""
from .optimizer import (Optimizer, Updater, get_updater, register, create,  # noqa: F401
                        flatten_state)
from .sgd import SGD  # noqa: F401
