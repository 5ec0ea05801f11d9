"""Record MXNet 1.9.1's mx.viz output for tests/test_visualization.py. Run with the oracle's
python (graphviz, the Python package, must be importable there):

    /tmp/mxnet-oracle/bin/python tools/record_visualization.py tests/fixtures/visualization

For each net (an MLP, a conv net with BatchNorm and pooling, a Gluon HybridBlock export with
`_`-prefixed names and a multi-input Concat, an Embedding/RNN-ish net) it writes
`<net>-symbol.json` (the symbol, which the test loads with tfmod) and `cases.json`: per case
the arguments of print_summary and the exact text it printed; per plot_network case the
sequence of Digraph.node / Digraph.edge calls and the DOT source graphviz made from them.
"""
import contextlib
import io
import json
import os
import sys

import mxnet as mx


def mlp():
    data = mx.sym.Variable('data')
    net = mx.sym.FullyConnected(data, name='fc1', num_hidden=128)
    net = mx.sym.Activation(net, name='relu1', act_type='relu')
    net = mx.sym.FullyConnected(net, name='fc2', num_hidden=64)
    net = mx.sym.Activation(net, name='relu2', act_type='relu')
    net = mx.sym.FullyConnected(net, name='fc3', num_hidden=10)
    return mx.sym.SoftmaxOutput(net, name='softmax')


def convbn():
    data = mx.sym.Variable('data')
    net = mx.sym.Convolution(data, name='conv1', kernel=(3, 3), num_filter=8, pad=(1, 1))
    net = mx.sym.BatchNorm(net, name='bn1', fix_gamma=False)
    net = mx.sym.Activation(net, name='relu1', act_type='relu')
    net = mx.sym.Pooling(net, name='pool1', kernel=(2, 2), stride=(2, 2), pool_type='max')
    net = mx.sym.Convolution(net, name='conv2', kernel=(3, 3), num_filter=16, num_group=2,
                             no_bias=True)
    net = mx.sym.LeakyReLU(net, name='lrelu', act_type='leaky')
    net = mx.sym.Pooling(net, name='gpool', global_pool=True, kernel=(1, 1), pool_type='avg')
    net = mx.sym.Flatten(net, name='flat')
    net = mx.sym.FullyConnected(net, name='fc', num_hidden=10, no_bias=True)
    return mx.sym.SoftmaxOutput(net, name='softmax')


def gluon_net():
    from mxnet.gluon import nn

    class Block(nn.HybridBlock):
        def __init__(self, **kw):
            super().__init__(**kw)
            with self.name_scope():
                self.conv_a = nn.Conv2D(4, 3, padding=1)
                self.bn = nn.BatchNorm()
                self.conv_b = nn.Conv2D(4, 1)
                self.dense = nn.Dense(5)

        def hybrid_forward(self, F, x):
            a = F.relu(self.bn(self.conv_a(x)))
            b = self.conv_b(x)
            return self.dense(F.concat(a, b, dim=1))

    blk = Block(prefix='net_')
    blk.initialize()
    blk.hybridize()
    blk(mx.nd.ones((1, 3, 8, 8)))
    tmp = os.path.join(os.environ.get('TMPDIR', '/tmp'), 'viz_gluon_rec')
    blk.export(tmp)
    return mx.sym.load(tmp + '-symbol.json')


def embed_net():
    data = mx.sym.Variable('data')
    net = mx.sym.Embedding(data, name='embed', input_dim=50, output_dim=6)
    parts = mx.sym.split(net, num_outputs=2, axis=1, name='split')
    net = parts[0] + parts[1]
    net = mx.sym.Reshape(net, shape=(0, -1), name='reshape')
    return mx.sym.FullyConnected(net, name='out', num_hidden=3)


NETS = {'mlp': (mlp, {'data': (32, 784)}),
        'convbn': (convbn, {'data': (2, 3, 16, 16)}),
        'gluon': (gluon_net, {'data': (1, 3, 8, 8)}),
        'embed': (embed_net, {'data': (4, 2)})}


def summary_text(sym, **kw):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        mx.viz.print_summary(sym, **kw)
    return buf.getvalue()


class Recorder:
    """Stands in for graphviz.Digraph to record the calls plot_network makes."""
    real_class = None

    def __init__(self, *args, **kwargs):
        self.real = Recorder.real_class(*args, **kwargs)
        self.calls = [['Digraph', list(args), kwargs]]

    def node(self, *args, **kwargs):
        self.calls.append(['node', list(args), kwargs])
        self.real.node(*args, **kwargs)

    def edge(self, *args, **kwargs):
        self.calls.append(['edge', list(args), kwargs])
        self.real.edge(*args, **kwargs)


def plot_calls(sym, **kw):
    import graphviz
    real = Recorder.real_class = graphviz.Digraph
    graphviz.Digraph = Recorder
    try:
        dot = mx.viz.plot_network(sym, **kw)
    finally:
        graphviz.Digraph = real
    return dot.calls, dot.real.source


def main(out):
    os.makedirs(out, exist_ok=True)
    cases = {'graphviz_version': __import__('graphviz').__version__, 'summary': [], 'plot': []}
    for name, (make, shape) in NETS.items():
        sym = make()
        with open(os.path.join(out, name + '-symbol.json'), 'w') as f:
            f.write(sym.tojson())
        shape = {k: list(v) for k, v in shape.items()}
        variants = [dict(shape=shape), dict()]
        if name == 'mlp':
            variants.append(dict(shape=shape, line_length=80, positions=[.5, .7, .8, 1.]))
            variants.append(dict(shape=shape, line_length=100, positions=[30, 60, 75, 100]))
        for kw in variants:
            call = dict(kw)
            if 'shape' in call:
                call['shape'] = {k: tuple(v) for k, v in call['shape'].items()}
            cases['summary'].append({'net': name, 'kwargs': kw, 'text': summary_text(sym, **call)})
        pvariants = [dict(shape=shape), dict(title='t', hide_weights=False,
                                             node_attrs={'shape': 'oval', 'fixedsize': 'false'})]
        if name == 'mlp':
            pvariants.append(dict(shape=shape, dtype={'data': 'float32'}, save_format='png'))
        for kw in pvariants:
            call = dict(kw)
            if 'shape' in call:
                call['shape'] = {k: tuple(v) for k, v in call['shape'].items()}
            if 'dtype' in call:
                import numpy as np
                call['dtype'] = {k: np.dtype(v).type for k, v in call['dtype'].items()}
            calls, source = plot_calls(sym, **call)
            cases['plot'].append({'net': name, 'kwargs': kw, 'calls': calls, 'source': source})
    with open(os.path.join(out, 'cases.json'), 'w') as f:
        json.dump(cases, f, indent=1, sort_keys=True)


if __name__ == '__main__':
    main(sys.argv[1])
