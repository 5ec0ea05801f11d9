"""The op graph and its lowering: MXNet nodes -> one Python callable over TF tensors.

A graph is a set of :class:`Node` objects (``op == 'null'`` for variables) reachable from a list
of head entries ``(node, output_index)``. :class:`GraphFunction` walks it once, in the same
depth-first post-order MXNet (nnvm) uses -- which fixes ``list_arguments()`` order -- and returns a
callable ``values, is_train -> (outputs, updates)`` that is traced into ``tf.function``s. The
same interpreter serves training, executors' inference and export (``inference_forms``: loss
layers as their registry inference forms, labels pruned; ``compute_dtype``: reduced precision).
"""
import re

import tensorflow as tf

from . import layout as _layout
from . import registry
from .base import MXNetError, tf_message
from .conv import ONEDNN
from .placement import lower_on_device


class Node:
    """One node of an MXNet graph: an op applied to input entries, or a variable ('null')."""
    __slots__ = ('op', 'name', 'attrs', 'inputs', 'subgraphs', '_params', '_opdef', '_aux',
                 '__weakref__')

    def __init__(self, op, name, attrs=None, inputs=()):
        self.op = op
        self.name = name
        self.attrs = dict(attrs or {})
        self.inputs = list(inputs)
        self.subgraphs = None  # fused (_sg_*) nodes keep MXNet's subgraphs: lists of heads
        self._params = None
        self._opdef = None
        self._aux = None

    @property
    def is_variable(self):
        return self.op == 'null'

    @property
    def opdef(self):
        if self._opdef is None:
            self._opdef = registry.lookup(self.op, self.name)
        return self._opdef

    @property
    def params(self):
        if self._params is None:
            self._params = self.opdef.parse(self.attrs, self.name)
        return self._params

    def set_attr(self, key, value):
        self.attrs[key] = value
        self._params = None

    def input_names(self):
        if self.is_variable:
            return []
        return self.opdef.input_names(self.params, len(self.inputs))

    def aux_indices(self):
        """Input positions that are auxiliary states (remembered for the parsed attributes and
        input count they follow from: listing a symbol's arguments asks for every node's)."""
        if self.is_variable:
            return ()
        p, n = self.params, len(self.inputs)
        c = self._aux
        if c is None or c[0] is not p or c[1] != n:
            names = self.input_names()
            aux = set(self.opdef.aux_names(p))
            c = self._aux = (p, n, tuple(i for i, name in enumerate(names) if name in aux))
        return c[2]

    def num_outputs(self):
        return 1 if self.is_variable else self.opdef.num_outputs(self.params)

    def output_names(self):
        """Visible output names, e.g. ['fc1_output'] (a variable's is its own name)."""
        if self.is_variable:
            return [self.name]
        return ['%s_%s' % (self.name, o) for o in self.opdef.output_names(self.params)]

    def num_visible_outputs(self):
        return 1 if self.is_variable else len(self.opdef.output_names(self.params))

    def __repr__(self):
        return '<Node %s %s>' % (self.op, self.name)


def topo_order(heads):
    """Nodes reachable from heads in nnvm's DFS post-order (inputs visited in order)."""
    seen = set()
    order = []
    for head, _ in heads:
        if id(head) in seen:
            continue
        seen.add(id(head))
        stack = [(head, iter(head.inputs))]
        while stack:
            node, it = stack[-1]
            for child, _ in it:
                if id(child) not in seen:
                    seen.add(id(child))
                    stack.append((child, iter(child.inputs)))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


def classify_variables(order):
    """(argument nodes, auxiliary-state nodes) in topological order, as MXNet lists them."""
    mutable = set()
    for node in order:
        if not node.is_variable:
            for i in node.aux_indices():
                if i < len(node.inputs):
                    mutable.add(id(node.inputs[i][0]))
    args = [n for n in order if n.is_variable and id(n) not in mutable]
    aux = [n for n in order if n.is_variable and id(n) in mutable]
    return args, aux


