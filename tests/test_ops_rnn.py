"""RNN / spatial ops beyond the op corpus: LSTMP, use_sequence_length, float64, dropout, errors.

Expected arrays in tests/fixtures/rnn/*.npz were recorded with MXNet 1.9.1 by
tests/fixtures/rnn/gen_rnn.py (see its docstring for how each reference is built).
"""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from conftest import FIXTURES

RNN_DIR = os.path.join(FIXTURES, 'rnn')


def _sym(mode, H, L, bid, so=True, **kw):
    # Inputs by name: positionally, MXNet's RNN(data, parameters, state, state_cell,
    # sequence_length) would take a GRU's sequence_length as its state_cell.
    names = ['data', 'parameters', 'state']
    if mode == 'lstm':
        names.append('state_cell')
    if kw.get('use_sequence_length'):
        names.append('sequence_length')
    inputs = {n: mx.sym.var(n) for n in names}
    return mx.sym.RNN(state_size=H, num_layers=L, mode=mode, bidirectional=bid,
                      state_outputs=so, name='rnn', **inputs, **kw)


def _run(sym, arrays, is_train=False, dtype='float32'):
    args = {k[4:]: mx.nd.array(v, dtype=dtype) for k, v in arrays.items() if k.startswith('arg:')}
    ex = sym.bind(mx.cpu(), args, grad_req='null')
    return [o.asnumpy() for o in ex.forward(is_train=is_train)]


def _check(outs, f, rtol=1e-4, atol=1e-5):
    for i, o in enumerate(outs):
        np.testing.assert_allclose(o, f['out:%d' % i], rtol=rtol, atol=atol,
                                   err_msg='output %d' % i)


@pytest.mark.parametrize('bid', [False, True])
def test_lstm_projection_inference(bid):
    f = np.load(os.path.join(RNN_DIR, 'lstmp_%s.npz' % ('bidir' if bid else 'uni')))
    sym = _sym('lstm', 6, 2, bid, projection_size=3)
    arg_shapes, out_shapes, _ = sym.infer_shape(data=(4, 3, 5))
    assert dict(zip(sym.list_arguments(), arg_shapes))['parameters'] == \
        f['arg:parameters'].shape
    assert out_shapes == [f['out:%d' % i].shape for i in range(3)]
    _check(_run(sym, f), f)


@pytest.mark.parametrize('name,mode,L,bid', [('seqlen_lstm_2l_bidir', 'lstm', 2, True),
                                             ('seqlen_gru_1l_uni', 'gru', 1, False),
                                             ('seqlen_rnn_tanh_1l_bidir', 'rnn_tanh', 1, True)])
def test_use_sequence_length(name, mode, L, bid):
    f = np.load(os.path.join(RNN_DIR, name + '.npz'))
    sym = _sym(mode, 3, L, bid, use_sequence_length=True)
    assert sym.list_arguments()[-1] == 'sequence_length'
    _check(_run(sym, f), f)


def test_float64_native_kernel():
    f = np.load(os.path.join(RNN_DIR, 'f64_gru.npz'))
    sym = _sym('gru', 4, 2, True)
    outs = _run(sym, f, is_train=True, dtype='float64')
    assert outs[0].dtype == np.float64
    _check(outs, f, rtol=1e-7, atol=1e-9)


def _random_args(sym, data_shape, seed=0):
    rs = np.random.RandomState(seed)
    arg_shapes, _, _ = sym.infer_shape(data=data_shape)
    return {'arg:' + n: rs.uniform(-1, 1, s) for n, s in zip(sym.list_arguments(), arg_shapes)}


def test_dropout_only_in_training():
    # MXNet's float32 CPU (oneDNN) kernel ignores p; its GPU and float64 kernels apply it
    # between layers in training. tfmod applies it; inference is unaffected.
    sym = _sym('rnn_tanh', 8, 2, False, p=0.5)
    arrays = _random_args(sym, (3, 4, 5))
    ref = _run(_sym('rnn_tanh', 8, 2, False), arrays)
    np.testing.assert_allclose(_run(sym, arrays)[0], ref[0], rtol=1e-5, atol=1e-6)
    assert np.abs(_run(sym, arrays, is_train=True)[0] - ref[0]).max() > 1e-3


