"""mx.io iterators: NDArrayIter, ResizeIter, PrefetchingIter and CSVIter.

Every case of tests/fixtures/modules/ndarrayiter/ndarrayiter.json (recorded from MXNet 1.9.1,
README section 6 and Pitfall 15) is replayed batch by batch: values, shapes, dtypes, pad,
index, bucket_key, per-batch provide_data/provide_label, the iterator's provide_data and
provide_label, the between-epoch call and what next() does once exhausted. Other expected
values below marked "MXNet 1.9.1" are spelled out for reading; each of them (shuffle orders,
CSVIter epochs, PrefetchingIter renames and roll-over, NDArrayIter dtypes and attributes) is
also a program in tests/support/io_sweeps.py, recorded by tools/record_io_sweeps.py into
fixtures/io_sweeps/traces.json and replayed by test_io_program_matches_mxnet.
"""
import gc
import json
import os
import threading
import time
import weakref

import numpy as np
import pytest

import tfmod as mx
from support import io_sweeps
from tfmod.base import MXNetError
from tfmod.io import (CSVIter, DataBatch, DataDesc, DataIter, NDArrayIter, PrefetchingIter,
                      ResizeIter)
from tfmod.io import ndarray_iter as _ndarray_iter

HERE = os.path.join(os.path.dirname(__file__), 'fixtures', 'modules', 'ndarrayiter')
with open(os.path.join(HERE, 'ndarrayiter.json')) as _f:
    FIX = json.load(_f)

X = np.array(FIX['_inputs']['x'], dtype=np.float32)
X2 = np.array(FIX['_inputs']['x2'], dtype=np.float32)
Y1 = np.array(FIX['_inputs']['y1'], dtype=np.float32)
Y2 = np.array(FIX['_inputs']['y2'], dtype=np.float32)
DICT_DATA = {'data': X, 'aux_in': X2}
DICT_LABEL = {'lab1': Y1, 'lab2': Y2}

# each recorded case: its ``constructed_as`` (checked against the fixture) and how to build it
NDARRAYITER_CASES = {
    'single_pad': ('NDArrayIter(x, y1, batch_size=4)',
                   lambda: NDArrayIter(X, Y1, batch_size=4)),
    'dict_pad': ("NDArrayIter({'data': x, 'aux_in': x2}, {'lab1': y1, 'lab2': y2}, "
                 "batch_size=4, last_batch_handle='pad')",
                 lambda: NDArrayIter(DICT_DATA, DICT_LABEL, batch_size=4,
                                     last_batch_handle='pad')),
    'dict_discard': ("NDArrayIter({'data': x, 'aux_in': x2}, {'lab1': y1, 'lab2': y2}, "
                     "batch_size=4, last_batch_handle='discard')",
                     lambda: NDArrayIter(DICT_DATA, DICT_LABEL, batch_size=4,
                                         last_batch_handle='discard')),
    'dict_roll_over': ("NDArrayIter({'data': x, 'aux_in': x2}, {'lab1': y1, 'lab2': y2}, "
                       "batch_size=4, last_batch_handle='roll_over')",
                       lambda: NDArrayIter(DICT_DATA, DICT_LABEL, batch_size=4,
                                           last_batch_handle='roll_over')),
    'roll_over_hard_reset': ("NDArrayIter(x, y1, batch_size=4, last_batch_handle='roll_over'); "
                             "it.hard_reset() between epochs",
                             lambda: NDArrayIter(X, Y1, batch_size=4,
                                                 last_batch_handle='roll_over')),
    'roll_over_bs3': ("NDArrayIter(x, y1, batch_size=3, last_batch_handle='roll_over')",
                      lambda: NDArrayIter(X, Y1, batch_size=3, last_batch_handle='roll_over')),
    'list_data_list_label': ('NDArrayIter([x, x2], [y1, y2], batch_size=4)',
                             lambda: NDArrayIter([X, X2], [Y1, Y2], batch_size=4)),
    'no_label': ('NDArrayIter(x, batch_size=4)', lambda: NDArrayIter(X, batch_size=4)),
    'custom_names': ("NDArrayIter(x, y1, batch_size=4, data_name='feat', label_name='target')",
                     lambda: NDArrayIter(X, Y1, batch_size=4, data_name='feat',
                                         label_name='target')),
    'int64_numpy_input': ('NDArrayIter(x.astype(np.int64), y1.astype(np.int64), batch_size=4)',
                          lambda: NDArrayIter(X.astype(np.int64), Y1.astype(np.int64),
                                              batch_size=4)),
    'int32_ndarray_input': ("NDArrayIter(mx.nd.array(x, dtype='int32'), "
                            "mx.nd.array(y1, dtype='int32'), batch_size=4)",
                            lambda: NDArrayIter(mx.nd.array(X, dtype='int32'),
                                                mx.nd.array(Y1, dtype='int32'), batch_size=4)),
    'batch_bigger_than_data_pad': ('NDArrayIter(x, y1, batch_size=25)',
                                   lambda: NDArrayIter(X, Y1, batch_size=25)),
    'exact_multiple': ("NDArrayIter(x[:8], y1[:8], batch_size=4, last_batch_handle='roll_over')",
                       lambda: NDArrayIter(X[:8], Y1[:8], batch_size=4,
                                           last_batch_handle='roll_over')),
    'shuffle_note': ('NDArrayIter(x, y1, batch_size=4, shuffle=True)',
                     lambda: NDArrayIter(X, Y1, batch_size=4, shuffle=True)),
}

