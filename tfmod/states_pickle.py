"""Reading MXNet's pickled optimizer states files without letting the pickle run code.

MXNet pickles ``{index: state}`` (or, with ``dump_optimizer``, ``(states, optimizer)``). The
restricted unpickler admits only MXNet's NDArray, bytearray, plain containers and numbers, and
the optimizer and lr scheduler classes tfmod also has -- filled in by ``Optimizer.register`` and
``tfmod.lr_scheduler`` through ``admit_optimizer`` / ``admit_lr_scheduler``, so this module
imports neither. Of an admitted class only the pickled attribute dict is read; tfmod's own class
is then built from it. Any other global (``os.system``, ``builtins.eval``...) raises MXNetError
before anything runs.

Pickles of every release since 0.9 are read: the NDArray class under ``mxnet.ndarray`` (before
0.12) or ``mxnet.ndarray.ndarray``, Python 2's protocol-0 text pickles (``copy_reg`` admitted
for those classes only), optimizers pickled before 1.6 without per-device update counts. Nesting,
self-reference, memo indices and ``bytearray`` sizes are bounded.
"""
import inspect
import io
import pickle
import pickletools
import warnings
from collections import OrderedDict

from .base import MXNetError
from .ndarray import ndarray as _nd
from .ndarray import ndfile


class _MXNDArrayStub:
    """Stand-in for ``mxnet.ndarray.ndarray.NDArray`` while unpickling; becomes a tfmod NDArray."""
    handle = None

    def __init__(self, *args):
        pass

    def __setstate__(self, state):
        handle = state.get('handle') if isinstance(state, dict) else None
        if not isinstance(handle, (bytes, bytearray)):
            raise MXNetError('pickled NDArray without a byte handle')
        self.handle = bytes(handle)


_ADMITTED = {}            # (module, class name) as MXNet pickles it -> tfmod's class
_OPTIMIZER_CLASSES = []   # the admitted classes that are optimizers


def admit_optimizer(klass):
    """Let MXNet pickles (``dump_optimizer``) name optimizer ``klass``; called by
    ``Optimizer.register``, so every registered optimizer is admitted and nothing else."""
    for mod in ('mxnet.optimizer.optimizer', 'mxnet.optimizer', 'mxnet.optimizer.contrib'):
        _ADMITTED[(mod, klass.__name__)] = klass
    if klass not in _OPTIMIZER_CLASSES:
        _OPTIMIZER_CLASSES.append(klass)


def admit_lr_scheduler(klass):
    """Let MXNet pickles name ``mxnet.lr_scheduler.<klass>`` (an optimizer's scheduler)."""
    _ADMITTED[('mxnet.lr_scheduler', klass.__name__)] = klass


# where MXNet's NDArray class lived: mxnet/ndarray.py before 0.12, mxnet/ndarray/ndarray.py since
_NDARRAY_MODULES = ('mxnet.ndarray.ndarray', 'mxnet.ndarray')


class _RestrictedUnpickler(pickle.Unpickler):
    """Admits MXNet's NDArray, bytearray, plain containers/numbers and known optimizer classes."""

    def __init__(self, f, source):
        super().__init__(f)
        self.source = source

    def find_class(self, module, name):
        if name == 'NDArray' and module in _NDARRAY_MODULES:
            return _MXNDArrayStub
        if module in ('builtins', '__builtin__') and name == 'bytearray':
            return _bytearray_from_data
        if module in ('builtins', '__builtin__') and name in ('set', 'frozenset'):
            return {'set': set, 'frozenset': frozenset}[name]
        if module in ('copy_reg', 'copyreg') and name == '_reconstructor':
            return _reconstruct   # Python 2's protocol 0 makes objects through it
        if module in ('builtins', '__builtin__') and name == 'object':
            return object
        if module == 'collections' and name == 'OrderedDict':
            return OrderedDict
        klass = _ADMITTED.get((module, name))
        if klass is not None:
            return _safe_instance_factory(klass)
        raise MXNetError('%s: refusing to load %s.%s from an optimizer states pickle; only '
                         "MXNet's NDArray and plain data are allowed" % (self.source, module,
                                                                        name))


