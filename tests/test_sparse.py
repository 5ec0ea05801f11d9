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
    dense = _dense(desc)
    np.testing.assert_allclose(got.asnumpy(), dense, rtol=1e-5, atol=1e-6, equal_nan=True)
    if dense.dtype.kind == 'f':     # zeros keep MXNet's sign (-0.0 from negative(), +0.0 sums)
        zero = dense == 0
        assert (np.signbit(got.asnumpy()[zero]) == np.signbit(dense[zero])).all()
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


def _copy_into(src, dst):
    src.copyto(dst)
    return dst


C, R = ARRAYS['C'], ARRAYS['R']
METHODS = {
    'C[1:3]': lambda: C[1:3],
    'C[1]': lambda: C[1],
    'C[0:2]': lambda: C[0:2],
    'C[2:]': lambda: C[2:],
    'R.retain([2,3])': lambda: R.retain(mx.nd.array([2, 3], dtype='int64')),
    'C.copyto(cpu)': lambda: C.copyto(mx.cpu()),
    'R.copyto(cpu)': lambda: R.copyto(mx.cpu()),
    'R.copyto(rsp)': lambda: _copy_into(R, mx.nd.sparse.zeros('row_sparse', (4, 3))),
    'C.copyto(dense)': lambda: _copy_into(C, mx.nd.zeros((3, 4))),
    'zeros(stype=csr)': lambda: mx.nd.zeros((2, 3), stype='csr'),
    'zeros(stype=row_sparse,float64)': lambda: mx.nd.zeros((2, 3), stype='row_sparse',
                                                           dtype='float64'),
    'D34.tostype(csr)': lambda: ARRAYS['D34'].tostype('csr'),
    'csr from dense numpy': lambda: mx.nd.sparse.csr_matrix(
        np.array([[0, 1.5, 0], [0, 0, 0], [2, 0, -1]], 'float32')),
    'rsp from dense numpy': lambda: mx.nd.sparse.row_sparse_array(
        np.array([[0, 0], [1, 2], [0, 0]], 'float32')),
    'csr int dtype': lambda: mx.nd.sparse.csr_matrix(
        (np.array([3, 1]), np.array([0, 1]), np.array([0, 1, 2])), shape=(2, 2), dtype='int32'),
    'csr default dtype': lambda: mx.nd.sparse.csr_matrix(
        (np.array([3, 1]), np.array([0, 1]), np.array([0, 1, 2])), shape=(2, 2)),
    'rsp from (data, indices) float64': lambda: mx.nd.sparse.row_sparse_array(
        (np.array([[1., 2]]), np.array([1])), shape=(3, 2)),
    'rsp 3-d': lambda: mx.nd.sparse.row_sparse_array(
        (np.arange(8, dtype='float32').reshape(2, 2, 2), np.array([0, 2])), shape=(3, 2, 2)),
    'rsp from (shape)': lambda: mx.nd.sparse.row_sparse_array((2, 5)),
    'csr from (shape)': lambda: mx.nd.sparse.csr_matrix((2, 5)),
    'sparse.array(csr)': lambda: mx.nd.sparse.array(C),
}
DTYPES = {'C.indices dtype': lambda: C.indices.dtype, 'C.indptr dtype': lambda: C.indptr.dtype,
          'R.indices dtype': lambda: R.indices.dtype}


def test_methods_cover_the_recording():
    assert set(METHODS) | set(DTYPES) == set(FIX['methods'])


@pytest.mark.parametrize('key', sorted(METHODS))
def test_method(key):
    check(METHODS[key](), FIX['methods'][key])


@pytest.mark.parametrize('key', sorted(DTYPES))
def test_aux_dtype(key):
    assert np.dtype(DTYPES[key]()).name == FIX['methods'][key]