RESIZEITER_CASES = {
    'resize5_pad_reset_internal': ('ResizeIter(NDArrayIter(x, y1, batch_size=4), size=5)',
                                   lambda: ResizeIter(NDArrayIter(X, Y1, batch_size=4), size=5)),
    'resize3_discard_no_reset_internal': (
        "ResizeIter(NDArrayIter(x, y1, batch_size=4, last_batch_handle='discard'), size=3, "
        "reset_internal=False)",
        lambda: ResizeIter(NDArrayIter(X, Y1, batch_size=4, last_batch_handle='discard'),
                           size=3, reset_internal=False)),
    'resize4_roll_over': (
        "ResizeIter(NDArrayIter(x, y1, batch_size=4, last_batch_handle='roll_over'), size=4)",
        lambda: ResizeIter(NDArrayIter(X, Y1, batch_size=4, last_batch_handle='roll_over'),
                           size=4)),
}


def test_every_fixture_case_has_a_builder():
    assert set(NDARRAYITER_CASES) == set(FIX['NDArrayIter'])
    assert set(RESIZEITER_CASES) == set(FIX['ResizeIter'])
    for section, cases in (('NDArrayIter', NDARRAYITER_CASES), ('ResizeIter', RESIZEITER_CASES)):
        for name, (constructed_as, _) in cases.items():
            assert FIX[section][name]['constructed_as'] == constructed_as, name


# -- helpers ---------------------------------------------------------------------------------
def _dtype_name(dtype):
    return np.dtype(dtype).name


def _check_descs(got, want, where):
    assert len(got) == len(want), where
    for g, w in zip(got, want):
        assert isinstance(g, DataDesc), where
        assert g.name == w['name'], where
        assert tuple(g.shape) == tuple(w['shape']), where
        assert _dtype_name(g.dtype) == w['dtype'], where
        assert g.layout == w['layout'], where


def _check_arrays(got, want, where):
    if want is None:
        assert got is None, where
        return
    assert len(got) == len(want), where
    for g, w in zip(got, want):
        assert isinstance(g, mx.nd.NDArray), where
        assert tuple(g.shape) == tuple(w['shape']), where
        assert _dtype_name(g.dtype) == w['dtype'], where
        a = g.asnumpy()
        assert a.dtype == np.dtype(w['dtype']), where
        np.testing.assert_array_equal(a, np.array(w['values'], dtype=w['dtype']), err_msg=where)


def _check_batch(batch, want, where):
    assert isinstance(batch, DataBatch), where
    _check_arrays(batch.data, want['data'], where + ' data')
    _check_arrays(batch.label, want['label'], where + ' label')
    assert batch.pad == want['pad'], where
    assert batch.index == want['index'], where
    assert batch.bucket_key == want['bucket_key'], where
    if want['provide_data'] is None:
        assert batch.provide_data is None, where
    else:
        _check_descs(batch.provide_data, want['provide_data'], where)
    if want['provide_label'] is None:
        assert batch.provide_label is None, where
    else:
        _check_descs(batch.provide_label, want['provide_label'], where)


def _replay(it, case, name):
    if 'provide_data' in case:
        _check_descs(it.provide_data, case['provide_data'], name + ' provide_data')
    if 'provide_label' in case:
        _check_descs(it.provide_label, case['provide_label'], name + ' provide_label')
    if 'batch_size' in case:
        assert it.batch_size == case['batch_size']
    between = case.get('between_epochs', 'it.reset()')
    for e, epoch in enumerate(case['epochs']):
        if e:
            if between == 'it.reset()':
                it.reset()
            else:
                assert between == 'it.hard_reset()', between
                it.hard_reset()
        got = list(it)
        assert len(got) == len(epoch), '%s epoch %d: %d batches, want %d' % (
            name, e, len(got), len(epoch))
        for b, (batch, want) in enumerate(zip(got, epoch)):
            _check_batch(batch, want, '%s epoch %d batch %d' % (name, e, b))
    if 'next_after_exhausted' in case:
        assert case['next_after_exhausted'] == 'StopIteration'
        with pytest.raises(StopIteration):
            it.next()
        with pytest.raises(StopIteration):
            next(it)


def _within(seconds, fn, *args):
    """Run fn in a thread; fail (instead of hanging the test run) if it takes too long."""
    box = {}

    def run():
        try:
            box['value'] = fn(*args)
        except BaseException as e:  # noqa: BLE001
            box['error'] = e
    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), '%s did not return within %ss (hang)' % (fn, seconds)
    if 'error' in box:
        raise box['error']
    return box.get('value')


