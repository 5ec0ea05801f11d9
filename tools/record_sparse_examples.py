"""Record MXNet 1.9.1 running programs that follow its own example/sparse scripts
(linear_classification, factorization_machine, matrix_factorization, wide_deep + inference)
into tests/fixtures/sparse_examples/<program>.json for tests/test_sparse_examples.py; the
programs are tests/support/sparse_example_programs.py, their data generated there from seeds.

Run with the oracle's python (MXNet 1.9.1); wide_deep needs scipy beside it, as in MXNet
(NDArrayIter shuffles csr data through scipy), e.g. `pip install --target DIR scipy==1.11.4`:
    PYTHONPATH=DIR /tmp/mxnet-oracle/bin/python tools/record_sparse_examples.py [program ...]
"""
import json
import os
import sys
import tempfile

import mxnet as mx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tests'))
from support.sparse_example_programs import PROGRAMS  # noqa: E402

OUT = os.path.join(HERE, '..', 'tests', 'fixtures', 'sparse_examples')


def main(names):
    os.makedirs(OUT, exist_ok=True)
    for name in names or sorted(PROGRAMS):
        with tempfile.TemporaryDirectory() as tmp:
            result = PROGRAMS[name](mx, tmp)
        with open(os.path.join(OUT, name + '.json'), 'w') as f:
            json.dump(result, f, sort_keys=True, separators=(',', ':'))
            f.write('\n')
        print(name, 'recorded')


if __name__ == '__main__':
    main(sys.argv[1:])
