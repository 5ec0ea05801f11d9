"""Record tests/fixtures/numeric_guard/ with the real MXNet 1.9.1: where a diverging fit first
holds NaN/Inf, which ``mx.callback.NumericGuard`` must stop at (MXNet itself trains on).

A regression MLP (8 -> 16 tanh -> 1, LinearRegressionOutput) starts from fixed parameters and
fits fixed data with plain SGD at a learning rate so large that the weights overflow within a
few batches. After every batch a batch-end callback reads the module's parameters and output:
``diverge.json`` holds the first (epoch, batch) at which any of them is non-finite, the
non-finite names there (parameters in argument order, then outputs), and the batches before it
(all finite). ``diverge.npz`` holds the data, labels and initial parameters,
``diverge-symbol.json`` the network.

Usage: /tmp/mxnet-oracle/bin/python tools/record_numeric_guard.py tests/fixtures/numeric_guard
"""
import json
import os
import sys

import numpy as np
import mxnet as mx

LR = 0.8
BATCH = 8
EPOCHS = 4


def net():
    d = mx.sym.Variable('data')
    h = mx.sym.Activation(mx.sym.FullyConnected(d, num_hidden=16, name='fc1'), act_type='tanh')
    return mx.sym.LinearRegressionOutput(mx.sym.FullyConnected(h, num_hidden=1, name='fc2'),
                                         name='lin')


def inputs():
    rng = np.random.RandomState(3)
    x = (rng.rand(64, 8) * 6).astype(np.float32)
    y = (x.sum(1, keepdims=True) * 3).astype(np.float32)
    params = {'fc1_weight': rng.uniform(-0.3, 0.3, (16, 8)).astype(np.float32),
              'fc1_bias': np.zeros(16, np.float32),
              'fc2_weight': rng.uniform(-0.3, 0.3, (1, 16)).astype(np.float32),
              'fc2_bias': np.zeros(1, np.float32)}
    return x, y, params


def main(out):
    os.makedirs(out, exist_ok=True)
    x, y, params = inputs()
    it = mx.io.NDArrayIter(x, y, batch_size=BATCH, label_name='lin_label')
    mod = mx.mod.Module(net(), label_names=['lin_label'])
    seen = []

    def check(param):
        m = param.locals['self']
        args, _ = m.get_params()
        bad = [n for n in m._exec_group.param_names
               if not np.isfinite(args[n].asnumpy()).all()]
        bad += [n for n, o in zip(m.output_names, m.get_outputs())
                if not np.isfinite(o.asnumpy()).all()]
        seen.append({'epoch': param.epoch, 'nbatch': param.nbatch, 'bad': bad})
    mod.fit(it, num_epoch=EPOCHS, optimizer='sgd', optimizer_params={'learning_rate': LR},
            arg_params={k: mx.nd.array(v) for k, v in params.items()}, eval_metric='mse',
            batch_end_callback=check)
    first = next(s for s in seen if s['bad'])
    rec = {'mxnet': mx.__version__, 'lr': LR, 'batch_size': BATCH,
           'first_bad': first, 'finite_batches_before': seen.index(first),
           'command': 'tools/record_numeric_guard.py'}
    with open(os.path.join(out, 'diverge.json'), 'w') as f:
        json.dump(rec, f, indent=1, sort_keys=True)
    np.savez(os.path.join(out, 'diverge.npz'), x=x, y=y, **params)
    mod.symbol.save(os.path.join(out, 'diverge-symbol.json'))
    print(json.dumps(rec))


if __name__ == '__main__':
    main(sys.argv[1])
