"""mx.viz / mx.visualization: MXNet's text summary of a Symbol and its Graphviz drawing.

Both read the symbol's JSON graph (the same node list MXNet walks), so the table rows, the
parameter counts (MXNet's own rough formula: Convolution, FullyConnected, BatchNorm and
Embedding only, counted from the input channels) and the drawn nodes come out as MXNet 1.9.1
prints and draws them. ``plot_network`` needs the optional ``graphviz`` Python package
(``pip install 'tfmod[viz]'``); rendering the returned Digraph also needs Graphviz's ``dot``.
"""
import copy
import json
import re
import warnings

from .base import MXNetError
from .symbol import Symbol

__all__ = ['print_summary', 'plot_network']


class GraphvizMissingError(MXNetError, ImportError):
    """plot_network without the graphviz package (an ImportError too, as MXNet raises)."""


def _digits(text):
    """The integers of an MXNet tuple attribute such as "(3, 3)", as strings."""
    return re.findall(r'\d+', text)


def _check_symbol(symbol, what):
    if not isinstance(symbol, Symbol):
        raise TypeError('symbol must be %s' % what)


def _internal_dict(symbol, infer, given, what):
    """{internal output name: inferred value} through infer_shape/infer_type on the internals."""
    internals = symbol.get_internals()
    _, outs, _ = getattr(internals, infer)(**given)
    if outs is None:
        raise ValueError('Input %s is incomplete' % what)
    return dict(zip(internals.list_outputs(), outs))


def _fit_row(fields, stops):
    """One table row: each field cut or padded so that it ends at its column stop."""
    line = ''
    for field, stop in zip(fields, stops):
        line = (line + str(field))[:stop]
        line = line.ljust(stop)
    return line


def _layer_params(node, inputs_width, shapes):
    """MXNet's parameter count for one op node, from the summed widths of its inputs."""
    op, attrs = node['op'], node.get('attrs', {})
    if op == 'Convolution':
        count = inputs_width * int(attrs['num_filter']) // int(attrs.get('num_group', '1'))
        for k in _digits(attrs['kernel']):
            count *= int(k)
        if attrs.get('no_bias') != 'True':
            count += int(attrs['num_filter'])
        return count
    if op == 'FullyConnected':
        bias = 0 if attrs.get('no_bias') == 'True' else 1
        return (inputs_width + bias) * int(attrs['num_hidden'])
    if op == 'BatchNorm':
        return 2 * int(shapes[node['name'] + '_output'][1]) if shapes is not None else 0
    if op == 'Embedding':
        return int(attrs['input_dim']) * int(attrs['output_dim'])
    return 0


def print_summary(symbol, shape=None, line_length=120, positions=[.44, .64, .74, 1.]):  # noqa: B006
    """Print the layer table of ``symbol``: name(type), output shape (batch axis dropped, when
    ``shape`` gives the input shapes), parameter count and the layers feeding it."""
    _check_symbol(symbol, 'Symbol')
    shapes = None if shape is None else _internal_dict(symbol, 'infer_shape', shape, 'shape')
    graph = json.loads(symbol.tojson())
    nodes = graph['nodes']
    # MXNet's "heads" is the set of the numbers in the first head entry [node, index, version]:
    # it always holds node 0 (so the first input shows its shape and counts as a layer input)
    heads = set(graph['heads'][0])
    stops = [int(line_length * p) for p in positions] if positions[-1] <= 1 else list(positions)

    def shape_of(node):
        key = node['name'] + ('_output' if node['op'] != 'null' else '')
        if shapes is not None and key in shapes:
            return shapes[key][1:]
        return None

    print('_' * line_length)
    print(_fit_row(['Layer (type)', 'Output Shape', 'Param #', 'Previous Layer'], stops))
    print('=' * line_length)
    total = 0
    for i, node in enumerate(nodes):
        if node['op'] == 'null' and i > 0:
            continue
        if node['op'] == 'null' and i not in heads:
            out_shape = None
        else:
            out_shape = shape_of(node)
        previous, width = [], 0
        if node['op'] != 'null':
            for entry in node['inputs']:
                src = nodes[entry[0]]
                if src['op'] == 'null' and entry[0] not in heads:
                    continue
                previous.append(src['name'])
                src_shape = shape_of(src)
                if src_shape is not None:
                    width += int(src_shape[0])
        params = _layer_params(node, width, shapes)
        total += params
        print(_fit_row([node['name'] + '(' + node['op'] + ')',
                        'x'.join(str(d) for d in (out_shape or ())), params,
                        previous[0] if previous else ''], stops))
        for name in previous[1:]:
            print(_fit_row(['', '', '', name], stops))
        print(('=' if i == len(nodes) - 1 else '_') * line_length)
    print('Total params: {}'.format(total))
    print('_' * line_length)


# Fill colours MXNet gives each kind of node (a ColorBrewer "Set3" subset).
_INPUT, _LINEAR, _ACTIVATION, _NORM, _POOL, _SHAPE, _SOFTMAX, _OTHER = (
    '#8dd3c7', '#fb8072', '#ffffb3', '#bebada', '#80b1d3', '#fdb462', '#b3de69', '#fccde5')
