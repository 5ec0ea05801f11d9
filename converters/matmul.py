"""Products: dot (MXNet's N-D "tensordot") and batch_dot."""
import tensorflow as tf

from .base import MXNetError
from .registry import op
from .dims import prod as _prod


def _size(dims):
    """Product of dims, or None if any is unknown."""
    return None if any(d is None for d in dims) else _prod(dims)


def _reshape(x, dims):
    """tf.reshape to ``dims`` (None = unknown); at most one unknown becomes -1, else dynamic."""
    unknown = sum(d is None for d in dims)
    if unknown == 0:
        return tf.reshape(x, dims)
    if unknown == 1:
        return tf.reshape(x, [-1 if d is None else d for d in dims])
    raise MXNetError('dot: cannot reshape with several unknown dimensions %s' % (dims,))


@op('dot')
def dot(ctx, p, lhs, rhs):
    """MXNet dot: lhs is read as a matrix (all-but-last, last) -- (first, rest) with
    ``transpose_a`` -- and rhs as (first, rest) -- (all-but-last, last) with ``transpose_b``;
    the output shape is lhs's kept dims followed by rhs's kept dims. So on N-D inputs it is a
    tensordot over lhs's last (first if transposed) axis and rhs's first (last) axis, never a
    batched product. 1-D . 1-D gives shape (1,).
    """
    ls = lhs.shape.as_list()
    rs = rhs.shape.as_list()
    ta, tb = p.transpose_a, p.transpose_b
    if not ls or not rs:
        raise MXNetError('dot: scalar tensor is not supported by this operator')
    if len(ls) == 1 and len(rs) == 1:
        if ta or tb:
            raise MXNetError('dot: cannot transpose vectors')
        if ls[0] is not None and rs[0] is not None and ls[0] != rs[0]:
            raise MXNetError('dot shape error: %s X %s' % (tuple(ls), tuple(rs)))
        return tf.reshape(tf.reduce_sum(lhs * rhs), [1])
    # lhs as a (kept, contracted) pair of dim lists
    if len(ls) == 1:
        l_keep, l_con = [], ls
    elif ta:
        l_keep, l_con = ls[1:], ls[:1]
    else:
        l_keep, l_con = ls[:-1], ls[-1:]
    if len(rs) == 1:
        r_keep, r_con = [], rs
    elif tb:
        r_keep, r_con = rs[:-1], rs[-1:]
    else:
        r_keep, r_con = rs[1:], rs[:1]
    kl, kr = _size(l_con), _size(r_con)
    if kl is not None and kr is not None and kl != kr:
        raise MXNetError('dot shape error: %s X %s (transpose_a=%s, transpose_b=%s)'
                         % (tuple(ls), tuple(rs), ta, tb))
    # Bring both to 2-D (rows, k) . (k, cols) form.
    if len(ls) == 1:
        a2 = tf.reshape(lhs, [1, -1])
    elif ta:
        a2 = tf.transpose(_reshape(lhs, [ls[0], _size(ls[1:])]))
    else:
        a2 = _reshape(lhs, [_size(ls[:-1]), ls[-1]])
    if len(rs) == 1:
        b2 = tf.reshape(rhs, [-1, 1])
    elif tb:
        b2 = tf.transpose(_reshape(rhs, [_size(rs[:-1]), rs[-1]]))
    else:
        b2 = _reshape(rhs, [rs[0], _size(rs[1:])])
    out = tf.matmul(a2, b2)
    dims = list(l_keep) + list(r_keep)
    if all(d is not None for d in dims):
        return tf.reshape(out, dims)
    sl, sr = tf.shape(lhs), tf.shape(rhs)
    pieces = []
    if len(ls) > 1:
        pieces.append(sl[1:] if ta else sl[:-1])
    if len(rs) > 1:
        pieces.append(sr[:-1] if tb else sr[1:])
    return tf.reshape(out, tf.concat(pieces, axis=0))


@op('batch_dot')
def batch_dot(ctx, p, lhs, rhs):
    """Batched matrix product over the last two axes; the leading (batch) dims must be equal
    (no broadcasting) and both inputs N-D with N >= 3."""
    ls = lhs.shape.as_list()
    rs = rhs.shape.as_list()
    if len(ls) < 3 or len(rs) < 3 or len(ls) != len(rs):
        raise MXNetError('batch_dot currently only supports N-D*N-D arrays (N >= 3), got %s '
                         'X %s' % (tuple(ls), tuple(rs)))
    for a, b in zip(ls[:-2], rs[:-2]):
        if a is not None and b is not None and a != b:
            raise MXNetError('batch_dot shape error (the leading batch dimensions must be equal)'
                             ': %s X %s' % (tuple(ls), tuple(rs)))
    ka = ls[-2] if p.transpose_a else ls[-1]
    kb = rs[-1] if p.transpose_b else rs[-2]
    if ka is not None and kb is not None and ka != kb:
        raise MXNetError('batch_dot shape error: %s X %s (transpose_a=%s, transpose_b=%s)'
                         % (tuple(ls), tuple(rs), p.transpose_a, p.transpose_b))
    return tf.linalg.matmul(lhs, rhs, transpose_a=p.transpose_a, transpose_b=p.transpose_b)
