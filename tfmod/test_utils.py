"""``mx.test_utils``: the helpers users' own test suites and MXNet's example scripts import.

MXNet 1.9.1's signatures, default tolerances and messages: ``assert_almost_equal`` fails with
the same "Error ... exceeds tolerance" text (and prints the same table of worst elements),
``check_numeric_gradient`` projects the output with a random matrix drawn from numpy's global
generator in MXNet's order, so a seeded test draws the same numbers as under MXNet.

Sparse arrays (``rand_ndarray(stype=...)``, ``rand_sparse_ndarray``, ``create_sparse_array``) draw
from numpy's global generator as MXNet's do, so a seeded row_sparse or powerlaw csr array is
MXNet's; uniform csr arrays, which MXNet draws with scipy or its own generator, differ. The dataset
helpers (tfmod/io/dataset_files.py) read MXNet's files from ``data/`` (or the working directory
for ``get_mnist``) and, when a file is missing and cannot be downloaded, raise an MXNetError
naming the file and where to put it.

The generator checks (``verify_generator``, ``chi_square_check``..., generator_checks.py) and the
test matrices (test_matrices.py) are MXNet's too. ``check_gluon_hybridize_consistency`` is refused
(tfmod has no Gluon HybridBlock nor ``mx.np``); ``get_im2rec_path`` finds MXNet's im2rec.py only
through ``MXNET_HOME`` (tfmod ships none).
"""
import copy
import numbers
import os
import platform
import sys
import time
import traceback
from contextlib import contextmanager

import numpy as np
import numpy.random as rnd
import numpy.testing as npt

from .base import MXNetError
from .context import Context, current_context, num_gpus
from . import ndarray as _nd
from .ndarray.ndarray import NDArray
from .symbol import Symbol
from . import symbol as _sym
from . import io as _io
# the dataset helpers are part of mx.test_utils
from .io.dataset_files import (download, get_mnist, get_mnist_pkl,  # noqa: F401
                               get_mnist_ubyte, get_cifar10, get_mnist_iterator, get_zip_data,
                               get_bz2_data)
# the generator checks and test matrices are part of mx.test_utils
from .generator_checks import (chi_square_check, gen_buckets_probs_with_ppf,  # noqa: F401
                               mean_check, var_check, verify_generator)
from .test_matrices import (get_identity_mat, get_identity_mat_batch,  # noqa: F401
                            new_matrix_with_real_eigvals_2d, new_matrix_with_real_eigvals_nd,
                            new_orthonormal_matrix_2d, new_sym_matrix_with_real_eigvals_2d,
                            new_sym_matrix_with_real_eigvals_nd)

# MXNet's test files take these from ``from mxnet.test_utils import *`` (``array``, ``mx``, ``sys``,
# ``json``...): the same names are here. ``mx`` is this package, read from sys.modules (it is
# being imported when this module is).
import bz2  # noqa: E402,F401
import errno  # noqa: E402,F401
import gzip  # noqa: E402,F401
import json  # noqa: E402,F401
import logging  # noqa: E402,F401
import struct  # noqa: E402,F401
import zipfile  # noqa: E402,F401
from collections import OrderedDict  # noqa: E402,F401
from .ndarray import array  # noqa: E402,F401
from .runtime import Features  # noqa: E402,F401
from .util import getenv, setenv, use_np  # noqa: E402,F401
try:
    import scipy.stats as ss
except ImportError:
    ss = None
try:
    import requests  # noqa: F401
except ImportError:
    pass
mx = sys.modules[__package__]


# -- contexts, dtypes and tolerances --------------------------------------------------------------
def default_context():
    """The context tests run on: the current default context."""
    return current_context()


def set_default_context(ctx):
    """Make ``ctx`` the current default context."""
    Context._default_ctx.value = ctx


def default_dtype():
    """The dtype of arrays the helpers create: float32."""
    return np.float32


def default_rtols():
    """Default relative tolerance per dtype."""
    return {np.dtype(np.float16): 1e-2, np.dtype(np.float32): 1e-4, np.dtype(np.float64): 1e-5,
            np.dtype(np.bool_): 0, np.dtype(np.int8): 0, np.dtype(np.uint8): 0,
            np.dtype(np.int32): 0, np.dtype(np.uint32): 0, np.dtype(np.int64): 0,
            np.dtype(np.uint64): 0}


def default_atols():
    """Default absolute tolerance per dtype."""
    return {np.dtype(np.float16): 1e-1, np.dtype(np.float32): 1e-3, np.dtype(np.float64): 1e-20,
            np.dtype(np.bool_): 0, np.dtype(np.int8): 0, np.dtype(np.uint8): 0,
            np.dtype(np.int32): 0, np.dtype(np.uint32): 0, np.dtype(np.int64): 0,
            np.dtype(np.uint64): 0}


def default_numeric_eps():
    """Default finite-difference step per dtype (powers of two: no bits lost)."""
    return {np.dtype(np.float16): 1.0 / 2 ** 6, np.dtype(np.float32): 1.0 / 2 ** 9,
            np.dtype(np.float64): 1.0 / 2 ** 14}


def effective_dtype(dat):
    """The dtype whose tolerances apply to ``dat`` (its own: TF32 is not enabled by tfmod)."""
    return np.dtype(dat.dtype)


def get_tolerance(dat, tol, default_tol):
    """``tol`` if a number, else the entry for dat's dtype in ``tol`` or ``default_tol``."""
    if isinstance(tol, numbers.Number):
        return tol
    dtype = effective_dtype(dat)
    tol = {} if tol is None else tol
    return tol.get(dtype, default_tol[dtype])


def get_tols(x, y, rtol, atol):
    """(rtol, atol) for comparing x and y: the looser default of their two dtypes."""
    if isinstance(x, numbers.Number):
        x = np.array(x)
    if isinstance(y, numbers.Number):
        y = np.array(y)
    rtol = max(get_tolerance(x, rtol, default_rtols()), get_tolerance(y, rtol, default_rtols()))
    atol = max(get_tolerance(x, atol, default_atols()), get_tolerance(y, atol, default_atols()))
    return rtol, atol


def get_atol(atol=None, dtype=np.dtype(np.float64)):
    """``atol``, or the default absolute tolerance of ``dtype`` (float64: 1e-20)."""
    return default_atols()[dtype] if atol is None else atol


def get_rtol(rtol=None, dtype=np.dtype(np.float64)):
    """``rtol``, or the default relative tolerance of ``dtype`` (float64: 1e-5)."""
    return default_rtols()[dtype] if rtol is None else rtol


def get_etol(etol=None):
    """``etol``, or 0 (no mismatching elements allowed)."""
    return 0 if etol is None else etol


# -- random data ----------------------------------------------------------------------------------
def random_arrays(*shapes):
    """Standard-normal float32 numpy arrays of the given shapes (one array if one shape)."""
    arrays = [np.array(np.random.randn(), dtype=default_dtype()) if len(s) == 0
              else np.random.randn(*s).astype(default_dtype()) for s in shapes]
    return arrays[0] if len(arrays) == 1 else arrays


def random_uniform_arrays(*shapes, **kwargs):
    """Uniform numpy arrays (``low``=0, ``high``=1, ``dtype``=float32 keyword arguments)."""
    low = kwargs.pop('low', 0.0)
    high = kwargs.pop('high', 1.0)
    dtype = kwargs.pop('dtype', default_dtype())
    if kwargs:
        raise TypeError('Got unexpected argument/s : ' + str(kwargs.keys()))
    return [np.random.uniform(low, high, size=s).astype(dtype) for s in shapes]


