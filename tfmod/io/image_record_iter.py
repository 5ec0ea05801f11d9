"""``mx.io.ImageRecordIter``: batches of decoded images from an MXNet RecordIO file (what
``im2rec.py`` packs), with MXNet's default augmenter and normalisation.

Per image, as MXNet's ImageRecordIter does: decode (JPEG/PNG, to ``data_shape[0]`` channels),
``resize`` the shorter side, ``pad`` (with ``fill_value``, MXNet's default 255), grow the image
if it is smaller than ``data_shape`` (keeping its aspect), crop ``data_shape`` -- at the centre,
or at random with ``rand_crop`` --, mirror (``mirror``, or at random with ``rand_mirror``), then
in RGB order ``(pixel - mean) * (scale / std)`` (``dtype='float32'``, the default), the pixel
itself (``'uint8'``: mean, std and scale unused) or ``saturate(pixel - round(mean))``
(``'int8'``: std and scale unused). Labels come from the record header (``label_width``
floats). Batching follows MXNet's BatchLoader (``round_batch``, see batch_loader.py); the
batches' ``index`` is zeros, as MXNet's.

Random choices (shuffle, crops, mirrors) are drawn from numpy seeded by ``seed``: the same
kinds of choices as MXNet, not the same draws. A batch's images are decoded on
``preprocess_threads`` threads (MXNet's default 4, at most the machine's cores; TF's decoder
runs without Python's lock), then cropped, mirrored and normalised in numpy, the random draws
made one image after the other, so the batches do not depend on the thread count. Up to
``prefetch_buffer`` batches (MXNet's default 4) are made ahead on a background thread
(batch_prefetcher.py) with the same draws in the same order, so they do not depend on it
either; 0 makes each batch on demand in ``next()``. JPEGs decode to OpenCV's pixels; resizing
uses OpenCV's kernels (``inter_method``, converters/image.py), within a grey level of its
fixed-point arithmetic. ``num_parts``/``part_index`` split the records into equal contiguous
shares (MXNet splits the file by bytes). The augmentations beyond these (rotation, shear, colour
jitter, random scale / aspect / area, PCA noise, mean images) are refused by name rather than
ignored.
"""
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import tensorflow as tf

from tfmod_converters import image as _cv
from tfmod_converters.attrs import parse_bool, parse_shape
from .. import recordio
from ..base import MXNetError
from ..context import current_context
from .base import DataDesc
from .batch_loader import RowBatchIter
from .batch_prefetcher import BatchPrefetcher
from .ndarray_iter import _aligned_empty, _to_nd

# augmentation / normalisation parameters tfmod does not implement, with their no-op values
_UNSUPPORTED = {
    'max_rotate_angle': 0, 'rotate': -1, 'max_shear_ratio': 0.0, 'max_aspect_ratio': 0.0,
    'min_aspect_ratio': None, 'max_random_scale': 1.0, 'min_random_scale': 1.0,
    'max_img_size': 1e10, 'min_img_size': 0.0, 'random_resized_crop': False,
    'max_random_area': 1.0, 'min_random_area': 1.0, 'max_crop_size': -1, 'min_crop_size': -1,
    'brightness': 0.0, 'contrast': 0.0, 'saturation': 0.0, 'pca_noise': 0.0, 'random_h': 0,
    'random_s': 0, 'random_l': 0, 'max_random_contrast': 0.0, 'max_random_illumination': 0.0,
    'mean_img': '', 'path_imglist': '', 'aug_seq': 'aug_default', 'rotate_list': None,
}
# accepted and without effect here (devices, logging, chunked shuffling, alpha channel)
_IGNORED = ('verbose', 'ctx', 'device_id',
            'shuffle_chunk_size', 'shuffle_chunk_seed', 'seed_aug', 'mean_a', 'std_a')


def _record_offsets(path):
    """Byte offsets of the records of a .rec file (headers read, payloads skipped)."""
    reader = recordio.MXRecordIO(path, 'r')
    offsets = []
    try:
        while True:
            pos = reader.handle.tell()
            if reader.read() is None:
                break
            offsets.append(pos)
    finally:
        reader.close()
    return offsets


