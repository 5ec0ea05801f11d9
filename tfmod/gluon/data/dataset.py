"""``mx.gluon.data`` datasets: indexable collections of samples, as MXNet 1.9.1's.

``ArrayDataset(X, Y)`` gives ``(X[i], Y[i])``; a one-dimensional NDArray is read as numpy first
(its samples are numpy scalars, as in MXNet). ``RecordFileDataset`` reads the records of a
``.rec`` file through its ``.idx`` index (``mx.recordio``).
"""
import os

from ...base import MXNetError
from ... import recordio
from ...ndarray import ndarray as _nd

__all__ = ['Dataset', 'SimpleDataset', 'ArrayDataset', 'RecordFileDataset']


class Dataset:
    """Base class: ``__getitem__`` and ``__len__``, and the derived views below."""

    def __getitem__(self, idx):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def filter(self, fn):
        """The samples for which ``fn(sample)`` is true."""
        from .sampler import FilterSampler
        return _SampledDataset(self, FilterSampler(fn, self))

    def shard(self, num_shards, index):
        """Part ``index`` of ``num_shards`` contiguous parts (the first ones one longer)."""
        if not 0 < num_shards or not 0 <= index < num_shards:
            raise MXNetError('Shard index of out bound: %d out of %d' % (index, num_shards))
        from .sampler import SequentialSampler
        size, rest = divmod(len(self), num_shards)
        start = size * index + min(index, rest)
        return _SampledDataset(self, SequentialSampler(size + (index < rest), start))

    def take(self, count):
        """The first ``count`` samples (all when None or more than there are)."""
        from .sampler import SequentialSampler
        if count is None or count > len(self):
            count = len(self)
        return _SampledDataset(self, SequentialSampler(count))

    def sample(self, sampler):
        """The samples ``sampler`` picks, in its order."""
        from .sampler import Sampler
        if not isinstance(sampler, Sampler):
            raise TypeError('Invalid sampler type: %s. Expected gluon.data.Sampler instead.'
                            % type(sampler))
        return _SampledDataset(self, sampler)

    def transform(self, fn, lazy=True):
        """Samples passed through ``fn`` (a tuple sample is unpacked into its arguments)."""
        trans = _LazyTransformDataset(self, fn)
        return trans if lazy else SimpleDataset([i for i in trans])

    def transform_first(self, fn, lazy=True):
        """``fn`` applied to the first element of each sample only (the data, not the label)."""
        return self.transform(_TransformFirst(fn), lazy)


class SimpleDataset(Dataset):
    """A dataset over any indexable object (a list, an array)."""

    def __init__(self, data):
        self._data = data

    def __len__(self):
        return len(self._data)

    def __getitem__(self, idx):
        return self._data[idx]


class _LazyTransformDataset(Dataset):
    def __init__(self, data, fn):
        self._data = data
        self._fn = fn

    def __len__(self):
        return len(self._data)

    def __getitem__(self, idx):
        item = self._data[idx]
        return self._fn(*item) if isinstance(item, tuple) else self._fn(item)


class _TransformFirst:
    def __init__(self, fn):
        self._fn = fn

    def __call__(self, x, *args):
        return (self._fn(x),) + args if args else self._fn(x)


class _SampledDataset(Dataset):
    def __init__(self, dataset, sampler):
        self._dataset = dataset
        self._sampler = sampler
        self._indices = list(iter(sampler))

    def __len__(self):
        return len(self._sampler)

    def __getitem__(self, idx):
        return self._dataset[self._indices[idx]]


class ArrayDataset(Dataset):
    """Samples ``(a[i], b[i], ...)`` of arrays of one length (``a[i]`` alone for one array)."""

    def __init__(self, *args):
        if not args:
            raise MXNetError('ArrayDataset needs at least 1 array')
        self._length = len(args[0])
        self._data = []
        for i, data in enumerate(args):
            if len(data) != self._length:
                raise MXNetError('All arrays must have the same length; array[0] has length %d '
                                 'while array[%d] has %d.' % (self._length, i + 1, len(data)))
            if isinstance(data, _nd.NDArray) and len(data.shape) == 1:
                data = data.asnumpy()
            self._data.append(data)

    def __getitem__(self, idx):
        if len(self._data) == 1:
            return self._data[0][idx]
        return tuple(data[idx] for data in self._data)

    def __len__(self):
        return self._length


class RecordFileDataset(Dataset):
    """The records (bytes) of a RecordIO file, by position, through ``<name>.idx``."""

    def __init__(self, filename):
        self.idx_file = os.path.splitext(filename)[0] + '.idx'
        self.filename = filename
        self._record = recordio.MXIndexedRecordIO(self.idx_file, self.filename, 'r')

    def __getitem__(self, idx):
        return self._record.read_idx(self._record.keys[idx])

    def __len__(self):
        return len(self._record.keys)


def __getattr__(attr):
    from .. import absent
    return absent.name_getattr(__name__, attr)
