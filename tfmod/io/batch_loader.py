"""MXNet's BatchLoader semantics for iterators over numbered rows (CSVIter, ImageRecordIter).

A batch takes the next ``batch_size`` rows. The last, short batch is completed from the first
rows when ``round_batch`` (its ``pad`` counts them) and the next ``reset()`` is then ignored
once, so the following epoch starts after the rows that completed it -- MXNet's quirk, kept.
Without round_batch, ``pad`` counts the unfilled slots, which keep the previous batch's rows
(slots never filled read as zeros).
"""
import numpy as np

from ..base import MXNetError
from .base import DataBatch, DataIter


class RowBatchIter(DataIter):
    """Subclasses set ``num_data`` and implement ``_arrays(rows, filled) -> (data, label)``."""

    def _init_batches(self, batch_size, num_data, round_batch, who):
        self.num_data = num_data
        self.round_batch = round_batch
        self._who = who
        self._pos = 0
        self._overflow = 0
        self._rows = np.full(batch_size, -1, dtype=np.int64)   # the batch buffer's rows
        self._pad = 0
        self._cache = None

    def _order(self, row):
        """The data row the ``row``-th position of the epoch reads (shuffling overrides)."""
        return row

    def reset(self):
        # after a round_batch wrap-around the reset is ignored once: the next epoch continues
        # after the rows that completed the wrapped batch
        if self.round_batch and self._overflow:
            self._overflow = 0
        else:
            self._pos = 0
            self._overflow = 0
            self._new_epoch()

    def _new_epoch(self):
        pass

    def iter_next(self):
        if not self._advance():
            return False
        self._cache = None
        return True

    def _advance(self):
        """Move to the next batch's rows (``self._rows``, ``self._pad``); False at the end."""
        if self._overflow:
            return False
        bs, n = self.batch_size, self.num_data
        take = min(bs, n - self._pos)
        if take <= 0:
            return False
        rows = self._rows
        rows[:take] = [self._order(r) for r in range(self._pos, self._pos + take)]
        self._pos += take
        self._pad = 0
        if take < bs:
            need = bs - take
            if self.round_batch:
                if need > n:
                    raise MXNetError('%s: number of input must be bigger than batch size '
                                     '(%d rows, %d needed to round the batch)'
                                     % (self._who, n, need))
                self._new_epoch()
                rows[take:] = [self._order(r) for r in range(need)]
                self._pos = need
                self._overflow = need
            self._pad = need
        return True

    def _batch(self):
        if self._cache is None:
            self._cache = self._arrays(self._rows, self._rows >= 0)
        return self._cache

    def getdata(self):
        """One NDArray, as MXNet's C++ iterators (MXDataIter) return; next() wraps it."""
        return self._batch()[0]

    def getlabel(self):
        return self._batch()[1]

    def getpad(self):
        return self._pad

    def getindex(self):
        return np.maximum(self._rows, 0).astype(np.uint64)

    def next(self):
        if not self.iter_next():
            raise StopIteration
        return DataBatch(data=[self.getdata()], label=[self.getlabel()], pad=self.getpad(),
                         index=self.getindex())
