"""Legacy ops real model files still carry: ``_rnn_param_concat`` (hybridized Gluon RNN layers),
``reshape_like``, ``batch_take``, ``khatri_rao``, ``_ravel_multi_index`` / ``_unravel_index``,
``_histogram``, the contrib ``quadratic`` / ``index_copy`` / ``index_array`` /
``boolean_mask`` / ``SparseEmbedding``, ``im2col`` / ``col2im``, ``_slice_assign(_scalar)``,
``_eye``, the NDArray functions ``_onehot_encode`` / ``fill_element_0index``, and the storage
no-ops ``cast_storage`` / ``_identity_with_attr_like_rhs`` (tfmod arrays are dense).

MXNet quirks kept: ``_rnn_param_concat`` completes the one or two inputs whose concat-axis size
is unknown (the first layer's i2h weights, input size 0) from the output size; ``reshape_like``
and ``batch_take`` / ``khatri_rao`` / ``_histogram`` give no gradient to the shape/index inputs
(or none at all); ``batch_take`` clips indices; ``_ravel_multi_index`` / ``_unravel_index`` keep
the input dtype and truncate float indices.
"""
import ast

import numpy as np
import tensorflow as tf

from .attrs import Param, parse_int
from .base import MXNetError
from .registry import op
from .dims import prod as _prod
from .shape import concat_shapes


def _norm_axis(axis, ndim, what, op_name):
    a = axis + ndim if axis < 0 else axis
    if not 0 <= a < ndim:
        raise MXNetError('%s: %s=%d is out of range for an input with %d dims'
                         % (op_name, what, axis, ndim))
    return a


def _index(x):
    """Indices as int64 (float indices truncate toward zero, as a C cast)."""
    return x if x.dtype in (tf.int32, tf.int64) else tf.cast(x, tf.int64)


# ----------------------------------------------------------------------------------------------
# _rnn_param_concat

def _rnn_param_concat_infer_inputs(p, ins, outs):
    """MXNet's RNNParamConcatShape: all inputs share the non-axis dims; when the output's axis
    size is known, the inputs whose axis size is unknown (at most two) share the remainder."""
    axis, new = concat_shapes(p, ins, outs, '_rnn_param_concat')
    if axis is None:
        return ins
    out = outs[0] if outs else None
    unknown = [i for i, s in enumerate(new) if s[axis] is None]
    if out is not None and out[axis] is not None and unknown:
        size = sum(s[axis] for s in new if s[axis] is not None)
        residual = out[axis] - size
        if residual < 0:
            raise MXNetError('_rnn_param_concat: input size already exceeds output size. '
                             'Residual: %d' % residual)
        if len(unknown) > 2:
            raise MXNetError('_rnn_param_concat: expecting 1 or 2 inputs that need shape '
                             'inference, got %d' % len(unknown))
        for i in unknown:
            s = list(new[i])
            s[axis] = residual // len(unknown)
            new[i] = tuple(s)
    return new


@op('_rnn_param_concat', infer_inputs=_rnn_param_concat_infer_inputs)
def rnn_param_concat(ctx, p, *data):
    """Concat along ``dim`` (Gluon packs the fused RNN's flattened parameters with it)."""
    if not data:
        raise MXNetError('_rnn_param_concat needs at least one input')
    axis = _norm_axis(p.dim, data[0].shape.rank, 'dim', '_rnn_param_concat')
    if len(data) == 1:
        return tf.identity(data[0])
    return tf.concat(list(data), axis)


# ----------------------------------------------------------------------------------------------
# reshape_like

def _range(ndim, begin, end, side):
    b = 0 if begin is None else begin
    if b < 0:
        b += ndim
    e = ndim if end is None else end
    if e < 0:
        e += ndim
    if e > ndim:
        raise MXNetError('reshape_like: invalid %s_end=%s as dimension number is %d'
                         % (side, end, ndim))
    if not b < e:
        raise MXNetError('reshape_like: invalid begin, end, get %s_begin=%s, %s_end=%s'
                         % (side, begin, side, end))
    if b < 0 or e < 0:
        raise MXNetError('reshape_like: invalid %s_begin=%s' % (side, begin))
    return b, e