# -- fixture replay --------------------------------------------------------------------------
@pytest.mark.parametrize('name', sorted(NDARRAYITER_CASES))
def test_ndarrayiter_fixture(name):
    case = FIX['NDArrayIter'][name]
    it = NDARRAYITER_CASES[name][1]()
    if 'epochs' not in case:  # shuffle_note: the order is random, only provide_data recorded
        _check_descs(it.provide_data, case['provide_data'], name)
        return
    _replay(it, case, name)


@pytest.mark.parametrize('name', sorted(RESIZEITER_CASES))
def test_resizeiter_fixture(name):
    _replay(RESIZEITER_CASES[name][1](), FIX['ResizeIter'][name], name)


# -- NDArrayIter beyond the fixture ----------------------------------------------------------
def _labels(it):
    return [b.label[0].asnumpy().tolist() for b in it]


def test_shuffle_matches_mxnet_order_for_a_seed():
    # MXNet 1.9.1, np.random.seed(0); NDArrayIter(x, y1, batch_size=4, shuffle=True)
    np.random.seed(0)
    it = NDArrayIter(X, Y1, batch_size=4, shuffle=True)
    assert _labels(it) == [[2, 8, 4, 9], [1, 6, 7, 3], [0, 5, 2, 8]]
    it.reset()
    assert _labels(it) == [[5, 7, 0, 1], [6, 2, 4, 3], [9, 8, 5, 7]]
    it.hard_reset()
    assert _labels(it) == [[9, 6, 1, 2], [5, 4, 8, 0], [7, 3, 9, 6]]
    assert it.idx.tolist() == [8, 4, 3, 5, 0, 6, 9, 2, 1, 7]


def test_shuffle_roll_over_matches_mxnet():
    # MXNet 1.9.1, np.random.seed(1), roll_over: the cached tail comes from the old order
    np.random.seed(1)
    it = NDArrayIter(X, Y1, batch_size=4, shuffle=True, last_batch_handle='roll_over')
    got = []
    for _ in range(3):
        got.append([(b.label[0].asnumpy().tolist(), b.pad) for b in it])
        it.reset()
    assert got == [[([2, 9, 6, 4], 0), ([0, 3, 1, 7], 0)],
                   [([8, 5, 3, 4], 2), ([0, 6, 8, 2], 0), ([1, 5, 9, 7], 0)],
                   [([4, 0, 3, 5], 0), ([2, 1, 6, 7], 0)]]


def test_shuffle_keeps_data_and_label_together_and_redraws():
    np.random.seed(3)
    it = NDArrayIter({'a': X, 'b': X2}, Y1, batch_size=5, shuffle=True)
    orders = []
    for _ in range(3):
        order = []
        for b in it:
            lab = b.label[0].asnumpy().astype(int)
            a, bb = b.data[0].asnumpy(), b.data[1].asnumpy()
            np.testing.assert_array_equal(a, X[lab])
            np.testing.assert_array_equal(bb, X2[lab])
            order.extend(lab.tolist())
        assert sorted(order) == list(range(10))
        orders.append(order)
        it.reset()
    assert len(set(map(tuple, orders))) > 1


def test_shuffle_makes_ndarray_inputs_float32_like_mxnet():
    # MXNet 1.9.1 rebuilds shuffled arrays with mx.nd.array(numpy) -> float32
    # (recorded: io_sweeps.ndarrayiter_details)
    it = NDArrayIter(mx.nd.array(X, dtype='int32'), batch_size=4, shuffle=True)
    assert it.provide_data[0].dtype == np.float32
    assert it.next().data[0].dtype == np.float32
    plain = NDArrayIter(mx.nd.array(X, dtype='int32'), batch_size=4)
    assert plain.provide_data[0].dtype == np.int32


def test_ndarrayiter_attributes_and_protocol():
    it = NDArrayIter(X, Y1, batch_size=4)
    assert it.num_data == 10 and it.batch_size == 4 and it.cursor == -4
    assert [k for k, _ in it.data] == ['data'] and [k for k, _ in it.label] == ['softmax_label']
    np.testing.assert_array_equal(it.data[0][1].asnumpy(), X)
    assert it.num_source == 2 and len(it.data_list) == 2
    assert it.last_batch_handle == 'pad' and it.layout == 'NCHW'
    assert it.iter_next() and it.getpad() == 0 and it.getindex() is None
    np.testing.assert_array_equal(it.getdata()[0].asnumpy(), X[:4])
    np.testing.assert_array_equal(it.getlabel()[0].asnumpy(), Y1[:4])
    assert it.iter_next() and it.iter_next() and it.getpad() == 2
    np.testing.assert_array_equal(it.getdata()[0].asnumpy(), X[[8, 9, 0, 1]])
    assert not it.iter_next()
    assert iter(it) is it and isinstance(it, DataIter)


def test_ndarrayiter_numpy_input_is_copied_and_batches_are_independent():
    x = X.copy()
    it = NDArrayIter(x, batch_size=4)
    x[:] = -1  # MXNet copies numpy inputs into NDArrays
    b = it.next()
    np.testing.assert_array_equal(b.data[0].asnumpy(), X[:4])
    b.data[0][:] = 7  # writing into a batch leaves the source alone
    it.reset()
    np.testing.assert_array_equal(it.next().data[0].asnumpy(), X[:4])


