"""``mx.nd.save`` / ``mx.nd.load``: NDArrays (dense, csr, row_sparse) to and from MXNet's file
format.

The format itself (bytes <-> numpy arrays and names) is ndfile.py's; this module only turns
NDArrays into numpy arrays and back, and writes files atomically. Kept apart from ndfile.py so
that NDArray (whose pickles hold one ndfile record) and the format do not import each other.
"""
from ..aligned import host_tensor
from ..base import MXNetError
from ..context import current_context
from ..fileio import atomic_write, read_bytes
from . import ndfile, sparse_file
from .ndarray import NDArray, array, from_tensor


def save(fname, data):
    """``mx.nd.save``: an NDArray, a list of them, or a dict str -> NDArray."""
    if isinstance(data, NDArray):
        data = [data]
    if isinstance(data, dict):
        names = list(data.keys())
        for k in names:
            if not isinstance(k, str):
                raise MXNetError('save: dict keys must be strings, got %r' % (k,))
        arrays = list(data.values())
    elif isinstance(data, (list, tuple)):
        names = None
        arrays = list(data)
    else:
        raise MXNetError('save only accepts an NDArray, a list or a dict of NDArrays, not %s'
                         % type(data).__name__)
    for a in arrays:
        if not isinstance(a, NDArray):
            raise MXNetError('save: expected NDArrays, got %s' % type(a).__name__)
    atomic_write(fname, ndfile.dumps([a._file_value() for a in arrays], names))


def load(fname, ctx=None):
    """``mx.nd.load``: a list (unnamed file) or dict (named file) of NDArrays."""
    return load_frombuffer(read_bytes(fname, 'NDArray file'), source=fname, ctx=ctx)


def load_frombuffer(buf, source='<buffer>', ctx=None):
    """Like load, from bytes. 0-d records load as shape (1,), as MXNet's NDArray shows them."""
    arrays, names = ndfile.loads(buf, source, sparse=True)
    ctx = ctx or current_context()
    # ndfile's arrays are fresh and aligned: on the host, TF takes them without a copy
    host = ctx.device_type == 'cpu' and ctx.device_id == 0
    out = [None if a is None else NDArray.from_file_value(a, ctx) if isinstance(
        a, sparse_file.SparseRecord) else from_tensor(host_tensor(a.reshape(a.shape or (1,))), ctx)
        if host else array(a.reshape(a.shape or (1,)), ctx=ctx, dtype=a.dtype) for a in arrays]
    if names:
        return dict(zip(names, out))
    return out
