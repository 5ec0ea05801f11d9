"""Host arrays handed to TF without extra copies: a buffer that starts on a 64-byte boundary is
wrapped as a tensor as it is (a plain numpy buffer, 16-byte aligned, is copied), and building
the EagerTensor directly skips ``tf.convert_to_tensor``'s defensive copy. Used where a batch or
a loaded array is made once, privately, and handed to TF (io/ndarray_iter.py,
io/image_record_iter.py, ndarray/ndfile.py + saveload.py)."""
import numpy as np
import tensorflow as tf

try:
    from tensorflow.python.eager import context as _tf_context
    from tensorflow.python.framework.ops import EagerTensor as _EagerTensor
except ImportError:  # pragma: no cover - other TF layouts: the public path below
    _EagerTensor = None

ALIGN = 64   # Eigen's widest alignment (EIGEN_MAX_ALIGN_BYTES with AVX-512)


def aligned_empty(shape, dtype):
    """An uninitialised C-contiguous array of ``shape`` and ``dtype``, 64-byte aligned."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    buf = np.empty(nbytes + ALIGN, np.uint8)
    start = -buf.ctypes.data % ALIGN
    return buf[start:start + nbytes].view(dtype).reshape(shape)


def host_tensor(a):
    """A CPU eager tensor of host array ``a``, which nothing writes afterwards (an iterator's
    private source, a fresh array): TF wraps an aligned one without a copy, else copies it
    once."""
    if _EagerTensor is not None:
        try:
            ctx = _tf_context.context()
            ctx.ensure_initialized()
            return _EagerTensor(a if a.flags.c_contiguous else np.ascontiguousarray(a),
                                ctx.device_name, None)
        except (TypeError, ValueError, AttributeError):
            pass
    return tf.convert_to_tensor(a)
