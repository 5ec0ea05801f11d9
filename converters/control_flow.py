"""Control flow from hybridized Gluon blocks: ``_foreach``, ``_while_loop`` and ``_cond``
(``F.contrib.foreach`` / ``while_loop`` / ``cond``).

A ``_foreach`` node carries its loop body as a subgraph. The node's inputs are the sequences
(sliced along axis 0), then the initial states, then the other inputs the body reads
(parameters); ``in_data_locs`` / ``in_state_locs`` / ``remain_locs`` say which body variable
(in the body's DFS order) each of them feeds. The body's first ``num_out_data`` heads are the
per-step outputs, stacked along a new axis 0; the rest are the next states, and the node's
last outputs are the final states.

The loop is unrolled over the (static) sequence length, so gradients are TF's through every
step; the body's parameters and shapes are inferred through the body, as MXNet does.

``_while_loop`` carries loop variables through ``func`` while ``cond`` holds, at most
``max_iterations`` times; its per-step outputs have ``max_iterations`` rows, zeros past the last
step (as MXNet's read). It is unrolled ``max_iterations`` times, each step applied only while
the loop is running. ``_cond`` runs ``then_branch`` or ``else_branch`` on the value of its
``cond`` subgraph (``tf.cond``). ``*_input_locs`` map each subgraph's variables (DFS order) to
node inputs; ``func_var_locs`` says which func variable each loop variable is.
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


def _output_names(p):
    """MXNet's names: a single output is ``output``, several ``output0``, ``output1``..."""
    return ['output'] if p.num_outputs == 1 else ['output%d' % i for i in range(p.num_outputs)]


@op('_foreach', outputs=_output_names,
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


def _subgraph(node, i, what):
    subs = node.subgraphs or []
    if len(subs) <= i:
        raise MXNetError('%s "%s": missing its %s subgraph' % (node.op, node.name, what))
    heads = subs[i]
    return heads, [n for n in topo_order(heads) if n.is_variable]


def _feed(node, what, variables, locs, inputs):
    if len(locs) != len(variables) or any(not 0 <= k < len(inputs) for k in locs):
        raise MXNetError('%s "%s": %s_input_locs %s do not match its %d variables and %d inputs'
                         % (node.op, node.name, what, list(locs), len(variables), len(inputs)))
    return {v.name: inputs[k] for v, k in zip(variables, locs)}


def _truth(c):
    return tf.not_equal(tf.reshape(c, [-1])[0], tf.zeros([], c.dtype))


def _while_infer(node, in_shapes, out_shapes):
    p = node.params
    heads, variables = _subgraph(node, 1, 'func')
    known = {v.name: in_shapes[k] for v, k in zip(variables, p.func_input_locs)
             if in_shapes[k] is not None}
    res = infer(heads, known, partial=True)
    new = list(in_shapes)
    for v, k in zip(variables, p.func_input_locs):
        if new[k] is None and res.shape(v) is not None:
            new[k] = res.shape(v)
    return new


@op('_while_loop', outputs=_output_names,
    num_outputs=lambda p: p.num_outputs, infer_node=_while_infer)
def while_loop(ctx, p, *inputs):
    """Loop variables through func while cond holds (at most max_iterations steps)."""
    node = ctx.node
    c_heads, c_vars = _subgraph(node, 0, 'cond')
    f_heads, f_vars = _subgraph(node, 1, 'func')
    cond_fn, func_fn = GraphFunction(c_heads), GraphFunction(f_heads)
    n_vars = len(p.func_var_locs)
    if p.num_outputs != p.num_out_data + n_vars or len(f_heads) != p.num_outputs:
        raise MXNetError('_while_loop "%s": func has %d outputs for num_out_data=%d and %d loop '
                         'variables' % (node.name, len(f_heads), p.num_out_data, n_vars))
    # node input carrying loop variable j: the input feeding func variable func_var_locs[j]
    var_inputs = [p.func_input_locs[loc] for loc in p.func_var_locs]
    current = list(inputs)
    active = tf.constant(True)
    rows = [[] for _ in range(p.num_out_data)]
    for step in range(p.max_iterations):
        seed = ctx.seed(step)
        (c,), _ = cond_fn(_feed(node, 'cond', c_vars, p.cond_input_locs, current),
                          ctx.is_train, seed if cond_fn.uses_rng else None)
        active = tf.logical_and(active, _truth(c))
        outs, _ = func_fn(_feed(node, 'func', f_vars, p.func_input_locs, current),
                          ctx.is_train, seed if func_fn.uses_rng else None)
        for k in range(p.num_out_data):
            rows[k].append(tf.where(active, outs[k], tf.zeros_like(outs[k])))
        for j, k in enumerate(var_inputs):
            new = tf.cast(outs[p.num_out_data + j], current[k].dtype)
            current[k] = tf.where(active, tf.reshape(new, tf.shape(current[k])), current[k])
    return tuple(tf.stack(r, 0) for r in rows) + tuple(current[k] for k in var_inputs)


@op('_cond', outputs=_output_names,
    num_outputs=lambda p: p.num_outputs)
def cond(ctx, p, *inputs):
    """then_branch(inputs) if cond(inputs) else else_branch(inputs)."""
    node = ctx.node
    c_heads, c_vars = _subgraph(node, 0, 'cond')
    t_heads, t_vars = _subgraph(node, 1, 'then_branch')
    e_heads, e_vars = _subgraph(node, 2, 'else_branch')
    fns = [GraphFunction(h) for h in (c_heads, t_heads, e_heads)]
    seed = ctx.seed(0)

    def run(i, variables, locs, what):
        fn = fns[i]
        outs, _ = fn(_feed(node, what, variables, locs, inputs), ctx.is_train,
                     seed if fn.uses_rng else None)
        if len(outs) != p.num_outputs:
            raise MXNetError('_cond "%s": its %s has %d outputs, num_outputs=%d'
                             % (node.name, what, len(outs), p.num_outputs))
        return outs
    c = fns[0](_feed(node, 'cond', c_vars, p.cond_input_locs, inputs), ctx.is_train,
               seed if fns[0].uses_rng else None)[0][0]
    out = tf.cond(_truth(c), lambda: run(1, t_vars, p.then_input_locs, 'then'),
                  lambda: run(2, e_vars, p.else_input_locs, 'else'))
    return tuple(out)
