"""Record what MXNet 1.9.1's NDArray operators give on the cases of
tests/support/ndarray_operator_cases.py: each result's dtype, shape and values, the exception's
type, or ``crash`` where MXNet kills the process (integer division or modulo by zero raises
SIGFPE), so each case runs in a forked child.

Run with the oracle's python:  $PY tools/record_ndarray_operators.py
writes tests/fixtures/ndarray_operators/operators.json
"""
import json
import os
import sys

import mxnet as mx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tests'))
from support.ndarray_operator_cases import cases  # noqa: E402


def record(call):
    try:
        r = call()
    except Exception as e:      # noqa: BLE001  (the type is what is recorded)
        return {'error': type(e).__name__}
    a = r.asnumpy()
    return {'dtype': a.dtype.name, 'shape': list(a.shape), 'values': a.reshape(-1).tolist()}


def record_in_child(call):
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rfd)
        os.write(wfd, json.dumps(record(call)).encode())
        os._exit(0)
    os.close(wfd)
    with os.fdopen(rfd, 'rb') as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    return json.loads(data) if os.WIFEXITED(status) and data else {'crash': True}


def main():
    mx.nd.waitall()
    out = {'mxnet_version': mx.__version__,
           'cases': {name: record_in_child(call) for name, call in sorted(cases(mx).items())}}
    path = os.path.join(HERE, '..', 'tests', 'fixtures', 'ndarray_operators', 'operators.json')
    with open(path, 'w') as f:
        json.dump(out, f, indent=0, sort_keys=True)
        f.write('\n')
    print('%d cases' % len(out['cases']))


if __name__ == '__main__':
    main()
