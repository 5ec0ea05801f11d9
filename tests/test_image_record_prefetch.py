"""ImageRecordIter's prefetch_buffer: batches made ahead on a background thread are exactly the
batches made on demand (prefetch_buffer=0), through resets, the end of data, errors, and the
iterator's death; the thread never outlives the iterator or the process."""
import gc
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import tfmod as mx
from tfmod.base import MXNetError

HERE = os.path.join(os.path.dirname(__file__), 'fixtures', 'image_record')
REC = os.path.join(HERE, 'images.rec')
IMAGES = ['img0.jpg', 'img1.jpg', 'img2.jpg', 'img3.png', 'img4.jpg', 'img5.jpg', 'img6.jpg']

# every random draw the iterator makes (shuffle, crops, mirrors, inter_method=10's kernel)
RANDOM = dict(data_shape=(3, 16, 16), batch_size=3, shuffle=True, rand_crop=True,
              rand_mirror=True, seed=5, resize=18, inter_method=10, pad=1, mean_g=100.0)
ARGSETS = [
    RANDOM,
    dict(RANDOM, round_batch=False, batch_size=4),
    dict(RANDOM, num_parts=2, part_index=1, batch_size=2),
    dict(data_shape=(1, 20, 20), batch_size=5, dtype='uint8', mirror=True),
]


def _outcome(it, op):
    """What one operation on the iterator shows: a batch's arrays and metadata, the end of
    data, or an error's message."""
    try:
        if op == 'next':
            b = it.next()
            return ('batch', b.data[0].asnumpy(), b.label[0].asnumpy(), b.pad,
                    np.asarray(b.index).tolist())
        if op == 'iter_next':      # the DataIter protocol without next()
            if not it.iter_next():
                return ('end',)
            return ('batch', it.getdata().asnumpy(), it.getlabel().asnumpy(), it.getpad(),
                    np.asarray(it.getindex()).tolist())
        it.reset()
        return ('reset',)
    except StopIteration:
        return ('stop',)
    except MXNetError as e:
        return ('error', str(e))


def _script(n_batches):
    """Whole epochs, a reset mid-epoch, two resets in a row, next() past the end."""
    ops = ['next'] * (n_batches + 2) + ['reset']            # past the end: StopIteration twice
    ops += ['next', 'reset', 'reset'] + ['iter_next'] * 2 + ['reset']
    ops += ['next'] * 2 + ['reset'] + ['next'] * (2 * n_batches + 1) + ['reset', 'next']
    return ops


def _run(params, depth, ops, rec=REC):
    it = mx.io.ImageRecordIter(path_imgrec=rec, prefetch_buffer=depth, **params)
    return [_outcome(it, op) for op in ops]


def _assert_same(a, b):
    assert [o[0] for o in a] == [o[0] for o in b]
    for x, y in zip(a, b):
        assert len(x) == len(y)
        for u, v in zip(x[1:], y[1:]):
            np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize('params', ARGSETS, ids=['random', 'no_round_batch', 'part', 'uint8'])
def test_prefetched_batches_equal_batches_made_on_demand(params):
    ops = _script(4)
    on_demand = _run(params, 0, ops)
    assert {o[0] for o in on_demand} >= {'batch', 'stop', 'reset'}
    for depth in (1, 4):
        _assert_same(_run(params, depth, ops), on_demand)


def test_batches_are_made_ahead_up_to_prefetch_buffer():
    it = mx.io.ImageRecordIter(path_imgrec=REC, data_shape=(3, 16, 16), batch_size=1,
                               prefetch_buffer=3)
    assert it._prefetcher is not None and not it._prefetcher.running
    first = next(it)
    deadline = time.time() + 30
    while len(it._prefetcher._items) < 3 and time.time() < deadline:
        time.sleep(0.01)
    assert len(it._prefetcher._items) == 3        # three made ahead, no more
    time.sleep(0.2)
    assert len(it._prefetcher._items) == 3
    assert first.label[0].asnumpy().tolist() == [0.0]
    assert [next(it).label[0].asnumpy()[0] for _ in range(6)] == [1, 2, 3, 4, 5, 6]
    assert mx.io.ImageRecordIter(path_imgrec=REC, data_shape=(3, 16, 16), batch_size=1,
                                 prefetch_buffer=0)._prefetcher is None
    for bad in (-1, 'x'):
        with pytest.raises(MXNetError, match='prefetch_buffer must be a non-negative integer'):
            mx.io.ImageRecordIter(path_imgrec=REC, data_shape=(3, 16, 16), batch_size=1,
                                  prefetch_buffer=bad)