def check_ops(order):
    """Raise one MXNetError naming every op tfmod lacks, with the nodes that use it."""
    missing = {}
    for node in order:
        if not node.is_variable and registry.get(node.op) is None:
            missing.setdefault(node.op, []).append(node.name)
    if missing:
        lines = ['  %s: used by %s' % (op, ', '.join(repr(n) for n in nodes))
                 for op, nodes in sorted(missing.items())]
        raise MXNetError('The symbol uses %d operator(s) tfmod does not implement:\n%s'
                         % (len(missing), '\n'.join(lines)))


def node_error(node, exc, in_shapes=None):
    """An MXNetError that names the node and op for an exception raised in its lowering."""
    if isinstance(exc, MXNetError) and 'operator' in str(exc) and node.name in str(exc):
        return exc
    msg = tf_message(exc)
    shapes = ''
    if in_shapes is not None:
        names = node.input_names()
        parts = ['%s=%s' % (names[i] if i < len(names) else i, s) for i, s in enumerate(in_shapes)]
        shapes = ' with inputs (%s)' % ', '.join(parts)
    return MXNetError('Error in operator %s (%s)%s: %s' % (node.name, node.op, shapes, msg))


def scope_name(name):
    """A node's TF name scope (TF allows fewer characters than MXNet names)."""
    cleaned = re.sub(r'[^A-Za-z0-9_.\-]', '_', name) or 'node'
    return cleaned if cleaned[0].isalnum() or cleaned[0] == '.' else 'n' + cleaned


def inference_nodes(heads):
    """Ids of the nodes the heads need when loss layers take their inference forms (which read
    their data input alone): the labels and whatever only they need drop out."""
    seen = set()
    stack = [n for n, _ in heads]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        form = None if node.is_variable else node.opdef.inference
        stack.extend(s for s, _ in (node.inputs[:1] if form is not None else node.inputs))
    return seen


def nan_test_points(order, heads, nodes):
    """Where a guarded call tests for NaN so that a NaN in an output of one of ``nodes`` that
    changes a head cannot go unseen: the (node, output index) pairs of the heads such a NaN
    reaches through ops that propagate NaN (OpDef.propagates_nan), and of the tensors where it
    would enter an op that may turn it into a number (max pooling, clip, a comparison, an
    unflagged op), tested there instead. One test at a max pooling's input then covers every
    relu before it."""
    consumers = _consumers(order)
    seen, stack = set(), list(nodes)
    points = []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for c in consumers.get(id(node), ()):
            if c.opdef.propagates_nan(c.params):
                stack.append(c)
            else:
                points.extend((src, k) for src, k in c.inputs if src is node)
    points.extend((n, k) for n, k in heads if id(n) in seen)
    unique = {}
    for n, k in points:
        unique.setdefault((id(n), k), (n, k))
    return list(unique.values())


def nan_propagation_verified(devices):
    """Do the registry's ``nan_propagates`` flags hold for the kernels a call on ``devices``
    (TF device names) runs? Checked for TF's CPU (Eigen) kernels; oneDNN's fused relus map NaN
    to 0 (so a NaN from an earlier relu could vanish) and GPU kernels are unchecked."""
    return not ONEDNN and all(':CPU:' in d.upper() for d in devices)


def _unread_hidden(order, heads):
    """Node id -> indices of its hidden outputs (beyond the visible ones) that no node of
    ``order`` and no head takes, for the nodes that have such outputs."""
    read = {(id(src), k) for node in order for src, k in node.inputs}
    read.update((id(n), k) for n, k in heads)
    out = {}
    for node in order:
        if node.is_variable:
            continue
        n_vis, n_all = node.num_visible_outputs(), node.num_outputs()
        unread = frozenset(k for k in range(n_vis, n_all) if (id(node), k) not in read)
        if unread:
            out[id(node)] = unread
    return out


def _consumers(order):
    """Node id -> the nodes of ``order`` that take one of its outputs as an input."""
    out = {}
    for node in order:
        for src, _ in node.inputs:
            out.setdefault(id(src), []).append(node)
    return out


def _cast_inputs(node, ins, dtype):
    """A reduced-precision call's inputs: floating ones in ``dtype``, except the inputs the op's
    registry entry marks as indices or lengths (OpDef.index_inputs)."""
    names = node.input_names()
    out = []
    for j, t in enumerate(ins):
        slot = names[j] if j < len(names) else None
        if t.dtype.is_floating and t.dtype != dtype and slot not in node.opdef.index_inputs:
            t = tf.cast(t, dtype)
        out.append(t)
    return out