def random_sample(population, k):
    """k elements of ``population`` in a random order (numpy's shuffle)."""
    assert 0 <= k <= len(population)
    population_copy = population[:]
    np.random.shuffle(population_copy)
    return population_copy[0:k]


def _sorted_items(d):
    return sorted(d.items(), key=lambda t: t[0])


def _sorted_dict(d):
    return dict(_sorted_items(d))


def _check_csr_request(rows, cols, density, distribution):
    if density < 0 or density > 1:
        raise ValueError('density has to be between 0 and 1')
    if rows <= 0 or cols <= 0:
        raise ValueError('num_rows or num_cols should be greater than 0')
    if distribution == 'powerlaw' and int(rows * cols * density) < 2 * rows:
        raise ValueError('not supported for this density: %s for this shape (%s, %s) Please '
                         'keep : num_rows * num_cols * density >= 2 * num_rows'
                         % (density, rows, cols))


def shuffle_csr_column_indices(csr):
    """Permute the column indices within each row of a csr matrix, in place (its values stay
    where they are, so they move to other columns of their row): unordered column indices are
    valid csr. ``csr`` is what MXNet's helper takes -- an object with numpy ``indptr`` and
    ``indices`` (a scipy csr_matrix) -- or a CSRNDArray. Draws from numpy's global generator
    as MXNet's does."""
    is_nd = isinstance(csr, NDArray)
    indptr = csr.indptr.asnumpy() if is_nd else csr.indptr
    indices = csr.indices.asnumpy() if is_nd else csr.indices
    for i in range(len(indptr) - 1):
        part = np.array(indices[indptr[i]:indptr[i + 1]])
        rnd.shuffle(part)
        indices[indptr[i]:indptr[i + 1]] = part
    if is_nd:
        csr[:] = _nd.sparse.csr_matrix((csr.data.asnumpy(), indices, indptr), shape=csr.shape,
                                       dtype=csr.dtype, ctx=csr.context)


def _uniform_csr(rows, cols, density, dtype, data_init, shuffle):
    """Entries kept with probability ``density``, values uniform in [0, 1) (numpy's global
    generator); ``shuffle`` permutes each row's column indices, as MXNet's helper does."""
    dense = rnd.rand(rows, cols).astype(dtype)
    dense = dense * (dense < density)
    csr = _nd.array(dense, dtype=dtype).tostype('csr')
    if data_init is not None:
        data = np.full(csr.data.shape, data_init, dtype=dtype)
        csr = _nd.sparse.csr_matrix((data, csr.indices.asnumpy(), csr.indptr.asnumpy()),
                                    shape=(rows, cols), dtype=dtype)
    if shuffle:
        shuffle_csr_column_indices(csr)
    return csr


def _powerlaw_csr(rows, cols, density, dtype):
    """Row i + 1 holds about twice row i's entries (every row at least one), in MXNet's order
    of draws from numpy's global generator, until rows * cols * density entries are placed."""
    left = int(rows * cols * density)
    out = np.zeros((rows, cols), dtype=dtype)

    def done():
        return _nd.array(out).tostype('csr')
    for r in range(rows):
        out[r][0] = 1 + rnd.uniform(0.001, 2)
        left -= 1
        if left <= 0:
            return done()
    width = 2
    for r in range(rows):
        limit = min(cols, width)
        if limit == cols and left > limit:
            out[r] = 1 + rnd.uniform(0.001, 2)
            left -= limit - 1
            if left <= 0:
                return done()
            continue
        for c in range(1, limit):
            out[r][c] = 1 + rnd.uniform(0.001, 2)
            left -= 1
            if left <= 0:
                return done()
        width *= 2
    if left > 0:
        raise ValueError('not supported for this density: %s for this shape (%s,%s)'
                         % (density, rows, cols))
    return done()


def rand_sparse_ndarray(shape, stype, density=None, dtype=None, distribution=None,
                        data_init=None, rsp_indices=None, modifier_func=None,
                        shuffle_csr_indices=False, ctx=None):
    """A random csr or row_sparse array and its parts: ``(arr, (values, row ids))`` for
    row_sparse, ``(arr, (indptr, indices, data))`` for csr. ``density`` defaults to a draw;
    ``distribution`` 'uniform' or (csr) 'powerlaw'."""
    ctx = ctx if ctx else default_context()
    density = rnd.rand() if density is None else density
    dtype = default_dtype() if dtype is None else dtype
    distribution = 'uniform' if distribution is None else distribution
    if stype == 'row_sparse':
        if distribution != 'uniform':
            raise AssertionError('Distribution %s not supported for row_sparse' % distribution)
        if rsp_indices is not None:
            indices = np.asarray(rsp_indices)
            assert len(indices) <= shape[0]
        else:
            indices = np.argwhere(rnd.rand(shape[0]) < density).flatten()
        if indices.shape[0] == 0:
            return (_nd.zeros(shape, stype='row_sparse', dtype=dtype, ctx=ctx),
                    (np.array([], dtype=dtype), np.array([])))
        val = rnd.rand(indices.shape[0], *shape[1:]).astype(dtype)
        if data_init is not None:
            val.fill(data_init)
        if modifier_func is not None:
            val = assign_each(val, modifier_func)
        arr = _nd.sparse.row_sparse_array((val, indices), shape=shape, dtype=dtype, ctx=ctx)
        return arr, (val, indices)
    if stype == 'csr':
        assert len(shape) == 2
        _check_csr_request(shape[0], shape[1], density, distribution)
        if distribution == 'uniform':
            csr = _uniform_csr(shape[0], shape[1], density, dtype, data_init,
                               shuffle_csr_indices)
        elif distribution == 'powerlaw':
            csr = _powerlaw_csr(shape[0], shape[1], density, dtype)
        else:
            raise AssertionError('Distribution not supported: %s' % distribution)
        csr = csr.as_in_context(ctx)
        return csr, (csr.indptr, csr.indices, csr.data)
    raise AssertionError('unknown storage type')


def create_sparse_array(shape, stype, data_init=None, rsp_indices=None, dtype=None,
                        modifier_func=None, density=.5, shuffle_csr_indices=False):
    """A random sparse array (row_sparse: on the sorted ``rsp_indices`` if given)."""
    if stype == 'row_sparse':
        idx = None if rsp_indices is None else np.sort(np.asarray(rsp_indices))
        return rand_sparse_ndarray(shape, stype, density=density, data_init=data_init,
                                   rsp_indices=idx, dtype=dtype, modifier_func=modifier_func)[0]
    if stype == 'csr':
        return rand_sparse_ndarray(shape, stype, density=density, data_init=data_init,
                                   dtype=dtype, modifier_func=modifier_func,
                                   shuffle_csr_indices=shuffle_csr_indices)[0]
    raise AssertionError('Unknown storage type: ' + stype)


def create_sparse_array_zd(shape, stype, density, data_init=None, rsp_indices=None, dtype=None,
                           modifier_func=None, shuffle_csr_indices=False):
    """create_sparse_array where a row_sparse array stores only ``rsp_indices`` (density 0)."""
    if stype == 'row_sparse':
        density = 0.0
        if rsp_indices is not None:
            assert len(rsp_indices) <= shape[0]
    return create_sparse_array(shape, stype, data_init=data_init, rsp_indices=rsp_indices,
                               dtype=dtype, modifier_func=modifier_func, density=density,
                               shuffle_csr_indices=shuffle_csr_indices)


