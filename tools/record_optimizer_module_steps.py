"""Record MXNet 1.9.1's Module steps for the optimizers tests/test_optimizer_direct.py runs
eagerly and compiled (the EXTRA list of tests/support/optimizer_step_configs.py), so both sides
are compared with MXNet, not only with each other.

Run with the oracle's python from the repository root:

    MXNET_SUBGRAPH_BACKEND=NONE OMP_NUM_THREADS=1 /tmp/mxnet-oracle/bin/python \
        tools/record_optimizer_module_steps.py tests/fixtures/optimizer_options

The module fixtures' mlp net and initial parameters, two forward/backward/update steps on its
first two batches of 8; the parameters after the second update go to module_steps.npz as
'<name><i>/<param>' (the EXTRA order and its test ids).
"""
import json
import os
import sys

import numpy as np
import mxnet as mx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests'))
from support.optimizer_step_configs import EXTRA  # noqa: E402

FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures',
                   'modules', 'common')


def main(out):
    nets = json.load(open(os.path.join(FIX, 'nets.json')))
    init = np.load(os.path.join(FIX, 'mlp_init.npz'))
    data = np.load(os.path.join(FIX, 'mlp_data.npz'))
    rec = {'made_by': np.array('MXNET_SUBGRAPH_BACKEND=NONE OMP_NUM_THREADS=1 '
                               '/tmp/mxnet-oracle/bin/python '
                               'tools/record_optimizer_module_steps.py '
                               'tests/fixtures/optimizer_options')}
    for i, (name, kw) in enumerate(EXTRA):
        sym = mx.sym.load_json(json.dumps(nets['mlp']['symbol_json']))
        mod = mx.mod.Module(sym, context=mx.cpu())
        mod.bind([('data', (8, 10))], [('softmax_label', (8,))])
        mod.init_params(arg_params={k[4:]: mx.nd.array(init[k]) for k in init.files
                                    if k.startswith('arg/')})
        mod.init_optimizer(optimizer=name, optimizer_params=dict(kw))
        for t in range(2):
            mod.forward_backward(mx.io.DataBatch(
                [mx.nd.array(data['data'][8 * t:8 * t + 8])],
                [mx.nd.array(data['label'][8 * t:8 * t + 8])]))
            mod.update()
        for n, v in mod.get_params()[0].items():
            rec['%s%d/%s' % (name, i, n)] = v.asnumpy()
    np.savez_compressed(os.path.join(out, 'module_steps.npz'), **rec)
    print(sorted(rec)[:6], len(rec))


if __name__ == '__main__':
    main(sys.argv[1])
