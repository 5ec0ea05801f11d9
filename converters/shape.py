"""Shape-manipulation ops: Reshape (MXNet's special codes), Flatten.

Reshape's codes, applied left to right over the input dims (right to left with ``reverse``):
0 copies a dim, -1 infers one dim, -2 copies all remaining dims, -3 merges two dims, -4 splits one
dim into the next two target values (one may be -1).
"""
import tensorflow as tf

from .base import MXNetError
from .registry import op


def _prod(xs):
    n = 1
    for x in xs:
        n *= x
    return n


def reshape_shape(dshape, target, reverse=False):
    """The output shape of MXNet's Reshape for input ``dshape``; None dims stay unknown."""
    src = list(dshape)
    tgt = list(target)
    if reverse:
        src.reverse()
        tgt.reverse()
    out = []
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
            si += 1
        elif d == -1:
            if inf >= 0:
                raise MXNetError('Reshape: one and only one dim can be inferred (shape=%s)'
                                 % (tuple(target),))
            inf = len(out)
            out.append(1)
            si += 1
        elif d == -2:
            out.extend(src[si:])
            si = len(src)
        elif d == -3:
            if si + 1 >= len(src):
                raise MXNetError('Reshape: code -3 needs two input dims (input shape %s, '
                                 'shape=%s)' % (tuple(dshape), tuple(target)))
            a, b = src[si], src[si + 1]
            out.append(None if a is None or b is None else a * b)
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
                if d1 * d2 != d0:
                    raise MXNetError('Reshape: split dims %d, %d do not divide original dim %d'
                                     % (d1, d2, d0))
            out.extend([None if d1 == -1 else d1, None if d2 == -1 else d2])
        elif d is None or d < -4:
            raise MXNetError('Reshape: invalid code %r in shape=%s' % (d, tuple(target)))
        else:
            out.append(d)
            si += 1
        i += 1
    if inf >= 0:
        known = [x for j, x in enumerate(out) if j != inf]
        if any(x is None for x in dshape) or any(x is None for x in known):
            out[inf] = None
        else:
            rest = _prod(known)
            if rest == 0 or _prod(dshape) % rest:
                raise MXNetError('Reshape: cannot infer -1 in shape=%s from input shape %s'
                                 % (tuple(target), tuple(dshape)))
            out[inf] = _prod(dshape) // rest
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


@op('Reshape')
def reshape(ctx, p, data):
    dshape = tuple(data.shape.as_list())
    oshape = reshape_params_shape(p, dshape)
    _check_size(dshape, oshape)
    if None in oshape:
        dyn = tf.shape(data)
        return tf.reshape(data, [-1 if d is None else d for d in oshape]) \
            if sum(d is None for d in oshape) == 1 else tf.reshape(data, dyn)
    return tf.reshape(data, oshape)


@op('Flatten')
def flatten(ctx, p, data):
    shape = data.shape.as_list()
    if len(shape) == 0:
        return tf.reshape(data, [1, 1])
    rest = shape[1:]
    if None in rest:
        return tf.reshape(data, tf.stack([tf.shape(data)[0], -1]))
    return tf.reshape(data, [-1 if shape[0] is None else shape[0], _prod(rest)])
