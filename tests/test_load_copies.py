"""``mx.nd.load`` copies each array's bytes once (from the file's bytes into an aligned buffer
TF wraps as it is): a large checkpoint's load is a program's start-up. Measured as the peak of
the host memory numpy and Python allocate during the load (tracemalloc sees both; TF's own
allocations are not traced): the file's bytes plus one copy of the arrays -- the reader used to
hold a slice of the bytes, a copy of it and TF's defensive copy on top (about 4x the file)."""
import tracemalloc

import numpy as np

import tfmod as mx


def test_loading_copies_the_arrays_once(tmp_path):
    rng = np.random.RandomState(0)
    arrays = {'arg:w%d' % i: mx.nd.array(rng.rand(256, 1024)) for i in range(8)}   # 8 MB
    path = str(tmp_path / 'big.params')
    mx.nd.save(path, arrays)
    size = sum(a.size * 4 for a in arrays.values())
    tracemalloc.start()
    try:
        loaded = mx.nd.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2.3 * size, (peak, size)
    for k, a in arrays.items():
        np.testing.assert_array_equal(loaded[k].asnumpy(), a.asnumpy())
    # the loaded arrays are NDArrays of their own: writing one changes neither file nor others
    loaded['arg:w0'][:] = 0
    assert not loaded['arg:w0'].asnumpy().any()
    np.testing.assert_array_equal(mx.nd.load(path)['arg:w0'].asnumpy(),
                                  arrays['arg:w0'].asnumpy())
