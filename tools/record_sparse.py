"""Record MXNet 1.9.1's sparse NDArrays and sparse ops for tests/test_sparse.py.

Run with the oracle's python (MXNet 1.9.1):
    /tmp/mxnet-oracle/bin/python tools/record_sparse.py tests/fixtures/sparse
Writes ``ops.json`` (each case: the op, its inputs by name, its attributes, MXNet's output
storage type, dense value and sparse structure -- or the error MXNet raised) and ``*.nd`` files
that MXNet's ``mx.nd.save`` wrote with sparse arrays.
"""
import json
import os
import sys

import mxnet as mx
import numpy as np


def _arrays():
    """Named inputs: csr/row_sparse/dense arrays with empty rows, explicit zeros and negatives."""
    c = mx.nd.sparse.csr_matrix((np.array([1., -2, 3, 0.5], 'float32'), np.array([0, 2, 1, 3]),
                                 np.array([0, 2, 2, 4])), shape=(3, 4))
    c2 = mx.nd.sparse.csr_matrix((np.array([4., 5, -1], 'float32'), np.array([2, 3, 0]),
                                  np.array([0, 1, 1, 3])), shape=(3, 4))
    r = mx.nd.sparse.row_sparse_array((np.array([[1., -2, 3], [0.5, 0, -4]], 'float32'),
                                       np.array([0, 2])), shape=(4, 3))
    r2 = mx.nd.sparse.row_sparse_array((np.array([[2., 1, 1], [-1, 3, 2]], 'float32'),
                                        np.array([2, 3])), shape=(4, 3))
    rng = np.random.RandomState(0)
    d = lambda *s: mx.nd.array(rng.uniform(-2, 2, s).round(2).astype('float32'))
    return {'C': c, 'C2': c2, 'R': r, 'R2': r2, 'D34': d(3, 4), 'D43': d(4, 3), 'D33': d(3, 3),
            'D44': d(4, 4), 'D32': d(3, 2), 'D42': d(4, 2), 'RD44': r.tostype('default')[:]
            if False else d(4, 4).tostype('row_sparse'), 'CD34': d(3, 4).tostype('csr'),
            'Z34': mx.nd.sparse.zeros('csr', (3, 4)), 'ZR43': mx.nd.sparse.zeros('row_sparse',
                                                                                (4, 3)),
            'IDX': mx.nd.array([0, 3], dtype='int64'), 'IDX2': mx.nd.array([1, 2, 3]),
            'R3': mx.nd.sparse.row_sparse_array((np.array([[1., 2], [3, -1]], 'float32'),
                                                 np.array([0, 2])), shape=(3, 2)),
            'D23': d(2, 3), 'DZ33': mx.nd.array([[1., 2, 0], [0, 0, 0], [0, 0, 3]]),
            'V14': d(1, 4), 'V31': d(3, 1)}


