"""``mx.nd.sparse``: csr and row_sparse NDArrays and their constructors.

:class:`CSRNDArray` holds a ``tf.sparse.SparseTensor``, :class:`RowSparseNDArray` a
``tf.IndexedSlices`` (see converters/sparse.py for both contents). Ops given a sparse array run
the registry's storage rule for that op (MXNet's output storage type, computed on the stored
entries) or, where MXNet has none, read the array dense -- MXNet's storage fallback. The op
functions MXNet exposes here (``mx.nd.sparse.dot``, ``retain``, ``elemwise_add``...) are the
registry's ``_sparse_*`` names, added by ndarray/__init__.py.
"""
import numbers

import numpy as np
import tensorflow as tf

from tfmod_converters import dtypes as _dt
from tfmod_converters import sparse as _sp
from ..base import MXNetError, NotSupportedForSparseNDArray
from ..context import Context, current_context
from .ndarray import NDArray, Storage, array as _dense_array, from_content, from_tensor
from .ndarray import zeros as _dense_zeros
from .ndfile import decode_array, encode_array
from .register import invoke
from .sparse_file import SparseRecord

# ndarray/__init__.py adds the _sparse_* op functions to this module (slice, abs, sum, round...
# among them), so the builtins used here are kept under their own names
_py_slice = slice

__all__ = ['BaseSparseNDArray', 'CSRNDArray', 'RowSparseNDArray', 'csr_matrix',
           'row_sparse_array', 'zeros', 'empty', 'array', 'add', 'subtract', 'multiply',
           'divide']