def _reshape_like_shape(p, ls, rs):
    lb, le = _range(len(ls), p.lhs_begin, p.lhs_end, 'lhs')
    rb, re_ = _range(len(rs), p.rhs_begin, p.rhs_end, 'rhs')
    return list(ls[:lb]) + list(rs[rb:re_]) + list(ls[le:])


@op('reshape_like', infer_types=lambda p, ins, outs: [ins[0] if ins[0] is not None
                                                      else outs[0], ins[1]])
def reshape_like(ctx, p, lhs, rhs):
    """lhs's data with dims [lhs_begin, lhs_end) replaced by rhs's dims [rhs_begin, rhs_end)
    (all dims by default). rhs only gives a shape: any dtype, no gradient."""
    ls, rs = lhs.shape.as_list(), rhs.shape.as_list()
    oshape = _reshape_like_shape(p, ls, rs)
    if None not in ls and None not in oshape and _prod(ls) != _prod(oshape):
        raise MXNetError('reshape_like: cannot reshape lhs with shape %s to new shape %s '
                         'because they have different size' % (tuple(ls), tuple(oshape)))
    if None in oshape:
        dl, dr = tf.shape(lhs), tf.shape(rhs)
        lb, le = _range(len(ls), p.lhs_begin, p.lhs_end, 'lhs')
        rb, re_ = _range(len(rs), p.rhs_begin, p.rhs_end, 'rhs')
        target = tf.concat([dl[:lb], dr[rb:re_], dl[le:]], 0)
        return tf.ensure_shape(tf.reshape(lhs, target), oshape)
    return tf.reshape(lhs, oshape)


# ----------------------------------------------------------------------------------------------
# batch_take, khatri_rao, ravel / unravel

def _batch_take_infer_inputs(p, ins, outs):
    if ins[1] is None and outs and outs[0] is not None:
        ins[1] = outs[0]
    return ins


@op('batch_take', infer_inputs=_batch_take_infer_inputs,
    infer_types=lambda p, ins, outs: [ins[0] if ins[0] is not None else outs[0], 'int32'])
def batch_take(ctx, p, a, indices):
    """out[i] = a[i, indices[i]] with a read as (a.shape[0], -1) and indices clipped to the
    row; output shaped like indices. Deprecated in MXNet (use pick); no gradient."""
    s = a.shape.as_list()
    if len(s) < 2:
        raise MXNetError('batch_take: data array must have at least 2 dimensions, got %s'
                         % (tuple(s),))
    if None in s:
        rows = tf.reshape(a, tf.stack([tf.shape(a)[0], -1]))
    else:
        rows = tf.reshape(a, [s[0], _prod(s[1:])])
    m = tf.shape(rows, out_type=tf.int64)[1]
    idx = tf.clip_by_value(tf.cast(tf.reshape(indices, [-1]), tf.int64), 0, m - 1)
    out = tf.gather(tf.stop_gradient(rows), idx, batch_dims=1)
    return tf.reshape(out, tf.shape(indices))


@op('khatri_rao', extra_params=(Param('num_args', parse_int, required=True,
                                                type_str='int, required'),))
def khatri_rao(ctx, p, *args):
    """Column-wise Kronecker product of (M_i, N) matrices -> (prod M_i, N); no gradient."""
    if not args:
        raise MXNetError('khatri_rao needs at least one input')
    cols = None
    for a in args:
        s = a.shape.as_list()
        if len(s) != 2:
            raise MXNetError('khatri_rao: inputs must be matrices, got shape %s' % (tuple(s),))
        if cols is not None and s[1] is not None and cols != s[1]:
            raise MXNetError('khatri_rao: all inputs must have the same number of columns '
                             '(%d vs %d)' % (cols, s[1]))
        cols = s[1] if cols is None else cols
    out = tf.stop_gradient(args[0])
    for a in args[1:]:
        prod = out[:, None, :] * tf.stop_gradient(a)[None, :, :]
        rows = [out.shape[0], a.shape[0]]
        n = rows[0] * rows[1] if None not in rows else -1
        out = tf.reshape(prod, [n, -1 if cols is None else cols])
    return out


