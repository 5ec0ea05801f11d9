"""The nets of tests/test_nan_guard.py, written once against the MXNet API (the recorder runs
them in MXNet, the test in tfmod). Each makes NaNs inside the graph from finite data: ``sqrt`` of
negative input elements (a 2x2 block), which the first relu meets (MXNet's relu gives 0 there).
No convolution runs on a NaN in MXNet (its oneDNN conv+relu fusion lets a NaN input through).

- ``propagating``: relus whose every path to the output propagates NaN (convolution ->
  BatchNorm -> relu twice, average pooling, FullyConnected), plus a FullyConnected straight from
  the data, so a NaN in the *input* reaches the output as NaN in MXNet too;
- ``maxpool``: a relu feeding max pooling only;
- ``mixed``: a relu feeding both max pooling and a convolution -> relu -> average-pool branch.
"""
import numpy as np

BATCH = 4
SHAPE = (BATCH, 2, 6, 6)


def _stem(mx, data):
    return mx.sym.Activation(mx.sym.sqrt(data) - 0.8, 'relu', name='r0')


def _conv_bn_relu(mx, x, k):
    x = mx.sym.Convolution(x, kernel=(3, 3), pad=(1, 1), num_filter=4, name='c%d' % k)
    return mx.sym.Activation(mx.sym.BatchNorm(x, fix_gamma=False, name='bn%d' % k), 'relu',
                             name='r%d' % k)


def propagating(mx):
    data = mx.sym.Variable('data')
    x = _conv_bn_relu(mx, _conv_bn_relu(mx, _stem(mx, data), 1), 2)
    x = mx.sym.Pooling(x, global_pool=True, pool_type='avg', kernel=(1, 1))
    fc = mx.sym.FullyConnected(mx.sym.Flatten(x), num_hidden=3, name='fc')
    skip = mx.sym.FullyConnected(data, num_hidden=3, name='skip')
    return fc + skip


def maxpool(mx):
    r0 = _stem(mx, mx.sym.Variable('data'))
    x = mx.sym.Pooling(r0, kernel=(2, 2), stride=(2, 2), pool_type='max')
    fc = mx.sym.FullyConnected(x, num_hidden=3, name='fc')
    return mx.sym.Group([fc, mx.sym.BlockGrad(x)])


def mixed(mx):
    r0 = _stem(mx, mx.sym.Variable('data'))
    x = mx.sym.Pooling(r0, kernel=(2, 2), stride=(2, 2), pool_type='max')
    fc = mx.sym.FullyConnected(x, num_hidden=3, name='fc')
    g = mx.sym.Pooling(_conv_bn_relu(mx, r0, 1), global_pool=True, pool_type='avg',
                       kernel=(1, 1))
    return mx.sym.Group([fc, mx.sym.Flatten(g)])


NETS = {'propagating': propagating, 'maxpool': maxpool, 'mixed': mixed}


def batches():
    """name -> data: 'clean' (no NaN anywhere), 'inside' (negative elements in sample 1, one
    max-pooling window: NaNs made by sqrt inside the graph), 'input' (also a NaN in sample 2's
    input)."""
    r = np.random.RandomState(11)
    clean = r.uniform(0.1, 2.0, SHAPE).astype(np.float32)
    inside = clean.copy()
    inside[1, 0, 2:4, 2:4] = -1.0
    given = inside.copy()
    given[2, 1, 4, 1] = np.nan
    return {'clean': clean, 'inside': inside, 'input': given}


def params(sym):
    """Random parameters and BatchNorm statistics (seeded), keyed by name."""
    r = np.random.RandomState(5)
    arg_shapes, _, aux_shapes = sym.infer_shape(data=SHAPE)
    args = {n: (r.randn(*s) * 0.5).astype(np.float32)
            for n, s in zip(sym.list_arguments(), arg_shapes) if n != 'data'}
    aux = {}
    for n, s in zip(sym.list_auxiliary_states(), aux_shapes):
        v = r.rand(*s).astype(np.float32)
        aux[n] = v + 0.5 if n.endswith('var') else v - 0.5
    return args, aux