class BaseSparseNDArray(NDArray):
    """An NDArray whose content is sparse; reading it as a tensor gives its dense value."""
    __slots__ = ('_c',)
    STYPE = None

    def __init__(self, content, ctx=None):
        super().__init__(Storage(shape=_sp.shape_of(content), dtype=content.values.dtype.name,
                                 ctx=ctx or current_context()))
        self._c = content

    # -- contents ---------------------------------------------------------------------------
    def _content(self):
        return self._c

    def _read(self):
        with tf.device(self.context.tf_device):
            return _sp.to_dense(self._c)

    def _write(self, value, inplace=False, track=True):
        """Replace the contents (``x[:] = v``, ``copyto``, ``out=``): the value is stored in this
        array's storage type."""
        if not self.writable:
            raise MXNetError('trying to write to a read-only NDArray')
        if isinstance(value, NDArray):
            x = value._content()
        elif isinstance(value, (tf.Tensor, tf.sparse.SparseTensor, tf.IndexedSlices)):
            x = value
        else:
            x = tf.constant(np.asarray(value, dtype=_dt.to_np(self._s.dtype)))
        if _sp.stype(x) == 'default' and tuple(x.shape) != self.shape:
            x = tf.broadcast_to(x, self.shape)
        if _sp.shape_of(x) != self.shape:
            raise MXNetError('cannot assign a value of shape %s to an array of shape %s'
                             % (_sp.shape_of(x), self.shape))
        if _sp.stype(x) not in ('default', self.STYPE):
            x = _sp.to_dense(x)
        with tf.device(self.context.tf_device):
            x = _sp.cast(x, self.STYPE)
            if x.values.dtype.name != self._s.dtype:
                x = _sp.map_values(x, lambda v: tf.cast(v, _dt.to_tf(self._s.dtype)))
        self._c = x

    def _file_value(self):
        return SparseRecord(self.STYPE, self.shape, self._c.values.numpy(),
                            [a.asnumpy() for a in self._aux()])

    @classmethod
    def from_record(cls, rec, ctx):
        """The array of a SparseRecord read from an MXNet file."""
        raise NotImplementedError

    def __getstate__(self):
        """Pickled as MXNet pickles an NDArray: its file record under 'handle'."""
        return {'handle': bytearray(encode_array(self._file_value()))}

    def __setstate__(self, state):
        rec = decode_array(bytes(state['handle']), 'pickled sparse NDArray', sparse=True)
        if not isinstance(rec, SparseRecord) or rec.stype != self.STYPE:
            raise MXNetError('pickled %s holds no %s record' % (type(self).__name__, self.STYPE))
        other = type(self).from_record(rec, current_context())
        for k in ('_s', '_off', '_shape', 'writable', '_grad', '_ag', '_nograd', '_c'):
            setattr(self, k, getattr(other, k))

    # -- properties -------------------------------------------------------------------------
    @property
    def stype(self):
        return self.STYPE

    @property
    def data(self):
        """The stored values, a dense NDArray."""
        return from_tensor(self._c.values, self.context)

    @property
    def indices(self):
        """Column ids (csr) or row ids (row_sparse) of the stored values, int64."""
        raise NotImplementedError

    def _aux(self):
        raise NotImplementedError

    def __repr__(self):
        shape = 'x'.join(str(d) for d in self.shape)
        return '\n<%s %s @%s>' % (type(self).__name__, shape, self.context)

    # -- conversion -------------------------------------------------------------------------
    def asnumpy(self):
        return np.array(self._read().numpy(), copy=True)

    def wait_to_read(self):
        pass

    def astype(self, dtype, copy=True):
        name = _dt.canonical(dtype)
        if not copy and name == self._s.dtype:
            return self
        with tf.device(self.context.tf_device):
            return type(self)(_sp.map_values(self._c, lambda v: tf.cast(v, _dt.to_tf(name))),
                              self.context)

    def tostype(self, stype):
        """This array in storage type ``stype`` (csr <-> row_sparse goes through 'default' in
        MXNet, and is refused here as there)."""
        if stype == self.STYPE:
            return self.copy()
        with tf.device(self.context.tf_device):
            return from_content(_sp.cast(self._c, stype), self.context)

    def copyto(self, other):
        if isinstance(other, Context):
            with tf.device(other.tf_device):
                moved = _sp.map_values(self._c, tf.identity)
            return type(self)(moved, other)
        if isinstance(other, NDArray):
            if other is self:
                return other
            if other.shape != self.shape:
                raise MXNetError('copyto: shape mismatch %s vs %s' % (self.shape, other.shape))
            other._write(self)
            return other
        raise TypeError('copyto does not support type ' + str(type(other)))

    def copy(self):
        return self.copyto(self.context)

    def attach_grad(self, grad_req='write', stype=None):
        raise MXNetError('attach_grad: autograd on %s arrays is not supported by tfmod yet'
                         % self.STYPE)

    # -- what sparse arrays refuse, as MXNet's do -------------------------------------------
    def reshape(self, *shape, **kwargs):
        raise NotSupportedForSparseNDArray(self.reshape, None, shape)

    def _view(self, offset, shape):
        raise NotSupportedForSparseNDArray(self._view, None, offset, shape)

    def __setitem__(self, key, value):
        if isinstance(key, _py_slice) and key == _py_slice(None):
            self._write(value)
            return
        raise ValueError('assignment to a part of a %s array is not supported; assign the '
                         'whole array with x[:] = value' % self.STYPE)

    def __iadd__(self, o):
        raise NotImplementedError('in-place += is not supported for sparse arrays')

    __isub__ = __imul__ = __itruediv__ = __iadd__

    # -- arithmetic, as MXNet's sparse module computes it -----------------------------------
    # A dense NDArray on the left computes as MXNet's NDArray operators do (broadcast ops, dense
    # result): Python asks this subclass's reflected method first, MXNet's never is.
    def __add__(self, o):
        return add(self, o)

    def __radd__(self, o):
        return NDArray.__add__(o, self) if isinstance(o, NDArray) else add(self, o)

    def __sub__(self, o):
        return subtract(self, o)

    def __rsub__(self, o):
        return NDArray.__sub__(o, self) if isinstance(o, NDArray) else subtract(o, self)

    def __mul__(self, o):
        return multiply(self, o)

    def __rmul__(self, o):
        return NDArray.__mul__(o, self) if isinstance(o, NDArray) else multiply(self, o)

    def __truediv__(self, o):
        return _ufunc(self, o, 'broadcast_div', '_div_scalar', '_rdiv_scalar')

    def __rtruediv__(self, o):
        if isinstance(o, NDArray):
            return NDArray.__truediv__(o, self)
        return _ufunc(o, self, 'broadcast_div', '_div_scalar', '_rdiv_scalar')

    def __neg__(self):
        return invoke('_mul_scalar', (self,), {'scalar': -1.0})

    def __abs__(self):
        return invoke('abs', (self,), {})