ERRORS = {
    'C[1:3:2]': lambda: C[1:3:2],
    'C[0,1]': lambda: C[(0, 1)],
    'R[1:2]': lambda: R[1:2],
    'zeros bad stype': lambda: mx.nd.sparse.zeros('foo', (2, 2)),
    'retain(C)': lambda: mx.nd.sparse.retain(C, mx.nd.array([0])),
    'C.tostype(bad)': lambda: C.tostype('dense'),
    'C.check_format()': lambda: C.check_format(),
    'R.check_format()': lambda: R.check_format(),
    'unsorted csr check_format()': lambda: mx.nd.sparse.csr_matrix(
        (np.array([1., 2]), np.array([2, 0]), np.array([0, 2])), shape=(1, 3)).check_format(),
    'unsorted csr check_format(False)': lambda: mx.nd.sparse.csr_matrix(
        (np.array([1., 2]), np.array([2, 0]), np.array([0, 2])), shape=(1, 3)).check_format(
            full_check=False),
}


@pytest.mark.parametrize('key', sorted(ERRORS))
def test_refused_as_in_mxnet(key):
    """The error type MXNet raises, or none where MXNet raises none (tfmod's MXNetError is
    also a ValueError, as it is a RuntimeError)."""
    if FIX['errors'][key] is None:
        ERRORS[key]()
        return
    expected = {'ValueError': ValueError, 'MXNetError': MXNetError,
                'Exception': MXNetError}[FIX['errors'][key]]
    with pytest.raises(expected):
        ERRORS[key]()


def test_bad_row_sparse_parts_refused():
    """Repeated or out-of-range row ids (MXNet keeps them and check_format flags them later);
    rows given out of order are sorted (MXNet keeps their order; the dense value is the same)."""
    with pytest.raises(MXNetError, match='outside'):
        mx.nd.sparse.row_sparse_array((np.ones((2, 2)), np.array([5, 0])), shape=(3, 2))
    with pytest.raises(MXNetError, match='repeat'):
        mx.nd.sparse.row_sparse_array((np.ones((2, 2)), np.array([1, 1])), shape=(3, 2))
    r = mx.nd.sparse.row_sparse_array((np.array([[1., 1], [2, 2]]), np.array([2, 0])),
                                      shape=(3, 2))
    assert r.indices.asnumpy().tolist() == [0, 2]
    np.testing.assert_array_equal(r.asnumpy(), [[2, 2], [0, 0], [1, 1]])
    r.check_format()


def test_bad_csr_parts_refused():
    """MXNet 1.9.1 accepts a column index outside the shape (and reads out of bounds later);
    tfmod refuses it when the array is made."""
    assert FIX['errors']['csr shape mismatch'] is None
    with pytest.raises(MXNetError, match='column index'):
        mx.nd.sparse.csr_matrix((np.array([1.]), np.array([5]), np.array([0, 1])), shape=(1, 3))
    with pytest.raises(MXNetError, match='indptr'):
        mx.nd.sparse.csr_matrix((np.array([1.]), np.array([0]), np.array([0, 1])), shape=(2, 3))


def test_reshape_not_supported():
    with pytest.raises(mx.base.NotSupportedForSparseNDArray, match='not supported for Sparse'):
        C.reshape((4, 3))
    with pytest.raises(ValueError):
        C[0:1] = 1


def test_assign_whole_keeps_storage_type():
    r = R.copy()
    r[:] = ARRAYS['D43']
    assert r.stype == 'row_sparse'
    np.testing.assert_array_equal(r.asnumpy(), ARRAYS['D43'].asnumpy())
    out = mx.nd.sparse.zeros('csr', (3, 4))
    mx.nd.elemwise_add(C, ARRAYS['C2'], out=out)
    assert out.stype == 'csr'
    np.testing.assert_allclose(out.asnumpy(), C.asnumpy() + ARRAYS['C2'].asnumpy())


@pytest.mark.parametrize('name', sorted(FIX['files']))
def test_load_mxnet_file(name):
    got = mx.nd.load(os.path.join(HERE, name))
    want = FIX['files'][name]
    if isinstance(want, dict):
        assert sorted(got) == sorted(want)
        for k in want:
            check(got[k], want[k])
    else:
        assert len(got) == len(want)
        for g, w in zip(got, want):
            check(g, w)


