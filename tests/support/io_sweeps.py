"""Iterator sweeps run identically on MXNet 1.9.1 and tfmod (pass the module as ``mx_module``).

tools/record_io_sweeps.py runs them on MXNet into tests/fixtures/io_sweeps/traces.json;
tests/test_io.py runs them on tfmod and compares case by case. No tfmod import here.
"""
import json
import os

import numpy as np

from support import TESTS


def ndarrayiter_trace(mx_module):
    """next/reset/hard_reset sequences over sizes, batch sizes, handles and shuffle (seeded).

    Returns a compact trace: per case, per call, the labels and pad of a batch, 'S' for
    StopIteration, 'R'/'H' for reset/hard_reset, 'E' for an MXNetError. Data rows are checked
    against the labels on the way (they must be the rows the labels name).
    """
    cases = []
    rng = np.random.RandomState(123)
    for n in (1, 3, 7, 10):
        for bs in (1, 2, 3, 4, 7, 10, 13):
            for handle in ('pad', 'discard', 'roll_over'):
                for shuffle in (False, True):
                    np.random.seed(n * 100 + bs)
                    x = np.arange(n * 2).reshape(n, 2)
                    it = mx_module.io.NDArrayIter({'b': x, 'a': x + 100}, np.arange(n),
                                                  batch_size=bs, shuffle=shuffle,
                                                  last_batch_handle=handle)
                    trace = []
                    for op in rng.randint(0, 4, size=12).tolist():
                        if op == 0:
                            it.reset()
                            trace.append('R')
                        elif op == 1:
                            it.hard_reset()
                            trace.append('H')
                        else:
                            for _ in range(op):
                                try:
                                    b = it.next()
                                except StopIteration:
                                    trace.append('S')
                                    break
                                except mx_module.base.MXNetError:
                                    trace.append('E')
                                    break
                                lab = b.label[0].asnumpy().astype(np.int64)
                                assert (b.data[0].asnumpy() == x[lab] + 100).all()
                                assert (b.data[1].asnumpy() == x[lab]).all()
                                trace.append([lab.tolist(), int(b.pad)])
                    cases.append([[n, bs, handle, shuffle], trace])
    return cases


def csviter_trace(mx_module, folder):
    """CSVIter over sizes, batch sizes and round_batch, 4 full epochs each: (index, pad, data)."""
    cases = []
    for n in (1, 2, 5, 9):
        path = os.path.join(folder, 'sweep%d.csv' % n)
        np.savetxt(path, np.arange(n * 2).reshape(n, 2), delimiter=',', fmt='%d')
        for bs in (1, 2, 3, 4, 9, 10, 17):
            for round_batch in (True, False):
                if (round_batch and bs > 2 * n) or (not round_batch and bs > n):
                    continue  # an error / uninitialised pad rows in MXNet
                it = mx_module.io.CSVIter(data_csv=path, data_shape=(2,), batch_size=bs,
                                          round_batch=round_batch)
                trace = []
                try:  # MXNet may report a late rounding error from reset() (it reads ahead)
                    for _ in range(4):
                        trace.append([[b.index.tolist(), int(b.pad),
                                       b.data[0].asnumpy()[:, 0].tolist()] for b in it])
                        it.reset()
                except mx_module.base.MXNetError:
                    trace.append('E')
                cases.append([[n, bs, round_batch], trace])
    return cases


# -- the single programs whose values tests/test_io.py spells out --------------------------------
def _labels(it):
    return [b.label[0].asnumpy().tolist() for b in it]


def shuffle_seed0(mx_module, x, y, folder):
    np.random.seed(0)
    it = mx_module.io.NDArrayIter(x, y, batch_size=4, shuffle=True)
    first = _labels(it)
    it.reset()
    second = _labels(it)
    it.hard_reset()
    third = _labels(it)
    return [first, second, third, it.idx.tolist()]


def shuffle_roll_over_seed1(mx_module, x, y, folder):
    np.random.seed(1)
    it = mx_module.io.NDArrayIter(x, y, batch_size=4, shuffle=True, last_batch_handle='roll_over')
    got = []
    for _ in range(3):
        got.append([[b.label[0].asnumpy().tolist(), int(b.pad)] for b in it])
        it.reset()
    return got


def _csv(folder):
    def write(name, rows):
        path = os.path.join(folder, name)
        np.savetxt(path, np.asarray(rows), delimiter=',', fmt='%g')
        return path
    return {'d': write('d.csv', np.arange(30).reshape(10, 3)),
            'l': write('l.csv', np.arange(10).reshape(10, 1)),
            'l2': write('l2.csv', np.arange(20).reshape(10, 2) + 100)}


def csv_epochs(it, epochs):
    """Per epoch, per batch: [first data column, first label column, pad, index]."""
    out = []
    for _ in range(epochs):
        ep = []
        for b in it:
            d = b.data[0].asnumpy()
            ep.append([d.reshape(d.shape[0], -1)[:, 0].tolist(),
                       b.label[0].asnumpy().reshape(d.shape[0], -1)[:, 0].tolist(),
                       int(b.pad), b.index.tolist()])
        out.append(ep)
        it.reset()
    return out


def csv_round_batch(mx_module, x, y, folder):
    f = _csv(folder)
    it = mx_module.io.CSVIter(data_csv=f['d'], data_shape=(3,), label_csv=f['l'],
                              label_shape=(1,), batch_size=4)
    return csv_epochs(it, 3)


