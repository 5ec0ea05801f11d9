"""converters: the transpiler from MXNet op graphs to TensorFlow computations.

Knows MXNet's op names, attributes and semantics; knows nothing of modules, iterators or
optimizers, and never imports tfmod. Importing this package registers every op family.
"""
import importlib
import pkgutil

from . import tf_startup as _tf_startup

_tf_startup.load_quietly()    # first import of TensorFlow, without its start-up chatter

from .base import MXNetError  # noqa: E402
from .graph import GraphFunction, Node, topo_order, classify_variables, check_ops  # noqa: E402
from .infer import infer  # noqa: E402
from . import registry  # noqa: E402

# One module per op family; each registers its ops on import. Every module of this package that
# is not part of the core below is an op family.
_CORE = {'base', 'attrs', 'dtypes', 'dims', 'registry', 'graph', 'infer', 'layout', 'nms',
         'placement', 'shape_mode', 'tf_startup'}
FAMILIES = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__)
                        if m.name not in _CORE and not m.name.startswith('_')))
for _fam in FAMILIES:
    importlib.import_module('.' + _fam, __name__)

__all__ = ['MXNetError', 'GraphFunction', 'Node', 'topo_order', 'classify_variables',
           'check_ops', 'infer', 'registry', 'FAMILIES']
