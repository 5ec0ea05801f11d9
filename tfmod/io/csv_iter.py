"""CSVIter: batches from CSV files, with the semantics of MXNet 1.9.1's C++ ``CSVIter``.

* Every row of ``data_csv`` is one example reshaped to ``data_shape``; ``label_csv`` likewise
  with ``label_shape`` (default ``(1,)``, which gives a label batch of shape ``(batch_size,)``).
  Without ``label_csv`` the labels are zeros. Blank lines are skipped; a directory reads all of
  its files in name order. A label file may have more rows than the data file (the extra rows
  are ignored), not fewer.
* ``dtype`` is float32 (default), int32 or int64 and applies to data and labels. Integers are
  read like C's ``strtol``: the leading integer of each field (``1.5`` -> 1, ``4e2`` -> 4).
* ``round_batch=True`` (default): the last incomplete batch is completed with rows from the
  start of the file and ``pad`` is the number of such rows; the ``reset()`` that follows is then
  ignored once, so the next epoch continues after those rows (as MXNet documents). With
  ``round_batch=False`` the last batch reports the missing count as ``pad`` and those slots keep
  what the previous batch held.
* ``batch.index`` is the uint64 row numbers of the batch.
* Floats are read as MXNet reads them, which is not always the nearest float32
  (csv_float.py).

The files are parsed once, at construction; a batch is one gather per array.
"""
import os
import re

import numpy as np

from tfmod_converters.attrs import parse_bool, parse_int, parse_shape
from ..base import MXNetError
from ..context import current_context
from .base import DataDesc
from .batch_loader import RowBatchIter
from .csv_float import parse_floats
from .ndarray_iter import _to_nd

_DTYPES = {None: np.float32, 'None': np.float32, 'float32': np.float32, 'int32': np.int32,
           'int64': np.int64}
_LEADING_INT = re.compile(r'\s*([+-]?\d+)')


def _files(path, arg):
    if not isinstance(path, str) or not path:
        raise MXNetError('CSVIter: %s must be a file or directory path, got %r' % (arg, path))
    if os.path.isdir(path):
        names = sorted(n for n in os.listdir(path) if not n.startswith('.'))
        files = [os.path.join(path, n) for n in names if os.path.isfile(os.path.join(path, n))]
    elif os.path.isfile(path):
        files = [path]
    else:
        raise MXNetError('CSVIter: %s %r: no such file or directory' % (arg, path))
    if not files:
        raise MXNetError('CSVIter: %s %r: the directory has no files' % (arg, path))
    return files


def _parse_int(field):
    m = _LEADING_INT.match(field)
    if m is None:
        raise ValueError(field)
    return int(m.group(1))


def _read_csv(path, shape, dtype, arg):
    """All rows of the CSV file(s) at ``path`` as an array of shape (rows,) + shape."""
    lines = []
    where = []
    for fname in _files(path, arg):
        try:
            with open(fname, 'r', encoding='utf-8') as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            raise MXNetError('CSVIter: cannot read %s %r: %s' % (arg, fname, e)) from None
        for lineno, line in enumerate(text.splitlines(), 1):
            if line.strip():
                lines.append(line)
                where.append((fname, lineno))
    width = int(np.prod(shape)) if shape else 1
    counts = np.fromiter((line.count(',') + 1 for line in lines), dtype=np.int64,
                         count=len(lines))
    bad = np.nonzero(counts != width)[0]
    if bad.size:
        i = int(bad[0])
        raise MXNetError('CSVIter: %s %s line %d has %d values, but shape %s needs %d'
                         % (arg, where[i][0], where[i][1], counts[i], shape, width))
    flat = ','.join(lines).split(',') if lines else []
    try:
        if dtype == np.float32:
            values = parse_floats(flat)     # MXNet's rounding, not numpy's
            if values is None:
                raise ValueError('not a number')
        else:
            try:
                values = np.array(flat, dtype=np.int64)
            except (ValueError, OverflowError):
                values = np.array([_parse_int(v) for v in flat], dtype=np.int64)
    except (ValueError, OverflowError):
        for i, line in enumerate(lines):
            for v in line.split(','):
                try:
                    float(v) if dtype == np.float32 else _parse_int(v)
                except ValueError:
                    raise MXNetError('CSVIter: %s %s line %d: cannot read %r as a number'
                                     % (arg, where[i][0], where[i][1], v)) from None
        raise
    return values.astype(dtype).reshape((len(lines),) + tuple(shape))


