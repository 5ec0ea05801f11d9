"""The sparse-training programs whose results MXNet 1.9.1 defines, written once for the recorder
(tools/record_sparse_train.py, run by MXNet) and the test (tests/test_sparse_train.py, run by
tfmod), so the two cannot drift apart; ``mx`` is the library under test. Each program returns
{fixture key: JSON-able result}."""
import os

import numpy as np

DATA = """1 0:1.5 3:2.0 7:-1
0 2:0.5
2 1:1 4:3 9:0.25
1 5:2
0 0:1 9:1
3 3:4.5 6:1.25
1 8:2
2 1:-0.5 2:2 3:1
"""
LABEL = """0 0:1 1:2
0 1:3
0 0:5
0 2:1
0 0:1 2:2
0 1:1
0 0:7
0 2:-1
"""


def arr(a):
    """An NDArray as {'stype', 'dense', and its csr/row_sparse structure}."""
    out = {'stype': a.stype, 'shape': list(a.shape),
           'dense': a.asnumpy().astype(np.float64).tolist()}
    if a.stype == 'csr':
        out['indptr'] = a.indptr.asnumpy().tolist()
    if a.stype != 'default':
        out['indices'] = a.indices.asnumpy().tolist()
    return out


def outcome(fn):
    try:
        return ['ok', fn()]
    except Exception as e:  # noqa: BLE001 -- recording whatever the library raises
        return ['raise', type(e).__name__, str(e).strip().splitlines()[-1]]


def _epochs(it, n=2):
    seen = {'provide_data': [list(d.shape) for d in it.provide_data],
            'provide_label': [list(d.shape) for d in it.provide_label], 'epochs': []}
    for ep in range(n):
        if ep:
            it.reset()
        seen['epochs'].append([{'data': arr(b.data[0]), 'label': arr(b.label[0]),
                                'pad': int(b.pad), 'index': [int(i) for i in b.index]}
                               for b in it])
    return seen


def libsvm_iters(mx, tmp):
    data, label = os.path.join(tmp, 'd.libsvm'), os.path.join(tmp, 'l.libsvm')
    with open(data, 'w') as f:
        f.write(DATA)
    with open(label, 'w') as f:
        f.write(LABEL)
    L = mx.io.LibSVMIter
    out = {
        'bs3': outcome(lambda: _epochs(L(data_libsvm=data, data_shape=(10,), batch_size=3))),
        'bs8': outcome(lambda: _epochs(L(data_libsvm=data, data_shape=(10,), batch_size=8))),
        'label_csr': outcome(lambda: _epochs(L(data_libsvm=data, data_shape=(10,),
                                               label_libsvm=label, label_shape=(3,),
                                               batch_size=3), 3)),
        'no_round': outcome(lambda: L(data_libsvm=data, data_shape=(10,), batch_size=3,
                                      round_batch=False)),
    }
    for parts in (2, 3):
        for k in range(parts):
            out['part%d_%d' % (k, parts)] = outcome(lambda: _epochs(L(
                data_libsvm=data, data_shape=(10,), batch_size=2, num_parts=parts,
                part_index=k)))
            out['lpart%d_%d' % (k, parts)] = outcome(lambda: _epochs(L(
                data_libsvm=data, data_shape=(10,), label_libsvm=label, label_shape=(3,),
                batch_size=2, num_parts=parts, part_index=k)))
    return out


PROGRAMS = [libsvm_iters]
