"""``mx.sym.contrib.foreach`` / ``while_loop`` / ``cond``: Python functions become
``_foreach`` / ``_while_loop`` / ``_cond`` nodes carrying them as subgraphs, built the way MXNet
builds them so the JSON is MXNet's.

Each function runs once, symbolically, inside ``AttrScope(__subgraph_name__=<unique name>)``
on fresh variables (``<input name>-<output index>``; cond's branches take no arguments).
Outputs that are not nodes of the subgraph (its inputs, or outer symbols) go through
``identity``; outer non-variable entries a subgraph reads are cut into variables named after
the entry's output (``pre_output``) and become node inputs, as do the outer variables it reads
(one read by two subgraphs of a while_loop takes two input slots, as in MXNet).
"""
from tfmod_converters.graph import Node, topo_order
from ..attribute import AttrScope, current as _attr_scope
from .. import _nest
from ..base import MXNetError
from .register import _make_function
from .symbol import Group, Symbol, Variable

_SUBGRAPH_COUNTS = {}   # per process, as MXNet's AttrScope._subgraph_names
_KEY = '__subgraph_name__'


def _flatten(args, what):
    return _nest.flatten(args, Symbol, what)


_regroup = _nest.regroup


def _unique_name(name):
    outer = _attr_scope().get(None).get(_KEY, '')
    if outer:
        name = outer + '$' + name
    n = _SUBGRAPH_COUNTS.get(name, 0)
    _SUBGRAPH_COUNTS[name] = n + 1
    return name + str(n)


def _uniq_input_name(sym):
    if len(sym._heads) != 1:
        raise MXNetError('control flow inputs must be single-output symbols, got %s'
                         % sym.list_outputs())
    node, k = sym._heads[0]
    return '%s-%d' % (node.name, k)


def _identities(syms, name, state_start=None, out_names=()):
    """Head entries of syms, each through identity() where MXNet puts one: it is an input of
    the group or not a node of subgraph ``name`` -- or, for foreach's states (from
    ``state_start``), it has the name of an output."""
    identity = _make_function('identity')
    inputs = set(Group(list(syms)).list_inputs())
    heads = []
    for i, x in enumerate(syms):
        inside = x._heads[0][0].attrs.get(_KEY, '') == name
        named = state_start is not None and i >= state_start and x.name in out_names
        heads.append((identity(x) if x.name in inputs or not inside or named else x)._heads[0])
    return heads


def _subgraph(outputs, states, name):
    return _identities(list(outputs) + list(states), name, len(outputs),
                       {o.name for o in outputs})


def _cut(heads, name):
    """Replace the outer non-variable entries the body reads by variables named after their
    output -> {variable name: outer entry}."""
    cut, made = {}, {}
    for node in topo_order(heads):
        if node.is_variable or node.attrs.get(_KEY, '') != name:
            continue
        new_inputs = []
        for src, k in node.inputs:
            if not src.is_variable and src.attrs.get(_KEY, '') != name:
                key = (id(src), k)
                if key not in made:
                    vname = src.output_names()[k]
                    made[key] = Node('null', vname)
                    cut[vname] = (src, k)
                new_inputs.append((made[key], 0))
            else:
                new_inputs.append((src, k))
        node.inputs = new_inputs
    return cut


