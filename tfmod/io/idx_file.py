"""Reading the idx files MNIST is distributed in (``train-images-idx3-ubyte`` ...).

An idx file is a big-endian header -- two zero bytes, a type code, the number of dimensions,
then one uint32 per dimension -- followed by the values in C order. ``read_idx`` returns them
as a numpy array of that shape; a row range can be read without loading the whole file. Files
ending in ``.gz`` (as MNIST is downloaded) are read through gzip.
"""
import gzip
import os
import struct

import numpy as np

from ..base import MXNetError

_TYPES = {0x08: np.dtype('>u1'), 0x09: np.dtype('>i1'), 0x0B: np.dtype('>i2'),
          0x0C: np.dtype('>i4'), 0x0D: np.dtype('>f4'), 0x0E: np.dtype('>f8')}


def read_idx_header(f, path):
    """(dtype, shape) from the header of the open idx file ``f``."""
    head = f.read(4)
    if len(head) != 4 or head[0] != 0 or head[1] != 0 or head[2] not in _TYPES:
        raise MXNetError('%s is not an idx file (magic %r)' % (path, head))
    ndim = head[3]
    dims = f.read(4 * ndim)
    if len(dims) != 4 * ndim:
        raise MXNetError('%s: truncated idx header' % path)
    return _TYPES[head[2]], struct.unpack('>%dI' % ndim, dims)


def _open(path):
    if not os.path.isfile(path):
        raise MXNetError('idx file %r: no such file' % (path,))
    return gzip.open(path, 'rb') if path.endswith('.gz') else open(path, 'rb')


def read_idx(path, start=0, end=None):
    """Rows ``start:end`` (first axis) of the idx file at ``path``, as a native-endian array."""
    with _open(path) as f:
        dtype, shape = read_idx_header(f, path)
        count = shape[0] if shape else 1
        end = count if end is None else min(end, count)
        row = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        f.read(start * row * dtype.itemsize)      # skip (gzip streams seek by reading)
        n = max(end - start, 0) * row
        raw = f.read(n * dtype.itemsize)
    if len(raw) != n * dtype.itemsize:
        raise MXNetError('%s: the file is shorter than its header says (%s)' % (path, shape))
    data = np.frombuffer(raw, dtype=dtype).astype(dtype.newbyteorder('='))
    return data.reshape((max(end - start, 0),) + tuple(shape[1:]))


def idx_count(path):
    """The number of rows (first dimension) an idx file declares."""
    with _open(path) as f:
        _, shape = read_idx_header(f, path)
    return shape[0] if shape else 1
