"""The inference call's flat fast path and iter_predict's unsliced outputs against MXNet 1.9.1
(fixtures/perf/multi_input.npz, tools/record_predict_fast_path.py).

After its first (tracing) call, an executor's inference call hands TF the flat list of its
inputs, which TF orders by sorted name: a module whose data are declared out of that order
(zeta, alpha, mid) must still get each input in its place. The executor's input arrays keep
the batch (MXNet's arg_dict), and iter_predict's outputs alias the executor's as MXNet's views
do (read after the loop, every full batch shows the last batch's values).
"""
import os

import numpy as np

import tfmod as mx
from support import multi_input_net as M

Z = np.load(os.path.join(os.path.dirname(__file__), 'fixtures', 'perf', 'multi_input.npz'))
TOL = dict(rtol=1e-5, atol=1e-6)


def test_forward_repeated_keeps_each_input_in_its_place():
    mod = M.module(mx)
    exe = mod._exec_group.execs[0]
    for i, b in enumerate(M.batches(mx)):
        for rep in range(3):
            mod.forward(b, is_train=False)
            for k, o in enumerate(mod.get_outputs()):
                np.testing.assert_allclose(o.asnumpy(), Z['forward%d_%d_%d' % (i, rep, k)],
                                           **TOL)
        for n in M.DATA_NAMES:      # the executor's arrays hold the batch, as in MXNet
            np.testing.assert_array_equal(exe.arg_dict[n].asnumpy(), Z['arg%d_%s' % (i, n)])
    assert exe.trace_count == 1 and exe.call_count == 6
    assert list(exe._flat.values())[0] is not None      # the later calls took the flat path


def test_predict_and_iter_predict():
    mod = M.module(mx)
    for k, o in enumerate(mod.predict(M.data_iter(mx), always_output_list=True)):
        np.testing.assert_allclose(o.asnumpy(), Z['predict%d' % k], **TOL)
    kept = []
    for outs, idx, batch in mod.iter_predict(M.data_iter(mx)):
        assert batch.pad == int(Z['iter_pad%d' % idx])
        for k, o in enumerate(outs):
            np.testing.assert_allclose(o.asnumpy(), Z['iter_in%d_%d' % (idx, k)], **TOL)
        kept.append(outs)
    assert len(kept) == 3
    for idx, outs in enumerate(kept):
        for k, o in enumerate(outs):
            np.testing.assert_allclose(o.asnumpy(), Z['iter_after%d_%d' % (idx, k)], **TOL)
