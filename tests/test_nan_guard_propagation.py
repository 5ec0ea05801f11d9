"""Every op the registry marks ``nan_propagates`` does propagate NaN in a guarded inference call.

The flag lets a relu upstream of the op leave its NaN check to the call's outputs, so it must be
true of the TF kernels that run: for each flagged op (cases for its flagged forms), each input
in turn has an element (two, one at a time) set to NaN and to two different numbers; every
output element the two numbers change (the element influences it) must be NaN in the NaN run.
Run as the executor's guarded call runs it (traced, inference, fast forms).
"""
import numpy as np
import pytest
import tensorflow as tf

import tfmod as mx
from tfmod_converters import graph as _graph
from tfmod_converters import registry

# The flags are used (and claimed) only on kernels where they hold: not oneDNN's, whose fused
# relus and softmax turn NaN into numbers (graph.nan_propagation_verified).
TRUSTED = _graph.nan_propagation_verified(['/job:localhost/replica:0/task:0/device:CPU:0'])

_SHAPE4 = (1, 2, 4, 4)
_S = mx.sym._internal
_BINARY = ['elemwise_add', 'elemwise_sub', 'elemwise_mul', 'elemwise_div', '_grad_add',
           '_scatter_elemwise_div']
_BROADCAST = ['broadcast_add', 'broadcast_sub', 'broadcast_mul', 'broadcast_div']
_SCALAR = ['_plus_scalar', '_minus_scalar', '_rminus_scalar', '_mul_scalar', '_div_scalar',
           '_rdiv_scalar', '_scatter_plus_scalar', '_scatter_minus_scalar']
_UNARY = ['exp', 'log', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'abs', 'negative', 'tanh',
          'sigmoid', 'softsign', '_copy', 'BlockGrad', 'MakeLoss', 'make_loss', 'Flatten',
          'log_softmax', 'SoftmaxActivation']

# (op, attrs, {input name: shape}) -- inputs not named take inferred shapes
CASES = (
    [('Activation', {'act_type': t}, {'data': (2, 5)})
     for t in ('relu', 'sigmoid', 'tanh', 'softrelu', 'softsign')]
    + [(n, {}, {'lhs': (2, 5), 'rhs': (2, 5)}) for n in _BINARY]
    + [(n, {}, {'lhs': (2, 5), 'rhs': (1, 5)}) for n in _BROADCAST]
    + [(n, {'scalar': 2.0}, {'data': (2, 5)}) for n in _SCALAR]
    + [(n, {}, {'data': (2, 5)}) for n in _UNARY]
    + [('softmax', {'axis': 1}, {'data': (2, 5)}),
       ('SoftmaxActivation', {'mode': 'channel'}, {'data': (2, 3, 4)}),
       ('Dropout', {'p': 0.5}, {'data': (2, 5)}),
       ('Dropout', {'p': 0.5, 'mode': 'always'}, {'data': (2, 5)}),
       ('Convolution', {'kernel': (3, 3), 'num_filter': 3, 'pad': (1, 1)}, {'data': _SHAPE4}),
       ('Convolution', {'kernel': (3, 3), 'num_filter': 2, 'stride': (2, 2), 'no_bias': True},
        {'data': (1, 2, 7, 7)}),
       ('Deconvolution', {'kernel': (3, 3), 'num_filter': 3, 'stride': (2, 2)},
        {'data': _SHAPE4}),
       ('FullyConnected', {'num_hidden': 3}, {'data': (2, 5)}),
       ('BatchNorm', {'fix_gamma': False}, {'data': _SHAPE4}),
       ('BatchNorm', {}, {'data': (2, 3)}),
       ('Pooling', {'kernel': (2, 2), 'stride': (2, 2), 'pool_type': 'avg'}, {'data': _SHAPE4}),
       ('Pooling', {'kernel': (3, 3), 'pad': (1, 1), 'pool_type': 'avg',
                    'count_include_pad': False}, {'data': _SHAPE4}),
       ('Pooling', {'kernel': (2, 2), 'pool_type': 'sum'}, {'data': _SHAPE4}),
       ('Pooling', {'global_pool': True, 'kernel': (1, 1), 'pool_type': 'avg'},
        {'data': _SHAPE4}),
       ('Reshape', {'shape': (0, -1)}, {'data': _SHAPE4}),
       ('transpose', {'axes': (1, 0, 2)}, {'data': (2, 3, 4)}),
       ('expand_dims', {'axis': 1}, {'data': (2, 3)}),
       ('squeeze', {'axis': 1}, {'data': (2, 1, 3)}),
       ('Concat', {'dim': 1, 'num_args': 2}, {'arg0': (2, 3), 'arg1': (2, 2)}),
       ('add_n', {'num_args': 2}, {'arg0': (2, 3), 'arg1': (2, 3)}),
       ('SliceChannel', {'num_outputs': 2, 'axis': 1}, {'data': (2, 4)}),
       ('slice', {'begin': (0, 1), 'end': (2, 4)}, {'data': (2, 5)}),
       ('slice_axis', {'axis': 1, 'begin': 1, 'end': 3}, {'data': (2, 5)}),
       ('Cast', {'dtype': 'float16'}, {'data': (2, 5)}),
       ('SoftmaxOutput', {}, {'data': (2, 5)}),
       ('SoftmaxOutput', {'multi_output': True}, {'data': (2, 3, 4)})]
    + [(n, {}, {'data': (2, 3)}) for n in ('LinearRegressionOutput',
                                             'LogisticRegressionOutput', 'MAERegressionOutput')])


