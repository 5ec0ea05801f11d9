"""Record MXNet 1.9.1 model parallelism over a convolution net for tests/test_multidevice.py.

Run with the oracle's python from the repository root:

    MXNET_SUBGRAPH_BACKEND=NONE OMP_NUM_THREADS=1 /tmp/mxnet-oracle/bin/python \
        tools/record_model_parallel_conv.py tests/fixtures/multidevice

A Convolution in no group (the executor's context), BatchNorm -> relu -> max pooling in
ctx_group 'dev1', Convolution -> BatchNorm -> relu -> FullyConnected -> SoftmaxOutput in 'dev2',
bound with group2ctxs={'dev1': cpu(1), 'dev2': cpu(2)}: the gradients cross the devices through
layers with auxiliary states, and a convolution's output enters a group (in tfmod, where its
channels-last twin must not bypass the group's gradient wrapper).
From seeded parameters and batches (stored in the fixture), three SGD-momentum steps; the
outputs, parameters and auxiliary states after each step and an inference forward are recorded
into model_parallel_conv.npz.

The same steps without group2ctxs are checked to give the same numbers, and nothing is written
otherwise: about one run in five, MXNet's grouped run gives other moving statistics for the
first BatchNorm (a race in its engine across the devices; rerun then). Runs that agree give
identical files. (Leaving a layer between the groups out of every group fails in MXNet at
backward: its backward node inherits a group's device while its gradient array is on the default
context.)
"""
import json
import os
import sys

import numpy as np
import mxnet as mx

SHAPE = (6, 2, 8, 8)


def net():
    """Layer names are prefixed mpc_ so they are distinct from the other fixtures' nets."""
    data = mx.sym.Variable('data')
    h = mx.sym.Convolution(data, num_filter=4, kernel=(3, 3), pad=(1, 1), name='mpc_conv1')
    with mx.AttrScope(ctx_group='dev1'):
        h = mx.sym.BatchNorm(h, name='mpc_bn1')
        h = mx.sym.Activation(h, act_type='relu', name='mpc_relu1')
        h = mx.sym.Pooling(h, kernel=(2, 2), stride=(2, 2), pool_type='max', name='mpc_pool1')
    with mx.AttrScope(ctx_group='dev2'):
        h = mx.sym.Convolution(h, num_filter=4, kernel=(3, 3), pad=(1, 1), name='mpc_conv2')
        h = mx.sym.BatchNorm(h, name='mpc_bn2')
        h = mx.sym.Activation(h, act_type='relu', name='mpc_relu2')
        h = mx.sym.FullyConnected(h, num_hidden=5, name='mpc_fc')
        return mx.sym.SoftmaxOutput(h, name='softmax')


def run(init, aux, batches, group2ctxs):
    mod = mx.mod.Module(net(), context=mx.cpu(0), group2ctxs=group2ctxs)
    mod.bind([('data', SHAPE)], [('softmax_label', (SHAPE[0],))])
    mod.init_params(arg_params={k: mx.nd.array(v) for k, v in init.items()},
                    aux_params={k: mx.nd.array(v) for k, v in aux.items()})
    mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.1, 'momentum': 0.9})
    rec = {}
    for t in range(3):
        b = mx.io.DataBatch([mx.nd.array(batches['data'][t])], [mx.nd.array(batches['label'][t])])
        mod.forward_backward(b)
        mod.update()
        rec['step%d/out' % (t + 1)] = mod.get_outputs()[0].asnumpy()
        arg, auxs = mod.get_params()
        for n, v in arg.items():
            rec['step%d/arg/%s' % (t + 1, n)] = v.asnumpy()
        for n, v in auxs.items():
            rec['step%d/aux/%s' % (t + 1, n)] = v.asnumpy()
    b = mx.io.DataBatch([mx.nd.array(batches['data'][3])], [mx.nd.array(batches['label'][3])])
    mod.forward(b, is_train=False)
    rec['infer/out'] = mod.get_outputs()[0].asnumpy()
    return rec


def main(out):
    rng = np.random.RandomState(23)
    arg_shapes, _, aux_shapes = net().infer_shape(data=SHAPE, softmax_label=(SHAPE[0],))
    names = net().list_arguments()
    init = {n: rng.uniform(-0.4, 0.4, s).astype(np.float32)
            for n, s in zip(names, arg_shapes) if n not in ('data', 'softmax_label')}
    aux = {n: (rng.uniform(0.5, 1.5, s) if n.endswith('var') else rng.uniform(-0.2, 0.2, s))
           .astype(np.float32) for n, s in zip(net().list_auxiliary_states(), aux_shapes)}
    batches = {'data': rng.uniform(-1, 1, (4,) + SHAPE).astype(np.float32),
               'label': rng.randint(0, 5, (4, SHAPE[0])).astype(np.float32)}
    rec = run(init, aux, batches, {'dev1': mx.cpu(1), 'dev2': mx.cpu(2)})
    plain = run(init, aux, batches, None)
    for k in rec:
        np.testing.assert_allclose(rec[k], plain[k], rtol=1e-6, atol=1e-7, err_msg=k)
    arrays = {'init/arg/' + k: v for k, v in init.items()}
    arrays.update({'init/aux/' + k: v for k, v in aux.items()})
    arrays.update({'batch/' + k: v for k, v in batches.items()})
    arrays.update(rec)
    os.makedirs(out, exist_ok=True)
    np.savez_compressed(os.path.join(out, 'model_parallel_conv.npz'), **arrays)
    with open(os.path.join(out, 'model_parallel_conv.json'), 'w') as f:
        json.dump({'mxnet_version': mx.__version__,
                   'made_by': 'MXNET_SUBGRAPH_BACKEND=NONE OMP_NUM_THREADS=1 '
                              '/tmp/mxnet-oracle/bin/python tools/record_model_parallel_conv.py '
                              'tests/fixtures/multidevice',
                   'symbol_json': json.loads(net().tojson())}, f, indent=1)
    print(len(arrays), 'arrays')


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join('tests', 'fixtures', 'multidevice'))