def foreach(body, data, init_states, name='foreach'):
    """``body(data_slice, states) -> (outputs, new_states)`` over axis 0 of data, as a
    ``_foreach`` node -> (stacked outputs, final states)."""
    flat_data, data_fmt = _flatten(data, 'foreach data')
    flat_states, state_fmt = _flatten(init_states, 'foreach init_states')
    name = _unique_name(name)
    with AttrScope(**{_KEY: name}):
        ins = [Variable(_uniq_input_name(s)) for s in flat_data]
        ins, _ = _regroup(ins, data_fmt)
        states = [Variable(_uniq_input_name(s)) for s in flat_states]
        states, _ = _regroup(states, state_fmt)
        outs, new_states = body(ins, states)
        outs, out_fmt = _flatten(outs, 'foreach output')
        new_states, new_fmt = _flatten(new_states, 'foreach states')
        if new_fmt != state_fmt:
            raise MXNetError('foreach: the body returned states nested as %s, the initial '
                             'states are nested as %s' % (new_fmt, state_fmt))
        heads = _subgraph(outs, new_states, name)
    cut = _cut(heads, name)
    variables = [n for n in topo_order(heads) if n.is_variable]
    names = [v.name for v in variables]
    if len(set(names)) != len(names):
        raise MXNetError('foreach: the body\'s inputs do not have unique names: %s' % names)
    data_names = [_uniq_input_name(s) for s in flat_data]
    state_names = [_uniq_input_name(s) for s in flat_states]
    for what, wanted in (('data', data_names), ('state', state_names)):
        missing = [n for n in wanted if n not in names]
        if missing:
            raise MXNetError('foreach: the %s arrays have to be used in the loop body '
                             '(unused: %s)' % (what, ', '.join(missing)))
    ordered = list(flat_data) + list(flat_states)
    remain_locs = []
    for i, v in enumerate(variables):
        if v.name in cut:
            ordered.append(Symbol([cut[v.name]]))
            remain_locs.append(i)
        elif v.name not in data_names and v.name not in state_names:
            ordered.append(Symbol([(v, 0)]))
            remain_locs.append(i)

    def locs(values):
        return '[%s]' % ', '.join(str(x) for x in values)
    num_outputs = len(outs) + len(new_states)
    op_fn = _make_function('_foreach')   # mx.sym._internal._foreach
    ret = op_fn(*ordered, num_args=len(ordered) + 1, num_outputs=num_outputs,
                num_out_data=len(outs),
                in_state_locs=locs(names.index(n) for n in state_names),
                in_data_locs=locs(names.index(n) for n in data_names),
                remain_locs=locs(remain_locs))
    ret._heads[0][0].subgraphs = [heads]
    node = ret._heads[0][0]
    ret = Symbol([(node, k) for k in range(num_outputs)])
    outputs, _ = _regroup([ret[i] for i in range(len(outs))], out_fmt)
    final, _ = _regroup([ret[len(outs) + i] for i in range(len(new_states))], state_fmt)
    return outputs, final


def _copy_var(node):
    """MXNet's copy.deepcopy of an outer variable: a new input slot, the same variable."""
    return Symbol([(node, 0)])


def _locs(values):
    return '[%s]' % ', '.join(str(x) for x in values)


def _make_graph(graph_vars, graph_func, name):
    """Run graph_func on fresh variables inside its own subgraph scope -> (head entries,
    number of data outputs, output format, loop-var format)."""
    name = _unique_name(name)
    with AttrScope(**{_KEY: name}):
        flat, fmt = _flatten(graph_vars, 'while_loop loop_vars') if graph_vars else ([], [])
        new_vars, _ = _regroup([Variable(_uniq_input_name(v)) for v in flat], fmt) \
            if flat else ([], [])
        outputs, states, out_fmt, var_fmt = graph_func(new_vars)
        heads = _identities(list(outputs) + list(states), name)
    return heads, len(outputs), out_fmt, var_fmt, name


def _graph_inputs(heads, name, reuse):
    """Cut the subgraph, then its node inputs: ``reuse(var name)`` -> a Symbol already chosen
    (loop var, or cond's inputs by name) or None for a new one."""
    cut = _cut(heads, name)
    chosen = []
    for v in [n for n in topo_order(heads) if n.is_variable]:
        sym = reuse(v.name)
        if sym is None:
            sym = Symbol([cut[v.name]]) if v.name in cut else _copy_var(v)
        chosen.append((v.name, sym))
    names = [n for n, _ in chosen]
    if len(set(names)) != len(names):
        raise MXNetError('the inputs of the subgraph %s do not have unique names: %s'
                         % (name, names))
    return chosen


def _union(graphs, inputs, slot_of):
    """Node inputs shared by identity across subgraphs -> per graph the slot of each var."""
    all_locs = []
    for chosen in graphs:
        locs = []
        for _, sym in chosen:
            if id(sym) not in slot_of:
                slot_of[id(sym)] = len(inputs)
                inputs.append(sym)
            locs.append(slot_of[id(sym)])
        all_locs.append(locs)
    return all_locs


