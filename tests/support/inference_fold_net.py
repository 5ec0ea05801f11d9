"""The net and values of the inference-fold test (tests/test_inference_folds.py) and its MXNet
recorder (tools/record_inference_folds.py): biased convolutions read by BatchNorms, one of
them also read by an add (its bias cannot be folded away), two sets of parameters."""
import numpy as np

SHAPE = (2, 3, 8, 8)


def net(mx):
    data = mx.sym.Variable('data')
    c1 = mx.sym.Convolution(data, num_filter=4, kernel=(3, 3), pad=(1, 1), name='if_conv1')
    h1 = mx.sym.Activation(mx.sym.BatchNorm(c1, fix_gamma=False, name='if_bn1'), 'relu')
    c2 = mx.sym.Convolution(h1, num_filter=4, kernel=(1, 1), name='if_conv2')
    h2 = mx.sym.BatchNorm(c2, name='if_bn2') + h1          # fix_gamma: MXNet's default
    c3 = mx.sym.Convolution(mx.sym.Activation(h2, 'relu'), num_filter=4, kernel=(3, 3),
                            stride=(2, 2), pad=(1, 1), name='if_conv3')
    h3 = mx.sym.BatchNorm(c3, fix_gamma=False, eps=1e-5, name='if_bn3') + c3
    return mx.sym.FullyConnected(h3, num_hidden=3, name='if_fc')


def values(sym, seed):
    """Parameters and auxiliary states for ``sym`` bound at SHAPE (numpy, by name)."""
    rng = np.random.RandomState(seed)
    args, _, aux = sym.infer_shape(data=SHAPE)
    out = {}
    for name, shape in zip(sym.list_arguments(), args):
        if name != 'data':
            out[name] = rng.uniform(-1, 1, shape).astype(np.float32)
    for name, shape in zip(sym.list_auxiliary_states(), aux):
        lo, hi = (0.5, 1.5) if name.endswith('var') else (-0.5, 0.5)
        out[name] = rng.uniform(lo, hi, shape).astype(np.float32)
    return out


def data(seed=7):
    return np.random.RandomState(seed).uniform(-1, 1, SHAPE).astype(np.float32)
