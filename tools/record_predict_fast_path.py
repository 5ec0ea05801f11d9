"""Record what the inference call's flat fast path must reproduce, with real MXNet 1.9.1.

Run with the oracle's python from the repository root:
    /tmp/mxnet-oracle/bin/python tools/record_predict_fast_path.py
Writes tests/fixtures/perf/multi_input.npz for tests/support/multi_input_net.py (three data
inputs declared out of alphabetical order, two outputs): Module.forward(is_train=False) outputs
of two batches, each run three times, and the executor's copy of each input after them; predict
over an iterator with a padded last batch; iter_predict's outputs as read inside the loop and
as read after it (MXNet yields views of the executor's outputs, which later batches overwrite).
"""
import os
import sys

import numpy as np
import mxnet as mx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))
from support import multi_input_net as M  # noqa: E402

OUT = os.path.join(ROOT, 'tests', 'fixtures', 'perf')


def main():
    os.makedirs(OUT, exist_ok=True)
    mod = M.module(mx)
    out = {}
    for i, b in enumerate(M.batches(mx)):
        for rep in range(3):
            mod.forward(b, is_train=False)
            for k, o in enumerate(mod.get_outputs()):
                out['forward%d_%d_%d' % (i, rep, k)] = o.asnumpy()
        exe = mod._exec_group.execs[0]
        for n in M.DATA_NAMES:
            out['arg%d_%s' % (i, n)] = exe.arg_dict[n].asnumpy()
    for k, o in enumerate(mod.predict(M.data_iter(mx), always_output_list=True)):
        out['predict%d' % k] = o.asnumpy()
    kept = []
    for nbatch, (outs, idx, batch) in enumerate(mod.iter_predict(M.data_iter(mx))):
        assert idx == nbatch
        out['iter_pad%d' % idx] = np.array(batch.pad)
        for k, o in enumerate(outs):
            out['iter_in%d_%d' % (idx, k)] = o.asnumpy()
        kept.append(outs)
    for idx, outs in enumerate(kept):
        for k, o in enumerate(outs):
            out['iter_after%d_%d' % (idx, k)] = o.asnumpy()
    np.savez(os.path.join(OUT, 'multi_input.npz'), **out)


if __name__ == '__main__':
    main()