def test_ndarrayiter_keeps_ndarray_dtype_and_float64_numpy_becomes_float32():
    it = NDArrayIter({'i': mx.nd.array(X, dtype='int64'), 'f': X.astype(np.float64)},
                     batch_size=5)
    descs = {d.name: d.dtype for d in it.provide_data}
    assert descs == {'f': np.float32, 'i': np.int64}
    b = it.next()
    assert [d.dtype for d in b.data] == [np.float32, np.int64]


def test_ndarrayiter_layout_batch_axis():
    # tfmod's own: MXNet 1.9.1 counts the rows on axis 0 whatever the layout (here 2, giving
    # one padded batch of sequences 0, 1, 0, 1), while it slices the layout's batch axis
    seq = np.arange(2 * 10 * 3, dtype=np.float32).reshape(2, 10, 3)  # T, N, C
    it = NDArrayIter(seq, batch_size=4, layout='TNC')
    assert it.provide_data[0].shape == (2, 4, 3) and it.provide_data[0].layout == 'TNC'
    got = list(it)
    assert [b.pad for b in got] == [0, 0, 2]
    np.testing.assert_array_equal(got[0].data[0].asnumpy(), seq[:, 0:4])
    np.testing.assert_array_equal(got[2].data[0].asnumpy(), seq[:, [8, 9, 0, 1]])


def test_ndarrayiter_accepts_lists_and_tuples_of_numbers():
    # tfmod's own: MXNet 1.9.1 raises TypeError for lists of numbers and for a tuple of arrays
    # (a list of arrays it takes: io_sweeps.ndarrayiter_details)
    it = NDArrayIter({'a': [[1, 2], [3, 4], [5, 6]]}, batch_size=2)
    assert it.provide_data[0].shape == (2, 2)
    assert [b.data[0].asnumpy().tolist() for b in it] == [[[1, 2], [3, 4]], [[5, 6], [1, 2]]]
    it = NDArrayIter((X, X2), batch_size=5)
    assert [d.name for d in it.provide_data] == ['_0_data', '_1_data']


def test_ndarrayiter_zero_rows_yields_nothing_like_mxnet():
    it = NDArrayIter(np.zeros((0, 3)), batch_size=4)
    assert list(it) == []
    assert it.provide_data[0].shape == (4, 3)


@pytest.mark.parametrize('kwargs, word', [
    (dict(data=X, label=Y1[:7]), 'label'),
    (dict(data=X[:7], label=Y1), 'label'),
    (dict(data={'a': X, 'b': X2[:9]}), "'b'"),
    (dict(data=None), 'data'),
    (dict(data=[]), 'data'),
    (dict(data={}), 'data'),
    (dict(data=X, last_batch_handle='foo'), 'last_batch_handle'),
    (dict(data=X, batch_size=0), 'batch_size'),
    (dict(data=X, batch_size=2.5), 'batch_size'),
    (dict(data=X, layout='TC'), 'layout'),
    (dict(data={'a': object()}), 'data'),
    (dict(data=np.float32(3)), 'data'),
])
def test_ndarrayiter_bad_input(kwargs, word):
    kwargs.setdefault('batch_size', 4)
    with pytest.raises(MXNetError, match=word):
        NDArrayIter(**kwargs)


def test_ndarrayiter_batch_is_one_conversion_per_array(monkeypatch):
    """Hot path: each batch is one host slice + one tensor per array, whatever the batch size."""
    calls = []
    real = _ndarray_iter._to_nd

    def counting(a, ctx):
        calls.append(a.shape)
        return real(a, ctx)
    monkeypatch.setattr(_ndarray_iter, '_to_nd', counting)
    data = np.random.rand(1000, 8).astype(np.float32)
    it = NDArrayIter({'a': data, 'b': data}, np.arange(1000), batch_size=256)
    batches = list(it)
    assert len(batches) == 4
    assert len(calls) == 4 * 3
    assert all(s[0] == 256 for s in calls)


def test_ndarrayiter_aligned_batches_wrap_the_source_without_a_copy():
    """Hot path: the sources sit on 64-byte boundaries, so a batch at an aligned offset becomes
    a tensor over the source's own buffer (TF copies unaligned host arrays on every batch)."""
    data = np.random.rand(64, 16).astype(np.float32)      # 64-byte rows
    for shuffle in (False, True):
        it = NDArrayIter(data, np.arange(64), batch_size=16, shuffle=shuffle)
        src = it._arrays['data'][0]
        assert src.ctypes.data % 64 == 0
        for k, b in enumerate(it):
            t = b.data[0]._read()
            np.testing.assert_array_equal(t.numpy(), src[16 * k:16 * (k + 1)])
            src[16 * k] += 1    # the test pokes the private source: the batch sees it
            np.testing.assert_array_equal(t.numpy(), src[16 * k:16 * (k + 1)])


def test_ndarrayiter_roll_over_reset_twice_and_hard_reset():
    it = NDArrayIter(X, Y1, batch_size=4, last_batch_handle='roll_over')
    list(it)
    it.hard_reset()  # drops the cached tail
    assert [b.pad for b in it] == [0, 0]
    it.reset()
    got = [(b.label[0].asnumpy().tolist(), b.pad) for b in it]
    assert got[0] == ([8, 9, 0, 1], 2)


