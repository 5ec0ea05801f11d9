"""The last contrib names, against MXNet 1.9.1 (tests/fixtures/contrib_extra/cases.json, recorded
by tools/record_contrib_extra.py): ``getnnz`` on csr arrays, ``mx.sym.contrib.adamw_update`` /
``mp_adamw_update`` (which fail in MXNet), and the GPU-only ``fft`` / ``ifft`` / ``count_sketch``.

MXNet's CPU build refuses to run the GPU-only ops, so their recorded part is what it does on the
CPU -- shape inference and symbol JSON -- and their values are checked against the numpy
formulas MXNet's own GPU tests (tests/python/gpu/test_operator_gpu.py: check_fft, check_ifft,
check_countsketch) assert for its kernels."""
import json
import os

import numpy as np
import pytest

import tfmod as mx

with open(os.path.join(os.path.dirname(__file__), 'fixtures', 'contrib_extra',
                       'cases.json')) as _f:
    REC = json.load(_f)


def _csr():
    c = REC['getnnz']['csr']
    return mx.nd.sparse.csr_matrix((np.array(c['data']), np.array(c['indices']),
                                    np.array(c['indptr'])), shape=tuple(c['shape']))


def test_getnnz_counts_stored_entries():
    g = REC['getnnz']
    for key, kw in (('all', {}), ('axis1', {'axis': 1})):
        out = mx.nd.contrib.getnnz(_csr(), **kw)
        assert out.dtype == np.dtype(g[key]['dtype']) and out.stype == 'default'
        np.testing.assert_array_equal(out.asnumpy(), g[key]['value'])   # explicit zero counted
    empty = mx.nd.contrib.getnnz(mx.nd.sparse.zeros('csr', (2, 3)), axis=1)
    np.testing.assert_array_equal(empty.asnumpy(), g['empty_axis1']['value'])


def test_getnnz_shape_inference():
    for key, kw in (('all', {}), ('axis1', {'axis': 1})):
        sym = mx.sym.contrib.getnnz(mx.sym.var('d'), **kw)
        rec = REC['getnnz']['infer'][key]
        assert list(sym.infer_shape(d=(3, 4))[1][0]) == rec['shape']
        assert np.dtype(sym.infer_type(d='float32')[1][0]).name == rec['dtype']


@pytest.mark.parametrize('key, call, match', [
    ('axis0', lambda: mx.nd.contrib.getnnz(_csr(), axis=0), 'axis=0 is not supported'),
    ('axis_neg', lambda: mx.nd.contrib.getnnz(_csr(), axis=-1), r'unexpected value for axis'),
    ('dense', lambda: mx.nd.contrib.getnnz(mx.nd.ones((2, 3))), 'takes a csr array')])
def test_getnnz_refusals(key, call, match):
    assert REC['getnnz'][key]['type'] == 'MXNetError'
    with pytest.raises(mx.base.MXNetError, match=match):
        call()


@pytest.mark.parametrize('name', ['adamw_update', 'mp_adamw_update'])
def test_sym_adamw_update_fails_as_in_mxnet(name):
    rec = REC['sym_' + name]
    assert rec['type'] == 'MXNetError' and 'Not enough argument to call operator _' + name \
        in rec['message']
    V = mx.sym.var
    args = [V('w'), V('g'), V('m'), V('v')] + ([V('w32')] if name.startswith('mp') else [])
    with pytest.raises(mx.base.MXNetError, match='Not enough argument to call operator _' + name):
        getattr(mx.sym.contrib, name)(*args, 1.0, lr=0.1, eta=1.0)


@pytest.mark.parametrize('name', ['fft', 'ifft', 'count_sketch'])
def test_gpu_only_ops_shapes_and_json(name):
    rec = REC['gpu_only'][name]
    assert 'only available for GPU' in rec['cpu_forward']['message']   # MXNet's CPU build
    sym = mx.sym.load_json(rec['symbol'])
    assert sym.tojson() == rec['symbol']
    for case in rec['infer']:
        _, outs, _ = sym.infer_shape(**{k: tuple(v) for k, v in case['in'].items()})
        assert [list(o) for o in outs] == case['out']


def _interleaved(z):
    out = np.empty(z.shape[:-1] + (2 * z.shape[-1],))
    out[..., 0::2], out[..., 1::2] = z.real, z.imag
    return out


