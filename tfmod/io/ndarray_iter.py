"""NDArrayIter: batches over in-memory arrays (numpy, NDArray, anything numpy can read).

Behaviour follows MXNet 1.9.1 (see tests/fixtures/modules README, section 6 and Pitfall 15):

* inputs are canonicalised to a list of ``(name, array)`` sorted by name: a dict keeps its keys,
  a single array is called ``data_name`` / ``label_name``, a list of several is called
  ``_0_<name>``, ``_1_<name>`` ...;
* numpy (and other non-NDArray) inputs become float32; NDArray inputs keep their dtype --
  until a shuffle, which (as in MXNet) rebuilds every array as float32;
* ``last_batch_handle``: 'pad' wraps the last batch around to the start of the data and reports
  the wrapped count as ``pad``; 'discard' drops the incomplete tail; 'roll_over' caches the tail
  and glues it in front of the next epoch's first batch, whose ``pad`` is then the cached count;
  ``hard_reset()`` drops that cache;
* ``shuffle`` re-draws the order with ``np.random.shuffle`` on every ``reset``/``hard_reset``
  (including the one made by the constructor), exactly as MXNet does, so a given
  ``np.random.seed`` gives MXNet's order.

The arrays are kept as host numpy arrays; a batch is one numpy slice (a view) per array turned
into one eager tensor -- no per-sample work on the hot path.
"""
import numpy as np
import tensorflow as tf

from ..aligned import aligned_empty as _aligned_empty   # also image_record_iter's
from ..aligned import host_tensor as _host_tensor
from ..base import MXNetError
from ..context import current_context
from ..ndarray.ndarray import NDArray, from_tensor
from .base import DataBatch, DataDesc, DataIter

_HANDLES = ('pad', 'discard', 'roll_over')


def _aligned(a, dtype=None):
    """A private C-contiguous copy of ``a`` whose buffer starts on a 64-byte boundary.

    TF wraps an aligned host array without copying it, so a batch that is a view of such a
    source at an aligned offset (first axis, row bytes x cursor a multiple of 64) becomes a
    tensor for free; a plain numpy buffer (16-byte aligned) is copied on every batch."""
    a = np.asarray(a)
    out = _aligned_empty(a.shape, a.dtype if dtype is None else dtype)
    out[...] = a            # the one copy (and cast)
    return out


def _aligned_take(a, idx, axis):
    """``np.take(a, idx, axis)`` as float32 into an aligned buffer, in one pass when ``a`` is
    float32 already (a shuffle every epoch)."""
    shape = a.shape[:axis] + (len(idx),) + a.shape[axis + 1:]
    out = _aligned_empty(shape, np.float32)
    if a.dtype == np.float32:
        np.take(a, idx, axis=axis, out=out)
    else:
        out[...] = np.take(a, idx, axis=axis)
    return out


def _to_nd(a, ctx):
    """One host array (possibly a view) as an NDArray on ``ctx``: one copy, no per-sample work."""
    if ctx.device_type == 'cpu' and ctx.device_id == 0:
        return from_tensor(_host_tensor(a), ctx)
    with tf.device(ctx.tf_device):
        t = tf.identity(tf.convert_to_tensor(a))
    return from_tensor(t, ctx)


def _as_host(value, arg, key):
    """(host array, context) of one input; NDArrays keep their dtype, the rest become float32."""
    if isinstance(value, NDArray):
        return _aligned(value.asnumpy()), value.context
    if hasattr(value, 'tocsr') or type(value).__name__ == 'CSRNDArray':
        raise MXNetError('NDArrayIter: %s %r is a sparse matrix; tfmod supports dense arrays only'
                         % (arg, key))
    try:
        a = _aligned(value, np.float32)
    except (TypeError, ValueError) as e:
        raise MXNetError("NDArrayIter: invalid type '%s' for %s %r, should be NDArray or "
                         "numpy.ndarray (%s)" % (type(value).__name__, arg, key, e)) from None
    return a, current_context()