# (function path under mx.nd, input names, attributes)
CASES = [
    ('cast_storage', ['D34'], {'stype': 'csr'}),
    ('cast_storage', ['D43'], {'stype': 'row_sparse'}),
    ('cast_storage', ['C'], {'stype': 'default'}),
    ('cast_storage', ['R'], {'stype': 'default'}),
    ('cast_storage', ['C'], {'stype': 'row_sparse'}),
    ('cast_storage', ['R'], {'stype': 'csr'}),
    ('dot', ['C', 'D43'], {}),
    ('dot', ['C', 'D32'], {'transpose_a': True}),
    ('dot', ['C', 'D34'], {'transpose_b': True}),
    ('dot', ['C', 'R'], {}),
    ('dot', ['C', 'R2'], {}),
    ('dot', ['C', 'D32'], {'transpose_a': True, 'forward_stype': 'default'}),
    ('dot', ['D34', 'R'], {}),
    ('dot', ['D33', 'C'], {}),
    ('dot', ['D44', 'C'], {'transpose_b': True}),
    ('dot', ['R', 'D33'], {}),
    ('dot', ['R', 'D44'], {'transpose_a': True}),
    ('dot', ['D43', 'C'], {'transpose_a': True, 'transpose_b': True}),
    ('dot', ['Z34', 'D43'], {}),
    ('dot', ['C', 'R3'], {'transpose_a': True}),
    ('dot', ['C', 'D23'], {'transpose_a': True, 'transpose_b': True}),
    ('dot', ['DZ33', 'C'], {}),
    ('dot', ['D34', 'R'], {'transpose_b': False, 'forward_stype': 'row_sparse'}),
    ('broadcast_mul', ['C', 'V14'], {}),
    ('broadcast_mul', ['C', 'V31'], {}),
    ('broadcast_div', ['C', 'V14'], {}),
    ('broadcast_div', ['C', 'D34'], {}),
    ('broadcast_mul', ['D34', 'C'], {}),
    ('concat', ['C', 'C2'], {'dim': 1}),
    ('_internal._square_sum', ['C'], {'axis': 1}),
    ('_internal._square_sum', ['D43'], {'axis': 1}),
    ('sum', ['C'], {'axis': -1}),
    ('mean', ['C'], {'axis': 0, 'keepdims': True}),
    ('mean', ['C'], {}),
    ('sparse.elemwise_add', ['C', 'CD34'], {}),
    ('sparse.dot', ['CD34', 'D43'], {}),
    ('sparse.add_n', ['R', 'R2'], {}),
    ('dot', ['Z34', 'D32'], {'transpose_a': True}),
    ('elemwise_add', ['C', 'C2'], {}),
    ('elemwise_sub', ['C', 'C2'], {}),
    ('elemwise_sub', ['C', 'C'], {}),
    ('elemwise_mul', ['C', 'C2'], {}),
    ('elemwise_add', ['R', 'R2'], {}),
    ('elemwise_sub', ['R', 'R2'], {}),
    ('elemwise_mul', ['R', 'R2'], {}),
    ('elemwise_add', ['R', 'D43'], {}),
    ('elemwise_add', ['D43', 'R'], {}),
    ('elemwise_add', ['C', 'D34'], {}),
    ('elemwise_sub', ['D34', 'C'], {}),
    ('elemwise_mul', ['R', 'D43'], {}),
    ('elemwise_mul', ['D43', 'R'], {}),
    ('elemwise_mul', ['C', 'D34'], {}),
    ('elemwise_mul', ['D34', 'C'], {}),
    ('elemwise_div', ['C', 'D34'], {}),
    ('elemwise_add', ['R', 'ZR43'], {}),
    ('add_n', ['R', 'R2'], {}),
    ('add_n', ['R', 'R2', 'ZR43'], {}),
    ('add_n', ['C', 'C2'], {}),
    ('add_n', ['R', 'D43'], {}),
    ('add_n', ['D43', 'R', 'R2'], {}),
    ('_internal._square_sum', ['R'], {'axis': 1}),
    ('_internal._square_sum', ['R'], {'axis': 1, 'keepdims': True}),
    ('_internal._square_sum', ['R'], {'axis': 0}),
    ('_internal._square_sum', ['R'], {'axis': 0, 'keepdims': True}),
    ('_internal._square_sum', ['R'], {}),
    ('sum', ['C'], {'axis': 0}),
    ('sum', ['C'], {'axis': 1}),
    ('sum', ['C'], {'axis': 1, 'keepdims': True}),
    ('sum', ['C'], {}),
    ('mean', ['C'], {'axis': 0}),
    ('mean', ['C'], {'axis': 1}),
    ('sum', ['R'], {'axis': 0}),
    ('mean', ['R'], {'axis': 1}),
    ('sparse.retain', ['R', 'IDX'], {}),
    ('sparse.retain', ['R', 'IDX2'], {}),
    ('sparse.retain', ['RD44', 'IDX'], {}),
    ('zeros_like', ['C'], {}),
    ('zeros_like', ['R'], {}),
    ('where', ['C', 'D34', 'CD34'], {}),
    ('clip', ['C'], {'a_min': -1, 'a_max': 2}),
    ('clip', ['R'], {'a_min': -1, 'a_max': 2}),
    ('_internal._mul_scalar', ['C'], {'scalar': 2.5}),
    ('_internal._mul_scalar', ['R'], {'scalar': -2}),
    ('_internal._div_scalar', ['R'], {'scalar': 2}),
    ('_internal._plus_scalar', ['C'], {'scalar': 1}),
    ('_internal._plus_scalar', ['R'], {'scalar': 1}),
    ('broadcast_mul', ['C', 'D34'], {}),
    ('broadcast_add', ['C', 'D34'], {}),
    ('concat', ['C', 'C2'], {'dim': 0}),
    ('stop_gradient', ['C'], {}),
    ('norm', ['C'], {}),
    ('norm', ['R'], {}),
    ('slice', ['C'], {'begin': (1,), 'end': (3,)}),
    ('slice', ['C'], {'begin': (0, 1), 'end': (2, 3)}),
    ('exp', ['C'], {}),
    ('cos', ['R'], {}),
    ('transpose', ['C'], {}),
]
UNARY = ['abs', 'sign', 'relu', 'sqrt', 'square', 'negative', 'sin', 'tan', 'tanh', 'sinh',
         'arcsin', 'arctan', 'arcsinh', 'arctanh', 'floor', 'ceil', 'rint', 'round', 'trunc',
         'fix', 'expm1', 'log1p', 'degrees', 'radians', 'sigmoid', 'cbrt', 'rsqrt', 'log',
         'gammaln', 'cosh', 'arccos', 'arccosh', 'log2', 'log10', 'gamma']