# -- ResizeIter beyond the fixture -----------------------------------------------------------
def test_resizeiter_passes_descriptions_and_bucket_key():
    inner = NDArrayIter(X, Y1, batch_size=4)
    inner.default_bucket_key = 7
    r = ResizeIter(inner, 2)
    assert r.provide_data == inner.provide_data and r.provide_label == inner.provide_label
    assert r.batch_size == 4 and r.default_bucket_key == 7
    assert len(list(r)) == 2
    assert r.getpad() == 0 and r.getindex() is None
    np.testing.assert_array_equal(r.getdata()[0].asnumpy(), X[4:8])


class _EmptyIter(DataIter):
    provide_data = [DataDesc('data', (2, 3))]
    provide_label = []

    def __init__(self):
        super().__init__(2)

    def next(self):
        raise StopIteration


def test_resizeiter_over_an_empty_iterator_ends_the_epoch():
    assert _within(10, lambda: list(ResizeIter(_EmptyIter(), 3))) == []


def test_resizeiter_bad_size():
    with pytest.raises(MXNetError, match='size'):
        ResizeIter(NDArrayIter(X, batch_size=4), -1)


# -- PrefetchingIter -------------------------------------------------------------------------
def test_prefetching_single_iterator_matches_inner():
    p = PrefetchingIter(NDArrayIter(X, Y1, batch_size=4))
    ref = NDArrayIter(X, Y1, batch_size=4)
    assert p.batch_size == 4
    assert [(d.name, d.shape) for d in p.provide_data] == [('data', (4, 3))]
    for _ in range(2):
        got, want = list(p), list(ref)
        assert len(got) == len(want) == 3
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g.data[0].asnumpy(), w.data[0].asnumpy())
            np.testing.assert_array_equal(g.label[0].asnumpy(), w.label[0].asnumpy())
            assert g.pad == w.pad and g.index is None
            assert [d.name for d in g.provide_data] == ['data']
        p.reset()
        ref.reset()
    p.close()


def test_prefetching_two_iterators_with_renames_matches_mxnet():
    a = NDArrayIter(X, Y1, batch_size=4)
    b = NDArrayIter({'d2': X2}, {'l2': Y1}, batch_size=4)
    p = PrefetchingIter([a, b], rename_data=[{'data': 'A'}, {'d2': 'B'}],
                        rename_label=[{'softmax_label': 'LA'}, {'l2': 'LB'}])
    # MXNet 1.9.1's values: program io_sweeps.prefetch_renames (tools/record_io_sweeps.py)
    assert [(d.name, d.shape, d.dtype) for d in p.provide_data] == [
        ('A', (4, 3), np.float32), ('B', (4, 2), np.float32)]
    assert [(d.name, d.shape) for d in p.provide_label] == [('LA', (4,)), ('LB', (4,))]
    for _ in range(2):
        got = list(p)
        assert [[d.asnumpy()[:, 0].tolist() for d in bt.data] for bt in got] == [
            [[0, 3, 6, 9], [100, 102, 104, 106]], [[12, 15, 18, 21], [108, 110, 112, 114]],
            [[24, 27, 0, 3], [116, 118, 100, 102]]]
        assert [[d.asnumpy().tolist() for d in bt.label] for bt in got] == [
            [[0, 1, 2, 3]] * 2, [[4, 5, 6, 7]] * 2, [[8, 9, 0, 1]] * 2]
        assert [bt.pad for bt in got] == [0, 0, 2]
        assert [d.name for d in got[0].provide_data] == ['A', 'B']
        assert [d.name for d in got[0].provide_label] == ['LA', 'LB']
        p.reset()
    p.close()


def test_prefetching_roll_over_matches_mxnet():
    # MXNet 1.9.1's values: program io_sweeps.prefetch_roll_over
    p = PrefetchingIter(NDArrayIter(X, Y1, batch_size=4, last_batch_handle='roll_over'))
    got = []
    for _ in range(3):
        got.append([(bt.label[0].asnumpy().tolist(), bt.pad) for bt in p])
        p.reset()
    assert got == [[([0, 1, 2, 3], 0), ([4, 5, 6, 7], 0)],
                   [([8, 9, 0, 1], 2), ([2, 3, 4, 5], 0), ([6, 7, 8, 9], 0)],
                   [([0, 1, 2, 3], 0), ([4, 5, 6, 7], 0)]]


def test_prefetching_exhausted_never_hangs():
    p = PrefetchingIter(NDArrayIter(X, Y1, batch_size=4))
    assert len(_within(10, list, p)) == 3
    for _ in range(3):
        with pytest.raises(StopIteration):
            _within(10, p.next)
        assert _within(10, p.iter_next) is False
    p.reset()
    assert len(_within(10, list, p)) == 3


def test_prefetching_mismatched_iterators():
    p = PrefetchingIter([NDArrayIter(X, Y1, batch_size=4), NDArrayIter(X[:6], Y1[:6],
                                                                       batch_size=4)])
    with pytest.raises(MXNetError, match='mismatch'):
        _within(10, list, p)


