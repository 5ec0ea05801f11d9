"""Shape-manipulation ops: Reshape (MXNet's special codes), Flatten.

Reshape's codes, applied left to right over the input dims (right to left with ``reverse``):
0 copies a dim, -1 infers one dim, -2 copies all remaining dims, -3 merges two dims, -4 splits one
dim into the next two target values (one may be -1).

Also here: ``_rnn_param_concat`` (hybridized Gluon RNN layers) completes the one or two inputs
whose concat-axis size is unknown (the first layer's i2h weights, input size 0) from the output
size; ``reshape_like`` gives no gradient to its shape input; ``_slice_assign(_scalar)``.
"""
import numpy as np
import tensorflow as tf

from .base import MXNetError
from . import layout as _layout
from .registry import op
from .dims import check_axis as _norm_axis, dims as _dims, prod as _prod


def _is_static(d):
    return isinstance(d, int)


def reshape_shape(dshape, target, reverse=False, dynamic=False):
    """The output shape of MXNet's Reshape for input ``dshape``; None dims stay unknown.

    With ``dynamic=True`` the dims may be scalar tensors (the runtime shape) and the dim to
    infer is returned as -1 for tf.reshape. A -1 next to unknown input dims is still deduced
    statically when those unknown dims are copied unchanged (code 0 / -2): (None, 2, 3) with
    (0, -1) gives (None, 6).
    """
    src = list(dshape)
    tgt = list(target)
    if reverse:
        src.reverse()
        tgt.reverse()
    out = []
    copy_of = []      # for each output dim: the input dim it copies unchanged, else None
    si = 0
    inf = -1
    i = 0
    while i < len(tgt):
        d = tgt[i]
        if d == 0:
            if si >= len(src):
                raise MXNetError('Reshape: code 0 at position %d has no input dim to copy '
                                 '(input shape %s, shape=%s)' % (i, tuple(dshape), tuple(target)))
            out.append(src[si])
            copy_of.append(si)
            si += 1
        elif d == -1:
            if inf >= 0:
                raise MXNetError('Reshape: one and only one dim can be inferred (shape=%s)'
                                 % (tuple(target),))
            inf = len(out)
            out.append(1)
            copy_of.append(None)
            si += 1
        elif d == -2:
            out.extend(src[si:])
            copy_of.extend(range(si, len(src)))
            si = len(src)
        elif d == -3:
            if si + 1 >= len(src):
                raise MXNetError('Reshape: code -3 needs two input dims (input shape %s, '
                                 'shape=%s)' % (tuple(dshape), tuple(target)))
            a, b = src[si], src[si + 1]
            out.append(None if a is None or b is None else a * b)
            copy_of.append(None)
            si += 2
        elif d == -4:
            if i + 2 >= len(tgt) or si >= len(src):
                raise MXNetError('Reshape: code -4 needs two following values (shape=%s)'
                                 % (tuple(target),))
            d0 = src[si]
            si += 1
            d1, d2 = tgt[i + 1], tgt[i + 2]
            i += 2
            if d1 == -1 and d2 == -1:
                raise MXNetError('Reshape: split dims cannot both be -1')
            if d0 is not None:
                if d1 == -1:
                    d1 = d0 // d2
                if d2 == -1:
                    d2 = d0 // d1
                if _is_static(d0) and _is_static(d1) and _is_static(d2) and d1 * d2 != d0:
                    raise MXNetError('Reshape: split dims %d, %d do not divide original dim %d'
                                     % (d1, d2, d0))
            out.extend([None if _is_static(d1) and d1 == -1 else d1,
                        None if _is_static(d2) and d2 == -1 else d2])
            copy_of.extend([None, None])
        elif d is None or d < -4:
            raise MXNetError('Reshape: invalid code %r in shape=%s' % (d, tuple(target)))
        else:
            out.append(d)
            copy_of.append(None)
            si += 1
        i += 1
    if inf >= 0:
        if dynamic:
            out[inf] = -1
        else:
            unknown_src = {j for j, x in enumerate(src) if x is None}
            kept = {copy_of[j] for j in range(len(out)) if j != inf and copy_of[j] is not None}
            others = [j for j in range(len(out)) if j != inf and copy_of[j] not in unknown_src]
            if unknown_src <= kept and all(out[j] is not None for j in others):
                # unknown input dims reappear unchanged: they cancel out of the -1
                total = _prod(x for j, x in enumerate(src) if j not in unknown_src)
                for j in unknown_src:
                    hits = [k for k in range(len(out)) if k != inf and copy_of[k] == j]
                    if len(hits) != 1:
                        total = None
                if total is None:
                    out[inf] = None
                else:
                    rest = _prod(out[j] for j in others)
                    if rest == 0 or total % rest:
                        raise MXNetError('Reshape: cannot infer -1 in shape=%s from input shape '
                                         '%s' % (tuple(target), tuple(dshape)))
                    out[inf] = total // rest
            else:
                out[inf] = None
    if reverse:
        out.reverse()
    return tuple(out)


