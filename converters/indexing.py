"""Indexing ops: take, pick, gather_nd, scatter_nd, one_hot, topk, sort, argsort, argmax,
argmin, argmax_channel, batch_take, _ravel_multi_index / _unravel_index, the contrib
index_copy / index_array / boolean_mask, and the NDArray functions _onehot_encode /
fill_element_0index.

MXNet conventions kept here:
- index INPUTS may have any dtype (float32 by default); they are truncated toward zero to
  integers and never receive a gradient;
- index OUTPUTS are float32 unless a ``dtype`` attr says otherwise (argmax/argmin keep the input
  dtype); a reduction over every axis without keepdims returns shape (1,);
- take clips (default) or wraps out-of-range indices, 'raise' checks them at run time; pick clips
  or wraps; one_hot gives an all-``off_value`` row for an out-of-range index; gather_nd accepts
  negative indices (from the end);
- sort/argsort/topk order ties by position (lower index first), in both directions;
- batch_take clips indices and gives its index input no gradient; _ravel_multi_index /
  _unravel_index keep the input dtype and truncate float indices.
"""
import numpy as np
import tensorflow as tf

from .base import MXNetError
from .dims import check_axis as _check_axis, prod as _prod
from .registry import op


def _int_index(x):
    """Integer indices from an MXNet index tensor of any dtype (floats truncate toward zero)."""
    if x.dtype in (tf.int32, tf.int64):
        return x
    if x.dtype in (tf.uint32, tf.uint64):
        return tf.cast(x, tf.int64)
    return tf.cast(x, tf.int32)


def _norm_axis(axis, ndim, name):
    if not -ndim <= axis < ndim:
        raise MXNetError('%s: axis %d is out of range for a %d-D input (must be in [%d, %d])'
                         % (name, axis, ndim, -ndim, ndim - 1))
    return axis % ndim


def _dim(x, axis):
    d = x.shape.as_list()[axis]
    return d if d is not None else tf.shape(x, out_type=tf.int32)[axis]


def _data_type_from_output(p, ins, outs):
    """Data and output share a dtype; index inputs are left alone (MXNet requires them set)."""
    if ins[0] is None and outs and outs[0] is not None:
        ins[0] = outs[0]
    return ins


def _rank_unknown(x):
    """Shape inference may trace a lowering on placeholders of unknown rank just to learn its
    output dtypes (``infer_type`` without shapes); ops whose output dtype is not their first
    input's then return correctly typed stand-ins."""
    return x.shape.rank is None


def _clip_or_wrap(idx, n, mode):
    n = tf.cast(n, idx.dtype)
    if mode == 'wrap':
        return tf.math.floormod(idx, n)
    return tf.clip_by_value(idx, tf.zeros([], idx.dtype), n - 1)


# -- take / pick / gather_nd / scatter_nd ---------------------------------------------------------

@op('take', infer_types=_data_type_from_output)
def take(ctx, p, a, indices):
    """Gather slices of ``a`` along ``axis``: out shape a.shape[:axis] + indices.shape +
    a.shape[axis+1:]. Repeated indices accumulate in the gradient."""
    ndim = len(a.shape)
    if ndim == 0:
        raise MXNetError('take: data must have at least one dimension')
    axis = _norm_axis(p.axis, ndim, 'take')
    n = _dim(a, axis)
    idx = _int_index(indices)
    if p.mode == 'raise':
        nn = tf.cast(n, idx.dtype)
        ok = tf.reduce_all(tf.logical_and(idx >= 0, idx < nn))
        check = tf.debugging.Assert(ok, ['take operator contains indices out of bound '
                                         '(mode=raise)'])
        with tf.control_dependencies([check]):
            idx = tf.identity(idx)
    else:
        idx = _clip_or_wrap(idx, n, p.mode)
    return tf.gather(a, idx, axis=axis)


def _pick_infer_inputs(p, ins, outs):
    data = ins[0]
    if data is not None and p.axis is not None and ins[1] is None:
        axis = p.axis % len(data)
        ins[1] = tuple(d for i, d in enumerate(data) if i != axis)
    return ins


def _pick_last(moved, idx):
    """``moved[..., idx]`` (one element per row of the last axis), whose gradient is the upstream
    gradient at the picked positions and 0 elsewhere, selected by a one-hot mask: the same
    numbers as a batched gather's gradient and MXNet's (a NaN or inf upstream stays at its
    position), in a few ops instead of its dozens (eagerly, a gluon loss's backward)."""
    @tf.custom_gradient
    def picked(x):
        out = tf.squeeze(tf.gather(x, tf.expand_dims(idx, -1), axis=-1,
                                   batch_dims=len(x.shape) - 1), -1)

        def grad(dy):
            mask = tf.one_hot(idx, tf.shape(x)[-1], on_value=True, off_value=False)
            return tf.where(mask, tf.expand_dims(dy, -1), tf.zeros([], dy.dtype))
        return out, grad
    return picked(moved)


