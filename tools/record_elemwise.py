"""Record MXNet 1.9.1's answers to tests/support/elemwise_programs.py for
tests/test_ops_elemwise.py.

Run with the oracle's python from the repository root:

    /tmp/mxnet-oracle/bin/python tools/record_elemwise.py tests/fixtures/elemwise

Float cases keep float32 values exactly (written as Python floats; NaN/Infinity as JSON's
extended literals, which Python's json reads back).
"""
import json
import os
import sys

import mxnet as mx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests'))
from support import elemwise_programs as P  # noqa: E402


def main(out):
    rec = {'mxnet_version': mx.__version__,
           'made_by': '/tmp/mxnet-oracle/bin/python tools/record_elemwise.py '
                      'tests/fixtures/elemwise',
           'float': {}, 'scalar_int': [], 'unary_int': {}}
    for name in sorted(P.FLOAT_CASES):
        y, g = P.run_float_case(mx, name)
        rec['float'][name] = {'out': y.tolist(), 'grad': {k: v.tolist() for k, v in g.items()}}
    for op, kw in P.SCALAR_INT_CASES:
        rec['scalar_int'].append([op, kw] + list(P.run_scalar_int(mx, op, kw)))
    for op in P.UNARY_INT_OPS:
        rec['unary_int'][op] = list(P.run_unary_int(mx, op))
    rec['integer_binary'] = P.run_integer_binary(mx)
    rec['shape_inference'] = P.run_shape_inference(mx)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'elemwise.json'), 'w') as f:
        json.dump(rec, f, indent=1)
    print(len(rec['float']), 'float cases')


if __name__ == '__main__':
    main(sys.argv[1])
