"""Sparse storage: csr and row_sparse contents, conversions, and the ops' storage-type rules.

A csr array's content is a 2-D ``tf.sparse.SparseTensor`` (int64 (row, column) pairs in row-major
order, explicit zeros kept, as MXNet keeps them); a row_sparse array's content is a
``tf.IndexedSlices`` (ascending int64 row ids, those rows, the dense shape). Dense arrays are plain
tensors.

A storage rule, attached to an op with :func:`registry.storage_rule`, is called as
``rule(ctx, p, *inputs)`` when one of the inputs is sparse. It returns the op's output with the
storage type MXNet 1.9.1 gives it, computed from the sparse contents (time proportional to the
stored entries, not to the dense shape), or None where MXNet has no sparse kernel for that
combination: the caller then runs the dense lowering on dense copies and the result is dense,
which is MXNet's storage fallback.
"""
import numpy as np
import tensorflow as tf

# the op families whose ops get a rule below must be registered first
from . import binary as _binary, broadcast as _broadcast, elemwise as _elemwise  # noqa: F401
from . import loss as _loss, matmul as _matmul, reduce as _reduce  # noqa: F401
from . import scalar as _scalar, shape as _shape, tensor as _tensor  # noqa: F401
from .base import MXNetError
from .registry import get, lookup, op, storage_rule

CSR, RSP, DENSE = 'csr', 'row_sparse', 'default'


# -- contents -------------------------------------------------------------------------------------
def stype(x):
    """MXNet's storage type name of a content."""
    if isinstance(x, tf.sparse.SparseTensor):
        return CSR
    if isinstance(x, tf.IndexedSlices):
        return RSP
    return DENSE


def shape_of(x):
    """The dense shape of a content, as a tuple of ints."""
    if stype(x) == DENSE:
        return tuple(x.shape)
    return tuple(int(d) for d in tf.get_static_value(x.dense_shape))


def make_csr(coords, values, shape):
    """csr content from (nnz, 2) int64 (row, column) pairs and their values."""
    return tf.sparse.SparseTensor(tf.cast(tf.reshape(coords, [-1, 2]), tf.int64), values,
                                  tf.constant(shape, tf.int64))


def make_rsp(indices, values, shape):
    """row_sparse content from ascending row ids and their rows."""
    return tf.IndexedSlices(values, tf.cast(indices, tf.int64), tf.constant(shape, tf.int64))


def csr_from_parts(data, indices, indptr, shape):
    """csr content from MXNet's three arrays (data, column ids, row pointers). Entries past
    ``indptr[-1]`` are ignored, as MXNet ignores them."""
    indptr = tf.cast(indptr, tf.int64)
    nnz = indptr[-1]
    rows = tf.repeat(tf.range(shape[0], dtype=tf.int64), indptr[1:] - indptr[:-1])
    cols = tf.cast(indices, tf.int64)[:nnz]
    return make_csr(tf.stack([rows, cols], 1), data[:nnz], shape)


def rows_cols(x):
    """The row ids and the column ids of a csr content's entries (one op: eager slicing of the
    (nnz, 2) pairs costs more than the kernels using them)."""
    return tf.unstack(x.indices, 2, axis=1)


def csr_indptr(x):
    """MXNet's row pointers of a csr content (int64, rows + 1 entries)."""
    n = shape_of(x)[0]
    rows = rows_cols(x)[0]
    counts = tf.math.unsorted_segment_sum(tf.ones_like(rows), rows, n)
    return tf.concat([tf.zeros([1], tf.int64), tf.cumsum(counts)], 0)


def empty(kind, shape, dtype):
    """An all-zero csr or row_sparse content (nothing stored)."""
    if kind == CSR:
        return make_csr(tf.zeros([0, 2], tf.int64), tf.zeros([0], dtype), shape)
    return make_rsp(tf.zeros([0], tf.int64), tf.zeros((0,) + tuple(shape[1:]), dtype), shape)