for _u in UNARY:
    CASES.append((_u, ['C'], {}))
    CASES.append((_u, ['R'], {}))


# Python operators and MXNet's sparse arithmetic functions on the arrays above
EXPRS = ['C + C2', 'C - C2', 'C * C2', 'C / D34', 'C + 1', 'C * 2.5', '2.5 * C', 'C / 2', '-C',
         'R + R2', 'R - R2', 'R * R2', 'R * 3', 'R / 2', '1 - C', 'C + D34', 'D34 + C',
         'D43 * R', 'C * D34', 'abs(C)', 'abs(R)', 'C - 2', 'R + D43', 'C.tostype("csr")',
         'R.tostype("row_sparse")', 'C.tostype("default")', 'mx.nd.sparse.add(C, D34)',
         'mx.nd.sparse.multiply(R, D43)', 'mx.nd.sparse.subtract(R, R2)',
         'mx.nd.sparse.divide(C, 4)', 'C.sum(axis=1)', 'C.abs()', 'R.square()',
         'C.astype("float64")',
         'C.copy()', 'R.copy()']


def describe(a):
    """An array as JSON: its storage type, dense value, dtype and sparse structure."""
    out = {'stype': a.stype, 'shape': list(a.shape), 'dtype': np.dtype(a.dtype).name,
           'dense': _tolist(a.tostype('default').asnumpy())}
    if a.stype == 'csr':
        # MXNet's csr results may hold unused (uninitialised) storage past indptr[-1]
        indptr = a.indptr.asnumpy()
        nnz = int(indptr[-1])
        out.update(indptr=indptr.tolist(), indices=a.indices.asnumpy()[:nnz].tolist(),
                   data=_tolist(a.data.asnumpy()[:nnz]))
    elif a.stype == 'row_sparse':
        out.update(indices=a.indices.asnumpy().tolist(), data=_tolist(a.data.asnumpy()))
    return out


def _tolist(a):
    """Floats as JSON can hold them (nan/inf as strings)."""
    a = np.asarray(a, dtype=np.float64) if a.dtype.kind == 'f' else a
    return [_tolist(x) for x in a] if a.ndim else (
        repr(float(a)) if a.dtype.kind == 'f' and not np.isfinite(a) else a.item())


def _fn(path):
    obj = mx.nd
    for part in path.split('.'):
        obj = getattr(obj, part)
    return obj


def record_ops(arrays):
    cases = []
    for path, names, attrs in CASES:
        case = {'op': path, 'inputs': names, 'attrs': {k: list(v) if isinstance(v, tuple) else v
                                                       for k, v in attrs.items()}}
        try:
            res = _fn(path)(*[arrays[n] for n in names], **attrs)
            res.wait_to_read()
            case['out'] = describe(res)
        except mx.base.MXNetError as e:
            case['error'] = _message(e)
        cases.append(case)
    return cases


def _message(e):
    """The line of an MXNet error that says what went wrong."""
    lines = [ln for ln in str(e).split('\n') if ln.strip() and not ln.startswith(' ')
             and 'Traceback' not in ln and not ln.startswith('[bt]')]
    return (lines[-1] if lines else str(e))[:200]


def record_exprs(arrays):
    out = []
    for expr in EXPRS:
        case = {'expr': expr}
        try:
            res = eval(expr, {'mx': mx}, dict(arrays))   # noqa: S307 -- our own expressions
            res.wait_to_read()
            case['out'] = describe(res)
        except mx.base.MXNetError as e:
            case['error'] = _message(e)
        out.append(case)
    return out


