"""``mx.engine``: MXNet's bulk-execution size. Accepted and remembered, but a no-op: TensorFlow
has no engine to bundle operators into -- tfmod already runs each compiled step as one call.

As in MXNet, the size is per thread and starts at 0; ``set_bulk_size`` returns the previous one.
"""
import threading

__all__ = ['set_bulk_size', 'bulk']

_state = threading.local()


def set_bulk_size(size):
    """Set this thread's bulk size (no effect on execution); returns the previous size."""
    prev = getattr(_state, 'size', 0)
    _state.size = int(size)
    return prev


class _BulkScope:
    """``with bulk(size):`` -- set the bulk size, restore the previous one on exit."""

    def __init__(self, size):
        self._size = size
        self._old_size = None

    def __enter__(self):
        self._old_size = set_bulk_size(self._size)
        return self

    def __exit__(self, ptype, value, trace):
        set_bulk_size(self._old_size)


def bulk(size):
    """A scope with bulk size ``size`` (accepted for MXNet scripts; changes nothing here)."""
    return _BulkScope(size)
