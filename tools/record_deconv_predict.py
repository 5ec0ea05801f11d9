"""Record MXNet 1.9.1's inference outputs of tests/support/deconv_cache_net.py.

Run with the oracle's python from the repository root:

    MXNET_SUBGRAPH_BACKEND=NONE OMP_NUM_THREADS=1 /tmp/mxnet-oracle/bin/python \\
        tools/record_deconv_predict.py tests/fixtures/perf

Writes deconv_predict.npz: the input, two weight sets (p0_/p1_ prefixes) and the output of
``forward(is_train=False)`` with each (out0, out1), the second set written into the same
executor after the first.
"""
import os
import sys

import numpy as np
import mxnet as mx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests'))
from support import deconv_cache_net as D   # noqa: E402


def main(out_dir):
    sym = D.net(mx)
    ex = sym.simple_bind(mx.cpu(), data=D.SHAPE, grad_req='null')
    rec = {'data': D.data()}
    ex.arg_dict['data'][:] = rec['data']
    for k in (0, 1):
        for n, v in D.values(sym, k).items():
            ex.arg_dict[n][:] = v
            rec['p%d_%s' % (k, n)] = v
        rec['out%d' % k] = ex.forward(is_train=False)[0].asnumpy()
    os.makedirs(out_dir, exist_ok=True)
    np.savez(os.path.join(out_dir, 'deconv_predict.npz'), **rec)


if __name__ == '__main__':
    main(sys.argv[1])
