"""The storage type MXNet 1.9.1 gives each output of a bound symbol, and the sparse arrays an
executor hands out for its csr / row_sparse outputs.

MXNet infers storage types through the graph: a ``Variable(stype='csr')`` is csr, an op with a
sparse kernel for its inputs' types gives that kernel's output type (``negative(csr)`` -> csr,
``elemwise_add(row_sparse, row_sparse)`` -> row_sparse), any other op falls back to dense.
tfmod asks each op's storage rule (the registry's, as the eager ops do) on empty contents of
the inferred shapes, once per bind. The compiled executor still computes dense tensors; an
output MXNet makes sparse is shown as a CSRNDArray / RowSparseNDArray over that tensor (so
``print(exe.outputs)`` and ``.stype`` read as in MXNet)."""
import tensorflow as tf

from tfmod_converters import dtypes as _dt
from tfmod_converters import sparse as _sp
from tfmod_converters.graph import LowerContext
from .ndarray.ndarray import NDArray, Storage
from .ndarray.sparse import CSRNDArray, RowSparseNDArray

_CODES = {'0': _sp.DENSE, '1': _sp.RSP, '2': _sp.CSR}


def _input_content(kind, shape, dtype):
    tf_dtype = _dt.to_tf(dtype or 'float32')
    return tf.zeros(shape, tf_dtype) if kind == _sp.DENSE else _sp.empty(kind, shape, tf_dtype)


def _rule_output_kind(node, kinds, inferred):
    """The storage type of ``node``'s outputs given its inputs' types."""
    od = node.opdef
    if all(k == _sp.DENSE for k in kinds) or od.sparse is None:
        return _sp.DENSE
    contents = []
    for (src, k), kind in zip(node.inputs, kinds):
        shape = inferred.shape(src, k)
        if shape is None or any(d is None or d < 0 for d in shape):
            return _sp.DENSE
        contents.append(_input_content(kind, tuple(shape), inferred.dtype(src, k)))
    try:
        with tf.device('/cpu:0'):
            out = od.sparse(LowerContext(False, node, None, 0), node.params, *contents)
    except Exception:   # a rule refusing empty inputs says nothing of MXNet's dispatch: dense
        return _sp.DENSE
    if isinstance(out, (list, tuple)):
        out = out[0] if out else None
    return _sp.DENSE if out is None else _sp.stype(out)


def output_stypes(symbol, inferred):
    """MXNet's storage type of each of ``symbol``'s heads (``inferred``: its shape inference)."""
    kinds = {}
    for node in symbol._order():
        if node.is_variable:
            kinds[(id(node), 0)] = _CODES.get(str(node.attrs.get('__storage_type__', '0')),
                                              _sp.DENSE)
            continue
        ins = [kinds.get((id(src), k), _sp.DENSE) for src, k in node.inputs]
        kind = _rule_output_kind(node, ins, inferred)
        for k in range(node.num_outputs()):
            kinds[(id(node), k)] = kind
    return [kinds.get((id(n), k), _sp.DENSE) for n, k in symbol._heads]


def _sparse_view(cls):
    class View(cls):
        """A sparse array reading (and writing) an executor's dense output."""
        __slots__ = ('_dense',)

        def __init__(self, dense):
            NDArray.__init__(self, Storage(shape=dense.shape, dtype=dense._s.dtype,
                                           ctx=dense.context))
            self._dense = dense

        @property
        def _c(self):
            return _sp.cast(self._dense._read(), self.STYPE)

        @_c.setter
        def _c(self, content):
            self._dense._write(_sp.to_dense(content))
    View.__name__ = View.__qualname__ = cls.__name__   # repr: <CSRNDArray 2x2 @cpu(0)>
    return View


_VIEWS = {_sp.CSR: _sparse_view(CSRNDArray), _sp.RSP: _sparse_view(RowSparseNDArray)}


def shown_outputs(dense_outputs, stypes):
    """The executor's ``outputs``: each dense output, or its sparse view where MXNet's storage
    type is csr / row_sparse."""
    return [_VIEWS[s](d) if s in _VIEWS else d for d, s in zip(dense_outputs, stypes)]