def test_lstm_state_clip():
    # cuDNN-only in MXNet (its CPU build refuses it): the cell state is clipped every step.
    kw = dict(lstm_state_clip_min=-0.2, lstm_state_clip_max=0.3)
    arrays = _random_args(_sym('lstm', 4, 1, False), (5, 2, 3), seed=1)
    arrays['arg:state_cell'] = arrays['arg:state_cell'] * 3
    free = _run(_sym('lstm', 4, 1, False), arrays)
    clipped = _run(_sym('lstm', 4, 1, False, **kw), arrays)
    assert free[2].min() < -0.2 or free[2].max() > 0.3
    assert clipped[2].min() >= -0.2 - 1e-7 and clipped[2].max() <= 0.3 + 1e-7
    wide = _run(_sym('lstm', 4, 1, False, lstm_state_clip_min=-1e3,
                     lstm_state_clip_max=1e3), arrays)
    np.testing.assert_allclose(wide[0], free[0], rtol=1e-6)


def test_rnn_shape_inference_and_outputs():
    sym = _sym('gru', 5, 2, True, so=False)
    assert sym.list_arguments() == ['data', 'parameters', 'state']
    assert sym.list_outputs() == ['rnn_output']
    arg_shapes, out_shapes, _ = sym.infer_shape(data=(7, 2, 3))
    # MXNet 1.9.1: parameters (3*5*2) * ((3+5+2) + (10+5+2)) = 810
    assert arg_shapes == [(7, 2, 3), (810,), (4, 2, 5)]
    assert out_shapes == [(7, 2, 10)]
    lstm = _sym('lstm', 4, 1, False)
    assert lstm.list_outputs() == ['rnn_output', 'rnn_state_output', 'rnn_statecell_output']


@pytest.mark.parametrize('kw,msg', [
    (dict(mode='gru', projection_size=2), 'projection_size'),
    (dict(mode='lstm', lstm_state_clip_min=-1.0), 'together'),
    (dict(mode='rnn_tanh', lstm_state_clip_min=-1.0, lstm_state_clip_max=1.0), 'LSTM'),
    (dict(mode='lstm', p=1.0), 'dropout'),
])
def test_rnn_bad_attrs(kw, msg):
    mode = kw.pop('mode')
    with pytest.raises(mx.base.MXNetError, match=msg):
        sym = _sym(mode, 4, 1, False, **kw)
        sym.infer_shape(data=(3, 2, 3))


def test_rnn_bad_parameter_size():
    sym = _sym('lstm', 4, 1, False)
    with pytest.raises(mx.base.MXNetError, match='parameters'):
        sym.infer_shape(data=(3, 2, 3), parameters=(10,))


# --- spatial ops: tests/fixtures/spatial, recorded by tests/fixtures/spatial/gen_spatial.py ---

SPATIAL_DIR = os.path.join(FIXTURES, 'spatial')
with open(os.path.join(SPATIAL_DIR, 'meta.json')) as _f:
    SPATIAL = json.load(_f)


@pytest.mark.parametrize('name', sorted(SPATIAL))
def test_spatial_edge_cases_match_mxnet(name):
    c = SPATIAL[name]
    f = np.load(os.path.join(SPATIAL_DIR, name + '.npz'))
    dt = c['dtype']
    sym = getattr(mx.sym, c['op'])(*[mx.sym.var(k) for k in c['args']], name='op', **c['attrs'])
    args = {k: mx.nd.array(f['arg:' + k], dtype=dt) for k in c['args']}
    grads = {k: mx.nd.zeros(args[k].shape, dtype=dt) for k in c['grads']}
    req = {k: 'write' if k in c['grads'] else 'null' for k in c['args']}
    ex = sym.bind(mx.cpu(), args, args_grad=grads, grad_req=req)
    tol = dict(rtol=1e-7, atol=1e-9) if dt == 'float64' else dict(rtol=1e-4, atol=1e-5)
    out = ex.forward(is_train=True)[0].asnumpy()
    assert out.dtype == np.dtype(dt)
    np.testing.assert_allclose(out, f['out:0'], err_msg='output', **tol)
    ex.backward([mx.nd.array(f['head:0'], dtype=dt)])
    for k in c['grads']:
        np.testing.assert_allclose(ex.grad_dict[k].asnumpy(), f['grad:' + k],
                                   err_msg='grad ' + k, **tol)
