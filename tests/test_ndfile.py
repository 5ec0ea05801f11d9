"""mx.nd.save / mx.nd.load against files written by MXNet 1.9.1 (fixtures/modules/ndfiles)."""
import json
import os
import struct

import numpy as np
import pytest

import tfmod as mx
from tfmod.base import MXNetError
from tfmod.ndarray import ndfile

D = os.path.join(os.path.dirname(__file__), 'fixtures', 'modules', 'ndfiles')
EXPECTED = np.load(os.path.join(D, 'expected.npz'))
LAYOUT = json.load(open(os.path.join(D, 'ndfiles.json')))
READABLE = ['list_dtypes', 'dict_dtypes', 'params_format', 'single_array', 'empty_list',
            'empty_dict', 'npshape_scalars']


def _expected(fname):
    prefix = fname + '.nd/'
    return {k[len(prefix):]: EXPECTED[k] for k in EXPECTED.files if k.startswith(prefix)}


@pytest.mark.parametrize('fname', READABLE)
def test_load_mxnet_written_file(fname):
    got = mx.nd.load(os.path.join(D, fname + '.nd'))
    exp = _expected(fname)
    meta = LAYOUT[fname + '.nd']
    assert type(got).__name__ == meta['mx_nd_load_returns']
    items = got.items() if isinstance(got, dict) else [(str(i), v) for i, v in enumerate(got)]
    assert len(items) == len(exp)
    for key, arr in items:
        a = arr.asnumpy()
        assert a.dtype == exp[key].dtype, key
        assert a.shape == exp[key].shape, key
        assert a.tobytes() == exp[key].tobytes(), key  # exact, NaN/-0 included
    if isinstance(got, dict):
        assert list(got.keys()) == [a['name'] for a in meta['arrays']]  # file order kept


@pytest.mark.parametrize('fname', ['list_dtypes', 'dict_dtypes', 'params_format',
                                   'single_array', 'empty_list'])
def test_save_is_byte_identical_to_mxnet(fname, tmp_path):
    path = os.path.join(D, fname + '.nd')
    got = mx.nd.load(path)
    out = str(tmp_path / 'x.nd')
    mx.nd.save(out, got)
    assert open(out, 'rb').read() == open(path, 'rb').read()


def test_empty_dict_writes_like_mxnet(tmp_path):
    out = str(tmp_path / 'e.nd')
    mx.nd.save(out, {})
    assert open(out, 'rb').read() == open(os.path.join(D, 'empty_dict.nd'), 'rb').read()


def test_single_ndarray_saved_as_list(tmp_path):
    out = str(tmp_path / 's.nd')
    mx.nd.save(out, mx.nd.array([[1, 2, 3], [4, 5, 6]]))
    got = mx.nd.load(out)
    assert isinstance(got, list) and got[0].shape == (2, 3)


def test_zero_d_arrays_use_v3_magic():
    blob = ndfile.dumps([np.array(3.5, dtype=np.float32)])
    assert struct.unpack('<I', blob[24:28])[0] == ndfile.V3_MAGIC
    arrays, _ = ndfile.loads(blob)
    assert arrays[0].shape == () and arrays[0] == np.float32(3.5)


def test_legacy_zero_d_file_is_a_clean_error():
    # MXNet writes this file but cannot read it back; neither can we -- with a clean error.
    with pytest.raises(MXNetError, match='legacy_0d_unreadable.nd'):
        mx.nd.load(os.path.join(D, 'legacy_0d_unreadable.nd'))


def test_truncated_files_are_clean_errors(tmp_path):
    data = open(os.path.join(D, 'params_format.nd'), 'rb').read()
    for cut in (0, 7, 23, 30, 60, 100, len(data) - 1):
        p = tmp_path / ('t%d.nd' % cut)
        p.write_bytes(data[:cut])
        with pytest.raises(MXNetError, match='t%d.nd' % cut):
            mx.nd.load(str(p))


