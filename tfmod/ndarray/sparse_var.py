"""A row_sparse array held in ``tf.Variable``s: an executor's row_sparse gradient.

MXNet stores the gradient of an ``Embedding(sparse_grad=True)`` weight as a row_sparse array
whose rows change every batch. Here its row ids and rows live in two variables of open length
(:class:`RowSparseVariable`), which a compiled training step assigns like any other gradient
variable, so the gradient never takes the table's size. :class:`RowSparseVarNDArray` is the
``RowSparseNDArray`` a user reads from ``grad_dict``: it runs pending executor work before
reading, as every variable-backed array does, and becomes dense only when read as dense.
"""
import tensorflow as tf

from tfmod_converters import dtypes as _dt
from tfmod_converters import sparse as _sp
from ..context import current_context
from . import ndarray as _nd
from .sparse import BaseSparseNDArray, RowSparseNDArray

_CONTENT = BaseSparseNDArray._c     # the slot the base class keeps its content in


class RowSparseVariable:
    """Row ids (int64, ascending) and rows of a row_sparse value of fixed dense ``shape``, each
    a variable whose first dimension may change from one assignment to the next."""

    def __init__(self, shape, dtype, device):
        self.shape = tuple(shape)
        self.dtype = tf.as_dtype(dtype)
        with tf.device(device):
            self.indices = tf.Variable(tf.zeros([0], tf.int64), trainable=False,
                                       shape=tf.TensorShape([None]))
            self.values = tf.Variable(tf.zeros((0,) + self.shape[1:], self.dtype),
                                      trainable=False,
                                      shape=tf.TensorShape([None] + list(self.shape[1:])))

    @property
    def device(self):
        return self.values.device

    def read_value(self):
        """The stored value as a row_sparse content (``tf.IndexedSlices``)."""
        return _sp.make_rsp(self.indices.read_value(), self.values.read_value(), self.shape)

    def assign(self, x):
        """Store a content: row_sparse as it is, anything else as its nonzero rows."""
        if _sp.stype(x) != _sp.RSP:
            x = _sp.dense_to_rsp(_sp.to_dense(x))
        self.indices.assign(tf.cast(x.indices, tf.int64))
        self.values.assign(tf.cast(x.values, self.dtype))


class RowSparseVarNDArray(RowSparseNDArray):
    """A RowSparseNDArray whose content is a :class:`RowSparseVariable`'s current value."""
    __slots__ = ('_var',)

    def __init__(self, content, ctx=None):
        ctx = ctx or current_context()
        with tf.device(ctx.tf_device):
            super().__init__(content, ctx)
        self._var = RowSparseVariable(self.shape, content.values.dtype, ctx.tf_device)
        self._var.assign(content)

    @classmethod
    def zeros(cls, shape, dtype, ctx):
        """An all-zero array (no rows stored) of ``shape`` and numpy/MXNet ``dtype``."""
        with tf.device(ctx.tf_device):
            return cls(_sp.empty(_sp.RSP, tuple(shape), _dt.to_tf(dtype)), ctx)

    @property
    def _c(self):
        if _nd._PENDING:
            _nd.flush_pending()
        return self._var.read_value()

    @_c.setter
    def _c(self, content):
        var = getattr(self, '_var', None)
        if var is None:         # the base constructor's content, until the variables exist
            _CONTENT.__set__(self, content)
            return
        if _nd._PENDING:
            _nd.flush_pending()
        var.assign(content)