def record_methods(arrays):
    """Array methods and properties: slicing csr by rows, copyto, retain, tostype."""
    c, r = arrays['C'], arrays['R']
    out = {}
    out['C[1:3]'] = describe(c[1:3])
    out['C[1]'] = describe(c[1])
    out['C[0:2]'] = describe(c[0:2])
    out['C[2:]'] = describe(c[2:])
    # MXNet 1.9.1's RowSparseNDArray.retain forgets to pass the array itself (it returns what
    # retain(indices) does), so the function is recorded, which tfmod's method matches
    out['R.retain([2,3])'] = describe(mx.nd.sparse.retain(r, mx.nd.array([2, 3], dtype='int64')))
    out['C.copyto(cpu)'] = describe(c.copyto(mx.cpu()))
    out['R.copyto(cpu)'] = describe(r.copyto(mx.cpu()))
    dst = mx.nd.sparse.zeros('row_sparse', (4, 3))
    r.copyto(dst)
    out['R.copyto(rsp)'] = describe(dst)
    dst = mx.nd.zeros((3, 4))
    c.copyto(dst)
    out['C.copyto(dense)'] = describe(dst)
    out['zeros(stype=csr)'] = describe(mx.nd.zeros((2, 3), stype='csr'))
    out['zeros(stype=row_sparse,float64)'] = describe(mx.nd.zeros((2, 3), stype='row_sparse',
                                                                  dtype='float64'))
    out['D34.tostype(csr)'] = describe(arrays['D34'].tostype('csr'))
    out['csr from dense numpy'] = describe(mx.nd.sparse.csr_matrix(
        np.array([[0, 1.5, 0], [0, 0, 0], [2, 0, -1]], 'float32')))
    out['rsp from dense numpy'] = describe(mx.nd.sparse.row_sparse_array(
        np.array([[0, 0], [1, 2], [0, 0]], 'float32')))
    out['csr int dtype'] = describe(mx.nd.sparse.csr_matrix(
        (np.array([3, 1]), np.array([0, 1]), np.array([0, 1, 2])), shape=(2, 2), dtype='int32'))
    out['csr default dtype'] = describe(mx.nd.sparse.csr_matrix(
        (np.array([3, 1]), np.array([0, 1]), np.array([0, 1, 2])), shape=(2, 2)))
    out['rsp from (data, indices) float64'] = describe(mx.nd.sparse.row_sparse_array(
        (np.array([[1., 2]]), np.array([1])), shape=(3, 2)))
    out['rsp 3-d'] = describe(mx.nd.sparse.row_sparse_array(
        (np.arange(8, dtype='float32').reshape(2, 2, 2), np.array([0, 2])), shape=(3, 2, 2)))
    out['rsp from (shape)'] = describe(mx.nd.sparse.row_sparse_array((2, 5)))
    out['csr from (shape)'] = describe(mx.nd.sparse.csr_matrix((2, 5)))
    out['sparse.array(csr)'] = describe(mx.nd.sparse.array(c))
    out['C.indices dtype'] = np.dtype(c.indices.dtype).name
    out['C.indptr dtype'] = np.dtype(c.indptr.dtype).name
    out['R.indices dtype'] = np.dtype(r.indices.dtype).name
    return out


def record_errors(arrays):
    """Bad input MXNet refuses, with the error type it raises."""
    c, r = arrays['C'], arrays['R']
    out = {}
    tries = {
        'C[1:3:2]': lambda: c[1:3:2],
        'C[0,1]': lambda: c[(0, 1)],
        'R[1:2]': lambda: r[1:2],
        'csr shape mismatch': lambda: mx.nd.sparse.csr_matrix(
            (np.array([1.]), np.array([5]), np.array([0, 1])), shape=(1, 3)).asnumpy(),
        'zeros bad stype': lambda: mx.nd.sparse.zeros('foo', (2, 2)),
        'retain(C)': lambda: mx.nd.sparse.retain(c, mx.nd.array([0])).wait_to_read(),
        'C.tostype(bad)': lambda: c.tostype('dense'),
        'C.check_format()': lambda: c.check_format(),
        'R.check_format()': lambda: r.check_format(),
        'unsorted csr check_format()': lambda: mx.nd.sparse.csr_matrix(
            (np.array([1., 2]), np.array([2, 0]), np.array([0, 2])), shape=(1, 3)).check_format(),
        'unsorted csr check_format(False)': lambda: mx.nd.sparse.csr_matrix(
            (np.array([1., 2]), np.array([2, 0]), np.array([0, 2])), shape=(1, 3)).check_format(
                full_check=False),
    }
    for k, f in tries.items():
        try:
            f()
            out[k] = None
        except Exception as e:   # noqa: BLE001 -- recording which type MXNet raises
            out[k] = type(e).__name__
    return out


