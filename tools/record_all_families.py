"""Record MXNet 1.9.1's loss and gradients for tests/support/all_families_net.py.

Run with the oracle's python from the repository root:

    MXNET_MKLDNN_ENABLED=0 MXNET_ENGINE_TYPE=NaiveEngine /tmp/mxnet-oracle/bin/python \
        tools/record_all_families.py tests/fixtures/all_families

(oneDNN refuses the float16 amp_cast output -- "unknown type for MKLDNN"; the threaded engine
hangs on the Custom op in this graph; neither setting changes MXNet's numbers.)

Binds the net (with its noise sum as a second, gradient-blocked output) to the seeded inputs,
runs forward(is_train=True) + backward() and saves the loss, the noise sum and the gradient of
every argument that takes one, into all_families.npz.
"""
import os
import sys

import numpy as np
import mxnet as mx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests'))
from support import all_families_net as F  # noqa: E402


def main(out):
    F.define(mx)
    sym = F.build(mx, noise_out=True)
    arg_shapes, _, _ = sym.infer_shape(**F.SHAPES)
    names = sym.list_arguments()
    vals = F.inputs(names, arg_shapes)
    ex = sym.simple_bind(mx.cpu(), grad_req={n: 'null' if n in F.NO_GRAD else 'write'
                                             for n in names}, **F.SHAPES)
    for n in names:
        ex.arg_dict[n][:] = vals[n]
    ex.forward(is_train=True)
    ex.backward()
    rec = {'loss': ex.outputs[0].asnumpy(), 'noise_sum': ex.outputs[1].asnumpy(),
           'made_by': np.array('MXNET_MKLDNN_ENABLED=0 MXNET_ENGINE_TYPE=NaiveEngine '
                               '/tmp/mxnet-oracle/bin/python tools/record_all_families.py '
                               'tests/fixtures/all_families')}
    for n in names:
        if n not in F.NO_GRAD:
            rec['grad/' + n] = ex.grad_dict[n].asnumpy()
    os.makedirs(out, exist_ok=True)
    np.savez_compressed(os.path.join(out, 'all_families.npz'), **rec)
    print(rec['loss'], rec['noise_sum'], sorted(rec))


if __name__ == '__main__':
    main(sys.argv[1])