def _pack(path, records):
    """A .rec of (label, payload) records: label a float or a list of floats."""
    w = mx.recordio.MXRecordIO(path, 'w')
    for i, (label, payload) in enumerate(records):
        flag = 0 if np.isscalar(label) else len(label)
        w.write(mx.recordio.pack(mx.recordio.IRHeader(flag, label, i, 0), payload))
    w.close()
    return path


def test_a_producer_error_surfaces_at_its_batch(tmp_path):
    """An undecodable record (batch 2) and a record with two labels (batch 4) raise the
    on-demand path's MXNetError at the same next(), and the batches after them follow."""
    imgs = [open(os.path.join(HERE, n), 'rb').read() for n in IMAGES]
    records = [(float(i), imgs[i % 7]) for i in range(12)]
    records[4] = (4.0, b'not an image at all')
    records[9] = ([9.0, 1.0], imgs[2])
    rec = _pack(str(tmp_path / 'bad.rec'), records)
    params = dict(data_shape=(3, 16, 16), batch_size=2, rand_crop=True, rand_mirror=True,
                  shuffle=False)
    ops = ['next'] * 8 + ['reset'] + ['next'] * 3 + ['reset', 'iter_next']
    on_demand = _run(params, 0, ops, rec)
    kinds = [o[0] for o in on_demand]
    assert kinds[:8] == ['batch', 'batch', 'error', 'batch', 'error', 'batch', 'stop', 'stop']
    assert 'record 4 is not a decodable image' in on_demand[2][1]
    assert 'record 9 provides a 2-dimensional label' in on_demand[4][1]
    _assert_same(_run(params, 4, ops, rec), on_demand)


def _prefetch_threads():
    import threading
    return [t for t in threading.enumerate() if t.name.endswith('-prefetch') and t.is_alive()]


def test_the_thread_stops_on_reset_and_when_the_iterator_is_dropped():
    it = mx.io.ImageRecordIter(path_imgrec=REC, data_shape=(3, 16, 16), batch_size=2)
    next(it)
    assert it._prefetcher.running
    it.reset()
    assert not it._prefetcher.running
    next(it)
    thread = it._prefetcher._run.thread
    assert thread.is_alive()
    del it
    gc.collect()
    thread.join(10)
    assert not thread.is_alive()
    assert not _prefetch_threads()


def test_the_process_exits_promptly_mid_epoch():
    """A script that leaves its iterator mid-epoch (the thread blocked on a full buffer in one
    iterator, making batches in the other) exits at once and cleanly."""
    code = textwrap.dedent('''
        import sys, time
        import tfmod as mx
        rec = sys.argv[1]
        a = mx.io.ImageRecordIter(path_imgrec=rec, data_shape=(3, 16, 16), batch_size=1,
                                  prefetch_buffer=2)
        b = mx.io.ImageRecordIter(path_imgrec=rec, data_shape=(3, 64, 64), batch_size=7,
                                  resize=100, prefetch_buffer=50)
        next(a); next(b)
        time.sleep(0.3)
        print('left', flush=True)
        sys.stdout.flush()
        ''')
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3')
    proc = subprocess.Popen([sys.executable, '-c', code, REC], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env,
                            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    first = proc.stdout.readline()
    left = time.time()
    out, err = proc.communicate(timeout=120)
    exit_seconds = time.time() - left
    assert proc.returncode == 0, err
    assert first.strip() == 'left' and not out.strip()
    assert exit_seconds < 10, exit_seconds
    assert 'Traceback' not in err and 'Exception' not in err, err
