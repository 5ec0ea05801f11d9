"""A module with three data inputs declared out of alphabetical order (zeta, alpha, mid) and
two outputs, written once against the MXNet API: the recorder runs it in MXNet, and
tests/test_predict_fast_path.py in tfmod (the compiled call takes its inputs in sorted order)."""
import numpy as np

BATCH = 4
N = 10                      # samples: two full batches and a padded one
DATA_NAMES = ('zeta', 'alpha', 'mid')


def net(mx):
    zeta, alpha, mid = (mx.sym.Variable(n) for n in DATA_NAMES)
    diff = mx.sym.identity(zeta - 2 * alpha, name='diff')
    fc = mx.sym.FullyConnected(mid + 3 * alpha, num_hidden=2, name='fc')
    return mx.sym.Group([diff, fc])


def inputs():
    r = np.random.RandomState(11)
    return {n: r.randn(N, 3).astype(np.float32) for n in DATA_NAMES}


def params():
    r = np.random.RandomState(12)
    return {'fc_weight': r.randn(2, 3).astype(np.float32),
            'fc_bias': r.randn(2).astype(np.float32)}


def module(mx):
    """Bound for inference, parameters set."""
    mod = mx.mod.Module(net(mx), data_names=DATA_NAMES, label_names=None, context=mx.cpu())
    mod.bind([(n, (BATCH, 3)) for n in DATA_NAMES], for_training=False)
    mod.set_params({k: mx.nd.array(v) for k, v in params().items()}, {})
    return mod


def batches(mx):
    """DataBatches of the first two full batches, in DATA_NAMES order."""
    d = inputs()
    return [mx.io.DataBatch([mx.nd.array(d[n][i * BATCH:(i + 1) * BATCH]) for n in DATA_NAMES])
            for i in range(2)]


def data_iter(mx):
    """An NDArrayIter over all N samples (a padded last batch); its dict input is provided in
    sorted-name order, so the module gets its data by name."""
    return mx.io.NDArrayIter(inputs(), batch_size=BATCH)
