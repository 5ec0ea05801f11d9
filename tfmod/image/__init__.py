"""``mx.image``: image decoding, resizing and crops (image.py), rotations (rotate.py), the
classification augmenters (augmenters.py, create_augmenter.py), ImageIter (image_iter.py) and
the detection augmenters and ImageDetIter (detection.py), with MXNet 1.9.1's names."""
from .image import imread, imdecode, imresize, copyMakeBorder, scale_down, resize_short, \
    fixed_crop, random_crop, center_crop, color_normalize, random_size_crop  # noqa: F401
from .image import _get_interp_method  # noqa: F401
from .augmenters import Augmenter, SequentialAug, RandomOrderAug, ResizeAug, ForceResizeAug, \
    RandomCropAug, RandomSizedCropAug, CenterCropAug, HorizontalFlipAug, CastAug, \
    ColorNormalizeAug, BrightnessJitterAug, ContrastJitterAug, SaturationJitterAug, \
    HueJitterAug, ColorJitterAug, LightingAug, RandomGrayAug  # noqa: F401
from .create_augmenter import CreateAugmenter  # noqa: F401
from .image_iter import ImageIter  # noqa: F401
from .rotate import imrotate, random_rotate  # noqa: F401
from .detection import DetAugmenter, DetBorrowAug, DetRandomSelectAug, DetHorizontalFlipAug, \
    DetRandomCropAug, DetRandomPadAug, CreateMultiRandCropAugmenter, CreateDetAugmenter, \
    ImageDetIter  # noqa: F401
from . import detection as det  # noqa: F401  (MXNet's mx.image.det)
