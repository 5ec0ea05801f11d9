"""Sparse training: a Module step of an embedding-bag regression with Embedding(sparse_grad=True).

    python benchmarks/bench_sparse_train.py [--rows 100000 1000000] [--rounds 3] [--mxnet PYTHON]

The model: ids (batch 512 x 8 per bag, drawn uniformly from the table) -> Embedding(rows x 16,
sparse_grad=True) -> sum over the bag -> FullyConnected(1) -> LinearRegressionOutput, trained by
Module with SGD (momentum 0.9, wd 1e-4: a lazy update of the touched rows), one device, kvstore
'local'. A step is forward_backward + update; timing ends when all queued work is done
(``mx.nd.waitall()``: reading the parameters would copy the whole table, which is no part of a
step) and counts the process's CPU time (all its threads; the machine may be shared, so wall
time is not used). tfmod and,
with --mxnet PYTHON, real MXNet 1.9.1 each run in their own process, rounds interleaved; the
report gives the median ms/step per table size, the ratio largest/smallest table (1.0 = a step
independent of the table) and tfmod/mxnet from the same run.
"""
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _rounds  # noqa: E402

B, BAG, WIDTH, STEPS = 512, 8, 16, 50


def _module(mx, rows):
    emb = mx.sym.Embedding(mx.sym.Variable('data'), input_dim=rows, output_dim=WIDTH,
                           sparse_grad=True, name='emb')
    fc = mx.sym.FullyConnected(mx.sym.sum(emb, axis=1), num_hidden=1, name='fc')
    sym = mx.sym.LinearRegressionOutput(mx.sym.reshape(fc, shape=(-1,)),
                                        mx.sym.Variable('softmax_label'))
    rng = np.random.RandomState(0)
    it = mx.io.NDArrayIter(rng.randint(0, rows, (B * 4, BAG)).astype('float32'),
                           rng.rand(B * 4).astype('float32'), batch_size=B)
    mod = mx.mod.Module(sym, data_names=['data'], label_names=['softmax_label'])
    mod.bind(it.provide_data, it.provide_label)
    mod.init_params(mx.init.Uniform(0.1))
    mod.init_optimizer(kvstore='local', optimizer='sgd',
                       optimizer_params={'learning_rate': 0.1, 'momentum': 0.9, 'wd': 1e-4})
    return mod, list(it)


def child(impl, rows_list):
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    mx = __import__('tfmod' if impl == 'tfmod' else 'mxnet')
    out = {}
    for rows in rows_list:
        mod, batches = _module(mx, rows)
        for b in batches[:2]:
            mod.forward_backward(b)
            mod.update()
        mx.nd.waitall()
        t = time.process_time()
        for i in range(STEPS):
            mod.forward_backward(batches[i % len(batches)])
            mod.update()
        mx.nd.waitall()
        out[str(rows)] = (time.process_time() - t) / STEPS * 1000
    print(json.dumps(out))


def main():
    _rounds.main(__file__, child, {'tfmod': sys.executable}, 'batch %d bags of %d ids, width %d' % (B, BAG, WIDTH))


if __name__ == '__main__':
    main()
