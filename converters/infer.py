"""Shape and dtype inference over a graph, before any value exists.

Each op completes unknown input shapes from what it knows (``OpDef.infer_inputs``: a weight's shape
from its data's), then its output shapes come from ``OpDef.infer_shape`` or, for most ops, from
tracing the lowering itself on placeholders in a scratch TF graph -- one lowering serves both
execution and inference. Passes repeat until nothing changes, so shapes flow backwards too (a
label's shape from its loss layer). Shapes are tuples; ``None`` is an unknown shape or dimension.
"""
import tensorflow as tf

from . import dtypes as _dt
from . import shape_mode as _shape_mode
from .attrs import parse_shape
from .base import MXNetError
from .graph import LowerContext, check_ops, node_error, topo_order


def is_known(shape):
    return shape is not None and all(d is not None for d in shape)


def merge(a, b):
    """The more specific of two compatible shapes; raises ValueError if they conflict."""
    if a is None:
        return b
    if b is None:
        return a
    if len(a) != len(b):
        raise ValueError('%s vs %s' % (fmt(a), fmt(b)))
    out = []
    for x, y in zip(a, b):
        if x is not None and y is not None and x != y:
            raise ValueError('%s vs %s' % (fmt(a), fmt(b)))
        out.append(x if x is not None else y)
    return tuple(out)


def fmt(shape):
    if shape is None:
        return '?'
    return '(' + ', '.join('?' if d is None else str(d) for d in shape) + (',)' if len(shape) == 1 else ')')


def var_shape_attr(node):
    s = node.attrs.get('__shape__')
    if s is None:
        return None
    shape = parse_shape(s)
    # Gluon writes 0 for the dimensions it infers later: unknown in MXNet's legacy semantics.
    if not shape and not _shape_mode.is_np_shape():
        return None     # () is an unknown shape in legacy mode, a scalar's in NumPy mode
    return _shape_mode.normalize(shape)


def var_dtype_attr(node):
    s = node.attrs.get('__dtype__')
    return None if s is None else _dt.canonical(int(s) if str(s).lstrip('-').isdigit() else s)


def _default_infer_types(p, in_types, out_types):
    known = [t for t in in_types if t is not None]
    if not known:
        return in_types
    return [known[0] if t is None else t for t in in_types]


class InferResult:
    """Shapes/dtypes of every entry (node, output index) and of every variable by name."""

    def __init__(self, order, shapes, types):
        self.order = order
        self._shapes = shapes
        self._types = types

    def shape(self, node, k=0):
        return self._shapes.get((id(node), k))

    def dtype(self, node, k=0):
        return self._types.get((id(node), k))


def infer(heads, shapes=None, types=None, partial=True):
    """Infer every entry's shape and dtype. ``shapes``/``types`` map variable names to knowns."""
    shapes = shapes or {}
    types = types or {}
    order = topo_order(heads)
    check_ops(order)
    S, T = {}, {}
    for node in order:
        if node.is_variable:
            given = shapes.get(node.name)
            attr = var_shape_attr(node)
            try:
                S[(id(node), 0)] = merge(tuple(given) if given is not None else None, attr)
            except ValueError:
                S[(id(node), 0)] = tuple(given)
            dt = types.get(node.name) or var_dtype_attr(node)
            T[(id(node), 0)] = _dt.canonical(dt) if dt is not None else None
    graph = _ScratchGraph()
    done = set()
    changed = True
    passes = 0
    while changed and passes < len(order) + 2:
        changed = False
        passes += 1
        for idx, node in enumerate(order):
            if node.is_variable or id(node) in done:
                continue
            if _infer_node(node, idx, S, T, graph):
                changed = True
            nout = node.num_outputs()
            if all(is_known(S.get((id(node), k))) for k in range(nout)) and \
                    all(T.get((id(node), k)) for k in range(nout)) and \
                    all(is_known(S.get((id(src), k))) for src, k in node.inputs):
                done.add(id(node))
    if not partial:
        missing = [n.name for n in order if n.is_variable and not is_known(S.get((id(n), 0)))]
        if missing:
            raise MXNetError('Cannot decide shape for the following arguments (0s in shape mean '
                             'unknown dimensions): %s. Provide their shapes.' % ', '.join(missing))
    return InferResult(order, S, T)


