"""Record the mx.autograd programs of tests/support/autograd_programs.py with real MXNet 1.9.1.

Run with the oracle's python from the repository root:
    /tmp/mxnet-oracle/bin/python tools/record_autograd.py
Writes tests/fixtures/autograd/cases.npz (arrays as ``<case>/<name>``) and
tests/fixtures/autograd/errors.json ({program: [error type, message]}).
"""
import json
import os
import sys

import numpy as np
import mxnet as mx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))
from support import autograd_programs as P  # noqa: E402

OUT = os.path.join(ROOT, 'tests', 'fixtures', 'autograd')


def main():
    os.makedirs(OUT, exist_ok=True)
    arrays = {}
    for name in P.CASES:
        mx.random.seed(0)
        for k, v in getattr(P, name)(mx).items():
            arrays['%s/%s' % (name, k)] = np.asarray(v)
    np.savez(os.path.join(OUT, 'cases.npz'), **arrays)
    errors = {}
    for name in P.ERRORS:
        try:
            getattr(P, name)(mx)
        except Exception as e:  # noqa: BLE001 -- recording whatever MXNet raises
            lines = [ln for ln in str(e).splitlines() if ln.strip()]
            errors[name] = [type(e).__name__, lines[-1] if lines else '']
            continue
        errors[name] = [None, '']
    with open(os.path.join(OUT, 'errors.json'), 'w') as f:
        json.dump(errors, f, indent=1, sort_keys=True)
    print('%d arrays from %d cases, %d error programs' % (len(arrays), len(P.CASES), len(errors)))


if __name__ == '__main__':
    main()
