"""Interleaved rounds of child processes, one per implementation, for the sparse benchmarks.

Each round runs ``script --child IMPL --rows R...`` once per implementation (so machine drift hits
all alike); a child prints, as its last line, JSON ``{rows: ms per step}``. Returns the medians.
"""
import json
import os
import subprocess

import numpy as np


def median_ms(script, impls, rows, rounds):
    """{impl: {rows: median ms per step}} over ``rounds`` interleaved rounds; ``impls`` maps an
    implementation's name to the python that runs it."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
    times = {k: {r: [] for r in rows} for k in impls}
    for _ in range(rounds):
        for impl, py in impls.items():
            res = subprocess.run([py, os.path.abspath(script), '--child', impl, '--rows'] +
                                 [str(r) for r in rows], capture_output=True, text=True,
                                 cwd=root, env=dict(os.environ, PYTHONPATH=root))
            if res.returncode:
                raise SystemExit('%s failed:\n%s' % (impl, res.stderr[-2000:]))
            for r, ms in json.loads(res.stdout.strip().splitlines()[-1]).items():
                times[impl][int(r)].append(ms)
    return {k: {r: float(np.median(v)) for r, v in d.items()} for k, d in times.items()}


def main(script, child, impls, what):
    """A sparse benchmark's command line: ``--child IMPL`` runs ``child(impl, rows)`` (one
    process's timings); otherwise ``impls`` (plus ``--mxnet PY``) run in interleaved rounds and
    the medians are printed per table size, with the large/small ratio and tfmod's ratio to
    each other implementation. ``what`` describes the step."""
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument('--rows', type=int, nargs='+', default=[100000, 1000000])
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--mxnet', default=None, help='python with MXNet 1.9.1')
    ap.add_argument('--child', default=None)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.rows)
        return
    impls = dict(impls)
    if args.mxnet:
        impls['mxnet'] = args.mxnet
    med = median_ms(script, impls, args.rows, args.rounds)
    lo, hi = min(args.rows), max(args.rows)
    print('ms/step (median of %d rounds), %s' % (args.rounds, what))
    for impl, d in med.items():
        print('  %-6s ' % impl + '  '.join('%d rows: %7.2f' % (r, d[r]) for r in args.rows) +
              '   %d/%d rows: %.2fx' % (hi, lo, d[hi] / d[lo]))
    for other in [k for k in med if k != 'tfmod']:
        print('  tfmod/%s: ' % other + '  '.join(
            '%d rows %.2fx' % (r, med['tfmod'][r] / med[other][r]) for r in args.rows))
