"""Record MXNet 1.9.1 data-parallel Module training on several CPU contexts, for
tests/test_multidevice.py. Run with the oracle's python:

    PY=$(../shared/oracle/setup.sh)
    MXNET_SUBGRAPH_BACKEND=NONE OMP_NUM_THREADS=1 $PY tools/record_multidevice.py tests/fixtures/multidevice

(MXNET_SUBGRAPH_BACKEND=NONE keeps BatchNorm unfolded, as for the module fixtures.)

For the module fixtures' convbn and mlp nets and their fixed initial parameters (BatchNorm makes
the per-device split visible), with contexts [cpu(0)], [cpu(0), cpu(1)] and
[cpu(0), cpu(1), cpu(2)] and several work_load_lists: five SGD-momentum steps of
forward_backward + update on batches of 8, recording per step the merged outputs, the
per-device outputs, and get_params() (MXNet averages aux states over devices).
"""
import json
import os
import sys

import numpy as np
import mxnet as mx

FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures',
                   'modules', 'common')
CONFIGS = {
    'mlp_1dev': ('mlp', 1, None),
    'mlp_2dev': ('mlp', 2, None),
    'mlp_3dev_uneven': ('mlp', 3, [1, 2, 1]),
    'convbn_1dev': ('convbn', 1, None),
    'convbn_2dev': ('convbn', 2, None),
    'convbn_2dev_uneven': ('convbn', 2, [3, 5]),
    'convbn_3dev': ('convbn', 3, None),
}


def main(out):
    nets = json.load(open(os.path.join(FIX, 'nets.json')))
    meta = {}
    arrays = {}
    for cfg, (net, ndev, wl) in CONFIGS.items():
        sym = mx.sym.load_json(json.dumps(nets[net]['symbol_json']))
        init = np.load(os.path.join(FIX, '%s_init.npz' % net))
        data = np.load(os.path.join(FIX, '%s_data.npz' % net))
        ctx = [mx.cpu(i) for i in range(ndev)]
        mod = mx.mod.Module(sym, context=ctx, work_load_list=wl)
        shape = (8,) + tuple(nets[net]['data_shape_per_sample'])
        mod.bind([('data', shape)], [('softmax_label', (8,))])
        mod.init_params(arg_params={k[4:]: mx.nd.array(init[k]) for k in init.files
                                    if k.startswith('arg/')},
                        aux_params={k[4:]: mx.nd.array(init[k]) for k in init.files
                                    if k.startswith('aux/')})
        mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.1,
                                                              'momentum': 0.9, 'wd': 1e-4})
        meta[cfg] = {'net': net, 'num_device': ndev, 'work_load_list': wl,
                     'kvstore_type': mod._kvstore.type if mod._kvstore else None,
                     'update_on_kvstore': mod._update_on_kvstore,
                     'slices': [[s.start, s.stop] for s in mod._exec_group.slices],
                     'rescale_grad': mod._optimizer.rescale_grad}
        for t in range(5):
            b = mx.io.DataBatch([mx.nd.array(data['data'][8 * t:8 * t + 8])],
                                [mx.nd.array(data['label'][8 * t:8 * t + 8])])
            mod.forward_backward(b)
            mod.update()
            arrays['%s/step%d/out' % (cfg, t + 1)] = mod.get_outputs()[0].asnumpy()
            for k, o in enumerate(mod.get_outputs(merge_multi_context=False)[0]):
                arrays['%s/step%d/out_dev%d' % (cfg, t + 1, k)] = o.asnumpy()
            arg, aux = mod.get_params()
            for n, v in list(arg.items()) + list(aux.items()):
                arrays['%s/step%d/%s/%s' % (cfg, t + 1, 'arg' if n in arg else 'aux', n)] = \
                    v.asnumpy()
            for n, block in zip(mod._exec_group.aux_names, mod._exec_group.aux_arrays):
                for k, a in enumerate(block):
                    arrays['%s/step%d/aux_dev%d/%s' % (cfg, t + 1, k, n)] = a.asnumpy()
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'multidevice.json'), 'w') as f:
        json.dump({'mxnet_version': mx.__version__, 'configs': meta}, f, indent=1)
    np.savez_compressed(os.path.join(out, 'multidevice.npz'), **arrays)
    print(len(meta), 'configs,', len(arrays), 'arrays')


if __name__ == '__main__':
    main(sys.argv[1])