def _flagged():
    return sorted(n for n, od in registry.all_ops().items() if od.nan_propagates is not False)


def test_every_flagged_op_has_a_case():
    assert sorted({c[0] for c in CASES}) == _flagged()


def _symbol(name, attrs, shapes):
    ins = [mx.sym.Variable(k) for k in shapes]
    return getattr(_S, name)(*ins, name='op', **attrs)


def _run_all(sym, values_list):
    fn = sym._graph_function()

    @tf.function(autograph=False)
    def run(values):
        return fn(values, is_train=False, no_grad=True, guards=[])[0]
    return [[o.numpy().astype(np.float64) for o in run(v)] for v in values_list]


@pytest.mark.skipif(not TRUSTED, reason='oneDNN kernels: the nan_propagates flags are not used')
@pytest.mark.parametrize('case', range(len(CASES)))
def test_flagged_op_propagates_nan(case):
    name, attrs, shapes = CASES[case]
    sym = _symbol(name, attrs, shapes)
    node = sym._heads[0][0]
    assert node.opdef.propagates_nan(node.params), 'the case must use a flagged form'
    arg_shapes, _, aux_shapes = sym.infer_shape(**shapes)
    r = np.random.RandomState(case)
    base = {n: r.uniform(0.5, 2.0, s).astype(np.float32)
            for n, s in zip(sym.list_arguments() + sym.list_auxiliary_states(),
                            arg_shapes + aux_shapes)}
    runs, where = [], []
    for n in sym.list_arguments():
        if n.endswith('label'):
            continue
        size = base[n].size
        for k in sorted({size // 2, min(size // 2 + 1, size - 1)}):
            for v in (0.75, 1.5, np.nan):
                vals = dict(base)
                vals[n] = base[n].copy()
                vals[n].flat[k] = v
                runs.append(vals)
            where.append((n, k))
    outs = _run_all(sym, runs)
    influenced_any = False
    for i, n in enumerate(where):
        a, b, nan = outs[3 * i:3 * i + 3]
        for k, (x, y, z) in enumerate(zip(a, b, nan)):
            influenced = x != y
            influenced_any |= influenced.any()
            assert np.isnan(z[influenced]).all(), \
                '%s %s: a NaN in %s left output %d numbers where it influences it: %s' % (
                    name, attrs, n, k, z[influenced])
    assert influenced_any