class ImageRecordIter(RowBatchIter):
    """Iterate over an image RecordIO file in batches (keyword arguments, as MXNet's)."""

    # what MXNet's variants of this iterator change (image_record_variants.py)
    _name = 'ImageRecordIter'
    _fixed_dtype = None      # their data type, whatever ``dtype`` says
    _refuse_dtype = False    # ``dtype`` given at all is an error
    _mirrors = True          # False: mirror / rand_mirror are accepted and do nothing

    def __init__(self, path_imgrec=None, data_shape=None, batch_size=None, path_imgidx='',
                 label_width=1, shuffle=False, seed=0, round_batch=True, data_name='data',
                 label_name='softmax_label', mean_r=0.0, mean_g=0.0, mean_b=0.0, std_r=1.0,
                 std_g=1.0, std_b=1.0, scale=1.0, rand_crop=False, rand_mirror=False,
                 mirror=False, resize=-1, pad=0, fill_value=255, inter_method=1, num_parts=1,
                 part_index=0, dtype=None, preprocess_threads=4, prefetch_buffer=4,
                 **kwargs):
        who = self._name
        for name, value in (('path_imgrec', path_imgrec), ('data_shape', data_shape),
                            ('batch_size', batch_size)):
            if value is None:
                raise MXNetError('%s: Required parameter %s is not presented' % (who, name))
        for k, v in kwargs.items():
            if k in _IGNORED:
                continue
            if k in _UNSUPPORTED:
                if v != _UNSUPPORTED[k] and v not in ('', None):
                    raise MXNetError('%s: %s=%r is not supported by tfmod (the supported '
                                     'augmentations are resize, pad, rand_crop, rand_mirror, '
                                     'mirror and mean/std/scale)' % (who, k, v))
                continue
            raise MXNetError('%s: unknown argument %r' % (who, k))
        shape = tuple(parse_shape(data_shape))
        if len(shape) != 3 or shape[0] not in (1, 3):
            raise MXNetError('%s: data_shape must be (channels, height, width) with 1 or 3 '
                             'channels, got %s' % (who, shape))
        if self._fixed_dtype is not None:
            if self._refuse_dtype and dtype is not None:
                raise MXNetError('%s: the dtype argument is not accepted (MXNet 1.9.1 fails on '
                                 'it too); its data are %s' % (who, self._fixed_dtype))
            dtype = self._fixed_dtype
        else:
            try:
                dtype = 'float32' if dtype is None else np.dtype(dtype).name
            except TypeError:
                pass
            if dtype not in ('float32', 'uint8', 'int8'):
                raise MXNetError('%s: unknown dtype %s (float32, uint8 or int8, as MXNet 1.9.1)'
                                 % (who, dtype))
        super().__init__(int(batch_size))
        self.data_shape = shape
        self.label_width = int(label_width)
        self.shuffle = parse_bool(shuffle)
        self.rand_crop, self.rand_mirror = parse_bool(rand_crop), parse_bool(rand_mirror)
        self.mirror = parse_bool(mirror)
        if not self._mirrors:
            self.rand_mirror = self.mirror = False
        self.resize, self.pad, self.fill_value = int(resize), int(pad), int(fill_value)
        self.inter_method = int(inter_method)
        if self.inter_method not in (0, 1, 2, 3, 4, 9, 10):
            raise MXNetError('%s: invalid inter_method %d: valid values 0, 1, 2, 3, 4, 9, 10'
                             % (who, self.inter_method))
        self.dtype = dtype
        try:
            threads = int(preprocess_threads)
        except (TypeError, ValueError):
            raise MXNetError('%s: preprocess_threads must be an integer, got %r'
                             % (who, preprocess_threads)) from None
        self._threads = max(1, min(threads, os.cpu_count() or 1))
        self._pool = None
        try:
            depth = int(prefetch_buffer)
        except (TypeError, ValueError):
            depth = -1
        if depth < 0:
            raise MXNetError('%s: prefetch_buffer must be a non-negative integer, got %r'
                             % (who, prefetch_buffer))
        # 0: batches made on demand by next() (MXNet 1.9.1 crashes on 0)
        self._prefetcher = BatchPrefetcher(self, depth, who) if depth else None
        self._current = None     # the batch next() last returned, when prefetching
        self._ended = False
        self._mean = np.array([mean_r, mean_g, mean_b][:shape[0]] if shape[0] == 3 else
                              [mean_r], np.float32)
        std = np.array([std_r, std_g, std_b][:shape[0]] if shape[0] == 3 else [std_r],
                       np.float32)
        self._mult = (np.float32(scale) / std).astype(np.float32)
        # int8 data: saturate(pixel - round(mean)), the mean rounded half away from zero;
        # std and scale do not apply (MXNet's int8 path)
        self._mean_int = (np.sign(self._mean) * np.floor(np.abs(self._mean) + 0.5)).astype(
            np.int16)
        self._rng = np.random.RandomState(int(seed))
        self.path_imgrec = str(path_imgrec)
        if path_imgidx:
            idx = recordio.MXIndexedRecordIO(path_imgidx, path_imgrec, 'r')
            offsets = [idx.idx[k] for k in idx.keys]
            idx.close()
        else:
            offsets = _record_offsets(self.path_imgrec)
        num_parts, part_index = int(num_parts), int(part_index)
        if not 0 <= part_index < num_parts:
            raise MXNetError('%s: part_index %d is not in [0, num_parts=%d)'
                             % (who, part_index, num_parts))
        share = len(offsets) // num_parts if num_parts > 1 else len(offsets)
        self._offsets = offsets[part_index * share:(part_index + 1) * share] \
            if num_parts > 1 else offsets
        if not self._offsets:
            raise MXNetError('%s: %s holds no records' % (who, self.path_imgrec))
        self._reader = recordio.MXRecordIO(self.path_imgrec, 'r')
        self._perm = None
        self._init_batches(self.batch_size, len(self._offsets), parse_bool(round_batch), who)
        self._new_epoch()
        self._ctx = current_context()
        label_shape = (self.batch_size,) if self.label_width == 1 else \
            (self.batch_size, self.label_width)
        self.provide_data = [DataDesc(data_name, (self.batch_size,) + shape, np.dtype(dtype))]
        self.provide_label = [DataDesc(label_name, label_shape, np.float32)]

    # -- order -----------------------------------------------------------------------------------
    def _new_epoch(self):
        if self.shuffle:
            self._perm = self._rng.permutation(self.num_data)

    def _order(self, row):
        return int(self._perm[row]) if self.shuffle else row

    # -- one image -------------------------------------------------------------------------------
    def _record(self, row):
        """(header id, label, image bytes) of the ``row``-th record."""
        self._reader.handle.seek(self._offsets[row])
        header, payload = recordio.unpack(self._reader.read())
        return header.id, self._label(header, row), payload

    def _label(self, header, row):
        if header.flag > 0:
            label = np.asarray(header.label, np.float32)
            if label.size != self.label_width:
                raise MXNetError('%s: %s record %d provides a %d-dimensional label but '
                                 'label_width is set to %d' % (self._name, self.path_imgrec,
                                                               row, label.size, self.label_width))
        else:
            if self.label_width != 1:
                raise MXNetError('%s: label_width must be 1 unless the rec file is packed with '
                                 'multi-dimensional labels' % self._name)
            label = np.array([header.label], np.float32)
        return label

    def _decode(self, payload, row):
        c = self.data_shape[0]
        try:
            img = recordio.decode_image(payload, c)
        except (tf.errors.OpError, ValueError) as e:
            raise MXNetError('%s: %s record %d is not a decodable image: %s'
                             % (self._name, self.path_imgrec, row,
                                str(e).splitlines()[0])) from None
        return img.numpy()

    def _decode_all(self, payloads, rows):
        """The images of one batch, decoded on the iterator's threads (in order; the first
        undecodable record's error is raised)."""
        if self._threads == 1 or len(payloads) < 2:
            return [self._decode(p, r) for p, r in zip(payloads, rows)]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._threads,
                                            thread_name_prefix='tfmod-imagerecord')
        return list(self._pool.map(self._decode, payloads, rows))

    def _augment(self, img):
        _, h, w = self.data_shape
        if self.resize != -1:
            rows, cols = int(img.shape[0]), int(img.shape[1])
            if rows > cols:
                size = (self.resize * rows // cols, self.resize)
            else:
                size = (self.resize, self.resize * cols // rows)
            img = self._resize(img, size)
        if self.pad > 0:
            img = tf.pad(img, [[self.pad, self.pad], [self.pad, self.pad], [0, 0]],
                         constant_values=self.fill_value).numpy()
        rows, cols = int(img.shape[0]), int(img.shape[1])
        if rows < h:
            img = self._resize(img, (h, int(np.float32(h) / np.float32(rows) * np.float32(cols))))
            rows, cols = int(img.shape[0]), int(img.shape[1])
        if cols < w:
            img = self._resize(img, (int(np.float32(w) / np.float32(cols) * np.float32(rows)), w))
            rows, cols = int(img.shape[0]), int(img.shape[1])
        y, x = rows - h, cols - w
        if self.rand_crop:
            y, x = self._rng.randint(0, y + 1), self._rng.randint(0, x + 1)
        else:
            y, x = y // 2, x // 2
        img = img[y:y + h, x:x + w]
        if self.mirror or (self.rand_mirror and self._rng.rand() < 0.5):
            img = img[:, ::-1]
        return img

    def _resize(self, img, size):
        h, w = size
        interp = self.inter_method
        if interp == 9:          # OpenCV codes: bicubic to grow, area to shrink
            rows, cols = int(img.shape[0]), int(img.shape[1])
            interp = 2 if h > rows and w > cols else 3 if h < rows and w < cols else 1
        elif interp == 10:
            interp = self._rng.randint(0, 5)
        return _cv.resize_hwc(tf.constant(img), w, h, interp).numpy()

    def _arrays(self, rows, filled):
        c, h, w = self.data_shape
        # aligned: TF wraps the batch without copying it (ndarray_iter._aligned); rows left
        # unfilled are zeros
        data = _aligned_empty((self.batch_size, c, h, w), self.dtype)
        data[~np.asarray(filled, bool)] = 0
        labels = np.zeros((self.batch_size, self.label_width), np.float32)
        todo = [(i, int(row)) for i, (row, ok) in enumerate(zip(rows, filled)) if ok]
        records = [self._record(row) for _, row in todo]
        images = self._decode_all([r[2] for r in records], [row for _, row in todo])
        mean, mult = self._mean[:, None, None], self._mult[:, None, None]
        mean_int = self._mean_int[:, None, None]
        for (i, _), (_, label, _), img in zip(todo, records, images):
            chw = np.transpose(self._augment(img), (2, 0, 1))       # HWC, RGB -> CHW
            if self.dtype == 'float32':
                # (pixel - mean) * (scale / std) in float32, written into the batch
                np.subtract(chw, mean, out=data[i], dtype=np.float32)
                data[i] *= mult
            elif self.dtype == 'int8':
                data[i] = np.clip(chw.astype(np.int16) - mean_int, -128, 127)
            else:
                data[i] = chw
            labels[i] = label
        if self.label_width == 1:
            labels = labels[:, 0]
        return _to_nd(data, self._ctx), _to_nd(labels, self._ctx)

    def _index(self, rows):
        # MXNet 1.9.1's ImageRecordIter reports an index of zeros (the record ids are not
        # passed through its prefetcher); so does this
        return np.zeros(self.batch_size, np.uint64)

    # -- prefetching (batch_prefetcher.py): the producer thread runs _produce ---------------------
    def _snapshot(self):
        return (self._pos, self._overflow, self._perm, self._rows.copy(), self._pad,
                self._rng.get_state())

    def _restore(self, state):
        self._pos, self._overflow, self._perm, rows, self._pad, rng = state
        self._rows[:] = rows
        self._rng.set_state(rng)

    def _produce(self):
        if not self._advance():
            return ('end', None)
        data, label = self._arrays(self._rows, self._rows >= 0)
        return ('batch', (data, label, self._pad, self._index(self._rows)))

    def reset(self):
        if self._prefetcher is not None:
            before = self._prefetcher.halt()
            if before is not None:         # batches made ahead are dropped, their draws undone
                self._restore(before)
            self._current, self._ended = None, False
        super().reset()

    def iter_next(self):
        if self._prefetcher is None:
            return super().iter_next()
        if self._ended:
            return False
        kind, value = self._prefetcher.take()
        if kind == 'end':
            self._ended = True
            return False
        if kind == 'error':
            raise value
        self._current = value
        return True

    def getdata(self):
        if self._current is None:
            return super().getdata()
        return self._current[0]

    def getlabel(self):
        if self._current is None:
            return super().getlabel()
        return self._current[1]

    def getpad(self):
        if self._current is None:
            return super().getpad()
        return self._current[2]

    def getindex(self):
        if self._current is None:
            return self._index(self._rows)
        return self._current[3]
