"""Records Gluon-exported files whose names TensorFlow does not accept as they are.

Usage: /tmp/mxnet-oracle/bin/python tools/record_export_names.py tests/fixtures/export_names

Real MXNet 1.9.1 builds small hybridized Gluon nets the way users name them -- no prefix
(`HybridSequential(prefix='')`), block prefixes starting with `_`, holding `-`, `.` and `:` --
gives them seeded random weights and random BatchNorm statistics, and writes, per case:
  <case>-symbol.json, <case>-0000.params   what `net.export(case)` writes (or, for inputs
                                           Gluon cannot name, the symbol of `net(Variable)`
                                           saved with the parameters as MXNet checkpoints hold
                                           them: `arg:` / `aux:` keys)
  <case>-io.npz     'in0', 'in1', ... the inputs (in the symbol's input order), 'out0', ...
                    MXNet's outputs on them (inference mode)
  <case>.json       input names and shapes, output names, parameter names
"""
import json
import os
import sys

import numpy as np
import mxnet as mx
from mxnet import gluon
from mxnet.gluon import nn


class OddUnit(gluon.HybridBlock):
    """A residual unit whose own prefix is `_resunit10_` and whose children carry `-`."""

    def __init__(self, **kw):
        super().__init__(prefix='_resunit10_', **kw)
        with self.name_scope():
            self.seq = nn.HybridSequential(prefix='seq-10-')
            with self.seq.name_scope():
                self.seq.add(nn.Dense(6, in_units=6, prefix='linear-'),
                             nn.BatchNorm(in_channels=6, prefix='linear-batchnorm_'))

    def hybrid_forward(self, F, x):
        return F.relu(self.seq(x) + x)


class TwoIn(gluon.HybridBlock):
    """Two inputs (Gluon names them data0, data1), names with `.` and `:` in the prefixes."""

    def __init__(self, **kw):
        super().__init__(prefix='', **kw)
        with self.name_scope():
            self.a = nn.Dense(4, in_units=5, prefix='enc.a:')
            self.b = nn.Dense(4, in_units=3, prefix='_enc.b-')

    def hybrid_forward(self, F, x, y):
        return self.a(x) * F.sigmoid(self.b(y)), F.tanh(self.a(x))


def _randomize(net, rng):
    for name, p in sorted(net.collect_params().items()):
        shape = p.shape
        if name.endswith('running_var') or name.endswith('gamma'):
            v = rng.uniform(0.5, 1.5, shape)
        else:
            v = rng.normal(0, 0.5, shape)
        p.set_data(mx.nd.array(v.astype('float32')))


def _cases():
    # 1. no prefix anywhere: the Sequential's children use their global names
    net = nn.HybridSequential(prefix='')
    with net.name_scope():
        net.add(nn.Conv2D(4, 3, in_channels=2, padding=1), nn.BatchNorm(in_channels=4),
                nn.Activation('relu'), nn.Flatten(), nn.Dense(3, in_units=4 * 5 * 5))
    yield 'noprefix', net, [(2, 2, 5, 5)], None
    # 2. the free-form names of a residual net written without prefixes
    net = nn.HybridSequential(prefix='')
    with net.name_scope():
        net.add(OddUnit(), nn.Dense(2, in_units=6, prefix='_out.fc-'))
    yield 'resunit', net, [(3, 6)], None
    # 3. two inputs (data0, data1), prefixes with `.` and `:`, two outputs
    yield 'twoin', TwoIn(), [(2, 5), (2, 3)], None
    # 4. inputs Gluon's export cannot name: `_data` and `input:0`, a name that maps onto
    #    another (`input_0` is a parameter-free input too)
    yield 'oddinputs', TwoIn(), [(2, 5), (2, 3)], ['_data', 'input:0']
    # 5. two inputs whose TF names would collide: `input:0` and `input_0`
    yield 'collide', TwoIn(), [(2, 5), (2, 3)], ['input:0', 'input_0']


def main(out):
    os.makedirs(out, exist_ok=True)
    for seed, (case, net, shapes, names) in enumerate(_cases()):
        rng = np.random.RandomState(100 + seed)
        net.initialize()
        _randomize(net, rng)
        net.hybridize()
        ins = [mx.nd.array(rng.normal(0, 1, s).astype('float32')) for s in shapes]
        res = net(*ins)
        res = res if isinstance(res, (list, tuple)) else [res]
        prefix = os.path.join(out, case)
        if names is None:
            net.export(prefix)
            sym = mx.sym.load(prefix + '-symbol.json')
        else:
            sym = net(*[mx.sym.Variable(n) for n in names])
            sym = mx.sym.Group(list(sym)) if isinstance(sym, (list, tuple)) else sym
            sym.save(prefix + '-symbol.json')
            params = net.collect_params()
            aux = set(sym.list_auxiliary_states())
            mx.nd.save(prefix + '-0000.params',
                       {('aux:' if k in aux else 'arg:') + k: p.data()
                        for k, p in params.items()})
        # the symbol's inputs in order, and MXNet's own forward of the saved files
        saved = mx.nd.load(prefix + '-0000.params')
        args = {k[4:]: v for k, v in saved.items() if k.startswith('arg:')}
        auxs = {k[4:]: v for k, v in saved.items() if k.startswith('aux:')}
        inputs = [n for n in sym.list_arguments() if n not in args]
        feed = dict(zip(inputs, ins))
        exe = sym.bind(mx.cpu(), dict(args, **feed), aux_states=auxs, grad_req='null')
        outs = [o.asnumpy() for o in exe.forward(is_train=False)]
        for a, b in zip(outs, res):
            assert np.allclose(a, b.asnumpy(), atol=1e-5), case
        np.savez(prefix + '-io.npz', **{'in%d' % i: x.asnumpy() for i, x in enumerate(ins)},
                 **{'out%d' % i: o for i, o in enumerate(outs)})
        meta = {'inputs': {n: list(x.shape) for n, x in feed.items()},
                'input_order': inputs, 'outputs': sym.list_outputs(),
                'arg_params': sorted(args), 'aux_params': sorted(auxs),
                'mxnet': mx.__version__}
        with open(prefix + '.json', 'w') as f:
            json.dump(meta, f, indent=1, sort_keys=True)
        print(case, meta['input_order'], meta['outputs'], sorted(args)[:3], sorted(auxs)[:2])


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'tests/fixtures/export_names')
