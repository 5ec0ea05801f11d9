"""``mx.image.ImageIter``: batches of augmented images from a ``.rec`` file (with or without
its ``.idx``) or from image files named by an image list, as MXNet 1.9.1's Python iterator.

Its order, shuffles (``random.shuffle`` of ``.seq`` at every reset, the first in the
constructor), partitions and last-batch handling are MXNet's; images go through the augmenter
list one by one (``CreateAugmenter(data_shape, **kwargs)`` unless ``aug_list`` is given).
Batches are float32 NCHW data and float32 labels, whatever ``dtype`` says (MXNet's batch
buffers are float32; ``dtype`` is the type of the labels it parses). Subclasses may override
``next_sample``, ``imdecode``, ``read_image``, ``check_valid_image``,
``augmentation_transform`` and ``postprocess_data`` as in MXNet.
"""
import logging
import numbers
import os
import random

import numpy as np

from .. import ndarray as nd
from .. import recordio
from ..base import MXNetError
from ..io.base import DataBatch, DataDesc, DataIter
from .create_augmenter import CreateAugmenter
from .image import imdecode

_LABEL_DTYPES = ('int32', 'float32', 'int64', 'float64')


def _parse_list_file(path, dtype):
    """An image list file (``index<TAB>label...<TAB>path`` lines) -> ({index: (label, path)},
    [index in file order])."""
    imglist, keys = {}, []
    with open(path) as f:
        for n, line in enumerate(iter(f.readline, ''), 1):
            fields = line.strip().split('\t')
            if len(fields) < 2:
                raise MXNetError('ImageIter: %s, line %d: expected index<TAB>labels<TAB>path, '
                                 'got %r' % (path, n, line.strip()))
            try:
                key = int(fields[0])
                label = nd.array(np.array(fields[1:-1], dtype=dtype), dtype=dtype)
            except ValueError as e:
                raise MXNetError('ImageIter: %s, line %d: %s' % (path, n, e)) from None
            imglist[key] = (label, fields[-1])
            keys.append(key)
    return imglist, keys


def _from_imglist(imglist, dtype):
    """A list of [label(s)..., path] -> ({'1': (label, path), ...}, keys): MXNet keys such a
    list by the strings '1', '2', ..."""
    out, keys = {}, []
    for n, item in enumerate(imglist, 1):
        if len(item) > 2:
            label = item[:-1]
        elif isinstance(item[0], numbers.Number):
            label = [item[0]]
        else:
            label = item[0]
        if isinstance(label, nd.NDArray):
            label = label.asnumpy()
        out[str(n)] = (nd.array(np.asarray(label, dtype=dtype), dtype=dtype), item[-1])
        keys.append(str(n))
    return out, keys


