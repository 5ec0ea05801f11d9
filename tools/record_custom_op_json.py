"""Record MXNet 1.9.1's predictions for the custom-op symbol file (tests/test_custom_op.py).

Run with the oracle's python from the repository root:

    /tmp/mxnet-oracle/bin/python tools/record_custom_op_json.py

Loads tests/fixtures/custom_op/custom_net-symbol.json (written by gen_custom_op.py, with the
custom operators of custom_op_defs.py registered), binds it for inference with the initial
parameters and rm_mean = 0, and writes its predictions on the fixture data to
tests/fixtures/custom_op/custom_net_pred.npz.
"""
import os
import sys

import numpy as np
import mxnet as mx

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures',
                    'custom_op')
sys.path.insert(0, HERE)
from custom_op_defs import data, define  # noqa: E402


def main():
    define(mx)
    x, y, params = data()
    sym = mx.sym.load(os.path.join(HERE, 'custom_net-symbol.json'))
    it = mx.io.NDArrayIter(x, y, batch_size=8, shuffle=False, label_name='softmax_label')
    mod = mx.mod.Module(sym, context=mx.cpu())
    mod.bind(it.provide_data, it.provide_label, for_training=False)
    mod.set_params({k: mx.nd.array(v) for k, v in params.items()},
                   {'rm_mean': mx.nd.zeros((16,))})
    pred = mod.predict(it).asnumpy()
    np.savez(os.path.join(HERE, 'custom_net_pred.npz'), pred=pred,
             made_by=np.array('/tmp/mxnet-oracle/bin/python tools/record_custom_op_json.py'))
    print(pred.shape, pred[:2])


if __name__ == '__main__':
    main()
