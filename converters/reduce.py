"""Reductions: sum, mean, max, min, prod, nansum, nanprod, norm, moments, cumsum, allclose,
_histogram (no gradient).

MXNet's reduce axes (``axis``): None or ``()`` reduce every axis; ``exclude=True`` reduces every
axis NOT listed; negative axes count from the end; duplicates and out-of-range axes are errors.
A reduction to a scalar without ``keepdims`` returns shape (1,), never () (legacy shape rules).
Integer inputs keep their dtype (sums wrap, ``mean`` truncates). ``max``/``min`` send the head
gradient to EVERY element equal to the result (MXNet's ``x == out`` mask), not split among ties.
"""
import ast

import numpy as np
import tensorflow as tf

from .base import MXNetError
from .registry import op


def reduce_axes(ndim, axis, exclude=False, what='axis'):
    """The sorted axes MXNet reduces over for ``axis``/``exclude`` on an ``ndim``-D input."""
    if axis is None or len(axis) == 0:
        return list(range(ndim))
    axes = []
    for a in axis:
        b = a + ndim if a < 0 else a
        if b < 0 or b >= ndim:
            raise MXNetError('Reduction %s %d exceeds input dimensions (ndim=%d)' % (what, a, ndim))
        axes.append(b)
    axes.sort()
    for i in range(1, len(axes)):
        if axes[i - 1] == axes[i]:
            raise MXNetError('Reduction %s has duplicates %s' % (what, tuple(axis)))
    if exclude:
        axes = [i for i in range(ndim) if i not in axes]
    return axes


def finish(y, x_ndim, axes, keepdims):
    """Apply MXNet's output shape: a full reduction without keepdims gives shape (1,)."""
    if not keepdims and len(axes) == x_ndim:
        return tf.reshape(y, [1])
    return y


def _params_axes(p, x):
    ndim = len(x.shape)
    return reduce_axes(ndim, p.axis, p.exclude), ndim


def _simple(tf_reduce):
    def lower(ctx, p, data):
        axes, ndim = _params_axes(p, data)
        if not axes:
            return tf.identity(data)
        return finish(tf_reduce(data, axis=axes, keepdims=p.keepdims), ndim, axes, p.keepdims)
    return lower


op('sum')(_simple(tf.reduce_sum))
op('prod')(_simple(tf.reduce_prod))


@op('mean')
def mean(ctx, p, data):
    """Arithmetic mean; integer inputs sum in their own dtype, then truncate-divide."""
    axes, ndim = _params_axes(p, data)
    if not axes:
        return tf.identity(data)
    if data.dtype.is_integer:
        s = tf.reduce_sum(data, axis=axes, keepdims=p.keepdims)
        shape = tf.shape(data)
        n = tf.reduce_prod(tf.gather(shape, axes))
        y = tf.truncatediv(s, tf.cast(n, data.dtype))
    else:
        y = tf.reduce_mean(data, axis=axes, keepdims=p.keepdims)
    return finish(y, ndim, axes, p.keepdims)


def _minmax(tf_reduce):
    def lower(ctx, p, data):
        axes, ndim = _params_axes(p, data)
        if not axes:
            return tf.identity(data)
        if not data.dtype.is_floating:
            return finish(tf_reduce(data, axis=axes, keepdims=p.keepdims), ndim, axes,
                          p.keepdims)

        @tf.custom_gradient
        def fwd(x):
            yk = tf_reduce(x, axis=axes, keepdims=True)

            def grad(dy):
                dyk = tf.reshape(dy, tf.shape(yk))
                return tf.where(tf.equal(x, yk), dyk, tf.zeros_like(dyk))
            y = yk if p.keepdims else tf.squeeze(yk, axis=axes)
            return y, grad
        return finish(fwd(data), ndim, axes, p.keepdims)
    return lower


op('max')(_minmax(tf.reduce_max))
op('min')(_minmax(tf.reduce_min))


def _nan_to(x, value):
    if not x.dtype.is_floating:
        return x
    return tf.where(tf.math.is_nan(x), tf.cast(value, x.dtype) * tf.ones_like(x), x)


@op('nansum')
def nansum(ctx, p, data):
    """Sum treating NaN as 0 (NaN positions get zero gradient)."""
    return _simple(tf.reduce_sum)(ctx, p, _nan_to(data, 0))


@op('nanprod')
def nanprod(ctx, p, data):
    """Product treating NaN as 1 (NaN positions get zero gradient)."""
    return _simple(tf.reduce_prod)(ctx, p, _nan_to(data, 1))


@op('norm')
def norm(ctx, p, data):
    """L1 (``ord=1``) or L2 (``ord=2``, Frobenius over several axes) norm; ``out_dtype`` casts."""
    if p.ord not in (1, 2):
        raise MXNetError('norm only supports ord=1 and ord=2, got ord=%d' % p.ord)
    if data.shape.rank is None:
        # a dtype-only trace (infer_type without shapes): a correctly typed stand-in
        return tf.cast(data, p.out_dtype or data.dtype)
    ndim = len(data.shape)
    axes = reduce_axes(ndim, p.axis)
    if not axes:
        return tf.identity(data)
    if p.ord == 1:
        y = tf.reduce_sum(tf.abs(data), axis=axes, keepdims=p.keepdims)
    elif data.dtype.is_floating:
        y = tf.sqrt(tf.reduce_sum(tf.square(data), axis=axes, keepdims=p.keepdims))
    else:
        sq = tf.reduce_sum(tf.square(tf.cast(data, tf.float64)), axis=axes, keepdims=p.keepdims)
        y = tf.cast(tf.sqrt(sq), data.dtype)
    y = finish(y, ndim, axes, p.keepdims)
    if p.out_dtype is not None:
        y = tf.cast(y, p.out_dtype)
    return y


