"""``mx.image``'s object-detection pipeline: augmenters of (image, label) pairs -- labels are
numpy arrays with one row ``[class, xmin, ymin, xmax, ymax, ...]`` per object, coordinates in
[0, 1] -- CreateDetAugmenter, CreateMultiRandCropAugmenter and ImageDetIter, as MXNet 1.9.1's.

Random choices are MXNet's Python ``random`` calls in MXNet's order, so seeded runs crop, pad
and flip where MXNet's do. Bad arguments MXNet asserts on (or, for an empty crop/pad range,
fails on while warning) raise MXNetError naming the argument. ``draw_next`` (OpenCV drawing
windows) is not provided.
"""
import logging
import math
import numbers
import random

import numpy as np

from .. import ndarray as nd
from ..base import MXNetError
from ..io.base import DataDesc
from .augmenters import Augmenter, KeepsArguments, CastAug, ColorJitterAug, ColorNormalizeAug, \
    ForceResizeAug, HueJitterAug, LightingAug, RandomGrayAug, ResizeAug
from .create_augmenter import _EIGVAL, _EIGVEC, _MEAN, _STD
from .image import copyMakeBorder, fixed_crop
from .image_iter import ImageIter


class DetAugmenter(KeepsArguments):
    """Base class of detection augmenters: ``aug(src, label) -> (src, label)``."""

    def __call__(self, src, label):
        raise NotImplementedError('Must override implementation.')


class DetBorrowAug(DetAugmenter):
    """A classification augmenter applied to the image only (labels unchanged)."""

    def __init__(self, augmenter):
        if not isinstance(augmenter, Augmenter):
            raise TypeError('Borrowing from invalid Augmenter')
        super().__init__(augmenter=augmenter.dumps())
        self.augmenter = augmenter

    def dumps(self):
        return [type(self).__name__.lower(), self.augmenter.dumps()]

    def __call__(self, src, label):
        return self.augmenter(src), label


class DetRandomSelectAug(DetAugmenter):
    """With probability ``skip_prob`` do nothing, else apply one of ``aug_list`` at random
    (the list is shuffled in place and its first augmenter applied)."""

    def __init__(self, aug_list, skip_prob=0):
        super().__init__(skip_prob=skip_prob)
        if not isinstance(aug_list, (list, tuple)):
            aug_list = [aug_list]
        for aug in aug_list:
            if not isinstance(aug, DetAugmenter):
                raise MXNetError('DetRandomSelectAug: aug_list holds DetAugmenters only, got %s'
                                 % type(aug).__name__)
        self.aug_list = aug_list
        self.skip_prob = skip_prob if aug_list else 1

    def dumps(self):
        return [type(self).__name__.lower(), [a.dumps() for a in self.aug_list]]

    def __call__(self, src, label):
        if random.random() < self.skip_prob:
            return src, label
        random.shuffle(self.aug_list)
        return self.aug_list[0](src, label)


class DetHorizontalFlipAug(DetAugmenter):
    """Mirror image and boxes left-right with probability ``p`` (the label in place)."""

    def __init__(self, p):
        super().__init__(p=p)
        self.p = p

    def __call__(self, src, label):
        if random.random() < self.p:
            src = nd.flip(src, axis=1)
            self._flip_label(label)
        return src, label

    @staticmethod
    def _flip_label(label):
        xmin = 1.0 - label[:, 3]
        label[:, 3] = 1.0 - label[:, 1]
        label[:, 1] = xmin


def _pair(value, name, what):
    """A number -> (number, number); a tuple/list as given."""
    if isinstance(value, (tuple, list)):
        return value
    if not isinstance(value, numbers.Number):
        raise MXNetError('%s: %s must be a number or a (min, max) pair, got %r'
                         % (what, name, value))
    logging.info('Using fixed %s: %s in %s', name, value, what)
    return (value, value)


def _areas(boxes):
    """Areas of [xmin, ymin, xmax, ymax, ...] rows (0 for empty boxes)."""
    return np.maximum(0, boxes[:, 3] - boxes[:, 1]) * np.maximum(0, boxes[:, 2] - boxes[:, 0])


def _proposal_height(lo, hi, ratio, width, height, pad):
    """MXNet's search for a height in [lo, hi] whose width round(h * ratio) fits (crop) or
    covers (pad) the image; -> (h, max_h) before the random draw."""
    h = int(round(math.sqrt(lo / ratio)))
    max_h = int(round(math.sqrt(hi / ratio)))
    if pad:
        if round(h * ratio) < width:
            h = int((width + 0.499999) / ratio)
        if h < height:
            h = height
    else:
        if round(max_h * ratio) > width:
            max_h = int((width + 0.4999999) / ratio)
        if max_h > height:
            max_h = height
    if h > max_h:
        h = max_h
    return h, max_h