class CSVIter(RowBatchIter):
    """Iterate over CSV files in batches (MXNet's ``mx.io.CSVIter``; keyword arguments)."""

    def __init__(self, data_csv=None, data_shape=None, label_csv='NULL', label_shape=(1,),
                 batch_size=None, round_batch=True, prefetch_buffer=4, ctx='gpu', dtype=None,
                 data_name='data', label_name='softmax_label', **kwargs):
        if data_csv is None:
            raise MXNetError('CSVIter: Required parameter data_csv of string is not presented')
        if data_shape is None:
            raise MXNetError('CSVIter: Required parameter data_shape of Shape(tuple) is not '
                             'presented')
        if batch_size is None:
            raise MXNetError('CSVIter: Required parameter batch_size of int is not presented')
        try:
            data_shape = parse_shape(data_shape)
            label_shape = parse_shape(label_shape)
        except ValueError as e:
            raise MXNetError('CSVIter: data_shape / label_shape: %s' % e) from None
        try:
            batch_size = parse_int(batch_size)
        except (TypeError, ValueError):
            raise MXNetError('CSVIter: batch_size must be an integer, got %r'
                             % (batch_size,)) from None
        if batch_size <= 0:
            raise MXNetError('CSVIter: batch_size must be positive, got %d' % batch_size)
        dname = None if dtype is None else getattr(dtype, '__name__', str(dtype))
        if dname is not None and dname not in _DTYPES:
            try:
                dname = np.dtype(dtype).name
            except TypeError:
                pass
        if dname not in _DTYPES:
            raise MXNetError('CSVIter: dtype %s is not supported for CSVIter (float32, int32 or '
                             'int64)' % (dname,))
        super().__init__(batch_size)
        self.round_batch = parse_bool(round_batch)
        self.dtype = _DTYPES[dname]
        self.data_shape, self.label_shape = data_shape, label_shape
        self._data = _read_csv(data_csv, data_shape, self.dtype, 'data_csv')
        n = self._data.shape[0]
        if n == 0:
            raise MXNetError('CSVIter: data_csv %r has no rows' % (data_csv,))
        if label_csv is None or label_csv in ('NULL', ''):
            self._label = np.zeros((n,) + label_shape, dtype=self.dtype)
        else:
            label = _read_csv(label_csv, label_shape, self.dtype, 'label_csv')
            if label.shape[0] < n:
                raise MXNetError('CSVIter: label_csv %r has %d rows but data_csv %r has %d'
                                 % (label_csv, label.shape[0], data_csv, n))
            self._label = label[:n]
        if tuple(label_shape) == (1,):
            self._label = self._label.reshape(n)
        if self.round_batch and batch_size > 2 * n:
            raise MXNetError('CSVIter: number of input must be bigger than batch size '
                             '(%d rows, batch_size %d, round_batch=True)' % (n, batch_size))
        self._init_batches(batch_size, n, self.round_batch, 'CSVIter')
        self._ctx = current_context()
        self.provide_data = [DataDesc(data_name, (batch_size,) + data_shape, self.dtype)]
        self.provide_label = [DataDesc(label_name, (batch_size,) + self._label.shape[1:],
                                       self.dtype)]

    def _arrays(self, rows, filled):
        return self._gather(self._data, rows, filled), self._gather(self._label, rows, filled)

    def _gather(self, source, rows, filled):
        out = np.take(source, np.maximum(rows, 0), axis=0)
        if not filled.all():   # slots never filled (first batch, round_batch=False): zeros
            out[~filled] = 0
        return _to_nd(out, self._ctx)
