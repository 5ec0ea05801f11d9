"""Checkpoints: ``prefix-symbol.json``, ``prefix-%04d.params`` and optimizer ``.states`` files.

``.params`` files are MXNet's NDArray list format with ``arg:``/``aux:`` keys, byte-compatible both
ways. Optimizer states are different: MXNet pickles them, and unpickling runs code. tfmod writes
its states in the NDArray list format (structure encoded in the names, no pickle), and reads
MXNet-written pickles through a restricted unpickler that admits only MXNet's NDArray, bytearray
and -- for ``dump_optimizer`` files -- the optimizer and scheduler classes tfmod also has (only
their attribute dicts are read; tfmod's own class is then built from them). Any other global in
the pickle (``os.system``, ``builtins.eval``...) raises MXNetError before anything runs.

Pickles of every release since 0.9 are read: the NDArray class under ``mxnet.ndarray`` (before
0.12) or ``mxnet.ndarray.ndarray``, Python 2's protocol-0 text pickles (``copy_reg`` admitted
for those classes only), optimizers pickled before 1.6 without per-device update counts, and
kvstore states keyed by parameter position (before 0.12) instead of name.

Every reader bounds what a file can make it do (nesting, counts, sizes, memo indices) and raises
MXNetError naming the file; loaded states are checked against their weights. A checkpoint's
``.states`` is written before its ``.params`` and records their SHA-256, so an interrupted or
partial save leaves a pair that is refused at load rather than silently resumed.
"""
import hashlib
import inspect
import io
import logging
import os
import pickle
import re
from collections import namedtuple

import numpy as np

from .base import MXNetError
from .fileio import atomic_write, read_bytes, remove_stale_temps
from .ndarray import ndarray as _nd
from .ndarray import ndfile

BatchEndParam = namedtuple('BatchEndParams', ['epoch', 'nbatch', 'eval_metric', 'locals'])

_STATES_TAG = '__tfmod_optimizer_states__'


# -- .params --------------------------------------------------------------------------------------
def save_params_file(fname, arg_params, aux_params):
    """Write ``arg:``/``aux:`` params in the given (MXNet: list_arguments, then aux) order."""
    save_dict = {('arg:%s' % k): v for k, v in arg_params.items()}
    save_dict.update({('aux:%s' % k): v for k, v in aux_params.items()})
    ndfile.save(fname, save_dict)


def load_params(prefix, epoch):
    """(arg_params, aux_params) from ``prefix-%04d.params``."""
    fname = '%s-%04d.params' % (prefix, epoch)
    return _split_params(ndfile.load(fname), fname)


def _split_params(save_dict, fname):
    if not isinstance(save_dict, dict):
        raise MXNetError('%s holds an unnamed array list, not arg:/aux: parameters' % fname)
    arg_params, aux_params = {}, {}
    for k, v in save_dict.items():
        tp, _, name = k.partition(':')
        if tp == 'arg':
            arg_params[name] = v
        elif tp == 'aux':
            aux_params[name] = v
        else:
            raise MXNetError('%s: key %r is neither arg:<name> nor aux:<name>' % (fname, k))
    return arg_params, aux_params


def params_bytes(arg_params, aux_params):
    """The bytes ``save_params_file`` writes."""
    names = ['arg:%s' % k for k in arg_params] + ['aux:%s' % k for k in aux_params]
    arrays = [v.asnumpy() for v in arg_params.values()] + \
        [v.asnumpy() for v in aux_params.values()]
    return ndfile.dumps(arrays, names)


def save_params_and_states(param_name, arg_params, aux_params, state_name=None,
                           states_bytes=None):
    """Write a checkpoint's ``.params`` and (optionally) ``.states`` as one unit.

    The states go first, recording the SHA-256 of the params bytes they belong to; the params
    go last. Each file is replaced atomically, so a crash leaves the previous pair, or new
    states beside old params -- a pair ``check_states_pair`` refuses -- never a half file.
    """
    pbytes = params_bytes(arg_params, aux_params)
    m = re.match(r'(.*-)\d{4,}\.params$', os.path.basename(param_name))
    if m:   # temporaries of any earlier killed save of this checkpoint prefix
        remove_stale_temps(os.path.dirname(os.path.abspath(param_name)), m.group(1))
    if state_name is not None:
        atomic_write(state_name, add_params_digest(states_bytes, pbytes, state_name))
    atomic_write(param_name, pbytes)


