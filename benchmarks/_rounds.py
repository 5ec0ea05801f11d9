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
