"""Op constructors ``mx.sym.<Op>`` generated from the converters registry.

One constructor per op name and alias. It names the node as MXNet does (the user's name, else
``<called name in lower case><counter>`` from the current NameManager), merges AttrScope
attributes, turns keyword values into MXNet's attribute strings, and creates the variables for
inputs left out (``fc1_weight``), carrying the node's attributes as MXNet's do.
"""
from converters import registry
from converters.attrs import is_hidden
from converters.graph import Node
from ..attribute import current as _attr_scope
from ..base import MXNetError
from ..name import current as _name_manager
from .symbol import HIDDEN_KEYS, Symbol


def make_node(op_name, args, kwargs, name, attr, hint):
    """(Node, opdef) for an op applied to Symbol inputs ``args``/symbol-valued ``kwargs``."""
    od = registry.lookup(op_name)
    sym_kwargs = {}
    attrs = {}
    input_names = set(registry.signatures().get(od.name, {}).get('inputs', ()))
    for k, v in kwargs.items():
        if isinstance(v, Symbol):
            sym_kwargs[k] = v
        elif v is not None or k not in input_names:
            attrs[k] = v  # None attributes are kept, as the string 'None' (as MXNet)
    scope = _attr_scope().get(attr)
    for k, v in scope.items():
        attrs[k] = v
    if args and sym_kwargs and od.variadic:
        raise TypeError('Operators with variable length input can only accept input Symbols '
                        'either as positional or keyword arguments, not both')
    for s in list(args) + list(sym_kwargs.values()):
        if len(s._heads) != 1:
            raise MXNetError('%s: input %s has %d outputs; pass a single-output symbol'
                             % (op_name, s.name or s.list_outputs(), len(s._heads)))
    if od.key_var_num_args and od.key_var_num_args not in attrs:
        attrs[od.key_var_num_args] = len(args) + len(sym_kwargs)
    str_attrs = {}
    for k, v in attrs.items():
        key = '__%s__' % k if k in HIDDEN_KEYS else k
        str_attrs[key] = registry.attr_string(k, v)
    node_name = _name_manager().get(name, hint)
    node = Node(od.name, node_name, str_attrs)
    p = node.params  # validates attributes now, as MXNet does at creation
    if od.variadic:
        entries = [s._heads[0] for s in args] or [s._heads[0] for s in sym_kwargs.values()]
        node.inputs = entries
        return node, od
    names, given = od.assign_inputs(p, args, sym_kwargs)
    inputs = []
    var_attrs = {k: v for k, v in str_attrs.items()}
    for j, n in enumerate(names):
        if n in given:
            inputs.append(given[n]._heads[0])
        else:
            vname = '%s_%s' % (node_name, n) if node_name else n
            inputs.append((Node('null', vname, dict(var_attrs)), 0))
    node.inputs = inputs
    if od.input_var_attrs is not None:
        for j, (src, _) in enumerate(node.inputs):
            if src.is_variable and '__init__' not in src.attrs:
                src.attrs.update(od.input_var_attrs(p, j))
    return node, od


def _create(op_name, args, kwargs, name=None, attr=None, hint=None):
    node, od = make_node(op_name, args, kwargs, name, attr, hint or op_name.lower())
    n = node.num_visible_outputs()
    return Symbol([(node, k) for k in range(n)])


def _make_function(called, public=None):
    """The constructor for op name ``called``; ``public`` is its name in a namespace
    (``mx.sym.contrib.MultiBoxPrior``), whose lower case names unnamed nodes, as in MXNet."""
    od = registry.get(called)
    public = public or called

    def fn(*args, **kwargs):
        args, kwargs = od.split_call(public, args, kwargs, Symbol, ('name', 'attr', 'out'))
        name = kwargs.pop('name', None)
        attr = kwargs.pop('attr', None)
        kwargs.pop('out', None)
        return _create(od.name, args, kwargs, name, attr, public.lower())
    fn.__name__ = public
    fn.__qualname__ = public
    sig = registry.signatures().get(od.name, {})
    params = ', '.join('%s' % p for p, _ in sig.get('params', []))
    fn.__doc__ = '%s(%s) -- MXNet operator %s, built by tfmod.\n\nInputs: %s' % (
        public, params, od.name, ', '.join(sig.get('inputs', [])) or '(variadic)')
    return fn


def populate(namespace, internal, contrib, linalg=None):
    """Put a constructor for every registered op name into the given namespaces."""
    for called in sorted(registry.all_names()):
        fn = _make_function(called)
        internal[called] = fn
        if called.startswith('_contrib_'):
            short = called[len('_contrib_'):]
            contrib[short] = _make_function(called, short)
        elif called.startswith('_linalg_') and linalg is not None:
            short = called[len('_linalg_'):]
            linalg[short] = _make_function(called, short)
        elif not called.startswith('_'):
            namespace[called] = fn


def _is_hidden(k):
    return is_hidden(k)


def populate_random(random_ns, internal):
    """The generated ``_random_<dist>_like`` ops as ``mx.sym.random.<dist>_like``, as MXNet
    exposes them (its hand-written samplers own the other ``_random_*`` names)."""
    for called in list(internal):
        if called.startswith('_random_') and called.endswith('_like'):
            short = called[len('_random_'):]
            random_ns.setdefault(short, _make_function(called, short))
