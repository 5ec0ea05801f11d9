"""Record tests/fixtures/numeric_guard/ with the real MXNet 1.9.1: where a diverging fit first
holds NaN/Inf, which ``mx.callback.NumericGuard`` must stop at (MXNet itself trains on).

A regression MLP (8 -> 16 tanh -> 1, LinearRegressionOutput) starts from fixed parameters and
fits fixed data with plain SGD at a learning rate so large that the weights overflow within a
few batches. After every batch a batch-end callback reads the module's parameters and output:
``diverge.json`` holds the first (epoch, batch) at which any of them is non-finite, the
non-finite names there (parameters in argument order, then outputs), and the batches before it
(all finite). ``diverge.npz`` holds the data, labels and initial parameters,
``diverge-symbol.json`` the network.

Two more fits, each recording the first non-finite batch with every non-finite array's NaN/Inf
counts: ``overflow.*`` (a weight that overflows to Inf while its gradient is finite) and
``bn_aux.*`` (a BatchNorm's moving variance overflows while all else stays finite).

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


def _first_bad(mod, it, num_epoch, optimizer_params, arg_params, aux_params=None):
    """Fit with a callback reading every parameter, aux state, gradient and output after each
    batch: the first batch holding a NaN/Inf, with each non-finite array's NaN and Inf counts
    (parameters in argument order, then aux states, then outputs) and whether the gradients
    were all finite there."""
    seen = []

    def count(a):
        a = a.asnumpy()
        return [int(np.isnan(a).sum()), int(np.isinf(a).sum()), int(a.size)]

    def check(param):
        m = param.locals['self']
        args, auxs = m.get_params()
        arrays = [(n, 'parameter', args[n]) for n in m._exec_group.param_names]
        arrays += [(n, 'auxiliary state', auxs[n]) for n in m._exec_group.aux_names]
        arrays += [(n, 'output', o) for n, o in zip(m.output_names, m.get_outputs())]
        bad = [[n, kind] + count(a) for n, kind, a in arrays
               if not np.isfinite(a.asnumpy()).all()]
        grads = [g[0] for g in m._exec_group.grad_arrays if g and g[0] is not None]
        seen.append({'epoch': param.epoch, 'nbatch': param.nbatch, 'bad': bad,
                     'grads_finite': all(np.isfinite(g.asnumpy()).all() for g in grads)})
    mod.fit(it, num_epoch=num_epoch, optimizer='sgd', optimizer_params=optimizer_params,
            arg_params=arg_params, aux_params=aux_params, eval_metric='mse',
            batch_end_callback=check)
    return next(s for s in seen if s['bad'])


def overflow(out):
    """A weight that overflows to Inf in an update whose weight, gradient and output are all
    finite (1e38 + 2.8e38 > float32's maximum): what a check of the gradients would miss."""
    x = np.array([[0.0], [2.0]], np.float32)
    y = np.array([[0.0], [3.4e38]], np.float32)
    params = {'fc_weight': np.array([[1e38]], np.float32), 'fc_bias': np.zeros(1, np.float32)}
    d = mx.sym.Variable('data')
    sym = mx.sym.LinearRegressionOutput(mx.sym.FullyConnected(d, num_hidden=1, name='fc'),
                                        name='lin')
    it = mx.io.NDArrayIter(x, y, batch_size=1, label_name='lin_label')
    mod = mx.mod.Module(sym, label_names=['lin_label'])
    first = _first_bad(mod, it, 1, {'learning_rate': 1.0},
                       {k: mx.nd.array(v) for k, v in params.items()})
    rec = {'mxnet': mx.__version__, 'first_bad': first, 'lr': 1.0,
           'command': 'tools/record_numeric_guard.py'}
    with open(os.path.join(out, 'overflow.json'), 'w') as f:
        json.dump(rec, f, indent=1, sort_keys=True)
    np.savez(os.path.join(out, 'overflow.npz'), x=x, y=y, **params)
    sym.save(os.path.join(out, 'overflow-symbol.json'))
    print(json.dumps(rec))


def bn_aux(out):
    """A BatchNorm whose batch variance overflows (one channel of batch 2 near 1e20): its
    moving variance becomes Inf while the parameters, gradients and outputs stay finite."""
    rng = np.random.RandomState(5)
    x = rng.rand(32, 4).astype(np.float32)
    x[16:24, 2] *= 1e20
    y = rng.rand(32, 1).astype(np.float32)
    d = mx.sym.Variable('data')
    sym = mx.sym.LinearRegressionOutput(
        mx.sym.FullyConnected(mx.sym.BatchNorm(d, name='bn'), num_hidden=1, name='fc'),
        name='lin')
    params = {'bn_gamma': np.ones(4, np.float32), 'bn_beta': np.zeros(4, np.float32),
              'fc_weight': rng.uniform(-1, 1, (1, 4)).astype(np.float32),
              'fc_bias': np.zeros(1, np.float32)}
    it = mx.io.NDArrayIter(x, y, batch_size=8, label_name='lin_label')
    mod = mx.mod.Module(sym, label_names=['lin_label'])
    first = _first_bad(mod, it, 1, {'learning_rate': 0.1},
                       {k: mx.nd.array(v) for k, v in params.items()},
                       {'bn_moving_mean': mx.nd.zeros(4), 'bn_moving_var': mx.nd.ones(4)})
    rec = {'mxnet': mx.__version__, 'first_bad': first,
           'command': 'tools/record_numeric_guard.py'}
    with open(os.path.join(out, 'bn_aux.json'), 'w') as f:
        json.dump(rec, f, indent=1, sort_keys=True)
    np.savez(os.path.join(out, 'bn_aux.npz'), x=x, y=y, **params)
    sym.save(os.path.join(out, 'bn_aux-symbol.json'))
    print(json.dumps(rec))


if __name__ == '__main__':
    main(sys.argv[1])
    overflow(sys.argv[1])
    bn_aux(sys.argv[1])