def _init_arrays(value, default_name, arg, allow_empty):
    """MXNet's canonical form: a list of (name, host array, context), sorted by name."""
    if value is None:
        value = []
    if isinstance(value, (np.ndarray, NDArray)) or (
            hasattr(value, '__array__') and not isinstance(value, (list, tuple, dict))):
        value = [value]
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, list):
        if len(value) == 1:
            value = {default_name: value[0]}
        else:
            value = {'_%d_%s' % (i, default_name): v for i, v in enumerate(value)}
    if not isinstance(value, dict):
        raise MXNetError('NDArrayIter: %s must be an NDArray, a numpy.ndarray, a list of them or '
                         'a dict of name -> array, got %s' % (arg, type(value).__name__))
    if not value and not allow_empty:
        raise MXNetError('NDArrayIter: %s is empty; give at least one array' % arg)
    out = []
    for key in sorted(value):
        a, ctx = _as_host(value[key], arg, key)
        if a.ndim == 0:
            raise MXNetError('NDArrayIter: %s %r is a scalar; it needs a batch axis' % (arg, key))
        out.append((key, a, ctx))
    return out


class NDArrayIter(DataIter):
    """Iterate over arrays in mini-batches (MXNet's ``mx.io.NDArrayIter``).

    Parameters are MXNet's: ``data``, ``label`` (array, list of arrays or dict name -> array),
    ``batch_size``, ``shuffle``, ``last_batch_handle`` ('pad', 'discard' or 'roll_over'),
    ``data_name``, ``label_name`` and ``layout`` (its 'N' marks the batch axis).
    """

    def __init__(self, data, label=None, batch_size=1, shuffle=False, last_batch_handle='pad',
                 data_name='data', label_name='softmax_label', layout='NCHW'):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size <= 0:
            raise MXNetError('NDArrayIter: batch_size must be a positive integer, got %r'
                             % (batch_size,))
        batch_size = int(batch_size)
        super().__init__(batch_size)
        if last_batch_handle not in _HANDLES:
            raise MXNetError("NDArrayIter: last_batch_handle must be one of 'pad', 'discard', "
                             "'roll_over', got %r" % (last_batch_handle,))
        if not isinstance(layout, str) or 'N' not in layout:
            raise MXNetError("NDArrayIter: layout must be a string with an 'N' batch axis, "
                             "got %r" % (layout,))
        self.layout = layout
        self._axis = layout.find('N')
        data = _init_arrays(data, data_name, 'data', allow_empty=False)
        label = _init_arrays(label, label_name, 'label', allow_empty=True)
        self._names = {'data': [k for k, _, _ in data], 'label': [k for k, _, _ in label]}
        self._arrays = {'data': [a for _, a, _ in data], 'label': [a for _, a, _ in label]}
        self._ctxs = {'data': [c for _, _, c in data], 'label': [c for _, _, c in label]}
        num = None
        for which in ('data', 'label'):
            for key, a in zip(self._names[which], self._arrays[which]):
                if a.ndim <= self._axis:
                    raise MXNetError('NDArrayIter: %s %r has shape %s, which has no batch axis %d '
                                     '(layout %r)' % (which, key, a.shape, self._axis, layout))
                n = a.shape[self._axis]
                if num is None:
                    num, first = n, (which, key)
                elif n != num:
                    raise MXNetError('NDArrayIter: %s %r has %d samples but %s %r has %d; data '
                                     'and label must have the same number of samples'
                                     % (which, key, n, first[0], first[1], num))
        self.num_data = num
        self.idx = np.arange(num)
        self.shuffle = shuffle
        self.last_batch_handle = last_batch_handle
        self.cursor = -batch_size
        self._nd_cache = {}
        self._cache = {'data': None, 'label': None}
        self.reset()

    # -- MXNet's public attributes ----------------------------------------------------------
    def _nd_sources(self, which):
        if which not in self._nd_cache:
            self._nd_cache[which] = [(k, _to_nd(a, c)) for k, a, c in
                                     zip(self._names[which], self._arrays[which],
                                         self._ctxs[which])]
        return self._nd_cache[which]

    @property
    def data(self):
        """The data as MXNet keeps it: a list of (name, NDArray), sorted by name."""
        return self._nd_sources('data')

    @property
    def label(self):
        """The labels as a list of (name, NDArray), sorted by name."""
        return self._nd_sources('label')

    @property
    def data_list(self):
        return [a for _, a in self.data] + [a for _, a in self.label]

    @property
    def num_source(self):
        return len(self._arrays['data']) + len(self._arrays['label'])

    def _descs(self, which):
        ax, bs = self._axis, self.batch_size
        return [DataDesc(k, a.shape[:ax] + (bs,) + a.shape[ax + 1:], a.dtype.type,
                         layout=self.layout)
                for k, a in zip(self._names[which], self._arrays[which])]

    @property
    def provide_data(self):
        """DataDesc per data array, batch axis set to batch_size."""
        return self._descs('data')

    @property
    def provide_label(self):
        """DataDesc per label array, batch axis set to batch_size."""
        return self._descs('label')

    # -- epoch control ----------------------------------------------------------------------
    def _shuffle_data(self):
        # As MXNet: permute the index in place, then rebuild every array from it (the arrays
        # are already in the previous order, so permutations compose) -- as float32.
        np.random.shuffle(self.idx)
        for which in ('data', 'label'):
            self._arrays[which] = [_aligned_take(a, self.idx, self._axis)
                                   for a in self._arrays[which]]
        self._nd_cache = {}

    def hard_reset(self):
        """Back to the start, dropping any rolled-over samples."""
        if self.shuffle:
            self._shuffle_data()
        self.cursor = -self.batch_size
        self._cache = {'data': None, 'label': None}

    def reset(self):
        """Back to the start; with 'roll_over' an incomplete tail is carried into the new epoch."""
        if self.shuffle:
            self._shuffle_data()
        n, bs = self.num_data, self.batch_size
        if self.last_batch_handle == 'roll_over' and n - bs < self.cursor < n:
            self.cursor = self.cursor - n - bs
        else:
            self.cursor = -bs

    # -- batches ----------------------------------------------------------------------------
    def iter_next(self):
        self.cursor += self.batch_size
        return self.cursor < self.num_data

    def _slice(self, a, start, stop):
        if self._axis == 0:
            return a[start:stop]
        return a[(slice(None),) * self._axis + (slice(start, stop),)]

    def _host_batch(self, which):
        """The current batch of one source list as host arrays (views where possible)."""
        arrays = self._arrays[which]
        c, bs, n = self.cursor, self.batch_size, self.num_data
        if c >= n:
            raise MXNetError('NDArrayIter: the iterator is exhausted; call reset()')
        if self.last_batch_handle == 'roll_over' and -bs < c < 0:
            cached = self._cache[which]
            if cached is None:
                raise MXNetError('NDArrayIter: the first roll_over batch of an epoch needs the '
                                 'tail cached by the previous epoch; use next() or hard_reset()')
            if c + bs > n:  # MXNet fails here too (slice end beyond the data)
                raise MXNetError('NDArrayIter: roll_over needs batch_size (%d) <= number of '
                                 'samples (%d) to complete the rolled-over batch' % (bs, n))
            self._cache[which] = None
            return [np.concatenate([t, self._slice(a, 0, c + bs)], axis=self._axis)
                    for t, a in zip(cached, arrays)]
        if self.last_batch_handle == 'pad' and c + bs > n:
            wrap = np.arange(c, c + bs) % n
            return [np.take(a, wrap, axis=self._axis) for a in arrays]
        return [self._slice(a, c, min(c + bs, n)) for a in arrays]

    def _wrap(self, which, host):
        return [_to_nd(a, ctx) for a, ctx in zip(host, self._ctxs[which])]

    def getdata(self):
        return self._wrap('data', self._host_batch('data'))

    def getlabel(self):
        return self._wrap('label', self._host_batch('label'))

    def getpad(self):
        c, bs, n = self.cursor, self.batch_size, self.num_data
        if self.last_batch_handle == 'pad' and c + bs > n:
            return c + bs - n
        if self.last_batch_handle == 'roll_over' and -bs < c < 0:
            return -c
        return 0

    def getindex(self):
        return None

    def next(self):
        if not self.iter_next():
            raise StopIteration
        data = self._host_batch('data')
        label = self._host_batch('label')
        if data[0].shape[self._axis] != self.batch_size:
            # incomplete tail ('discard' / 'roll_over'): keep it for the next epoch and stop
            self._cache = {'data': data, 'label': label}
            raise StopIteration
        return DataBatch(data=self._wrap('data', data), label=self._wrap('label', label),
                         pad=self.getpad(), index=None)