def _ravel_infer_inputs(p, ins, outs):
    if ins[0] is None and outs and outs[0] is not None:
        ins[0] = (len(p.shape or ()), outs[0][0])
    return ins


@op('_ravel_multi_index', infer_inputs=_ravel_infer_inputs)
def ravel_multi_index(ctx, p, data):
    """Multi-indices (ndim, N) into ``shape`` -> flat indices (N,), in data's dtype."""
    shape = tuple(p.shape or ())
    if not shape:
        raise MXNetError('Empty shape parameter for ravel operator.')
    s = data.shape.as_list()
    if len(s) != 2:
        raise MXNetError('Input to ravel operator must be two-dimensional, got %s' % (tuple(s),))
    if s[0] is not None and s[0] != len(shape):
        raise MXNetError('First dimension of input of ravel operator (%d) does not match shape '
                         'parameter dimension (%d).' % (s[0], len(shape)))
    strides = np.cumprod((shape[1:] + (1,))[::-1])[::-1].astype(np.int64)
    idx = tf.cast(tf.stop_gradient(data), tf.int64)
    flat = tf.reduce_sum(idx * tf.constant(strides)[:, None], axis=0)
    return tf.cast(flat, data.dtype)


def _unravel_infer_inputs(p, ins, outs):
    if ins[0] is None and outs and outs[0] is not None:
        ins[0] = (outs[0][1],)
    return ins


