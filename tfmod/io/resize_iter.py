"""ResizeIter: present another iterator as epochs of a fixed number of batches (MXNet semantics).

When the inner iterator runs out mid-epoch it is reset and reading continues, so an epoch may
span inner epochs; ``reset()`` rewinds the inner iterator only if ``reset_internal`` is True,
otherwise the next epoch continues the inner stream where this one stopped.
"""
import numbers

from ..base import MXNetError
from .base import _WholeBatchIter


class ResizeIter(_WholeBatchIter):
    """Resize ``data_iter`` to ``size`` batches per epoch."""

    def __init__(self, data_iter, size, reset_internal=True):
        super().__init__()
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 0:
            raise MXNetError('ResizeIter: size must be a non-negative integer, got %r' % (size,))
        self.data_iter = data_iter
        self.size = int(size)
        self.reset_internal = reset_internal
        self.cur = 0
        self.current_batch = None
        self.provide_data = data_iter.provide_data
        self.provide_label = data_iter.provide_label
        self.batch_size = data_iter.batch_size
        if hasattr(data_iter, 'default_bucket_key'):
            self.default_bucket_key = data_iter.default_bucket_key

    def reset(self):
        self.cur = 0
        if self.reset_internal:
            self.data_iter.reset()

    def iter_next(self):
        if self.cur == self.size:
            return False
        try:
            self.current_batch = self.data_iter.next()
        except StopIteration:
            self.data_iter.reset()
            try:
                self.current_batch = self.data_iter.next()
            except StopIteration:
                # an inner iterator that is empty even after a reset: end the epoch
                # instead of looping or leaking StopIteration from iter_next
                return False
        self.cur += 1
        return True

