"""The detection-pipeline cases tests/test_image_det.py replays and tools/record_image_det.py
records with MXNet 1.9.1, written once for both: the images and their boxes, the augmenters
and the calls that must fail. ``mx`` is tfmod or MXNet."""
import os
import random

import numpy as np

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'fixtures')
IMAGES = os.path.join(FIXTURES, 'image_record')
NAMES = ['img%d.%s' % (i, 'png' if i == 3 else 'jpg') for i in range(7)]


def seed(s):
    random.seed(s)
    np.random.seed(s)


def boxes(i):
    """1-3 objects per image; image 6 also carries an invalid (empty) box, dropped on parse."""
    rng = np.random.RandomState(100 + i)
    objs = []
    for k in range(1 + i % 3):
        x0, y0 = rng.uniform(0, 0.6, 2)
        w, h = rng.uniform(0.2, 0.4, 2)
        objs.append([k + i % 2, x0, y0, min(1.0, x0 + w), min(1.0, y0 + h)])
    if i == 6:
        objs.append([1, 0.5, 0.5, 0.4, 0.7])
    return np.array(objs, np.float32)


def raw_label(i):
    """The record's label: header [2, 5], then (class, xmin, ymin, xmax, ymax) per object."""
    return np.concatenate([[2, 5], boxes(i).ravel()]).astype(np.float32)


def augmenters(mx):
    """[(name, augmenter, input dtype)]: each detection augmenter, alone."""
    I = mx.image  # noqa: E741
    return [
        ('borrow', I.DetBorrowAug(I.BrightnessJitterAug(0.3)), 'float32'),
        ('flip', I.DetHorizontalFlipAug(0.5), 'uint8'),
        ('crop', I.DetRandomCropAug(), 'uint8'),
        ('crop_tight', I.DetRandomCropAug(min_object_covered=0.7, aspect_ratio_range=1.0,
                                          area_range=(0.3, 0.8), min_eject_coverage=0.5,
                                          max_attempts=20), 'uint8'),
        ('pad', I.DetRandomPadAug(), 'uint8'),
        ('pad_number', I.DetRandomPadAug(aspect_ratio_range=(0.5, 2.0), area_range=2.5,
                                         pad_val=(10, 20, 30)), 'uint8'),
        ('select', I.DetRandomSelectAug([I.DetHorizontalFlipAug(1.0), I.DetRandomPadAug()],
                                        skip_prob=0.3), 'uint8'),
        ('multi_crop', I.CreateMultiRandCropAugmenter(min_object_covered=[0.1, 0.5, 0.9],
                                                      area_range=[(0.1, 1.0), (0.3, 1.0),
                                                                  (0.5, 1.0)],
                                                      skip_prob=0.2), 'uint8'),
    ]


def bad_calls(mx, it):
    """{name: call} of what must raise; ``it`` is an ImageDetIter with 5-wide labels."""
    return {
        'short_label': lambda: mx.image.ImageDetIter(
            1, (3, 16, 16), imglist=[[2, 5, 0, 0.1, 0.1, NAMES[0]]], path_root=IMAGES),
        'width_mismatch': lambda: mx.image.ImageDetIter(
            1, (3, 16, 16), imglist=[[2, 4, 0, 0.1, 0.1, 0.5, 0.5, 1, NAMES[0]]],
            path_root=IMAGES),
        'no_valid_box': lambda: mx.image.ImageDetIter(
            1, (3, 16, 16), imglist=[[2, 5, 0, 0.5, 0.5, 0.1, 0.1, NAMES[0]]],
            path_root=IMAGES),
        'reshape_fewer': lambda: it.reshape(label_shape=(1, 5)),
        'reshape_width': lambda: it.reshape(label_shape=(5, 6)),
        'reshape_rank': lambda: it.reshape(label_shape=(5,)),
        'borrow_non_augmenter': lambda: mx.image.DetBorrowAug(lambda x: x),
        'select_non_det': lambda: mx.image.DetRandomSelectAug([mx.image.CastAug()]),
        'multi_lengths': lambda: mx.image.CreateMultiRandCropAugmenter(
            min_object_covered=[0.1, 0.2], area_range=[(0.1, 1.0), (0.2, 1.0), (0.3, 1.0)]),
        'crop_area_range': lambda: mx.image.DetRandomCropAug(area_range=(0.5, 0.1)),
        'pad_area_range': lambda: mx.image.DetRandomPadAug(area_range=(1.0, 0.9)),
        'mean_ndarray': lambda: mx.image.CreateDetAugmenter((3, 16, 16),
                                                            mean=mx.nd.array([1, 2, 3])),
    }