def csv_no_round_batch(mx_module, x, y, folder):
    f = _csv(folder)
    it = mx_module.io.CSVIter(data_csv=f['d'], data_shape=(3,), batch_size=3, round_batch=False)
    return csv_epochs(it, 2)


def csv_big_batches(mx_module, x, y, folder):
    f = _csv(folder)
    big = csv_epochs(mx_module.io.CSVIter(data_csv=f['d'], data_shape=(3,), batch_size=15), 4)
    it = mx_module.io.CSVIter(data_csv=f['d'], data_shape=(1, 3), label_csv=f['l2'],
                              label_shape=(2,), batch_size=3)
    return [[[b[2], b[3]] for b in ep] for ep in big] + [csv_epochs(it, 2)]


def csv_integer_parsing(mx_module, x, y, folder):
    path = os.path.join(folder, 'f.csv')
    with open(path, 'w') as fh:
        fh.write('1.5,2.7,-3.2\n\n4e2, 5 ,6')  # blank line, spaces, no final newline
    out = {}
    for dtype in ('float32', 'int32', 'int64'):
        b = mx_module.io.CSVIter(data_csv=path, data_shape=(3,), batch_size=2, dtype=dtype).next()
        out[dtype] = [np.dtype(b.data[0].dtype).name, b.data[0].asnumpy().tolist()]
    return out


def _inputs():
    with open(os.path.join(TESTS, 'fixtures', 'modules',
                           'ndarrayiter', 'ndarrayiter.json')) as f:
        return json.load(f)['_inputs']


def _descs(descs):
    return [[d.name, list(d.shape), np.dtype(d.dtype).name] for d in descs]


def prefetch_renames(mx_module, x, y, folder):
    """Two iterators under one PrefetchingIter with renamed data and labels, two epochs."""
    x2 = np.array(_inputs()['x2'], dtype=np.float32)
    a = mx_module.io.NDArrayIter(x, y, batch_size=4)
    b = mx_module.io.NDArrayIter({'d2': x2}, {'l2': y}, batch_size=4)
    p = mx_module.io.PrefetchingIter([a, b], rename_data=[{'data': 'A'}, {'d2': 'B'}],
                                     rename_label=[{'softmax_label': 'LA'}, {'l2': 'LB'}])
    out = {'provide_data': _descs(p.provide_data), 'provide_label': _descs(p.provide_label),
           'epochs': []}
    for _ in range(2):
        out['epochs'].append([[[d.asnumpy()[:, 0].tolist() for d in bt.data],
                               [d.asnumpy().tolist() for d in bt.label], int(bt.pad),
                               [d.name for d in bt.provide_data],
                               [d.name for d in bt.provide_label]] for bt in p])
        p.reset()
    return out


def prefetch_roll_over(mx_module, x, y, folder):
    p = mx_module.io.PrefetchingIter(mx_module.io.NDArrayIter(x, y, batch_size=4,
                                                              last_batch_handle='roll_over'))
    got = []
    for _ in range(3):
        got.append([[bt.label[0].asnumpy().tolist(), int(bt.pad)] for bt in p])
        p.reset()
    return got


def ndarrayiter_details(mx_module, x, y, folder):
    """Dtypes, a list of inputs, zero rows and the attributes test_io.py spells out."""
    nd, io = mx_module.nd, mx_module.io
    x2 = np.array(_inputs()['x2'], dtype=np.float32)
    out = {}
    np.random.seed(3)
    it = io.NDArrayIter(nd.array(x, dtype='int32'), batch_size=4, shuffle=True)
    out['shuffled_int32'] = [np.dtype(it.provide_data[0].dtype).name,
                             np.dtype(it.next().data[0].dtype).name]
    it = io.NDArrayIter(nd.array(x, dtype='int32'), batch_size=4)
    out['plain_int32'] = np.dtype(it.provide_data[0].dtype).name
    it = io.NDArrayIter({'i': nd.array(x, dtype='int64'), 'f': x.astype(np.float64)},
                        batch_size=5)
    out['mixed_dtypes'] = [_descs(it.provide_data),
                           [np.dtype(d.dtype).name for d in it.next().data]]
    it = io.NDArrayIter([x, x2], batch_size=5)    # a tuple, or lists of numbers: TypeError
    out['list_names'] = [d.name for d in it.provide_data]
    it = io.NDArrayIter(np.zeros((0, 3)), batch_size=4)
    out['zero_rows'] = [len(list(it)), _descs(it.provide_data)]
    xc = x.copy()
    it = io.NDArrayIter(xc, batch_size=4)
    xc[:] = -1
    out['copied'] = it.next().data[0].asnumpy().tolist()
    it = io.NDArrayIter(x, y, batch_size=4)
    out['attrs'] = [it.num_data, it.batch_size, it.cursor, [k for k, _ in it.data],
                    [k for k, _ in it.label], it.num_source, it.last_batch_handle, it.layout]
    steps = []
    for _ in range(4):
        ok = it.iter_next()
        steps.append([bool(ok)] + ([int(it.getpad()), it.getindex(),
                                    it.getlabel()[0].asnumpy().tolist()] if ok else []))
    out['protocol'] = steps
    return out


PROGRAMS = ['shuffle_seed0', 'shuffle_roll_over_seed1', 'csv_round_batch', 'csv_no_round_batch',
            'csv_big_batches', 'csv_integer_parsing', 'prefetch_renames', 'prefetch_roll_over',
            'ndarrayiter_details']
