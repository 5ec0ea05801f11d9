"""Record what the inference fast path must reproduce, with real MXNet 1.9.1.

Run with the oracle's python from the repository root:
    /tmp/mxnet-oracle/bin/python tools/record_perf_predict.py
Writes tests/fixtures/perf/predict.npz: the inputs, parameters and MXNet's outputs of a small
residual conv -> BatchNorm (eps 1e-5 and the default 1e-3, fix_gamma False/True) -> relu net,
through Module.forward(is_train=False) and Module.predict (a padded last batch); the data holds
NaNs and negatives, where relu's NaN -> 0 shows; 'inside' is a batch whose infinities make NaNs
inside the first convolution, 'clean' the same batch without them.
"""
import os
import sys

import numpy as np
import mxnet as mx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))
from support import perf_nets  # noqa: E402

OUT = os.path.join(ROOT, 'tests', 'fixtures', 'perf')


def main():
    os.makedirs(OUT, exist_ok=True)
    sym = perf_nets.resnet_block(mx)
    data, label = perf_nets.inputs()
    arg_params, aux_params = perf_nets.params(sym, data.shape)
    mod = mx.mod.Module(sym, context=mx.cpu())
    mod.bind([('data', (perf_nets.BATCH,) + data.shape[1:])],
             [('softmax_label', (perf_nets.BATCH,))], for_training=False)
    mod.set_params({k: mx.nd.array(v) for k, v in arg_params.items()},
                   {k: mx.nd.array(v) for k, v in aux_params.items()})
    out = {'data': data, 'label': label}
    out.update({'arg:' + k: v for k, v in arg_params.items()})
    out.update({'aux:' + k: v for k, v in aux_params.items()})
    b = mx.io.DataBatch([mx.nd.array(data[:perf_nets.BATCH])],
                        [mx.nd.array(label[:perf_nets.BATCH])])
    mod.forward(b, is_train=False)
    for k, o in enumerate(mod.get_outputs()):
        out['forward%d' % k] = o.asnumpy()
    for key, d in zip(('inside', 'clean'), perf_nets.inputs_inside_nan()):
        out['data_' + key] = d
        mod.forward(mx.io.DataBatch([mx.nd.array(d)]), is_train=False)
        for k, o in enumerate(mod.get_outputs()):
            out['%s%d' % (key, k)] = o.asnumpy()
    it = mx.io.NDArrayIter(data, label, batch_size=perf_nets.BATCH)
    for k, o in enumerate(mod.predict(it)):
        out['predict%d' % k] = o.asnumpy()
    np.savez(os.path.join(OUT, 'predict.npz'), **out)


if __name__ == '__main__':
    main()
