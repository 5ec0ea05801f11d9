"""MNISTIter: batches of MNIST's idx files, as MXNet 1.9.1's C++ ``mx.io.MNISTIter``.

* ``image`` / ``label``: the idx3 image and idx1 label files. ``num_parts`` / ``part_index``
  keep the rows ``[count*k/parts, count*(k+1)/parts)`` of both files.
* Pixels are scaled by 1/256 (MXNet's factor, so 255 reads as 0.99609375); labels are float32.
  A batch is ``(batch_size, 1, rows, cols)``, or ``(batch_size, rows*cols)`` with ``flat``.
* ``shuffle`` (default True) permutes the rows once, at load, with the order MXNet's
  ``std::shuffle(std::mt19937(seed))`` gives (cxx_shuffle.py); every epoch replays it.
* Only whole batches are returned: the rows of a last, partial batch are never seen; ``pad``
  is 0 and ``index`` zeros, as MXNet reports them.
* ``getdata()`` / ``getlabel()`` return one NDArray each, as MXNet's ``MXDataIter`` does.
"""
import logging

import numpy as np

from tfmod_converters.attrs import parse_bool, parse_int
from ..base import MXNetError
from ..context import current_context
from .base import DataBatch, DataDesc, DataIter
from .cxx_shuffle import cxx_shuffle_order
from .idx_file import idx_count, read_idx
from .ndarray_iter import _to_nd


_LOG = logging.getLogger(__name__)


def _part(count, num_parts, part_index):
    """MXNet's GetPart: the row range of one part, computed in double precision."""
    start = int(float(count) / num_parts * part_index)
    end = int(float(count) / num_parts * (part_index + 1))
    return start, end


class MNISTIter(DataIter):
    """Iterate over MNIST idx files (MXNet's ``mx.io.MNISTIter``; keyword arguments)."""

    def __init__(self, image='./train-images-idx3-ubyte', label='./train-labels-idx1-ubyte',
                 batch_size=128, shuffle=True, flat=False, seed=0, silent=False, num_parts=1,
                 part_index=0, prefetch_buffer=4, ctx='gpu', dtype=None, data_name='data',
                 label_name='softmax_label', **kwargs):
        try:
            batch_size, seed = parse_int(batch_size), parse_int(seed)
            num_parts, part_index = parse_int(num_parts), parse_int(part_index)
            shuffle, flat, silent = parse_bool(shuffle), parse_bool(flat), parse_bool(silent)
        except (TypeError, ValueError) as e:
            raise MXNetError('MNISTIter: invalid parameter: %s' % e) from None
        if batch_size < 1:
            raise MXNetError('MNISTIter: batch_size must be >= 1, got %d' % batch_size)
        if num_parts < 1 or not 0 <= part_index < num_parts:
            raise MXNetError('MNISTIter: part_index %d is not in [0, num_parts=%d)'
                             % (part_index, num_parts))
        if dtype not in (None, 'None', 'float32', np.float32):
            raise MXNetError('MNISTIter: dtype %r is not supported; MNISTIter gives float32'
                             % (dtype,))
        super().__init__(batch_size)
        start, end = _part(idx_count(image), num_parts, part_index)
        pixels = read_idx(image, start, end)
        if pixels.ndim != 3:
            raise MXNetError('MNISTIter: image file %r holds %d-D data, not images'
                             % (image, pixels.ndim))
        lstart, lend = _part(idx_count(label), num_parts, part_index)
        labels = read_idx(label, lstart, lend).reshape(-1)
        if labels.shape[0] < pixels.shape[0]:
            raise MXNetError('MNISTIter: label file %r has %d labels for %d images'
                             % (label, labels.shape[0], pixels.shape[0]))
        n, rows, cols = pixels.shape
        images = pixels.astype(np.float32) * np.float32(1.0 / 256.0)
        labels = labels[:n].astype(np.float32)
        if shuffle:
            order = cxx_shuffle_order(n, seed)
            images, labels = images[order], labels[order]
        self._images = images.reshape((n, rows * cols) if flat else (n, 1, rows, cols))
        self._labels = labels
        self.num_batches = n // batch_size
        if self.num_batches == 0:
            raise MXNetError('MNISTIter: batch_size %d is larger than the %d images of %r'
                             % (batch_size, n, image))
        self._ctx = current_context()
        self._loc = 0
        self._batch = None
        self.provide_data = [DataDesc(data_name, (batch_size,) + self._images.shape[1:])]
        self.provide_label = [DataDesc(label_name, (batch_size,))]
        if not silent:   # MXNet's line: a flat shape prints as (b,n), a 4-D one as [b,1,r,c]
            shape = ','.join(str(d) for d in self.provide_data[0].shape)
            # through a named logger: logging.info() would configure the root logger at WARNING
            # when the script has not yet, and the script's own later
            # logging.basicConfig(level=DEBUG) would then do nothing (stochastic-depth/sd_mnist.py
            # lost every fit line); MXNet prints this line from C++, outside Python's logging
            _LOG.info('MNISTIter: load %d images, shuffle=%d, shape=%s', n, int(shuffle),
                         ('(%s)' if flat else '[%s]') % shape)

    def reset(self):
        self._loc = 0
        self._batch = None

    def iter_next(self):
        if self._loc + self.batch_size > self._images.shape[0]:
            return False
        sl = slice(self._loc, self._loc + self.batch_size)
        self._batch = (_to_nd(self._images[sl], self._ctx), _to_nd(self._labels[sl], self._ctx))
        self._loc += self.batch_size
        return True

    def _current(self):
        if self._batch is None:
            raise MXNetError('MNISTIter: no current batch; call iter_next() or next() first')
        return self._batch

    def getdata(self):
        return self._current()[0]

    def getlabel(self):
        return self._current()[1]

    def getpad(self):
        return 0

    def getindex(self):
        return np.zeros(self.batch_size, dtype=np.uint64)

    def next(self):
        if not self.iter_next():
            raise StopIteration
        return DataBatch(data=[self.getdata()], label=[self.getlabel()], pad=self.getpad(),
                         index=self.getindex())
