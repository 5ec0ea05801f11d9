"""broadcast_* arithmetic, comparison and logical ops (numpy-style broadcasting).

The math is ``binary.BINARY`` (MXNet semantics: 0/1 comparisons in the input dtype, Python-sign
mod, integer dtypes kept); gradients are summed back over the broadcast axes. Both operands must
have the same dtype (MXNet's ElemwiseType). As in MXNet, shape inference does not guess an
unknown operand's shape from the other one.
"""
from .base import MXNetError
from .binary import BINARY, NAN_PROPAGATING, check_same_dtype, same_types
from .infer import fmt
from .registry import op

BROADCAST = {
    'broadcast_add': 'add', 'broadcast_sub': 'sub', 'broadcast_mul': 'mul',
    'broadcast_div': 'div', 'broadcast_mod': 'mod', 'broadcast_power': 'power',
    'broadcast_maximum': 'maximum', 'broadcast_minimum': 'minimum', 'broadcast_hypot': 'hypot',
    'broadcast_equal': 'equal', 'broadcast_not_equal': 'not_equal',
    'broadcast_greater': 'greater', 'broadcast_greater_equal': 'greater_equal',
    'broadcast_lesser': 'lesser', 'broadcast_lesser_equal': 'lesser_equal',
    'broadcast_logical_and': 'logical_and', 'broadcast_logical_or': 'logical_or',
    'broadcast_logical_xor': 'logical_xor',
}


def check_broadcastable(name, a, b):
    """Raise MXNetError unless the static shapes of a and b broadcast (numpy rules)."""
    sa, sb = a.shape, b.shape
    if sa.rank is None or sb.rank is None:
        return
    la, lb = sa.as_list(), sb.as_list()
    for x, y in zip(reversed(la), reversed(lb)):
        if x is not None and y is not None and x != y and x != 1 and y != 1:
            raise MXNetError('%s: operands could not be broadcast together with shapes %s %s'
                             % (name, fmt(tuple(la)), fmt(tuple(lb))))


def _broadcast(name, kind):
    fn = BINARY[kind]

    def lower(ctx, p, lhs, rhs):
        check_broadcastable(name, lhs, rhs)
        check_same_dtype(name, lhs, rhs)
        return fn(lhs, rhs)
    lower.__name__ = name
    lower.__doc__ = 'MXNet %s: element-wise %s with numpy-style broadcasting.' % (name, kind)
    return lower


for _name, _kind in BROADCAST.items():
    op(_name, infer_types=same_types, nan_propagates=_kind in NAN_PROPAGATING)(
        _broadcast(_name, _kind))
