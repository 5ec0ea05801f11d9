"""Nested lists of arrays or symbols, flattened and regrouped: the argument convention of
MXNet's control-flow functions (``foreach``, ``while_loop``, ``cond``)."""
from .base import MXNetError


def flatten(args, leaf, what):
    """(flat list of ``leaf`` instances, nesting format); a lone leaf's format is 0."""
    if isinstance(args, leaf):
        return [args], 0
    if not isinstance(args, (list, tuple)):
        raise MXNetError('%s must be a %s or a (nested) list of them, got %s'
                         % (what, leaf.__name__, type(args).__name__))
    flat, fmt = [], []
    for a in args:
        f, sub = flatten(a, leaf, what)
        flat.extend(f)
        fmt.append(sub)
    return flat, fmt


def regroup(flat, fmt):
    """Inverse of flatten -> (nested value, the rest of flat)."""
    if fmt == 0:
        return flat[0], flat[1:]
    out = []
    for sub in fmt:
        value, flat = regroup(flat, sub)
        out.append(value)
    return out, flat
