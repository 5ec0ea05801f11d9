"""gluon.data (datasets, samplers, DataLoader) and gluon.utils give MXNet 1.9.1's batches,
orders, dtypes, splits and errors (tools/record_gluon_trainer.py, fixtures/gluon_trainer/)."""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from tfmod.gluon import data as gdata, utils as gutils

FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures', 'gluon_trainer')
REC = json.load(open(os.path.join(FIX, 'data.json')))
X = np.arange(10 * 2, dtype='float32').reshape(10, 2)
Y = np.arange(10, dtype='int32') % 3
DS = gdata.ArrayDataset(X, Y)


def _batches(loader):
    out = []
    for b in loader:
        items = b if isinstance(b, list) else [b]
        out.append([{'dtype': np.dtype(i.dtype).name, 'shape': list(i.shape),
                     'values': i.asnumpy().tolist(), 'type': type(i).__name__}
                    for i in items])
    return out


@pytest.mark.parametrize('mode', ['keep', 'discard', 'rollover'])
def test_last_batch_modes_over_two_epochs(mode):
    loader = gdata.DataLoader(DS, batch_size=4, last_batch=mode)
    want = REC['loader_' + mode]
    assert len(loader) == want['len']
    assert _batches(loader) == want['epoch1']
    assert _batches(loader) == want['epoch2']


def test_batch_dtypes_and_forms():
    assert len(DS) == REC['len']
    X64 = np.arange(7, dtype='float64') / 4
    assert _batches(gdata.DataLoader(gdata.SimpleDataset(X64), batch_size=3)) == \
        REC['loader_float64']
    assert _batches(gdata.DataLoader(gdata.ArrayDataset(mx.nd.array(X), mx.nd.array(Y)),
                                     batch_size=4)) == REC['loader_ndarray']
    assert _batches(gdata.DataLoader(gdata.ArrayDataset(X, list(range(10))), batch_size=4)) \
        == REC['loader_list_label']
    fn = lambda s: mx.nd.array([float(a.sum()) for a, _ in s])  # noqa: E731
    assert _batches(gdata.DataLoader(DS, batch_size=4, batchify_fn=fn)) == REC['batchify_fn']
    assert _batches(gdata.DataLoader(DS, batch_sampler=gdata.BatchSampler(
        gdata.SequentialSampler(5), 2))) == REC['batch_sampler_arg']
    assert _batches(gdata.DataLoader(DS.transform_first(lambda x: x * 2), batch_size=5)) == \
        REC['transform_first']


def test_shuffle_follows_numpy_seed_as_mxnet():
    np.random.seed(42)
    assert _batches(gdata.DataLoader(DS, batch_size=4, shuffle=True)) == REC['loader_shuffle']
    np.random.seed(7)
    assert [int(i) for i in gdata.RandomSampler(9)] == REC['random_sampler']


def test_threads_give_the_same_batches():
    np.random.seed(42)
    loader = gdata.DataLoader(DS, batch_size=4, shuffle=True, num_workers=2)
    assert _batches(loader) == REC['loader_shuffle']


def test_samplers_and_views():
    for m in ('keep', 'discard', 'rollover'):
        assert list(gdata.BatchSampler(gdata.SequentialSampler(7, 2), 3, m)) == \
            REC['batch_sampler'][m]
    bs = gdata.BatchSampler(gdata.SequentialSampler(7), 3, 'rollover')
    assert [list(bs), len(bs), list(bs), len(bs)] == REC['rollover_epochs']
    assert [list(map(float, DS.shard(3, i)[j][0])) for i in range(3)
            for j in range(len(DS.shard(3, i)))] == REC['shard']
    assert [len(DS.take(4)), len(DS.filter(lambda s: s[1] == 1))] == REC['take_filter']


