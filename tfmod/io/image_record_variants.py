"""MXNet 1.9.1's other names for ImageRecordIter, each with what it changes (checked with the
oracle, tools/record_image_record_variants.py):

* ``ImageRecordUInt8Iter``: uint8 data whatever ``dtype`` says; mean, std and scale unused
  (``ImageRecordIter(dtype='uint8')``).
* ``ImageRecordInt8Iter``: int8 data ``saturate(pixel - round(mean))`` whatever ``dtype`` says
  (``ImageRecordIter(dtype='int8')``).
* ``ImageRecordIter_v1`` (MXNet's first implementation): the same batches, but ``index`` holds
  the records' header ids where the newer iterator reports zeros.
* ``ImageRecordUInt8Iter_v1``: uint8 data and record ids, and ``mirror`` / ``rand_mirror`` do
  nothing; MXNet 1.9.1 fails on any ``dtype`` argument, so this refuses it.

All share ImageRecordIter's machinery: decoding threads, prefetching, batching.
"""
import numpy as np

from .image_record_iter import ImageRecordIter


class ImageRecordUInt8Iter(ImageRecordIter):
    """ImageRecordIter with uint8 data (mean/std/scale unused); ``dtype`` is ignored."""
    _name = 'ImageRecordUInt8Iter'
    _fixed_dtype = 'uint8'


class ImageRecordInt8Iter(ImageRecordIter):
    """ImageRecordIter with int8 data, ``saturate(pixel - round(mean))``; ``dtype`` is ignored."""
    _name = 'ImageRecordInt8Iter'
    _fixed_dtype = 'int8'


class ImageRecordIter_v1(ImageRecordIter):  # noqa: N801 -- MXNet's name
    """ImageRecordIter whose ``index`` is the batch's record ids (the records' header ``id``)."""
    _name = 'ImageRecordIter_v1'

    def __init__(self, *args, **kwargs):
        self._ids = {}           # row -> header id, noted as the records are read
        super().__init__(*args, **kwargs)

    def _record(self, row):
        rec = super()._record(row)
        self._ids[row] = rec[0]
        return rec

    def _index(self, rows):
        # rows never filled (a batch larger than the data without round_batch) read as 0
        return np.array([0 if r < 0 else self._ids[r] if r in self._ids else
                         self._record(r)[0] for r in map(int, rows)], np.uint64)


class ImageRecordUInt8Iter_v1(ImageRecordIter_v1):  # noqa: N801 -- MXNet's name
    """ImageRecordIter_v1 with uint8 data; mirror and rand_mirror are accepted and unused."""
    _name = 'ImageRecordUInt8Iter_v1'
    _fixed_dtype = 'uint8'
    _refuse_dtype = True
    _mirrors = False