_DIGEST_TAG = '__tfmod_params_digest__'


def add_params_digest(states_bytes, pbytes, source='optimizer states'):
    """tfmod states bytes with the SHA-256 of the ``.params`` bytes they go with."""
    arrays, names = ndfile.loads(states_bytes, source)
    keep = [(a, n) for a, n in zip(arrays, names) if n != _DIGEST_TAG]
    digest = np.frombuffer(hashlib.sha256(pbytes).digest(), np.uint8)
    return ndfile.dumps([a for a, _ in keep] + [digest], [n for _, n in keep] + [_DIGEST_TAG])


def states_params_digest(states_bytes, source):
    """The params digest a tfmod states file records (None: none recorded, or MXNet's pickle)."""
    if bytes(states_bytes[:8]) != (0x112).to_bytes(8, 'little'):
        return None
    arrays, names = ndfile.loads(states_bytes, source)
    for a, n in zip(arrays, names):
        if n == _DIGEST_TAG:
            if a is None or a.dtype != np.uint8 or a.shape != (32,):
                raise _bad(source, 'malformed params digest entry')
            return a.tobytes()
    return None


def check_states_pair(state_name, param_name=None):
    """Refuse a ``.states`` that records a different ``.params`` than the one beside it.

    ``param_name`` defaults to the ``prefix-NNNN.params`` sibling of ``prefix-NNNN.states``; when
    that file is absent, or the states record no digest (MXNet's, older tfmod's), nothing is
    checked."""
    if param_name is None:
        m = re.match(r'(.*-\d{4,})\.states$', os.fspath(state_name))
        if not m:
            return
        param_name = m.group(1) + '.params'
    if not os.path.exists(param_name):
        return
    want = states_params_digest(read_bytes(state_name, 'optimizer states file'), state_name)
    if want is None:
        return
    if hashlib.sha256(read_bytes(param_name, 'params file')).digest() != want:
        raise MXNetError('%s belongs to a different %s than the one beside it (the pair was not '
                         'saved together, e.g. a save was interrupted); refusing to resume '
                         'with mismatched optimizer states' % (state_name, param_name))


def save_checkpoint(prefix, epoch, symbol, arg_params, aux_params, remove_amp_cast=True):
    """``prefix-symbol.json`` and ``prefix-%04d.params`` (each written atomically)."""
    if symbol is not None:
        symbol.save('%s-symbol.json' % prefix, remove_amp_cast=remove_amp_cast)
    param_name = '%s-%04d.params' % (prefix, epoch)
    save_params_file(param_name, arg_params, aux_params)
    logging.info('Saved checkpoint to "%s"', param_name)


def load_checkpoint(prefix, epoch):
    """(symbol, arg_params, aux_params) of an MXNet or tfmod checkpoint."""
    from .symbol import load as sym_load
    symbol = sym_load('%s-symbol.json' % prefix)
    arg_params, aux_params = load_params(prefix, epoch)
    return symbol, arg_params, aux_params


# -- optimizer states -----------------------------------------------------------------------------
def _key(idx):
    if isinstance(idx, bool) or not isinstance(idx, (int, np.integer, str)):
        raise MXNetError('optimizer state index %r is neither int nor str' % (idx,))
    return ('i:%d' % idx) if not isinstance(idx, str) else ('s:' + idx)


_COUNT_TAG = '__tfmod_update_count__'


class StatesDict(dict):
    """Decoded optimizer states; ``counts`` holds the optimizer's update counts when the file
    recorded them (tfmod's files do; MXNet's pickles do not)."""
    counts = None