def reshape_params_shape(p, dshape):
    if p.shape:
        return reshape_shape(dshape, p.shape, p.reverse)
    if p.target_shape:
        out = list(p.target_shape)
        start = 1 if p.keep_highest else 0
        if p.keep_highest:
            out[0] = dshape[0]
        zeros = [j for j in range(start, len(out)) if out[j] == 0]
        if len(zeros) == 1:
            out[zeros[0]] = 1
            out[zeros[0]] = _prod(dshape) // _prod(out)
        return tuple(out)
    raise MXNetError('Reshape needs a shape')


def _check_size(dshape, oshape):
    if None not in dshape and None not in oshape and _prod(dshape) != _prod(oshape):
        raise MXNetError('Reshape: target shape %s has size %d, different from the input %s '
                         '(size %d)' % (oshape, _prod(oshape), dshape, _prod(dshape)))


def _reshape_infer_inputs(p, ins, outs):
    """MXNet's reverse inference: one unknown input dim follows from a known output's size."""
    data, out = ins[0], outs[0] if outs else None
    if data is None or out is None or None in out:
        return ins
    unknown = [i for i, d in enumerate(data) if d is None]
    if len(unknown) == 1:
        known = _prod(d for d in data if d is not None)
        if known and _prod(out) % known == 0:
            filled = list(data)
            filled[unknown[0]] = _prod(out) // known
            ins[0] = tuple(filled)
    return ins


@op('Reshape', infer_inputs=_reshape_infer_inputs, nan_propagates=True)
def reshape(ctx, p, data):
    dshape = tuple(data.shape.as_list())
    oshape = reshape_params_shape(p, dshape)
    _check_size(dshape, oshape)
    if None not in oshape:
        return tf.reshape(data, oshape)
    if p.shape:
        dims = _dims(data)
        dyn = reshape_shape(dims, p.shape, p.reverse, dynamic=True)
        dyn = [o if o is not None else d for o, d in zip(oshape, dyn)]
    else:
        dyn = [-1 if d is None else d for d in oshape]
    out = tf.reshape(data, tf.stack(dyn) if any(not isinstance(d, int) for d in dyn) else dyn)
    return tf.ensure_shape(out, oshape) if sum(d is None for d in oshape) else out


@op('Flatten', nan_propagates=True)
def flatten(ctx, p, data):
    shape = data.shape.as_list()
    if len(shape) == 0:
        return tf.reshape(data, [1, 1])
    rest = shape[1:]
    if None in rest:
        return tf.reshape(data, tf.stack([tf.shape(data)[0], -1]))
    return tf.reshape(data, [-1 if shape[0] is None else shape[0], _prod(rest)])


# ------------------------------------------------------------------------------------------------
# Helpers shared by the ops below.

def _shape(x):
    """Static shape as a list (None for unknown dims)."""
    return x.shape.as_list()


def _data_type_from_out(p, ins, outs):
    """The first input shares the output's dtype; the second only lends its shape."""
    ins = list(ins)
    if ins[0] is None:
        ins[0] = outs[0]
    return ins


def _merge_dim(a, b, what):
    if a is None:
        return b
    if b is None or a == b:
        return a
    raise MXNetError('%s: incompatible dims %d vs %d' % (what, a, b))


# ------------------------------------------------------------------------------------------------
# Axis permutations and insertion/removal of unit axes.

@op('transpose', nan_propagates=True)
def transpose(ctx, p, data):
    """Permute axes; no ``axes`` reverses them. Negative axes are rejected, as in MXNet."""
    nd = data.shape.rank
    if not p.axes:
        return tf.transpose(data, list(range(nd))[::-1])
    axes = tuple(p.axes)
    if len(axes) != nd:
        raise MXNetError('transpose: axes=%s must list all %d axes of the input'
                         % (axes, nd))
    for a in axes:
        _norm_axis(a, nd, 'axes', 'transpose', allow_negative=False)
    if sorted(axes) != list(range(nd)):
        raise MXNetError('transpose: axes=%s is not a permutation' % (axes,))
    return tf.transpose(data, list(axes))


@op('expand_dims', nan_propagates=True)
def expand_dims(ctx, p, data):
    """Insert a unit axis at ``axis`` in [-ndim-1, ndim]."""
    nd = data.shape.rank
    a = p.axis + nd + 1 if p.axis < 0 else p.axis
    if not 0 <= a <= nd:
        raise MXNetError('expand_dims: axis must be in the range [%d, %d] (%d provided)'
                         % (-nd - 1, nd, p.axis))
    return tf.expand_dims(data, a)


