"""MNIST's idx files as MXNet's MNISTIter reads them: parsing, partitioning and its shuffle.

Shared by ``mx.test_utils.get_mnist*`` (and meant for ``mx.io.MNISTIter``). MXNet's MNISTIter
scales pixels by 1/256 (not 1/255), keeps rows ``[n*k/parts, n*(k+1)/parts)`` of part ``k``, and
shuffles once when loading with ``std::shuffle`` driven by ``std::mt19937(seed)``: a
Fisher-Yates pass drawing ``uniform_int_distribution(0, i)`` for i = 1..n-1 by libstdc++'s
downscaling rule. ``mnist_shuffle_order`` reproduces that order exactly (checked against MXNet
1.9.1 on 10 and 1000 images).
"""
import gzip
import os
import struct

import numpy as np

from ..base import MXNetError

_IMAGE_MAGIC = 2051
_LABEL_MAGIC = 2049


def _open(path):
    if not os.path.isfile(path):
        raise MXNetError('MNIST file %r does not exist' % (path,))
    return gzip.open(path, 'rb') if path.endswith('.gz') else open(path, 'rb')


def _read_header(f, path, magic, ndim):
    head = f.read(4 * (1 + ndim))
    if len(head) < 4 * (1 + ndim):
        raise MXNetError('MNIST file %r is truncated: no complete idx header' % (path,))
    fields = struct.unpack('>%dI' % (1 + ndim), head)
    if fields[0] != magic:
        raise MXNetError('MNIST file %r: idx magic number %d, expected %d (%s file)'
                         % (path, fields[0], magic, 'image' if magic == _IMAGE_MAGIC else 'label'))
    return fields[1:]


def read_idx_labels(path):
    """The labels of an idx1-ubyte file (optionally .gz) as a uint8 array."""
    with _open(path) as f:
        (count,) = _read_header(f, path, _LABEL_MAGIC, 1)
        data = f.read(count)
    if len(data) != count:
        raise MXNetError('MNIST label file %r is truncated: header says %d labels, file holds %d'
                         % (path, count, len(data)))
    return np.frombuffer(data, dtype=np.uint8)


def read_idx_images(path):
    """The images of an idx3-ubyte file (optionally .gz) as a uint8 array (count, rows, cols)."""
    with _open(path) as f:
        count, rows, cols = _read_header(f, path, _IMAGE_MAGIC, 3)
        size = count * rows * cols
        data = f.read(size)
    if len(data) != size:
        raise MXNetError('MNIST image file %r is truncated: header says %d images of %dx%d'
                         % (path, count, rows, cols))
    return np.frombuffer(data, dtype=np.uint8).reshape(count, rows, cols)


class _MT19937:
    """The 32-bit Mersenne Twister as ``std::mt19937(seed)`` (C++11 seeding)."""

    def __init__(self, seed):
        mt = [int(seed) & 0xffffffff]
        for i in range(1, 624):
            prev = mt[-1]
            mt.append((1812433253 * (prev ^ (prev >> 30)) + i) & 0xffffffff)
        self._mt = mt
        self._i = 624

    def _twist(self):
        mt = self._mt
        for k in range(624):
            y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff)
            mt[k] = mt[(k + 397) % 624] ^ (y >> 1) ^ (0x9908b0df if y & 1 else 0)
        self._i = 0

    def __call__(self):
        if self._i >= 624:
            self._twist()
        y = self._mt[self._i]
        self._i += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c5680
        y ^= (y << 15) & 0xefc60000
        return y ^ (y >> 18)


def _uniform_upto(gen, high):
    """libstdc++'s uniform_int_distribution(0, high) on a 32-bit engine (downscaling)."""
    if high == 0:
        return 0
    span = high + 1
    scaling = 0xffffffff // span
    past = span * scaling
    while True:
        r = gen()
        if r < past:
            return r // scaling


def mnist_shuffle_order(n, seed=0):
    """The permutation MXNet's MNISTIter(shuffle=True, seed=seed) applies to n loaded images."""
    gen = _MT19937(seed)
    order = list(range(n))
    for i in range(1, n):
        j = _uniform_upto(gen, i)
        order[i], order[j] = order[j], order[i]
    return np.asarray(order, dtype=np.int64)


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