@pytest.mark.parametrize('name', sorted(FIX['files']))
def test_save_is_byte_identical(name, tmp_path):
    """Arrays built afresh from the recorded structure save to MXNet's bytes exactly (the
    loaded file's key order is the order MXNet wrote)."""
    path = os.path.join(HERE, name)
    want = FIX['files'][name]
    if isinstance(want, dict):
        arrays = {k: build(want[k]) for k in mx.nd.load(path)}
    else:
        arrays = [build(w) for w in want]
    mx.nd.save(str(tmp_path / name), arrays)
    with open(path, 'rb') as f:
        assert (tmp_path / name).read_bytes() == f.read()


def test_corrupt_sparse_record_is_refused(tmp_path):
    with open(os.path.join(HERE, 'csr_rsp_list.nd'), 'rb') as f:
        raw = bytearray(f.read())
    bad = tmp_path / 'bad.nd'
    for cut in (40, 90, len(raw) - 3):
        bad.write_bytes(bytes(raw[:cut]))
        with pytest.raises(MXNetError, match='bad.nd'):
            mx.nd.load(str(bad))
    # a column index beyond the shape: the last csr index (an int64 before the rsp record)
    at = raw.index(b'\xc9\xfa\x93\xf9', 30) - 8
    raw[at:at + 8] = (99).to_bytes(8, 'little')
    bad.write_bytes(bytes(raw))
    with pytest.raises(MXNetError, match='column index out of range'):
        mx.nd.load(str(bad))


def test_sparse_namespace_matches_mxnet():
    """mx.nd.sparse has MXNet 1.9.1's public names, but for the ones listed (adagrad_update is
    the lazy optimizer update of issue 19's part 3; the rest are MXNet's module imports)."""
    missing = set(FIX['dir_sparse']) - set(dir(mx.nd.sparse))
    assert missing <= {'NDArrayHandle', 'adagrad_update', 'c_array_buf', 'check_call',
                       'ctypes', 'gs_retain', 'integer_types', 'mx_real_t', 'native_array',
                       'numeric_types', 'op', 'operator', 'py_slice', 'py_sum', 'spsp',
                       'warnings'}


GRAD_CASES = [(c, False) for c in FIX['grads']] + [(c, True) for c in FIX['loss_grads']]


@pytest.mark.parametrize('case,loss', GRAD_CASES, ids=[c['expr'] for c, _ in GRAD_CASES])
def test_autograd_into_dense_variables(case, loss):
    """Gradients flow from sparse-fed ops (dot with csr, elemwise ops) into dense variables,
    and MXNet's regression outputs give their own gradients on sparse-fed graphs."""
    assert 'error' not in case, case['error']    # every recorded case ran in MXNet
    ws = {n: build(d) for n, d in case['vars'].items()}
    labels = {n: build(d) for n, d in case['labels'].items()}
    for w in ws.values():
        w.attach_grad()
    with mx.autograd.record():
        env = dict(ARRAYS, **ws, **labels)
        y = eval(case['expr'], {'mx': mx}, env).tostype('default')  # noqa: S307
        head = y if loss else (y * y).sum()
    head.backward()
    check(y, case['y'])
    for n, w in ws.items():
        check(w.grad, case['grads'][n])


def test_pickle_round_trip_holds_mxnets_record():
    """A pickled sparse array carries its file record (MXNet's pickle 'handle'), the same bytes
    as in MXNet's own file."""
    import pickle
    with open(os.path.join(HERE, 'csr_rsp_list.nd'), 'rb') as f:
        raw = f.read()
    second = raw.index(b'\xc9\xfa\x93\xf9', 30)
    assert bytes(C.__getstate__()['handle']) == raw[24:second]
    for a in (C, R, ARRAYS['Z34']):
        b = pickle.loads(pickle.dumps(a))
        assert type(b) is type(a)
        check(b, describe_like(a))


