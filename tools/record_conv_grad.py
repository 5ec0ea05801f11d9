"""Record MXNet 1.9.1's Convolution gradients for tests/test_conv_grad.py.

    $ORACLE_PY tools/record_conv_grad.py   -> tests/fixtures/conv_grad/cases.npz

The layers and their inputs are tests/support/conv_grad_cases.py's. Per case, ``<name>:grad:<arg>``
holds MXNet's gradient of every argument after a bound symbol's forward(is_train=True) +
backward(head).
"""
import os
import sys

import numpy as np
import mxnet as mx

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
sys.path.insert(0, os.path.join(ROOT, 'tests', 'support'))
from conv_grad_cases import CASES, arrays, symbol  # noqa: E402


def main():
    out = {}
    for name in CASES:
        a = arrays(name)
        args = {k: mx.nd.array(v) for k, v in a.items() if k != 'head'}
        grads = {k: mx.nd.zeros(v.shape) for k, v in args.items()}
        ex = symbol(mx, name).bind(mx.cpu(), args, args_grad=grads)
        ex.forward(is_train=True)
        ex.backward([mx.nd.array(a['head'])])
        for k, g in grads.items():
            out[name + ':grad:' + k] = g.asnumpy()
    np.savez_compressed(os.path.join(ROOT, 'tests', 'fixtures', 'conv_grad', 'cases.npz'), **out)


if __name__ == '__main__':
    main()
