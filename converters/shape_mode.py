"""MXNet's two shape semantics, as one switch every layer reads.

Legacy (MXNet 1.x's default): a ``0`` in a shape -- a Variable's ``__shape__``, ``infer_shape``
arguments, ``simple_bind`` / ``Module.bind`` shapes -- means "unknown", and so does ``-1`` in the
places MXNet accepts it. NumPy semantics (``mx.util.set_np_shape(True)`` / ``np_shape()``): ``-1``
is unknown and ``0`` is a real zero-size dimension. MXNet keeps the flag per thread; so does this.
"""
import threading

_state = threading.local()


def is_np_shape():
    """True when 0 in a shape is a real zero (NumPy semantics), False in legacy mode."""
    return getattr(_state, 'np_shape', False)


def set_np_shape(active):
    """Switch NumPy shape semantics on or off for this thread; returns the previous state."""
    prev = is_np_shape()
    _state.np_shape = bool(active)
    return prev


def unknown_dim(d):
    """Whether dimension ``d`` of a user- or file-given shape means "unknown" under the current
    semantics (None always does)."""
    if d is None:
        return True
    d = int(d)
    return d < 0 if is_np_shape() else d <= 0


def normalize(shape):
    """A user- or file-given shape with its unknown dimensions as None (None stays None)."""
    if shape is None:
        return None
    return tuple(None if unknown_dim(d) else int(d) for d in shape)
