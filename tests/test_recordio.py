"""mx.recordio against MXNet 1.9.1: tests/fixtures/recordio/records.{rec,idx} were written by
MXNet (gen_recordio.py) from payloads that cover the format's corners."""
import os
import pickle
import struct

import numpy as np
import pytest

import tfmod as mx
from tfmod.base import MXNetError

HERE = os.path.join(os.path.dirname(__file__), 'fixtures', 'recordio')
M = struct.pack('<I', 0xced7230a)
PAYLOADS = [b'', b'a', b'abcd', b'hello world', M, b'abcd' + M + b'xy', b'ab' + M + b'cd',
            M + M, b'1234' + M + b'5678' + M, b'x' * 1000 + M + b'tail', bytes(range(256)) * 3]


def _read(name):
    with open(os.path.join(HERE, name), 'rb') as f:
        return f.read()


def test_writes_mxnets_bytes(tmp_path):
    w = mx.recordio.MXIndexedRecordIO(str(tmp_path / 'r.idx'), str(tmp_path / 'r.rec'), 'w')
    for i, p in enumerate(PAYLOADS):
        w.write_idx(i, p)
    w.close()
    assert (tmp_path / 'r.rec').read_bytes() == _read('records.rec')
    assert (tmp_path / 'r.idx').read_bytes() == _read('records.idx')


def test_reads_mxnets_file_in_order_by_key_and_after_pickling():
    r = mx.recordio.MXRecordIO(os.path.join(HERE, 'records.rec'), 'r')
    got = []
    while True:
        rec = r.read()
        if rec is None:
            break
        got.append(rec)
    assert got == PAYLOADS
    r.reset()
    assert r.read() == PAYLOADS[0]
    idx = mx.recordio.MXIndexedRecordIO(os.path.join(HERE, 'records.idx'),
                                        os.path.join(HERE, 'records.rec'), 'r')
    assert idx.keys == list(range(len(PAYLOADS)))
    assert [idx.read_idx(k) for k in (9, 4, 0, 7)] == [PAYLOADS[k] for k in (9, 4, 0, 7)]
    again = pickle.loads(pickle.dumps(idx))
    assert again.read_idx(5) == PAYLOADS[5]


def test_image_record_headers():
    # MXNet 1.9.1: pack(IRHeader(0, [1.5, 2.5], 7, 9), b'img').hex()
    s = mx.recordio.pack(mx.recordio.IRHeader(0, [1.5, 2.5], 7, 9), b'img')
    assert s.hex() == ('0200000000000000070000000000000009000000000000000000c03f00002040'
                       '696d67')
    header, payload = mx.recordio.unpack(s)
    assert header.flag == 2 and header.label.tolist() == [1.5, 2.5] and payload == b'img'
    header, _ = mx.recordio.unpack(mx.recordio.pack(mx.recordio.IRHeader(0, 3.0, 1, 0), b''))
    assert header.flag == 0 and header.label == 3.0
    img = (np.arange(4 * 5 * 3) % 251).astype(np.uint8).reshape(4, 5, 3)
    h, back = mx.recordio.unpack_img(
        mx.recordio.pack_img(mx.recordio.IRHeader(0, 1.0, 2, 0), img, img_fmt='.png'))
    assert h.id == 2 and np.array_equal(back, img)       # PNG is lossless; BGR in, BGR out


def test_corrupt_files_are_named(tmp_path):
    bad = tmp_path / 'bad.rec'
    bad.write_bytes(b'not a record file')
    with pytest.raises(MXNetError, match='bad.rec: bad magic number'):
        mx.recordio.MXRecordIO(str(bad), 'r').read()
    cut = tmp_path / 'cut.rec'
    cut.write_bytes(_read('records.rec')[:-7])
    r = mx.recordio.MXRecordIO(str(cut), 'r')
    with pytest.raises(MXNetError, match='cut.rec: truncated record'):
        while r.read() is not None:
            pass
    with pytest.raises(MXNetError, match='missing.rec'):
        mx.recordio.MXRecordIO(str(tmp_path / 'missing.rec'), 'r')
    with pytest.raises(MXNetError, match='shorter than its 24-byte header'):
        mx.recordio.unpack(b'abc')