class _FlakyIter(DataIter):
    """Yields n batches; raises ValueError when asked for batch number ``fail_at``."""

    def __init__(self, n=4, fail_at=None, fail_reset=False, delay=0.0):
        super().__init__(2)
        self.n, self.fail_at, self.fail_reset, self.delay = n, fail_at, fail_reset, delay
        self.calls = 0
        self.i = 0
        self.threads = set()

    provide_data = [DataDesc('data', (2, 1))]
    provide_label = []

    def reset(self):
        if self.fail_reset:
            raise KeyError('reset failed')
        self.i = 0

    def next(self):
        self.calls += 1
        self.threads.add(threading.current_thread().name)
        if self.delay:
            time.sleep(self.delay)
        if self.fail_at is not None and self.i == self.fail_at and self.calls <= self.fail_at + 1:
            raise ValueError('boom at %d' % self.i)
        if self.i >= self.n:
            raise StopIteration
        self.i += 1
        return DataBatch([mx.nd.array([[self.i], [self.i]])], [], pad=0)


def test_prefetching_propagates_inner_exceptions_then_continues():
    inner = _FlakyIter(n=4, fail_at=2)
    p = PrefetchingIter(inner)
    first = [_within(10, p.next).data[0].asnumpy()[0, 0] for _ in range(2)]
    assert first == [1, 2]
    with pytest.raises(ValueError, match='boom at 2'):
        _within(10, p.next)
    # the failed fetch is retried: the stream resumes where it stopped, then ends cleanly
    rest = [b.data[0].asnumpy()[0, 0] for b in _within(10, list, p)]
    assert rest == [3, 4]
    with pytest.raises(StopIteration):
        _within(10, p.next)
    assert inner.threads == {'tfmod-prefetch-0'}


def test_prefetching_reset_error_propagates():
    p = PrefetchingIter(_FlakyIter(n=2, fail_reset=True))
    with pytest.raises(KeyError, match='reset failed'):
        _within(10, p.reset)
    # still usable and never hangs: the batch prefetched before the failed reset was dropped
    assert [b.data[0].asnumpy()[0, 0] for b in _within(10, list, p)] == [2]


def test_prefetching_runs_ahead_in_background():
    inner = _FlakyIter(n=5, delay=0.01)
    p = PrefetchingIter(inner)
    deadline = time.time() + 10
    while inner.calls < 1 and time.time() < deadline:
        time.sleep(0.005)
    assert inner.calls == 1  # fetched before anyone asked
    p.next()
    while inner.calls < 2 and time.time() < deadline:
        time.sleep(0.005)
    assert inner.calls == 2  # and the next one right after
    p.close()


def test_prefetching_close_and_garbage_collection_stop_threads():
    p = PrefetchingIter(NDArrayIter(X, batch_size=4))
    threads = [w.thread for w in p._workers]
    p.close(timeout=10)
    assert not any(t.is_alive() for t in threads)
    with pytest.raises(MXNetError, match='closed'):
        p.next()

    p = PrefetchingIter([NDArrayIter(X, batch_size=4), NDArrayIter(X2, batch_size=4)])
    threads = [w.thread for w in p._workers]
    ref = weakref.ref(p)
    del p
    gc.collect()
    assert ref() is None
    for t in threads:
        t.join(10)
        assert not t.is_alive()


class _BucketIter(DataIter):
    def __init__(self):
        super().__init__(2)
        self.provide_data = [DataDesc('data', (2, 5))]
        self.provide_label = [DataDesc('softmax_label', (2, 5))]
        self.default_bucket_key = 5
        self.k = 0

    def reset(self):
        self.k = 0

    def next(self):
        if self.k == 2:
            raise StopIteration
        self.k += 1
        t = 3 if self.k == 1 else 5
        return DataBatch([mx.nd.zeros((2, t))], [mx.nd.zeros((2, t))], pad=0, bucket_key=t,
                         provide_data=[DataDesc('data', (2, t))],
                         provide_label=[DataDesc('softmax_label', (2, t))])


def test_prefetching_keeps_bucket_key_and_per_batch_shapes():
    p = PrefetchingIter(_BucketIter(), rename_data=[{'data': 'tokens'}])
    got = list(p)
    assert [b.bucket_key for b in got] == [3, 5]
    assert [b.provide_data[0].shape for b in got] == [(2, 3), (2, 5)]
    assert [b.provide_data[0].name for b in got] == ['tokens', 'tokens']
    assert [b.provide_label[0].shape for b in got] == [(2, 3), (2, 5)]


def test_prefetching_bad_arguments():
    with pytest.raises(MXNetError, match='iters'):
        PrefetchingIter([])
    with pytest.raises(MXNetError, match='rename_data'):
        PrefetchingIter([NDArrayIter(X, batch_size=4)], rename_data=[{}, {}])


# -- CSVIter ---------------------------------------------------------------------------------
def _write(path, rows, fmt='%g'):
    np.savetxt(str(path), np.asarray(rows), delimiter=',', fmt=fmt)
    return str(path)


