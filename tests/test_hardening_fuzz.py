"""Seeded mutations of MXNet-written fixture files fed to every file loader: each either loads
or raises MXNetError -- never another exception (tfmod issue 16). The engine and the longer
campaign are tools/fuzz_loaders.py."""
import importlib.util
import os
import time

import tfmod as mx

_spec = importlib.util.spec_from_file_location(
    'fuzz_loaders', os.path.join(os.path.dirname(__file__), '..', 'tools', 'fuzz_loaders.py'))
fuzz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz)

CASES = 12000
TIME_BOUND = 60.0   # seconds; the cases normally take a few seconds


def test_mutated_files_load_or_raise_mxneterror():
    t0 = time.monotonic()
    counts, bad = fuzz.run_cases(mx, seed=20261207, n=CASES, deadline=t0 + TIME_BOUND)
    n = sum(counts.values())
    print('\nfuzz: %d cases in %.1f s' % (n, time.monotonic() - t0))
    for k in sorted(counts):
        print('  %-14s %-24s %d' % (k[0], k[1], counts[k]))
    assert not bad, bad
    assert n >= 2000, 'only %d cases ran within %.0f s' % (n, TIME_BOUND)
    for kind in ('symbol', 'ndfile', 'pickle', 'tfmod_states'):
        assert counts[(kind, 'mxneterror')] > 0, kind
