"""MNIST's idx files as MXNet's MNISTIter reads them, for ``mx.test_utils.get_mnist*``.

MXNet's MNISTIter scales pixels by 1/256 (not 1/255), keeps rows ``[n*k/parts, n*(k+1)/parts)``
of part ``k``, and shuffles once when loading with ``std::shuffle`` driven by
``std::mt19937(seed)``. The file format is read by ``idx_file`` and the shuffle order comes from
``cxx_shuffle`` -- the same code ``mx.io.MNISTIter`` uses.
"""
import numpy as np

from ..base import MXNetError
from .cxx_shuffle import cxx_shuffle_order
from .idx_file import read_idx


def _read(path, ndim, what):
    data = read_idx(path)
    if data.dtype != np.uint8 or data.ndim != ndim:
        raise MXNetError('MNIST %s file %r holds %s values of shape %s, not %s'
                         % (what, path, data.dtype, data.shape,
                            'uint8 labels (n,)' if ndim == 1 else 'uint8 images (n, rows, cols)'))
    return data


def read_idx_labels(path):
    """The labels of an idx1-ubyte file (optionally .gz) as a uint8 array."""
    return _read(path, 1, 'label')


def read_idx_images(path):
    """The images of an idx3-ubyte file (optionally .gz) as a uint8 array (count, rows, cols)."""
    return _read(path, 3, 'image')


def mnist_shuffle_order(n, seed=0):
    """The permutation MXNet's MNISTIter(shuffle=True, seed=seed) applies to n loaded images."""
    return cxx_shuffle_order(n, seed)


def load_mnist_part(image, label, num_parts=1, part_index=0, shuffle=False, seed=0):
    """(images float32 scaled by 1/256, labels float32) of one part, as MNISTIter loads them."""
    if not 0 <= part_index < num_parts:
        raise MXNetError('MNIST: part_index %d is outside num_parts %d' % (part_index, num_parts))
    img = read_idx_images(image)
    lab = read_idx_labels(label)
    if len(lab) != len(img):
        raise MXNetError('MNIST: %r holds %d images but %r holds %d labels'
                         % (image, len(img), label, len(lab)))
    n = len(img)
    lo, hi = n * part_index // num_parts, n * (part_index + 1) // num_parts
    img = img[lo:hi].astype(np.float32) * np.float32(1.0 / 256.0)
    lab = lab[lo:hi].astype(np.float32)
    if shuffle:
        order = mnist_shuffle_order(len(img), seed)
        img, lab = img[order], lab[order]
    return img, lab
