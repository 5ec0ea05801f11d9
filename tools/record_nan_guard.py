"""Record what tests/test_nan_guard.py asserts, with real MXNet 1.9.1.

Run with the oracle's python from the repository root:
    /tmp/mxnet-oracle/bin/python tools/record_nan_guard.py
Writes tests/fixtures/nan_guard/<net>.npz for each net of tests/support/nan_guard_nets.py: its
parameters ('arg:'/'aux:' keys), and per batch of ``nan_guard_nets.batches()`` the data
('data_<batch>') and MXNet's Module.forward(is_train=False) outputs ('<batch><k>').
"""
import os
import sys

import numpy as np
import mxnet as mx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))
from support import nan_guard_nets as nets  # noqa: E402

OUT = os.path.join(ROOT, 'tests', 'fixtures', 'nan_guard')


def record(name):
    sym = nets.NETS[name](mx)
    args, aux = nets.params(sym)
    mod = mx.mod.Module(sym, label_names=None, context=mx.cpu())
    mod.bind([('data', nets.SHAPE)], for_training=False)
    mod.set_params({k: mx.nd.array(v) for k, v in args.items()},
                   {k: mx.nd.array(v) for k, v in aux.items()})
    out = {'arg:' + k: v for k, v in args.items()}
    out.update({'aux:' + k: v for k, v in aux.items()})
    for key, d in nets.batches().items():
        out['data_' + key] = d
        mod.forward(mx.io.DataBatch([mx.nd.array(d)]), is_train=False)
        for k, o in enumerate(mod.get_outputs()):
            out['%s%d' % (key, k)] = o.asnumpy()
    np.savez(os.path.join(OUT, name + '.npz'), **out)


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in nets.NETS:
        record(name)


if __name__ == '__main__':
    main()
