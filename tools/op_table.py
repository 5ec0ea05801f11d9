"""Write README's operator compatibility section from the op registry (do not edit it by hand).

    python tools/op_table.py            # rewrites the section after <!-- op-table --> in README.md
    python tools/op_table.py --check    # exits 1 if README.md is out of date (used by a test)

Lists every implemented MXNet op by family (the converters module that defines it) with its
aliases and the ops with sparse storage rules, counts them against MXNet 1.9.1's registered ops
(recorded in converters/signatures.json; the NumPy-interface ``_np*``/``_npi*``/``_npx*``
operators and the backward ops are counted apart), and lists the legacy ops not implemented yet.
"""
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
sys.path.insert(0, ROOT)
MARK = '<!-- op-table -->'


def _numpy_interface(name):
    return name.startswith(('_np_', '_npi_', '_npx_', '_np'))


def _bind_this_tree():
    """This tree's converters/ as tfmod_converters (tfmod/_converters_home.py says why)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        '_tfmod_converters_home', os.path.join(ROOT, 'tfmod', '_converters_home.py'))
    spec.loader.exec_module(importlib.util.module_from_spec(spec))


def build():
    _bind_this_tree()
    import tfmod_converters as converters
    from tfmod_converters import registry
    sigs = registry.signatures()
    ops = registry.all_ops()
    fams = {}
    for name, od in ops.items():
        fam = od.lower.__module__.split('.')[-1]
        fams.setdefault(fam, []).append(od)
    legacy = [n for n in sigs if not _numpy_interface(n)]
    done_legacy = [n for n in legacy if n in ops]
    names = registry.all_names()
    lines = [MARK, '',
             '**%d of MXNet 1.9.1\'s %d operators are implemented** (%d names with aliases); the '
             '%d NumPy-interface operators (`_np*`, used by Gluon\'s numpy mode) are out of '
             'scope except where listed as aliases. Every implemented op is checked against '
             'results recorded from MXNet 1.9.1 (tests/fixtures).'
             % (len(done_legacy), len(legacy), len(names),
                sum(1 for n in sigs if _numpy_interface(n))),
             '', 'The sparse column lists the ops that take csr / row_sparse inputs as such and '
             'give '
             'MXNet 1.9.1\'s output storage type (a storage-type rule on the op\'s registry '
             'entry); the other ops read sparse inputs as dense, as MXNet\'s storage fallback '
             'does.', '',
             '| family | ops (aliases in parentheses) | sparse storage |', '|---|---|---|']
    for fam in sorted(fams):
        cells = []
        for od in sorted(fams[fam], key=lambda o: o.name.lower()):
            al = [a for a in od.aliases if not _numpy_interface(a)]
            cells.append('`%s`%s' % (od.name, (' (%s)' % ', '.join('`%s`' % a for a in al))
                                     if al else ''))
        sparse = ['`%s`' % n for n in sorted(od.name for od in fams[fam] if od.sparse is not None)]
        # row_sparse weight gradients (MXNet's ``sparse_grad`` lookups): the executor's part
        sparse += sorted('`%s` (row_sparse gradient)' % od.name for od in fams[fam]
                         if od.name == '_contrib_SparseEmbedding' or any(
                             p[0] == 'sparse_grad'
                             for p in sigs.get(od.name, {}).get('params', ())))
        lines.append('| %s | %s | %s |' % (fam, ', '.join(cells),
                                           ', '.join(sparse) or '-'))
    missing = sorted(n for n in legacy if n not in ops)
    lines += ['', 'Not implemented yet (%d): %s' % (len(missing),
                                                    ', '.join('`%s`' % m for m in missing)), '']
    del converters
    return '\n'.join(lines)


def main():
    path = os.path.join(ROOT, 'README.md')
    with open(path) as f:
        text = f.read()
    if MARK not in text:
        raise SystemExit('README.md has no %s marker' % MARK)
    head = text[:text.index(MARK)]
    tail = text[text.index(MARK):]
    end = tail.find('\n## ', 1)
    rest = tail[end:] if end >= 0 else ''
    new = head + build() + rest
    if '--check' in sys.argv:
        sys.exit(0 if new == text else 1)
    with open(path, 'w') as f:
        f.write(new)


if __name__ == '__main__':
    main()