@op('squeeze', nan_propagates=True)
def squeeze(ctx, p, data):
    """Drop unit axes (all of them, or ``axis``); squeezing everything leaves shape (1,)."""
    shape = _shape(data)
    nd = len(shape)
    if p.axis is None:
        axes = [i for i, d in enumerate(shape) if d == 1]
    else:
        axes = sorted(set(_norm_axis(a, nd, 'axis', 'squeeze') for a in p.axis))
        for a in axes:
            if shape[a] is not None and shape[a] != 1:
                raise MXNetError('squeeze: cannot select an axis to squeeze out which has '
                                 'size=%d not equal to one (axis %d)' % (shape[a], a))
    if not axes:
        return tf.identity(data)
    out = tf.squeeze(data, axes)
    if len(axes) == nd:
        out = tf.reshape(out, [1])
    return out


@op('SwapAxis')
def swap_axis(ctx, p, data):
    """Exchange two axes (negative axes allowed; dim1 == dim2 is the identity)."""
    nd = data.shape.rank
    a = _norm_axis(p.dim1, nd, 'dim1', 'SwapAxis')
    b = _norm_axis(p.dim2, nd, 'dim2', 'SwapAxis')
    perm = list(range(nd))
    perm[a], perm[b] = perm[b], perm[a]
    return tf.transpose(data, perm) if a != b else tf.identity(data)


# ------------------------------------------------------------------------------------------------
# Joining and splitting.

def concat_shapes(p, ins, outs, what):
    """-> (axis, input shapes with the dims all concatenated inputs share filled in): every
    input takes the common non-axis dims; its own axis size is never deduced here."""
    known = [s for s in list(ins) + [outs[0] if outs else None] if s is not None]
    if not known:
        return None, ins
    nd = len(known[0])
    axis = _norm_axis(p.dim, nd, 'dim', what)
    common = [None] * nd
    for s in known:
        if len(s) != nd:
            raise MXNetError('%s: inputs have different numbers of dims (%s)'
                             % (what, ', '.join(str(tuple(k)) for k in known)))
        for i, d in enumerate(s):
            if i != axis:
                common[i] = _merge_dim(common[i], d, '%s (dim %d)' % (what, i))
    return axis, [tuple(common[i] if i != axis or s is None else s[i] for i in range(nd))
                  for s in ins]


def _concat_infer_inputs(p, ins, outs):
    """MXNet's ConcatShape (see concat_shapes)."""
    return concat_shapes(p, ins, outs, 'Concat')[1]


@op('Concat', infer_inputs=_concat_infer_inputs, nan_propagates=True)
def concat(ctx, p, *data):
    """Join inputs along ``dim``; all other dims must agree."""
    if not data:
        raise MXNetError('Concat needs at least one input')
    nd = data[0].shape.rank
    axis = _norm_axis(p.dim, nd, 'dim', 'Concat')
    shapes = [_shape(x) for x in data]
    for s in shapes[1:]:
        if len(s) != nd or any(a is not None and b is not None and a != b
                               for i, (a, b) in enumerate(zip(s, shapes[0])) if i != axis):
            raise MXNetError('Concat: incompatible input shapes %s along dim=%d'
                             % (', '.join(str(tuple(x)) for x in shapes), p.dim))
    if len(data) == 1:
        return tf.identity(data[0])
    out = _layout.concat(ctx, list(data), axis)     # on channels-last twins, if all have one
    return tf.concat(list(data), axis) if out is None else out


@op('stack')
def stack(ctx, p, *data):
    """Join equal-shaped inputs along a new ``axis``."""
    if not data:
        raise MXNetError('stack needs at least one input')
    nd = data[0].shape.rank
    axis = _norm_axis(p.axis, nd + 1, 'axis', 'stack')
    shapes = [_shape(x) for x in data]
    for s in shapes[1:]:
        if len(s) != nd or any(a is not None and b is not None and a != b
                               for a, b in zip(s, shapes[0])):
            raise MXNetError('stack: all inputs must have the same shape, got %s'
                             % ', '.join(str(tuple(x)) for x in shapes))
    return tf.stack(list(data), axis)


def _slice_channel_outputs(p):
    return ['output%d' % i for i in range(p.num_outputs)]


def _slice_channel_infer_inputs(p, ins, outs):
    """MXNet back-computes the data shape from a known output (same rank needed)."""
    data = ins[0]
    if data is None:
        return ins
    nd = len(data)
    axis = _norm_axis(p.axis, nd, 'axis', 'SliceChannel')
    for o in outs:
        if o is None:
            continue
        if p.squeeze_axis and len(o) == nd - 1:
            back = list(o[:axis]) + [p.num_outputs] + list(o[axis:])
        elif len(o) == nd:
            back = list(o)
            if back[axis] is not None:
                back[axis] *= p.num_outputs
        else:
            continue
        return [tuple(back)]
    return ins


