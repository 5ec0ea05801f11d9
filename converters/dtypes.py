"""MXNet dtype names and type codes, and their numpy / TensorFlow counterparts."""
import numpy as np
import tensorflow as tf

from .base import MXNetError

# type_flag codes used in .params/.nd files and in the __dtype__ variable attribute.
CODE_TO_NAME = {0: 'float32', 1: 'float64', 2: 'float16', 3: 'uint8', 4: 'int32', 5: 'int8',
                6: 'int64', 7: 'bool', 8: 'int16', 9: 'uint16', 10: 'uint32', 11: 'uint64',
                12: 'bfloat16'}
NAME_TO_CODE = {v: k for k, v in CODE_TO_NAME.items()}


def canonical(dtype):
    """Normalise any dtype spelling (str, numpy, tf, type code) to MXNet's name, e.g. 'float32'."""
    if dtype is None:
        return None
    if isinstance(dtype, tf.DType):
        return dtype.name
    if isinstance(dtype, (int, np.integer)) and not isinstance(dtype, bool):
        if int(dtype) in CODE_TO_NAME:
            return CODE_TO_NAME[int(dtype)]
        raise MXNetError('unknown MXNet dtype code %r' % (dtype,))
    if isinstance(dtype, str):
        if dtype == 'bfloat16':
            return dtype
        if dtype.isdigit():
            return canonical(int(dtype))
    try:
        return np.dtype(dtype).name
    except TypeError:
        raise MXNetError('unknown dtype %r' % (dtype,)) from None


def to_tf(dtype):
    return tf.as_dtype(canonical(dtype))


def to_np(dtype):
    name = canonical(dtype)
    if name == 'bfloat16':
        return tf.bfloat16.as_numpy_dtype
    return np.dtype(name)


def code(dtype):
    return NAME_TO_CODE[canonical(dtype)]


def is_float(dtype):
    return canonical(dtype) in ('float16', 'float32', 'float64', 'bfloat16')
