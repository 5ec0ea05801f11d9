"""csr and row_sparse records of MXNet's NDArray file format (``mx.nd.save`` / ``mx.nd.load``).

A sparse record is a dense record's header with the storage shape and the auxiliary arrays
added, little-endian::

    u32 0xF993FAC9 | i32 stype (1 = row_sparse, 2 = csr) | storage shape | shape
    | i32 dev_type | i32 dev_id | i32 type_flag | naux x (i32 aux type_flag, aux shape)
    | data (storage shape) | naux x aux data
    shape := i32 ndim | ndim x i64 dim

csr has two auxiliary arrays (indptr, then column indices), row_sparse one (row indices); the
storage shape is that of the stored values. The reader is ndfile's, so sizes are checked against
the bytes left before anything is allocated and a bad record fails naming the file.
"""
import collections
import struct

import numpy as np

from tfmod_converters import dtypes as _dt

STYPE_CODES = {'row_sparse': 1, 'csr': 2}
_NAUX = {'row_sparse': 1, 'csr': 2}
_MAX_NDIM = 32

# stype name, shape tuple, stored values, aux arrays in MXNet's order (numpy)
SparseRecord = collections.namedtuple('SparseRecord', 'stype shape data aux')


def _shape(r, what):
    ndim = r.i32(what + ' ndim')
    if ndim < 0 or ndim > _MAX_NDIM:
        r.fail('bad number of dimensions %d in the %s' % (ndim, what))
    dims = r.i64s(ndim, what)
    if any(d < 0 for d in dims):
        r.fail('negative dimension in the %s %s' % (what, tuple(dims)))
    return tuple(dims)


def _dtype(r, flag):
    if flag not in _dt.CODE_TO_NAME:
        r.fail('unknown type flag %d' % flag)
    return np.dtype(_dt.to_np(flag))


def _array(r, shape, dtype, what):
    count = 1
    for d in shape:
        count *= d
        if count * dtype.itemsize > r.remaining():
            r.fail('%s of shape %s needs more bytes than the file has' % (what, shape))
    raw = r.take(count * dtype.itemsize, what)
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def decode(r, code):
    """The rest of a sparse record whose magic and stype ``code`` were read -> SparseRecord."""
    names = {v: k for k, v in STYPE_CODES.items()}
    if code not in names:
        r.fail('unknown storage type %d' % code)
    stype = names[code]
    sshape = _shape(r, 'storage shape')
    shape = _shape(r, 'shape')
    r.i32('device type')
    r.i32('device id')
    dtype = _dtype(r, r.i32('type flag'))
    aux_meta = []
    for i in range(_NAUX[stype]):
        adt = _dtype(r, r.i32('aux type flag'))
        if adt.kind not in 'iu':
            r.fail('aux array %d has non-integer type %s' % (i, adt))
        aux_meta.append((adt, _shape(r, 'aux shape')))
    data = _array(r, sshape, dtype, 'sparse data')
    aux = [_array(r, s, adt, 'aux data').astype(np.int64) for adt, s in aux_meta]
    _check(r, stype, shape, data, aux)
    return SparseRecord(stype, shape, data, aux)


def _check(r, stype, shape, data, aux):
    """Refuse records whose parts do not fit together (what a corrupt file gives)."""
    if stype == 'csr':
        indptr, indices = aux
        if len(shape) != 2 or data.ndim != 1 or indptr.ndim != 1 or indices.ndim != 1:
            r.fail('csr record with shape %s has parts of the wrong rank' % (shape,))
        nnz = len(data)     # entries past indptr[-1] are unused storage, as MXNet may leave
        if len(indptr) != shape[0] + 1 or len(indices) != nnz or indptr[0] != 0 or \
                indptr[-1] > nnz or np.any(np.diff(indptr) < 0):
            r.fail('csr record with shape %s has inconsistent indptr/indices' % (shape,))
        used = indices[:indptr[-1]]
        if len(used) and (used.min() < 0 or used.max() >= shape[1]):
            r.fail('csr record with shape %s has a column index out of range' % (shape,))
    else:
        (indices,) = aux
        if not shape or data.ndim != len(shape) or tuple(data.shape[1:]) != tuple(shape[1:]) \
                or indices.ndim != 1 or len(indices) != data.shape[0]:
            r.fail('row_sparse record with shape %s has parts of the wrong shape' % (shape,))
        if len(indices) and (indices.min() < 0 or indices.max() >= shape[0] or
                             np.any(np.diff(indices) <= 0)):
            r.fail('row_sparse record with shape %s has row indices out of range or order'
                   % (shape,))


def _shape_bytes(shape):
    return struct.pack('<i', len(shape)) + struct.pack('<%dq' % len(shape), *shape)


def encode(rec, magic):
    """The bytes of one sparse record, as MXNet 1.9.1 writes it."""
    data = np.ascontiguousarray(rec.data)
    flag = _dt.code(data.dtype.name if data.dtype != _dt.to_np('bfloat16') else 'bfloat16')
    parts = [struct.pack('<Ii', magic, STYPE_CODES[rec.stype]), _shape_bytes(data.shape),
             _shape_bytes(rec.shape), struct.pack('<iii', 1, 0, flag)]
    aux = [np.ascontiguousarray(a, dtype=np.int64) for a in rec.aux]
    for a in aux:
        parts.append(struct.pack('<i', _dt.code('int64')) + _shape_bytes(a.shape))
    parts.append(data.tobytes())
    parts.extend(a.tobytes() for a in aux)
    return b''.join(parts)
