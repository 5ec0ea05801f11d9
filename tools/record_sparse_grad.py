"""Record MXNet 1.9.1's row_sparse gradients (grad_dict's storage type and rows for
Embedding(sparse_grad=True) / SparseEmbedding weights, a Module's gradient and lazy step) into
tests/fixtures/sparse/grad.json for tests/test_sparse_grad.py; the programs are
tests/support/sparse_grad_programs.py.

Run with the oracle's python (MXNet 1.9.1):
    /tmp/mxnet-oracle/bin/python tools/record_sparse_grad.py
"""
import json
import os
import sys

import mxnet as mx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tests'))
from support.sparse_grad_programs import PROGRAMS  # noqa: E402

OUT = os.path.join(HERE, '..', 'tests', 'fixtures', 'sparse', 'grad.json')


def main():
    result = {}
    for program in PROGRAMS:
        result.update(program(mx))
    with open(OUT, 'w') as f:   # one case a line
        f.write('{\n' + ',\n'.join('%s: %s' % (json.dumps(k), json.dumps(result[k]))
                                    for k in sorted(result)) + '\n}\n')


if __name__ == '__main__':
    main()