@op('SliceChannel', outputs=_slice_channel_outputs, num_outputs=lambda p: p.num_outputs,
    infer_inputs=_slice_channel_infer_inputs, nan_propagates=True)
def slice_channel(ctx, p, data):
    """Split into ``num_outputs`` equal parts along ``axis`` (outputs output0..N-1);
    ``squeeze_axis`` drops the axis, which then must have size num_outputs."""
    shape = _shape(data)
    nd = len(shape)
    axis = _norm_axis(p.axis, nd, 'axis', 'SliceChannel')
    n = p.num_outputs
    if n < 1:
        raise MXNetError('SliceChannel: num_outputs must be positive, got %d' % n)
    d = shape[axis]
    if d is not None:
        if d % n:
            raise MXNetError('SliceChannel: You are trying to split the %d-th axis of input '
                             'tensor with shape %s into num_outputs=%d evenly sized chunks, but '
                             'this is not possible because %d does not evenly divide %d'
                             % (axis, tuple(shape), n, n, d))
        if p.squeeze_axis and d != n:
            raise MXNetError('SliceChannel: If squeeze axis is True, the size of the sliced axis '
                             'must be the same as num_outputs. Input shape=%s, axis=%d, '
                             'num_outputs=%d.' % (tuple(shape), axis, n))
    parts = tf.split(data, n, axis=axis)
    if p.squeeze_axis:
        parts = [tf.squeeze(x, [axis]) for x in parts]
    return tuple(parts)


def _split_v2_count(p):
    return p.sections if p.sections > 0 else len(p.indices)


@op('_split_v2', num_outputs=_split_v2_count,
    outputs=lambda p: ['output'] if _split_v2_count(p) == 1 else
    ['output%d' % i for i in range(_split_v2_count(p))])
def split_v2(ctx, p, data):
    """Split at ``indices`` (boundaries, first one usually 0) or into ``sections`` near-equal
    parts (the first size % sections parts one longer, like numpy.array_split)."""
    shape = _shape(data)
    nd = len(shape)
    axis = _norm_axis(p.axis, nd, 'axis', '_split_v2')
    d = shape[axis]
    if d is None:
        raise MXNetError('_split_v2: the split axis must have a known size')
    if p.sections > 0:
        base, extra = divmod(d, p.sections)
        bounds = [0]
        for i in range(p.sections):
            bounds.append(bounds[-1] + base + (1 if i < extra else 0))
        starts, ends = bounds[:-1], bounds[1:]
    else:
        starts = list(p.indices)
        ends = starts[1:] + [d]
    outs = []
    for s, e in zip(starts, ends):
        if not 0 <= s <= e <= d:
            raise MXNetError('_split_v2: invalid split [%d, %d) of an axis of size %d' % (s, e, d))
        if p.squeeze_axis and e - s != 1:
            raise MXNetError('_split_v2: squeeze_axis needs sections of size 1, got %d' % (e - s))
        idx = [slice(None)] * nd
        idx[axis] = slice(s, e)
        x = data[tuple(idx)]
        outs.append(tf.squeeze(x, [axis]) if p.squeeze_axis else x)
    return tuple(outs)


# ------------------------------------------------------------------------------------------------
# Slicing.

def slice_ranges(shape, begin, end, step):
    """MXNet's slice index rule per sliced axis: [(first index, length, step)].

    None bounds default to the axis ends for the step's sign; negative bounds count from the end;
    a begin outside the axis yields an empty result instead of being clamped (except b < 0 with a
    positive step, which starts at 0). Unknown dims give a length of None.
    """
    if len(begin) != len(end):
        raise MXNetError('slice: begin and end must have the same length (%s vs %s)'
                         % (tuple(begin), tuple(end)))
    if len(begin) > len(shape):
        raise MXNetError('slice: slicing axis exceeds data dimensions (begin=%s, data has %d '
                         'dims)' % (tuple(begin), len(shape)))
    if step and len(step) != len(begin):
        raise MXNetError('slice: step and begin must have the same length')
    out = []
    for i in range(len(begin)):
        s = step[i] if step and step[i] is not None else 1
        if s == 0:
            raise MXNetError('slice op step[%d] cannot be 0' % i)
        n = shape[i]
        if n is None:
            out.append((begin[i], None, s, end[i]))
            continue
        if n == 0:
            out.append((0, 0, s, None))
            continue
        b = begin[i] if begin[i] is not None else (n - 1 if s < 0 else 0)
        e = end[i] if end[i] is not None else (-1 if s < 0 else n)
        if b < 0:
            b += n
        if e < 0 and end[i] is not None:
            e += n
        if b < 0 and s > 0:
            b = 0
        if b > n - 1 and s < 0:
            b = n - 1
        if b < 0 or b > n - 1:
            b = -1
        e = max(e, -1)
        e = min(e, n)
        if e != b and b >= 0:
            if s > 0:
                length = (e - b - 1) // s + 1 if e > b else 0
            else:
                length = (b - e - 1) // (-s) + 1 if e < b else 0
        else:
            length = 0
        out.append((max(b, 0), length, s, None))
    return out


