"""``mx.model``: MXNet's public namespace for checkpoints, ``BatchEndParam`` and ``FeedForward``.

A facade, as MXNet's is: the code lives in the modules named for what they hold --
``checkpoint`` (``prefix-symbol.json`` / ``.params`` and a params+states pair), ``states_file``
(optimizer ``.states``: tfmod's format, checks, re-keying), ``states_pickle`` (MXNet's pickled
states, read without running code), ``batch_end_param`` and ``feedforward``. Nothing in tfmod
imports this module, so it may import from the top (``FeedForward`` is built on Module).
"""
# names mx.model has always had (some only because earlier versions imported them here)
import hashlib  # noqa: F401
import inspect  # noqa: F401
import io  # noqa: F401
import logging  # noqa: F401
import os  # noqa: F401
import pickle  # noqa: F401
import re  # noqa: F401
import importlib.util
from collections import namedtuple  # noqa: F401

import numpy as np  # noqa: F401

from .base import MXNetError  # noqa: F401
from .batch_end_param import BatchEndParam  # noqa: F401
from .checkpoint import (check_states_pair, load_checkpoint, load_params,  # noqa: F401
                         params_bytes, save_checkpoint, save_params_and_states, save_params_file)
from .feedforward import FeedForward  # noqa: F401
from .fileio import atomic_write, read_bytes, remove_stale_temps  # noqa: F401
from .ndarray import ndfile  # noqa: F401
from .states_file import (StatesDict, add_params_digest, check_states_for_weights,  # noqa: F401
                          dumps_optimizer_states, index_named_states, load_optimizer_states_file,
                          loads_optimizer_states, name_positional_states,
                          save_optimizer_states_file, states_params_digest)

# whether scikit-learn imports (MXNet's FeedForward then subclasses its BaseEstimator; tfmod's
# does not)
SKLEARN_INSTALLED = importlib.util.find_spec('sklearn') is not None