def rand_ndarray(shape, stype='default', density=None, dtype=None, modifier_func=None,
                 shuffle_csr_indices=False, distribution=None, ctx=None):
    """A standard-normal NDArray (float32 unless ``dtype``) on ``ctx`` (default context), or a
    random sparse one (see rand_sparse_ndarray) for stype 'csr' / 'row_sparse'."""
    ctx = ctx if ctx else default_context()
    if stype != 'default':
        return rand_sparse_ndarray(shape, stype, density=density, dtype=dtype,
                                   modifier_func=modifier_func,
                                   shuffle_csr_indices=shuffle_csr_indices,
                                   distribution=distribution, ctx=ctx)[0]
    return _nd.array(random_arrays(shape), dtype=dtype, ctx=ctx)


def rand_shape_2d(dim0=10, dim1=10, allow_zero_size=False):
    """A random 2-d shape with sides in [1, dim] ([0, dim] with allow_zero_size)."""
    low = 0 if allow_zero_size else 1
    return rnd.randint(low, dim0 + 1), rnd.randint(low, dim1 + 1)


def rand_shape_3d(dim0=10, dim1=10, dim2=10, allow_zero_size=False):
    """A random 3-d shape with sides in [1, dim] ([0, dim] with allow_zero_size)."""
    low = 0 if allow_zero_size else 1
    return rnd.randint(low, dim0 + 1), rnd.randint(low, dim1 + 1), rnd.randint(low, dim2 + 1)


def rand_shape_nd(num_dim, dim=10, allow_zero_size=False):
    """A random ``num_dim``-d shape with sides in [1, dim] ([0, dim] with allow_zero_size)."""
    low = 0 if allow_zero_size else 1
    return tuple(rnd.randint(low, dim + 1, size=num_dim))


def rand_coord_2d(x_low, x_high, y_low, y_high):
    """A random integer point in [x_low, x_high) x [y_low, y_high)."""
    x = np.random.randint(x_low, x_high, dtype=np.int64)
    y = np.random.randint(y_low, y_high, dtype=np.int64)
    return x, y


def assign_each(the_input, function):
    """``function`` applied to every element of a numpy array (a new array)."""
    if function is None:
        return np.array(the_input)
    return np.vectorize(function)(the_input)


def assign_each2(input1, input2, function):
    """``function(a, b)`` applied elementwise to two equal-shape numpy arrays."""
    if function is None:
        return np.array(input1)
    return np.vectorize(function)(input1, input2)


def create_2d_tensor(rows, columns, dtype=np.int64):
    """An NDArray whose row i holds i everywhere."""
    a = np.repeat(np.arange(rows, dtype=dtype)[:, None], columns, axis=1)
    return _nd.array(a, dtype=dtype)


def create_vector(size, dtype=np.int64):
    """The NDArray [0, 1, ..., size-1]."""
    return _nd.array(np.arange(size), dtype=dtype)


def np_reduce(dat, axis, keepdims, numpy_reduce_func):
    """Reduce ``dat`` over ``axis`` (int, list or None) one axis at a time with a numpy
    reduction such as ``np.sum``; ``keepdims`` keeps the reduced axes as size 1."""
    if isinstance(axis, int):
        axis = [axis]
    else:
        axis = list(axis) if axis is not None else range(len(dat.shape))
    ret = dat
    for i in reversed(sorted(axis)):
        ret = numpy_reduce_func(ret, axis=i)
    if keepdims:
        keepdims_shape = list(dat.shape)
        for i in axis:
            keepdims_shape[i] = 1
        ret = ret.reshape(tuple(keepdims_shape))
    return ret


# -- comparisons ----------------------------------------------------------------------------------
def _find_max_violation(a, b, rtol, atol):
    """(index, ratio) of the element most over tolerance; equal infinities count as equal."""
    absdiff = np.where(np.equal(a, b), 0, np.abs(a - b))
    tol = atol + rtol * np.abs(b)
    violation = absdiff / (tol + 1e-20)
    loc = np.argmax(violation)
    idx = tuple(int(i) for i in np.unravel_index(loc, violation.shape))
    return idx, np.max(violation)


def same(a, b):
    """True when two numpy arrays have equal shapes and elements."""
    return np.array_equal(a, b)


def checkShapes(a, b):  # noqa: N802 -- MXNet's name
    """AssertionError when a and b differ in shape."""
    if a.shape != b.shape:
        msg = npt.build_err_msg([a, b], err_msg='a.shape = {} and b.shape = {} are not equal'
                                .format(str(a.shape), str(b.shape)))
        raise AssertionError(msg)


def almost_equal(a, b, rtol=None, atol=None, equal_nan=False, use_broadcast=True):
    """``np.allclose`` with tfmod's defaults (float64's: rtol 1e-5, atol 1e-20)."""
    if not use_broadcast:
        checkShapes(a, b)
    return np.allclose(a, b, rtol=get_rtol(rtol), atol=get_atol(atol), equal_nan=equal_nan)


def almost_equal_ignore_nan(a, b, rtol=None, atol=None):
    """``almost_equal`` after zeroing the positions where either array is NaN."""
    a = np.copy(a)
    b = np.copy(b)
    nan_mask = np.logical_or(np.isnan(a), np.isnan(b))
    a[nan_mask] = 0
    b[nan_mask] = 0
    return almost_equal(a, b, rtol, atol)


def locationError(a, b, index, names, maxError=False):  # noqa: N802,N803 -- MXNet's names
    """The "Location of error: (i, j), a=..., b=..." line of a mismatch message."""
    maximum = 'maximum ' if maxError else ''
    return 'Location of %serror: %s, %s=%.8f, %s=%.8f' \
        % (maximum, str(index), names[0], a[index], names[1], b[index])


def _mismatch_message(a, b, rtol, atol, names, equal_nan, mismatches):
    """MXNet's failure text for numpy arrays a and b (also printing its worst-elements table)."""
    index, rel = _find_max_violation(a, b, rtol, atol)
    if index != ():
        index_err, rel_err = index, rel
        print('\n*** Maximum errors for vector of size {}:  rtol={}, atol={}\n'
              .format(a.size, rtol, atol))
        a_tmp = a.copy()
        b_tmp = b.copy()
        i = 1
        while i <= a.size:
            if i <= mismatches[0]:
                print('%3d: Error %f  %s' % (i, rel, locationError(a, b, index, names)))
            a_tmp[index] = b_tmp[index] = 0
            if almost_equal(a_tmp, b_tmp, rtol, atol, equal_nan=equal_nan):
                break
            i += 1
            if i <= mismatches[1] or mismatches[1] <= 0:
                index, rel = _find_max_violation(a_tmp, b_tmp, rtol, atol)
            else:
                break
        degree = 'at least ' if mismatches[1] > 0 and i > mismatches[1] else ''
        err = 'Error %f exceeds tolerance rtol=%e, atol=%e (mismatch %s%f%%).\n%s' % \
            (rel_err, rtol, atol, degree, 100 * i / a.size,
             locationError(a, b, index_err, names, maxError=True))
    else:
        err = 'Error %f exceeds tolerance rtol=%e, atol=%e.\n' % (rel, rtol, atol)
    with _message_printoptions():
        return npt.build_err_msg([a, b], err_msg=err)