@op('pick', infer_inputs=_pick_infer_inputs, infer_types=_data_type_from_output)
def pick(ctx, p, data, index):
    """out[i, j] = data[i, index[i, j], j] along ``axis``; index has data's shape without the
    axis (or with size 1 there); out-of-range indices are clipped (default) or wrapped."""
    if p.axis is None:
        raise MXNetError('pick: axis=None is not supported by pick yet. Must specify an axis.')
    shape = data.shape.as_list()
    ndim = len(shape)
    axis = _norm_axis(p.axis, ndim, 'pick')
    rest = shape[:axis] + shape[axis + 1:]
    ishape = index.shape.as_list()
    if len(ishape) == ndim:
        if ishape[axis] not in (1, None):
            raise MXNetError('pick: index shape %s is inconsistent with data shape %s (axis %d)'
                             % (tuple(ishape), tuple(shape), axis))
        index = tf.squeeze(index, axis=axis)
        ishape = ishape[:axis] + ishape[axis + 1:]
    if len(ishape) != len(rest) or any(a is not None and b is not None and a != b
                                       for a, b in zip(ishape, rest)):
        raise MXNetError('pick: index shape %s is inconsistent with data shape %s (axis %d); '
                         'expected %s' % (tuple(index.shape.as_list()), tuple(shape), axis,
                                          tuple(rest)))
    idx = _clip_or_wrap(_int_index(index), _dim(data, axis), p.mode)
    # Move the picked axis last and gather one element per row.
    perm = [i for i in range(ndim) if i != axis] + [axis]
    moved = tf.transpose(data, perm) if axis != ndim - 1 else data
    out = _pick_last(moved, idx) if moved.dtype.is_floating else tf.squeeze(
        tf.gather(moved, tf.expand_dims(idx, -1), axis=ndim - 1, batch_dims=ndim - 1), -1)
    if p.keepdims:
        out = tf.expand_dims(out, axis)
    return out


def _nd_index(indices, data_shape, m):
    """(…, M) integer index tuples from MXNet's (M, …) layout; negative entries count from the
    end of their dimension."""
    idx = _int_index(indices)
    rank = len(indices.shape)
    if rank > 1:
        idx = tf.transpose(idx, list(range(1, rank)) + [0])
    else:
        idx = tf.reshape(idx, [m])
    dims = tf.constant(list(data_shape[:m]), dtype=idx.dtype) \
        if all(d is not None for d in data_shape[:m]) else None
    if dims is not None:
        idx = tf.where(idx < 0, idx + dims, idx)
    return idx


@op('gather_nd', infer_types=_data_type_from_output)
def gather_nd(ctx, p, data, indices):
    """out[y_0..y_{K-1}, x_M..] = data[indices[0, y..], .., indices[M-1, y..], x_M..]; out shape
    indices.shape[1:] + data.shape[M:]. Gradient accumulates repeated indices."""
    ishape = indices.shape.as_list()
    dshape = data.shape.as_list()
    if not ishape:
        raise MXNetError('gather_nd: indices must have at least one dimension')
    m = ishape[0]
    if m is None or m > len(dshape):
        raise MXNetError('gather_nd: indices.shape[0] (%s) must be known and <= data.ndim (%d)'
                         % (m, len(dshape)))
    return tf.gather_nd(data, _nd_index(indices, dshape, m))


def _scatter_nd_infer_inputs(p, ins, outs):
    idx = ins[1]
    if idx is not None and ins[0] is None and len(idx) >= 1 and idx[0] is not None:
        ins[0] = tuple(idx[1:]) + tuple(p.shape[idx[0]:])
    return ins


@op('scatter_nd', infer_inputs=_scatter_nd_infer_inputs, infer_types=_data_type_from_output)
def scatter_nd(ctx, p, data, indices):
    """Zeros of ``shape`` with data written at the (M, …) index tuples -- the inverse of
    gather_nd. Duplicate indices are assigned, not summed (MXNet: undefined which one wins)."""
    ishape = indices.shape.as_list()
    shape = list(p.shape)
    if not ishape or ishape[0] is None or ishape[0] > len(shape):
        raise MXNetError('scatter_nd: indices.shape[0] must be known and <= len(shape)=%d, got '
                         'indices of shape %s' % (len(shape), tuple(ishape)))
    m = ishape[0]
    want = ishape[1:] + shape[m:]
    got = data.shape.as_list()
    if len(got) != len(want) or any(a is not None and b is not None and a != b
                                    for a, b in zip(got, want)):
        raise MXNetError('scatter_nd: data shape %s does not match indices.shape[1:] + '
                         'shape[M:] = %s' % (tuple(got), tuple(want)))
    idx = _nd_index(indices, shape, m)
    return tf.tensor_scatter_nd_update(tf.zeros(shape, data.dtype), idx, data)