_WEIGHT_SUFFIXES = ('_weight', '_bias', '_beta', '_gamma', '_moving_var', '_moving_mean',
                    '_running_var', '_running_mean')


def _node_look(node):
    """(label, fill colour) of an op node as MXNet draws it."""
    op, attrs = node['op'], node.get('attrs', {})
    if op == 'Convolution':
        stride = 'x'.join(_digits(attrs['stride'])) if 'stride' in attrs else '1'
        return ('Convolution\n%s/%s, %s' % ('x'.join(_digits(attrs['kernel'])), stride,
                                            attrs['num_filter']), _LINEAR)
    if op == 'FullyConnected':
        return 'FullyConnected\n%s' % attrs['num_hidden'], _LINEAR
    if op == 'BatchNorm':
        return node['name'], _NORM
    if op == 'Activation':
        return 'Activation\n%s' % attrs['act_type'], _ACTIVATION
    if op == 'LeakyReLU':
        return 'LeakyReLU\n%s' % attrs.get('act_type', 'Leaky'), _ACTIVATION
    if op == 'Pooling':
        kernel = 'x'.join(_digits(attrs['kernel'])) if 'kernel' in attrs else '[]'
        stride = 'x'.join(_digits(attrs['stride'])) if 'stride' in attrs else '1'
        return 'Pooling\n%s, %s/%s' % (attrs['pool_type'], kernel, stride), _POOL
    if op in ('Concat', 'Flatten', 'Reshape'):
        return node['name'], _SHAPE
    if op == 'Softmax':
        return node['name'], _SOFTMAX
    if op == 'Custom':
        return attrs['op_type'], _OTHER
    return node['name'], _OTHER


def _edge_key(src):
    """The internals' output name MXNet labels an edge from ``src`` with (for a node with
    ``num_outputs``, its last output)."""
    if src['op'] == 'null':
        return src['name']
    key = src['name'] + '_output'
    if 'num_outputs' in src.get('attrs', {}):
        key += str(int(src['attrs']['num_outputs']) - 1)
    return key


def plot_network(symbol, title='plot', save_format='pdf', shape=None, dtype=None,  # noqa: B006
                 node_attrs={}, hide_weights=True):
    """A ``graphviz.Digraph`` of the graph computing ``symbol``, drawn as MXNet draws it:
    inputs as ovals, ops coloured by kind, edges pointing back to their inputs and labelled
    with shapes (``shape``) and type names (``dtype``); weight-like inputs are hidden unless
    ``hide_weights=False``."""
    try:
        from graphviz import Digraph
    except ImportError:
        raise GraphvizMissingError(
            'mx.viz.plot_network needs the graphviz Python package: '
            "pip install graphviz (or pip install 'tfmod[viz]')") from None
    _check_symbol(symbol, 'a Symbol')
    shapes = None if shape is None else _internal_dict(symbol, 'infer_shape', shape, 'shape')
    types = None if dtype is None else _internal_dict(symbol, 'infer_type', dtype, 'type')
    nodes = json.loads(symbol.tojson())['nodes']
    names = [n['name'] for n in nodes]
    if len(set(names)) != len(names):
        repeated = sorted({n for n in names if names.count(n) > 1})
        warnings.warn('There are multiple variables with the same name in your graph, this may '
                      'result in cyclic graph. Repeated names: ' + ','.join(repeated),
                      RuntimeWarning)
    base_attr = {'shape': 'box', 'fixedsize': 'true', 'width': '1.3', 'height': '0.8034',
                 'style': 'filled'}
    base_attr.update(node_attrs)
    dot = Digraph(name=title, format=save_format)
    hidden = set()
    for node in nodes:
        attr = copy.deepcopy(base_attr)
        if node['op'] == 'null':
            if node['name'].endswith(_WEIGHT_SUFFIXES):
                # hidden weights lose their edges too; shown ones get an edge to a bare node
                if hide_weights:
                    hidden.add(node['name'])
                continue
            attr['shape'] = 'oval'
            label, attr['fillcolor'] = node['name'], _INPUT
        else:
            label, attr['fillcolor'] = _node_look(node)
        dot.node(name=node['name'], label=label, **attr)
    for node in nodes:
        if node['op'] == 'null':
            continue
        inputs = node['inputs'][:1] if node['op'] == '_contrib_BilinearResize2D' \
            else node['inputs']
        for entry in inputs:
            src = nodes[entry[0]]
            if src['name'] in hidden:
                continue
            label = ''
            if shapes is not None:
                label = 'x'.join(str(d) for d in shapes[_edge_key(src)][1:])
            if types is not None:
                label += '(%s)' % types[_edge_key(src)].__name__
            dot.edge(tail_name=node['name'], head_name=src['name'],
                     **{'dir': 'back', 'arrowtail': 'open', 'label': label})
    return dot
