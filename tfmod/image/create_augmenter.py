"""``mx.image.CreateAugmenter``: the standard classification augmenter list, in MXNet's order
(resize, crop, mirror, cast, colour jitter, hue, PCA noise, grey, normalisation)."""
import numpy as np

from .. import ndarray as nd
from ..base import MXNetError
from .augmenters import CastAug, CenterCropAug, ColorJitterAug, ColorNormalizeAug, \
    HorizontalFlipAug, HueJitterAug, LightingAug, RandomCropAug, RandomGrayAug, \
    RandomSizedCropAug, ResizeAug

# ImageNet's RGB statistics and PCA, the values MXNet uses for mean=True / std=True / pca_noise
_MEAN = [123.68, 116.28, 103.53]
_STD = [58.395, 57.12, 57.375]
_EIGVAL = np.array([55.46, 4.794, 1.148])
_EIGVEC = np.array([[-0.5675, 0.7192, 0.4009],
                    [-0.5808, -0.0045, -0.8140],
                    [-0.5836, -0.6948, 0.4203]])


def _channel_stat(value, default, name):
    """True -> ImageNet's values; an array of 1 or 3 channel values; None."""
    if value is True:
        return nd.array(default)
    if value is not None and not (isinstance(value, (np.ndarray, nd.NDArray))
                                  and value.shape[0] in (1, 3)):
        raise MXNetError('CreateAugmenter: %s must be True, None or an array of 1 or 3 channel '
                         'values, got %r' % (name, value))
    return value


def CreateAugmenter(data_shape, resize=0, rand_crop=False, rand_resize=False,  # noqa: N802
                    rand_mirror=False, mean=None, std=None, brightness=0, contrast=0,
                    saturation=0, hue=0, pca_noise=0, rand_gray=0, inter_method=2):
    """The augmenter list for images of ``data_shape`` (C, H, W); see MXNet's docs for each
    argument. ``rand_resize`` (a random-sized crop) needs ``rand_crop``."""
    auglist = []
    if resize > 0:
        auglist.append(ResizeAug(resize, inter_method))
    crop_size = (data_shape[2], data_shape[1])
    if rand_resize:
        if not rand_crop:
            raise MXNetError('CreateAugmenter: rand_resize=True needs rand_crop=True')
        auglist.append(RandomSizedCropAug(crop_size, 0.08, (3.0 / 4.0, 4.0 / 3.0), inter_method))
    elif rand_crop:
        auglist.append(RandomCropAug(crop_size, inter_method))
    else:
        auglist.append(CenterCropAug(crop_size, inter_method))
    if rand_mirror:
        auglist.append(HorizontalFlipAug(0.5))
    auglist.append(CastAug())
    if brightness or contrast or saturation:
        auglist.append(ColorJitterAug(brightness, contrast, saturation))
    if hue:
        auglist.append(HueJitterAug(hue))
    if pca_noise > 0:
        auglist.append(LightingAug(pca_noise, _EIGVAL, _EIGVEC))
    if rand_gray > 0:
        auglist.append(RandomGrayAug(rand_gray))
    mean = _channel_stat(mean, _MEAN, 'mean')
    std = _channel_stat(std, _STD, 'std')
    if mean is not None or std is not None:
        auglist.append(ColorNormalizeAug(mean, std))
    return auglist