@pytest.mark.parametrize('shape', [(3, 5), (2, 3, 2, 6)])
def test_fft_forward_and_gradient(shape):
    r = np.random.RandomState(0)
    x = r.standard_normal(shape).astype(np.float32)
    head = r.standard_normal(shape[:-1] + (2 * shape[-1],)).astype(np.float32)
    xa = mx.nd.array(x)
    xa.attach_grad()
    with mx.autograd.record():
        y = mx.nd.contrib.fft(xa)
    y.backward(mx.nd.array(head))
    np.testing.assert_allclose(y.asnumpy(), _interleaved(np.fft.fft(x, axis=-1)),
                               rtol=1e-4, atol=1e-4)
    g = head[..., 0::2] + 1j * head[..., 1::2]          # the real part of F^H g
    want = (np.fft.ifft(g, axis=-1) * shape[-1]).real
    np.testing.assert_allclose(xa.grad.asnumpy(), want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('shape', [(3, 10), (2, 1, 3, 8)])
def test_ifft_forward_and_gradient(shape):
    r = np.random.RandomState(1)
    x = r.standard_normal(shape).astype(np.float32)
    d = shape[-1] // 2
    head = r.standard_normal(shape[:-1] + (d,)).astype(np.float32)
    ex = mx.sym.contrib.ifft(mx.sym.var('data')).simple_bind(mx.cpu(), data=shape)
    ex.arg_dict['data'][:] = x
    out = ex.forward(is_train=True)[0].asnumpy()
    z = x[..., 0::2] + 1j * x[..., 1::2]
    np.testing.assert_allclose(out / d, np.fft.ifft(z, axis=-1).real, rtol=1e-4, atol=1e-5)
    ex.backward([mx.nd.array(head)])
    np.testing.assert_allclose(ex.grad_dict['data'].asnumpy(),
                               _interleaved(np.fft.fft(head, axis=-1)), rtol=1e-4, atol=1e-4)


def test_count_sketch_forward_and_gradient():
    r = np.random.RandomState(2)
    n, in_dim, out_dim = 5, 12, 7
    x = r.uniform(-10, 10, (n, in_dim)).astype(np.float32)
    h = r.randint(0, out_dim, (1, in_dim)).astype(np.float32)
    s = (r.randint(0, 2, (1, in_dim)) * 2 - 1).astype(np.float32)
    want = np.zeros((n, out_dim))
    for i in range(in_dim):
        want[:, int(h[0, i])] += s[0, i] * x[:, i]
    head = r.normal(-3, 3, (n, out_dim)).astype(np.float32)
    sym = mx.sym.contrib.count_sketch(mx.sym.var('data'), mx.sym.var('h'), mx.sym.var('s'),
                                      out_dim=out_dim)
    ex = sym.bind(mx.cpu(), {'data': mx.nd.array(x), 'h': mx.nd.array(h), 's': mx.nd.array(s)},
                  args_grad={'data': mx.nd.zeros((n, in_dim))}, grad_req={'data': 'write',
                                                                          'h': 'null',
                                                                          's': 'null'})
    np.testing.assert_allclose(ex.forward(is_train=True)[0].asnumpy(), want, rtol=1e-5,
                               atol=1e-4)
    ex.backward([mx.nd.array(head)])
    np.testing.assert_allclose(ex.grad_dict['data'].asnumpy(),
                               head[:, h[0].astype(int)] * s[0], rtol=1e-5, atol=1e-5)
    x4 = r.standard_normal((2, 3, 2, in_dim)).astype(np.float32)
    out4 = mx.nd.contrib.count_sketch(mx.nd.array(x4), mx.nd.array(h), mx.nd.array(s),
                                      out_dim=out_dim).asnumpy()
    np.testing.assert_allclose(out4.reshape(-1, out_dim),
                               mx.nd.contrib.count_sketch(mx.nd.array(x4.reshape(-1, in_dim)),
                                                          mx.nd.array(h), mx.nd.array(s),
                                                          out_dim=out_dim).asnumpy(),
                               rtol=1e-6)


def test_gpu_only_ops_bad_inputs():
    with pytest.raises(mx.base.MXNetError, match='_contrib_fft: data must be 2-D or 4-D'):
        mx.nd.contrib.fft(mx.nd.ones((2, 3, 4)))
    with pytest.raises(mx.base.MXNetError, match='_contrib_fft: data must be float32'):
        mx.nd.contrib.fft(mx.nd.ones((2, 4), dtype='float64'))
    with pytest.raises(mx.base.MXNetError, match='_contrib_ifft: the last axis .* even'):
        mx.nd.contrib.ifft(mx.nd.ones((2, 5)))
    with pytest.raises(mx.base.MXNetError, match='_contrib_count_sketch: h should be'):
        mx.nd.contrib.count_sketch(mx.nd.ones((2, 4)), mx.nd.ones((1, 3)), mx.nd.ones((1, 4)),
                                   out_dim=3)