class _PickledObject:
    """Stand-in for an admitted MXNet optimizer or lr scheduler while unpickling: it only keeps
    the pickled attribute dict; ``_revive`` then builds tfmod's class from it."""
    target = None
    state = None

    def __init__(self, *args):
        pass

    def __setstate__(self, state):
        if isinstance(state, tuple) and len(state) == 2:   # (dict, slots) form
            state = state[0]
        if not isinstance(state, dict):
            raise MXNetError('pickled %s without an attribute dict' % self.target.__name__)
        self.state = state


def _bytearray_from_data(data=b'', encoding=None):
    """``bytearray`` for the pickle, from bytes or text only: ``bytearray(2**30)`` in a 35-byte
    file would allocate a GiB, so a size argument is refused."""
    if isinstance(data, str) and encoding in ('latin-1', 'latin1'):
        return bytearray(data, encoding)
    if isinstance(data, (bytes, bytearray)) and encoding is None:
        return bytearray(data)
    raise MXNetError('refusing bytearray(%s) in an optimizer states pickle: only bytes are '
                     'allowed' % type(data).__name__)


def _reconstruct(cls, base, state):
    """``copy_reg._reconstructor`` for Python 2 pickles, limited to the stand-in types."""
    if not (isinstance(cls, type) and issubclass(cls, (_PickledObject, _MXNDArrayStub))) or \
            base is not object or state is not None:
        raise MXNetError('refusing copy_reg._reconstructor(%r, %r) in an optimizer states pickle'
                         % (cls, base))
    return cls.__new__(cls)


_STAND_INS = {}


def _safe_instance_factory(klass):
    """A type (pickle's NEWOBJ needs one) standing in for ``klass``; nothing of klass runs."""
    if klass not in _STAND_INS:
        _STAND_INS[klass] = type('Pickled' + klass.__name__, (_PickledObject,),
                                 {'target': klass, '__slots__': ()})
    return _STAND_INS[klass]


def _revive(obj, depth=0, path=()):
    """tfmod's optimizer / scheduler with the attributes MXNet pickled (plain data only, as the
    restricted unpickler admits nothing else). Releases before 1.6 lack the per-device update
    counts, which are rebuilt from the single table they had."""
    klass = obj.target
    state = {str(k): _convert_pickled(v, depth + 1, path) for k, v in (obj.state or {}).items()}
    required = {}
    for n, prm in inspect.signature(klass).parameters.items():
        if prm.default is prm.empty and prm.kind in (prm.POSITIONAL_OR_KEYWORD,
                                                     prm.KEYWORD_ONLY) and n in state:
            required[n] = state[n]  # FactorScheduler(step), MultiFactorScheduler(step)...
    try:
        inst = klass(**required)    # tfmod's defaults for attributes older releases lacked
    except Exception:   # any pickled value tfmod's constructor refuses: attributes set below
        inst = klass.__new__(klass)
    inst.__dict__.update(state)
    if hasattr(inst, 'param_dict'):
        inst.param_dict = {}
    if '_index_update_count' in state and '_all_index_update_counts' not in state and \
            hasattr(inst, '_all_index_update_counts'):
        inst._all_index_update_counts = {0: inst._index_update_count}
    return inst


_MAX_PICKLE_DEPTH = 32   # MXNet's states nest 4 deep ((states, optimizer), dict, tuple)


