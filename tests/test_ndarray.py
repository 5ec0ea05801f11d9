"""mx.nd: NDArray creation, indexing and views, arithmetic, in-place ops, conversion, samplers."""
import numpy as np
import pytest

import tfmod as mx
from tfmod.base import MXNetError


def test_creation_and_properties():
    a = mx.nd.array([[1, 2, 3], [4, 5, 6]])
    assert a.shape == (2, 3) and a.dtype == np.float32 and a.size == 6 and a.ndim == 2
    assert a.context == mx.cpu(0) and a.ctx == mx.current_context()
    assert mx.nd.array(np.arange(4, dtype=np.int64)).dtype == np.float32  # MXNet's default
    assert mx.nd.array(mx.nd.ones((2,), dtype='int32')).dtype == np.int32
    np.testing.assert_array_equal(mx.nd.zeros((2, 2)).asnumpy(), 0)
    np.testing.assert_array_equal(mx.nd.ones(3, dtype='float64').asnumpy(), 1)
    assert mx.nd.ones(3, dtype='float64').dtype == np.float64
    np.testing.assert_array_equal(mx.nd.full((2,), 7).asnumpy(), [7, 7])
    np.testing.assert_array_equal(mx.nd.arange(0, 5, 2).asnumpy(), [0, 2, 4])
    np.testing.assert_array_equal(mx.nd.arange(3, repeat=2).asnumpy(), [0, 0, 1, 1, 2, 2])
    assert mx.nd.empty((3, 1)).shape == (3, 1)
    assert mx.nd.array([5]).asscalar() == 5
    with pytest.raises(ValueError):
        mx.nd.array([1, 2]).asscalar()
    assert 'NDArray 2x3 @cpu(0)' in repr(a)


def test_first_axis_slices_and_reshape_are_views():
    a = mx.nd.array(np.arange(12).reshape(4, 3))
    v = a[1:3]
    v[:] = 0
    np.testing.assert_array_equal(a.asnumpy()[1:3], 0)
    row = a[3]
    row[:] = [7, 8, 9]
    np.testing.assert_array_equal(a.asnumpy()[3], [7, 8, 9])
    r = a.reshape((3, 4))
    r[0] = -1
    np.testing.assert_array_equal(a.asnumpy().reshape(-1)[:4], -1)
    assert a.reshape((0, -1)).shape == (4, 3) and a.reshape(-3).shape == (12,)
    assert a.reshape((2, -1), reverse=True).shape == (2, 6)


def test_general_indexing_and_assignment():
    a = mx.nd.array(np.arange(24).reshape(2, 3, 4))
    np.testing.assert_array_equal(a[:, 1:3, ::2].asnumpy(), np.arange(24).reshape(2, 3, 4)[:, 1:3, ::2])
    np.testing.assert_array_equal(a[1, 2].asnumpy(), [20, 21, 22, 23])
    idx = mx.nd.array([0, 2])
    np.testing.assert_array_equal(a[0, idx].asnumpy(), np.arange(12).reshape(3, 4)[[0, 2]])
    a[:, 0, :] = 5
    a[1, :, 3] = mx.nd.array([1, 2, 3])
    ref = np.arange(24).reshape(2, 3, 4).astype(np.float32)
    ref[:, 0, :] = 5
    ref[1, :, 3] = [1, 2, 3]
    np.testing.assert_array_equal(a.asnumpy(), ref)
    with pytest.raises(IndexError):
        a[2]


def test_arithmetic_comparison_and_inplace():
    a = mx.nd.array([1., 2., 3.])
    b = mx.nd.array([3., 2., 1.])
    np.testing.assert_array_equal((a + b).asnumpy(), [4, 4, 4])
    np.testing.assert_array_equal((a - 1).asnumpy(), [0, 1, 2])
    np.testing.assert_array_equal((1 - a).asnumpy(), [0, -1, -2])
    np.testing.assert_array_equal((a * b).asnumpy(), [3, 4, 3])
    np.testing.assert_allclose((a / 2).asnumpy(), [.5, 1, 1.5])
    np.testing.assert_allclose((6 / a).asnumpy(), [6, 3, 2])
    np.testing.assert_array_equal((a ** 2).asnumpy(), [1, 4, 9])
    np.testing.assert_array_equal((-a).asnumpy(), [-1, -2, -3])
    np.testing.assert_array_equal((a > b).asnumpy(), [0, 0, 1])
    np.testing.assert_array_equal((a == 2).asnumpy(), [0, 1, 0])
    assert (a == b).dtype == np.float32
    np.testing.assert_array_equal((mx.nd.array([[1], [2]]) + a).asnumpy(),
                                  [[2, 3, 4], [3, 4, 5]])  # NDArray + broadcasts
    c = a.copy()
    c += 1
    c *= 2
    np.testing.assert_array_equal(c.asnumpy(), [4, 6, 8])
    np.testing.assert_array_equal(a.asnumpy(), [1, 2, 3])  # copy is independent
    np.testing.assert_array_equal((mx.nd.array([-5, 5]) % 3).asnumpy(), [1, 2])
    i = mx.nd.array([7, 8], dtype='int32')
    assert (i / 2).dtype == np.int32 and (i / 2).asnumpy().tolist() == [3, 4]