def dumps_optimizer_states(states, optimizer=None, counts=None):
    """Bytes of ``{index: state}`` in tfmod's safe format (an NDArray list file).

    ``counts`` -- ``(num_update, {device_id: {index: count}})`` -- are stored too, so resuming
    continues Adam's bias correction and lr schedules where they were (MXNet restarts them).
    """
    if optimizer is not None:
        logging.warning('tfmod does not store the optimizer object in states files '
                        '(dump_optimizer); only the states are saved')
    names = [_STATES_TAG]
    arrays = [np.zeros((0,), np.int32)]
    for idx, st in states.items():
        base = _key(idx)
        _encode_state(base, st, names, arrays)
    if counts is not None:
        num_update, per_device = counts
        names.append(_COUNT_TAG)
        arrays.append(np.array([num_update], np.int64))
        for dev, table in per_device.items():
            for idx, c in table.items():
                names.append('%s|%d|%s' % (_COUNT_TAG, int(dev), _key(idx)))
                arrays.append(np.array([c], np.int64))
    return ndfile.dumps(arrays, names)


def _encode_state(base, st, names, arrays):
    if st is None:
        names.append(base + '|none')
        arrays.append(np.zeros((0,), np.int32))
    elif isinstance(st, (tuple, list)):
        names.append(base + '|%s%d' % ('tuple' if isinstance(st, tuple) else 'list', len(st)))
        arrays.append(np.zeros((0,), np.int32))
        for j, s in enumerate(st):
            _encode_state('%s/%d' % (base, j), s, names, arrays)
    elif isinstance(st, _nd.NDArray):
        names.append(base + '|nd')
        arrays.append(st.asnumpy())
    else:
        raise MXNetError('cannot save optimizer state of type %s' % type(st).__name__)


_MAX_STATE_DEPTH = 16   # nesting of tuples/lists in one state (MXNet's deepest is 2)


def _bad(source, why):
    return MXNetError('%s is not a valid tfmod optimizer states file: %s' % (source, why))


def _parse_key(k, source):
    kind, sep, v = k.partition(':')
    if not sep or kind not in ('i', 's') or (kind == 'i' and not _is_int_text(v)):
        raise _bad(source, 'bad state index %r' % k)
    return int(v) if kind == 'i' else v


def _is_int_text(v):
    return v.lstrip('-').isdigit() and v.isascii() and len(v) < 20


def _scalar_int(arr, name, source):
    if arr is None or arr.shape != (1,) or arr.dtype != np.int64:
        raise _bad(source, 'entry %r is not one int64 count' % name)
    return int(arr[0])


def _decode_states(arrays, names, source):
    """The ``{index: state}`` tree of a tfmod states file; every entry is checked (kind, child
    count, nesting, duplicates) so a damaged file fails here, naming what is wrong."""
    if len(set(names)) != len(names):
        raise _bad(source, 'duplicate entry names')
    entries = dict(zip(names, arrays))
    tree = {}
    counts = None
    for name in names[1:]:
        if name == _DIGEST_TAG:
            continue
        if name.startswith(_COUNT_TAG):
            if counts is None:
                counts = [0, {}]
            if name == _COUNT_TAG:
                counts[0] = _scalar_int(entries[name], name, source)
                continue
            parts = name.split('|', 2)
            if len(parts) != 3 or parts[0] != _COUNT_TAG or not _is_int_text(parts[1]):
                raise _bad(source, 'bad update count entry %r' % name)
            counts[1].setdefault(int(parts[1]), {})[_parse_key(parts[2], source)] = \
                _scalar_int(entries[name], name, source)
            continue
        path, sep, kind = name.rpartition('|')
        if not sep or not path:
            raise _bad(source, 'entry %r has no kind' % name)
        tree[path] = (kind, entries[name])
    used = set()

    def build(path, depth):
        if depth > _MAX_STATE_DEPTH:
            raise _bad(source, 'state %r nests deeper than %d' % (path, _MAX_STATE_DEPTH))
        if path not in tree:
            raise _bad(source, 'state entry %r is missing' % path)
        used.add(path)
        kind, arr = tree[path]
        if kind == 'nd':
            if arr is None:
                raise _bad(source, 'state %r holds a none array' % path)
            return _nd.array(arr.reshape(arr.shape or (1,)), dtype=arr.dtype)
        if kind == 'none':
            return None
        for tag, ctor in (('tuple', tuple), ('list', list)):
            if kind.startswith(tag) and kind[len(tag):].isdigit() and kind[len(tag):].isascii():
                n = int(kind[len(tag):])
                if n > len(tree):
                    raise _bad(source, 'state %r claims %d parts' % (path, n))
                return ctor(build('%s/%d' % (path, j), depth + 1) for j in range(n))
        raise _bad(source, 'unknown state entry kind %r of %r' % (kind, path))
    out = StatesDict()
    for p in tree:
        if '/' not in p:
            out[_parse_key(p, source)] = build(p, 0)
    if len(used) != len(tree):
        raise _bad(source, 'entries %s belong to no state' % sorted(set(tree) - used)[:3])
    out.counts = counts
    return out


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


