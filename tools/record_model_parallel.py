"""Record MXNet 1.9.1 model parallelism (ctx_group + group2ctxs) for tests/test_multidevice.py.

Run with the oracle's python from the repository root:

    MXNET_SUBGRAPH_BACKEND=NONE OMP_NUM_THREADS=1 /tmp/mxnet-oracle/bin/python \
        tools/record_model_parallel.py tests/fixtures/multidevice

A two-layer net whose first layer is in ctx_group 'dev1' and second in 'dev2', bound with
group2ctxs={'dev1': cpu(1), 'dev2': cpu(2)}, starts from seeded parameters (stored in the
fixture) and takes three SGD-momentum steps on the module fixtures' mlp batches; the outputs
after each step, the parameters after each update and an inference forward on a fourth batch
are recorded into model_parallel.npz. The same steps without group2ctxs are checked to give
the same numbers in MXNet (so the placement does not change them there either).
"""
import json
import os
import sys

import numpy as np
import mxnet as mx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests'))
from support.model_parallel_net import two_group_mlp  # noqa: E402

FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures',
                   'modules', 'common')


def net():
    """The model-parallel net; the layer names are prefixed mp_ so placement logs are distinct."""
    return two_group_mlp(mx, prefix='mp_')


def run(init, data, group2ctxs):
    mod = mx.mod.Module(net(), context=mx.cpu(0), group2ctxs=group2ctxs)
    mod.bind([('data', (8, 10))], [('softmax_label', (8,))])
    mod.init_params(arg_params={k: mx.nd.array(v) for k, v in init.items()})
    mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.1, 'momentum': 0.9})
    rec = {}
    for t in range(3):
        b = mx.io.DataBatch([mx.nd.array(data['data'][8 * t:8 * t + 8])],
                            [mx.nd.array(data['label'][8 * t:8 * t + 8])])
        mod.forward_backward(b)
        mod.update()
        rec['step%d/out' % (t + 1)] = mod.get_outputs()[0].asnumpy()
        for n, v in mod.get_params()[0].items():
            rec['step%d/arg/%s' % (t + 1, n)] = v.asnumpy()
    b = mx.io.DataBatch([mx.nd.array(data['data'][24:32])], [mx.nd.array(data['label'][24:32])])
    mod.forward(b, is_train=False)
    rec['infer/out'] = mod.get_outputs()[0].asnumpy()
    return rec


def main(out):
    rng = np.random.RandomState(17)
    init = {'mp_fc1_weight': rng.uniform(-0.5, 0.5, (8, 10)).astype(np.float32),
            'mp_fc1_bias': rng.uniform(-0.1, 0.1, (8,)).astype(np.float32),
            'mp_fc2_weight': rng.uniform(-0.5, 0.5, (4, 8)).astype(np.float32),
            'mp_fc2_bias': rng.uniform(-0.1, 0.1, (4,)).astype(np.float32)}
    data = np.load(os.path.join(FIX, 'mlp_data.npz'))
    rec = run(init, data, {'dev1': mx.cpu(1), 'dev2': mx.cpu(2)})
    plain = run(init, data, None)
    for k in rec:
        np.testing.assert_allclose(rec[k], plain[k], rtol=1e-6, atol=1e-7, err_msg=k)
    arrays = {'init/' + k: v for k, v in init.items()}
    arrays.update(rec)
    os.makedirs(out, exist_ok=True)
    np.savez_compressed(os.path.join(out, 'model_parallel.npz'), **arrays)
    with open(os.path.join(out, 'model_parallel.json'), 'w') as f:
        json.dump({'mxnet_version': mx.__version__,
                   'made_by': 'MXNET_SUBGRAPH_BACKEND=NONE OMP_NUM_THREADS=1 '
                              '/tmp/mxnet-oracle/bin/python tools/record_model_parallel.py '
                              'tests/fixtures/multidevice',
                   'symbol_json': json.loads(net().tojson())}, f, indent=1)
    print(len(arrays), 'arrays')


if __name__ == '__main__':
    main(sys.argv[1])