def to_dense(x):
    """The dense tensor of any content."""
    kind = stype(x)
    if kind == DENSE:
        return x
    zeros = tf.zeros(shape_of(x), x.values.dtype)    # stored values are copied, -0.0 included
    if kind == CSR:
        return tf.tensor_scatter_nd_update(zeros, x.indices, x.values)
    return tf.tensor_scatter_nd_update(zeros, x.indices[:, None], x.values)


def dense_to_csr(t):
    """csr content storing the nonzero entries of a 2-D tensor."""
    if t.shape.rank != 2:
        raise MXNetError('cast_storage: csr storage needs a 2-D array, got shape %s'
                         % (tuple(t.shape),))
    coords = tf.where(tf.not_equal(t, tf.zeros([], t.dtype)))
    return make_csr(coords, tf.gather_nd(t, coords), tuple(t.shape))


def dense_to_rsp(t):
    """row_sparse content storing the rows of a tensor that have a nonzero."""
    shape = tuple(t.shape)
    if not shape:
        raise MXNetError('cast_storage: row_sparse storage needs at least one dimension')
    flat = tf.reshape(t, [shape[0], int(np.prod(shape[1:], dtype=np.int64))])
    rows = tf.where(tf.reduce_any(tf.not_equal(flat, tf.zeros([], t.dtype)), axis=1))[:, 0]
    return make_rsp(rows, tf.gather(t, rows), shape)


def cast(x, target):
    """``cast_storage``: the content ``x`` in storage type ``target``."""
    kind = stype(x)
    if target not in (DENSE, CSR, RSP):
        raise MXNetError("cast_storage: unknown storage type %r (expected 'default', 'csr' or "
                         "'row_sparse')" % (target,))
    if target == kind:
        return x
    if target == DENSE:
        return to_dense(x)
    if kind != DENSE:
        raise MXNetError('cast_storage: cannot cast %s storage to %s directly (cast to '
                         "'default' first)" % (kind, target))
    if target == CSR:
        return dense_to_csr(x)
    return dense_to_rsp(x)


def map_values(x, fn):
    """A sparse content with ``fn`` applied to its stored values (structure unchanged)."""
    if stype(x) == CSR:
        return tf.sparse.SparseTensor(x.indices, fn(x.values), x.dense_shape)
    return tf.IndexedSlices(fn(x.values), x.indices, x.dense_shape)


def rows_of(x, ids):
    """The rows ``ids`` of row_sparse content ``x`` (zero rows where ``x`` stores none)."""
    ids = tf.cast(tf.reshape(ids, [-1]), tf.int64)
    width = tuple(x.values.shape[1:])
    if x.indices.shape[0] == 0:
        return tf.zeros((int(ids.shape[0]),) + width, x.values.dtype)
    if x.indices.shape[0] == shape_of(x)[0]:    # every row stored: row i is at position i
        return tf.gather(x.values, ids)
    k = tf.shape(x.indices, out_type=tf.int64)[0]
    pos = tf.minimum(tf.searchsorted(x.indices, ids, out_type=tf.int64), k - 1)
    found = tf.equal(tf.gather(x.indices, pos), ids)
    rows = tf.gather(x.values, pos)
    return tf.where(tf.reshape(found, [-1] + [1] * len(width)), rows, tf.zeros_like(rows))


def retain(x, ids):
    """``_sparse_retain``: row_sparse content with exactly the rows ``ids`` of ``x``."""
    if stype(x) != RSP:
        raise MXNetError('_sparse_retain: data must be a row_sparse array, got %s storage'
                         % stype(x))
    ids = tf.cast(tf.reshape(ids, [-1]), tf.int64)
    return tf.IndexedSlices(rows_of(x, ids), ids, x.dense_shape)


def csr_rows(x, start, stop):
    """Rows ``start:stop`` of csr content ``x`` (MXNet's csr slicing)."""
    shape = shape_of(x)
    return _csr_window(x, (start, 0), (stop, shape[1]))


def _csr_window(x, begin, end):
    size = [max(e - b, 0) for b, e in zip(begin, end)]
    out = tf.sparse.slice(x, list(begin), size)
    return tf.sparse.SparseTensor(out.indices, out.values, tf.constant(size, tf.int64))