class DetRandomCropAug(DetAugmenter):
    """A random crop (area fraction in ``area_range``, aspect ratio in ``aspect_ratio_range``)
    in which every box kept covers more than ``min_object_covered`` of itself; boxes covered
    less than ``min_eject_coverage`` are dropped. After ``max_attempts`` misses: unchanged."""

    def __init__(self, min_object_covered=0.1, aspect_ratio_range=(0.75, 1.33),
                 area_range=(0.05, 1.0), min_eject_coverage=0.3, max_attempts=50):
        aspect_ratio_range = _pair(aspect_ratio_range, 'aspect_ratio_range', 'DetRandomCropAug')
        area_range = _pair(area_range, 'area_range', 'DetRandomCropAug')
        super().__init__(min_object_covered=min_object_covered,
                         aspect_ratio_range=aspect_ratio_range, area_range=area_range,
                         min_eject_coverage=min_eject_coverage, max_attempts=max_attempts)
        if area_range[1] <= 0 or area_range[0] > area_range[1]:
            raise MXNetError('DetRandomCropAug: invalid area_range %s' % (area_range,))
        if aspect_ratio_range[0] > aspect_ratio_range[1] or aspect_ratio_range[0] <= 0:
            raise MXNetError('DetRandomCropAug: invalid aspect_ratio_range %s'
                             % (aspect_ratio_range,))
        self.min_object_covered = min_object_covered
        self.min_eject_coverage = min_eject_coverage
        self.max_attempts = max_attempts
        self.aspect_ratio_range = aspect_ratio_range
        self.area_range = area_range
        self.enabled = True

    def __call__(self, src, label):
        crop = self._random_crop_proposal(label, src.shape[0], src.shape[1])
        if crop:
            x, y, w, h, label = crop
            src = fixed_crop(src, x, y, w, h, None)
        return src, label

    def _satisfied(self, label, xmin, ymin, xmax, ymax, width, height):
        """Every object the window touches is covered more than min_object_covered."""
        if (xmax - xmin) * (ymax - ymin) < 2:
            return False
        x1, y1 = float(xmin) / width, float(ymin) / height
        x2, y2 = float(xmax) / width, float(ymax) / height
        areas = _areas(label[:, 1:])
        valid = np.where(areas * width * height > 2)[0]
        if valid.size < 1:
            return False
        boxes = label[valid, 1:]
        left, right = np.maximum(boxes[:, 0], x1), np.minimum(boxes[:, 2], x2)
        top, bot = np.maximum(boxes[:, 1], y1), np.minimum(boxes[:, 3], y2)
        inter = boxes.copy()
        inter[:, 0], inter[:, 1], inter[:, 2], inter[:, 3] = left, top, right, bot
        inter[np.where(np.logical_or(left >= right, top >= bot))[0], :] = 0
        cover = _areas(inter) / areas[valid]
        cover = cover[np.where(cover > 0)[0]]
        return cover.size > 0 and np.amin(cover) > self.min_object_covered

    def _update_labels(self, label, box, height, width):
        """Boxes in the crop's coordinates, clipped; those covered too little dropped."""
        xmin, ymin = float(box[0]) / width, float(box[1]) / height
        w, h = float(box[2]) / width, float(box[3]) / height
        out = label.copy()
        out[:, (1, 3)] -= xmin
        out[:, (2, 4)] -= ymin
        out[:, (1, 3)] /= w
        out[:, (2, 4)] /= h
        out[:, 1:5] = np.maximum(0, out[:, 1:5])
        out[:, 1:5] = np.minimum(1, out[:, 1:5])
        coverage = _areas(out[:, 1:]) * w * h / _areas(label[:, 1:])
        valid = np.logical_and(out[:, 3] > out[:, 1], out[:, 4] > out[:, 2])
        valid = np.where(np.logical_and(valid, coverage > self.min_eject_coverage))[0]
        return out[valid, :] if valid.size else None

    def _random_crop_proposal(self, label, height, width):
        if not self.enabled or height <= 0 or width <= 0:
            return ()
        min_area = self.area_range[0] * height * width
        max_area = self.area_range[1] * height * width
        for _ in range(self.max_attempts):
            ratio = random.uniform(*self.aspect_ratio_range)
            if ratio <= 0:
                continue
            h, max_h = _proposal_height(min_area, max_area, ratio, width, height, pad=False)
            if h < max_h:
                h = random.randint(h, max_h)
            w = int(round(h * ratio))
            area = w * h
            if area < min_area:              # MXNet's fix-up of rounding
                h += 1
                w = int(round(h * ratio))
                area = w * h
            if area > max_area:
                h -= 1
                w = int(round(h * ratio))
                area = w * h
            if not (min_area <= area <= max_area and 0 <= w <= width and 0 <= h <= height):
                continue
            y = random.randint(0, max(0, height - h))
            x = random.randint(0, max(0, width - w))
            if self._satisfied(label, x, y, x + w, y + h, width, height):
                new_label = self._update_labels(label, (x, y, w, h), height, width)
                if new_label is not None:
                    return (x, y, w, h, new_label)
        return ()