class CSRNDArray(BaseSparseNDArray, stype='csr'):
    """A 2-D array in compressed sparse row storage (data, indices, indptr)."""
    __slots__ = ()
    STYPE = 'csr'

    @property
    def indices(self):
        return from_tensor(_sp.rows_cols(self._c)[1], self.context)

    @property
    def indptr(self):
        """Row pointers: row i's entries are data[indptr[i]:indptr[i + 1]] (int64)."""
        return from_tensor(_sp.csr_indptr(self._c), self.context)

    def _aux(self):
        return [self.indptr, self.indices]

    @classmethod
    def from_record(cls, rec, ctx):
        indptr, indices = rec.aux
        with tf.device(ctx.tf_device):
            return cls(_sp.csr_from_parts(tf.constant(rec.data), indices, indptr, rec.shape), ctx)

    def __getitem__(self, key):
        """Rows: ``x[i]`` (a 1-row csr, as MXNet) and ``x[a:b]``."""
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            n = self.shape[0]
            i = int(key) + n if key < 0 else int(key)
            if not 0 <= i < n:
                raise IndexError('index %d is out of bounds for axis 0 with size %d'
                                 % (int(key), n))
            key = _py_slice(i, i + 1)
        if not isinstance(key, _py_slice):
            raise ValueError('csr arrays are indexed by an int or a slice of rows, not %r'
                             % (key,))
        if key.step not in (None, 1):
            raise ValueError('csr slicing takes no step other than 1 (got %r)' % key.step)
        start, stop, _ = key.indices(self.shape[0])
        with tf.device(self.context.tf_device):
            return CSRNDArray(_sp.csr_rows(self._c, start, max(start, stop)), self.context)

    def check_format(self, full_check=True):
        """MXNet's format check: with ``full_check``, every row's column indices ascend
        strictly and lie in [0, columns) (the constructors already refuse the other faults)."""
        if not full_check:
            return
        ptr, idx = self.indptr.asnumpy(), self.indices.asnumpy()
        for i in range(len(ptr) - 1):
            row = idx[ptr[i]:ptr[i + 1]]
            if len(row) and (row[0] < 0 or row[-1] >= self.shape[1] or np.any(np.diff(row) <= 0)):
                raise MXNetError('Indices of csr NDArray should be non-negative, in ascending '
                                 'order per row and less than the number of columns (row %d: '
                                 '%s)' % (i, row.tolist()))

    def asscipy(self):
        """This array as a ``scipy.sparse.csr_matrix`` (needs scipy)."""
        try:
            import scipy.sparse as spsp
        except ImportError:
            raise ImportError('asscipy needs scipy: pip install scipy') from None
        return spsp.csr_matrix((self.data.asnumpy(), self.indices.asnumpy(),
                                self.indptr.asnumpy()), shape=self.shape)


class RowSparseNDArray(BaseSparseNDArray, stype='row_sparse'):
    """An array storing only some of its rows (indices, data)."""
    __slots__ = ()
    STYPE = 'row_sparse'

    @property
    def indices(self):
        return from_tensor(self._c.indices, self.context)

    def _aux(self):
        return [self.indices]

    @classmethod
    def from_record(cls, rec, ctx):
        with tf.device(ctx.tf_device):
            return cls(_sp.make_rsp(rec.aux[0], tf.constant(rec.data), rec.shape), ctx)

    def __getitem__(self, key):
        if isinstance(key, _py_slice) and key == _py_slice(None):
            return self
        raise NotSupportedForSparseNDArray(self.__getitem__, '[idx]', key)

    def check_format(self, full_check=True):
        """MXNet's format check; row_sparse_array already sorts the rows and refuses
        repeated or out-of-range ones, so a tfmod array always passes."""
        idx = self.indices.asnumpy()
        if full_check and len(idx) and (idx[0] < 0 or idx[-1] >= self.shape[0] or
                                        np.any(np.diff(idx) <= 0)):
            raise MXNetError('Indices of row_sparse NDArray should be non-negative, less than '
                             'the size of first dimension and in ascending order')

    def retain(self, indices):
        """The rows ``indices`` of this array (``mx.nd.sparse.retain(self, indices)``)."""
        return invoke('_sparse_retain', (self, indices), {})


# -- constructors ---------------------------------------------------------------------------------
def _values_dtype(data, dtype):
    """MXNet's dtype rule for (data, ...) constructors: the given dtype, else the data's own
    dtype if it is an array, else float32."""
    if dtype is not None:
        return _dt.canonical(dtype)
    if isinstance(data, NDArray):
        return _dt.canonical(data.dtype)
    if isinstance(data, np.ndarray):
        return data.dtype.name
    return 'float32'


def _np(a, dtype=None):
    return a.asnumpy() if isinstance(a, NDArray) else np.asarray(a, dtype=dtype)


def _is_shape(arg):
    return isinstance(arg, tuple) and all(isinstance(d, (int, np.integer)) for d in arg)