# autograd through sparse-fed ops into dense variables: (expression of y, variable names)
GRADS = [('mx.nd.dot(C, W43)', ['W43']),
         ('mx.nd.dot(C, W32, transpose_a=True)', ['W32']),
         ('mx.nd.sparse.elemwise_mul(C, W34)', ['W34']),
         ('mx.nd.dot(W33, C)', ['W33']),
         ('mx.nd.elemwise_add(R, W43)', ['W43'])]


# MXNet's loss ops on sparse-fed outputs: backward() from the loss output itself
LOSS_GRADS = [('mx.nd.LinearRegressionOutput(mx.nd.dot(C, W43), L33)', ['W43']),
              ('mx.nd.LogisticRegressionOutput(mx.nd.dot(C, W43), L33)', ['W43']),
              ('mx.nd.MAERegressionOutput(mx.nd.sparse.dot(C, W43), L33)', ['W43']),
              ('mx.nd.LinearRegressionOutput(mx.nd.dot(C, W32, transpose_a=True)'
               '.tostype("default"), L42)', ['W32'])]


def record_grads(arrays, exprs=None, loss=False):
    """Gradients of sum(y * y) (y made dense first) into dense variables attached with
    attach_grad: their values and storage type."""
    rng = np.random.RandomState(1)
    out = []
    labels = {'L33': mx.nd.array(rng.uniform(0, 1, (3, 3)).round(2).astype('float32')),
              'L42': mx.nd.array(rng.uniform(0, 1, (4, 2)).round(2).astype('float32'))}
    for expr, names in exprs or GRADS:
        ws = {n: mx.nd.array(rng.uniform(-1, 1, (int(n[1]), int(n[2]))).round(2)
                             .astype('float32')) for n in names}
        for w in ws.values():
            w.attach_grad()
        env = dict(arrays, **ws, **labels)
        case = {'expr': expr, 'vars': {n: describe(w) for n, w in ws.items()},
                'labels': {n: describe(v) for n, v in labels.items()}}
        try:
            with mx.autograd.record():
                y = eval(expr, {'mx': mx}, env).tostype('default')   # noqa: S307
                head = y if loss else (y * y).sum()
            head.backward()
            case['y'] = describe(y)
            case['grads'] = {n: describe(w.grad) for n, w in ws.items()}
        except mx.base.MXNetError as e:
            case['error'] = _message(e)
        out.append(case)
    return out


# row_sparse gradients: (loss expression over W and IDX, W's grad stype, grad_req, backward runs)
SPARSE_GRADS = [
    ('(mx.nd.Embedding(IDX, W, input_dim=6, output_dim=2, sparse_grad=True) * H).sum()',
     'row_sparse', 'write', 1),
    ('(mx.nd.contrib.SparseEmbedding(IDX, W, input_dim=6, output_dim=2) * H).sum()',
     'row_sparse', 'write', 1),
    ('(mx.nd.Embedding(IDX, W, input_dim=6, output_dim=2, sparse_grad=True) * H).sum()',
     'row_sparse', 'add', 2),
    ('(mx.nd.Embedding(IDX, W, input_dim=6, output_dim=2) * H).sum()', 'default', 'write', 1),
    ('mx.nd.dot(mx.nd.ones((2, 6)), W).sum()', 'row_sparse', 'write', 1),
]


def record_sparse_grads():
    """The gradient arrays MXNet fills (storage type, stored rows, values)."""
    out = []
    for expr, stype, req, runs in SPARSE_GRADS:
        w = mx.nd.array(np.arange(12, dtype='float32').reshape(6, 2))
        w.attach_grad(grad_req=req, stype=stype)
        env = {'W': w, 'IDX': mx.nd.array([[4, 1], [1, 0]]),
               'H': mx.nd.array([[[1, 0], [0, 0]], [[2, 3], [0, 0]]])}
        case = {'expr': expr, 'stype': stype, 'grad_req': req, 'runs': runs}
        try:
            for _ in range(runs):
                with mx.autograd.record():
                    loss = eval(expr, {'mx': mx}, env)   # noqa: S307 -- our own expressions
                loss.backward()
            case['grad'] = describe(w.grad)
        except mx.base.MXNetError as e:
            case['error'] = _message(e)
        out.append(case)
    return out