def while_loop(cond, func, loop_vars, max_iterations=None, name='while_loop'):
    """``while cond(*vars): outputs, vars = func(*vars)``, at most max_iterations times, as a
    ``_while_loop`` node -> (outputs stacked to max_iterations rows, final loop vars)."""
    if max_iterations is None:
        raise MXNetError('while_loop: max_iterations should be specified')
    max_iterations = int(max_iterations)
    flat_vars, var_fmt = _flatten(loop_vars, 'while_loop loop_vars')
    if not flat_vars:
        raise MXNetError('while_loop: loop_vars should contain at least one element')

    def cond_wrapper(vars_):
        result = cond(*vars_)
        if not isinstance(result, Symbol):
            raise MXNetError('while_loop: cond must return a Symbol')
        return [], [result], [], []

    def func_wrapper(vars_):
        out, new = func(*vars_)
        out = [] if out is None else list(out) if isinstance(out, tuple) else out
        new = [] if new is None else list(new) if isinstance(new, tuple) else new
        # a lone Symbol output: compare by type, never with ``!=`` (a Symbol op)
        empty = isinstance(out, list) and not out
        out, out_fmt = ([], []) if empty else _flatten(out, 'while_loop output')
        new, new_fmt = _flatten(new, 'while_loop loop_vars')
        if len(new) != len(vars_ if isinstance(vars_, list) else [vars_]):
            raise MXNetError('while_loop: the number of loop_vars should be consistent during '
                             'the loop')
        return out, new, out_fmt, new_fmt

    args = loop_vars if isinstance(loop_vars, (list, tuple)) else [loop_vars]
    cond_heads, _, _, _, cond_name = _make_graph(args, cond_wrapper, name + '_cond')
    func_heads, n_out, out_fmt, _, func_name = _make_graph(args, func_wrapper, name + '_func')
    by_name = {_uniq_input_name(v): v for v in flat_vars}
    var_pos = {_uniq_input_name(v): i for i, v in enumerate(flat_vars)}
    graphs = [_graph_inputs(cond_heads, cond_name, by_name.get),
              _graph_inputs(func_heads, func_name, by_name.get)]
    inputs = []
    cond_locs, func_locs = _union(graphs, inputs, {})
    func_var_locs = [-1] * len(flat_vars)
    for j, (vname, _) in enumerate(graphs[1]):
        if vname in var_pos:
            func_var_locs[var_pos[vname]] = j
    for i, loc in enumerate(func_var_locs, 1):
        if loc == -1:
            raise MXNetError("while_loop: the %d-th loop_var doesn't involve into the "
                             "computation" % i)
    num_outputs = len(func_heads)
    op_fn = _make_function('_while_loop')   # mx.sym._internal._while_loop
    ret = op_fn(*inputs, num_args=len(inputs) + 2, max_iterations=max_iterations,
                cond_input_locs=_locs(cond_locs),
                func_input_locs=_locs(func_locs),
                func_var_locs=_locs(func_var_locs), num_out_data=n_out,
                num_outputs=num_outputs)
    node = ret._heads[0][0]
    node.subgraphs = [cond_heads, func_heads]
    ret = Symbol([(node, k) for k in range(num_outputs)])
    outputs, _ = _regroup([ret[i] for i in range(n_out)], out_fmt) if n_out else ([], [])
    final, _ = _regroup([ret[i] for i in range(n_out, num_outputs)], var_fmt)
    return outputs, final


def cond(pred, then_func, else_func, name='cond'):
    """then_func() if pred else else_func(), as a ``_cond`` node -> its outputs."""

    def make(fn, suffix):
        def wrapper(_):
            out = fn()
            out, fmt = _flatten(out, 'cond outputs')
            return out, [], fmt, []
        heads, n_out, fmt, _, gname = _make_graph([], wrapper, name + suffix)
        return heads, n_out, fmt, gname

    pred_heads, n_pred, _, pred_name = make(lambda: pred, '_pred')
    if n_pred != 1:
        raise MXNetError('cond: pred should always be a single output')
    then_heads, n_then, then_fmt, then_name = make(then_func, '_then')
    else_heads, n_else, _, else_name = make(else_func, '_else')
    if n_then != n_else:
        raise MXNetError('cond: the then-branch has %d outputs, the else-branch %d'
                         % (n_then, n_else))
    inputs, slot_of, all_locs = [], {}, []
    for heads, gname in ((pred_heads, pred_name), (then_heads, then_name),
                         (else_heads, else_name)):
        by_name = {s.name: s for s in inputs}
        chosen = _graph_inputs(heads, gname, by_name.get)
        all_locs.extend(_union([chosen], inputs, slot_of))
    op_fn = _make_function('_cond')   # mx.sym._internal._cond
    ret = op_fn(*inputs, num_args=len(inputs) + 3,
                cond_input_locs=_locs(all_locs[0]),
                then_input_locs=_locs(all_locs[1]),
                else_input_locs=_locs(all_locs[2]), num_outputs=n_then)
    node = ret._heads[0][0]
    node.subgraphs = [pred_heads, then_heads, else_heads]
    ret = Symbol([(node, k) for k in range(n_then)])
    outputs, _ = _regroup([ret[i] for i in range(n_then)], then_fmt)
    return outputs
