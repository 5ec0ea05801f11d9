"""MXNet's binary NDArray list format (``mx.nd.save`` files, ``.params`` files): bytes <-> numpy.

Little-endian throughout::

    file    := u64 0x112 | u64 0 | u64 N | N x record | u64 K | K x (u64 len, utf-8 name)
    record  := u32 magic (0xF993FAC9 = V2; 0xF993FACA = V3, for 0-d arrays)
               | i32 stype (0 = dense) | i32 ndim | ndim x i64 dim
               | i32 dev_type (1 = cpu) | i32 dev_id | i32 type_flag | raw C-order data

csr and row_sparse records (stype 2 and 1) are read and written by sparse_file.py.

Writing uses V2 (what MXNet 1.9.1 loads by default), V3 only for 0-d arrays. Reading also takes
V1 records and the magic-less pre-V1 layout. Every size read from a file is checked against the
bytes that remain before anything is allocated, so a corrupt header gives a clean MXNetError
naming the file -- never a crash, a hang, or a huge allocation.
"""
import struct

import numpy as np

from tfmod_converters import dtypes as _dt
from ..aligned import aligned_empty
from ..base import MXNetError
from . import sparse_file

LIST_MAGIC = 0x112
V1_MAGIC = 0xF993FAC8
V2_MAGIC = 0xF993FAC9
V3_MAGIC = 0xF993FACA
_MAX_NDIM = 32
_MAX_NOMINAL_BYTES = 2 ** 48   # an empty array's nonzero dims, as numpy must index them


class _Reader:
    def __init__(self, data, source):
        view = memoryview(data) if isinstance(data, (bytes, bytearray, memoryview)) else None
        if view is None or view.ndim != 1 or view.itemsize != 1 or not view.c_contiguous:
            view = memoryview(bytes(data))
        self.data = view        # slices of it are views, not copies
        self.pos = 0
        self.source = source

    def fail(self, why):
        raise MXNetError('%s is not a valid MXNet NDArray file: %s (at byte %d of %d)'
                         % (self.source, why, self.pos, len(self.data)))

    def remaining(self):
        return len(self.data) - self.pos

    def take(self, n, what):
        if n < 0 or n > self.remaining():
            self.fail('truncated while reading %s (%d bytes needed, %d left)'
                      % (what, n, self.remaining()))
        b = self.data[self.pos:self.pos + n]     # a memoryview: no copy
        self.pos += n
        return b

    def u64(self, what):
        return struct.unpack('<Q', self.take(8, what))[0]

    def u32(self, what):
        return struct.unpack('<I', self.take(4, what))[0]

    def i32(self, what):
        return struct.unpack('<i', self.take(4, what))[0]

    def i64s(self, n, what):
        return struct.unpack('<%dq' % n, self.take(8 * n, what))


def _decode_record(r, sparse=False):
    """One array record -> numpy array (or None for MXNet's 'none' array); with ``sparse``, a
    csr/row_sparse record -> SparseRecord (other readers refuse them)."""
    magic = r.u32('array magic')
    if magic in (V2_MAGIC, V3_MAGIC):
        stype = r.i32('storage type')
        if stype != 0:
            if not sparse:
                r.fail('sparse storage (stype %d) where dense arrays are expected' % stype)
            return sparse_file.decode(r, stype)
        ndim = r.i32('ndim')
        if ndim < -1 or ndim > _MAX_NDIM:
            r.fail('bad number of dimensions %d' % ndim)
        if ndim == -1 or (ndim == 0 and magic == V2_MAGIC):
            return None
        shape = r.i64s(ndim, 'shape')
    elif magic == V1_MAGIC:
        ndim = r.i32('ndim')
        if ndim < 0 or ndim > _MAX_NDIM:
            r.fail('bad number of dimensions %d' % ndim)
        if ndim == 0:
            return None
        shape = r.i64s(ndim, 'shape')
    else:
        ndim = magic  # pre-V1: the first word is ndim, dims are u32
        if ndim > _MAX_NDIM:
            r.fail('unknown array magic 0x%08X' % magic)
        if ndim == 0:
            return None
        shape = struct.unpack('<%dI' % ndim, r.take(4 * ndim, 'legacy shape'))
    if any(d < 0 for d in shape):
        r.fail('negative dimension in shape %s' % (tuple(shape),))
    r.i32('device type')
    r.i32('device id')
    flag = r.i32('type flag')
    if flag not in _dt.CODE_TO_NAME:
        r.fail('unknown type flag %d' % flag)
    dtype = np.dtype(_dt.to_np(flag))   # np.dtype: bfloat16's to_np is a scalar type
    # checked dim by dim so a corrupt shape fails before a huge product is formed; a zero dim
    # makes the array empty, but numpy still refuses shapes whose nonzero dims overflow
    nominal = 1
    for d in shape:
        nominal *= max(d, 1)
        if nominal * dtype.itemsize > _MAX_NOMINAL_BYTES:
            r.fail('shape %s is too large for any array' % (tuple(shape),))
    count = 0 if 0 in shape else 1
    for d in shape if count else ():
        count *= d
        if count * dtype.itemsize > r.remaining():
            r.fail('array of shape %s needs more bytes than the file has' % (tuple(shape),))
    raw = r.take(count * dtype.itemsize, 'array data')
    # the one copy, into a buffer TF wraps without copying again
    out = aligned_empty(shape, dtype)
    out[...] = np.frombuffer(raw, dtype=dtype).reshape(shape)
    return out