class DetRandomPadAug(DetAugmenter):
    """Place the image at a random spot of a larger canvas filled with ``pad_val`` (area
    ``area_range`` times the image's, aspect ratio in ``aspect_ratio_range``)."""

    def __init__(self, aspect_ratio_range=(0.75, 1.33), area_range=(1.0, 3.0),
                 max_attempts=50, pad_val=(128, 128, 128)):
        if not isinstance(pad_val, (list, tuple)) and not isinstance(pad_val, numbers.Number):
            raise MXNetError('DetRandomPadAug: pad_val must be a number or a tuple, got %r'
                             % (pad_val,))
        aspect_ratio_range = _pair(aspect_ratio_range, 'aspect_ratio_range', 'DetRandomPadAug')
        area_range = _pair(area_range, 'area_range', 'DetRandomPadAug')
        super().__init__(aspect_ratio_range=aspect_ratio_range, area_range=area_range,
                         max_attempts=max_attempts, pad_val=pad_val)
        if area_range[1] <= 1.0 or area_range[0] > area_range[1]:
            raise MXNetError('DetRandomPadAug: invalid area_range %s' % (area_range,))
        if aspect_ratio_range[0] <= 0 or aspect_ratio_range[0] > aspect_ratio_range[1]:
            raise MXNetError('DetRandomPadAug: invalid aspect_ratio_range %s'
                             % (aspect_ratio_range,))
        self.pad_val = pad_val
        self.aspect_ratio_range = aspect_ratio_range
        self.area_range = area_range
        self.max_attempts = max_attempts
        self.enabled = True

    def __call__(self, src, label):
        height, width = src.shape[:2]
        pad = self._random_pad_proposal(label, height, width)
        if pad:
            x, y, w, h, label = pad
            values = self.pad_val if isinstance(self.pad_val, (list, tuple)) else None
            src = copyMakeBorder(src, y, h - y - height, x, w - x - width, type=16,  # constant
                                 value=0.0 if values else self.pad_val, values=values)
        return src, label

    @staticmethod
    def _update_labels(label, box, height, width):
        out = label.copy()
        out[:, (1, 3)] = (out[:, (1, 3)] * width + box[0]) / box[2]
        out[:, (2, 4)] = (out[:, (2, 4)] * height + box[1]) / box[3]
        return out

    def _random_pad_proposal(self, label, height, width):
        if not self.enabled or height <= 0 or width <= 0:
            return ()
        min_area = self.area_range[0] * height * width
        max_area = self.area_range[1] * height * width
        for _ in range(self.max_attempts):
            ratio = random.uniform(*self.aspect_ratio_range)
            if ratio <= 0:
                continue
            h, max_h = _proposal_height(min_area, max_area, ratio, width, height, pad=True)
            if h < max_h:
                h = random.randint(h, max_h)
            w = int(round(h * ratio))
            if (h - height) < 2 or (w - width) < 2:
                continue                     # too little padding to be worth it
            y = random.randint(0, max(0, h - height))
            x = random.randint(0, max(0, w - width))
            return (x, y, w, h, self._update_labels(label, (x, y, w, h), height, width))
        return ()


def CreateMultiRandCropAugmenter(min_object_covered=0.1,  # noqa: N802
                                 aspect_ratio_range=(0.75, 1.33), area_range=(0.05, 1.0),
                                 min_eject_coverage=0.3, max_attempts=50, skip_prob=0):
    """A DetRandomSelectAug over DetRandomCropAugs: each argument given as a list makes one
    crop augmenter per element (other arguments repeated)."""
    params = [p if isinstance(p, list) else [p] for p in
              (min_object_covered, aspect_ratio_range, area_range, min_eject_coverage,
               max_attempts)]
    num = max(len(p) for p in params)
    for k, p in enumerate(params):
        if len(p) != num:
            if len(p) != 1:
                raise MXNetError('CreateMultiRandCropAugmenter: the list arguments must have '
                                 'one length, got %s' % [len(q) for q in params])
            params[k] = p * num
    augs = [DetRandomCropAug(min_object_covered=moc, aspect_ratio_range=arr, area_range=ar,
                             min_eject_coverage=mec, max_attempts=ma)
            for moc, arr, ar, mec, ma in zip(*params)]
    return DetRandomSelectAug(augs, skip_prob=skip_prob)


