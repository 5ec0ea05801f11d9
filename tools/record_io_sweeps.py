"""Record MXNet 1.9.1's NDArrayIter and CSVIter sweep traces for tests/test_io.py.

Run with the oracle's python from the repository root:

    /tmp/mxnet-oracle/bin/python tools/record_io_sweeps.py tests/fixtures/io_sweeps

The sweeps, and the single programs whose values test_io.py spells out, are
tests/support/io_sweeps.py (the same code tfmod's tests run). The trace JSON keeps every
case, so a failing test names the case; the sha256 of each compact trace is stored with it (the
digests earlier versions of test_io.py pasted in).
"""
import hashlib
import json
import os
import sys
import tempfile

import numpy as np
import mxnet as mx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests'))
from support import io_sweeps  # noqa: E402


def main(out):
    with tempfile.TemporaryDirectory() as tmp:
        traces = {'ndarrayiter': io_sweeps.ndarrayiter_trace(mx),
                  'csviter': io_sweeps.csviter_trace(mx, tmp)}
    inputs = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..',
                                         'tests', 'fixtures', 'modules', 'ndarrayiter',
                                         'ndarrayiter.json')))['_inputs']
    x = np.array(inputs['x'], dtype=np.float32)
    y = np.array(inputs['y1'], dtype=np.float32)
    programs = {}
    for name in io_sweeps.PROGRAMS:
        with tempfile.TemporaryDirectory() as tmp:
            programs[name] = getattr(io_sweeps, name)(mx, x, y, tmp)
    digests = {k: hashlib.sha256(json.dumps(v, separators=(',', ':')).encode()).hexdigest()
               for k, v in traces.items()}
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'traces.json'), 'w') as f:
        json.dump(dict(traces, programs=programs, mxnet_version=mx.__version__, sha256=digests,
                       made_by='/tmp/mxnet-oracle/bin/python tools/record_io_sweeps.py '
                               'tests/fixtures/io_sweeps'), f, separators=(',', ':'))
    print(digests)


if __name__ == '__main__':
    main(sys.argv[1])