def _encode_record(a):
    if isinstance(a, sparse_file.SparseRecord):
        return sparse_file.encode(a, V2_MAGIC)
    a = np.asarray(a)
    if not a.flags.c_contiguous:
        a = a.copy(order='C')
    name = a.dtype.name if a.dtype != _dt.to_np('bfloat16') else 'bfloat16'
    flag = _dt.code(name)
    magic = V3_MAGIC if a.ndim == 0 else V2_MAGIC
    parts = [struct.pack('<Iii', magic, 0, a.ndim), struct.pack('<%dq' % a.ndim, *a.shape),
             struct.pack('<iii', 1, 0, flag), a.tobytes()]
    return b''.join(parts)


def encode_array(a):
    """One array record (no file header), as MXNet pickles an NDArray's handle; ``a`` is a
    numpy array or a SparseRecord."""
    return _encode_record(a if isinstance(a, sparse_file.SparseRecord) else np.asarray(a))


def decode_array(data, source='NDArray record', sparse=False):
    """The array of one record (a SparseRecord for csr/row_sparse with ``sparse``)."""
    r = _Reader(data, source)
    a = _decode_record(r, sparse)
    if a is None:
        r.fail('empty (none) array')
    return a


def dumps(arrays, names=None):
    """File bytes for a list of numpy arrays (and names, for a dict)."""
    parts = [struct.pack('<QQQ', LIST_MAGIC, 0, len(arrays))]
    parts.extend(_encode_record(a) for a in arrays)
    names = names or []
    parts.append(struct.pack('<Q', len(names)))
    for n in names:
        b = n.encode('utf-8')
        parts.append(struct.pack('<Q', len(b)) + b)
    return b''.join(parts)


def loads(data, source='<bytes>', sparse=False):
    """(list of numpy arrays or None, list of names) from file bytes; with ``sparse``, csr and
    row_sparse records come back as SparseRecords."""
    r = _Reader(data, source)
    if r.remaining() < 24:
        r.fail('too short for the file header')
    if r.u64('header') != LIST_MAGIC:
        r.pos = 0
        r.fail('bad header magic (expected 0x112)')
    r.u64('reserved')
    n = r.u64('array count')
    if n > r.remaining() // 16:
        r.fail('array count %d exceeds what the file can hold' % n)
    arrays = [_decode_record(r, sparse) for _ in range(n)]
    k = r.u64('name count')
    if k not in (0, n):
        r.fail('%d names for %d arrays' % (k, n))
    names = []
    for _ in range(k):
        ln = r.u64('name length')
        raw = r.take(ln, 'name')
        try:
            names.append(bytes(raw).decode('utf-8'))
        except UnicodeDecodeError:
            r.fail('name is not UTF-8')
    if r.remaining():
        r.fail('%d unexpected trailing bytes' % r.remaining())
    return arrays, names
