"""``mx.kv``: MXNet's key-value store for parameters and gradients, in one process.

Semantics follow MXNet's local store: ``init`` stores a copy per key; ``push`` of a list sums it
(the gradients of several devices) and either replaces the stored value or, with an optimizer
set, applies the optimizer to the stored value; ``pull`` copies the stored value into every
output (broadcast to devices). Keys are all ints or all strings.

The ``dist_sync`` types in a multi-worker job (``kvstore/cluster.py``: TF_CONFIG or MXNet's
DMLC_* variables, e.g. from ``python -m tfmod.launch``) keep MXNet's dist_sync results without a
server: ``init`` gives every worker worker 0's value, ``push`` sums the workers' values with
``MultiWorkerMirroredStrategy``'s all-reduce and every worker applies the optimizer to its own
copy (the same update MXNet's server applies once), ``pull`` reads that copy. Outside such a job
they run as rank 0 of 1. ``dist_async`` has no all-reduce form: in a multi-worker job it is
refused, naming ``dist_sync``. Gradient compression is accepted and ignored (exact gradients).

row_sparse values follow MXNet's local store: ``init`` keeps the storage type, a push of
row_sparse arrays sums them over the union of their rows (and the optimizer, if set, updates
only those rows when it is lazy), ``pull`` skips sparse outputs unless ``ignore_sparse=False``,
and ``row_sparse_pull`` fills row_sparse outputs with the stored rows ``row_ids`` asks for.
Across several workers a row_sparse push is densified for the all-reduce and made row_sparse
again (rows whose summed gradient is all zeros then count as untouched).
"""
import tensorflow as tf

from tfmod_converters import sparse as _sp
from ..base import MXNetError
from ..ndarray import ndarray as _nd
from . import cluster, collective
from ..states_file import (check_states_for_weights, load_optimizer_states_file,
                           loads_optimizer_states, save_optimizer_states_file)

TYPES = ('local', 'device', 'nccl', 'dist_sync', 'dist_device_sync', 'dist_async',
         'dist_sync_device', 'local_allreduce_cpu', 'local_allreduce_device', 'local_update_cpu')


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


