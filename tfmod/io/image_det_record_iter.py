"""``mx.io.ImageDetRecordIter``: object-detection batches from an image RecordIO file, as MXNet
1.9.1's iterator gives them without its random augmentations (checked with the oracle,
tools/record_image_det_record.py).

* Each image is resized to ``data_shape`` regardless of its aspect (``resize_mode='force'``,
  with ``inter_method``), then ``(pixel - mean) / std * scale`` per RGB channel, where a std of
  0 (the default) divides by nothing.
* A label row is ``[channels, height, width, n, label[0..n), label_pad_value...]``: the output
  image's shape, the record's label length and its raw label (any width: ``label_width=-1``),
  padded to ``label_pad_width + 4`` columns. ``label_pad_width`` defaults to the longest label
  in the file; a smaller one is an error, as in MXNet.
* ``index`` holds the record ids; batching, ``round_batch``, shuffling, decoding threads and
  prefetching are ImageRecordIter's (``ImageRecordIter_v1``'s index).

The random crop / pad / mirror / colour augmenters (their probabilities > 0), another
``resize_mode``, ``resize``, ``mean_img``, ``path_imglist`` and data types other than float32 are
refused by name.
"""
import numpy as np

from .. import recordio
from ..base import MXNetError
from .image_record_variants import ImageRecordIter_v1

_WHO = 'ImageDetRecordIter'
# arguments that would turn on what tfmod does not implement, with their no-op values
_UNSUPPORTED = {
    'rand_crop_prob': 0.0, 'rand_pad_prob': 0.0, 'rand_mirror_prob': 0.0,
    'random_hue_prob': 0.0, 'random_saturation_prob': 0.0, 'random_illumination_prob': 0.0,
    'random_contrast_prob': 0.0, 'resize': -1, 'resize_mode': 'force', 'mean_img': '',
    'path_imglist': '', 'aug_seq': 'det_aug_default',
}
# accepted and without effect (the augmenters they tune are off, or devices and logging)
_IGNORED = ('min_crop_scales', 'max_crop_scales', 'min_crop_aspect_ratios',
            'max_crop_aspect_ratios', 'min_crop_overlaps', 'max_crop_overlaps',
            'min_crop_sample_coverages', 'max_crop_sample_coverages',
            'min_crop_object_coverages', 'max_crop_object_coverages', 'num_crop_sampler',
            'crop_emit_mode', 'emit_overlap_thresh', 'max_crop_trials', 'max_pad_scale',
            'max_random_hue', 'max_random_saturation', 'max_random_illumination',
            'max_random_contrast', 'fill_value', 'mean_a', 'std_a', 'verbose', 'ctx',
            'device_id', 'shuffle_chunk_size', 'shuffle_chunk_seed')


def _label_lengths(path):
    """The label length of every record of a .rec file."""
    reader = recordio.MXRecordIO(path, 'r')
    sizes = []
    try:
        while True:
            rec = reader.read()
            if rec is None:
                break
            header, _ = recordio.unpack(rec)
            sizes.append(int(header.flag) if header.flag > 0 else 1)
    finally:
        reader.close()
    return sizes


class ImageDetRecordIter(ImageRecordIter_v1):
    """Detection images and padded variable-length labels (keyword arguments, as MXNet's)."""
    _name = _WHO

    def __init__(self, path_imgrec=None, data_shape=None, batch_size=None, label_width=-1,
                 label_pad_width=0, label_pad_value=-1.0, mean_r=0.0, mean_g=0.0, mean_b=0.0,
                 std_r=0.0, std_g=0.0, std_b=0.0, scale=1.0, dtype=None, **kwargs):
        rest = {}
        for k, v in kwargs.items():
            if k in _IGNORED:
                continue
            if k in _UNSUPPORTED:
                if v != _UNSUPPORTED[k]:
                    raise MXNetError('%s: %s=%r is not supported by tfmod (no random '
                                     'augmentations; images are resized to data_shape)'
                                     % (_WHO, k, v))
                continue
            rest[k] = v
        if dtype is not None and np.dtype(dtype) != np.float32:
            raise MXNetError('%s: dtype %s is not supported (float32)' % (_WHO, dtype))
        if path_imgrec is None:
            raise MXNetError('%s: Required parameter path_imgrec is not presented' % _WHO)
        self._det_width = int(label_width)
        sizes = _label_lengths(str(path_imgrec))
        longest = max(sizes) if sizes else 0
        pad_width = int(label_pad_width)
        if longest > pad_width:
            if pad_width > 0:
                raise MXNetError('%s: label_pad_width: %d smaller than estimated width: %d'
                                 % (_WHO, pad_width, longest))
            pad_width = longest
        self._pad_value = np.float32(label_pad_value)
        # a std of 0 divides by nothing
        std = [s if float(s) > 0 else 1.0 for s in (std_r, std_g, std_b)]
        super().__init__(path_imgrec=path_imgrec, data_shape=data_shape,
                         batch_size=batch_size, label_width=pad_width + 4, mean_r=mean_r,
                         mean_g=mean_g, mean_b=mean_b, std_r=std[0], std_g=std[1],
                         std_b=std[2], scale=scale, **rest)

    def _label(self, header, row):
        raw = np.atleast_1d(np.asarray(header.label, np.float32))
        if self._det_width > 0 and raw.size != self._det_width:
            raise MXNetError('%s: %s record %d provides a %d-dimensional label but label_width '
                             'is set to %d' % (_WHO, self.path_imgrec, row, raw.size,
                                               self._det_width))
        out = np.full(self.label_width, self._pad_value, np.float32)
        out[:4] = self.data_shape + (raw.size,)
        out[4:4 + raw.size] = raw
        return out

    def _augment(self, img):
        _, h, w = self.data_shape
        if int(img.shape[0]) == h and int(img.shape[1]) == w:
            return img
        return self._resize(img, (h, w))