def _np_stat(value, default, name):
    if value is True:
        return np.array(default)
    if value is not None and not (isinstance(value, np.ndarray) and value.shape[0] in (1, 3)):
        raise MXNetError('CreateDetAugmenter: %s must be True, None or a numpy array of 1 or 3 '
                         'channel values, got %r' % (name, value))
    return value


def CreateDetAugmenter(data_shape, resize=0, rand_crop=0, rand_pad=0, rand_gray=0,  # noqa: N802
                       rand_mirror=False, mean=None, std=None, brightness=0, contrast=0,
                       saturation=0, pca_noise=0, hue=0, inter_method=2, min_object_covered=0.1,
                       aspect_ratio_range=(0.75, 1.33), area_range=(0.05, 3.0),
                       min_eject_coverage=0.3, max_attempts=50, pad_val=(127, 127, 127)):
    """The detection augmenter list for images of ``data_shape`` (C, H, W), in MXNet's order
    (resize, random crops, mirror, random pad, force-resize, cast, colour, normalise)."""
    auglist = []
    if resize > 0:
        auglist.append(DetBorrowAug(ResizeAug(resize, inter_method)))
    if rand_crop > 0:
        auglist.append(CreateMultiRandCropAugmenter(
            min_object_covered, aspect_ratio_range, area_range, min_eject_coverage,
            max_attempts, skip_prob=(1 - rand_crop)))
    if rand_mirror > 0:
        auglist.append(DetHorizontalFlipAug(0.5))
    if rand_pad > 0:
        pad = DetRandomPadAug(aspect_ratio_range, (1.0, area_range[1]), max_attempts, pad_val)
        auglist.append(DetRandomSelectAug([pad], 1 - rand_pad))
    auglist.append(DetBorrowAug(ForceResizeAug((data_shape[2], data_shape[1]), inter_method)))
    auglist.append(DetBorrowAug(CastAug()))
    if brightness or contrast or saturation:
        auglist.append(DetBorrowAug(ColorJitterAug(brightness, contrast, saturation)))
    if hue:
        auglist.append(DetBorrowAug(HueJitterAug(hue)))
    if pca_noise > 0:
        auglist.append(DetBorrowAug(LightingAug(pca_noise, _EIGVAL, _EIGVEC)))
    if rand_gray > 0:
        auglist.append(DetBorrowAug(RandomGrayAug(rand_gray)))
    mean = _np_stat(mean, _MEAN, 'mean')
    std = _np_stat(std, _STD, 'std')
    if mean is not None or std is not None:
        auglist.append(DetBorrowAug(ColorNormalizeAug(mean, std)))
    return auglist


