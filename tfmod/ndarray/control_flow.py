"""``mx.nd.contrib.foreach`` / ``while_loop`` / ``cond``: MXNet's imperative control flow,
Python loops over NDArrays (the graph forms are the ``_foreach``/``_while_loop``/``_cond`` ops).

Nested lists of arrays are accepted wherever MXNet accepts them and come back in the same
nesting. ``while_loop`` pads its stacked outputs to ``max_iterations`` rows with zeros (MXNet
pads with uninitialised memory).
"""
from .. import _nest
from ..base import MXNetError
from .ndarray import NDArray, zeros
from .register import invoke


def _flatten(args, what):
    return _nest.flatten(args, NDArray, what)


_regroup = _nest.regroup


def _stack(items):
    return invoke('stack', items, {'axis': 0})   # mx.nd.stack(*items, axis=0)


def foreach(body, data, init_states):
    """Run ``body(data[i], states) -> (outputs, states)`` over axis 0 of data; the outputs of
    every step are stacked along a new axis 0."""
    flat_data, _ = _flatten(data, 'foreach data')
    _flatten(init_states, 'foreach init_states')
    steps = flat_data[0].shape[0]
    states = init_states
    per_step, out_fmt = [], None
    for i in range(steps):
        eles = data[i] if isinstance(data, NDArray) else [d[i] for d in data]
        outs, states = body(eles, states)
        flat, out_fmt = _flatten(outs, 'foreach output')
        per_step.append(flat)
    if not per_step:
        raise MXNetError('foreach: data is empty along axis 0')
    stacked = [_stack(items) for items in zip(*per_step)]
    return _regroup(stacked, out_fmt)[0], states


def _scalar(value, kind, what):
    if isinstance(value, NDArray):
        value = value.asscalar()
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise MXNetError('cannot convert %s to a Python %s' % (what, kind.__name__)) from None


def while_loop(cond, func, loop_vars, max_iterations=None):
    """``while cond(*vars): outputs, vars = func(*vars)`` at most max_iterations times ->
    (outputs stacked and padded to max_iterations rows, final loop vars)."""
    if max_iterations is None:
        raise MXNetError('while_loop: max_iterations should be specified')
    max_iterations = _scalar(max_iterations, int, 'max_iterations')
    single = isinstance(loop_vars, NDArray)
    vars_ = [loop_vars] if single else list(loop_vars)
    if not vars_:
        raise MXNetError('while_loop: loop_vars should contain at least one element')
    rows, out_fmt = [], None
    while len(rows) < max_iterations and _scalar(cond(*vars_), bool, 'the value of cond'):
        out, new = func(*vars_)
        out = [] if out is None else out
        new = [] if new is None else new
        new = [new] if isinstance(new, NDArray) else list(new)
        if len(new) != len(vars_):
            raise MXNetError('while_loop: func returned %d loop vars for %d'
                             % (len(new), len(vars_)))
        flat, out_fmt = _flatten(out, 'while_loop output')
        if rows and len(flat) != len(rows[0]):
            raise MXNetError('while_loop: func returned %d outputs, earlier steps %d'
                             % (len(flat), len(rows[0])))
        rows.append(flat)
        vars_ = new
    stacked = []
    for items in zip(*rows):
        items = list(items)
        pad = max_iterations - len(items)
        rows_nd = _stack(items)
        if pad:
            filler = zeros((pad,) + tuple(items[0].shape), items[0].context, dtype=items[0].dtype)
            rows_nd = invoke('concat', (rows_nd, filler), {'dim': 0})   # mx.nd.concat
        stacked.append(rows_nd)
    outputs = _regroup(stacked, out_fmt)[0] if out_fmt is not None else []
    return outputs, (vars_[0] if single else vars_)


def cond(pred, then_func, else_func):
    """``then_func()`` if pred (an NDArray or a Python value) is true, else ``else_func()``."""
    return then_func() if _scalar(pred, bool, 'pred') else else_func()