def describe_like(a):
    """The fixture form of a tfmod array (for round trips)."""
    d = {'stype': a.stype, 'shape': list(a.shape), 'dtype': np.dtype(a.dtype).name,
         'dense': a.asnumpy().tolist(), 'data': a.data.asnumpy().tolist(),
         'indices': a.indices.asnumpy().tolist()}
    if a.stype == 'csr':
        d['indptr'] = a.indptr.asnumpy().tolist()
    return d


@pytest.mark.parametrize('case', FIX['sparse_grads'],
                         ids=['%s-%s-%s' % (c['expr'][:30], c['stype'], c['grad_req'])
                              for c in FIX['sparse_grads']])
def test_row_sparse_gradient(case):
    """attach_grad(stype='row_sparse'): Embedding(sparse_grad=True) / SparseEmbedding store the
    rows their indices touch (zero ones too), other ops' gradients are cast to row_sparse."""
    w = mx.nd.array(np.arange(12, dtype='float32').reshape(6, 2))
    w.attach_grad(grad_req=case['grad_req'], stype=case['stype'])
    env = {'W': w, 'IDX': mx.nd.array([[4, 1], [1, 0]]),
           'H': mx.nd.array([[[1, 0], [0, 0]], [[2, 3], [0, 0]]])}

    def run():
        for _ in range(case['runs']):
            with mx.autograd.record():
                loss = eval(case['expr'], {'mx': mx}, env)   # noqa: S307 -- fixture's own
            loss.backward()
    if 'error' in case:
        with pytest.raises(MXNetError, match='grad_req'):
            run()
        return
    run()
    check(w.grad, case['grad'])


@pytest.mark.parametrize('case', FIX['test_utils'], ids=[c['call'] for c in FIX['test_utils']])
def test_test_utils_generators(case):
    """mx.test_utils' sparse generators: seeded row_sparse and powerlaw csr arrays are MXNet's
    (numpy's global generator, drawn in MXNet's order); uniform csr ones only in kind."""
    import tfmod.test_utils as tu
    np.random.seed(case['seed'])

    def call():
        return eval(case['call'], {'tu': tu, 'np': np})   # noqa: S307 -- fixture's own
    if 'error' in case:
        with pytest.raises(ValueError, match='not supported for this density'):
            call()
    elif 'uniform' in case:
        got = call()
        u = case['uniform']
        assert (got.stype, list(got.shape), np.dtype(got.dtype).name) == \
            (u['stype'], u['shape'], u['dtype'])
        vals = got.data.asnumpy()
        assert 0 < len(vals) < got.size and np.all((vals > 0) & (vals < 0.2))
        got.check_format()
    else:
        check(call(), case['out'])


def test_tostype_copies():
    """tostype always makes a new array, as MXNet's cast_storage does."""
    d = ARRAYS['D34']
    b = d.tostype('default')
    assert b is not d
    b[:] = 5
    assert not np.any(d.asnumpy() == 5)
    assert C.tostype('csr') is not C


def test_shape_mismatch_refused():
    """Operands that do not fit raise MXNetError naming the op (as MXNet's shape checks do),
    never a silently computed result."""
    with pytest.raises(MXNetError, match='dot'):
        mx.nd.dot(C, mx.nd.ones((5, 2)), transpose_a=True)
    with pytest.raises(MXNetError, match='dot'):
        mx.nd.dot(C, ARRAYS['R3'])
    with pytest.raises(MXNetError, match='elemwise_add'):
        mx.nd.elemwise_add(C, mx.nd.sparse.zeros('csr', (2, 4)))
    with pytest.raises(MXNetError, match='elemwise_mul'):
        mx.nd.elemwise_mul(R, mx.nd.ones((4, 2)))
    with pytest.raises(MXNetError, match='add_n'):
        mx.nd.add_n(R, mx.nd.sparse.zeros('row_sparse', (5, 3)))
