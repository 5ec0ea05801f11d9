"""MXNet 1.9.1's fluent methods, shared by NDArray and Symbol: ``x.sum(axis=1)`` is
``mx.nd.sum(x, axis=1)`` on an NDArray and ``mx.sym.sum(x, axis=1)`` on a Symbol.

The names are the op names MXNet 1.9.1's ``Symbol``/``NDArray`` have as methods that just call
the op of the same name on ``self``: each op's registry entry carries them (``OpDef.fluent``,
recorded from MXNet's classes into ``converters/signatures.json``). ``SPECIAL`` lists the few
whose method has its own signature. Methods are made from the op namespace of each class, so one
op definition serves ``mx.nd.X``, ``mx.sym.X`` and both fluent forms.
"""
from tfmod_converters import registry

NAMES = tuple(sorted(n for od in registry.all_ops().values() for n in od.fluent
                     if registry.get(n) is od))

SPECIAL = ('astype', 'diag', 'expand_dims', 'flatten', 'squeeze', 'split_v2')


def _plain(ns, name):
    def method(self, *args, **kwargs):
        return ns[name](self, *args, **kwargs)
    return method


def _special(ns, name):
    """The methods whose MXNet signature differs from ``(self, *args, **kwargs)``."""
    if name == 'astype':
        def method(self, *args, **kwargs):
            return ns['cast'](self, *args, **kwargs)
    elif name == 'diag':
        def method(self, k=0, **kwargs):
            return ns['diag'](self, k, **kwargs)
    elif name == 'expand_dims':
        def method(self, axis, inplace=False, **kwargs):
            return ns['expand_dims'](self, axis=axis, **kwargs)
    elif name == 'flatten':
        def method(self, inplace=False, **kwargs):
            return ns['flatten'](self, **kwargs)
    elif name == 'squeeze':
        def method(self, axis=None, inplace=False, **kwargs):
            return ns['squeeze'](self, axis=axis, **kwargs)
    else:  # split_v2
        def method(self, *args, **kwargs):
            return ns['split_v2'](self, *args, **kwargs)
    return method


def install(cls, ns):
    """Give ``cls`` every fluent method it does not define itself, calling the ops in the
    namespace dict ``ns`` (``mx.nd``'s or ``mx.sym``'s)."""
    for name in NAMES + SPECIAL:
        if name in cls.__dict__:
            continue
        method = _special(ns, name) if name in SPECIAL else _plain(ns, name)
        method.__name__ = method.__qualname__ = name
        method.__doc__ = 'Convenience fluent method for :py:func:`%s`.' % (
            'cast' if name == 'astype' else name)
        setattr(cls, name, method)
