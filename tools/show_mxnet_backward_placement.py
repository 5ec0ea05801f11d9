"""Show where MXNet 1.9.1 runs a model-parallel net's backward ops (converters/placement.py).

    /tmp/mxnet-oracle/bin/python tools/show_mxnet_backward_placement.py

Binds fc1 + relu1 in ctx_group 'dev1' and fc2 + SoftmaxOutput in 'dev2' with
group2ctxs={'dev1': cpu(1), 'dev2': cpu(2)}, profiles one forward_backward and prints each
profiled operator record with the device its profiler filed it under. MXNet 1.9.1 prints

    ('[FullyConnected,Activation]', 'cpu/1')
    ('[FullyConnected,SoftmaxOutput]', 'cpu pinned/')
    ('[_backward_Activation,_backward_FullyConnected]', 'cpu/1')
    ('[_backward_SoftmaxOutput,_backward_FullyConnected]', 'cpu pinned/')

(its profiler names the device with id 2 'cpu pinned/'): each group's backward runs where its
forward runs, not on the executor's cpu(0).
"""
import json
import os
import sys
import tempfile

import mxnet as mx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests'))
from support.model_parallel_net import two_group_mlp  # noqa: E402


def main():
    mod = mx.mod.Module(two_group_mlp(mx), context=mx.cpu(0),
                        group2ctxs={'dev1': mx.cpu(1), 'dev2': mx.cpu(2)})
    mod.bind([('data', (8, 10))], [('softmax_label', (8,))])
    mod.init_params()
    mod.init_optimizer()
    trace = os.path.join(tempfile.mkdtemp(), 'profile.json')
    mx.profiler.set_config(profile_all=True, filename=trace)
    mx.profiler.set_state('run')
    mod.forward_backward(mx.io.DataBatch([mx.nd.ones((8, 10))], [mx.nd.zeros((8,))]))
    mx.nd.waitall()
    mx.profiler.set_state('stop')
    mx.profiler.dump()
    events = json.load(open(trace))['traceEvents']
    devices = {e['pid']: e['args']['name'] for e in events
               if e.get('ph') == 'M' and e.get('name') == 'process_name'}
    seen = {(e['name'], devices.get(e['pid'], e['pid'])) for e in events
            if e.get('ph') in ('B', 'X') and any(k in e['name'] for k in
                                                  ('FullyConnected', 'Activation', 'Softmax'))}
    for rec in sorted(seen):
        print(rec)


if __name__ == '__main__':
    main()