@op('_unravel_index', infer_inputs=_unravel_infer_inputs)
def unravel_index(ctx, p, data):
    """Flat indices (N,) into ``shape`` -> multi-indices (ndim, N), in data's dtype (the first
    row is not reduced modulo shape[0], as in MXNet)."""
    shape = tuple(p.shape or ())
    if not shape:
        raise MXNetError('Empty shape parameter for unravel operator.')
    idx = tf.cast(tf.reshape(tf.stop_gradient(data), [-1]), tf.int64)
    rows = []
    for d in reversed(shape[1:]):
        rows.append(idx - (idx // d) * d)
        idx = idx // d
    rows.append(idx)
    out = tf.stack(rows[::-1], 0)
    n = data.shape.as_list()[0]
    return tf.cast(tf.ensure_shape(out, [len(shape), n]), data.dtype)


# ----------------------------------------------------------------------------------------------
# _histogram

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


# ----------------------------------------------------------------------------------------------
# quadratic

@op('_contrib_quadratic')
def quadratic(ctx, p, data):
    """a * x^2 + b * x + c elementwise."""
    dt = data.dtype
    return (tf.cast(p.a, dt) * data + tf.cast(p.b, dt)) * data + tf.cast(p.c, dt)


# ----------------------------------------------------------------------------------------------
# index_copy, index_array, boolean_mask

def _index_copy_infer_inputs(p, ins, outs):
    if ins[0] is None and outs and outs[0] is not None:
        ins[0] = outs[0]
    return ins


@op('_contrib_index_copy', infer_inputs=_index_copy_infer_inputs,
    infer_types=lambda p, ins, outs: [ins[0] if ins[0] is not None else outs[0], ins[1],
                                      ins[2] if ins[2] is not None else ins[0]])
def index_copy(ctx, p, old_tensor, index_vector, new_tensor):
    """old_tensor with row index[i] replaced by new_tensor[i]. Gradients: the head gradient for
    old_tensor with the copied rows zeroed; its copied rows for new_tensor."""
    os_, ns = old_tensor.shape.as_list(), new_tensor.shape.as_list()
    if index_vector.shape.rank != 1:
        raise MXNetError('index_copy: index_vector must be a vector, got shape %s'
                         % (tuple(index_vector.shape.as_list()),))
    if len(os_) != len(ns):
        raise MXNetError('index_copy: old_tensor %s and new_tensor %s must have the same number '
                         'of dims' % (tuple(os_), tuple(ns)))
    for i, (a, b) in enumerate(zip(os_, ns)):
        if a is not None and b is not None and (a < b if i == 0 else a != b):
            raise MXNetError('index_copy: new_tensor %s does not fit old_tensor %s'
                             % (tuple(ns), tuple(os_)))
    k = index_vector.shape.as_list()[0]
    if k is not None and ns[0] is not None and k != ns[0]:
        raise MXNetError('index_copy: index_vector has %d entries for %d rows of new_tensor'
                         % (k, ns[0]))
    idx = tf.cast(tf.stop_gradient(index_vector), tf.int64)[:, None]
    return tf.tensor_scatter_nd_update(old_tensor, idx, tf.cast(new_tensor, old_tensor.dtype))


@op('_contrib_index_array', infer_types=lambda p, ins, outs: list(ins))
def index_array(ctx, p, data):
    """int64 (*data.shape, n) holding each element's index ([i_axes[0], ...] with ``axes``)."""
    nd = data.shape.rank
    axes = list(range(nd)) if p.axes is None else [_norm_axis(a, nd, 'axes', 'index_array')
                                                     for a in p.axes]
    shape = tf.shape(data, out_type=tf.int64)
    grids = tf.meshgrid(*[tf.range(shape[a]) for a in range(nd)], indexing='ij') if nd else []
    if not axes:
        return tf.zeros(tf.concat([shape, [0]], 0), tf.int64)
    out = tf.stack([grids[a] for a in axes], axis=-1)
    return tf.ensure_shape(out, data.shape.as_list() + [len(axes)])


@op('_contrib_boolean_mask', infer_types=lambda p, ins, outs: list(ins))
def boolean_mask(ctx, p, data, index):
    """The slices of ``data`` along axis 0 where ``index`` is non-zero (a data-dependent
    length: symbols using it need a runtime shape). Gradient scattered back to those rows."""
    if p.axis != 0:
        raise MXNetError('boolean_mask: only axis=0 is supported, got %d' % p.axis)
    mask = tf.not_equal(tf.stop_gradient(index), tf.zeros([], index.dtype))
    return tf.boolean_mask(data, tf.reshape(mask, [-1]), axis=0)


# ----------------------------------------------------------------------------------------------
# NDArray functions and storage no-ops

@op('_onehot_encode', infer_types=lambda p, ins, outs: ['float32', 'float32'])
def onehot_encode(ctx, p, lhs, rhs):
    """One-hot rows: out[i, j] = (j == int(lhs[i])), shaped like ``rhs`` (N, K) (deprecated
    NDArray function behind mx.nd.onehot_encode; float32 only in MXNet)."""
    k = rhs.shape.as_list()[1]
    depth = k if k is not None else tf.shape(rhs)[1]
    out = tf.one_hot(tf.cast(tf.reshape(tf.stop_gradient(lhs), [-1]), tf.int32), depth,
                     dtype=rhs.dtype)
    return tf.ensure_shape(out, rhs.shape)


@op('fill_element_0index')
def fill_element_0index(ctx, p, lhs, mhs, rhs):
    """lhs (N, K) with lhs[i, int(rhs[i])] = mhs[i] (deprecated NDArray function)."""
    n = tf.shape(lhs, out_type=tf.int64)[0]
    cols = tf.cast(tf.reshape(tf.stop_gradient(rhs), [-1]), tf.int64)
    idx = tf.stack([tf.range(n), cols], axis=1)
    return tf.tensor_scatter_nd_update(lhs, idx, tf.cast(tf.reshape(mhs, [-1]), lhs.dtype))


@op('cast_storage')
def cast_storage(ctx, p, data):
    """Storage-type conversion. In a graph (all dense in tfmod) the values pass through; eager
    calls convert through the op's storage rule (converters/sparse.py)."""
    return tf.identity(data)


@op('_identity_with_attr_like_rhs', infer_types=lambda p, ins, outs: [
    ins[0] if ins[0] is not None else outs[0], ins[1]])
def identity_with_attr_like_rhs(ctx, p, lhs, rhs):
    """lhs unchanged (MXNet copies rhs's storage attributes; rhs gets no gradient)."""
    return tf.identity(lhs)


# ----------------------------------------------------------------------------------------------
# im2col / col2im

def _sliding(p, nspatial, what):
    k = tuple(p.kernel)
    if len(k) != nspatial or not 1 <= nspatial <= 3:
        raise MXNetError('%s: kernel %s does not match the %d spatial dims of the input (1-3 '
                         'supported)' % (what, k, nspatial))
    stride = tuple(p.stride) or (1,) * nspatial
    dilate = tuple(p.dilate) or (1,) * nspatial
    pad = tuple(p.pad) or (0,) * nspatial
    for name, v in (('stride', stride), ('dilate', dilate), ('pad', pad)):
        if len(v) != nspatial:
            raise MXNetError('%s: %s must have the same number of dimensions as kernel (%s vs %s)'
                             % (what, name, v, k))
    return k, stride, dilate, pad


def _block_index(spatial, k, stride, dilate, pad, what):
    """Static (prod(kernel), blocks) positions into the flattened PADDED input."""
    padded = [n + 2 * q for n, q in zip(spatial, pad)]
    outs = []
    for n, kk, s, d in zip(padded, k, stride, dilate):
        span = d * (kk - 1) + 1
        if span > n:
            raise MXNetError('%s: kernel size exceeds input' % what)
        outs.append((n - span) // s + 1)
    # per axis: offsets of the kernel taps and of the block starts
    grids = []
    for kk, s, d, o in zip(k, stride, dilate, outs):
        grids.append((np.arange(kk) * d)[:, None] + (np.arange(o) * s)[None, :])  # (k, out)
    strides = np.cumprod([1] + padded[::-1])[:-1][::-1]
    nd = len(k)
    index = np.zeros([1] * (2 * nd), dtype=np.int64)
    for a, (g, st) in enumerate(zip(grids, strides)):
        shape = [1] * (2 * nd)
        shape[a], shape[nd + a] = g.shape
        index = index + g.reshape(shape) * st
    return index.reshape(int(np.prod(k)), int(np.prod(outs))), padded, outs


@op('im2col')
def im2col(ctx, p, data):
    """Sliding blocks of (N, C, *spatial) as columns: (N, C * prod(kernel), blocks), rows
    ordered channel-major then kernel tap (row-major), blocks row-major over the output grid.
    The gradient is col2im (overlaps summed), as MXNet's."""
    s = data.shape.as_list()
    if len(s) < 3 or any(d is None for d in s[2:]) or s[1] is None:
        raise MXNetError('im2col: input must be (N, C, *spatial) with known C and spatial dims, '
                         'got %s' % (tuple(s),))
    k, stride, dilate, pad = _sliding(p, len(s) - 2, 'im2col')
    index, padded, _ = _block_index(s[2:], k, stride, dilate, pad, 'im2col')
    x = tf.pad(data, [[0, 0], [0, 0]] + [[q, q] for q in pad]) if any(pad) else data
    flat = tf.reshape(x, [-1, s[1], int(np.prod(padded))])
    cols = tf.gather(flat, index, axis=2)                       # (N, C, K, W)
    return tf.reshape(cols, [-1, s[1] * index.shape[0], index.shape[1]])


@op('col2im')
def col2im(ctx, p, data):
    """The adjoint of im2col: columns (N, C * prod(kernel), blocks) summed back into an image
    (N, C, *output_size); overlapping taps add up."""
    s = data.shape.as_list()
    size = tuple(p.output_size)
    k, stride, dilate, pad = _sliding(p, len(size), 'col2im')
    index, padded, _ = _block_index(size, k, stride, dilate, pad, 'col2im')
    kk, w = index.shape
    if len(s) != 3 or (s[1] is not None and s[1] % kk) or (s[2] is not None and s[2] != w):
        raise MXNetError('col2im: input must be (N, C * %d, %d) for kernel %s and output_size %s, '
                         'got %s' % (kk, w, k, size, tuple(s)))
    c = s[1] // kk
    x = tf.reshape(data, [-1, c, kk * w])
    x = tf.transpose(x, [2, 0, 1])                               # (K*W, N, C)
    img = tf.math.unsorted_segment_sum(x, index.reshape(-1), int(np.prod(padded)))
    img = tf.reshape(tf.transpose(img, [1, 2, 0]), [-1, c] + padded)
    if any(pad):
        img = img[(slice(None), slice(None)) + tuple(slice(q, q + n) for q, n in zip(pad, size))]
    return img


# ----------------------------------------------------------------------------------------------
# slice assignment, eye, SparseEmbedding

def _slice_index(shape, p, what):
    """Static index tuples (n, len(begin)) of the slice and the slice's shape."""
    from .shape import slice_ranges
    if any(d is None for d in shape[:len(p.begin)]):
        raise MXNetError('%s: the sliced dims must be known, got shape %s' % (what, tuple(shape)))
    ranges = slice_ranges(shape, p.begin, p.end, p.step)
    axes = [b + s * np.arange(n) for b, n, s, _ in ranges]
    grid = np.stack(np.meshgrid(*axes, indexing='ij'), -1) if axes else np.zeros((0,))
    sliced = [len(a) for a in axes]
    return grid.reshape(-1, len(axes)).astype(np.int64), sliced


@op('_slice_assign', infer_inputs=lambda p, ins, outs: [ins[0] if ins[0] is not None else
                                                        (outs[0] if outs else None), ins[1]])
def slice_assign(ctx, p, lhs, rhs):
    """lhs with lhs[begin:end:step] replaced by rhs (shaped like the slice)."""
    shape = lhs.shape.as_list()
    idx, sliced = _slice_index(shape, p, '_slice_assign')
    want = sliced + shape[len(sliced):]
    got = rhs.shape.as_list()
    if len(got) != len(want) or any(a is not None and b is not None and a != b
                                    for a, b in zip(got, want)):
        raise MXNetError('_slice_assign: rhs shape %s does not match the slice shape %s'
                         % (tuple(got), tuple(want)))
    upd = tf.reshape(tf.cast(rhs, lhs.dtype), [idx.shape[0]] + [
        d if d is not None else -1 for d in shape[len(sliced):]])
    return tf.tensor_scatter_nd_update(lhs, idx, upd)


@op('_slice_assign_scalar')
def slice_assign_scalar(ctx, p, data):
    """data with data[begin:end:step] set to ``scalar``."""
    shape = data.shape.as_list()
    idx, sliced = _slice_index(shape, p, '_slice_assign_scalar')
    rest = tf.shape(data)[len(sliced):]
    upd = tf.fill(tf.concat([[idx.shape[0]], rest], 0), tf.cast(p.scalar, data.dtype))
    return tf.tensor_scatter_nd_update(data, idx, upd)


@op('_eye')
def eye(ctx, p):
    """N x M (M = 0: N) matrix with ones on the k-th diagonal, of ``dtype``."""
    from . import dtypes as _dt
    n = p.N
    m = p.M if p.M > 0 else p.N
    dt = _dt.to_tf(p.dtype or 'float32')
    if -n < p.k < m:
        length = min(n + min(p.k, 0), m - max(p.k, 0))
        return tf.linalg.diag(tf.ones([length], dt), k=p.k, num_rows=n, num_cols=m)
    return tf.zeros([n, m], dt)


def _sparse_embedding_infer_inputs(p, ins, outs):
    ins[1] = (p.input_dim, p.output_dim)
    return ins


@op('_contrib_SparseEmbedding', infer_inputs=_sparse_embedding_infer_inputs,
    infer_types=lambda p, ins, outs: [ins[0], ins[1] if ins[1] is not None else p.dtype])
def sparse_embedding(ctx, p, data, weight):
    """Embedding whose weight gradient MXNet keeps row_sparse (indices clipped to [0,
    input_dim - 1]): the gather's gradient is TF's IndexedSlices, which autograd stores in a
    row_sparse ``.grad``; a bound graph's gradients are dense."""
    from .nn import embedding
    return embedding(ctx, p, data, weight)