@op('one_hot', inputs=['indices'])
def one_hot(ctx, p, indices):
    """Append a ``depth`` axis: on_value at the index, off_value elsewhere; an index outside
    [0, depth) gives an all-off row. on/off values are cast to ``dtype`` (truncating)."""
    if p.depth < 0:
        raise MXNetError('one_hot: depth must be non-negative, got %d' % p.depth)
    idx = _int_index(indices)
    hot = tf.one_hot(idx, p.depth, on_value=True, off_value=False, dtype=tf.bool)
    dtype = tf.as_dtype(p.dtype)
    on = tf.constant(p.on_value, tf.float64)
    off = tf.constant(p.off_value, tf.float64)
    return tf.where(hot, tf.cast(on, dtype), tf.cast(off, dtype))


# -- ordering -------------------------------------------------------------------------------------

def _order_key(x, ascending):
    """A tensor whose descending top_k order is x's requested order (ties: lower index first)."""
    if not ascending:
        return x
    if x.dtype.is_unsigned:
        return tf.bitwise.invert(x)
    if x.dtype == tf.bool:
        return tf.logical_not(x)
    return -x


def _move_last(x, axis):
    ndim = len(x.shape)
    if axis == ndim - 1:
        return x, None
    perm = [i for i in range(ndim) if i != axis] + [axis]
    inv = [0] * ndim
    for i, j in enumerate(perm):
        inv[j] = i
    return tf.transpose(x, perm), inv


def _top(x, axis, k, ascending):
    """(values, int32 indices) of the k first elements along ``axis`` in the requested order;
    ``axis`` None works on the flattened input. Values keep their gradient."""
    if axis is None:
        x = tf.reshape(x, [-1])
        axis = 0
    moved, inv = _move_last(x, axis)
    key = _order_key(moved, ascending)
    if key is moved or x.dtype.is_floating:
        vals, idx = tf.math.top_k(key, k=k, sorted=True)
        if ascending:
            vals = -vals
    else:
        _, idx = tf.math.top_k(key, k=k, sorted=True)
        vals = tf.gather(moved, idx, batch_dims=len(moved.shape) - 1)
    if inv is not None:
        vals = tf.transpose(vals, inv)
        idx = tf.transpose(idx, inv)
    return vals, idx


def _sort_axis(p, x, name):
    if p.axis is None:
        return None
    return _norm_axis(p.axis, len(x.shape), name)


def _axis_len(x, axis):
    if axis is None:
        n = x.shape.num_elements()
        return n if n is not None else tf.size(x)
    return _dim(x, axis)


def _topk_num_outputs(p):
    return 2 if p.ret_typ in ('value', 'both') else 1


def _topk_outputs(p):
    if p.ret_typ == 'both':
        return ['output0', 'output1']
    if p.ret_typ == 'value':
        return ['output0']
    return ['output']


def _topk_types(p, ins, outs):
    if ins[0] is None and p.ret_typ in ('value', 'both', 'mask') and outs and outs[0]:
        ins[0] = outs[0]
    return ins


def _topk_mask(data, axis, idx):
    """0/1 tensor of data's shape marking ``idx`` (from :func:`_top`) along ``axis`` (None:
    the flattened data), scattered in memory linear in data's size -- a one-hot per selected
    element would take k * n."""
    if axis is None:
        rows = tf.reshape(idx, [1, -1])
        n = tf.size(data)
    else:
        moved, _ = _move_last(idx, axis)
        rows = tf.reshape(moved, [-1, tf.shape(moved)[-1]])     # (rows, k)
        n = tf.shape(data)[axis]
    offsets = tf.range(tf.shape(rows)[0]) * n
    flat = tf.reshape(rows + offsets[:, None], [-1, 1])
    hits = tf.scatter_nd(flat, tf.ones([tf.shape(flat)[0]], tf.int32), [tf.size(data)])
    if axis is None:
        return tf.cast(tf.reshape(hits, tf.shape(data)), data.dtype)
    moved_data, inv = _move_last(data, axis)
    mask = tf.reshape(hits, tf.shape(moved_data))
    if inv is not None:
        mask = tf.transpose(mask, inv)
    return tf.cast(mask, data.dtype)