@pytest.fixture
def csv_files(tmp_path):
    return {
        'd': _write(tmp_path / 'd.csv', np.arange(30).reshape(10, 3)),
        'l': _write(tmp_path / 'l.csv', np.arange(10).reshape(10, 1)),
        'l2': _write(tmp_path / 'l2.csv', np.arange(20).reshape(10, 2) + 100),
        'dir': str(tmp_path),
    }


def _csv_epochs(it, epochs):
    """io_sweeps.csv_epochs with each batch as a tuple."""
    return [[tuple(b) for b in ep] for ep in io_sweeps.csv_epochs(it, epochs)]


def test_csviter_round_batch_matches_mxnet(csv_files):
    it = CSVIter(data_csv=csv_files['d'], data_shape=(3,), label_csv=csv_files['l'],
                 label_shape=(1,), batch_size=4)
    assert [(d.name, d.shape, d.dtype, d.layout) for d in it.provide_data] == [
        ('data', (4, 3), np.float32, 'NCHW')]
    assert [(d.name, d.shape) for d in it.provide_label] == [('softmax_label', (4,))]
    assert it.batch_size == 4
    # MXNet 1.9.1: the wrapped batch has pad=2 and the next epoch starts after the wrapped rows
    assert _csv_epochs(it, 3) == [
        [([0, 3, 6, 9], [0, 1, 2, 3], 0, [0, 1, 2, 3]),
         ([12, 15, 18, 21], [4, 5, 6, 7], 0, [4, 5, 6, 7]),
         ([24, 27, 0, 3], [8, 9, 0, 1], 2, [8, 9, 0, 1])],
        [([6, 9, 12, 15], [2, 3, 4, 5], 0, [2, 3, 4, 5]),
         ([18, 21, 24, 27], [6, 7, 8, 9], 0, [6, 7, 8, 9])],
        [([0, 3, 6, 9], [0, 1, 2, 3], 0, [0, 1, 2, 3]),
         ([12, 15, 18, 21], [4, 5, 6, 7], 0, [4, 5, 6, 7]),
         ([24, 27, 0, 3], [8, 9, 0, 1], 2, [8, 9, 0, 1])]]
    b = CSVIter(data_csv=csv_files['d'], data_shape=(3,), batch_size=4).next()
    assert b.index.dtype == np.uint64 and b.data[0].dtype == np.float32


def test_csviter_no_round_batch_and_no_label_matches_mxnet(csv_files):
    it = CSVIter(data_csv=csv_files['d'], data_shape=(3,), batch_size=3, round_batch=False)
    # MXNet 1.9.1: pad slots keep the previous batch's rows; labels are zeros without label_csv
    epoch = [([0, 3, 6], [0, 0, 0], 0, [0, 1, 2]), ([9, 12, 15], [0, 0, 0], 0, [3, 4, 5]),
             ([18, 21, 24], [0, 0, 0], 0, [6, 7, 8]), ([27, 21, 24], [0, 0, 0], 2, [9, 7, 8])]
    assert _csv_epochs(it, 2) == [epoch, epoch]


def test_csviter_big_batches_and_shapes_match_mxnet(csv_files):
    # MXNet 1.9.1, 10 rows, batch 15: pad 5, then the next epoch starts at row 5 (pad 10), then
    # an empty epoch, then it starts over
    it = CSVIter(data_csv=csv_files['d'], data_shape=(3,), batch_size=15)
    eps = _csv_epochs(it, 4)
    assert [[(b[2], b[3]) for b in ep] for ep in eps] == [
        [(5, list(range(10)) + list(range(5)))],
        [(10, list(range(5, 10)) + list(range(10)))],
        [],
        [(5, list(range(10)) + list(range(5)))]]
    with pytest.raises(MXNetError, match='bigger than batch size'):
        CSVIter(data_csv=csv_files['d'], data_shape=(3,), batch_size=25)
    it = CSVIter(data_csv=csv_files['d'], data_shape=(1, 3), label_csv=csv_files['l2'],
                 label_shape=(2,), batch_size=3)
    assert it.provide_data[0].shape == (3, 1, 3) and it.provide_label[0].shape == (3, 2)
    eps = _csv_epochs(it, 2)
    assert [b[1] for b in eps[0]] == [[100, 102, 104], [106, 108, 110], [112, 114, 116],
                                      [118, 100, 102]]
    assert [(b[2], b[3]) for b in eps[1]] == [(0, [2, 3, 4]), (0, [5, 6, 7]), (1, [8, 9, 0])]