def _python_slice(b, length, s, raw_end):
    if length is None:
        return slice(b, raw_end, s)
    if length == 0:
        return slice(0, 0, 1)
    last = b + (length - 1) * s
    stop = last + 1 if s > 0 else last - 1
    return slice(b, stop if stop >= 0 else None, s)


@op('slice', nan_propagates=True)
def slice_op(ctx, p, data):
    """Basic slicing with MXNet's bound rules (None entries, negative steps); axes past
    len(begin) are kept whole."""
    shape = _shape(data)
    if not shape:
        raise MXNetError('slice only works for ndim > 0')
    ranges = slice_ranges(shape, p.begin, p.end, p.step)
    idx = tuple(_python_slice(*r) for r in ranges)
    return data[idx] if idx else tf.identity(data)


@op('slice_axis', nan_propagates=True)
def slice_axis(ctx, p, data):
    """data[begin:end] along one axis (end None = to the end; negatives count from the end)."""
    shape = _shape(data)
    nd = len(shape)
    axis = _norm_axis(p.axis, nd, 'axis', 'slice_axis')
    n = shape[axis]
    b, e = p.begin, p.end
    if n is not None:
        if b < 0:
            b += n
        if n == 0:
            b, e = 0, 0
        else:
            e = n if e is None else (e + n if e < 0 else e)
            if e > n:
                raise MXNetError('slice_axis: Invalid end for end=%d as axis_size is %d' % (e, n))
            if not b < e or b < 0:
                raise MXNetError('slice_axis: Invalid begin, end, get begin=%d, end=%s'
                                 % (p.begin, p.end))
    idx = [slice(None)] * nd
    idx[axis] = slice(b, e)
    return data[tuple(idx)]


@op('slice_like', infer_types=_data_type_from_out)
def slice_like(ctx, p, data, shape_like):
    """Slice ``data`` from 0 to shape_like's size on ``axes`` (all axes when empty)."""
    ds = _shape(data)
    ls = _shape(shape_like)
    nd = len(ds)
    if not p.axes:
        if len(ls) != nd:
            raise MXNetError('slice_like: By default slice_axis performs slice on all axes, but '
                             'ndim mismatch for inputs: %d vs. %d' % (nd, len(ls)))
        axes = list(range(nd))
    else:
        axes = []
        for a in p.axes:
            a2 = a + nd if a < 0 else a
            if a2 < 0 or a2 >= nd or a2 >= len(ls):
                raise MXNetError('slice_like: axis %d exceeds an input (data %d dims, '
                                 'shape_like %d dims)' % (a, nd, len(ls)))
            axes.append(a2)
    ldims = _dims(shape_like)
    idx = [slice(None)] * nd
    for a in axes:
        if ds[a] is not None and ls[a] is not None and ls[a] > ds[a]:
            raise MXNetError('slice_like: Slice axis %d with size %d exceeds limit of input with '
                             'size %d' % (a, ls[a], ds[a]))
        idx[a] = slice(0, ldims[a])
    return data[tuple(idx)]


# ------------------------------------------------------------------------------------------------
# Repetition, reversal, broadcasting.

@op('tile')
def tile(ctx, p, data):
    """numpy.tile: reps shorter than ndim are prefixed with 1s, longer ones add leading axes."""
    reps = list(p.reps)
    for r in reps:
        if r <= 0:
            raise MXNetError('tile: reps=%s must be positive' % (tuple(p.reps),))
    nd = data.shape.rank
    if len(reps) < nd:
        reps = [1] * (nd - len(reps)) + reps
    elif len(reps) > nd:
        shape = _dims(data)
        data = tf.reshape(data, [1] * (len(reps) - nd) + list(shape)) if nd else \
            tf.reshape(data, [1] * len(reps))
    if not reps:
        return tf.identity(data)
    return tf.tile(data, reps)


