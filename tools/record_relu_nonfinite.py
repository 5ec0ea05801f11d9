"""Record MXNet 1.9.1's Activation(relu) on non-finite inputs and head gradients.

    $ORACLE_PY tools/record_relu_nonfinite.py   -> tests/fixtures/activation/relu_nonfinite.json

Both a bound symbol's training forward/backward and the imperative autograd call: NaN inputs
give 0, and the gradient dy * (out > 0) keeps a NaN or infinite head gradient's NaN where the
output is 0. Non-finite numbers are written as the strings 'nan', 'inf', '-inf'.
"""
import json
import os

import numpy as np
import mxnet as mx

X = [np.nan, -1.0, 2.0, 0.0, -0.0, np.inf, -np.inf, np.nan, 3.0]
DY = [1.0, np.nan, 3.0, np.inf, 1.0, 1.0, np.nan, np.inf, -np.inf]


def _enc(a):
    return [str(v) if not np.isfinite(v) else float(v) for v in np.asarray(a).ravel()]


def main():
    x, dy = np.array(X, np.float32), np.array(DY, np.float32)
    ex = mx.sym.Activation(mx.sym.Variable('data'), act_type='relu').simple_bind(
        mx.cpu(), data=x.shape)
    out = ex.forward(is_train=True, data=x)[0].asnumpy()
    ex.backward([mx.nd.array(dy)])
    xs = mx.nd.array(x)
    xs.attach_grad()
    with mx.autograd.record():
        y = mx.nd.Activation(xs, act_type='relu')
    y.backward(mx.nd.array(dy))
    rec = {'x': _enc(x), 'dy': _enc(dy), 'symbol_out': _enc(out),
           'symbol_grad': _enc(ex.grad_dict['data'].asnumpy()), 'nd_out': _enc(y.asnumpy()),
           'nd_grad': _enc(xs.grad.asnumpy())}
    path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'activation',
                        'relu_nonfinite.json')
    with open(path, 'w') as f:
        json.dump(rec, f, indent=1)


if __name__ == '__main__':
    main()