# mx.test_utils' sparse generators after np.random.seed(seed): (seed, call)
TEST_UTILS = [
    (3, "tu.rand_sparse_ndarray((6, 3), 'row_sparse', density=0.5)[0]"),
    (4, "tu.rand_ndarray((5, 4), 'row_sparse')"),
    (5, "tu.rand_sparse_ndarray((5, 16), 'csr', density=0.5, distribution='powerlaw')[0]"),
    (5, "tu.rand_ndarray((4, 3), 'csr', density=0.7, distribution='powerlaw', dtype='float64')"),
    (6, "tu.create_sparse_array((6, 2), 'row_sparse', rsp_indices=[4, 1], data_init=2.0)"),
    (7, "tu.create_sparse_array_zd((6, 2), 'row_sparse', density=0.3, rsp_indices=[0, 5])"),
    (8, "tu.rand_sparse_ndarray((6, 3), 'row_sparse', density=0.0)[0]"),
    (9, "tu.rand_sparse_ndarray((6, 3), 'row_sparse', density=0.5, "
        "modifier_func=lambda v: v * 10)[0]"),
    (1, "tu.rand_sparse_ndarray((3, 4), 'csr', density=0.1, distribution='powerlaw')[0]"),
]


def record_test_utils():
    import mxnet.test_utils as tu
    out = []
    for seed, call in TEST_UTILS:
        np.random.seed(seed)
        case = {'seed': seed, 'call': call}
        try:
            case['out'] = describe(eval(call, {'tu': tu, 'np': np}))   # noqa: S307
        except ValueError as e:
            case['error'] = str(e)
        out.append(case)
    np.random.seed(10)
    u = tu.rand_ndarray((20, 30), 'csr', density=0.2)
    out.append({'seed': 10, 'call': "tu.rand_ndarray((20, 30), 'csr', density=0.2)",
                'uniform': {'stype': u.stype, 'shape': list(u.shape),
                            'dtype': np.dtype(u.dtype).name}})
    return out


def record_files(arrays, folder):
    c, r = arrays['C'], arrays['R']
    files = {
        'csr_rsp_list.nd': [c, r],
        'named.nd': {'c': c, 'r': r, 'd': arrays['D43'], 'zc': arrays['Z34'],
                     'zr': arrays['ZR43']},
        'float64_int.nd': [mx.nd.sparse.csr_matrix(
            (np.array([1.5, 2.5]), np.array([1, 0]), np.array([0, 1, 2])), shape=(2, 3),
            dtype='float64'),
            mx.nd.sparse.row_sparse_array((np.array([[7, 8]], 'int32'), np.array([1])),
                                          shape=(3, 2), dtype='int32')],
    }
    listing = {}
    for name, content in files.items():
        mx.nd.save(os.path.join(folder, name), content)
        if isinstance(content, dict):
            listing[name] = {k: describe(v) for k, v in content.items()}
        else:
            listing[name] = [describe(v) for v in content]
    return listing


def main(folder):
    os.makedirs(folder, exist_ok=True)
    arrays = _arrays()
    out = {'mxnet': mx.__version__,
           'arrays': {k: describe(v) for k, v in arrays.items()},
           'cases': record_ops(arrays),
           'methods': record_methods(arrays),
           'exprs': record_exprs(arrays),
           'grads': record_grads(arrays),
           'loss_grads': record_grads(arrays, LOSS_GRADS, loss=True),
           'sparse_grads': record_sparse_grads(),
           'test_utils': record_test_utils(),
           'errors': record_errors(arrays),
           'files': record_files(arrays, folder),
           'dir_sparse': sorted(n for n in dir(mx.nd.sparse) if not n.startswith('_'))}
    with open(os.path.join(folder, 'ops.json'), 'w') as f:
        json.dump(out, f, indent=None, separators=(',', ':'), sort_keys=True)
        f.write('\n')


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), '..', 'tests', 'fixtures', 'sparse'))