def _message_printoptions():
    """MXNet's print options for mismatch messages, with NumPy 1.x's array repr (NumPy >= 2.2
    would add ``shape=`` to summarised arrays)."""
    try:
        return np.printoptions(threshold=4, suppress=True, legacy='1.25')
    except ValueError:
        return np.printoptions(threshold=4, suppress=True)


def assert_almost_equal(a, b, rtol=None, atol=None, names=('a', 'b'), equal_nan=False,
                        use_broadcast=True, mismatches=(10, 10)):
    """AssertionError, in MXNet's words, unless a and b (numpy arrays or NDArrays) agree
    within rtol/atol (numbers, dicts dtype -> tolerance, or None for the dtypes' defaults)."""
    if not use_broadcast:
        checkShapes(a, b)
    rtol, atol = get_tols(a, b, rtol, atol)
    same_device = isinstance(a, NDArray) and isinstance(b, NDArray) and \
        a.context == b.context and a.dtype == b.dtype
    if same_device and a.shape != b.shape:
        # MXNet compares such a pair with its allclose operator, which does not broadcast.
        raise MXNetError('assert_almost_equal: %s and %s have shapes %s and %s; NDArrays on '
                         'one device are compared without broadcasting'
                         % (names[0], names[1], a.shape, b.shape))
    if isinstance(a, NDArray):
        a = a.asnumpy()
    if isinstance(b, NDArray):
        b = b.asnumpy()
    if not same_device and getattr(a, 'dtype', None) == np.bool_ and \
            getattr(b, 'dtype', None) == np.bool_:
        np.testing.assert_equal(a, b)
        return
    if almost_equal(a, b, rtol, atol, equal_nan=equal_nan):
        return
    a, b = np.asarray(a), np.asarray(b)
    raise AssertionError(_mismatch_message(a, b, rtol, atol, names, equal_nan, mismatches))


