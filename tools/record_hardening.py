"""Record tests/fixtures/hardening/ with the real MXNet 1.9.1 (run with the oracle's python).

* ``bf16.nd`` -- ``mx.nd.save`` of a bfloat16 array (MXNet writes type flag 12, raw 2-byte data);
* ``net-symbol.json``, ``net-0001.params`` -- a small MLP after 2 SGD-momentum steps on 2 CPU
  contexts with a local kvstore;
* ``net-0001.states`` -- its kvstore states saved with ``dump_optimizer=True`` (a pickled
  ``(states, optimizer)`` tuple keyed by parameter name);
* ``net1-0001.states`` -- the same net trained on one context (no kvstore), ``dump_optimizer``
  states from a kvstore holding the module's weights by index (``0, 1, ...``);
* ``expected.npz`` -- the bfloat16 array as float32 (``bf16_as_f32``), the data, labels and the parameters after 2 more steps resumed from those
  files in MXNet 1.9.1 (``after2_<name>`` for net, ``after1_<name>`` for net1).

Usage: /tmp/mxnet-oracle/bin/python tools/record_hardening.py tests/fixtures/hardening
"""
import os
import sys

import numpy as np
import mxnet as mx


def net():
    d = mx.sym.Variable('data')
    h = mx.sym.Activation(mx.sym.FullyConnected(d, num_hidden=5, name='fc1'), act_type='tanh')
    return mx.sym.SoftmaxOutput(mx.sym.FullyConnected(h, num_hidden=3, name='fc2'),
                                name='softmax')


def module(ctx, kv):
    mod = mx.mod.Module(net(), context=ctx)
    mod.bind(data_shapes=[('data', (4, 6))], label_shapes=[('softmax_label', (4,))])
    mx.random.seed(1)
    mod.init_params(mx.init.Xavier())
    mod.init_optimizer(kvstore=kv, optimizer='sgd',
                       optimizer_params={'learning_rate': 0.1, 'momentum': 0.9})
    return mod


def step(mod, x, y):
    mod.forward_backward(mx.io.DataBatch([mx.nd.array(x)], [mx.nd.array(y)]))
    mod.update()


def main(out):
    os.makedirs(out, exist_ok=True)
    bf = np.dtype([('bfloat16', np.uint16)])
    bf16 = mx.nd.array([[1.5, -2.25, 3.0], [0.0, 1e-3, -7e4]]).astype(bf)
    mx.nd.save(os.path.join(out, 'bf16.nd'), {'w': bf16})
    rng = np.random.RandomState(0)
    xs = rng.randn(4, 4, 6).astype('float32')
    ys = rng.randint(0, 3, (4, 4)).astype('float32')
    exp = {'x': xs, 'y': ys, 'bf16_as_f32': bf16.astype('float32').asnumpy()}
    # two contexts: the kvstore updates, keyed by name
    mod = module([mx.cpu(0), mx.cpu(1)], 'local')
    for i in range(2):
        step(mod, xs[i], ys[i])
    mod.save_checkpoint(os.path.join(out, 'net'), 1)
    mod._kvstore.save_optimizer_states(os.path.join(out, 'net-0001.states'), dump_optimizer=True)
    for i in range(2, 4):
        step(mod, xs[i], ys[i])
    for k, v in mod.get_params()[0].items():
        exp['after2_' + k] = v.asnumpy()
    # one context: the module's updater, keyed by index; dumped through a kvstore with its states
    mod = module([mx.cpu(0)], None)
    for i in range(2):
        step(mod, xs[i], ys[i])
    kv = mx.kv.create('local')
    kv._set_updater(mod._updater)
    kv.save_optimizer_states(os.path.join(out, 'net1-0001.states'), dump_optimizer=True)
    mod.save_params(os.path.join(out, 'net1-0001.params'))
    for i in range(2, 4):
        step(mod, xs[i], ys[i])
    for k, v in mod.get_params()[0].items():
        exp['after1_' + k] = v.asnumpy()
    np.savez(os.path.join(out, 'expected.npz'), **exp)


if __name__ == '__main__':
    main(sys.argv[1])