@op('repeat')
def repeat(ctx, p, data):
    """Repeat each element ``repeats`` times along ``axis``; axis None flattens first."""
    if p.repeats < 0:
        raise MXNetError('repeat: repeats must be non-negative, got %d' % p.repeats)
    if p.axis is None:
        return tf.repeat(tf.reshape(data, [-1]), p.repeats)
    axis = _norm_axis(p.axis, data.shape.rank, 'axis', 'repeat')
    return tf.repeat(data, p.repeats, axis=axis)


@op('reverse')
def reverse(ctx, p, data):
    """Reverse along each listed axis (an axis listed twice is reversed twice, as in MXNet)."""
    nd = data.shape.rank
    count = {}
    for a in p.axis:
        a = _norm_axis(a, nd, 'axis', 'reverse', allow_negative=False)
        count[a] = count.get(a, 0) + 1
    axes = sorted(a for a, c in count.items() if c % 2)
    return tf.reverse(data, axes) if axes else tf.identity(data)


def _broadcast_checked(data, oshape, op_name, target):
    ishape = _shape(data)
    for i, (a, b) in enumerate(zip(ishape, oshape)):
        if a is not None and b is not None and a != b and a != 1:
            raise MXNetError('%s: Array cannot be broadcasted from %s to %s'
                             % (op_name, tuple(ishape), tuple(target)))
    if all(d is not None for d in oshape):
        return tf.broadcast_to(data, oshape)
    dyn = tf.shape(data)
    return tf.broadcast_to(data, tf.stack([d if d is not None else dyn[i]
                                           for i, d in enumerate(oshape)]))


@op('broadcast_to')
def broadcast_to(ctx, p, data):
    """Broadcast to ``shape``; a 0 keeps the input's dim. Ranks must match."""
    ishape = _shape(data)
    target = tuple(p.shape)
    if len(target) != len(ishape):
        raise MXNetError('broadcast_to: Operand of shape %s cannot be broadcasted to %s'
                         % (tuple(ishape), target))
    for d in target:
        if d < 0:
            raise MXNetError('broadcast_to: Shape dim size cannot be a negative value %d' % d)
    oshape = [ishape[i] if d == 0 else d for i, d in enumerate(target)]
    return _broadcast_checked(data, oshape, 'broadcast_to', target)


@op('broadcast_like', infer_types=_data_type_from_out)
def broadcast_like(ctx, p, lhs, rhs):
    """Broadcast lhs to rhs's shape, or only lhs_axes to the sizes of rhs_axes."""
    ls = _shape(lhs)
    rs = _shape(rhs)
    rdims = _dims(rhs)
    if p.lhs_axes is None or p.rhs_axes is None:
        if len(ls) != len(rs):
            raise MXNetError('broadcast_like: Operand of shape %s cannot be broadcasted to %s'
                             % (tuple(ls), tuple(rs)))
        oshape = list(rs)
        target = rs
    else:
        la, ra = tuple(p.lhs_axes), tuple(p.rhs_axes)
        if len(la) != len(ra):
            raise MXNetError('broadcast_like: Input_axis and other_axis size does not match')
        if not la:
            raise MXNetError('broadcast_like: Empty axes tuple is not allowed')
        oshape = list(ls)
        target = None
        for a, b in zip(la, ra):
            a2 = _norm_axis(a, len(ls), 'lhs_axes', 'broadcast_like')
            b2 = _norm_axis(b, len(rs), 'rhs_axes', 'broadcast_like')
            if ls[a2] is not None and ls[a2] != 1:
                raise MXNetError('broadcast_like: Input axis %d at dimension %d cannot be '
                                 'broadcasted to %s' % (a, a2, rs[b2]))
            oshape[a2] = rs[b2]
        target = tuple(oshape)
    if all(d is not None for d in oshape):
        return _broadcast_checked(lhs, oshape, 'broadcast_like', target)
    if p.lhs_axes is None or p.rhs_axes is None:
        dyn = list(rdims)
    else:
        dyn = list(_dims(lhs))
        for a, b in zip(p.lhs_axes, p.rhs_axes):
            dyn[_norm_axis(a, len(ls), 'lhs_axes', 'broadcast_like')] = \
                rdims[_norm_axis(b, len(rs), 'rhs_axes', 'broadcast_like')]
    return tf.broadcast_to(lhs, tf.stack(dyn))


@op('broadcast_axis')
def broadcast_axis(ctx, p, data):
    """Broadcast unit axes ``axis`` to ``size`` (non-negative axes only, as in MXNet)."""
    axes, sizes = tuple(p.axis), tuple(p.size)
    if len(axes) != len(sizes):
        raise MXNetError('broadcast_axis: axis=%s and size=%s must have the same length'
                         % (axes, sizes))
    ishape = _shape(data)
    oshape = list(ishape)
    for a, s in zip(axes, sizes):
        a2 = _norm_axis(a, len(ishape), 'axis', 'broadcast_axis', allow_negative=False)
        if ishape[a2] is not None and ishape[a2] != 1:
            raise MXNetError('broadcast_axis: Broadcasting axis must have size 1 (axis %d has '
                             'size %d)' % (a, ishape[a2]))
        oshape[a2] = s
    return _broadcast_checked(data, oshape, 'broadcast_axis', tuple(oshape))