def test_csviter_dtypes_and_parsing(tmp_path):
    path = tmp_path / 'f.csv'
    path.write_text('1.5,2.7,-3.2\n\n4e2, 5 ,6')  # blank line, spaces, no final newline
    f = CSVIter(data_csv=str(path), data_shape=(3,), batch_size=2)
    np.testing.assert_array_equal(f.next().data[0].asnumpy(),
                                  np.array([[1.5, 2.7, -3.2], [400, 5, 6]], np.float32))
    # MXNet 1.9.1 reads integers like strtol: 1.5 -> 1, -3.2 -> -3, 4e2 -> 4
    for dtype, np_dtype in (('int32', np.int32), ('int64', np.int64)):
        it = CSVIter(data_csv=str(path), data_shape=(3,), batch_size=2, dtype=dtype)
        b = it.next()
        assert b.data[0].dtype == np_dtype and b.label[0].dtype == np_dtype
        assert it.provide_data[0].dtype == np_dtype
        assert b.data[0].asnumpy().tolist() == [[1, 2, -3], [4, 5, 6]]
    for bad in ('float16', 'float64', 'uint8'):
        with pytest.raises(MXNetError, match='not supported'):
            CSVIter(data_csv=str(path), data_shape=(3,), batch_size=2, dtype=bad)


def test_csviter_names_strings_and_directories(csv_files, tmp_path):
    it = CSVIter(data_csv=csv_files['d'], data_shape='(3,)', batch_size='5', data_name='x',
                 label_name='y')
    assert [d.name for d in it.provide_data] == ['x'] and [d.name for d in it.provide_label] == [
        'y']
    assert [b.pad for b in it] == [0, 0]
    sub = tmp_path / 'parts'
    sub.mkdir()
    _write(sub / 'a.csv', np.arange(6).reshape(2, 3))
    _write(sub / 'b.csv', np.arange(6, 12).reshape(2, 3))
    it = CSVIter(data_csv=str(sub), data_shape=(3,), batch_size=4)
    assert it.next().data[0].asnumpy()[:, 0].tolist() == [0, 3, 6, 9]


def test_csviter_bad_input(csv_files, tmp_path):
    d = csv_files['d']
    with pytest.raises(MXNetError, match='shape'):
        CSVIter(data_csv=d, data_shape=(4,), batch_size=4)
    with pytest.raises(MXNetError, match='no such file'):
        CSVIter(data_csv=str(tmp_path / 'nope.csv'), data_shape=(3,), batch_size=4)
    with pytest.raises(MXNetError, match='data_shape'):
        CSVIter(data_csv=d, batch_size=4)
    with pytest.raises(MXNetError, match='batch_size'):
        CSVIter(data_csv=d, data_shape=(3,), batch_size=0)
    short = _write(tmp_path / 'short.csv', np.arange(7).reshape(7, 1))
    with pytest.raises(MXNetError, match='label_csv'):
        CSVIter(data_csv=d, data_shape=(3,), label_csv=short, batch_size=4)
    longer = _write(tmp_path / 'long.csv', np.arange(12).reshape(12, 1))
    it = CSVIter(data_csv=d, data_shape=(3,), label_csv=longer, batch_size=4)  # extra rows ignored
    assert it.next().label[0].asnumpy().tolist() == [0, 1, 2, 3]
    hdr = tmp_path / 'hdr.csv'
    hdr.write_text('a,b,c\n1,2,3\n')
    with pytest.raises(MXNetError, match="'a'"):
        CSVIter(data_csv=str(hdr), data_shape=(3,), batch_size=1)
    empty = tmp_path / 'empty.csv'
    empty.write_text('')
    with pytest.raises(MXNetError, match='no rows'):
        CSVIter(data_csv=str(empty), data_shape=(3,), batch_size=1)


def test_csviter_works_under_prefetching_and_resize(csv_files):
    it = PrefetchingIter(CSVIter(data_csv=csv_files['d'], data_shape=(3,), batch_size=4))
    assert [b.pad for b in it] == [0, 0, 2]
    r = ResizeIter(CSVIter(data_csv=csv_files['d'], data_shape=(3,), batch_size=5), 5)
    assert [b.index.tolist()[0] for b in r] == [0, 5, 0, 5, 0]


# -- randomized NDArrayIter / CSVIter sweeps (support/io_sweeps.py), checked against MXNet 1.9.1 ---
# tools/record_io_sweeps.py recorded MXNet's traces into fixtures/io_sweeps/traces.json
SWEEPS = json.load(open(os.path.join(os.path.dirname(__file__), 'fixtures', 'io_sweeps',
                                     'traces.json')))


def _same_trace(got, want):
    assert len(got) == len(want)
    for (key, trace), (wkey, wtrace) in zip(got, want):
        assert key == wkey
        assert trace == wtrace, key


def test_ndarrayiter_randomized_sweep_matches_mxnet():
    trace = json.loads(json.dumps(io_sweeps.ndarrayiter_trace(mx)))
    assert len(trace) == 168
    _same_trace(trace, SWEEPS['ndarrayiter'])


def test_csviter_sweep_matches_mxnet(tmp_path):
    trace = json.loads(json.dumps(io_sweeps.csviter_trace(mx, str(tmp_path))))
    _same_trace(trace, SWEEPS['csviter'])


@pytest.mark.parametrize('program', io_sweeps.PROGRAMS)
def test_io_program_matches_mxnet(program, tmp_path):
    """The shuffle orders and CSVIter epochs spelled out in the tests above, as recorded."""
    got = getattr(io_sweeps, program)(mx, X, Y1, str(tmp_path))
    assert json.loads(json.dumps(got)) == SWEEPS['programs'][program]
