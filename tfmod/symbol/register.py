"""Op constructors ``mx.sym.<Op>`` generated from the converters registry.

One constructor per op name and alias. Each builds its node with ``symbol.make_node``, which
names it as MXNet does (the user's name, else ``<called name in lower case><counter>`` from the
current NameManager), merges AttrScope attributes, turns keyword values into MXNet's attribute
strings, and creates the variables for inputs left out (``fc1_weight``), carrying the node's
attributes as MXNet's do.
"""
from converters import registry
from converters.attrs import is_hidden
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