def _check_csr(data, indices, indptr, shape):
    """Refuse (data, indices, indptr) that do not describe a csr array of ``shape`` (MXNet
    1.9.1 builds such an array and reads out of bounds later)."""
    why = None
    if len(shape) != 2:
        why = 'a csr array is 2-D, shape %s given' % (shape,)
    elif data.ndim != 1 or indices.ndim != 1 or len(data) != len(indices):
        why = 'data and indices must be 1-D of one length (%s, %s)' % (data.shape, indices.shape)
    elif indptr.ndim != 1 or len(indptr) != shape[0] + 1:
        why = 'indptr needs %d entries for %d rows, got %d' % (shape[0] + 1, shape[0],
                                                              len(indptr))
    elif indptr[0] != 0 or np.any(np.diff(indptr) < 0) or indptr[-1] > len(indices):
        why = 'indptr must rise from 0 to at most len(indices)=%d' % len(indices)
    elif indptr[-1] and (indices[:indptr[-1]].min() < 0 or
                         indices[:indptr[-1]].max() >= shape[1]):
        why = 'a column index is outside [0, %d)' % shape[1]
    if why:
        raise MXNetError('csr_matrix: %s' % why)


def csr_matrix(arg1, shape=None, ctx=None, dtype=None):
    """A CSRNDArray from ``(data, indices, indptr)``, ``(data, (row, col))``, a shape
    ``(M, N)`` (all zeros), a dense array (NDArray or numpy), a CSRNDArray or a scipy csr
    matrix -- MXNet's forms."""
    ctx = ctx or current_context()
    if _is_shape(arg1):
        if len(arg1) != 2:
            raise ValueError('csr_matrix needs a 2-D shape, got %s' % (arg1,))
        return zeros('csr', arg1, ctx, dtype)
    if isinstance(arg1, tuple) and len(arg1) == 3:
        data, indices, indptr = arg1
        name = _values_dtype(data, dtype)
        vals = _np(data, _dt.to_np(name)).astype(_dt.to_np(name))
        idx, ptr = _np(indices).astype(np.int64), _np(indptr).astype(np.int64)
        if shape is None:
            shape = (len(ptr) - 1, int(idx.max()) + 1 if len(idx) else 0)
        _check_csr(vals, idx, ptr, tuple(shape))
        with tf.device(ctx.tf_device):
            return CSRNDArray(_sp.csr_from_parts(tf.constant(vals), idx, ptr, tuple(shape)), ctx)
    if isinstance(arg1, tuple) and len(arg1) == 2:
        data, (row, col) = arg1
        name = _values_dtype(data, dtype)
        vals = _np(data, _dt.to_np(name)).astype(_dt.to_np(name))
        row, col = _np(row).astype(np.int64), _np(col).astype(np.int64)
        if shape is None:
            shape = (int(row.max()) + 1, int(col.max()) + 1)
        with tf.device(ctx.tf_device):
            coo = _sp.make_csr(np.stack([row, col], 1), tf.constant(vals), tuple(shape))
            return CSRNDArray(_sp.canonical(coo), ctx)
    if isinstance(arg1, CSRNDArray):
        out = arg1.copyto(ctx)
        return out.astype(dtype, copy=False) if dtype is not None else out
    if hasattr(arg1, 'tocsr') and hasattr(arg1, 'nnz'):     # a scipy sparse matrix
        m = arg1.tocsr()
        return csr_matrix((m.data, m.indices, m.indptr), shape=m.shape, ctx=ctx,
                          dtype=dtype or m.dtype)
    if isinstance(arg1, BaseSparseNDArray):
        raise MXNetError('csr_matrix: cannot make a csr array from a %s array' % arg1.stype)
    dense = _dense_array(arg1, ctx, dtype)
    if dense.ndim != 2:
        raise ValueError('csr_matrix needs a 2-D array, got shape %s' % (dense.shape,))
    return dense.tostype('csr')


