"""Optimizer ``.states`` files: tfmod's format, reading MXNet's, and checking loaded states.

MXNet pickles its states, and unpickling runs code. tfmod writes them in the NDArray list format
instead (structure encoded in the entry names, no pickle), with the optimizer's update counts and
the SHA-256 of the ``.params`` file saved with them; MXNet's pickles are read through
``states_pickle``'s restricted unpickler. Every decoded file is checked entry by entry, and
loaded states against their weights, raising MXNetError naming the file. kvstore states keyed by
parameter position (MXNet before 0.12) or by name are re-keyed for the updater that resumes them.
"""
import hashlib
import logging

import numpy as np

from .base import MXNetError
from .fileio import atomic_write, read_bytes
from .ndarray import ndarray as _nd
from .ndarray import ndfile
from .states_pickle import loads_pickled_states

_STATES_TAG = '__tfmod_optimizer_states__'


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
    return loads_pickled_states(data, source)


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