def _form_lowering(form, dtype):
    """A loss layer's inference form as a lowering; a form marked ``float32`` computes in float32
    under a reduced ``dtype`` and returns ``dtype``."""
    if not form.float32 or dtype is None:
        return form.lower

    def lower(ctx, p, data):
        return tf.cast(form.lower(ctx, p, tf.cast(data, tf.float32)), dtype)
    return lower


class LowerContext:
    """What a lowering may ask of the graph: train mode, randomness, state updates."""
    __slots__ = ('is_train', 'node', 'updates', '_seed', '_index', 'out_shapes', 'layout',
                 'no_grad', 'guards', 'prepare', 'nan_checked', 'nan_left', 'unread', 'memo')

    def __init__(self, is_train, node, seed, index, out_shapes=None, layout=None, no_grad=False,
                 guards=None, prepare=None, nan_checked=False, unread=(), memo=None):
        self.is_train = is_train
        # One graph call's shared constants (see ``shared``), or None.
        self.memo = memo
        # Indices of hidden outputs nothing in this call reads (see ``reads``).
        self.unread = unread
        # No gradient will be taken through this call (an executor's inference forward): a
        # lowering may then use forward-only kernels and skip its custom-gradient wrapper.
        self.no_grad = no_grad
        # When a list (guarded inference): a lowering may compute a faster form that differs
        # from MXNet's only on inputs it can detect, appending a float scalar that is NaN
        # exactly when this call's values differ; the caller then reruns the exact graph.
        self.guards = guards
        # With guards: the call will test for NaN where this node's NaNs go (the heads they
        # reach, or the inputs of ops that may drop them: see leave_nan_to_outputs and
        # nan_test_points); nan_left: the lowering relied on that.
        self.nan_checked = nan_checked
        self.nan_left = False
        # The caller's weight cache (see ``prepared``), or None.
        self.prepare = prepare
        self.node = node
        self.updates = []
        self._seed = seed
        self._index = index
        # The node's output shapes as inferred over the whole graph (None where unknown), for
        # ops whose attributes leave dims to inference (``_zeros(shape=(0, 4))``).
        self.out_shapes = out_shapes
        # Channels-last twins of this graph call's tensors (converters/layout.py).
        self.layout = layout

    @property
    def name(self):
        return self.node.name

    def shared(self, key, build):
        """``build()``, a tensor that depends on nothing but ``key`` (a constant and what is
        computed from constants alone), made once per graph call: every BatchNorm of a net
        would otherwise build its own copy of the same few scalars."""
        if self.memo is None:
            return build()
        t = self.memo.get(key)
        if t is None:
            t = self.memo[key] = build()
        return t

    def reads(self, k):
        """Does anything read output ``k``? False only for a hidden output (BatchNorm's mean
        and inverse std without output_mean_var) that no node or head of the graph call takes:
        the lowering may return None for it rather than build ops nothing runs."""
        return k not in self.unread

    def leave_nan_to_outputs(self):
        """In a guarded call: True when a fast form whose values differ from MXNet's only by
        NaNs in this node's outputs needs no guard of its own: the call then tests for NaN the
        heads those NaNs reach through NaN-propagating ops, and the tensors where they would
        enter an op that may drop them (nan_test_points)."""
        if self.nan_checked:
            self.nan_left = True
        return self.nan_checked

    def update(self, input_index, value):
        """Set the variable feeding input ``input_index`` to ``value`` (aux states, fixed gamma)."""
        self.updates.append((input_index, value))

    def prepared(self, input_index, key, fn, value):
        """``fn(value)``, a function of input ``input_index`` alone (a kernel's layout change).
        When that input is a variable and the caller keeps a weight cache (an executor's
        inference call), the cache's copy of ``fn(variable)`` instead, computed once per change
        of the weights rather than on every call. ``key`` names ``fn`` (same key, same fn)."""
        if self.prepare is not None:
            src = self.node.inputs[input_index][0]
            if src.is_variable:
                t = self.prepare(src.name, key, fn)
                if t is not None:
                    return t
        return fn(value)

    def seed(self, k=0):
        """A stateless-RNG seed (shape [2], int32) unique to this node and call."""
        base = self._seed if self._seed is not None else tf.constant([0, 0], tf.int32)
        return base + tf.constant([self._index * 16 + k, self._index], tf.int32)


