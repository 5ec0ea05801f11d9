"""LibSVMIter: csr batches from LibSVM text files, with MXNet 1.9.1's ``LibSVMIter`` semantics.

* A line is ``label idx:value idx:value ...`` with 0-based feature indices; each data line is one
  row of a csr batch of shape ``(batch_size,) + data_shape`` (data_shape is 1-D).
* Without ``label_libsvm`` the label is each data line's leading number, a dense ``(batch_size,)``
  array; with it, the label file's lines (their leading numbers ignored) are csr rows of
  ``label_shape``, one per data line (a label part with fewer lines is an error, extra lines are
  never read).
* ``num_parts`` / ``part_index`` split each file into byte ranges as MXNet's (dmlc's) line
  splitter does: part k starts after the first line break at or after byte ``k * ceil(size /
  num_parts)``; ``batch.index`` counts rows within the part.
* Batching is MXNet's BatchLoader (``batch_loader.RowBatchIter``): round_batch wraps the last
  batch around and the next reset is ignored once; MXNet refuses ``round_batch=False`` for
  sparse batches, and so does this.
"""
import os

import numpy as np

from tfmod_converters.attrs import parse_bool, parse_int, parse_shape
from ..base import MXNetError
from ..context import current_context
from ..ndarray import sparse as _sparse
from .base import DataDesc
from .batch_loader import RowBatchIter
from .ndarray_iter import _to_nd


def _part_bytes(text, num_parts, part_index):
    """The bytes of ``text`` that part ``part_index`` of ``num_parts`` reads (dmlc's split)."""
    size = len(text)
    step = (size + num_parts - 1) // num_parts

    def boundary(pos):
        if pos <= 0:
            return 0
        if pos >= size:
            return size
        i = pos
        while i < size and text[i] not in b'\r\n':
            i += 1
        while i < size and text[i] in b'\r\n':
            i += 1
        return i

    return text[boundary(step * part_index):boundary(step * (part_index + 1))]


def _read_libsvm(path, width, num_parts, part_index, arg):
    """(labels, indptr, indices, values) of the part's lines of the LibSVM file ``path``."""
    if not isinstance(path, str) or not os.path.isfile(path):
        raise MXNetError('LibSVMIter: %s %r: no such file' % (arg, path))
    with open(path, 'rb') as f:
        text = _part_bytes(f.read(), num_parts, part_index)
    labels, indptr, indices, values = [], [0], [], []
    for lineno, line in enumerate(text.decode('utf-8', 'replace').splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        try:
            labels.append(float(fields[0].split(',')[0]))
            for field in fields[1:]:
                idx, val = field.split(':')
                indices.append(int(idx))
                values.append(float(val))
        except ValueError:
            raise MXNetError('LibSVMIter: %s %r line %d: cannot read %r as LibSVM '
                             '(label idx:value ...)' % (arg, path, lineno, line)) from None
        if indices and max(indices[indptr[-1]:], default=0) >= width:
            raise MXNetError('LibSVMIter: %s %r line %d has feature index %d, out of range '
                             'for shape (%d,)' % (arg, path, lineno,
                                                  max(indices[indptr[-1]:]), width))
        indptr.append(len(indices))
    return (np.array(labels, np.float32), np.array(indptr, np.int64),
            np.array(indices, np.int64), np.array(values, np.float32))


class LibSVMIter(RowBatchIter):
    """Iterate over LibSVM files in csr batches (MXNet's ``mx.io.LibSVMIter``)."""

    def __init__(self, data_libsvm=None, data_shape=None, label_libsvm='NULL', label_shape=(1,),
                 batch_size=None, round_batch=True, num_parts=1, part_index=0,
                 prefetch_buffer=4, data_name='data', label_name='softmax_label', **kwargs):
        for name, value, kind in (('data_libsvm', data_libsvm, 'string'),
                                  ('data_shape', data_shape, 'Shape(tuple)'),
                                  ('batch_size', batch_size, 'int')):
            if value is None:
                raise MXNetError('LibSVMIter: Required parameter %s of %s is not presented'
                                 % (name, kind))
        try:
            data_shape, label_shape = parse_shape(data_shape), parse_shape(label_shape)
            batch_size, num_parts = parse_int(batch_size), parse_int(num_parts)
            part_index = parse_int(part_index)
        except (TypeError, ValueError) as e:
            raise MXNetError('LibSVMIter: bad parameter: %s' % e) from None
        if len(data_shape) != 1:
            raise MXNetError('LibSVMIter: data_shape must be 1-D, got %s' % (data_shape,))
        if batch_size <= 0:
            raise MXNetError('LibSVMIter: batch_size must be positive, got %d' % batch_size)
        if not 0 <= part_index < num_parts:
            raise MXNetError('LibSVMIter: part_index %d is not in [0, num_parts=%d)'
                             % (part_index, num_parts))
        if not parse_bool(round_batch):
            raise MXNetError("sparse batch loader doesn't support round_batch == false yet")
        super().__init__(batch_size)
        self.data_shape, self.label_shape = data_shape, label_shape
        labels, self._ptr, self._idx, self._val = _read_libsvm(
            data_libsvm, data_shape[0], num_parts, part_index, 'data_libsvm')
        n = len(labels)
        if n == 0:
            raise MXNetError('LibSVMIter: data_libsvm %r has no rows in part %d of %d'
                             % (data_libsvm, part_index, num_parts))
        self._label_csr = label_libsvm not in (None, '', 'NULL')
        if self._label_csr:
            if len(label_shape) != 1:
                raise MXNetError('LibSVMIter: label_shape must be 1-D, got %s' % (label_shape,))
            _, *self._label = _read_libsvm(label_libsvm, label_shape[0], num_parts, part_index,
                                           'label_libsvm')
            if len(self._label[0]) - 1 < n:   # extra label rows are ignored, as MXNet
                raise MXNetError('LibSVMIter: label_libsvm %r has %d rows but data_libsvm %r '
                                 'has %d' % (label_libsvm, len(self._label[0]) - 1,
                                             data_libsvm, n))
        else:
            self._label = labels
        self._init_batches(batch_size, n, True, 'LibSVMIter')
        self._ctx = current_context()
        self.provide_data = [DataDesc(data_name, (batch_size,) + data_shape, np.float32)]
        lshape = (batch_size,) + (label_shape if self._label_csr or label_shape != (1,) else ())
        self.provide_label = [DataDesc(label_name, lshape, np.float32)]

    def _csr(self, parts, rows, width):
        ptr, idx, val = parts
        starts, ends = ptr[rows], ptr[rows + 1]
        counts = ends - starts
        out_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        take = np.repeat(starts - out_ptr[:-1], counts) + np.arange(out_ptr[-1])
        return _sparse.csr_matrix((val[take], idx[take], out_ptr), shape=(len(rows), width),
                                  ctx=self._ctx)

    def _arrays(self, rows, filled):
        rows = np.maximum(rows, 0)
        data = self._csr((self._ptr, self._idx, self._val), rows, self.data_shape[0])
        if self._label_csr:
            return data, self._csr(self._label, rows, self.label_shape[0])
        return data, _to_nd(self._label[rows], self._ctx)