def _convert_pickled(obj, depth=0, path=()):
    """tfmod objects for the unpickled stand-ins; a self-referencing or too deep structure
    (which no MXNet states file has) raises MXNetError instead of recursing without end."""
    if depth > _MAX_PICKLE_DEPTH:
        raise MXNetError('optimizer states pickle nests deeper than %d' % _MAX_PICKLE_DEPTH)
    if isinstance(obj, (dict, tuple, list, _PickledObject)):
        if id(obj) in path:
            raise MXNetError('optimizer states pickle holds a structure that contains itself')
        path = path + (id(obj),)
    if isinstance(obj, _PickledObject):
        return _revive(obj, depth, path)
    if isinstance(obj, _MXNDArrayStub):
        if obj.handle is None:
            raise MXNetError('pickled NDArray without its data')
        a = ndfile.decode_array(obj.handle, 'pickled NDArray')
        return _nd.array(a.reshape(a.shape or (1,)), dtype=a.dtype)
    if isinstance(obj, dict):
        return type(obj)((k, _convert_pickled(v, depth + 1, path)) for k, v in obj.items())
    if isinstance(obj, tuple):
        return tuple(_convert_pickled(v, depth + 1, path) for v in obj)
    if isinstance(obj, list):
        return [_convert_pickled(v, depth + 1, path) for v in obj]
    return obj


def _check_states_shape(obj, source):
    """MXNet's states pickles hold ``{index: state}`` or (``dump_optimizer``) a
    ``(states, optimizer)`` pair, a state being None, an NDArray or a tuple/list of them."""
    states = obj
    if isinstance(obj, tuple):
        if len(obj) != 2 or not isinstance(obj[0], dict):
            raise MXNetError('%s holds a %d-tuple, not {index: state} or (states, optimizer)'
                             % (source, len(obj)))
        states = obj[0]
        if obj[1] is not None and not isinstance(obj[1], tuple(_OPTIMIZER_CLASSES)):
            raise MXNetError('%s: the second item of (states, optimizer) is a %s'
                             % (source, type(obj[1]).__name__))
    elif not isinstance(obj, dict):
        raise MXNetError('%s does not hold a dict of optimizer states' % source)

    def ok(st, depth):
        if st is None or isinstance(st, _nd.NDArray):
            return True
        return isinstance(st, (tuple, list)) and depth < 4 and all(ok(s, depth + 1) for s in st)
    for k, st in states.items():
        if isinstance(k, bool) or not isinstance(k, (int, str)):
            raise MXNetError('%s: optimizer state index %r is neither int nor str' % (source, k))
        if not ok(st, 0):
            raise MXNetError('%s: optimizer state %r is not None, an NDArray or a tuple of them'
                             % (source, k))
    return obj


def _prescan_pickle(data, source):
    """Walk the pickle's opcodes without running them: a memo index beyond the file's length
    (the unpickler would size its memo to it: gigabytes from a few bytes) is refused."""
    try:
        with warnings.catch_warnings():   # protocol 0 strings: codecs.escape_decode's warning
            warnings.simplefilter('ignore', DeprecationWarning)
            ops = list(pickletools.genops(data))
        for op, arg, _ in ops:
            if op.name in ('PUT', 'BINPUT', 'LONG_BINPUT', 'GET', 'BINGET', 'LONG_BINGET') and \
                    (not isinstance(arg, int) or not 0 <= arg <= len(data)):
                raise MXNetError('%s: pickle memo index %r is out of range' % (source, arg))
            if op.name == 'STOP':
                break
    except MXNetError:
        raise
    except Exception as e:
        raise MXNetError('%s is not a readable MXNet optimizer states file: %s'
                         % (source, e)) from None


def loads_pickled_states(data, source):
    """The decoded states of an MXNet pickle (``data``: its bytes), checked for their shape."""
    _prescan_pickle(data, source)
    try:
        obj = _RestrictedUnpickler(io.BytesIO(data), source).load()
    except MXNetError:
        raise
    except Exception as e:  # any malformed pickle
        raise MXNetError('%s is not a readable MXNet optimizer states file: %s: %s'
                         % (source, type(e).__name__, e)) from None
    try:
        obj = _convert_pickled(obj)
    except MXNetError as e:
        raise MXNetError('%s: %s' % (source, e)) from None
    return _check_states_shape(obj, source)