class ImageIter(DataIter):
    """Image batches with augmentation; see the module docstring and MXNet's documentation of
    each argument. ``**kwargs`` go to CreateAugmenter."""

    def __init__(self, batch_size, data_shape, label_width=1,
                 path_imgrec=None, path_imglist=None, path_root=None, path_imgidx=None,
                 shuffle=False, part_index=0, num_parts=1, aug_list=None, imglist=None,
                 data_name='data', label_name='softmax_label', dtype='float32',
                 last_batch_handle='pad', **kwargs):
        super().__init__()
        if not (path_imgrec or path_imglist or isinstance(imglist, list)):
            raise MXNetError('ImageIter: give path_imgrec, path_imglist or imglist (a list of '
                             '[label, path]); got imglist=%s' % type(imglist).__name__)
        if dtype not in _LABEL_DTYPES:
            raise MXNetError('ImageIter: dtype %s label not supported (one of %s)'
                             % (dtype, ', '.join(_LABEL_DTYPES)))
        if last_batch_handle not in ('pad', 'discard', 'roll_over'):
            raise MXNetError("ImageIter: last_batch_handle must be 'pad', 'discard' or "
                             "'roll_over', got %r" % (last_batch_handle,))
        logging.info('Using %s threads for decoding...',
                     os.environ.get('MXNET_CPU_WORKER_NTHREADS', 1))
        if path_imgrec:
            logging.info('%s: loading recordio %s...', type(self).__name__, path_imgrec)
            if path_imgidx:
                self.imgrec = recordio.MXIndexedRecordIO(path_imgidx, path_imgrec, 'r')
                self.imgidx = list(self.imgrec.keys)
            else:
                self.imgrec = recordio.MXRecordIO(path_imgrec, 'r')
                self.imgidx = None
        else:
            self.imgrec = None
        imgkeys = None
        if path_imglist:
            logging.info('%s: loading image list %s...', type(self).__name__, path_imglist)
            self.imglist, imgkeys = _parse_list_file(path_imglist, dtype)
        elif isinstance(imglist, list):
            self.imglist, imgkeys = _from_imglist(imglist, dtype)
        else:
            self.imglist = None
        self.path_root = path_root
        self.check_data_shape(data_shape)
        data_shape = tuple(data_shape)
        # DataDescs: (name, shape) tuples as MXNet's, which tfmod's wrappers also read as descs
        self.provide_data = [DataDesc(data_name, (batch_size,) + data_shape)]
        self.provide_label = [DataDesc(label_name, (batch_size, label_width) if label_width > 1
                                       else (batch_size,))]
        self.batch_size = batch_size
        self.data_shape = data_shape
        self.label_width = label_width
        self.shuffle = shuffle
        if self.imgrec is None:
            self.seq = imgkeys
        elif shuffle or num_parts > 1 or path_imgidx:
            if self.imgidx is None:
                raise MXNetError('ImageIter: shuffle and num_parts > 1 need path_imgidx '
                                 '(the .idx of %s)' % path_imgrec)
            self.seq = self.imgidx
        else:
            self.seq = None
        if num_parts > 1:
            if not 0 <= part_index < num_parts:
                raise MXNetError('ImageIter: part_index %d is not in [0, num_parts=%d)'
                                 % (part_index, num_parts))
            per_part = len(self.seq) // num_parts
            self.seq = self.seq[part_index * per_part:(part_index + 1) * per_part]
        self.auglist = CreateAugmenter(data_shape, **kwargs) if aug_list is None else aug_list
        self.cur = 0
        self._allow_read = True
        self.last_batch_handle = last_batch_handle
        self.num_image = len(self.seq) if self.seq is not None else None
        self._cache_data = None
        self._cache_label = None
        self._cache_idx = None
        self.reset()

    def reset(self):
        """Start a new epoch (reshuffling ``seq``); a rolled-over partial batch is kept."""
        if self.seq is not None and self.shuffle:
            random.shuffle(self.seq)
        if self.last_batch_handle != 'roll_over' or self._cache_data is None:
            if self.imgrec is not None:
                self.imgrec.reset()
            self.cur = 0
            self._allow_read = True

    def hard_reset(self):
        """Start a new epoch, dropping any rolled-over samples."""
        if self.seq is not None and self.shuffle:
            random.shuffle(self.seq)
        if self.imgrec is not None:
            self.imgrec.reset()
        self.cur = 0
        self._allow_read = True
        self._cache_data = None
        self._cache_label = None
        self._cache_idx = None

    def next_sample(self):
        """-> (label, encoded image bytes) of the next sample; StopIteration at the end."""
        if not self._allow_read:
            raise StopIteration
        if self.seq is None:
            s = self.imgrec.read()
            if s is None:
                if self.last_batch_handle != 'discard':
                    self.imgrec.reset()
                raise StopIteration
            header, img = recordio.unpack(s)
            return header.label, img
        if self.cur >= self.num_image:
            if self.last_batch_handle != 'discard':
                self.cur = 0
            raise StopIteration
        idx = self.seq[self.cur]
        self.cur += 1
        if self.imgrec is not None:
            header, img = recordio.unpack(self.imgrec.read_idx(idx))
            return (header.label if self.imglist is None else self.imglist[idx][0]), img
        label, fname = self.imglist[idx]
        return label, self.read_image(fname)

    def _batchify(self, batch_data, batch_label, start=0):
        """Fill rows ``start..`` of the numpy batch buffers; -> the number of rows filled."""
        i = start
        try:
            while i < self.batch_size:
                label, s = self.next_sample()
                data = self.imdecode(s)
                try:
                    self.check_valid_image(data)
                except RuntimeError as e:
                    logging.debug('Invalid image, skipping:  %s', str(e))
                    continue
                data = self.augmentation_transform(data)
                batch_data[i] = self._as_numpy(self.postprocess_data(data))
                batch_label[i] = self._label_row(label, batch_label.shape[1:])
                i += 1
        except StopIteration:
            if not i:
                raise
        return i

    @staticmethod
    def _as_numpy(x):
        return x.asnumpy() if isinstance(x, nd.NDArray) else np.asarray(x)

    def _label_row(self, label, shape):
        lab = self._as_numpy(label).astype(np.float32).reshape(-1)
        if lab.size != 1 and lab.size != int(np.prod(shape)):
            raise MXNetError('ImageIter: a sample has %d labels, label_width is %d'
                             % (lab.size, self.label_width))
        return lab.reshape(shape) if lab.size != 1 else lab[0]

    def _new_label_buffer(self):
        return np.zeros(self.provide_label[0][1], np.float32)

    def next(self):
        """The next DataBatch (``pad`` = how many rows of a last batch are filler)."""
        if self._cache_data is not None:
            batch_data, batch_label, i = self._cache_data, self._cache_label, self._cache_idx
        else:
            batch_data = np.zeros((self.batch_size,) + self.data_shape, np.float32)
            batch_label = self._new_label_buffer()
            i = self._batchify(batch_data, batch_label)
        pad = self.batch_size - i
        if pad:
            if self.last_batch_handle == 'discard':
                raise StopIteration
            if self.last_batch_handle == 'roll_over' and self._cache_data is None:
                self._cache_data, self._cache_label, self._cache_idx = \
                    batch_data, batch_label, i
                raise StopIteration
            self._batchify(batch_data, batch_label, i)
            if self.last_batch_handle == 'pad':
                self._allow_read = False
            else:
                self._cache_data = self._cache_label = self._cache_idx = None
        return DataBatch([nd.array(batch_data)], [nd.array(batch_label)], pad=pad)

    def check_data_shape(self, data_shape):
        """data_shape must be (3, H, W)."""
        if not len(data_shape) == 3:
            raise MXNetError('data_shape should have length 3, with dimensions CxHxW')
        if not data_shape[0] == 3:
            raise MXNetError('This iterator expects inputs to have 3 channels.')

    def check_valid_image(self, data):
        """RuntimeError (the sample is skipped) for an empty image."""
        if len(data[0].shape) == 0:
            raise RuntimeError('Data shape is wrong')

    def imdecode(self, s):
        """Decode a sample's bytes (mx.image.imdecode); a broken image is named."""
        try:
            return imdecode(s)
        except Exception as e:  # noqa: BLE001 -- any decoder failure names the sample
            raise MXNetError('Broken image %s, %s' % (self._locate(), e)) from None

    def _locate(self):
        """'filename: F' or 'index: K' of the sample read last ('record in: F.rec' when the
        .rec is read without its index)."""
        if self.seq is None:
            return 'record in: %s' % self.imgrec.uri
        idx = self.seq[(self.cur - 1) % self.num_image]
        if self.imglist is not None:
            return 'filename: %s' % self.imglist[idx][1]
        return 'index: %s' % idx

    def read_image(self, fname):
        """The bytes of image file ``fname`` under ``path_root``."""
        with open(os.path.join(self.path_root, fname), 'rb') as f:
            return f.read()

    def augmentation_transform(self, data):
        """Run the augmenter list on one decoded HWC image."""
        for aug in self.auglist:
            data = aug(data)
        return data

    def postprocess_data(self, datum):
        """HWC -> CHW, the layout of a batch row."""
        return nd.transpose(datum, axes=(2, 0, 1))
