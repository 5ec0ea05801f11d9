"""Write tfmod/gluon/mxnet_names.py: the public names of every namespace under MXNet 1.9.1's
``mx.gluon`` (classes, functions and sub-namespaces defined in MXNet), so that tfmod's gluon
packages can say of each name MXNet has that tfmod does not provide it.

    /tmp/mxnet-oracle/bin/python tools/record_gluon_names.py
"""
import inspect
import os
import pprint
import types
import warnings

warnings.simplefilter('ignore')
import mxnet as mx  # noqa: E402

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(HERE, 'tfmod', 'gluon', 'mxnet_names.py')


def public(mod):
    """{name: 'module' | 'class' | 'function'} of one namespace."""
    out = {}
    for name in dir(mod):
        if name.startswith('_'):
            continue
        obj = getattr(mod, name, None)
        if isinstance(obj, types.ModuleType):
            if obj.__name__.startswith('mxnet.gluon.'):
                out[name] = 'module'
        elif (inspect.isclass(obj) or inspect.isfunction(obj)) and \
                (getattr(obj, '__module__', '') or '').startswith('mxnet'):
            out[name] = 'class' if inspect.isclass(obj) else 'function'
    return out


def walk(path, mod, found, depth=0):
    names = public(mod)
    found[path] = sorted(names)
    if depth < 3:
        for name, kind in names.items():
            sub = getattr(mod, name)
            if kind == 'module' and sub.__name__ == mod.__name__ + '.' + name:
                walk(path + '.' + name, sub, found, depth + 1)


def main():
    found = {}
    walk('gluon', mx.gluon, found)
    with open(OUT, 'w') as f:
        f.write('"""The public names of MXNet %s\'s gluon namespaces (recorded by '
                'tools/record_gluon_names.py;\ndo not edit): what tfmod.gluon\'s packages name '
                'when asked for what tfmod does not provide."""\n' % mx.__version__)
        f.write('# flake8: noqa\nNAMES = ')
        f.write(pprint.pformat(found, width=99, compact=True))
        f.write('\n')


if __name__ == '__main__':
    main()