@op('topk', outputs=_topk_outputs, num_outputs=_topk_num_outputs, infer_types=_topk_types)
def topk(ctx, p, data):
    """The k largest (smallest with is_ascend) elements along ``axis`` (None: flattened).

    ret_typ 'indices' (default): indices as ``dtype``; 'value': values (+ hidden indices);
    'both': values and indices; 'mask': a 0/1 tensor of data's shape marking the selected
    elements. k < 1 selects the whole axis. Only values carry a gradient.
    """
    if _rank_unknown(data):
        stand_in = data if p.ret_typ == 'mask' else tf.cast(data, p.dtype)
        return (data, stand_in) if p.ret_typ in ('value', 'both') else stand_in
    axis = _sort_axis(p, data, 'topk')
    n = _axis_len(data, axis)
    k = p.k
    if k < 1:
        k = n
    elif isinstance(n, int) and k > n:
        raise MXNetError('topk: k must be smaller than or equal to %d (the size of the axis), '
                         'got k = %d' % (n, k))
    vals, idx = _top(data, axis, k, p.is_ascend)
    if p.ret_typ == 'mask':
        return _topk_mask(data, axis, idx)
    indices = tf.cast(idx, p.dtype)
    if p.ret_typ == 'indices':
        return indices
    return vals, indices


def _hidden_two(p):
    return 2


@op('sort', outputs=['output0'], num_outputs=_hidden_two)
def sort(ctx, p, data):
    """Sorted values along ``axis`` (None: flattened), ascending by default. MXNet's second
    (hidden) output holds the float32 source indices."""
    if _rank_unknown(data):
        return data, tf.cast(data, tf.float32)
    axis = _sort_axis(p, data, 'sort')
    n = _axis_len(data, axis)
    vals, idx = _top(data, axis, n, p.is_ascend)
    return vals, tf.cast(idx, tf.float32)


@op('argsort')
def argsort(ctx, p, data):
    """Indices that sort ``axis`` (None: flattened), as ``dtype`` (float32 by default)."""
    if _rank_unknown(data):
        return tf.cast(data, p.dtype)
    axis = _sort_axis(p, data, 'argsort')
    n = _axis_len(data, axis)
    _, idx = _top(data, axis, n, p.is_ascend)
    return tf.cast(idx, p.dtype)


# -- argmax / argmin ------------------------------------------------------------------------------

def _arg_reduce(data, axis, keepdims, find_max, name):
    """First index of the max/min along ``axis`` (None: flattened, shape (1,)); a NaN wins,
    as in MXNet. The output has the input's dtype."""
    ndim = len(data.shape)
    x = data
    if axis is None:
        x = tf.reshape(data, [-1])
        ax = 0
    else:
        ax = _norm_axis(axis, ndim, name)
    fn = tf.math.argmax if find_max else tf.math.argmin
    idx = fn(x, axis=ax, output_type=tf.int64)
    if x.dtype.is_floating:
        nan = tf.math.is_nan(x)
        first_nan = tf.math.argmax(tf.cast(nan, tf.int32), axis=ax, output_type=tf.int64)
        idx = tf.where(tf.reduce_any(nan, axis=ax), first_nan, idx)
    out = tf.cast(idx, data.dtype)
    if axis is None:
        return tf.reshape(out, [1] * ndim if keepdims else [1])
    if keepdims:
        out = tf.expand_dims(out, ax)
    return out


@op('argmax')
def argmax(ctx, p, data):
    return _arg_reduce(data, p.axis, p.keepdims, True, 'argmax')


@op('argmin')
def argmin(ctx, p, data):
    return _arg_reduce(data, p.axis, p.keepdims, False, 'argmin')


@op('argmax_channel')
def argmax_channel(ctx, p, data):
    """argmax over axis 1 (the channel axis), without keepdims."""
    if len(data.shape) < 2:
        raise MXNetError('argmax_channel: data must have at least 2 dimensions')
    return _arg_reduce(data, 1, False, True, 'argmax_channel')


# ------------------------------------------------------------------------------------------------
# batch_take, ravel / unravel of multi-indices.

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


# ------------------------------------------------------------------------------------------------
# index_copy / index_array / boolean_mask (contrib).

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
    axes = list(range(nd)) if p.axes is None else [_check_axis(a, nd, 'axes', 'index_array')
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


# ------------------------------------------------------------------------------------------------
# The deprecated NDArray functions onehot_encode and fill_element_0index.

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
