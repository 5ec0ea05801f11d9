"""Record MXNet 1.9.1's sparse training behaviour (LibSVMIter, row_sparse kvstore values, lazy
optimizer updates, sparse Modules) into tests/fixtures/sparse/train.json for
tests/test_sparse_train.py; the programs are tests/support/sparse_train_programs.py.

Run with the oracle's python (MXNet 1.9.1):
    /tmp/mxnet-oracle/bin/python tools/record_sparse_train.py
"""
import json
import os
import sys
import tempfile

import mxnet as mx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tests'))
from support.sparse_train_programs import PROGRAMS  # noqa: E402

OUT = os.path.join(HERE, '..', 'tests', 'fixtures', 'sparse', 'train.json')


def main():
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        for program in PROGRAMS:
            result.update(program(mx, tmp))
    with open(OUT, 'w') as f:   # one case a line
        f.write('{\n' + ',\n'.join('%s: %s' % (json.dumps(k), json.dumps(result[k]))
                                    for k in sorted(result)) + '\n}\n')


if __name__ == '__main__':
    main()