def assert_allclose(a, b, rtol=1e-07, atol=0, equal_nan=True):
    """``assert_almost_equal`` with numpy's assert_allclose defaults."""
    assert_almost_equal(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def assert_almost_equal_with_err(a, b, rtol=None, atol=None, etol=None, names=('a', 'b'),
                                 equal_nan=False, mismatches=(10, 10)):
    """``assert_almost_equal`` allowing a fraction ``etol`` of elements out of tolerance."""
    etol = get_etol(etol)
    if etol <= 0:
        assert_almost_equal(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
        return
    rtol, atol = get_tols(a, b, rtol, atol)
    if isinstance(a, NDArray):
        a = a.asnumpy()
    if isinstance(b, NDArray):
        b = b.asnumpy()
    equals = np.isclose(a, b, rtol=rtol, atol=atol)
    err = 1 - np.count_nonzero(equals) / equals.size
    if err > etol:
        raise AssertionError(_mismatch_message(np.asarray(a), np.asarray(b), rtol, atol, names,
                                               equal_nan, mismatches))


def assert_almost_equal_ignore_nan(a, b, rtol=None, atol=None, names=('a', 'b')):
    """``assert_almost_equal`` after zeroing the positions where either array is NaN."""
    a = np.copy(a.asnumpy() if isinstance(a, NDArray) else a)
    b = np.copy(b.asnumpy() if isinstance(b, NDArray) else b)
    nan_mask = np.logical_or(np.isnan(a), np.isnan(b))
    a[nan_mask] = 0
    b[nan_mask] = 0
    assert_almost_equal(a, b, rtol, atol, names)


def assert_exception(f, exception_type, *args, **kwargs):
    """AssertionError unless ``f(*args, **kwargs)`` raises ``exception_type``."""
    try:
        f(*args, **kwargs)
        assert False
    except exception_type:
        return


def retry(n):
    """Decorator: rerun a stochastic test up to n times while it raises AssertionError."""
    assert n > 0

    def decorate(f):
        def wrapper(*args, **kwargs):
            for i in range(n):
                try:
                    f(*args, **kwargs)
                    return
                except AssertionError as e:
                    if i == n - 1:
                        raise e
                    _nd.waitall()
        return wrapper
    return decorate


def compare_ndarray_tuple(t1, t2, rtol=None, atol=None):
    """assert_almost_equal over two (nested) tuples of arrays; None entries are skipped."""
    if t1 is None or t2 is None:
        return
    if isinstance(t1, tuple):
        for s1, s2 in zip(t1, t2):
            compare_ndarray_tuple(s1, s2, rtol, atol)
    else:
        assert_almost_equal(t1, t2, rtol=rtol, atol=atol)


def _optimizer_arrays(shape, dtype, stype, density):
    """A random weight or gradient for compare_optimizer: (the array for opt2, a dense copy
    for opt1)."""
    ctx = default_context()
    if stype == 'default':
        arr = _nd.random.uniform(shape=shape, ctx=ctx, dtype=dtype)
        return arr, arr.copyto(ctx)
    if stype in ('row_sparse', 'csr'):
        arr = rand_ndarray(shape, stype, density=density, dtype=dtype)
        return arr, arr.copyto(ctx).tostype('default')
    raise MXNetError('compare_optimizer: storage type %r is not supported (w_stype and g_stype '
                     "take 'default', 'row_sparse' or 'csr')" % (stype,))


def compare_optimizer(opt1, opt2, shape, dtype, w_stype='default', g_stype='default',
                      rtol=1e-4, atol=1e-5, compare_states=True, ntensors=1):
    """Apply one update of ``opt1`` and of ``opt2`` to the same random weight and gradient
    (uniform in [0, 1), from ``mx.random``) and assert their states and new weights agree.
    opt2 may take sparse weights/gradients (opt1 gets dense copies). A list of shapes runs
    opt2 once over all ``ntensors`` weights (its aggregated update) and opt1 on each."""
    if not isinstance(shape, list):
        assert ntensors == 1
        w2, w1 = _optimizer_arrays(shape, dtype, w_stype, 1)
        g2, g1 = _optimizer_arrays(shape, dtype, g_stype, None)
        state1 = opt1.create_state_multi_precision(0, w1)
        state2 = opt2.create_state_multi_precision(0, w2)
        if compare_states:
            compare_ndarray_tuple(state1, state2)
        opt1.update_multi_precision(0, w1, g1, state1)
        opt2.update_multi_precision(0, w2, g2, state2)
        if compare_states:
            compare_ndarray_tuple(state1, state2, rtol=rtol, atol=atol)
        assert_almost_equal(w1, w2, rtol=rtol, atol=atol)
        return
    ctx = default_context()
    w1, g1 = [], []
    for s in shape:
        w1.append(_nd.random.uniform(shape=s, ctx=ctx, dtype=dtype))
        g1.append(_nd.random.uniform(shape=s, ctx=ctx, dtype=dtype))
    w1, g1 = tuple(w1), tuple(g1)
    w2, g2 = copy.deepcopy(w1), copy.deepcopy(g1)
    state2 = [opt2.create_state_multi_precision(0, w2[i]) for i in range(ntensors)]
    opt2.update_multi_precision(list(range(ntensors)), w2, g2, state2)
    for i in range(ntensors):
        state1 = opt1.create_state_multi_precision(i, w1[i])
        opt1.update_multi_precision(i, w1[i], g1[i], state1)
        if compare_states:
            compare_ndarray_tuple(state1, state2[i], rtol, atol)
        compare_ndarray_tuple(w1[i], w2[i], rtol, atol)


def same_array(array1, array2):
    """True when two NDArrays share memory (a write to one shows in the other)."""
    array1[:] += 1
    if not same(array1.asnumpy(), array2.asnumpy()):
        array1[:] -= 1
        return False
    array1[:] -= 1
    return same(array1.asnumpy(), array2.asnumpy())


def same_symbol_structure(sym1, sym2):
    """True when two symbols have the same graph (ops and connections, names ignored)."""
    import json
    conf1 = json.loads(sym1.tojson())
    conf2 = json.loads(sym2.tojson())
    nodes1, nodes2 = conf1['nodes'], conf2['nodes']
    if len(nodes1) != len(nodes2):
        return False
    for n1, n2 in zip(nodes1, nodes2):
        if n1['op'] != n2['op'] or n1['inputs'] != n2['inputs']:
            return False
    return True


def collapse_sum_like(a, shape):
    """Sum numpy array ``a`` over the axes it broadcasts against ``shape``."""
    assert len(a.shape) >= len(shape)
    if np.prod(shape) == 0 or a.size == 0:
        return np.zeros(shape, dtype=a.dtype)
    axes = []
    ndim_diff = len(a.shape) - len(shape)
    for i in range(ndim_diff):
        axes.append(i)
    for i, s in enumerate(shape):
        if s != a.shape[i + ndim_diff]:
            assert s == 1
            axes.append(i + ndim_diff)
    return np.sum(a, axis=tuple(axes)).reshape(shape)


# -- symbols: forward, backward, numeric gradients, consistency ----------------------------------
def simple_forward(sym, ctx=None, is_train=False, **inputs):
    """Bind ``sym`` to numpy ``inputs``, run forward: the output (or list of outputs) as numpy."""
    ctx = ctx or default_context()
    inputs = {k: _nd.array(v) for k, v in inputs.items()}
    exe = sym.bind(ctx, args=inputs)
    exe.forward(is_train=is_train)
    outputs = [x.asnumpy() for x in exe.outputs]
    return outputs[0] if len(outputs) == 1 else outputs


def _to_nd(v, ctx, dtype):
    return _nd.array(v, ctx=ctx, dtype=v.dtype if dtype == 'asnumpy' else dtype)


def _parse_location(sym, location, ctx, dtype=default_dtype()):
    """{argument name: NDArray} from a list (in list_arguments order) or dict of arrays."""
    assert isinstance(location, (dict, list, tuple))
    assert dtype == 'asnumpy' or dtype in (np.float16, np.float32, np.float64)
    if isinstance(location, dict):
        if set(location.keys()) != set(sym.list_arguments()):
            raise ValueError('Symbol arguments and keys of the given location do not match.'
                             'symbol args:%s, location.keys():%s'
                             % (str(set(sym.list_arguments())), str(set(location.keys()))))
    else:
        location = dict(zip(sym.list_arguments(), location))
    location = {k: _to_nd(v, ctx, dtype) if isinstance(v, np.ndarray) else v
                for k, v in location.items()}
    return _sorted_dict(location)


def _parse_aux_states(sym, aux_states, ctx, dtype=default_dtype()):
    """{aux state name: NDArray} from a list or dict, or None."""
    assert dtype == 'asnumpy' or dtype in (np.float16, np.float32, np.float64)
    if aux_states is not None:
        if isinstance(aux_states, dict):
            if set(aux_states.keys()) != set(sym.list_auxiliary_states()):
                raise ValueError('Symbol aux_states names and given aux_states do not match.'
                                 'symbol aux_names:%s, aux_states.keys:%s'
                                 % (str(set(sym.list_auxiliary_states())),
                                    str(set(aux_states.keys()))))
        elif isinstance(aux_states, (list, tuple)):
            aux_states = dict(zip(sym.list_auxiliary_states(), aux_states))
        aux_states = {k: _to_nd(np.asarray(v), ctx, dtype) if not isinstance(v, NDArray)
                      else _nd.array(v, ctx=ctx, dtype=v.dtype if dtype == 'asnumpy' else dtype)
                      for k, v in aux_states.items()}
    return aux_states


def numeric_grad(executor, location, aux_states=None, eps=1e-4, use_forward_train=True,
                 dtype=default_dtype()):
    """Central finite differences of sum(output 0) w.r.t. every float argument in
    ``location`` ({name: numpy array}), moving one element by +-eps/2 at a time."""
    assert dtype in (np.float16, np.float32, np.float64)
    approx_grads = {k: np.zeros(v.shape, dtype=dtype) for k, v in location.items()}
    for k, v in location.items():
        executor.arg_dict[k][:] = _nd.array(v, dtype=dtype)
    for k in location:
        location[k] = np.asarray(location[k], order='C')
    for k, v in location.items():
        if v.dtype.kind != 'f':
            continue
        old_value = v.copy()
        for i in range(int(np.prod(v.shape))):
            v.ravel()[i] += eps / 2.0
            executor.arg_dict[k][:] = _nd.array(v, dtype=dtype)
            if aux_states is not None:
                for key, val in aux_states.items():
                    executor.aux_dict[key][:] = val
            executor.forward(is_train=use_forward_train)
            f_peps = executor.outputs[0].asnumpy()

            v.ravel()[i] -= eps
            executor.arg_dict[k][:] = _nd.array(v, dtype=dtype)
            if aux_states is not None:
                for key, val in aux_states.items():
                    executor.aux_dict[key][:] = _nd.array(val, dtype=dtype)
            executor.forward(is_train=use_forward_train)
            f_neps = executor.outputs[0].asnumpy()

            approx_grads[k].ravel()[i] = (f_peps - f_neps).sum() / eps
            v.ravel()[i] = old_value.ravel()[i]
        executor.arg_dict[k][:] = _nd.array(old_value, dtype=dtype)
    return approx_grads


def _check_stypes(stypes, what):
    for k, v in (stypes or {}).items():
        if v is not None and v != 'default':
            raise MXNetError('%s: %r asks for %r gradient storage; tfmod arrays are dense only'
                             % (what, k, v))


def check_numeric_gradient(sym, location, aux_states=None, numeric_eps=None, rtol=None,
                           atol=None, grad_nodes=None, use_forward_train=True, ctx=None,
                           grad_stype_dict=None, dtype=default_dtype()):
    """Check ``sym``'s backward against finite differences of sum(sym * random projection);
    AssertionError (naming NUMERICAL_x / BACKWARD_x) on a mismatch."""
    assert dtype in (np.float16, np.float32, np.float64)
    if ctx is None:
        ctx = default_context()
    _check_stypes(grad_stype_dict, 'check_numeric_gradient')

    location = _parse_location(sym=sym, location=location, ctx=ctx, dtype=dtype)
    location_npy = {k: v.asnumpy() for k, v in location.items()}
    aux_states = _parse_aux_states(sym=sym, aux_states=aux_states, ctx=ctx, dtype=dtype)
    aux_states_npy = None if aux_states is None else \
        {k: v.asnumpy() for k, v in aux_states.items()}
    if grad_nodes is None:
        grad_nodes = sym.list_arguments()
        grad_req = {k: 'write' for k in grad_nodes}
    elif isinstance(grad_nodes, (list, tuple)):
        grad_nodes = list(grad_nodes)
        grad_req = {k: 'write' for k in grad_nodes}
    elif isinstance(grad_nodes, dict):
        grad_req = grad_nodes.copy()
        grad_nodes = grad_nodes.keys()
    else:
        raise ValueError

    input_shape = {k: v.shape for k, v in location.items()}
    _, out_shape, _ = sym.infer_shape(**input_shape)
    proj = _sym.Variable('__random_proj')
    out = _sym.make_loss(sym * proj)

    # projections must not be tiny, or finite differences lose too much precision
    location = dict(list(location.items()) +
                    [('__random_proj', _nd.array(np.random.rand(*out_shape[0]) + 0.1,
                                                 ctx=ctx, dtype=dtype))])
    args_grad_npy = dict([(k, np.random.normal(0, 0.01, size=location[k].shape))
                          for k in grad_nodes] +
                         [('__random_proj', np.random.normal(0, 0.01, size=out_shape[0]))])
    args_grad = {k: _nd.array(v, ctx=ctx, dtype=dtype) for k, v in args_grad_npy.items()}

    executor = out.bind(ctx, grad_req=grad_req, args=location, args_grad=args_grad,
                        aux_states=aux_states)
    inps = executor.arg_arrays
    if len(inps) != len(location):
        raise ValueError('Executor arg_arrays and and location len do not match.'
                         'Got %d inputs and %d locations' % (len(inps), len(location)))
    assert len(executor.outputs) == 1

    executor.forward(is_train=True)
    eps = get_tolerance(executor.outputs[0], numeric_eps, default_numeric_eps())
    # finite differences with a small eps need high precision
    if dtype in (np.float32, np.float16):
        assert eps >= 1e-5
    executor.backward()
    symbolic_grads = executor.grad_dict

    numeric_gradients = numeric_grad(executor, location_npy, aux_states_npy, eps=eps,
                                     use_forward_train=use_forward_train, dtype=dtype)
    for name in grad_nodes:
        fd_grad = numeric_gradients[name]
        orig_grad = args_grad_npy[name]
        # the array bound for a grad_req='null' argument (tfmod's grad_dict holds None there)
        sym_grad = symbolic_grads.get(name)
        if sym_grad is None:
            sym_grad = args_grad[name]
        names = ('NUMERICAL_%s' % name, 'BACKWARD_%s' % name)
        if grad_req[name] == 'write':
            assert_almost_equal(fd_grad, sym_grad, rtol, atol, names)
        elif grad_req[name] == 'add':
            if isinstance(sym_grad, NDArray):
                sym_grad = sym_grad.asnumpy()
            assert_almost_equal(fd_grad, sym_grad - orig_grad, rtol, atol, names)
        elif grad_req[name] == 'null':
            assert_almost_equal(orig_grad, sym_grad, rtol, atol, names)
        else:
            raise ValueError('Invalid grad_req %s for argument %s' % (grad_req[name], name))


def check_symbolic_forward(sym, location, expected, rtol=None, atol=None, aux_states=None,
                           ctx=None, equal_nan=False, dtype=default_dtype()):
    """Run ``sym`` forward (is_train=False) at ``location`` and compare each output with
    ``expected`` (list, or dict by output name); returns the outputs."""
    assert dtype == 'asnumpy' or dtype in (np.float16, np.float32, np.float64)
    if ctx is None:
        ctx = default_context()
    location = _parse_location(sym=sym, location=location, ctx=ctx, dtype=dtype)
    aux_states = _parse_aux_states(sym=sym, aux_states=aux_states, ctx=ctx, dtype=dtype)
    if isinstance(expected, dict):
        expected = [expected[k] for k in sym.list_outputs()]
    args_grad_data = {k: _nd.zeros(v.shape, ctx=ctx,
                                   dtype=v.dtype if dtype == 'asnumpy' else dtype)
                      for k, v in location.items()}
    executor = sym.bind(ctx=ctx, args=location, args_grad=args_grad_data,
                        aux_states=aux_states)
    executor.forward(is_train=False)
    outputs = executor.outputs
    for output_name, expect, output in zip(sym.list_outputs(), expected, outputs):
        assert_almost_equal(expect, output, rtol, atol,
                            ('EXPECTED_%s' % output_name, 'FORWARD_%s' % output_name),
                            equal_nan=equal_nan)
    return executor.outputs


def check_symbolic_backward(sym, location, out_grads, expected, rtol=None, atol=None,
                            aux_states=None, grad_req='write', ctx=None, grad_stypes=None,
                            equal_nan=False, dtype=default_dtype()):
    """Run ``sym`` forward (is_train=True) and backward with ``out_grads``, and compare the
    gradients with ``expected`` (list in list_arguments order, or dict); grad_req 'add' checks
    the increment over a random initial gradient, 'null' that it stayed untouched. Returns the
    gradient arrays by name."""
    assert dtype == 'asnumpy' or dtype in (np.float16, np.float32, np.float64)
    if ctx is None:
        ctx = default_context()
    _check_stypes(grad_stypes, 'check_symbolic_backward')
    location = _parse_location(sym=sym, location=location, ctx=ctx, dtype=dtype)
    aux_states = _parse_aux_states(sym=sym, aux_states=aux_states, ctx=ctx, dtype=dtype)
    if isinstance(expected, (list, tuple)):
        expected = dict(zip(sym.list_arguments(), expected))
    # the gradient buffers start dirty, deterministically, for reproducibility
    args_grad_npy = {k: np.random.normal(size=v.shape) for k, v in _sorted_items(expected)}
    args_grad_data = {k: _nd.array(v, ctx=ctx,
                                   dtype=expected[k].dtype if dtype == 'asnumpy' else dtype)
                      for k, v in args_grad_npy.items()}
    if isinstance(grad_req, str):
        grad_req = {k: grad_req for k in sym.list_arguments()}
    elif isinstance(grad_req, (list, tuple)):
        grad_req = dict(zip(sym.list_arguments(), grad_req))
    executor = sym.bind(ctx=ctx, args=location, args_grad=args_grad_data,
                        aux_states=aux_states, grad_req=grad_req)
    executor.forward(is_train=True)

    def as_nd(v):
        return _to_nd(v, ctx, dtype) if isinstance(v, np.ndarray) else v
    if isinstance(out_grads, (tuple, list)):
        out_grads = [as_nd(arr) for arr in out_grads]
    elif isinstance(out_grads, dict):
        out_grads = {k: as_nd(v) for k, v in out_grads.items()}
    else:
        assert out_grads is None
    executor.backward(out_grads)

    grads = args_grad_data
    for name in expected:
        names = ('EXPECTED_%s' % name, 'BACKWARD_%s' % name)
        if grad_req[name] == 'write':
            assert_almost_equal(expected[name], grads[name], rtol, atol, names,
                                equal_nan=equal_nan)
        elif grad_req[name] == 'add':
            grad = grads[name].asnumpy() if isinstance(grads[name], NDArray) else grads[name]
            assert_almost_equal(expected[name], grad - args_grad_npy[name], rtol, atol, names,
                                equal_nan=equal_nan)
        elif grad_req[name] == 'null':
            assert_almost_equal(args_grad_npy[name], grads[name], rtol, atol, names,
                                equal_nan=equal_nan)
        else:
            raise ValueError('Invalid grad_req %s for argument %s' % (grad_req[name], name))
    return args_grad_data


def check_speed(sym, location=None, ctx=None, N=20, grad_req=None, typ='whole', **kwargs):
    """Seconds per call of ``sym``'s executor, averaged over ``N`` calls after one warm-up:
    forward(is_train=True) + backward with the outputs as head gradients (``typ='whole'``) or
    forward(is_train=False) (``typ='forward'``). Inputs are ``location`` (dict of numpy
    arrays, their shapes bind the symbol) or, without it, standard normal draws for the
    shapes given as keyword arguments (simple_bind's)."""
    ctx = default_context() if ctx is None else ctx
    grad_req = 'write' if grad_req is None else grad_req
    if location is None:
        exe = sym.simple_bind(grad_req=grad_req, ctx=ctx, **kwargs)
        location = {k: np.random.normal(size=arr.shape, scale=1.0)
                    for k, arr in exe.arg_dict.items()}
    else:
        if not isinstance(location, dict):
            raise AssertionError('Expect dict, get "location"=%s' % str(location))
        exe = sym.simple_bind(grad_req=grad_req, ctx=ctx,
                              **{k: v.shape for k, v in location.items()})
    for name, value in location.items():
        exe.arg_dict[name][:] = value.astype(exe.arg_dict[name].dtype)
    if typ == 'whole':
        def step():
            exe.forward(is_train=True)
            exe.backward(out_grads=exe.outputs)
    elif typ == 'forward':
        def step():
            exe.forward(is_train=False)
    else:
        raise ValueError('typ can only be "whole" or "forward".')
    step()
    for output in exe.outputs:
        output.wait_to_read()
    tic = time.time()
    for _ in range(N):
        step()
    _nd.waitall()
    return (time.time() - tic) * 1.0 / N


def check_consistency(sym, ctx_list, scale=1.0, grad_req='write', arg_params=None,
                      aux_params=None, rtol=None, atol=None, raise_on_err=True,
                      ground_truth=None, equal_nan=False, use_uniform=False,
                      rand_type=np.float64):
    """Run ``sym`` (or one symbol per entry) under each ``ctx_list`` entry -- a dict of
    simple_bind arguments: 'ctx', input shapes, 'type_dict' -- on the same random inputs,
    and compare outputs and gradients with the most precise run; returns that ground truth."""
    assert len(ctx_list) > 1
    if isinstance(sym, Symbol):
        sym = [sym] * len(ctx_list)
    else:
        assert len(sym) == len(ctx_list)
    output_names = sym[0].list_outputs()
    arg_names = sym[0].list_arguments()
    exe_list = []
    for s, ctx in zip(sym, ctx_list):
        assert s.list_arguments() == arg_names
        assert s.list_outputs() == output_names
        exe_list.append(s.simple_bind(grad_req=grad_req, **ctx))
    arg_params = {} if arg_params is None else arg_params
    aux_params = {} if aux_params is None else aux_params

    def smaller_dtype(dt1, dt2):
        return dt1 if dt2 is None or np.dtype(dt1).itemsize < np.dtype(dt2).itemsize else dt2

    # random inputs, drawn in a deterministic (sorted) order
    for n, arr in _sorted_items(exe_list[0].arg_dict):
        if n not in arg_params:
            if use_uniform:
                arg_params[n] = np.random.uniform(low=-0.92 * scale, high=0.92 * scale,
                                                  size=arr.shape).astype(rand_type)
            else:
                arg_params[n] = np.random.normal(size=arr.shape, scale=scale).astype(rand_type)
    for n, arr in exe_list[0].aux_dict.items():
        if n not in aux_params:
            aux_params[n] = 0
    for exe in exe_list:
        for name, arr in exe.arg_dict.items():
            arr[:] = arg_params[name]
        for name, arr in exe.aux_dict.items():
            arr[:] = aux_params[name]
        if grad_req == 'add':
            for arr in exe.grad_arrays:
                if arr is not None:
                    arr[:] = np.zeros(arr.shape, dtype=arr.dtype)

    dtypes = [np.dtype(exe.outputs[0].dtype) for exe in exe_list]
    gt_idx = int(np.argmax([dt.itemsize for dt in dtypes]))
    gt = ground_truth
    if gt is None:
        gt = dict(exe_list[gt_idx].output_dict)
        if grad_req != 'null':
            gt.update(exe_list[gt_idx].grad_dict)

    for exe in exe_list:
        exe.forward(is_train=False)
    for i, exe in enumerate(exe_list):
        if i == gt_idx:
            continue
        for name, arr in zip(output_names, exe.outputs):
            try:
                assert_almost_equal(arr, gt[name], rtol=rtol, atol=atol, equal_nan=equal_nan)
            except AssertionError as e:
                print('Predict Err: ctx %d vs ctx %d at %s' % (i, gt_idx, name))
                traceback.print_exc()
                if raise_on_err:
                    raise e
                print(str(e))

    if grad_req != 'null':
        for exe in exe_list:
            exe.forward(is_train=True)
        # the first run's outputs, cast to the least precise dtype, are every run's head grads
        least = [out.dtype for out in exe_list[0].outputs]
        for exe in exe_list:
            least = [smaller_dtype(out.dtype, dt) for out, dt in zip(exe.outputs, least)]
        golden = [out.astype(dt).asnumpy() for out, dt in zip(exe_list[0].outputs, least)]
        for exe in exe_list:
            exe.backward([_nd.array(g, ctx=exe._ctx, dtype=out.dtype)
                          for g, out in zip(golden, exe.outputs)])
        for i, exe in enumerate(exe_list):
            if i == gt_idx:
                continue
            for name, arr in zip(output_names + arg_names, exe.outputs + exe.grad_arrays):
                if gt[name] is None:
                    assert arr is None
                    continue
                gtarr = gt[name]
                try:
                    rt, at = rtol, atol
                    # a float16 run compares its float32 gradients with float16 tolerances
                    small_arr = smaller_dtype(arr.dtype, dtypes[i])
                    small_gt = smaller_dtype(gtarr.dtype, dtypes[gt_idx])
                    if small_arr != arr.dtype or small_gt != gtarr.dtype:
                        rt, at = get_tols(arr.astype(small_arr), gtarr.astype(small_gt),
                                          rtol, atol)
                    assert_almost_equal(arr, gtarr, rtol=rt, atol=at, equal_nan=equal_nan)
                except AssertionError as e:
                    print('Train Err: {} {} ctx {} vs {} {} ctx {} at {}'.format(
                        np.dtype(arr.dtype).name, arr.context, i,
                        np.dtype(gtarr.dtype).name, gtarr.context, gt_idx, name))
                    traceback.print_exc()
                    if raise_on_err:
                        raise e
                    print(str(e))
    return gt


# -- devices and environment ----------------------------------------------------------------------
def list_gpus():
    """range(number of GPUs TensorFlow sees)."""
    return range(num_gpus())


@contextmanager
def discard_stderr():
    """``with discard_stderr():`` silences file descriptor 2 (C++ logging included)."""
    with open(os.devnull, 'w') as bit_bucket:
        try:
            stderr_fileno = sys.stderr.fileno()
            old_stderr = os.dup(stderr_fileno)
        except (AttributeError, OSError, ValueError):
            # stderr is not a real file descriptor (e.g. captured by a test runner)
            yield
            return
        try:
            os.dup2(bit_bucket.fileno(), stderr_fileno)
            yield
        finally:
            os.dup2(old_stderr, stderr_fileno)
            os.close(old_stderr)


def set_env_var(key, val, default_val=''):
    """Set environment variable ``key`` to ``val``; returns its previous value (or
    ``default_val`` if it was unset)."""
    prev_val = os.environ.get(key, default_val)
    os.environ[key] = val
    return prev_val


@contextmanager
def environment(*args):
    """Set environment variables for a ``with`` block or a decorated function, then restore
    them: ``environment('NAME', 'value')`` or ``environment({'A': '1', 'B': None})`` (None
    unsets)."""
    if len(args) == 1 and isinstance(args[0], dict):
        env_vars = args[0]
    else:
        assert len(args) == 2, 'Expecting one dict arg or two args: env var name and value'
        env_vars = {args[0]: args[1]}

    def set_environ(env_var_dict):
        for name, value in env_var_dict.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    snapshot = {x: os.environ.get(x) for x in env_vars}
    set_environ(env_vars)
    try:
        yield
    finally:
        _nd.waitall()
        set_environ(snapshot)


def is_cd_run():
    """True inside MXNet's continuous-delivery pipeline (CD_JOB=1)."""
    return os.environ.get('CD_JOB', 0) == '1'


class DummyIter(_io.DataIter):
    """An iterator that returns the first batch of ``real_iter`` forever (speed tests)."""

    def __init__(self, real_iter):
        super().__init__()
        self.real_iter = real_iter
        self.provide_data = real_iter.provide_data
        self.provide_label = real_iter.provide_label
        self.batch_size = real_iter.batch_size
        self.the_batch = next(real_iter)

    def __iter__(self):
        return self

    def next(self):
        return self.the_batch


def is_aarch64_run():
    """True on an aarch64 machine."""
    return platform.machine() == 'aarch64'


def has_tvm_ops():
    """Whether operators generated by TVM are built in: never in tfmod (runtime feature
    TVM_OP is off), so False as for MXNet builds without USE_TVM_OP."""
    return Features().is_enabled('TVM_OP')


def is_op_runnable():
    """Whether the tests of TVM-built operators can run on the current context: True, as in
    MXNet on every CPU context and on GPUs of builds without TVM operators."""
    return True


class Im2recNotFoundError(MXNetError, OSError):
    """get_im2rec_path found no im2rec.py (an OSError, as MXNet's IOError)."""


def get_im2rec_path(home_env='MXNET_HOME'):
    """The path of MXNet's ``tools/im2rec.py``: ``$MXNET_HOME/tools/im2rec.py`` or
    ``$MXNET_HOME/../../tools/im2rec.py`` (a source tree), else next to the installed package.
    tfmod ships no im2rec.py, so without ``home_env`` pointing at an MXNet tree this raises."""
    home = os.environ.get(home_env)
    places = [os.path.dirname(os.path.abspath(__file__))] if home is None else [home]
    for base in places:
        for rel in (('tools',), ('..', '..', 'tools')):
            path = os.path.join(base, *rel, 'im2rec.py')
            if os.path.isfile(path):
                return path
    raise Im2recNotFoundError(
        'Could not find path to tools/im2rec.py: tfmod ships no im2rec.py; set the environment '
        'variable %s to an MXNet source tree (or installed mxnet package folder) holding '
        "tools/im2rec.py, whose .lst/.rec/.idx files tfmod's mx.recordio and "
        'mx.io.ImageRecordIter read' % home_env)


_MODEL_URL = 'http://data.mxnet.io/models/'
_IMAGENET1K = {
    'imagenet1k-inception-bn': ('imagenet/inception-bn/', 'Inception-BN', 126),
    'imagenet1k-resnet-18': ('imagenet/resnet/18-layers/', 'resnet-18', 0),
    'imagenet1k-resnet-34': ('imagenet/resnet/34-layers/', 'resnet-34', 0),
    'imagenet1k-resnet-50': ('imagenet/resnet/50-layers/', 'resnet-50', 0),
    'imagenet1k-resnet-101': ('imagenet/resnet/101-layers/', 'resnet-101', 0),
    'imagenet1k-resnet-152': ('imagenet/resnet/152-layers/', 'resnet-152', 0),
    'imagenet1k-resnext-50': ('imagenet/resnext/50-layers/', 'resnext-50', 0),
    'imagenet1k-resnext-101': ('imagenet/resnext/101-layers/', 'resnext-101', 0),
    'imagenet1k-resnext-101-64x4d': ('imagenet/resnext/101-layers/', 'resnext-101-64x4d', 0),
    'imagenet11k-resnet-152': ('imagenet-11k/resnet-152/', 'resnet-152', 0),
    'imagenet11k-place365ch-resnet-152': ('imagenet-11k-place365-ch/', 'resnet-152', 0),
    'imagenet11k-place365ch-resnet-50': ('imagenet-11k-place365-ch/', 'resnet-50', 0),
}


def _default_model_info():
    """MXNet 1.9.1's table of downloadable models: name -> {'symbol': url, 'params': url}."""
    return {name: {'symbol': '%s%s%s-symbol.json' % (_MODEL_URL, folder, stem),
                   'params': '%s%s%s-%04d.params' % (_MODEL_URL, folder, stem, epoch)}
            for name, (folder, stem, epoch) in _IMAGENET1K.items()}


def download_model(model_name, dst_dir='./', meta_info=None):
    """Download ``model_name``'s symbol and parameters (URLs from ``meta_info``, a dict of
    {'symbol': url, 'params': url} by name, or MXNet's table of ImageNet models) into
    ``dst_dir`` as ``<model_name>-symbol.json`` / ``<model_name>-0000.params``; files already
    there are kept. Returns (dst_dir/model_name, 0) to pass to mx.model.load_checkpoint, or
    (None, 0) for a name not in the table. Offline, a missing file raises MXNetError naming
    the URL and where to put the file."""
    meta_info = dict(_default_model_info() if meta_info is None else meta_info)
    if model_name not in meta_info:
        return (None, 0)
    if not os.path.isdir(dst_dir):
        os.mkdir(dst_dir)
    meta = dict(meta_info[model_name])
    if 'symbol' not in meta:
        raise AssertionError('missing symbol url')
    prefix = os.path.join(dst_dir, model_name)
    download(meta['symbol'], prefix + '-symbol.json')
    if 'params' not in meta:
        raise AssertionError('mssing parameter file url')
    download(meta['params'], prefix + '-0000.params')
    return (prefix, 0)


def check_gluon_hybridize_consistency(net_builder, data_l, numpy_func=None, test_grad=True,
                                      rtol=1E-4, atol=1E-4):
    """Refused: MXNet's check compares a Gluon HybridBlock built by ``net_builder(prefix=)``
    before and after ``hybridize()`` on NumPy-interface arrays (``mx.np``); tfmod has neither
    Gluon's HybridBlock API nor ``mx.np`` (its SymbolBlock is one compiled graph either way,
    and MXNet 1.9.1 itself fails this check on a SymbolBlock with a TypeError)."""
    raise MXNetError(
        'check_gluon_hybridize_consistency is not provided by tfmod: it needs Gluon '
        'HybridBlocks on the NumPy interface (mx.np arrays, hybridize()), which tfmod does not '
        'have; compare a symbol against numpy with check_symbolic_forward / '
        'check_symbolic_backward, or two bindings with check_consistency')
