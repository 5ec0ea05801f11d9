"""csr and row_sparse NDArrays and sparse ops against MXNet 1.9.1 (tests/fixtures/sparse/,
recorded by tools/record_sparse.py): storage types, values, stored structure, and mx.nd.save
files byte for byte in both directions."""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from tfmod.base import MXNetError

HERE = os.path.join(os.path.dirname(__file__), 'fixtures', 'sparse')
with open(os.path.join(HERE, 'ops.json')) as _f:
    FIX = json.load(_f)


def _floats(v):
    if isinstance(v, list):
        return [_floats(x) for x in v]
    return float(v) if isinstance(v, str) else v


def _dense(desc):
    return np.array(_floats(desc['dense']), dtype=desc['dtype']).reshape(desc['shape'])


def build(desc):
    """An array as MXNet recorded it: the same storage type and stored structure."""
    dt = desc['dtype']
    if desc['stype'] == 'csr':
        return mx.nd.sparse.csr_matrix((np.array(_floats(desc['data']), dt),
                                        np.array(desc['indices'], 'int64'),
                                        np.array(desc['indptr'], 'int64')),
                                       shape=tuple(desc['shape']), dtype=dt)
    if desc['stype'] == 'row_sparse':
        data = np.array(_floats(desc['data']), dt).reshape([len(desc['indices'])] +
                                                           desc['shape'][1:])
        return mx.nd.sparse.row_sparse_array((data, np.array(desc['indices'], 'int64')),
                                             shape=tuple(desc['shape']), dtype=dt)
    return mx.nd.array(_dense(desc), dtype=dt)


ARRAYS = {k: build(v) for k, v in FIX['arrays'].items()}


def _csr_entries(indptr, indices, data):
    """Each row's stored (column, value) pairs, sorted by column (MXNet may store a row's
    entries in any order, and leave unused storage past indptr[-1])."""
    rows = []
    for i in range(len(indptr) - 1):
        part = sorted(zip(indices[indptr[i]:indptr[i + 1]], data[indptr[i]:indptr[i + 1]]))
        rows.append(part)
    return rows


def check(got, desc):
    """``got`` matches MXNet's recorded array: storage type, shape, dtype, value, structure."""
    assert got.stype == desc['stype']
    assert got.shape == tuple(desc['shape'])
    assert np.dtype(got.dtype).name == desc['dtype']
    np.testing.assert_allclose(got.asnumpy(), _dense(desc), rtol=1e-5, atol=1e-6,
                               equal_nan=True)
    if desc['stype'] == 'csr':
        indptr = got.indptr.asnumpy()
        assert indptr.tolist() == desc['indptr']
        mine = _csr_entries(indptr, got.indices.asnumpy().tolist(), got.data.asnumpy().tolist())
        theirs = _csr_entries(desc['indptr'], desc['indices'], _floats(desc['data']))
        assert [[c for c, _ in r] for r in mine] == [[c for c, _ in r] for r in theirs]
        np.testing.assert_allclose([v for r in mine for _, v in r],
                                   [v for r in theirs for _, v in r], rtol=1e-5, atol=1e-6,
                                   equal_nan=True)
    elif desc['stype'] == 'row_sparse':
        assert got.indices.asnumpy().tolist() == desc['indices']
        assert np.dtype(got.indices.dtype).name == 'int64'
        np.testing.assert_allclose(got.data.asnumpy(),
                                   np.array(_floats(desc['data'])).reshape(got.data.shape),
                                   rtol=1e-5, atol=1e-6, equal_nan=True)


def _fn(path):
    obj = mx.nd
    for part in path.split('.'):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize('case', FIX['cases'],
                         ids=['%s(%s)%s' % (c['op'], ','.join(c['inputs']),
                                            ''.join('-%s=%s' % kv for kv in
                                                    sorted(c['attrs'].items())))
                              for c in FIX['cases']])
def test_op(case):
    args = [ARRAYS[n] for n in case['inputs']]
    attrs = {k: tuple(v) if isinstance(v, list) else v for k, v in case['attrs'].items()}
    if 'error' in case:
        with pytest.raises(MXNetError):
            _fn(case['op'])(*args, **attrs).asnumpy()
        return
    check(_fn(case['op'])(*args, **attrs), case['out'])


@pytest.mark.parametrize('case', FIX['exprs'], ids=[c['expr'] for c in FIX['exprs']])
def test_expression(case):
    def run():
        return eval(case['expr'], {'mx': mx}, dict(ARRAYS))   # noqa: S307 -- fixture's own
    if 'error' in case:
        with pytest.raises(MXNetError):
            run().asnumpy()
        return
    check(run(), case['out'])


def test_inputs_rebuild_as_recorded():
    for name, desc in FIX['arrays'].items():
        check(ARRAYS[name], desc)