def test_record_file_dataset(tmp_path):
    rec, idx = str(tmp_path / 'd.rec'), str(tmp_path / 'd.idx')
    w = mx.recordio.MXIndexedRecordIO(idx, rec, 'w')
    for i in range(3):
        w.write_idx(i, b'record %d' % i)
    w.close()
    ds = gdata.RecordFileDataset(rec)
    assert len(ds) == 3 and ds[2] == b'record 2'


def test_bad_arguments_raise_value_errors_as_mxnet():
    err = REC['errors']
    calls = {
        'no_batch_size': lambda: gdata.DataLoader(DS),
        'shuffle_and_sampler': lambda: gdata.DataLoader(
            DS, batch_size=2, shuffle=True, sampler=gdata.SequentialSampler(10)),
        'batch_sampler_and_size': lambda: gdata.DataLoader(
            DS, batch_size=2, batch_sampler=gdata.BatchSampler(gdata.SequentialSampler(5), 2)),
        'bad_last_batch': lambda: list(gdata.BatchSampler(gdata.SequentialSampler(5), 2, 'bad')),
        'array_lengths': lambda: gdata.ArrayDataset(X, Y[:4]),
        'split_uneven': lambda: gutils.split_data(mx.nd.array(X[:7]), 2),
    }
    for key, call in calls.items():
        with pytest.raises(mx.base.MXNetError) as e:   # MXNetError is a ValueError
            call()
        assert str(e.value) == err[key]['message'], key


def test_split_and_clip():
    a = mx.nd.array(np.arange(14, dtype='float32').reshape(7, 2))
    assert [s.asnumpy().tolist() for s in gutils.split_data(a, 3, even_split=False)] == \
        REC['split_data']
    b = mx.nd.array(np.arange(12, dtype='float32').reshape(2, 6))
    assert [s.asnumpy().tolist() for s in gutils.split_data(b, 3, batch_axis=1)] == \
        REC['split_axis1']
    loaded = gutils.split_and_load(X[:6], [mx.cpu(0), mx.cpu(1)])
    assert [[str(s.context), s.asnumpy().tolist()] for s in loaded] == REC['split_and_load']
    arrs = [mx.nd.array([[3., 4.]]), mx.nd.array([1., 2., 2.])]
    norm = gutils.clip_global_norm(arrs, 2.0)
    want_norm, want = REC['clip_global_norm']
    assert norm == pytest.approx(want_norm, rel=1e-6)
    for x, w in zip(arrs, want):
        np.testing.assert_allclose(x.asnumpy(), w, rtol=1e-6)
    arrs = [mx.nd.array([0.1, 0.2])]
    norm = gutils.clip_global_norm(arrs, 5.0)
    want_norm, want = REC['clip_global_norm_small']     # below max_norm: left as it was
    assert norm == pytest.approx(want_norm, rel=1e-6)
    np.testing.assert_allclose(arrs[0].asnumpy(), want, rtol=1e-6)


def test_check_sha1_and_offline_download(tmp_path):
    path = os.path.join(FIX, 'sha1-sample.txt')
    digest, ok, bad = REC['check_sha1']
    assert gutils.check_sha1(path, digest) is ok and gutils.check_sha1(path, '0' * 40) is bad
    # in place with the right hash: no network needed
    assert gutils.download('http://127.0.0.1:9/sha1-sample.txt', path=path,
                           sha1_hash=digest) == path
    # unreachable: ConnectionError (an OSError, as MXNet's requests error) naming URL and file
    with pytest.raises(ConnectionError, match=r'127\.0\.0\.1:9/m\.params.*m\.params'):
        gutils.download('http://127.0.0.1:9/m.params', path=str(tmp_path), retries=1)
    assert os.listdir(str(tmp_path)) == []


def test_hook_handle_detaches():
    from collections import OrderedDict
    hooks = OrderedDict()
    with gutils.HookHandle() as h:
        h.attach(hooks, print)
        assert list(hooks.values()) == [print]
        with pytest.raises(mx.base.MXNetError, match='twice'):
            h.attach(hooks, print)
    assert not hooks
