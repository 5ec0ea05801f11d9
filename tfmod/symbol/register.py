"""Op constructors ``mx.sym.<Op>`` generated from the converters registry.

One constructor per op name and alias. Each builds its node with ``symbol.make_node``, which
names it as MXNet does (the user's name, else ``<called name in lower case><counter>`` from the
current NameManager), merges AttrScope attributes, turns keyword values into MXNet's attribute
strings, and creates the variables for inputs left out (``fc1_weight``), carrying the node's
attributes as MXNet's do.
"""
from tfmod_converters import registry
from .symbol import Symbol, _create


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


def populate(namespace, internal, contrib, linalg=None, sparse=None, image=None):
    """A constructor for every registered op name, filed as MXNet files its generated functions
    (``registry.namespace_entries``); in a sub-namespace the constructor's public name is the
    short one (it names unnamed nodes)."""
    spaces = {'': namespace, 'contrib': contrib, 'linalg': linalg, 'sparse': sparse,
              'image': image}
    for called, ns, short in registry.namespace_entries():
        if called not in internal:
            internal[called] = _make_function(called)
        if spaces.get(ns) is not None:
            spaces[ns][short] = internal[called] if ns == '' else _make_function(called, short)


def populate_random(random_ns, internal):
    """The generated ``_random_<dist>_like`` ops as ``mx.sym.random.<dist>_like``, as MXNet
    exposes them (its hand-written samplers own the other ``_random_*`` names)."""
    for called, ns, short in registry.namespace_entries():
        if ns == 'random':
            random_ns.setdefault(short, _make_function(called, short))
