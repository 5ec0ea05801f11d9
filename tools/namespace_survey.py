"""Which of MXNet 1.9.1's public namespaces and names tfmod provides.

Asks the real MXNet (run with the oracle's python in a subprocess) for every public namespace
reachable from ``mx`` (``mx.util``, ``mx.nd``, ``mx.nd.contrib``, ``mx.gluon.nn``, ...; MXNet's
internal modules left out) and the public names each defines, then looks each up in tfmod along
the same attribute path (or any alias: ``mx.nd`` / ``mx.ndarray``). Prints a Markdown table
(namespace -> full / partial (n missing) / absent) and, with ``--details``, the missing names of
each namespace. A name tfmod refuses with an ``MXNetError`` naming it (Gluon's layers,
``Trainer``, ...) counts as missing.

    python tools/namespace_survey.py --mxnet /tmp/mxnet-oracle/bin/python [--details] [--json F]

Public names: names without a leading underscore that are MXNet namespaces themselves, or
functions/classes defined inside the namespace's own package (helpers it merely imports, such as
``ctypes`` or ``check_call``, are left out), or int/float/str constants.
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Runs under MXNet's python: prints {path: {'aliases': [...], 'names': {name: kind}}} as JSON.
# Namespaces: every module ``mx.X`` but MXNet's internals (below), and the public sub-namespaces
# listed. Modules reachable by several names (mx.nd / mx.ndarray) are one namespace, shown under
# its usual name and found in tfmod under any of them.
_DUMP = r"""
import inspect, json, sys, types, warnings
warnings.simplefilter('ignore')
import mxnet as mx

INTERNAL = {'api', 'base', 'error', 'executor_manager', 'libinfo', 'ndarray_doc', 'symbol_doc',
            'numpy_dispatch_protocol', 'numpy_op_fallback', 'numpy_op_signature', 'registry',
            'th', 'torch', 'tvmop', 'np_symbol'}
SUB = {'nd': ['contrib', 'image', 'linalg', 'random', 'sparse'],
       'sym': ['contrib', 'image', 'linalg', 'random', 'sparse'],
       'contrib': ['autograd', 'io', 'nd', 'onnx', 'quantization', 'sym', 'tensorboard', 'text'],
       'gluon': ['contrib', 'data', 'loss', 'model_zoo', 'nn', 'rnn', 'utils'],
       'np': ['linalg', 'random'], 'npx': ['image', 'random']}
PREFERRED = ['nd', 'sym', 'mod', 'kv', 'init', 'mon', 'viz', 'image', 'random', 'np', 'npx',
             'optimizer', 'contrib.nd', 'contrib.sym']

def modules_of(mod):
    return {n: getattr(mod, n) for n in dir(mod) if not n.startswith('_')
            and isinstance(getattr(mod, n, None), types.ModuleType)
            and getattr(mod, n).__name__.split('.')[0] == 'mxnet'}

spaces = {}                      # module name -> list of paths
def add(path, mod):
    spaces.setdefault(mod.__name__, []).append(path)
for name, mod in modules_of(mx).items():
    if name not in INTERNAL:
        add(name, mod)
for parent, subs in SUB.items():
    pmod = getattr(mx, parent)
    for name, mod in modules_of(pmod).items():
        if name in subs or any(getattr(pmod, s, None) is mod for s in subs):
            add(parent + '.' + name, mod)
selected = set(spaces)

OP_SPACES = ('nd', 'sym', 'contrib.nd', 'contrib.sym', 'np', 'npx')

