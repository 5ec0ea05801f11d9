"""``mx.gluon.data``: datasets, samplers and the DataLoader training loops iterate over.
``vision`` (MNIST, CIFAR10, transforms) is not provided: its names raise an MXNetError."""
from .dataset import ArrayDataset, Dataset, RecordFileDataset, SimpleDataset  # noqa: F401
from .sampler import (BatchSampler, FilterSampler, RandomSampler, Sampler,  # noqa: F401
                      SequentialSampler)
from .dataloader import DataLoader  # noqa: F401


def __getattr__(attr):
    from .. import absent
    return absent.name_getattr(__name__, attr)
