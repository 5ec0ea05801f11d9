"""Record MXNet 1.9.1's inference outputs of tests/support/inference_fold_net.py.

Run with the oracle's python from the repository root:

    MXNET_SUBGRAPH_BACKEND=NONE OMP_NUM_THREADS=1 /tmp/mxnet-oracle/bin/python \\
        tools/record_inference_folds.py tests/fixtures/inference_folds

Writes folds.npz: the input, two parameter sets (prefixed p0_/p1_) and MXNet's
``forward(is_train=False)`` output with each (out0, out1), the second set loaded into the same
executor after the first (as a user's set_params would).
"""
import os
import sys

import numpy as np
import mxnet as mx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests'))
from support import inference_fold_net as F   # noqa: E402


def main(out_dir):
    sym = F.net(mx)
    x = F.data()
    ex = sym.simple_bind(mx.cpu(), data=F.SHAPE, grad_req='null')
    rec = {'data': x}
    for k in (0, 1):
        vals = F.values(sym, k)
        for n, v in vals.items():
            (ex.aux_dict if n in ex.aux_dict else ex.arg_dict)[n][:] = v
            rec['p%d_%s' % (k, n)] = v
        ex.arg_dict['data'][:] = x
        rec['out%d' % k] = ex.forward(is_train=False)[0].asnumpy()
    os.makedirs(out_dir, exist_ok=True)
    np.savez(os.path.join(out_dir, 'folds.npz'), **rec)


if __name__ == '__main__':
    main(sys.argv[1])