class KVStore:
    """A key-value store (``mx.kv.create``); also MXNet's ``KVStoreBase``, whose ``register``
    makes a user's store class creatable by its lower-cased name."""
    OPTIMIZER = 'optimizer'
    kv_registry = {}

    @staticmethod
    def register(klass):
        """Class decorator: ``mx.kv.create(klass.__name__.lower())`` builds ``klass()``."""
        if not isinstance(klass, type):
            raise MXNetError('KVStoreBase.register takes a class, got %r' % (klass,))
        name = klass.__name__.lower()
        if name in KVStore.kv_registry:
            import warnings
            old = KVStore.kv_registry[name]
            warnings.warn('WARNING: New kvstore %s.%s is overriding existing kvstore %s.%s'
                          % (klass.__module__, klass.__name__, old.__module__, old.__name__))
        KVStore.kv_registry[name] = klass
        return klass

    def __init__(self, kvtype='local'):
        self._type = kvtype
        # the strategy joining the workers when this is a dist store in a multi-worker job
        self._strategy = cluster.strategy() if kvtype.startswith('dist') else None
        self._store = {}
        self._key_type = None
        self._updater = None
        self._optimizer = None
        self._compression = None

    # -- properties -------------------------------------------------------------------------------
    @property
    def type(self):
        return self._type

    @property
    def rank(self):
        return cluster.rank() if self._strategy is not None else 0

    @property
    def num_workers(self):
        return cluster.num_workers() if self._strategy is not None else 1

    def is_capable(self, capability):
        if capability.lower() == self.OPTIMIZER:
            return True
        raise MXNetError('Unknown capability: %s' % capability)

    # -- keys -----------------------------------------------------------------------------------
    def _pairs(self, key, value, what):
        """Normalise (key, value) into [(key, [arrays...]), ...]."""
        if isinstance(key, (list, tuple)):
            values = list(value) if isinstance(value, (list, tuple)) else None
            if values is None or len(values) != len(key):
                raise MXNetError('%s: %d keys need %d values (or lists of values)'
                                 % (what, len(key), len(key)))
            return [(k, _as_list(v)) for k, v in zip(key, values)]
        return [(key, _as_list(value))]

    def _check_key(self, k):
        kt = 'str' if isinstance(k, str) else 'int'
        if kt == 'int' and not isinstance(k, int):
            raise MXNetError('kvstore keys must be int or str, got %r' % (k,))
        if self._key_type is None:
            self._key_type = kt
        elif self._key_type != kt:
            raise MXNetError('Mixed key types are not allowed (key %r after %s keys)'
                             % (k, self._key_type))

    def _stored(self, k):
        if k not in self._store:
            raise MXNetError('key %r has not been inited' % (k,))
        return self._store[k]

    # -- operations -----------------------------------------------------------------------------
    def init(self, key, value):
        """Store initial values (a copy) for keys."""
        for k, vals in self._pairs(key, value, 'init'):
            self._check_key(k)
            if k in self._store:
                raise MXNetError('duplicate init of key %r' % (k,))
            v = vals[0]
            self._store[k] = _nd.array(v.asnumpy(), ctx=v.context, dtype=v.dtype)
            if self._strategy is not None:   # every worker starts from worker 0's value
                with tf.device(v.context.tf_device):
                    t = collective.from_rank0([self._store[k]._read()])[0]
                self._store[k] = _nd.from_tensor(t, v.context)
            if v.stype != 'default':   # the stored rows as given (worker 0's value: its rows)
                self._store[k] = v.copy() if self._strategy is None else \
                    self._store[k].tostype(v.stype)

    def push(self, key, value, priority=0):
        """Sum the values of each key; apply the optimizer if one is set, else replace."""
        for k, vals in self._pairs(key, value, 'push'):
            stored = self._stored(k)
            merged = vals[0] if len(vals) == 1 else _sum(vals, stored)
            if self._strategy is not None:   # the workers' values summed (dist_sync)
                summed = _nd.from_tensor(collective.all_sum([merged._read()])[0],
                                         stored.context)
                merged = summed.tostype(merged.stype) if merged.stype != 'default' else summed
            if merged.shape != stored.shape:
                raise MXNetError('push: key %r has shape %s, pushed %s'
                                 % (k, stored.shape, merged.shape))
            if self._updater is not None:
                self._updater(k, merged, stored)
            elif merged.stype != stored.stype:   # MXNet's store takes the pushed storage type
                self._store[k] = merged.copy()
            else:
                stored[:] = merged

    def pull(self, key, out=None, priority=0, ignore_sparse=True):
        """Copy each key's stored value into every array of ``out`` (sparse outputs are left
        alone unless ``ignore_sparse=False``, as MXNet)."""
        if out is None:
            raise MXNetError('pull needs out=')
        for k, outs in self._pairs(key, out, 'pull'):
            stored = self._stored(k)
            for o in outs:
                if o.stype == 'default' or not ignore_sparse:
                    o[:] = stored

    def pushpull(self, key, value, out=None, priority=0):
        """push then pull (into ``value`` when ``out`` is None)."""
        self.push(key, value, priority)
        self.pull(key, value if out is None else out, priority)

    def broadcast(self, key, value, out, priority=0):
        """init with ``value`` then pull into ``out``."""
        self.init(key, value)
        self.pull(key, out, priority)

    def row_sparse_pull(self, key, out=None, priority=0, row_ids=None):
        """Fill each row_sparse ``out`` with the stored rows ``row_ids`` names (an NDArray, or
        one per output; repeats and order do not matter): MXNet's row_sparse_pull."""
        if out is None or row_ids is None:
            raise MXNetError('row_sparse_pull needs out= and row_ids=')
        if isinstance(row_ids, _nd.NDArray):
            row_ids = [row_ids]
        if not isinstance(row_ids, list):
            raise MXNetError('row_ids should be NDArray or list of NDArray')
        pairs = self._pairs(key, out, 'row_sparse_pull')
        outs_all = [o for _, outs in pairs for o in outs]
        if len(row_ids) == 1:
            row_ids = row_ids * len(outs_all)
        if len(row_ids) != len(outs_all):
            raise MXNetError("row_sparse_pull: the number of row_ids (%d) doesn't match the "
                             'number of values (%d)' % (len(row_ids), len(outs_all)))
        ids = iter(row_ids)
        for k, outs in pairs:
            stored = self._stored(k)
            if stored.stype != 'row_sparse':
                raise MXNetError('row_sparse_pull: key %r holds a %s array; PullRowSparse '
                                 'expects row_sparse src NDArray' % (k, stored.stype))
            for o in outs:
                rows = next(ids)
                if o.stype != 'row_sparse':
                    raise MXNetError('row_sparse_pull: expected row_sparse storage type for '
                                     'row_sparse_pull values (key %r), got %s' % (k, o.stype))
                with tf.device(stored.context.tf_device):
                    uniq = tf.sort(tf.unique(tf.cast(tf.reshape(rows._read(), [-1]),
                                                     tf.int64))[0])
                    o._write(_sp.retain(stored._content(), uniq))

    # -- optimizer --------------------------------------------------------------------------------
    def set_optimizer(self, optimizer):
        """Apply ``optimizer`` to pushed gradients from now on."""
        from ..optimizer import get_updater
        self._optimizer = optimizer
        self._set_updater(get_updater(optimizer))

    def _set_updater(self, updater):
        self._updater = updater

    def _send_command_to_servers(self, head, body):
        """No-op: there are no server processes (the workers all-reduce)."""

    def set_gradient_compression(self, compression_params):
        """Accepted for compatibility; compression is not applied (exact gradients are used)."""
        if not isinstance(compression_params, dict) or 'type' not in compression_params:
            raise MXNetError("compression_params must be a dict with a 'type' key")
        self._compression = dict(compression_params)

    def save_optimizer_states(self, fname, dump_optimizer=False):
        if self._updater is None:
            raise MXNetError('Cannot save states for distributed training (no updater set)')
        _nd.flush_pending()
        save_optimizer_states_file(fname, self._updater.get_states(dump_optimizer))

    def load_optimizer_states(self, fname):
        if self._updater is None:
            raise MXNetError('Cannot load states for distributed training (no updater set)')
        updater = self._updater
        before = (updater.states, updater.states_synced)
        updater.set_states(loads_optimizer_states(load_optimizer_states_file(fname), fname))
        try:   # states that do not fit the stored weights fail here, naming the key
            check_states_for_weights(updater.states, updater.optimizer,
                                     {k: (k, w) for k, w in self._store.items()}, fname)
        except MXNetError:
            updater.states, updater.states_synced = before
            raise

    def _barrier(self):
        """Wait until every worker reaches this point (a no-op in one process)."""
        _nd.flush_pending()
        if self._strategy is not None:
            collective.all_true(True)

    def _all_have(self, flag):
        """Whether every worker has ``flag`` (fit's "another batch?": all end the epoch
        together when one worker's data runs out, instead of the others waiting forever)."""
        if self._strategy is None:
            return flag
        return collective.all_true(flag)

    barrier = _barrier