class GraphFunction:
    """A graph lowered to TF: ``fn(values, is_train, seed) -> (outputs, updates)``.

    ``values`` maps every argument and auxiliary-state name to a tensor. ``outputs`` follow the
    heads; ``updates`` maps variable names to their new values (aux states after training, fixed
    BatchNorm gammas). ``internals=True`` also returns every visible node output by name.

    ``inference_forms=True`` is the exported graph: each loss layer computes its registry entry's
    inference form over its data input alone, and only the nodes that form needs run
    (``run_order``); ``values`` then need no labels.
    """

    def __init__(self, heads, placement=None, inference_forms=False):
        self.heads = list(heads)
        self.order = topo_order(self.heads)
        check_ops(self.order)
        args, aux = classify_variables(self.order)
        self.arg_names = [n.name for n in args]
        self.aux_names = [n.name for n in aux]
        self.placement = placement or {}
        self.inference_forms = inference_forms
        self._index = {id(n): i for i, n in enumerate(self.order)}
        # (position in ``order``, node) of the nodes a call runs; the position seeds the RNG
        steps = list(enumerate(self.order))
        if inference_forms:
            needed = inference_nodes(self.heads)
            steps = [(i, n) for i, n in steps if id(n) in needed]
        self._steps = steps
        self.run_order = [n for _, n in steps]
        self.uses_rng = any(not n.is_variable and n.opdef.uses_rng for n in self.run_order)
        self._out_shapes = {}
        self._open_dims = {}
        self._unread = _unread_hidden(self.run_order, self.heads)

    def set_inferred(self, result, open_dims=None):
        """Remember every node's inferred output shapes (an infer.InferResult). ``open_dims``:
        {(node id, output, axis): (variable name, axis)}, the dims a creation op's output
        (``_zeros(shape=(0, 4))``) takes from an open input dim, read at run time."""
        self._out_shapes = {id(n): [result.shape(n, k) for k in range(n.num_outputs())]
                            for n in self.order if not n.is_variable}
        self._open_dims = dict(open_dims or {})

    def _node_out_shapes(self, node, values):
        """The node's inferred output shapes, open dims of creation ops from ``values``."""
        shapes = self._out_shapes.get(id(node))
        if not self._open_dims or node.inputs or shapes is None:
            return shapes
        out = []
        for k, s in enumerate(shapes):
            if s is not None:
                dims = []
                for ax, d in enumerate(s):
                    src = self._open_dims.get((id(node), k, ax))
                    if d is None and src is not None:
                        d = tf.shape(values[src[0]])[src[1]]
                    dims.append(d)
                s = tuple(dims)
            out.append(s)
        return out

    def nodes_needing_grad(self, grad_args):
        """Names of op nodes whose backward runs when ``grad_args`` need gradients: those with
        an input that depends on one of them (MXNet prunes the backward of all others, and so
        their aux-state updates)."""
        needs = set()
        out = set()
        for node in self.order:
            if node.is_variable:
                if node.name in grad_args:
                    needs.add(id(node))
                continue
            if any(id(src) in needs for src, _ in node.inputs):
                needs.add(id(node))
                out.add(node.name)
        return out

    def __call__(self, values, is_train=False, seed=None, internals=False,
                 aux_update_nodes=None, no_grad=False, guards=None, prepare=None,
                 compute_dtype=None, check_outputs=False):
        """Run the graph. ``aux_update_nodes``: if given, only these nodes may update aux
        states (the others' backward is pruned in MXNet). ``no_grad``: nothing will
        differentiate this call (inference), so lowerings may drop gradient-only work.
        ``guards``: a list (with ``no_grad``) that lowerings' fast forms append their
        NaN-when-inexact scalars to (see LowerContext.guards; ``guard_flag`` combines them).
        ``check_outputs`` (with ``guards``; only where ``nan_propagation_verified``): lowerings
        may leave their NaN checks to the call (LowerContext.leave_nan_to_outputs); a NaN test
        of each tensor ``nan_test_points`` names for them joins guards.
        ``prepare(name, key, fn)``: the caller's weight cache (LowerContext.prepared).
        ``compute_dtype``: a reduced-precision call (a float16/bfloat16 export): every op's
        floating inputs are cast to it, index inputs excepted (OpDef.index_inputs)."""
        env = {}
        updates = {}
        layout = {}
        memo = {}
        collected = {} if internals else None
        leave = bool(check_outputs and guards is not None and no_grad)
        left = []
        for i, node in self._steps:
            if node.is_variable:
                try:
                    env[id(node)] = (values[node.name],)
                except KeyError:
                    raise MXNetError('no value bound for variable %r' % node.name) from None
                continue
            form = node.opdef.inference if self.inference_forms else None
            if form is None:
                ins = [env[id(src)][k] for src, k in node.inputs]
                lower = node.opdef.lower
            else:
                ins = [env[id(src)][k] for src, k in node.inputs[:1]]
                lower = _form_lowering(form, compute_dtype)
            if compute_dtype is not None:
                ins = _cast_inputs(node, ins, compute_dtype)
            ctx = LowerContext(is_train, node, seed, i, self._node_out_shapes(node, values),
                               layout, no_grad, guards if no_grad else None,
                               prepare if no_grad else None, leave,
                               self._unread.get(id(node), ()), memo)
            dev = self.placement.get(node.name)
            try:
                with tf.name_scope(scope_name(node.name)):
                    if dev is not None:
                        out = lower_on_device(lower, ctx, node.params, ins, dev)
                    else:
                        out = lower(ctx, node.params, *ins)
            except (ValueError, TypeError, IndexError, tf.errors.OpError, MXNetError) as e:
                raise node_error(node, e, [tuple(t.shape) for t in ins]) from None
            if not isinstance(out, (tuple, list)):
                out = (out,)
            env[id(node)] = tuple(out)
            if ctx.nan_left:
                left.append(node)
            if ctx.updates:
                aux_idx = node.aux_indices()
                for idx, val in ctx.updates:
                    src = node.inputs[idx][0]
                    if not src.is_variable:
                        continue
                    if idx in aux_idx and aux_update_nodes is not None and \
                            node.name not in aux_update_nodes:
                        continue
                    updates[src.name] = val
            if collected is not None:
                for name, t in zip(node.output_names(), out):
                    collected[name] = t
        outputs = [env[id(n)][k] for n, k in self.heads]
        if left:
            for n, k in nan_test_points([n for _, n in self._steps], self.heads, left):
                t = env[id(n)][k]
                # the channels-last twin when there is one (same NaNs): testing the
                # channels-first form would keep a transpose nothing else reads
                twin = _layout.twin_in(layout, t)
                if t.dtype.is_floating:
                    guards.append(_nan_test(t if twin is None else twin))
        if internals:
            return outputs, updates, collected
        return outputs, updates

    def needs_head_grads(self):
        """Per head: does its gradient depend on a head gradient (False for loss layers)?"""
        return [bool(not n.is_variable and n.opdef.needs_head_grad) for n, _ in self.heads]


def _nan_test(t):
    """A boolean scalar guard: does ``t`` hold a NaN?"""
    return tf.reduce_any(tf.math.is_nan(t))


def guard_flag(guards):
    """One boolean scalar: did any fast form of a guarded call differ from MXNet's exact
    one? Float guards are sums of non-negative values (NaN exactly when one of them is, so
    their sum is tested once); boolean guards are NaN tests of the outputs. None when no
    lowering took a fast form."""
    if not guards:
        return None
    sums = [tf.cast(g, tf.float32) for g in guards if g.dtype != tf.bool]
    flags = [g for g in guards if g.dtype == tf.bool]
    if sums:
        flags.append(tf.math.is_nan(tf.add_n(sums)))
    return flags[0] if len(flags) == 1 else tf.reduce_any(tf.stack(flags))
