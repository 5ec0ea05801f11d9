"""tfmod: MXNet 1.x Symbol + Module programs on TensorFlow 2. Use as ``import tfmod as mx``."""
# the op registry: the converters/ folder, imported as tfmod_converters (this tree's own copy)
from . import _converters_home  # noqa: E402,F401
# tfmod.base imports tfmod_converters, which loads TensorFlow first (converters/tf_startup.py:
# quietly, unless TFMOD_VERBOSE=1 or the user's own TF_CPP_MIN_LOG_LEVEL asks for its start-up
# lines).
from . import base  # noqa: E402
# a worker of a multi-worker job joins it now, before TensorFlow's runtime starts
from .kvstore import cluster as _cluster  # noqa: E402
_cluster.start_from_environment()
from .base import MXNetError  # noqa: E402,F401
from . import context  # noqa: E402
from .context import Context, cpu, gpu, cpu_pinned, current_context, num_gpus  # noqa: E402,F401
from . import name  # noqa: E402,F401
from . import attribute  # noqa: E402
from .attribute import AttrScope  # noqa: E402,F401
from . import random  # noqa: E402,F401
from . import ndarray  # noqa: E402
from . import ndarray as nd  # noqa: E402,F401
from . import symbol  # noqa: E402
from . import symbol as sym  # noqa: E402,F401
from . import executor  # noqa: E402,F401
from . import autograd  # noqa: E402,F401

# ``mx.__version__`` is the MXNet release whose API tfmod follows: scripts gate features on it
# (``mx.__version__ >= '1.6'``); tfmod's own release is ``__tfmod_version__`` (pyproject.toml)
__version__ = '1.9.1'
__tfmod_version__ = '0.1.0'
from . import io  # noqa: E402,F401
from . import recordio  # noqa: E402,F401
from . import image  # noqa: E402,F401
from . import lr_scheduler  # noqa: E402,F401
from . import metric  # noqa: E402,F401
from . import optimizer  # noqa: E402,F401
from . import initializer  # noqa: E402,F401
from . import initializer as init  # noqa: E402,F401
from . import model  # noqa: E402,F401
from . import module  # noqa: E402,F401
from . import module as mod  # noqa: E402,F401
from . import callback  # noqa: E402,F401
from . import rnn  # noqa: E402,F401
from . import kvstore  # noqa: E402,F401
from . import kvstore as kv  # noqa: E402,F401
from . import export  # noqa: E402,F401
from . import operator  # noqa: E402,F401
from . import monitor  # noqa: E402,F401
from . import monitor as mon  # noqa: E402,F401
from . import contrib  # noqa: E402,F401
# MXNet's small helper namespaces (and the mx.* shortcuts MXNet exports from mx.util).
from . import util  # noqa: E402,F401
from .util import (is_np_array, is_np_shape, np_array, np_shape, set_np_shape,  # noqa: E402,F401
                   use_np, use_np_array, use_np_shape)
from . import runtime  # noqa: E402,F401
from . import log  # noqa: E402,F401
from . import engine  # noqa: E402,F401
from . import library  # noqa: E402,F401
from . import test_utils  # noqa: E402,F401
from . import profiler  # noqa: E402,F401
from . import visualization  # noqa: E402,F401
from . import visualization as viz  # noqa: E402,F401
from . import random as rnd  # noqa: E402,F401
from . import image as img  # noqa: E402,F401


def __getattr__(attr):
    """mx.gluon, imported on first use (start-up does not pay for it); mx.np / mx.npx (MXNet's
    NumPy-array interface) are absent: say so by name."""
    if attr == 'gluon':
        import importlib
        return importlib.import_module('.gluon', __name__)
    return util.missing_np_namespace(__name__, attr)


def _quiet_retracing_warnings():
    """tfmod compiles one tf.function per executor on purpose; TF's "triggered tf.function
    retracing" warning about that is noise for users."""
    import logging as _logging

    class _Filter(_logging.Filter):
        def filter(self, record):
            return 'triggered tf.function retracing' not in record.getMessage()
    import tensorflow as _tf
    _tf.get_logger().addFilter(_Filter())


_quiet_retracing_warnings()