class ImageDetIter(ImageIter):
    """Batches of augmented images and their boxes: labels (batch, max objects, object width)
    padded with -1. A raw label is ``[header width, object width, header..., objects...]``;
    ``**kwargs`` go to CreateDetAugmenter."""

    def __init__(self, batch_size, data_shape,
                 path_imgrec=None, path_imglist=None, path_root=None, path_imgidx=None,
                 shuffle=False, part_index=0, num_parts=1, aug_list=None, imglist=None,
                 data_name='data', label_name='label', last_batch_handle='pad', **kwargs):
        super().__init__(batch_size=batch_size, data_shape=data_shape,
                         path_imgrec=path_imgrec, path_imglist=path_imglist,
                         path_root=path_root, path_imgidx=path_imgidx, shuffle=shuffle,
                         part_index=part_index, num_parts=num_parts, aug_list=[],
                         imglist=imglist, data_name=data_name, label_name=label_name,
                         last_batch_handle=last_batch_handle)
        self.auglist = CreateDetAugmenter(data_shape, **kwargs) if aug_list is None \
            else aug_list
        label_shape = self._estimate_label_shape()
        self.provide_label = [DataDesc(label_name, (self.batch_size,) + label_shape)]
        self.label_shape = label_shape

    def _check_valid_label(self, label):
        """RuntimeError (the sample is skipped) unless some box is a valid object."""
        if len(label.shape) != 2 or label.shape[1] < 5:
            raise RuntimeError('Label with shape (1+, 5+) required, %s received.' % str(label))
        valid = np.where(np.logical_and(label[:, 0] >= 0, label[:, 3] > label[:, 1],
                                        label[:, 4] > label[:, 2]))[0]
        if valid.size < 1:
            raise RuntimeError('Invalid label occurs.')

    def _estimate_label_shape(self):
        """(most objects in one sample, object width), reading every label once."""
        max_count, width = 0, None
        self.reset()
        try:
            while True:
                label, _ = self.next_sample()
                label = self._parse_label(label)
                max_count, width = max(max_count, label.shape[0]), label.shape[1]
        except StopIteration:
            pass
        self.reset()
        if width is None:
            raise MXNetError('ImageDetIter: the data source holds no samples')
        return (max_count, width)

    def _parse_label(self, label):
        """A raw label -> (objects, object width) rows, invalid boxes dropped."""
        if isinstance(label, nd.NDArray):
            label = label.asnumpy()
        raw = np.asarray(label).ravel()
        if raw.size < 7:
            raise MXNetError('Label shape is invalid: ' + str(raw.shape))
        header_width, obj_width = int(raw[0]), int(raw[1])
        if obj_width <= 0 or (raw.size - header_width) % obj_width != 0:
            raise MXNetError('Label shape %s inconsistent with annotation width %d.'
                             % (str(raw.shape), obj_width))
        out = np.reshape(raw[header_width:], (-1, obj_width))
        valid = np.where(np.logical_and(out[:, 3] > out[:, 1], out[:, 4] > out[:, 2]))[0]
        if valid.size < 1:
            raise MXNetError('Encounter sample with no valid label.')
        return out[valid, :]

    def reshape(self, data_shape=None, label_shape=None):
        """Change the data shape and/or the label shape (objects may only grow)."""
        if data_shape is not None:
            self.check_data_shape(data_shape)
            self.provide_data = [DataDesc(self.provide_data[0][0],
                                          (self.batch_size,) + tuple(data_shape))]
            self.data_shape = tuple(data_shape)
        if label_shape is not None:
            self.check_label_shape(label_shape)
            self.provide_label = [DataDesc(self.provide_label[0][0],
                                           (self.batch_size,) + tuple(label_shape))]
            self.label_shape = tuple(label_shape)

    def check_label_shape(self, label_shape):
        """A new label shape keeps the object width and does not shrink the object count."""
        if not len(label_shape) == 2:
            raise MXNetError('label_shape should have length 2')
        if label_shape[0] < self.label_shape[0]:
            raise MXNetError('Attempts to reduce label count from %d to %d, not allowed.'
                             % (self.label_shape[0], label_shape[0]))
        if label_shape[1] != self.provide_label[0][1][2]:
            raise MXNetError('label_shape object width inconsistent: %d vs %d.'
                             % (self.provide_label[0][1][2], label_shape[1]))

    def sync_label_shape(self, it, verbose=False):
        """Give this iterator and ``it`` the larger object count of the two; -> ``it``."""
        if not isinstance(it, ImageDetIter):
            raise MXNetError('Synchronize with invalid iterator.')
        mine, theirs = self.label_shape, it.label_shape
        if mine[1] != theirs[1]:
            raise MXNetError('object width mismatch.')
        max_count = max(mine[0], theirs[0])
        if max_count > mine[0]:
            self.reshape(None, (max_count, mine[1]))
        if max_count > theirs[0]:
            it.reshape(None, (max_count, theirs[1]))
        if verbose and max_count > min(mine[0], theirs[0]):
            logging.info('Resized label_shape to (%d, %d).', max_count, mine[1])
        return it

    def _new_label_buffer(self):
        return np.full(self.provide_label[0][1], -1, np.float32)

    def _batchify(self, batch_data, batch_label, start=0):
        i = start
        try:
            while i < self.batch_size:
                label, s = self.next_sample()
                data = self.imdecode(s)
                try:
                    self.check_valid_image([data])
                    label = self._parse_label(label)
                    data, label = self.augmentation_transform(data, label)
                    self._check_valid_label(label)
                except RuntimeError as e:
                    logging.debug('Invalid image, skipping:  %s', str(e))
                    continue
                batch_data[i] = self._as_numpy(self.postprocess_data(data))
                n = label.shape[0]
                if n > batch_label.shape[1]:
                    raise MXNetError('ImageDetIter: a sample has %d objects, label_shape holds '
                                     '%d (reshape the iterator)' % (n, batch_label.shape[1]))
                batch_label[i][:n] = label
                batch_label[i][n:] = -1
                i += 1
        except StopIteration:
            if not i:
                raise
        return i

    def augmentation_transform(self, data, label):  # pylint: disable=arguments-differ
        """Run the detection augmenters on one (image, label) pair."""
        for aug in self.auglist:
            data, label = aug(data, label)
        return data, label