# ------------------------------------------------------------------------------------------------
# Block rearrangements, diagonals.

def _check_4d(x, op_name):
    if x.shape.rank != 4:
        raise MXNetError('%s: input must be 4-D (N, C, H, W), got shape %s'
                         % (op_name, tuple(_shape(x))))


@op('depth_to_space')
def depth_to_space(ctx, p, data):
    """NCHW depth_to_space, DCR order: input channel (i*b + j)*C/b**2 + c becomes output
    channel c at offset (i, j) of each b x b block."""
    _check_4d(data, 'depth_to_space')
    b = p.block_size
    if b <= 0:
        raise MXNetError('depth_to_space: block_size must be positive, got %d' % b)
    n, c, h, w = _dims(data)
    if isinstance(c, int) and c % (b * b):
        raise MXNetError('depth_to_space: the channel dim %d must be a multiple of '
                         'block_size**2 = %d' % (c, b * b))
    x = tf.reshape(data, [n, b, b, c // (b * b), h, w])
    x = tf.transpose(x, [0, 3, 4, 1, 5, 2])
    return tf.reshape(x, [n, c // (b * b), h * b, w * b])


@op('space_to_depth')
def space_to_depth(ctx, p, data):
    """Inverse of depth_to_space: (N, C, H, W) -> (N, C*b*b, H/b, W/b)."""
    _check_4d(data, 'space_to_depth')
    b = p.block_size
    if b <= 0:
        raise MXNetError('space_to_depth: block_size must be positive, got %d' % b)
    n, c, h, w = _dims(data)
    for d, what in ((h, 'height'), (w, 'width')):
        if isinstance(d, int) and d % b:
            raise MXNetError('space_to_depth: the %s %d must be a multiple of block_size %d'
                             % (what, d, b))
    x = tf.reshape(data, [n, c, h // b, b, w // b, b])
    x = tf.transpose(x, [0, 3, 5, 1, 2, 4])
    return tf.reshape(x, [n, c * b * b, h // b, w // b])


@op('diag')
def diag(ctx, p, data):
    """numpy.diag/diagonal: a 1-D input builds a (n+|k|)-square matrix; N-D inputs take the k-th
    diagonal of (axis1, axis2), appended as the last axis."""
    shape = _shape(data)
    nd = len(shape)
    if nd == 0:
        raise MXNetError('diag: the input must have at least 1 dim')
    if nd == 1:
        return tf.linalg.diag(data, k=p.k)
    a1 = _norm_axis(p.axis1, nd, 'axis1', 'diag')
    a2 = _norm_axis(p.axis2, nd, 'axis2', 'diag')
    if a1 == a2:
        raise MXNetError('diag: axis1 and axis2 cannot refer to the same axis %d' % a1)
    h, w = shape[a1], shape[a2]
    if h is not None and w is not None:
        size = min(h + min(p.k, 0), w - max(p.k, 0))
        if size < 0:
            raise MXNetError('diag: Diagonal does not exist (k=%d for a %dx%d matrix).'
                             % (p.k, h, w))
        if size == 0:
            out_shape = [d for i, d in enumerate(_dims(data)) if i not in (a1, a2)] + [0]
            return tf.zeros(out_shape, data.dtype)
    perm = [i for i in range(nd) if i not in (a1, a2)] + [a1, a2]
    x = tf.transpose(data, perm) if perm != list(range(nd)) else data
    return tf.linalg.diag_part(x, k=p.k)


# ------------------------------------------------------------------------------------------------
# Padding and cropping.

def _edge_pad(x, axis, before, after):
    if not before and not after:
        return x
    n = x.shape[axis]
    parts = []
    if before:
        first = tf.gather(x, [0], axis=axis)
        parts.append(tf.repeat(first, before, axis=axis))
    parts.append(x)
    if after:
        last = tf.gather(x, [n - 1] if n is not None else tf.shape(x)[axis:axis + 1] - 1,
                         axis=axis)
        parts.append(tf.repeat(last, after, axis=axis))
    return tf.concat(parts, axis)


@op('Pad')
def pad(ctx, p, data):
    """Pad a 4-D/5-D input on its spatial axes (pad_width pairs for N and C must be 0).
    'reflect' mirrors without repeating the edge (numpy 'reflect'); 'edge' repeats it."""
    shape = _shape(data)
    nd = len(shape)
    pw = tuple(p.pad_width)
    if nd not in (4, 5):
        raise MXNetError('Pad: Current implementation only supports 4-D or 5-D input (got '
                         'shape %s)' % (tuple(shape),))
    if len(pw) != 2 * nd:
        raise MXNetError('Pad: Input shape vs padding spec mismatch (pad_width=%s for a %d-D '
                         'input)' % (pw, nd))
    if any(pw[:4]):
        raise MXNetError('Pad: Current implementation expects padding on the first two axes '
                         'to be zero (pad_width=%s)' % (pw,))
    if any(v < 0 for v in pw):
        raise MXNetError('Pad: pad_width must be non-negative (%s)' % (pw,))
    pairs = [[pw[2 * i], pw[2 * i + 1]] for i in range(nd)]
    if p.mode == 'constant':
        return tf.pad(data, pairs, constant_values=tf.cast(p.constant_value, data.dtype))
    if p.mode == 'reflect':
        for i in range(2, nd):
            if shape[i] is not None and max(pairs[i]) >= shape[i]:
                raise MXNetError('Pad: Current implementation of reflection padding only '
                                 'supports padding sizes smaller than the input size (axis %d: '
                                 'size %d, pad %s)' % (i, shape[i], tuple(pairs[i])))
        return tf.pad(data, pairs, mode='REFLECT')
    x = data
    for i in range(2, nd):
        x = _edge_pad(x, i, *pairs[i])
    return x


@op('Crop')
def crop(ctx, p, data, crop_like=None):
    """Crop a 4-D NCHW input on H, W to ``h_w`` (one input) or to the second input's H, W;
    ``offset`` (y, x) or ``center_crop`` (floor((H-h)/2), floor((W-w)/2)) places the window."""
    if p.num_args not in (1, 2):
        raise MXNetError('Crop: num_args must be 1 or 2, got %d' % p.num_args)
    _check_4d(data, 'Crop')
    shape = _shape(data)
    if p.num_args == 1:
        if len(p.h_w) != 2:
            raise MXNetError('Crop: h_w must have two entries, got %s' % (tuple(p.h_w),))
        h, w = p.h_w
        for v, d, what in ((h, shape[2], 'height(h_w[0])'), (w, shape[3], 'width(h_w[1])')):
            if v < 1:
                raise MXNetError('Crop: the crop %s should be larger than 1' % what)
            if d is not None and v > d:
                raise MXNetError("Crop: the crop %s should be less than the input data's "
                                 "size %d" % (what, d))
    else:
        if crop_like is None:
            raise MXNetError('Crop: num_args=2 needs a crop_like input')
        ls = _shape(crop_like)
        if len(ls) < 4:
            raise MXNetError('Crop: crop_like must be 4-D, got shape %s' % (tuple(ls),))
        h, w = ls[2], ls[3]
    H, W = shape[2], shape[3]
    if None in (h, w, H, W):
        raise MXNetError('Crop: the spatial dims must be known (data %s)' % (tuple(shape),))
    if h > H or w > W:
        raise MXNetError('Crop: data shape %s is smaller than the crop (%d, %d)'
                         % (tuple(shape), h, w))
    if p.center_crop:
        oy, ox = (H - h) // 2, (W - w) // 2
    else:
        if len(p.offset) != 2:
            raise MXNetError('Crop: offset must have two entries, got %s' % (tuple(p.offset),))
        oy, ox = p.offset
        if oy < 0 or ox < 0:
            raise MXNetError('Crop: offset %s must be non-negative' % (tuple(p.offset),))
        if oy > H - h or ox > W - w:
            raise MXNetError('Crop: offset %s leaves the input (data %s, crop (%d, %d))'
                             % (tuple(p.offset), tuple(shape), h, w))
    return data[:, :, oy:oy + h, ox:ox + w]


# ------------------------------------------------------------------------------------------------
# Shape queries (int64 outputs, no gradient).

@op('shape_array')
def shape_array(ctx, p, data):
    """The input's shape as a 1-D int64 array."""
    if data.shape.rank == 0:
        raise MXNetError('shape_array: the input must have at least 1 dim')
    return tf.shape(data, out_type=tf.int64)


@op('size_array')
def size_array(ctx, p, data):
    """The input's element count as an int64 array of shape (1,)."""
    return tf.reshape(tf.size(data, out_type=tf.int64), [1])


# ------------------------------------------------------------------------------------------------
# Concat of a fused RNN's flattened parameters (hybridized Gluon RNN layers).

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


# ------------------------------------------------------------------------------------------------
# reshape_like.

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


# ------------------------------------------------------------------------------------------------
# Slice assignment.

def _slice_index(shape, p, what):
    """Static index tuples (n, len(begin)) of the slice and the slice's shape."""
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
