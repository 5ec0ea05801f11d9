"""Test matrices of ``mx.test_utils``: identity NDArrays (MXNet's large-tensor tests) and
numpy matrices with known spectra for the linear-algebra operators (``linalg.eig``/``eigh``,
``inverse``, ``det``...).

The random ones draw from numpy's global generator in MXNet 1.9.1's order, so after
``np.random.seed(k)`` they are MXNet's matrices, float64 as MXNet's.
"""
import numpy as np

from . import ndarray as _nd


def get_identity_mat(size):
    """The (size, size) float32 identity NDArray."""
    return _nd.array(np.eye(size, dtype=np.float32))


def get_identity_mat_batch(size):
    """Two (size, size) float32 identity matrices, shape (2, size, size)."""
    return _nd.array(np.stack([np.eye(size, dtype=np.float32)] * 2))


def new_matrix_with_real_eigvals_2d(n):
    """An (n, n) matrix with real eigenvalues uniform in (-10, 10): Q^-1 D Q with Q a
    Householder reflection times a diagonal, redrawn until its 2-norm condition number is
    below 3."""
    while True:
        diag = np.diag(np.random.uniform(-1.0, 1.0, n))
        v = np.random.uniform(-1.0, 1.0, n).reshape(n, 1)
        v = v / np.linalg.norm(v, axis=-2, keepdims=True)
        q = np.matmul(np.eye(n) - 2 * np.matmul(v, v.T), diag)
        if np.linalg.cond(q, 2) < 3:
            break
    eig = np.diag(np.random.uniform(-10.0, 10.0, n))
    return np.matmul(np.matmul(np.linalg.inv(q), eig), q)


def new_matrix_with_real_eigvals_nd(shape):
    """A batch of new_matrix_with_real_eigvals_2d(shape[-1]) matrices of ``shape``."""
    count = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return np.array([new_matrix_with_real_eigvals_2d(shape[-1])
                     for _ in range(count)]).reshape(shape)


def new_orthonormal_matrix_2d(n):
    """An (n, n) orthonormal matrix: the Q of a QR decomposition of X^T X, X normal."""
    x = np.random.randn(n, n)
    return np.linalg.qr(np.matmul(x.T, x))[0]


def new_sym_matrix_with_real_eigvals_2d(n):
    """A symmetric (n, n) matrix Q^T D Q, Q orthonormal, eigenvalues uniform in (-10, 10)."""
    q = new_orthonormal_matrix_2d(n)
    eig = np.diag(np.random.uniform(-10.0, 10.0, n))
    return np.matmul(np.matmul(q.T, eig), q)


def new_sym_matrix_with_real_eigvals_nd(shape):
    """A batch of new_sym_matrix_with_real_eigvals_2d(shape[-1]) matrices of ``shape``."""
    count = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return np.array([new_sym_matrix_with_real_eigvals_2d(shape[-1])
                     for _ in range(count)]).reshape(shape)
