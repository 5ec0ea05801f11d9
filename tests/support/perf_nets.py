"""The small residual conv/BatchNorm/relu net of tests/test_inference_path.py, written once
against the MXNet API (the recorder runs it in MXNet, the test in tfmod)."""
import numpy as np

BATCH = 4
N = 10          # samples: two full batches and a padded one


def resnet_block(mx):
    data = mx.sym.Variable('data')
    x = mx.sym.Convolution(data, kernel=(3, 3), pad=(1, 1), num_filter=8, no_bias=True,
                           name='c0')
    x = mx.sym.Activation(mx.sym.BatchNorm(x, fix_gamma=False, eps=1e-5, name='bn0'), 'relu')
    y = mx.sym.Convolution(x, kernel=(3, 3), pad=(1, 1), num_filter=8, name='c1')
    y = mx.sym.BatchNorm(y, name='bn1')             # fix_gamma=True, eps=1e-3 (defaults)
    x = mx.sym.Activation(x + y, act_type='relu')
    x = mx.sym.Pooling(x, global_pool=True, pool_type='avg', kernel=(1, 1))
    fc = mx.sym.FullyConnected(mx.sym.Flatten(x), num_hidden=5, name='fc')
    return mx.sym.Group([mx.sym.SoftmaxOutput(fc, name='softmax'), mx.sym.BlockGrad(x)])


def inputs():
    r = np.random.RandomState(7)
    data = r.randn(N, 3, 6, 6).astype(np.float32)
    data[1, 0, 2, 3] = np.nan
    data[5, 2, 0, 0] = np.nan
    label = r.randint(0, 5, N).astype(np.float32)
    return data, label


def inputs_inside_nan():
    """One batch without NaNs whose infinities make NaNs inside the first convolution
    (inf - inf), and one without any non-finite value."""
    data, _ = inputs()
    data = np.nan_to_num(data[:BATCH], nan=0.25)
    clean = data.copy()
    data[2, 0, 1, 1] = np.inf
    data[2, 1, 1, 2] = -np.inf
    return data, clean


def params(sym, data_shape):
    r = np.random.RandomState(3)
    arg_shapes, _, aux_shapes = sym.infer_shape(data=(BATCH,) + tuple(data_shape[1:]))
    args = {n: (r.randn(*s) * 0.3).astype(np.float32)
            for n, s in zip(sym.list_arguments(), arg_shapes)
            if n not in ('data', 'softmax_label')}
    aux = {}
    for n, s in zip(sym.list_auxiliary_states(), aux_shapes):
        v = r.rand(*s).astype(np.float32)
        aux[n] = v + 0.5 if n.endswith('var') else v - 0.5
    return args, aux