# -- kernels ----------------------------------------------------------------------------------
def _grouped(keys):
    """(order sorting ``keys``, their distinct values ascending, the group of each sorted key):
    one sort and one unique -- no search, which TF's CPU kernels make slow."""
    order = tf.argsort(keys, stable=True)
    uniq, seg = tf.unique(tf.gather(keys, order), out_idx=tf.int64)
    return order, uniq, seg


def _segment_sum(vals, seg):
    """Sums over sorted segments, accumulated from zero as MXNet's kernels do (a lone -0.0
    sums to +0.0)."""
    return tf.math.segment_sum(vals, seg) + tf.zeros([], vals.dtype)


def _sum_by_key(keys, vals):
    """(distinct keys ascending, the sum of ``vals`` over each)."""
    order, uniq, seg = _grouped(keys)
    return uniq, _segment_sum(tf.gather(vals, order), seg)


def _keys(x):
    """Row-major linear positions of csr entries."""
    rows, cols = rows_cols(x)
    return rows * shape_of(x)[1] + cols


def _csr_union(a, b, sign):
    """csr a + sign * b: the union of the two structures (coinciding entries summed)."""
    ncol = shape_of(a)[1]
    keys = tf.concat([_keys(a), _keys(b)], 0)
    vals = tf.concat([a.values, b.values * tf.cast(sign, b.values.dtype)], 0)
    uniq, summed = _sum_by_key(keys, vals)
    return make_csr(tf.stack([uniq // ncol, uniq % ncol], 1), summed, shape_of(a))


def _csr_intersect_mul(a, b):
    """csr a * b: the entries both store."""
    a, b = tf.sparse.reorder(a), tf.sparse.reorder(b)
    ka, kb = _keys(a), _keys(b)
    if kb.shape[0] == 0:
        return empty(CSR, shape_of(a), a.values.dtype)
    pos = tf.minimum(tf.searchsorted(kb, ka, out_type=tf.int64),
                     tf.size(kb, out_type=tf.int64) - 1)
    found = tf.equal(tf.gather(kb, pos), ka)
    vals = tf.boolean_mask(a.values * tf.gather(b.values, pos), found)
    return make_csr(tf.boolean_mask(a.indices, found), vals, shape_of(a))


def _rsp_union(items, signs):
    """Sum of row_sparse contents over the union of their rows."""
    ids = tf.concat([x.indices for x in items], 0)
    vals = tf.concat([x.values * tf.cast(s, x.values.dtype) for x, s in zip(items, signs)], 0)
    uniq, summed = _sum_by_key(ids, vals)
    return make_rsp(uniq, summed, shape_of(items[0]))


def _true(value):
    return str(value) in ('True', 'true', '1')


def sparse_grad_weights(order):
    """Names of the variables whose gradient MXNet 1.9.1 stores row_sparse: those read only as
    the weight of ``Embedding(sparse_grad=True)`` or ``_contrib_SparseEmbedding`` (a weight
    also read by another op gets a dense gradient in MXNet). ``order``: the graph's nodes."""
    lookup, other = set(), set()
    for node in order:
        sparse = node.op == '_contrib_SparseEmbedding' or \
            (node.op == 'Embedding' and _true(node.attrs.get('sparse_grad', False)))
        for j, (src, _) in enumerate(node.inputs):
            if src.is_variable:
                (lookup if sparse and j == 1 else other).add(src.name)
    return lookup - other


def _dense_at(d, coords, shape):
    """Values of dense ``d`` broadcast to 2-D ``shape``, at (row, column) ``coords``; None when
    ``d`` does not broadcast to ``shape``."""
    ds = (1,) * (2 - len(d.shape)) + tuple(d.shape)
    if len(ds) != 2 or any(x not in (1, s) for x, s in zip(ds, shape)):
        return None
    d = tf.reshape(d, ds)
    rows = coords[:, 0] if ds[0] != 1 else tf.zeros_like(coords[:, 0])
    cols = coords[:, 1] if ds[1] != 1 else tf.zeros_like(coords[:, 1])
    return tf.gather_nd(d, tf.stack([rows, cols], 1))


def _csr_t_dot(c, d):
    """csr.T . (dense or row_sparse) -> row_sparse over the columns ``c`` stores (MXNet's rows
    of the output)."""
    rows, cols = rows_cols(c)
    order, uniq, seg = _grouped(cols)
    rows = tf.gather(rows, order)
    picked = rows_of(d, rows) if stype(d) == RSP else tf.gather(d, rows)
    contrib = tf.gather(c.values, order)[:, None] * picked
    return make_rsp(uniq, _segment_sum(contrib, seg), (shape_of(c)[1], shape_of(d)[1]))


def _csr_dot_rsp(c, r, n_out):
    """csr . row_sparse -> dense, touching only the stored entries."""
    rows, cols = rows_cols(c)
    contrib = c.values[:, None] * rows_of(r, cols)
    return tf.math.unsorted_segment_sum(contrib, rows, n_out)


def _dense_dot_csr(d, c, tb):
    """dense . csr (csr.T with ``tb``) -> csr storing, in every row, the columns the csr operand
    has entries in (MXNet's output structure)."""
    prod = tf.transpose(tf.sparse.sparse_dense_matmul(c, d, adjoint_a=not tb, adjoint_b=True))
    keep = _grouped(rows_cols(c)[0 if tb else 1])[1]
    m, k = int(prod.shape[0]), tf.size(keep, out_type=tf.int64)
    rows = tf.repeat(tf.range(m, dtype=tf.int64), k)
    cols = tf.tile(keep, [m])
    vals = tf.reshape(tf.gather(prod, keep, axis=1), [-1])
    return make_csr(tf.stack([rows, cols], 1), vals, tuple(prod.shape))


# -- storage rules ------------------------------------------------------------------------------
@storage_rule('cast_storage', dense_inputs=True)
def _cast_storage_rule(ctx, p, data):
    return cast(data, p.stype)


def _dot_kernel(p, lhs, rhs):
    ls, rs = stype(lhs), stype(rhs)
    ta, tb = p.transpose_a, p.transpose_b
    if ls == CSR and rs == DENSE and rhs.shape.rank == 2:
        if ta and not tb:
            return _csr_t_dot(lhs, rhs)
        return tf.sparse.sparse_dense_matmul(lhs, rhs, adjoint_a=ta, adjoint_b=tb)
    if ls == CSR and rs == RSP and not tb and len(shape_of(rhs)) == 2:
        return _csr_t_dot(lhs, rhs) if ta else _csr_dot_rsp(lhs, rhs, shape_of(lhs)[0])
    if ls == DENSE and rs == CSR and lhs.shape.rank == 2 and not ta:
        return _dense_dot_csr(lhs, rhs, tb)
    if ls == DENSE and rs == RSP and lhs.shape.rank == 2 and not tb and len(shape_of(rhs)) == 2:
        picked = tf.gather(lhs, rhs.indices, axis=0 if ta else 1)
        return tf.matmul(picked, rhs.values, transpose_a=ta)
    if ls == RSP and rs == DENSE and rhs.shape.rank == 2 and not tb and len(shape_of(lhs)) == 2:
        if ta:
            return tf.matmul(lhs.values, tf.gather(rhs, lhs.indices), transpose_a=True)
        return tf.scatter_nd(lhs.indices[:, None], tf.matmul(lhs.values, rhs),
                             (shape_of(lhs)[0], int(rhs.shape[1])))
    return None


def _check_dot_shapes(p, lhs, rhs):
    ls, rs = shape_of(lhs), shape_of(rhs)
    if len(ls) == 2 and len(rs) == 2:
        inner_l = ls[0] if p.transpose_a else ls[1]
        inner_r = rs[1] if p.transpose_b else rs[0]
        if inner_l != inner_r:
            raise MXNetError('dot: shapes %s%s and %s%s do not fit (%d vs %d)'
                             % (ls, '.T' if p.transpose_a else '', rs,
                                '.T' if p.transpose_b else '', inner_l, inner_r))


def _check_same_shape(name, lhs, rhs):
    if shape_of(lhs) != shape_of(rhs):
        raise MXNetError('%s: operands of shapes %s and %s differ'
                         % (name, shape_of(lhs), shape_of(rhs)))


@storage_rule('dot')
def _dot_rule(ctx, p, lhs, rhs):
    _check_dot_shapes(p, lhs, rhs)
    out = _dot_kernel(p, lhs, rhs)
    forced = p.forward_stype
    if forced in (None, 'None'):
        return out
    if out is None:
        out = get('dot').lower(ctx, p, to_dense(lhs), to_dense(rhs))
    return cast(to_dense(out), forced)


def _add_rule(sign):
    def rule(ctx, p, lhs, rhs):
        ls, rs = stype(lhs), stype(rhs)
        _check_same_shape('elemwise_add' if sign > 0 else 'elemwise_sub', lhs, rhs)
        if ls == rs == CSR:
            if sign < 0 and lhs is rhs:    # x - x: MXNet stores nothing
                return empty(CSR, shape_of(lhs), lhs.values.dtype)
            return _csr_union(lhs, rhs, sign)
        if ls == rs == RSP:
            return _rsp_union([lhs, rhs], [1, sign])
        return None
    return rule


storage_rule('elemwise_add')(_add_rule(1))
storage_rule('elemwise_sub')(_add_rule(-1))


def _times_dense(sp, d, fn):
    """sparse (op) dense keeping the sparse structure; None if ``d`` does not fit."""
    if stype(sp) == CSR:
        at = _dense_at(d, sp.indices, shape_of(sp))
        if at is None:
            return None
        return tf.sparse.SparseTensor(sp.indices, fn(sp.values, at), sp.dense_shape)
    if tuple(d.shape) != shape_of(sp):
        return None
    return tf.IndexedSlices(fn(sp.values, tf.gather(d, sp.indices)), sp.indices, sp.dense_shape)


@storage_rule('elemwise_mul')
def _mul_rule(ctx, p, lhs, rhs):
    ls, rs = stype(lhs), stype(rhs)
    if ls == rs == DENSE:
        return None
    _check_same_shape('elemwise_mul', lhs, rhs)
    if ls == rs == CSR:
        return _csr_intersect_mul(lhs, rhs)
    if ls == rs == RSP:
        ids = _grouped(tf.concat([lhs.indices, rhs.indices], 0))[1]
        return make_rsp(ids, rows_of(lhs, ids) * rows_of(rhs, ids), shape_of(lhs))
    if rs == DENSE:
        return _times_dense(lhs, rhs, tf.multiply)
    if ls == DENSE:
        return _times_dense(rhs, lhs, lambda s, d: d * s)
    return None


def _broadcast_rule(fn, div):
    """csr (*, /) a dense array broadcast to its shape -> csr (MXNet's kernels take the csr on
    the left only; dividing by a dense array of the csr's own shape is refused, as in MXNet)."""
    def rule(ctx, p, lhs, rhs):
        if stype(lhs) != CSR or stype(rhs) != DENSE:
            return None
        if div and tuple(rhs.shape) == shape_of(lhs):
            raise MXNetError('broadcast_div: use elemwise_div to divide a csr array by a dense '
                             'array of the same shape %s' % (shape_of(lhs),))
        return _times_dense(lhs, rhs, fn)
    return rule


storage_rule('broadcast_mul')(_broadcast_rule(tf.multiply, False))
storage_rule('broadcast_div')(_broadcast_rule(tf.divide, True))


@storage_rule('add_n')
def _add_n_rule(ctx, p, *items):
    for x in items[1:]:
        _check_same_shape('add_n', items[0], x)
    if all(stype(x) == RSP for x in items):
        return _rsp_union(list(items), [1] * len(items))
    return None


def _axis_of(p, ndim):
    """The single reduced axis of a reduce op's params (None: every axis)."""
    axis = p.axis
    if axis is None or (isinstance(axis, tuple) and not axis):
        return None
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    if len(axes) != 1 or p.exclude:
        return 'other'
    return int(axes[0]) % ndim


def _square_sum_dense(ctx, p, data):
    return get('sum').lower(ctx, p, tf.square(data))


@op('_square_sum')
def square_sum(ctx, p, data):
    """Sum of squares over ``axis`` (what MXNet's optimizers use for row_sparse norms)."""
    return _square_sum_dense(ctx, p, data)


@storage_rule('_square_sum', dense_inputs=True)
def _square_sum_rule(ctx, p, data):
    """MXNet 1.9.1 runs _square_sum on row_sparse arrays only (eagerly; graphs are dense)."""
    if stype(data) != RSP or len(shape_of(data)) != 2:
        raise MXNetError('_square_sum: takes a 2-D row_sparse array, got %s storage of shape %s'
                         % (stype(data), shape_of(data)))
    axis = _axis_of(p, 2)
    if axis is None:
        raise MXNetError('_square_sum: a row_sparse input needs axis=0 or axis=1')
    if axis == 'other':
        return None
    sq = tf.square(data.values)
    if axis == 0:
        return tf.reduce_sum(sq, axis=0, keepdims=p.keepdims)
    sums = tf.reduce_sum(sq, axis=1)
    n = shape_of(data)[0]
    if p.keepdims:
        return make_rsp(data.indices, sums[:, None], (n, 1))
    return tf.scatter_nd(data.indices[:, None], sums, (n,))


def _getnnz_axis(p):
    if p.axis not in (None, 0, 1):
        raise MXNetError('_contrib_getnnz: unexpected value for axis (%s); candidates are None, '
                         '0 and 1' % (p.axis,))
    if p.axis == 0:
        raise MXNetError('_contrib_getnnz: axis=0 is not supported (nor is it in MXNet 1.9.1)')
    return p.axis


@op('_contrib_getnnz')
def contrib_getnnz(ctx, p, data):
    """Stored entries of a 2-D csr array (axis None: int64 (1,)), or per row (axis=1): see the
    storage rule. Graphs run on dense values (MXNet 1.9.1 refuses a dense input): there the
    nonzero values are counted, and shape inference gives MXNet's shapes."""
    axis = _getnnz_axis(p)
    nz = tf.cast(tf.not_equal(data, tf.zeros([], data.dtype)), tf.int64)
    return tf.reshape(tf.reduce_sum(nz), [1]) if axis is None else tf.reduce_sum(nz, axis=1)


@storage_rule('_contrib_getnnz', dense_inputs=True)
def _getnnz_rule(ctx, p, data):
    """MXNet 1.9.1 counts the stored entries of csr arrays (explicit zeros too) and refuses other
    storage types, dense NDArrays included."""
    axis = _getnnz_axis(p)
    if stype(data) != CSR:
        raise MXNetError('_contrib_getnnz: takes a csr array, got %s storage' % stype(data))
    if axis is None:
        return tf.reshape(tf.size(data.values, out_type=tf.int64), [1])
    rows = shape_of(data)[0]
    return tf.math.bincount(data.indices[:, 0], minlength=rows, maxlength=rows, dtype=tf.int64)


def _reduce_rule(mean):
    """sum/mean of a 2-D csr or row_sparse array over one axis or all: dense, from the stored
    values only."""
    def rule(ctx, p, data):
        shape = shape_of(data)
        if stype(data) == DENSE or len(shape) != 2 or not data.values.dtype.is_floating:
            return None
        axis = _axis_of(p, 2)
        if axis == 'other':
            return None
        if axis is None:
            total = tf.reduce_sum(data.values)
            out = total / tf.cast(shape[0] * shape[1], total.dtype) if mean else total
            return tf.reshape(out, [1, 1] if p.keepdims else [1])
        if stype(data) == RSP:
            if axis == 0:
                out = tf.reduce_sum(data.values, axis=0)
            else:
                out = tf.scatter_nd(data.indices[:, None], tf.reduce_sum(data.values, axis=1),
                                    (shape[0],))
        else:
            keep = rows_cols(data)[1 - axis]
            out = tf.math.unsorted_segment_sum(data.values, keep, shape[1 - axis])
        if mean:
            out = out / tf.cast(shape[axis], out.dtype)
        if p.keepdims:
            out = tf.expand_dims(out, axis)
        return out
    return rule


storage_rule('sum')(_reduce_rule(False))
storage_rule('mean')(_reduce_rule(True))


@storage_rule('norm')
def _norm_rule(ctx, p, data):
    """The norm of a whole sparse array is that of its stored values (dense (1,) output)."""
    if stype(data) == DENSE or p.keepdims or p.axis not in (None, ()):
        return None
    return get('norm').lower(ctx, p, data.values)


@op('_sparse_retain')
def sparse_retain(ctx, p, data, indices):
    """Refused on dense data, as in MXNet: the rule below does the work on row_sparse data."""
    raise MXNetError('_sparse_retain: data must be a row_sparse array, got default storage')


@storage_rule('_sparse_retain', dense_inputs=True)
def _retain_rule(ctx, p, data, indices):
    return retain(data, to_dense(indices))


@storage_rule('zeros_like')
def _zeros_like_rule(ctx, p, data):
    if stype(data) == DENSE:
        return None
    return empty(stype(data), shape_of(data), data.values.dtype)


@storage_rule('slice')
def _slice_rule(ctx, p, data):
    """csr sliced by rows (and columns) -> csr; steps go the dense way."""
    if stype(data) != CSR or any(s not in (None, 1) for s in (p.step or ())):
        return None
    shape = shape_of(data)
    begin, end = [0, 0], list(shape)
    for i, (b, e) in enumerate(zip(p.begin, p.end)):
        b = 0 if b is None else (b + shape[i] if b < 0 else b)
        e = shape[i] if e is None else (e + shape[i] if e < 0 else e)
        begin[i], end[i] = min(max(b, 0), shape[i]), min(max(e, 0), shape[i])
    return _csr_window(data, begin, end)


@storage_rule('Concat')
def _concat_rule(ctx, p, *items):
    if p.dim != 0 or not all(stype(x) == CSR for x in items):
        return None
    return tf.sparse.concat(0, list(items))


def _value_rule(name):
    lower = lookup(name).lower

    def rule(ctx, p, data):
        if stype(data) == DENSE:
            return None
        return map_values(data, lambda v: lower(ctx, p, v))
    return rule


# ops f with f(0) == 0 that MXNet 1.9.1 runs on the stored values only, keeping the storage type
VALUE_OPS = ('abs', 'sign', 'relu', 'sqrt', 'square', 'negative', 'sin', 'tan', 'tanh', 'sinh',
             'arcsin', 'arctan', 'arcsinh', 'arctanh', 'floor', 'ceil', 'rint', 'round',
             'trunc', 'fix', 'expm1', 'log1p', 'degrees', 'radians', 'cbrt', 'clip',
             '_mul_scalar', '_div_scalar', 'BlockGrad', '_contrib_round_ste',
             '_contrib_sign_ste')
for _name in VALUE_OPS:
    storage_rule(_name)(_value_rule(_name))


def canonical(x):
    """csr content in row-major order with coinciding entries summed (scipy's COO -> CSR)."""
    return _csr_union(x, empty(CSR, shape_of(x), x.values.dtype), 1)


def slices_to_rsp(d, shape):
    """row_sparse content of a gradient TF gives as ``tf.IndexedSlices`` (a gather's: row ids
    unsorted and repeated) -- ascending ids, repeated rows summed, every id touched kept."""
    x = tf.IndexedSlices(d.values, tf.cast(d.indices, tf.int64), tf.constant(shape, tf.int64))
    return _rsp_union([x], [1])


def accumulate(prev, d):
    """Gradient ``prev`` (None, a tensor or tf.IndexedSlices) plus ``d``: IndexedSlices stay
    sparse while both are (concatenated), else the sum is dense."""
    if prev is None:
        return d
    if isinstance(prev, tf.IndexedSlices) and isinstance(d, tf.IndexedSlices):
        return tf.IndexedSlices(tf.concat([prev.values, d.values], 0),
                                tf.concat([tf.cast(prev.indices, tf.int64),
                                           tf.cast(d.indices, tf.int64)], 0), prev.dense_shape)
    return tf.convert_to_tensor(prev) + tf.convert_to_tensor(d)
