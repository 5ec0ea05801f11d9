"""Eager op functions ``mx.nd.<Op>`` generated from the converters registry.

Each takes MXNet's generated function's arguments (inputs, then parameters, positionally or by
name) and runs the op's TF lowering on the input arrays through ``ndarray.apply_op`` -- the same
path NDArray's operators take -- so ``mx.nd.X`` and the graph node ``X`` share one definition.
"""
from tfmod_converters import registry
from ..base import MXNetError
from .ndarray import NDArray, apply_op, parsed_params


def invoke(op_name, args, kwargs):
    """Run one op eagerly on NDArrays, called as MXNet's generated ``mx.nd.<op_name>`` is
    (parameters may follow the inputs positionally); returns an NDArray or a list of them."""
    od = registry.lookup(op_name)
    args, kwargs = od.split_call(op_name, args, dict(kwargs), NDArray, ('out', 'name'))
    out = kwargs.pop('out', None)
    kwargs.pop('name', None)
    ctx_arg = kwargs.pop('ctx', None)
    nd_kwargs, attrs = {}, {}
    input_names = set(registry.signatures().get(od.name, {}).get('inputs', ()))
    for k, v in kwargs.items():
        if isinstance(v, NDArray):
            nd_kwargs[k] = v
        elif v is not None or k not in input_names:
            attrs[k] = v
    args = list(args)
    if od.key_var_num_args and od.key_var_num_args not in attrs:
        attrs[od.key_var_num_args] = len(args) + len(nd_kwargs)
    str_attrs = {k: registry.attr_string(k, v) for k, v in attrs.items()}
    p = parsed_params(od, str_attrs)
    if od.variadic:
        inputs = args or list(nd_kwargs.values())
    else:
        names, given = od.assign_inputs(p, args, nd_kwargs)
        missing = [n for n in names if n not in given]
        if missing:
            raise MXNetError('%s: missing input(s) %s' % (op_name, ', '.join(missing)))
        inputs = [given[n] for n in names]
    return apply_op(od, p, inputs, out, ctx_arg)


def _make_function(called):
    od = registry.get(called)

    def fn(*args, **kwargs):
        return invoke(called, args, kwargs)
    fn.__name__ = called
    fn.__qualname__ = called
    fn.__doc__ = 'Eager MXNet operator %s (tfmod).' % od.name
    return fn


def populate(namespace, internal, contrib, linalg=None, sparse=None, image=None):
    """Every registry name as an eager function, filed as MXNet files its generated functions
    (``registry.namespace_entries``): ``mx.nd.X``, ``mx.nd._internal.X``, ``mx.nd.contrib.X``,
    ``linalg.X``, ``sparse.X``, ``image.X`` (top-level and sparse names the namespace defines
    itself are kept)."""
    keep = {'': namespace, 'sparse': sparse}
    over = {'contrib': contrib, 'linalg': linalg, 'image': image}
    for called, ns, short in registry.namespace_entries():
        if called not in internal:
            internal[called] = _make_function(called)
        if keep.get(ns) is not None:
            keep[ns].setdefault(short, internal[called])
        elif over.get(ns) is not None:
            over[ns][short] = internal[called]


def populate_random(random_ns, internal):
    """The generated ``_random_<dist>_like`` ops as ``mx.nd.random.<dist>_like``, as MXNet
    exposes them (its hand-written samplers own the other ``_random_*`` names)."""
    for called, ns, short in registry.namespace_entries():
        if ns == 'random':
            random_ns.setdefault(short, internal[called])