def _set(store, key, value, node, what, merge_fn):
    old = store.get(key)
    if value is None:
        return False
    try:
        new = merge_fn(old, value)
    except ValueError:
        raise MXNetError('Shape inconsistent in operator %s (%s), argument %s: provided %s, '
                         'inferred %s' % (node.name, node.op, what, fmt(old), fmt(value))) from None
    if new != old:
        store[key] = new
        return True
    return False


def _merge_type(a, b):
    if a is None:
        return b
    if b is None or a == b:
        return a
    raise ValueError('%s vs %s' % (a, b))


def _set_type(store, key, value, node, what):
    old = store.get(key)
    if value is None:
        return False
    if old is not None and old != value:
        raise MXNetError('Type inconsistent in operator %s (%s), argument %s: provided %s, '
                         'inferred %s' % (node.name, node.op, what, old, value))
    if old != value:
        store[key] = value
        return True
    return False


def _infer_node(node, idx, S, T, graph):
    od = node.opdef
    p = node.params
    names = node.input_names()
    if len(names) != len(node.inputs):
        raise MXNetError('operator %s (%s) expects %d inputs (%s), got %d'
                         % (node.name, node.op, len(names), ', '.join(names), len(node.inputs)))
    nout = node.num_outputs()
    in_keys = [(id(src), k) for src, k in node.inputs]
    out_keys = [(id(node), k) for k in range(nout)]
    changed = False
    in_shapes = [S.get(k) for k in in_keys]
    out_shapes = [S.get(k) for k in out_keys]
    if od.infer_inputs is not None or od.infer_node is not None:
        for trial in _input_trials(in_shapes):
            try:
                if od.infer_node is not None:
                    new = od.infer_node(node, trial, list(out_shapes))
                else:
                    new = od.infer_inputs(p, trial, list(out_shapes))
            except MXNetError:
                raise
            except (ValueError, TypeError, IndexError, ZeroDivisionError) as e:
                raise node_error(node, e, in_shapes) from None
            for i, (k, s) in enumerate(zip(in_keys, new)):
                if s is not None:
                    changed |= _set(S, k, tuple(s), node, names[i], merge)
    in_types = [T.get(k) for k in in_keys]
    out_types = [T.get(k) for k in out_keys]
    tfn = od.infer_types or _default_infer_types
    new_t = tfn(p, list(in_types), list(out_types))
    for i, (k, t) in enumerate(zip(in_keys, new_t)):
        if t is not None:
            changed |= _set_type(T, k, _dt.canonical(t), node, names[i])
    in_shapes = [S.get(k) for k in in_keys]
    in_types = [T.get(k) for k in in_keys]
    if any(s is None for s in in_shapes):
        if all(t is not None for t in in_types) and any(T.get(k) is None for k in out_keys):
            changed |= _types_without_shapes(node, idx, in_shapes, in_types, graph, nout,
                                             out_keys, T)
        return changed
    if od.infer_shape is not None:
        outs = od.infer_shape(p, in_shapes)
        out_t = [None] * nout
        if all(is_known(s) for s in in_shapes):
            _, out_t = _trace(node, idx, in_shapes, in_types, graph, nout,
                              [S.get(k) for k in out_keys])
    else:
        outs, out_t = _trace(node, idx, in_shapes, in_types, graph, nout,
                             [S.get(k) for k in out_keys])
    for k, s in zip(out_keys, outs):
        if s is not None:
            changed |= _set(S, k, tuple(s), node, 'output', merge)
    for k, t in zip(out_keys, out_t):
        if t is not None and T.get(k) is None:
            T[k] = t
            changed = True
    return changed


def _input_trials(in_shapes):
    """The input-shape lists an op's ``infer_inputs`` sees: the shapes as they are, then, for each
    partly known input (a Gluon file's ``(64, 0, 7, 7)`` weight, ``(0,)`` gamma), the same list
    with that input unknown -- ops fill in only the inputs they are handed as unknown, and the
    merge afterwards unifies what they say with what was known (a conflict is an error)."""
    yield list(in_shapes)
    for i, s in enumerate(in_shapes):
        if s is not None and not is_known(s):
            trial = list(in_shapes)
            trial[i] = None
            yield trial