def _optimizer_classes():
    from . import optimizer as _opt
    from . import lr_scheduler as _lrs
    allowed = {}
    for name, klass in _opt.Optimizer.opt_registry.items():
        for mod in ('mxnet.optimizer.optimizer', 'mxnet.optimizer', 'mxnet.optimizer.contrib'):
            allowed[(mod, klass.__name__)] = klass
    for cname in ('FactorScheduler', 'MultiFactorScheduler', 'PolyScheduler',
                  'CosineScheduler', 'LRScheduler'):
        if hasattr(_lrs, cname):
            allowed[('mxnet.lr_scheduler', cname)] = getattr(_lrs, cname)
    return allowed


# where MXNet's NDArray class lived: mxnet/ndarray.py before 0.12, mxnet/ndarray/ndarray.py since
_NDARRAY_MODULES = ('mxnet.ndarray.ndarray', 'mxnet.ndarray')


class _RestrictedUnpickler(pickle.Unpickler):
    """Admits MXNet's NDArray, bytearray, plain containers/numbers and known optimizer classes."""

    def __init__(self, f, source):
        super().__init__(f)
        self.source = source
        self._opt = None

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
            from collections import OrderedDict
            return OrderedDict
        if self._opt is None:
            try:
                self._opt = _optimizer_classes()
            except ImportError:
                self._opt = {}
        klass = self._opt.get((module, name))
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
        from .optimizer import Optimizer
        if obj[1] is not None and not isinstance(obj[1], Optimizer):
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
    import pickletools
    import warnings
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


def loads_optimizer_states(data, source='optimizer states'):
    """``{index: state}`` (or ``(states, optimizer)``) from tfmod's format or an MXNet pickle."""
    if isinstance(data, dict) or (isinstance(data, tuple) and len(data) == 2 and
                                  isinstance(data[0], dict)):
        return data  # already decoded
    data = bytes(data)
    if data[:8] == (0x112).to_bytes(8, 'little'):
        arrays, names = ndfile.loads(data, source)
        if not names or names[0] != _STATES_TAG:
            raise MXNetError('%s is an NDArray file but not a tfmod optimizer states file'
                             % source)
        return _decode_states(arrays, names, source)
    # MXNet's pickles: protocol 2+ start with PROTO (0x80); Python 2 wrote protocol 0 (text)
    if data[:1] != b'\x80' and data[:1] not in b'(}]cd':
        raise MXNetError('%s is neither a tfmod states file nor an MXNet (pickle) states file'
                         % source)
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