@op('moments', num_outputs=2)
def moments(ctx, p, data):
    """(mean, biased variance) over ``axes``; MXNet requires ``axes`` to be given."""
    ndim = len(data.shape)
    if p.axes is None or len(p.axes) == 0:
        raise MXNetError('moments: empty axes is not supported; pass all axes to axes for '
                         'global moments')
    axes = reduce_axes(ndim, p.axes, what='axes')
    m = tf.reduce_mean(data, axis=axes, keepdims=True)
    v = tf.reduce_mean(tf.square(data - m), axis=axes, keepdims=True)
    if not p.keepdims:
        m = tf.squeeze(m, axis=axes)
        v = tf.squeeze(v, axis=axes)
    return finish(m, ndim, axes, p.keepdims), finish(v, ndim, axes, p.keepdims)


@op('_np_cumsum', inputs=['a'])
def cumsum(ctx, p, a):
    """Cumulative sum along ``axis`` (None: over the flattened input); ``dtype`` casts first.

    MXNet 1.9.1 rejects negative axes here; tfmod accepts them as numpy does. Boolean inputs
    sum as int64.
    """
    x = a
    if p.dtype is not None:
        x = tf.cast(x, p.dtype)
    elif x.dtype == tf.bool:
        x = tf.cast(x, tf.int64)
    if p.axis is None:
        return tf.cumsum(tf.reshape(x, [-1]), axis=0)
    if x.shape.rank is None:
        return tf.cumsum(x, axis=p.axis)
    ndim = len(x.shape)
    if not -ndim <= p.axis < ndim:
        raise MXNetError('cumsum: axis %d out of range for a %d-D input' % (p.axis, ndim))
    return tf.cumsum(x, axis=p.axis % ndim)


@op('_contrib_allclose')
def allclose(ctx, p, a, b):
    """1 (uint8, shape ()) when every ``|a - b| <= atol + rtol*|b|`` or a == b, NaNs equal
    only with equal_nan; a and b must have the same shape (no broadcasting, as MXNet)."""
    if a.shape.as_list() != b.shape.as_list():
        raise MXNetError('allclose: a has shape %s and b %s; they must be equal'
                         % (tuple(a.shape.as_list()), tuple(b.shape.as_list())))
    b = tf.cast(b, a.dtype)
    if a.dtype.is_floating:
        nan_a, nan_b = tf.math.is_nan(a), tf.math.is_nan(b)
        tol = tf.cast(p.atol, a.dtype) + tf.cast(p.rtol, a.dtype) * tf.abs(b)
        close = tf.equal(a, b) | (tf.abs(a - b) <= tol)
        close = tf.where(nan_a | nan_b, tf.logical_and(p.equal_nan, tf.equal(nan_a, nan_b)),
                         close)
    else:
        diff = tf.cast(tf.abs(tf.cast(a, tf.float64) - tf.cast(b, tf.float64)), tf.float64)
        close = diff <= p.atol + p.rtol * tf.abs(tf.cast(b, tf.float64))
    return tf.stop_gradient(tf.cast(tf.reduce_all(close), tf.uint8))


# ------------------------------------------------------------------------------------------------
# _histogram.

def _hist_inputs(p):
    return ['data'] if p.bin_cnt is not None else ['data', 'bins']


def _hist_range(p):
    r = p.range
    if r is None or str(r).strip() in ('', 'None'):
        return None
    v = r if isinstance(r, (tuple, list)) else ast.literal_eval(str(r))
    v = tuple(float(x) for x in (v if isinstance(v, (tuple, list)) else (v,)))
    if len(v) != 2:
        raise MXNetError('_histogram: range should be a tuple with only 2 elements, got %s'
                         % (r,))
    if v[0] > v[1]:
        raise MXNetError('_histogram: left hand side of range(%g) should be less than or equal '
                         'to right hand side(%g)' % v)
    return v


@op('_histogram', inputs=_hist_inputs, num_outputs=2,
    infer_types=lambda p, ins, outs: [ins[0]] + [ins[0] if t is None else t for t in ins[1:]])
def histogram(ctx, p, data, bins=None):
    """Counts of ``data`` in ``bin_cnt`` equal bins over ``range`` (or in the bins given by the
    edges ``bins``); values outside are ignored and the last bin is closed. Outputs (counts as
    int64, edges in data's dtype); no gradient."""
    rng = _hist_range(p)
    if (p.bin_cnt is None) != (rng is None):
        raise MXNetError('_histogram: bin_cnt and range should both or neither be specified')
    x = tf.reshape(tf.stop_gradient(data), [-1])
    if p.bin_cnt is not None:
        n = p.bin_cnt
        lo, hi = rng
        i = np.arange(n + 1, dtype=np.float64)
        edges = tf.cast(tf.constant((hi * i + (n - i) * lo) / n), data.dtype)
    else:
        edges = tf.reshape(tf.stop_gradient(bins), [-1])
        n = edges.shape[0] - 1 if edges.shape[0] is not None else tf.size(edges) - 1
    target = tf.searchsorted(edges, x, side='right', out_type=tf.int32) - 1
    target = tf.minimum(target, n - 1)
    inside = tf.logical_and(x >= edges[0], x <= edges[-1])
    target = tf.where(inside, target, tf.cast(n, tf.int32) * tf.ones_like(target))
    counts = tf.math.bincount(target, minlength=n + 1, maxlength=n + 1, dtype=tf.int64)[:n]
    return counts, edges