def names_of(mod, paths):
    # public names of the namespace at ``paths`` (its aliases; [''] for mx itself)
    top = paths == ['']
    ops = any(p == o or p.startswith(o + '.') for p in paths for o in OP_SPACES)
    out = {}
    for name in dir(mod):
        if name.startswith('_'):
            continue
        try:
            obj = getattr(mod, name)
        except Exception:
            continue
        if isinstance(obj, types.ModuleType):   # a sub-namespace, not a module it imports
            sub = spaces.get(obj.__name__, ())
            if any((p + '.' + name).lstrip('.') in sub for p in paths):
                out[name] = 'module'
            continue
        if isinstance(obj, (bool, int, float, str)):
            out[name] = 'constant'
            continue
        if not (inspect.isclass(obj) or callable(obj)):
            continue
        origin = getattr(obj, '__module__', None) or ''
        root = origin.split('.')[0]
        if root != 'mxnet':
            # generated operators claim modules like 'ndarray'; anything else is imported
            if not ops or root in sys.modules:
                continue
        elif not top and origin != mod.__name__ and not origin.startswith(mod.__name__ + '.'):
            continue                    # an MXNet helper this namespace merely imports
        out[name] = 'class' if inspect.isclass(obj) else 'function'
    return out

def label(paths):
    for p in PREFERRED:
        if p in paths:
            return 'mx.' + p
    return 'mx.' + min(paths, key=lambda p: (p.count('.'), len(p), p))

result = {'mx': {'aliases': [''], 'names': names_of(mx, [''])}}
for modname, paths in spaces.items():
    result[label(paths)] = {'aliases': sorted(paths),
                            'names': names_of(sys.modules[modname], paths)}
json.dump({'version': mx.__version__, 'namespaces': result}, sys.stdout)
"""


def mxnet_namespaces(python):
    """{path: {'aliases': [...], 'names': {name: kind}}} of MXNet's public namespaces, asked of
    MXNet itself."""
    res = subprocess.run([python, '-c', _DUMP], capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


def _lookup(top, alias):
    obj = top
    for part in filter(None, alias.split('.')):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            return None
    return obj


def _has(obj, name, refused_error):
    """Whether tfmod provides ``name`` on ``obj``: a name tfmod refuses with an MXNetError
    naming it (mx.gluon's layers, Trainer, ...) counts as missing, like an absent one."""
    try:
        getattr(obj, name)
    except AttributeError:
        return False
    except refused_error:
        return False
    return True


def survey(spaces):
    """[(path, state, missing names, n names)] comparing MXNet's namespaces with tfmod's."""
    sys.path.insert(0, ROOT)
    import tfmod
    from tfmod.base import MXNetError
    rows = []
    for path in sorted(spaces):
        obj = None
        for alias in spaces[path]['aliases']:
            obj = _lookup(tfmod, alias)
            if obj is not None:
                break
        names = spaces[path]['names']
        if obj is None or getattr(obj, '__tfmod_refused__', False):
            # (a module that only refuses MXNet's names, as tfmod.gluon's data, loss, ...)
            rows.append((path, 'absent', sorted(names), len(names)))
            continue
        missing = sorted(n for n in names if not _has(obj, n, MXNetError))
        state = 'full' if not missing else 'partial (%d missing)' % len(missing)
        rows.append((path, state, missing, len(names)))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--mxnet', default='/tmp/mxnet-oracle/bin/python',
                    help="python with MXNet 1.9.1 installed (the oracle's)")
    ap.add_argument('--details', action='store_true', help='list the missing names')
    ap.add_argument('--json', help='also write the full result to this file')
    args = ap.parse_args(argv)
    dump = mxnet_namespaces(args.mxnet)
    rows = survey(dump['namespaces'])
    print('MXNet %s namespaces vs tfmod\n' % dump['version'])
    print('| namespace | names in MXNet | here |')
    print('|---|---|---|')
    for path, state, _, n in rows:
        print('| `%s` | %d | %s |' % (path, n, state))
    counts = {}
    for _, state, _, _ in rows:
        key = state.split(' ')[0]
        counts[key] = counts.get(key, 0) + 1
    print('\n%d namespaces: %s' % (len(rows), ', '.join('%d %s' % (v, k)
                                                       for k, v in sorted(counts.items()))))
    if args.details:
        for path, state, missing, _ in rows:
            if missing:
                print('\n%s (%s): %s' % (path, state, ', '.join(missing)))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({'mxnet_version': dump['version'],
                       'namespaces': {p: {'state': s, 'missing': m, 'names': n}
                                      for p, s, m, n in rows}}, f, indent=1)


if __name__ == '__main__':
    main()
