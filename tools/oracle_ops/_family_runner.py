"""Shared driver for the beyond-corpus op generators in this folder (run with MXNet's python).

Each ``tools/oracle_ops/<family>.py`` defines its cases with the machinery of the shared corpus
generator (/work/shared/oracle/gen_ops.py: ``case``, input specs ``N``/``U``/``I``/``C``,
``run_case``), loaded from that path, and calls :func:`main`, which writes
``tests/fixtures/ops_by_family/<family>/<case>.{json,npz}`` plus an ``index.json`` in the corpus
format (tests/fixtures/ops/README.md). ``post(meta, arrays)`` may rewrite a case after recording
(random ops replace their sampled values by summary statistics).
"""
import importlib.util
import json
import os
import sys

GEN_OPS = os.environ.get('TFMOD_GEN_OPS', '/work/shared/oracle/gen_ops.py')
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')


def load_gen():
    """The shared generator module (imports the real mxnet)."""
    spec = importlib.util.spec_from_file_location('gen_ops', GEN_OPS)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main(family, define, post=None, folder=None):
    """Record the cases ``define`` declares into tests/fixtures/ops_by_family/<folder> (default:
    the family name, which index.json records; folders renamed later keep their old label)."""
    gen = load_gen()
    define(gen)
    only = set(a for arg in sys.argv[1:] for a in arg.split(',') if a)
    outdir = os.path.join(ROOT, 'tests', 'fixtures', 'ops_by_family', folder or family)
    os.makedirs(outdir, exist_ok=True)
    index_path = os.path.join(outdir, 'index.json')
    old, old_skipped = {}, []
    if only and os.path.exists(index_path):
        with open(index_path) as f:
            prev = json.load(f)
        old = {c['case']: c for c in prev['cases']}
        # a partial run keeps what earlier runs recorded as refused by MXNet
        old_skipped = [s for s in prev.get('skipped', []) if s['case'] not in only]
    metas, skipped = [], []
    for c in gen.CASES:
        if only and c['name'] not in only:
            continue
        try:
            meta = gen.run_case(c, outdir)
        except Exception as e:  # noqa: BLE001 -- record what MXNet refuses
            try:
                gen.mx.nd.waitall()
            except Exception:  # noqa: BLE001
                pass
            msg = gen.first_error_line(str(e)) or type(e).__name__
            skipped.append({'case': c['name'], 'combination': c['expect_fail'] or c['note'],
                            'error': msg})
            print('FAIL  %-44s %s' % (c['name'], msg))
            continue
        if post is not None:
            post(gen, c, meta, outdir)
        metas.append(meta)
        print('ok    %-44s %s' % (c['name'], meta['op']))
    keys = ('case', 'op', 'ops', 'group', 'attrs', 'notes', 'loss_op', 'deterministic')
    entries = dict(old)
    for m in metas:
        entries[m['case']] = {k: m[k] for k in keys}
    order = [c['name'] for c in gen.CASES if c['name'] in entries]
    with open(index_path, 'w') as f:
        json.dump({'mxnet_version': gen.MX_VERSION, 'family': family,
                   'cases': [entries[n] for n in order], 'skipped': old_skipped + skipped},
                  f, indent=1, sort_keys=True)
    print('%d cases written to %s, %d failed' % (len(metas), outdir, len(skipped)))
    return 0
