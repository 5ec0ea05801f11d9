"""The permutation MXNet's C++ iterators get from ``std::shuffle(v, std::mt19937(seed))``.

MXNet 1.9.1's wheels were built against a libstdc++ whose ``std::shuffle`` walks forward,
swapping position ``i`` with a position drawn uniformly from ``[0, i]``; each draw is
``uniform_int_distribution``'s down-scaling of a 32-bit mt19937 output (reject outputs at or
above the largest multiple of the range, divide by the scale). numpy's legacy ``RandomState``
seeded with an integer is the same mt19937, and its full-range uint32 draws are its raw outputs,
so the order MXNet's ``MNISTIter(shuffle=True, seed=s)`` uses is reproduced exactly.
"""
import numpy as np

_U32_MAX = 0xFFFFFFFF


class _Mt19937Stream:
    """Raw 32-bit outputs of std::mt19937(seed), drawn in chunks."""

    def __init__(self, seed):
        self._rs = np.random.RandomState(int(seed) % (1 << 32))
        self._buf = []
        self._pos = 0

    def next(self):
        if self._pos == len(self._buf):
            self._buf = self._rs.randint(0, 1 << 32, size=4096, dtype=np.uint32).tolist()
            self._pos = 0
        v = self._buf[self._pos]
        self._pos += 1
        return v


def cxx_shuffle_order(n, seed):
    """The permutation of ``range(n)`` that ``std::shuffle`` with ``std::mt19937(seed)`` makes."""
    order = list(range(n))
    gen = _Mt19937Stream(seed)
    for i in range(1, n):
        span = i + 1
        scale = _U32_MAX // span
        limit = span * scale
        r = gen.next()
        while r >= limit:
            r = gen.next()
        j = r // scale
        order[i], order[j] = order[j], order[i]
    return np.array(order, dtype=np.int64)