def test_conversion_copy_and_context():
    a = mx.nd.array([[1.5, 2.5]])
    assert a.astype('int32').dtype == np.int32
    assert a.astype(np.float32, copy=False) is a
    b = mx.nd.zeros((1, 2))
    a.copyto(b)
    np.testing.assert_array_equal(b.asnumpy(), a.asnumpy())
    c = a.copyto(mx.cpu(1))
    assert c.context == mx.cpu(1)
    assert a.as_in_context(mx.cpu(0)) is a
    np.testing.assert_array_equal(a.T.asnumpy(), [[1.5], [2.5]])
    np.testing.assert_array_equal(np.asarray(a), a.asnumpy())
    with pytest.raises(MXNetError, match='shape'):
        a.copyto(mx.nd.zeros((3,)))


def test_eager_ops_and_fluent_methods():
    x = mx.nd.array([[1., -2.], [3., 4.]])
    np.testing.assert_allclose(mx.nd.relu(x).asnumpy(), [[1, 0], [3, 4]])
    np.testing.assert_allclose(x.sum(axis=1).asnumpy(), [-1, 7])
    np.testing.assert_allclose(x.mean().asnumpy(), [1.5])
    w = mx.nd.ones((3, 2))
    out = mx.nd.FullyConnected(x, w, num_hidden=3, no_bias=True)
    np.testing.assert_allclose(out.asnumpy(), [[-1] * 3, [7] * 3])
    parts = mx.nd.split(x, num_outputs=2, axis=1)
    assert len(parts) == 2 and parts[1].shape == (2, 1)
    dst = mx.nd.zeros((2, 2))
    mx.nd.exp(mx.nd.zeros((2, 2)), out=dst)
    np.testing.assert_array_equal(dst.asnumpy(), 1)
    with pytest.raises(MXNetError, match='num_hidden'):
        mx.nd.FullyConnected(x, w, no_bias=True)


def test_random_seed_and_samplers():
    mx.random.seed(7)
    a = mx.random.uniform(-1, 1, shape=(1000,)).asnumpy()
    mx.random.seed(7)
    b = mx.nd.random.uniform(-1, 1, shape=(1000,)).asnumpy()
    np.testing.assert_array_equal(a, b)
    assert -1 <= a.min() and a.max() <= 1 and abs(a.mean()) < 0.1
    n = mx.random.normal(2, 3, shape=(5000,)).asnumpy()
    assert abs(n.mean() - 2) < 0.2 and abs(n.std() - 3) < 0.2
    r = mx.random.randint(0, 5, shape=(100,)).asnumpy()
    assert r.dtype == np.int32 and r.min() >= 0 and r.max() < 5
    e = mx.random.exponential(2, shape=(5000,)).asnumpy()
    assert abs(e.mean() - 2) < 0.2
    g = mx.random.gamma(2, 3, shape=(5000,)).asnumpy()
    assert abs(g.mean() - 6) < 0.5
    out = mx.nd.zeros((3,))
    mx.random.uniform(0, 1, shape=(3,), out=out)
    assert (out.asnumpy() > 0).all()
    with pytest.raises(MXNetError):
        mx.random.seed('x')


def test_waitall_and_bool():
    mx.nd.waitall()
    assert bool(mx.nd.array([1]))
    with pytest.raises(ValueError):
        bool(mx.nd.array([1, 2]))


def test_eager_ops_write_the_inputs_mxnet_mutates():
    # MXNet 1.9.1: mx.nd.BatchNorm(x, gamma=2s, ..., fix_gamma=True) outside autograd leaves
    # gamma at ones and the moving statistics untouched (they move in backward only)
    x = mx.nd.ones((2, 3))
    gamma, beta = mx.nd.ones(3) * 2, mx.nd.zeros(3)
    mm, mv = mx.nd.zeros(3), mx.nd.ones(3)
    mx.nd.BatchNorm(x, gamma, beta, mm, mv, fix_gamma=True)
    assert gamma.asnumpy().tolist() == [1, 1, 1]
    assert mm.asnumpy().tolist() == [0, 0, 0] and mv.asnumpy().tolist() == [1, 1, 1]
    gamma = mx.nd.ones(3) * 2
    mx.nd.BatchNorm(x, gamma, beta, mm, mv, fix_gamma=False)
    assert gamma.asnumpy().tolist() == [2, 2, 2]
