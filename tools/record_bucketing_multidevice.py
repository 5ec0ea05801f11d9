"""Record MXNet 1.9.1's BucketingModule trained on two CPU contexts, for tests/test_bucketing.py.

    MXNET_SUBGRAPH_BACKEND=NONE OMP_NUM_THREADS=1 /tmp/mxnet-oracle/bin/python \
        tools/record_bucketing_multidevice.py tests/fixtures/bucketing_multidevice

The net is tests/support/extra_layer_nets.py's extra_layer_gen(mx, 3): Embedding ->
FullyConnected 'extra' + tanh -> FullyConnected 'pred' -> SoftmaxOutput, vocabulary 12, so every bucket has the same parameters
(with update_on_kvstore=0 MXNet's updater keys its states by a parameter's position in the
current bucket's list: buckets with fewer parameters make it apply one parameter's momentum to
another and fail on the shapes; tfmod keys them by name). Default bucket 10, context
[cpu(0), cpu(1)], kvstore 'local', SGD (lr 0.3, momentum 0.9, wd 0.01), batches of 4 on
buckets 10, 3, 8, 10, 3, 8 (so the module switches bucket every step and binds 3 and 8 on the
way). Recorded for MXNET_UPDATE_ON_KVSTORE=0
(each device's updater updates its own copy from the summed gradient) and =1 (the kvstore
updates and broadcasts): after each step get_params() and every device's copy of each parameter.

Writes bucketing_multidevice.npz (``init/<name>``, ``batch<t>/data|label``,
``uok<0|1>/step<t>/dev<k>/<name>``) and bucketing_multidevice.json (bucket keys, flags seen).
"""
import json
import os
import sys

import numpy as np
import mxnet as mx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests'))
from support.extra_layer_nets import V, extra_layer_gen  # noqa: E402

KEYS = (10, 3, 8, 10, 3, 8)
EXTRA_FROM = 3


gen = extra_layer_gen(mx, EXTRA_FROM)


def main(out):
    r = np.random.RandomState(11)
    arrays = {}
    shapes = {'embed_weight': (V, 5), 'extra_weight': (5, 5), 'extra_bias': (5,),
              'pred_weight': (V, 5), 'pred_bias': (V,)}
    for k, s in shapes.items():
        arrays['init/' + k] = r.uniform(-0.5, 0.5, s).astype(np.float32)
    for t, T in enumerate(KEYS):
        d = r.randint(1, V, (4, T)).astype(np.float32)
        arrays['batch%d/data' % t] = d
        arrays['batch%d/label' % t] = np.roll(d, -1, axis=1)
    meta = {'mxnet_version': mx.__version__, 'bucket_keys': list(KEYS), 'runs': {}}
    for uok in ('0', '1'):
        os.environ['MXNET_UPDATE_ON_KVSTORE'] = uok
        mod = mx.mod.BucketingModule(gen, default_bucket_key=10,
                                     context=[mx.cpu(0), mx.cpu(1)])
        mod.bind([('data', (4, 10))], [('softmax_label', (4, 10))])
        mod.init_params(arg_params={k: mx.nd.array(arrays['init/' + k]) for k in shapes})
        mod.init_optimizer(kvstore='local', optimizer='sgd',
                           optimizer_params={'learning_rate': 0.3, 'momentum': 0.9, 'wd': 0.01})
        for t, T in enumerate(KEYS):
            d, lab = arrays['batch%d/data' % t], arrays['batch%d/label' % t]
            b = mx.io.DataBatch([mx.nd.array(d)], [mx.nd.array(lab)], bucket_key=T,
                                provide_data=[mx.io.DataDesc('data', d.shape)],
                                provide_label=[mx.io.DataDesc('softmax_label', lab.shape)])
            mod.forward_backward(b)
            mod.update()
            cm = mod._curr_module
            for name, block in zip(cm._exec_group.param_names, cm._exec_group.param_arrays):
                for k, a in enumerate(block):
                    arrays['uok%s/step%d/dev%d/%s' % (uok, t, k, name)] = a.asnumpy()
            arg, _ = mod.get_params()
            for name, v in arg.items():
                arrays['uok%s/step%d/get_params/%s' % (uok, t, name)] = v.asnumpy()
        default = mod._buckets[10]
        meta['runs'][uok] = {'update_on_kvstore': default._update_on_kvstore,
                             'kvstore': default._kvstore.type if default._kvstore else None,
                             'buckets': sorted(mod._buckets),
                             'rescale_grad': default._optimizer.rescale_grad}
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'bucketing_multidevice.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    np.savez_compressed(os.path.join(out, 'bucketing_multidevice.npz'), **arrays)
    print(meta, len(arrays), 'arrays')


if __name__ == '__main__':
    main(sys.argv[1])