def _types_without_shapes(node, idx, in_shapes, in_types, graph, nout, out_keys, T):
    """Output dtypes before shapes are known: trace on placeholders of unknown shape, else
    assume MXNet's common rule (outputs take the first input's dtype)."""
    _, out_t = _trace(node, idx, in_shapes, in_types, graph, nout)
    if all(t is None for t in out_t) and in_types:
        out_t = [in_types[0]] * nout
    changed = False
    for k, t in zip(out_keys, out_t):
        if t is not None and T.get(k) is None:
            T[k] = t
            changed = True
    return changed


# Output shapes and dtypes of lowerings already traced, by what decides them (op, attributes,
# input shapes and dtypes, known output shapes, shape mode). A ResNet repeats a few distinct
# (op, shape) pairs dozens of times and an unrolled RNN once per time step and bucket, so most
# nodes skip the scratch-graph trace, which is most of a bind's time.
_TRACE_MEMO = {}
_TRACE_MEMO_MAX = 8192
# Ops whose shapes may depend on more than their attributes: subgraph-carrying and control-flow
# nodes, and Custom ops (the user's Python infer_shape).
_NO_MEMO_OPS = frozenset(('Custom', '_foreach', '_while_loop', '_cond'))


def _memo_key(node, in_shapes, in_types, nout, out_shapes):
    if node.subgraphs is not None or node.op in _NO_MEMO_OPS:
        return None
    try:
        attrs = tuple(sorted(node.attrs.items()))
        key = (node.op, attrs, tuple(in_shapes), tuple(in_types), nout,
               tuple(out_shapes) if out_shapes is not None else None,
               _shape_mode.is_np_shape())
        hash(key)
    except TypeError:       # an unhashable attribute value: trace every time
        return None
    return key


def _trace(node, idx, in_shapes, in_types, graph, nout, out_shapes=None):
    """The lowering's static output shapes and dtypes: traced once on placeholders per distinct
    (op, attributes, input shapes/dtypes), then remembered."""
    full = all(is_known(s) for s in in_shapes)
    key = _memo_key(node, in_shapes, in_types, nout, out_shapes) if full else None
    if key is not None:
        hit = _TRACE_MEMO.get(key)
        if hit is not None:
            return list(hit[0]), list(hit[1])
    shapes, dts = _trace_graph(node, idx, in_shapes, in_types, graph, nout, out_shapes, full)
    if key is not None:
        if len(_TRACE_MEMO) >= _TRACE_MEMO_MAX:
            _TRACE_MEMO.clear()
        _TRACE_MEMO[key] = (tuple(shapes), tuple(dts))
    return shapes, dts


class _ScratchGraph(tf.Graph):
    """One inference's scratch graph, with one placeholder per distinct (shape, dtype): the
    lowerings traced on it read only their inputs' shapes and dtypes."""

    def __init__(self):
        super().__init__()
        self.placeholders = {}

    def placeholder(self, shape, dtype):
        key = (shape, dtype)
        ph = self.placeholders.get(key)
        if ph is None:
            ph = self.placeholders[key] = tf.compat.v1.placeholder(dtype, shape=shape)
        return ph


def _trace_graph(node, idx, in_shapes, in_types, graph, nout, out_shapes, full):
    """Run the lowering on placeholders to read its static output shapes and dtypes."""
    with graph.as_default():
        phs = [graph.placeholder(s, _dt.to_tf(t or 'float32'))
               for s, t in zip(in_shapes, in_types)]
        ctx = LowerContext(False, node, None, idx, out_shapes)
        try:
            out = node.opdef.lower(ctx, node.params, *phs)
        except (ValueError, TypeError, IndexError, ZeroDivisionError, tf.errors.OpError,
                MXNetError) as e:
            if full:
                raise node_error(node, e, in_shapes) from None
            return [None] * nout, [None] * nout
    if not isinstance(out, (tuple, list)):
        out = (out,)
    shapes, dts = [], []
    for t in out:
        try:
            s = t.shape.as_list()
            shapes.append(tuple(s))
        except ValueError:
            shapes.append(None)
        dts.append(t.dtype.name)
    shapes += [None] * (nout - len(shapes))
    dts += [None] * (nout - len(dts))
    return shapes[:nout], dts[:nout]