def test_corrupt_header_does_not_allocate(tmp_path):
    # An array count / shape claiming terabytes must fail fast, before allocating anything.
    data = bytearray(open(os.path.join(D, 'single_array.nd'), 'rb').read())
    huge = bytearray(data)
    huge[16:24] = struct.pack('<Q', 2 ** 60)
    p = tmp_path / 'count.nd'
    p.write_bytes(bytes(huge))
    with pytest.raises(MXNetError, match='count.nd'):
        mx.nd.load(str(p))
    big = bytearray(data)
    big[36:44] = struct.pack('<q', 2 ** 40)  # first dim of the first array
    p = tmp_path / 'shape.nd'
    p.write_bytes(bytes(big))
    with pytest.raises(MXNetError, match='shape.nd'):
        mx.nd.load(str(p))


def test_garbage_and_missing_files(tmp_path):
    p = tmp_path / 'junk.params'
    p.write_bytes(b'not an ndarray file at all, just text' * 3)
    with pytest.raises(MXNetError, match='junk.params'):
        mx.nd.load(str(p))
    with pytest.raises(MXNetError, match='nope.params'):
        mx.nd.load(str(tmp_path / 'nope.params'))


def test_sparse_records_are_refused_clearly():
    rec = struct.pack('<Iii', ndfile.V2_MAGIC, 1, 1)
    blob = struct.pack('<QQQ', 0x112, 0, 1) + rec + b'\0' * 64
    with pytest.raises(MXNetError, match='sparse'):
        ndfile.loads(blob, 'sparse.nd')


def test_all_dtypes_round_trip(tmp_path):
    arrays = {k: mx.nd.array(np.arange(6).reshape(2, 3), dtype=k)
              for k in ('float32', 'float64', 'float16', 'uint8', 'int8', 'int32', 'int64')}
    out = str(tmp_path / 'r.nd')
    mx.nd.save(out, arrays)
    got = mx.nd.load(out)
    for k, v in arrays.items():
        assert got[k].dtype == v.dtype
        np.testing.assert_array_equal(got[k].asnumpy(), v.asnumpy())


# -- properties over generated files (hypothesis) ----------------------------------------------
from hypothesis import given, settings, strategies as st  # noqa: E402

_DTYPES = ('float32', 'float64', 'float16', 'uint8', 'int8', 'int32', 'int64')
_arrays = st.builds(
    lambda dt, shape, seed: np.random.RandomState(seed).uniform(-100, 100, shape).astype(dt),
    st.sampled_from(_DTYPES), st.lists(st.integers(0, 4), min_size=1, max_size=4).map(tuple),
    st.integers(0, 2 ** 31 - 1))
_named = st.dictionaries(st.text('abcdefgh_:0123456789', min_size=1, max_size=12), _arrays,
                         max_size=5)


@settings(max_examples=60, deadline=None)
@given(_named)
def test_any_dict_round_trips_exactly(arrays):
    got, names = ndfile.loads(ndfile.dumps(list(arrays.values()), list(arrays)), 'generated.nd')
    assert names == list(arrays)
    for a, v in zip(got, arrays.values()):
        assert a.dtype == v.dtype and a.shape == v.shape and a.tobytes() == v.tobytes()


@settings(max_examples=80, deadline=None)
@given(_named, st.floats(0, 1, exclude_max=True))
def test_any_truncation_is_a_clean_error(arrays, frac):
    """Any cut of a valid file fails with MXNetError naming the file, never another error."""
    blob = ndfile.dumps(list(arrays.values()), list(arrays))
    with pytest.raises(MXNetError, match='cut.nd'):
        ndfile.loads(blob[:int(len(blob) * frac)], 'cut.nd')


def test_mxnet_written_zero_size_array(tmp_path):
    """A (2, 3, 0) array from MXNet loads, and saving it again gives MXNet's bytes."""
    src = os.path.join(os.path.dirname(__file__), 'fixtures', 'ndfile_zero_size', 'zero_size.nd')
    got = mx.nd.load(src)
    assert list(got) == ['z'] and got['z'].shape == (2, 3, 0) and got['z'].dtype == np.float32
    out = str(tmp_path / 'again.nd')
    mx.nd.save(out, got)
    assert open(out, 'rb').read() == open(src, 'rb').read()
