"""Control flow from hybridized Gluon blocks: ``_foreach`` (``F.contrib.foreach``).

A ``_foreach`` node carries its loop body as a subgraph. The node's inputs are the sequences
(sliced along axis 0), then the initial states, then the other inputs the body reads
(parameters); ``in_data_locs`` / ``in_state_locs`` / ``remain_locs`` say which body variable
(in the body's DFS order) each of them feeds. The body's first ``num_out_data`` heads are the
per-step outputs, stacked along a new axis 0; the rest are the next states, and the node's
last outputs are the final states.

The loop is unrolled over the (static) sequence length, so gradients are TF's through every
step; the body's parameters and shapes are inferred through the body, as MXNet does.
"""
import tensorflow as tf

from .base import MXNetError
from .graph import GraphFunction, topo_order
from .infer import infer
from .registry import op


def _body(node):
    subs = node.subgraphs
    if not subs or len(subs) != 1:
        raise MXNetError('_foreach "%s": needs exactly one body subgraph, got %d'
                         % (node.name, len(subs or ())))
    heads = subs[0]
    variables = [n for n in topo_order(heads) if n.is_variable]
    return heads, variables


def _layout(node):
    """(body variables, [(node input index, body variable)] for data, states, remains)."""
    p = node.params
    heads, variables = _body(node)
    n_data, n_state = len(p.in_data_locs), len(p.in_state_locs)
    locs = list(p.in_data_locs) + list(p.in_state_locs) + list(p.remain_locs)
    if len(locs) != len(node.inputs) or sorted(locs) != list(range(len(variables))):
        raise MXNetError('_foreach "%s": in_data_locs/in_state_locs/remain_locs %s do not match '
                         'its %d inputs and %d body variables'
                         % (node.name, locs, len(node.inputs), len(variables)))
    if p.num_outputs != len(heads) or not 0 <= p.num_out_data <= len(heads) or \
            len(heads) - p.num_out_data != n_state:
        raise MXNetError('_foreach "%s": its body has %d outputs for num_outputs=%d, '
                         'num_out_data=%d and %d states'
                         % (node.name, len(heads), p.num_outputs, p.num_out_data, n_state))
    return heads, variables, locs, n_data, n_state


def _foreach_infer(node, in_shapes, out_shapes):
    heads, variables, locs, n_data, n_state = _layout(node)
    known = {}
    for i, loc in enumerate(locs):
        s = in_shapes[i]
        if s is not None:
            known[variables[loc].name] = tuple(s[1:]) if i < n_data else tuple(s)
    res = infer(heads, known, partial=True)
    new = list(in_shapes)
    for i, loc in enumerate(locs):
        s = res.shape(variables[loc])
        if new[i] is None and s is not None and i >= n_data:
            new[i] = s
    return new


@op('_foreach', outputs=lambda p: ['output%d' % i for i in range(p.num_outputs)],
    num_outputs=lambda p: p.num_outputs, infer_node=_foreach_infer)
def foreach(ctx, p, *inputs):
    """Run the body over axis 0 of the data inputs, carrying the states."""
    node = ctx.node
    heads, variables, locs, n_data, n_state = _layout(node)
    fn = GraphFunction(heads)
    if fn.aux_names:
        raise MXNetError('_foreach "%s": a body with auxiliary states (%s) is not supported'
                         % (node.name, ', '.join(fn.aux_names)))
    data = inputs[:n_data]
    if not data:
        raise MXNetError('_foreach "%s": needs at least one data input' % node.name)
    steps = {d.shape.as_list()[0] for d in data}
    if len(steps) != 1 or None in steps:
        raise MXNetError('_foreach "%s": the data inputs need one known length along axis 0, '
                         'got shapes %s' % (node.name, [tuple(d.shape.as_list()) for d in data]))
    steps = steps.pop()
    states = list(inputs[n_data:n_data + n_state])
    fixed = {variables[loc].name: t
             for loc, t in zip(locs[n_data + n_state:], inputs[n_data + n_state:])}
    per_step = [[] for _ in range(p.num_out_data)]
    for t in range(steps):
        vals = dict(fixed)
        for loc, d in zip(locs[:n_data], data):
            vals[variables[loc].name] = d[t]
        for loc, s in zip(locs[n_data:n_data + n_state], states):
            vals[variables[loc].name] = s
        outs, _ = fn(vals, ctx.is_train, ctx.seed(t) if fn.uses_rng else None)
        for k in range(p.num_out_data):
            per_step[k].append(outs[k])
        states = list(outs[p.num_out_data:])
    if steps == 0:
        raise MXNetError('_foreach "%s": the data inputs are empty along axis 0' % node.name)
    return tuple(tf.stack(o, 0) for o in per_step) + tuple(states)