def _sum(vals, like):
    with tf.device(like.context.tf_device):
        if all(v.stype == 'row_sparse' for v in vals):   # over the union of their rows
            from .. import ndarray
            return ndarray.add_n(*vals)
        t = tf.add_n([tf.identity(v._read()) for v in vals])
    return _nd.from_tensor(t, like.context)


def create(name='local'):
    """A KVStore: 'local', 'device', 'nccl', or a 'dist_*' type (several workers when this
    process is one of a multi-worker job, see ``kvstore/cluster.py``)."""
    if not isinstance(name, str):
        raise TypeError('name must be a string')
    name = name.lower()
    if name in KVStore.kv_registry:
        return KVStore.kv_registry[name]()
    if name not in TYPES:
        raise MXNetError('Unknown KVStore type %r; valid types: %s' % (name, ', '.join(TYPES)))
    if name.startswith('dist') and cluster.spec() is None and cluster.spec_from_env():
        raise MXNetError('kvstore %r: the environment describes a job of several workers, but '
                         'it was set after tfmod was imported; set TF_CONFIG (or DMLC_*) before '
                         'starting Python, e.g. with python -m tfmod.launch' % name)
    if name == 'dist_async' and cluster.strategy() is not None:
        raise MXNetError("kvstore 'dist_async' is not supported with several workers: tfmod's "
                         "workers all-reduce their gradients in step; use 'dist_sync' (or "
                         "'dist_device_sync')")
    return KVStore(name)
