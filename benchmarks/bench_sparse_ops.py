"""Sparse ops: a step of a sparse linear model costs time proportional to the rows it touches.

    python benchmarks/bench_sparse_ops.py [--rows 100000 1000000] [--rounds 3] [--mxnet PYTHON]

One step, eagerly, on a csr batch (512 rows, 20 entries each, columns drawn uniformly from the
table) and a dense table of ``rows`` x 16: the forward ``dot(x, w)``, the gradient
``dot(x, g, transpose_a=True)`` (row_sparse: the touched rows), ``retain`` of those rows from a
row_sparse copy of the table, and reading the results. Implementations: tfmod; tf (the same
computation written directly with tf.sparse / tf.math.unsorted_segment_sum); mxnet (real MXNet
1.9.1 with --mxnet PYTHON). Each runs in its own process, rounds interleaved; the report gives the
median ms/step per table size, the ratio largest/smallest table (1.0 = independent of the
table), and tfmod/tf, tfmod/mxnet from the same run.
"""
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _rounds  # noqa: E402

B, NNZ, WIDTH, STEPS = 512, 20, 16, 20


def _batch(rows, seed=0):
    rng = np.random.RandomState(seed)
    cols = np.sort(rng.randint(0, rows, size=(B, NNZ)), axis=1).reshape(-1)
    indptr = np.arange(0, B * NNZ + 1, NNZ)
    return (rng.rand(B * NNZ).astype('float32'), cols, indptr,
            rng.rand(rows, WIDTH).astype('float32'), rng.rand(B, WIDTH).astype('float32'))


def _run_mx(mx, rows):
    data, cols, indptr, w_np, g_np = _batch(rows)
    x = mx.nd.sparse.csr_matrix((data, cols, indptr), shape=(B, rows))
    w, g = mx.nd.array(w_np), mx.nd.array(g_np)
    wr = w.tostype('row_sparse')

    def step():
        y = mx.nd.dot(x, w)
        gw = mx.nd.dot(x, g, transpose_a=True)
        r = mx.nd.sparse.retain(wr, gw.indices)
        return y.asnumpy(), gw.data.asnumpy(), r.data.asnumpy()
    return step


def _run_tf(rows):
    import tensorflow as tf
    data, cols, indptr, w_np, g_np = _batch(rows)
    rid = np.repeat(np.arange(B), np.diff(indptr))
    x = tf.sparse.SparseTensor(np.stack([rid, cols], 1).astype('int64'), data, (B, rows))
    w, g = tf.constant(w_np), tf.constant(g_np)

    def step():
        y = tf.sparse.sparse_dense_matmul(x, w)
        order = tf.argsort(x.indices[:, 1], stable=True)
        uniq, seg = tf.unique(tf.gather(x.indices[:, 1], order), out_idx=tf.int64)
        contrib = tf.gather(x.values, order)[:, None] * tf.gather(g, tf.gather(x.indices[:, 0],
                                                                               order))
        gw = tf.math.segment_sum(contrib, seg)
        r = tf.gather(w, uniq)
        return y.numpy(), gw.numpy(), r.numpy()
    return step


def child(impl, rows_list):
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    out = {}
    for rows in rows_list:
        if impl == 'tf':
            step = _run_tf(rows)
        else:
            mx = __import__('tfmod' if impl == 'tfmod' else 'mxnet')
            step = _run_mx(mx, rows)
        step()
        step()
        t = time.perf_counter()
        for _ in range(STEPS):
            step()
        out[str(rows)] = (time.perf_counter() - t) / STEPS * 1000
    print(json.dumps(out))


def main():
    _rounds.main(__file__, child, {'tfmod': sys.executable, 'tf': sys.executable}, 'batch %d x %d entries, width %d' % (B, NNZ, WIDTH))


if __name__ == '__main__':
    main()
