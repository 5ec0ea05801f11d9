"""The Python-level functions MXNet 1.9.1 defines in ``mxnet/ndarray/ndarray.py`` over its ops:
``eye``, ``linspace``, ``histogram``, ``from_numpy`` (the element-wise ones, ``mx.nd.add``...,
live beside NDArray's operators in ndarray.py). Each is a thin call of registered ops; none
defines an op of its own."""
import math
import warnings

import numpy as np

from ..context import current_context
from .ndarray import NDArray, array, logical_and
from .register import invoke


def eye(N, M=0, k=0, ctx=None, dtype=None, **kwargs):
    """A 2-D array with ones on the k-th diagonal (``_eye``)."""
    return invoke('_eye', (), dict(kwargs, N=N, M=M, k=k, ctx=ctx or current_context(),
                                   dtype=dtype or 'float32'))


def linspace(start, stop, num, endpoint=True, ctx=None, dtype='float32'):
    """``num`` evenly spaced values from start to stop (``_linspace``)."""
    return invoke('_linspace', (), dict(start=start, stop=stop, num=num, endpoint=endpoint,
                                        dtype=dtype, ctx=ctx or current_context()))


def histogram(a, bins=10, range=None):  # noqa: A002  (MXNet's argument name)
    """(counts, bin edges) of ``a``: ``bins`` edges as an NDArray, or a bin count over ``range``;
    without a range MXNet hands the work to numpy (with a warning), and so does tfmod."""
    if isinstance(bins, NDArray):
        return invoke('_histogram', (), dict(data=a, bins=bins))
    if isinstance(bins, int):
        if range is None:
            warnings.warn("range is not specified, using numpy's result "
                          "to ensure consistency with numpy")
            res, bin_bounds = np.histogram(a.asnumpy(), bins=bins)
            return array(res), array(bin_bounds)
        return invoke('_histogram', (), dict(data=a, bin_cnt=bins, range=range))
    raise ValueError('bins argument should be either an integer or an NDArray')


def from_numpy(ndarray, zero_copy=True, array_cls=NDArray):
    """An NDArray holding a copy of a C-contiguous numpy array (TensorFlow owns its buffers, so
    tfmod always copies; ``zero_copy`` is accepted for MXNet's signature)."""
    if not ndarray.flags['C_CONTIGUOUS']:
        raise ValueError('Only c-contiguous arrays are supported for zero-copy')
    return array(ndarray, dtype=ndarray.dtype)


# -- mx.nd.contrib's Python-level functions ------------------------------------------------------

def isinf(data):
    """1 where ``data`` is +-inf, else 0 (``abs(data) == inf``, as MXNet computes it)."""
    return invoke('_equal_scalar', (invoke('abs', (data,), {}),), {'scalar': np.inf})


def isfinite(data):
    """1 where ``data`` is neither inf nor NaN, else 0."""
    not_nan = invoke('broadcast_equal', (data, data), {})
    not_inf = invoke('_not_equal_scalar', (invoke('abs', (data,), {}),), {'scalar': np.inf})
    return logical_and(not_inf, not_nan)


def isnan(data):
    """1 where ``data`` is NaN, else 0 (``data != data``)."""
    return invoke('broadcast_not_equal', (data, data), {})


# -- NDArray methods MXNet defines over ops (installed on NDArray by mx.nd) ------------------

def _slice_assign(self, rhs, begin, end, step):
    """Write ``rhs`` into ``self[begin:end:step]`` in place; returns self."""
    return invoke('_slice_assign', (self, rhs), dict(begin=begin, end=end, step=step, out=self))


def _slice_assign_scalar(self, value, begin, end, step):
    """Write the number ``value`` into ``self[begin:end:step]`` in place; returns self."""
    return invoke('_slice_assign_scalar', (self, value),
                  dict(begin=begin, end=end, step=step, out=self))


def _as_nd_ndarray(self):
    """This array (MXNet's legacy/np conversion; tfmod has only legacy arrays)."""
    return self


NDARRAY_METHODS = {'slice_assign': _slice_assign, 'slice_assign_scalar': _slice_assign_scalar,
                   'as_nd_ndarray': _as_nd_ndarray}


def rand_zipfian(true_classes, num_sampled, range_max, ctx=None):
    """``num_sampled`` classes drawn from the log-uniform (Zipfian) distribution over
    [0, range_max), with the expected counts of ``true_classes`` and of the samples:
    P(c) = log((c + 2) / (c + 1)) / log(range_max + 1). Returns (sampled int64, counts of the
    true classes, counts of the samples), float64 counts as MXNet."""
    from .. import random as _random
    ctx = ctx or current_context()
    log_range = math.log(range_max + 1)
    rand = _random.uniform(0, log_range, shape=(num_sampled,), dtype='float64', ctx=ctx)
    sampled_classes = (rand.exp() - 1).astype('int64') % range_max
    true_cls = true_classes.as_in_context(ctx).astype('float64')
    expected_count_true = ((true_cls + 2.0) / (true_cls + 1.0)).log() / log_range * num_sampled
    sampled_cls_fp64 = sampled_classes.astype('float64')
    expected_prob_sampled = ((sampled_cls_fp64 + 2.0) / (sampled_cls_fp64 + 1.0)).log() / log_range
    return sampled_classes, expected_count_true, expected_prob_sampled * num_sampled
