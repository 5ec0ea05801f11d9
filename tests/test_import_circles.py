"""No import circles among tfmod's and converters' modules (tfmod issue 18).

Every ``import`` / ``from ... import`` in a file counts, function-level ones included: a circle
hidden inside a function still ties the modules together. Imports point down the layers of
DESIGN.md, with no exception.
"""
import ast
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = {'tfmod': 'tfmod', 'tfmod_converters': 'converters'}  # import name: folder

def _modules():
    """{dotted module name: file path} of every .py file in the packages."""
    out = {}
    for pkg, folder in PACKAGES.items():
        for d, _, files in os.walk(os.path.join(ROOT, folder)):
            for f in files:
                if f.endswith('.py'):
                    rel = os.path.relpath(os.path.join(d, f), os.path.join(ROOT, folder))
                    dotted = pkg + '.' + rel[:-3].replace(os.sep, '.')
                    out[dotted[:-len('.__init__')] if dotted.endswith('.__init__') else dotted] = \
                        os.path.join(d, f)
    return out


def _own(name, mods):
    """The project module an imported dotted name loads (longest known prefix), or None."""
    while name and name not in mods:
        name = name.rpartition('.')[0]
    return name or None


def _imports(name, path, mods):
    """The project modules one file imports, anywhere in it."""
    package = name if path.endswith('__init__.py') else name.rpartition('.')[0]
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), path)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(_own(a.name, mods) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split('.')
                base = '.'.join(parts[:len(parts) - node.level + 1] +
                                ([node.module] if node.module else []))
            else:
                base = node.module or ''
            for a in node.names:    # `from pkg import sub` loads the submodule sub
                sub = base + '.' + a.name
                found.add(sub if sub in mods else _own(base, mods))
    found.discard(None)
    found.discard(name)
    return found


def _circles(graph):
    """The sets of two or more modules that each reach all the others."""
    reach = {}
    for start in graph:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        reach[start] = seen
    circles = set()
    for v in graph:
        members = frozenset(w for w in reach[v] if v in reach[w]) | {v}
        if len(members) > 1:
            circles.add(members)
    return circles


def test_circle_finder_sees_function_level_imports():
    graph = {'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}
    assert _circles(graph) == {frozenset('abc')}


def test_no_new_import_circles():
    mods = _modules()
    assert 'tfmod.model' in mods and 'tfmod_converters.registry' in mods
    graph = {m: _imports(m, p, mods) for m, p in mods.items()}
    circles = [sorted(c) for c in _circles(graph)]
    assert not circles, 'import circles: %s' % circles


def test_converters_never_import_tfmod():
    mods = _modules()
    wrong = {m: sorted(t for t in _imports(m, p, mods) if t.split('.')[0] == 'tfmod')
             for m, p in mods.items() if m.split('.')[0] == 'tfmod_converters'}
    assert not {m: t for m, t in wrong.items() if t}


def test_file_format_and_seed_below_ndarray():
    """MXNet's file format (ndfile, with its sparse records in sparse_file) and the random
    state (rng) sit below NDArray: NDArray's pickles use the format and its op calls draw
    seeds, so none may import NDArray back."""
    mods = _modules()
    fmt = {'tfmod.ndarray.ndfile', 'tfmod.ndarray.sparse_file'}
    for low in sorted(fmt) + ['tfmod.rng']:
        assert not {m for m in _imports(low, mods[low], mods) if m.startswith('tfmod.ndarray.')
                    and m not in fmt}, low
