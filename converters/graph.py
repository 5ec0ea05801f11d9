"""The op graph and its lowering: MXNet nodes -> one Python callable over TF tensors.

A graph is a set of :class:`Node` objects (``op == 'null'`` for variables) reachable from a list
of head entries ``(node, output_index)``. :class:`GraphFunction` walks it once, in the same
depth-first post-order MXNet (nnvm) uses -- which fixes ``list_arguments()`` order -- and returns a
callable ``values, is_train -> (outputs, updates)`` that is traced into ``tf.function``s.
"""
import re

import tensorflow as tf

from . import registry
from .base import MXNetError, tf_message
from .placement import lower_on_device


class Node:
    """One node of an MXNet graph: an op applied to input entries, or a variable ('null')."""
    __slots__ = ('op', 'name', 'attrs', 'inputs', 'subgraphs', '_params', '_opdef',
                 '__weakref__')

    def __init__(self, op, name, attrs=None, inputs=()):
        self.op = op
        self.name = name
        self.attrs = dict(attrs or {})
        self.inputs = list(inputs)
        self.subgraphs = None  # fused (_sg_*) nodes keep MXNet's subgraphs: lists of heads
        self._params = None
        self._opdef = None

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
        """Input positions that are auxiliary states."""
        if self.is_variable:
            return ()
        names = self.input_names()
        aux = set(self.opdef.aux_names(self.params))
        return tuple(i for i, n in enumerate(names) if n in aux)

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


def _scope(name):
    """A TF name scope for a node (TF allows fewer characters than MXNet names)."""
    cleaned = re.sub(r'[^A-Za-z0-9_.\-]', '_', name) or 'node'
    return cleaned if cleaned[0].isalnum() or cleaned[0] == '.' else 'n' + cleaned


class LowerContext:
    """What a lowering may ask of the graph: train mode, randomness, state updates."""
    __slots__ = ('is_train', 'node', 'updates', '_seed', '_index', 'out_shapes', 'layout',
                 'no_grad', 'guards', 'prepare')

    def __init__(self, is_train, node, seed, index, out_shapes=None, layout=None, no_grad=False,
                 guards=None, prepare=None):
        self.is_train = is_train
        # No gradient will be taken through this call (an executor's inference forward): a
        # lowering may then use forward-only kernels and skip its custom-gradient wrapper.
        self.no_grad = no_grad
        # When a list (guarded inference): a lowering may compute a faster form that differs
        # from MXNet's only on inputs it can detect, appending a float scalar that is NaN
        # exactly when this call's values differ; the caller then reruns the exact graph.
        self.guards = guards
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
    """

    def __init__(self, heads, placement=None):
        self.heads = list(heads)
        self.order = topo_order(self.heads)
        check_ops(self.order)
        args, aux = classify_variables(self.order)
        self.arg_names = [n.name for n in args]
        self.aux_names = [n.name for n in aux]
        self.placement = placement or {}
        self._index = {id(n): i for i, n in enumerate(self.order)}
        self.uses_rng = any(not n.is_variable and n.opdef.uses_rng for n in self.order)
        self._out_shapes = {}

    def set_inferred(self, result):
        """Remember every node's inferred output shapes (an infer.InferResult)."""
        self._out_shapes = {id(n): [result.shape(n, k) for k in range(n.num_outputs())]
                            for n in self.order if not n.is_variable}

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
                 aux_update_nodes=None, no_grad=False, guards=None, prepare=None):
        """Run the graph. ``aux_update_nodes``: if given, only these nodes may update aux
        states (the others' backward is pruned in MXNet). ``no_grad``: nothing will
        differentiate this call (inference), so lowerings may drop gradient-only work.
        ``guards``: a list (with ``no_grad``) that lowerings' fast forms append their
        NaN-when-inexact scalars to (see LowerContext.guards; ``guard_flag`` combines them).
        ``prepare(name, key, fn)``: the caller's weight cache (LowerContext.prepared)."""
        env = {}
        updates = {}
        layout = {}
        collected = {} if internals else None
        for i, node in enumerate(self.order):
            if node.is_variable:
                try:
                    env[id(node)] = (values[node.name],)
                except KeyError:
                    raise MXNetError('no value bound for variable %r' % node.name) from None
                continue
            ins = [env[id(src)][k] for src, k in node.inputs]
            ctx = LowerContext(is_train, node, seed, i, self._out_shapes.get(id(node)), layout,
                               no_grad, guards if no_grad else None,
                               prepare if no_grad else None)
            dev = self.placement.get(node.name)
            try:
                with tf.name_scope(_scope(node.name)):
                    if dev is not None:
                        out = lower_on_device(node.opdef.lower, ctx, node.params, ins, dev)
                    else:
                        out = node.opdef.lower(ctx, node.params, *ins)
            except (ValueError, TypeError, IndexError, tf.errors.OpError, MXNetError) as e:
                raise node_error(node, e, [tuple(t.shape) for t in ins]) from None
            if not isinstance(out, (tuple, list)):
                out = (out,)
            env[id(node)] = tuple(out)
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
        if internals:
            return outputs, updates, collected
        return outputs, updates

    def needs_head_grads(self):
        """Per head: does its gradient depend on a head gradient (False for loss layers)?"""
        return [bool(not n.is_variable and n.opdef.needs_head_grad) for n, _ in self.heads]


def guard_flag(guards):
    """One boolean scalar: did any fast form of a guarded call differ from MXNet's exact
    one (any guard NaN)? The guards are sums of non-negative values, so their sum is NaN
    exactly when one of them is; None when no lowering took a fast form."""
    if not guards:
        return None
    return tf.math.is_nan(tf.add_n([tf.cast(g, tf.float32) for g in guards]))