def check_states_for_weights(states, optimizer, weights, source):
    """Refuse loaded optimizer states that do not fit their weights, naming the parameter.

    ``weights`` maps a state index to ``(parameter name, weight NDArray)``; each state is compared
    with what ``optimizer`` would create for that weight (structure, shape, dtype), so a damaged
    or foreign ``.states`` fails at load rather than inside the first update. States the
    optimizer does not use (it would create None) and indices without a weight are not checked.
    """
    for key, st in states.items():
        if key not in weights:
            continue
        name, w = weights[key]
        expected = optimizer.create_state_multi_precision(key, w)
        _match_state(st, expected, name, source, 'state')


def _match_state(st, expected, name, source, where):
    if expected is None:
        return
    if isinstance(expected, _nd.NDArray):
        if not isinstance(st, _nd.NDArray):
            raise MXNetError('%s: optimizer %s of parameter %r is %s, expected an array of shape '
                             '%s' % (source, where, name, 'None' if st is None else
                                     type(st).__name__, expected.shape))
        if st.shape != expected.shape or np.dtype(st.dtype) != np.dtype(expected.dtype):
            raise MXNetError('%s: optimizer %s of parameter %r has shape %s and dtype %s; the '
                             'weight needs shape %s and dtype %s'
                             % (source, where, name, st.shape, np.dtype(st.dtype).name,
                                expected.shape, np.dtype(expected.dtype).name))
        return
    if isinstance(expected, (tuple, list)):
        if not isinstance(st, (tuple, list)) or len(st) != len(expected):
            raise MXNetError('%s: optimizer %s of parameter %r should be %d arrays, not %s'
                             % (source, where, name, len(expected),
                                '%d' % len(st) if isinstance(st, (tuple, list)) else
                                type(st).__name__))
        for j, (s, e) in enumerate(zip(st, expected)):
            _match_state(s, e, name, source, '%s[%d]' % (where, j))


def name_positional_states(updater, param_names):
    """Re-key a kvstore updater's states from parameter positions to parameter names.

    Before 0.12 MXNet's Module initialised the kvstore with keys ``0, 1, ...`` (the position in
    ``param_names``), so the kvstore-written ``.states`` key each momentum by position; since
    0.12 (and in tfmod) the keys are the names. MXNet 1.9.1 finds no state under a name in such
    a file and silently restarts the momentum; this keeps it. Does nothing unless every key is
    an int position.
    """
    states = updater.states
    if not states or not all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) and
                             0 <= k < len(param_names) for k in states):
        return
    renamed = StatesDict((param_names[int(k)], v) for k, v in states.items())
    renamed.counts = getattr(states, 'counts', None)
    updater.states = renamed
    updater.states_synced = dict.fromkeys(renamed, False)


def index_named_states(updater, param_names, num_device):
    """Re-key a Module updater's states from parameter names to its ``index * num_device + k``
    slots (one per device). A kvstore-written ``.states`` (several devices, since 0.12) keys by
    name; resumed by a Module that updates without the kvstore (one device), MXNet 1.9.1 finds no
    state under its indices and silently restarts the momentum; this keeps it. Does nothing
    unless every key is one of the names."""
    states = updater.states
    if not states or not all(isinstance(k, str) and k in param_names for k in states):
        return
    renamed = StatesDict()
    for name, st in states.items():
        i = param_names.index(name)
        for k in range(num_device):
            renamed[i * num_device + k] = st if k == 0 else _copy_state(st)
    renamed.counts = getattr(states, 'counts', None)
    updater.states = renamed
    updater.states_synced = dict.fromkeys(renamed, False)


def _copy_state(st):
    if isinstance(st, _nd.NDArray):
        return st.copy()
    if isinstance(st, (tuple, list)):
        return type(st)(_copy_state(s) for s in st)
    return st


def save_optimizer_states_file(fname, states_bytes):
    atomic_write(fname, states_bytes)


def load_optimizer_states_file(fname):
    return read_bytes(fname, 'optimizer states file')


def __getattr__(name):
    # FeedForward is built on Module, which imports this module: load it on first use
    if name == 'FeedForward':
        from .feedforward import FeedForward
        return FeedForward
    raise AttributeError("module 'tfmod.model' has no attribute %r" % name)