def row_sparse_array(arg1, shape=None, ctx=None, dtype=None):
    """A RowSparseNDArray from ``(data, indices)``, a shape (all zeros), a dense array, or a
    RowSparseNDArray -- MXNet's forms. Rows given out of order are sorted."""
    ctx = ctx or current_context()
    if _is_shape(arg1):
        return zeros('row_sparse', arg1, ctx, dtype)
    if isinstance(arg1, tuple) and len(arg1) == 2:
        data, indices = arg1
        name = _values_dtype(data, dtype)
        vals = _np(data, _dt.to_np(name)).astype(_dt.to_np(name))
        idx = _np(indices).astype(np.int64).reshape(-1)
        if vals.ndim == 0 or len(idx) != vals.shape[0]:
            raise MXNetError('row_sparse_array: %d row indices for data of shape %s'
                             % (len(idx), vals.shape))
        order = np.argsort(idx, kind='stable')
        idx, vals = idx[order], vals[order]
        if shape is None:
            shape = (int(idx.max()) + 1 if len(idx) else 0,) + vals.shape[1:]
        if len(idx) and (idx[0] < 0 or idx[-1] >= shape[0] or np.any(np.diff(idx) == 0)):
            raise MXNetError('row_sparse_array: row indices %s repeat or lie outside [0, %d)'
                             % (idx.tolist(), shape[0]))
        if tuple(vals.shape[1:]) != tuple(shape[1:]):
            raise MXNetError('row_sparse_array: rows of shape %s for an array of shape %s'
                             % (vals.shape[1:], tuple(shape)))
        with tf.device(ctx.tf_device):
            return RowSparseNDArray(_sp.make_rsp(idx, tf.constant(vals), tuple(shape)), ctx)
    if isinstance(arg1, RowSparseNDArray):
        out = arg1.copyto(ctx)
        return out.astype(dtype, copy=False) if dtype is not None else out
    if isinstance(arg1, BaseSparseNDArray):
        raise MXNetError('row_sparse_array: cannot make a row_sparse array from a %s array'
                         % arg1.stype)
    return _dense_array(arg1, ctx, dtype).tostype('row_sparse')


def zeros(stype, shape, ctx=None, dtype=None, **kwargs):
    """An all-zero array of storage type ``stype`` (nothing stored)."""
    if stype == 'default':
        return _dense_zeros(shape, ctx, dtype or 'float32')
    if stype not in ('csr', 'row_sparse'):
        raise ValueError("unknown storage type %r (expected 'default', 'csr' or 'row_sparse')"
                         % (stype,))
    return _dense_zeros(shape, ctx, dtype or 'float32', stype=stype)


def empty(stype, shape, ctx=None, dtype=None):
    """Same as :func:`zeros` (a sparse array's storage starts empty)."""
    return zeros(stype, shape, ctx, dtype)


def array(source_array, ctx=None, dtype=None):
    """A sparse array copied from a CSRNDArray, RowSparseNDArray or scipy csr matrix."""
    if isinstance(source_array, CSRNDArray):
        return csr_matrix(source_array, ctx=ctx, dtype=dtype)
    if isinstance(source_array, RowSparseNDArray):
        return row_sparse_array(source_array, ctx=ctx, dtype=dtype)
    if hasattr(source_array, 'tocsr') and hasattr(source_array, 'nnz'):
        return csr_matrix(source_array, ctx=ctx, dtype=dtype)
    raise ValueError('Unexpected source_array type: expected a sparse NDArray or a scipy csr '
                     'matrix, got %s' % type(source_array).__name__)


# -- arithmetic (MXNet's mx.nd.sparse.add/subtract/multiply/divide) -----------------------------
def _ufunc(lhs, rhs, array_op, scalar_op, rscalar_op=None, same_shape_op=None):
    """One arithmetic function over NDArrays and scalars, as MXNet's ``_ufunc_helper``."""
    if isinstance(lhs, numbers.Number):
        if isinstance(rhs, numbers.Number):
            raise TypeError('at least one operand must be an NDArray')
        return invoke(rscalar_op or scalar_op, (rhs,), {'scalar': float(lhs)})
    if isinstance(rhs, numbers.Number):
        return invoke(scalar_op, (lhs,), {'scalar': float(rhs)})
    if not isinstance(rhs, NDArray):
        return NotImplemented
    if same_shape_op and lhs.shape == rhs.shape:
        return invoke(same_shape_op, (lhs, rhs), {})
    return invoke(array_op, (lhs, rhs), {})


def add(lhs, rhs):
    """lhs + rhs: elemwise_add for equal shapes, broadcast_add otherwise, _plus_scalar."""
    return _ufunc(lhs, rhs, 'broadcast_add', '_plus_scalar', None, 'elemwise_add')


def subtract(lhs, rhs):
    """lhs - rhs: elemwise_sub for equal shapes, broadcast_sub otherwise, scalar ops."""
    return _ufunc(lhs, rhs, 'broadcast_sub', '_minus_scalar', '_rminus_scalar', 'elemwise_sub')


def multiply(lhs, rhs):
    """lhs * rhs: elemwise_mul for equal shapes, broadcast_mul otherwise, _mul_scalar."""
    return _ufunc(lhs, rhs, 'broadcast_mul', '_mul_scalar', None, 'elemwise_mul')


def divide(lhs, rhs):
    """lhs / rhs: elemwise_div for equal shapes, broadcast_div otherwise, scalar ops."""
    return _ufunc(lhs, rhs, 'broadcast_div', '_div_scalar', '_rdiv_scalar', 'elemwise_div')
