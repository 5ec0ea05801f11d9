"""Record MXNet 1.9.1's float16 multi-precision optimizer updates, for
tests/test_optimizer_direct.py. Run from the repository root:

    OMP_NUM_THREADS=1 /tmp/mxnet-oracle/bin/python tools/record_optimizer_fp16.py \
        tests/fixtures/optimizer_fp16

direct: every runnable configuration of fixtures/modules/optimizers/direct.json with
``multi_precision=True``, on the float16 casts of its weights (w0, b0) and gradients: five
``updater([0, 1], [gw, gb], [w, b])`` calls; per step the float16 weights and every state
array in order (the float32 master copy among them, where MXNet keeps it).

module: a Module whose float16 gradient is its input (loss = sum(data * w) through MakeLoss,
batch 1, so the gradient is the data exactly and rescale_grad is 1; float16 FullyConnected is
GPU-only in MXNet), trained three steps with sgd (momentum), nag, adam and lamb,
multi_precision=True: per step the float16 weight and the updater's state arrays.

Writes fp16.json (configurations, state dtypes) and fp16.npz.
"""
import json
import os
import sys

import numpy as np
import mxnet as mx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests'))
from support.optimizer_fp16_programs import direct_steps  # noqa: E402

D = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures',
                 'modules', 'optimizers')
MODULE_CONFIGS = {
    'sgd': ('sgd', {'learning_rate': 0.1, 'momentum': 0.9, 'wd': 0.01}),
    'nag': ('nag', {'learning_rate': 0.1, 'momentum': 0.9, 'wd': 0.01}),
    'adam': ('adam', {'learning_rate': 0.01, 'wd': 0.01}),
    'lamb': ('lamb', {'learning_rate': 0.01, 'wd': 0.01}),
}


def flat(state):
    if state is None:
        return []
    if isinstance(state, (list, tuple)):
        return [a for s in state for a in flat(s)]
    return [state]


def record_direct(arrays, meta):
    direct = json.load(open(os.path.join(D, 'direct.json')))
    inputs = np.load(os.path.join(D, 'direct_inputs.npz'))
    for key, cfg in direct.items():
        if 'error' in cfg:
            continue
        for t, up, w, b in direct_steps(mx, cfg, inputs):
            arrays['direct/%s/step%d/x_weight' % (key, t)] = w.asnumpy()
            arrays['direct/%s/step%d/x_bias' % (key, t)] = b.asnumpy()
            for idx, name in enumerate(('x_weight', 'x_bias')):
                for j, a in enumerate(flat(up.states[idx])):
                    arrays['direct/%s/step%d/state/%s/%d' % (key, t, name, j)] = a.asnumpy()
        meta['direct'][key] = {'optimizer': cfg['optimizer'], 'kwargs': cfg['kwargs'],
                               'state_dtypes': [np.dtype(a.dtype).name
                                                for a in flat(up.states[0])]}


def record_module(arrays, meta):
    r = np.random.RandomState(4)
    w0 = r.uniform(-1, 1, (3, 4)).astype(np.float16)
    arrays['module/init'] = w0
    for t in range(3):
        arrays['module/data%d' % t] = r.uniform(-1, 1, (1, 3, 4)).astype(np.float16)
    for key, (name, kw) in MODULE_CONFIGS.items():
        data = mx.sym.Variable('data')
        w = mx.sym.Variable('w', shape=(1, 3, 4), dtype='float16')
        loss = mx.sym.MakeLoss(mx.sym.sum(mx.sym.broadcast_mul(data, w)), name='loss')
        mod = mx.mod.Module(loss, data_names=['data'], label_names=None, context=mx.cpu())
        mod.bind([mx.io.DataDesc('data', (1, 3, 4), 'float16')], for_training=True)
        mod.init_params(arg_params={'w': mx.nd.array(w0[None], dtype='float16')})
        mod.init_optimizer(optimizer=name, optimizer_params=dict(kw, multi_precision=True))
        for t in range(3):
            mod.forward_backward(mx.io.DataBatch([mx.nd.array(arrays['module/data%d' % t],
                                                              dtype='float16')]))
            mod.update()
            wt = mod.get_params()[0]['w']
            assert wt.dtype == np.float16
            arrays['module/%s/step%d/w' % (key, t)] = wt.asnumpy()
            for j, a in enumerate(flat(mod._updater.states[0])):
                arrays['module/%s/step%d/state/%d' % (key, t, j)] = a.asnumpy()
        meta['module'][key] = {'optimizer': name, 'kwargs': kw,
                               'rescale_grad': mod._optimizer.rescale_grad}


def main(out):
    arrays = {}
    meta = {'mxnet_version': mx.__version__,
            'made_by': 'OMP_NUM_THREADS=1 /tmp/mxnet-oracle/bin/python '
                       'tools/record_optimizer_fp16.py tests/fixtures/optimizer_fp16',
            'direct': {}, 'module': {}}
    record_direct(arrays, meta)
    record_module(arrays, meta)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'fp16.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    np.savez_compressed(os.path.join(out, 'fp16.npz'), **arrays)
    print(len(meta['direct']), 'direct,', len(meta['module']), 'module,', len(arrays), 'arrays')


if __name__ == '__main__':
    main(sys.argv[1])
