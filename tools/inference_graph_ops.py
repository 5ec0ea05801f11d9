"""Op counts of a checkpoint's inference graph after Grappler (what TF actually runs).

    python tools/inference_graph_ops.py PREFIX N,C,H,W [OPTYPE,...]

Binds PREFIX-symbol.json / PREFIX-0000.params (e.g. bench_latency.py's exports) at the given
data shape, runs one ``forward(is_train=False)``, optimizes that call's graph with Grappler's
default passes on CPU and prints the op types before and after (``_FusedConv2D`` with its
``fused_ops`` shows which BatchNorms/activations fused), then each node of the listed types.
A development aid for the lowering (converters/), not part of the API.
"""
import collections
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))


def main(prefix, shape, types=()):
    import tensorflow as tf
    from tensorflow.core.protobuf import config_pb2
    from tensorflow.python.grappler import tf_optimizer
    import tfmod as mx
    sym, args, aux = mx.model.load_checkpoint(prefix, 0)
    labels = [n for n in sym.list_arguments() if n.endswith('label')]   # a loss layer's
    mod = mx.mod.Module(sym, data_names=['data'], label_names=labels, context=mx.cpu())
    mod.bind([('data', shape)], [(n, shape[:1]) for n in labels] or None, for_training=False)
    mod.set_params(args, aux)
    x = np.random.RandomState(0).uniform(-1, 1, shape).astype(np.float32)
    mod.forward(mx.io.DataBatch([mx.nd.array(x)]), is_train=False)
    ex = mod._exec_group.execs[0]
    graph = [cf for key, cf in ex._concrete.items() if key[0] == 'infer'][0].graph
    gdef = graph.as_graph_def()
    for n in gdef.node:     # the remapper fuses only nodes placed on a CPU
        n.device = '/job:localhost/replica:0/task:0/device:CPU:0'
    meta = tf.compat.v1.train.export_meta_graph(graph_def=gdef, graph=graph)
    fetch = meta.collection_def['train_op'].node_list.value
    for t in graph.outputs:
        fetch.append(t.name)
    opt = tf_optimizer.OptimizeGraph(config_pb2.ConfigProto(), meta)
    for label, nodes in (('before', gdef.node), ('after', opt.node)):
        counts = collections.Counter(n.op for n in nodes)
        print(label, ', '.join('%s %d' % kv for kv in counts.most_common()))
    for n in opt.node:
        if n.op in types:
            fused = [s.decode() for s in n.attr['fused_ops'].list.s]
            print(n.name, n.op, fused or '', list(n.input)[:1])


if __name__ == '__main__':
    main(sys.argv[1], tuple(int(s) for s in sys.argv[2].split(',')),
         tuple(sys.argv[3].split(',')) if len(sys.argv) > 3 else ())
