"""MXNet's op calling conventions in mx.sym / mx.nd, against MXNet 1.9.1.

tests/fixtures/call_conventions/{sym,nd}_cases.json were recorded by
tools/record_call_conventions.py: each Python expression (positional parameters after the inputs,
numpy scalars and dtypes in attributes, fluent methods, MXNet's Python-level functions, the
children and atomic symbols, NDArray-only methods on a Symbol) with the symbol JSON, arrays or
error MXNet gave. topk_mask.json holds MXNet's ``topk(ret_typ='mask')`` outputs, ties included.

Where tfmod's error differs from MXNet's in wording only (MXNet's AssertionError and MXNetError
texts name no op), the error type is checked; TypeError and NotImplementedForSymbol messages are
compared in full.
"""
import json
import os
import sys

import numpy as np
import pytest

import tfmod as mx

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, 'fixtures', 'call_conventions')
sys.path.insert(0, os.path.join(HERE, '..', 'tools'))
from record_call_conventions import env, nd_env, run  # noqa: E402


def _load(name):
    with open(os.path.join(FIX, name)) as f:
        return json.load(f)['data']


SYM = _load('sym_cases.json')
ND = _load('nd_cases.json')
TOPK = _load('topk_mask.json')
_FULL_MESSAGE = ('TypeError', 'NotImplementedForSymbol', 'ValueError')


def _compare(got, want, where):
    if 'error' in want:
        assert 'error' in got, '%s: MXNet raises %s, tfmod gave %s' % (where, want, got)
        assert got['error'] == want['error'], (where, got, want)
        if want['error'] in _FULL_MESSAGE:   # argument types named by their tfmod module
            assert got['message'] == want['message'].replace("'mxnet.", "'tfmod."), where
        return
    assert 'error' not in got, '%s: tfmod raised %s' % (where, got)
    if 'symbol' in want:
        assert got['symbol'] == want['symbol'], where
    elif 'seq' in want:
        assert len(got['seq']) == len(want['seq']), where
        for g, w in zip(got['seq'], want['seq']):
            _compare(g, w, where)
    elif 'shape' in want:
        assert got['shape'] == want['shape'] and got['dtype'] == want['dtype'], (where, got)
        np.testing.assert_allclose(got['values'], want['values'], rtol=1e-5, atol=1e-6,
                                   err_msg=where)
    else:
        assert got == want, where


@pytest.mark.parametrize('expr', sorted(SYM))
def test_symbol_call_matches_mxnet(expr):
    """The symbol (its JSON byte for byte), value or error MXNet 1.9.1 gives."""
    _compare(run(expr, mx, env(mx), True), SYM[expr], expr)


@pytest.mark.parametrize('expr', sorted(ND))
def test_ndarray_call_matches_mxnet(expr):
    """The arrays (shape, dtype, values), value or error MXNet 1.9.1 gives."""
    got = run(expr, mx, nd_env(mx), False)
    _compare(got, ND[expr], expr)


def test_not_implemented_for_symbol_is_an_mxnet_error():
    assert issubclass(mx.base.NotImplementedForSymbol, mx.base.MXNetError)
    with pytest.raises(mx.base.NotImplementedForSymbol):
        if mx.sym.var('a'):
            pass


def test_positional_parameter_and_keyword_give_one_node():
    """``clip(d, -2, 2)`` and ``clip(d, a_min=-2, a_max=2)`` build the same graph."""
    d = mx.sym.var('d')
    with mx.name.NameManager():
        a = mx.sym.clip(d, -2, 2).tojson()
    with mx.name.NameManager():
        b = mx.sym.clip(d, a_min=-2, a_max=2).tojson()
    assert a == b


@pytest.mark.parametrize('i', range(len(TOPK['cases'])))
def test_topk_mask_matches_mxnet(i):
    case = TOPK['cases'][i]
    data = mx.nd.array(np.array(case['data'], dtype=case['dtype']), dtype=case['dtype'])
    got = mx.nd.topk(data, ret_typ='mask', **case['kwargs']).asnumpy()
    assert str(got.dtype) == case['mask_dtype']
    np.testing.assert_array_equal(got, np.array(case['mask']))


def test_topk_mask_over_a_large_flattened_input_is_linear_in_memory():
    """128 x 784 with k = every element: a one-hot per selected element would need
    100352**2 floats (40 GB); the mask is built by scattering. (Which of 100352 equal values
    MXNet picks for k=50000 is std::sort's unspecified tie order; tfmod takes the first ones, so
    only the count is compared here.)"""
    for key, k in (('big_all', 128 * 784), ('big_half', 50000)):
        got = mx.nd.topk(mx.nd.ones((128, 784)), axis=None, ret_typ='mask', k=k).asnumpy()
        want = TOPK[key]
        assert list(got.shape) == want['shape'] and float(got.sum()) == want['sum']


def test_topk_mask_in_a_compiled_graph_matches_mxnet():
    """The mask also lowers inside a bound graph (the recorded tie case along the last axis)."""
    case = TOPK['cases'][0]
    assert case['kwargs'] == {'axis': -1, 'k': 2} and case['dtype'] == 'float32'
    x = np.array(case['data'], dtype=np.float32)
    d = mx.sym.var('d')
    ex = mx.sym.topk(d, ret_typ='mask', **case['kwargs']).simple_bind(mx.cpu(), d=x.shape)
    ex.arg_dict['d'][:] = x
    np.testing.assert_array_equal(ex.forward()[0].asnumpy(), np.array(case['mask']))


POSITIONAL = _load('positional.json')


def test_every_op_takes_mxnets_positional_parameters():
    """For every op name tfmod implements that MXNet generates a function for, the positional
    slots (inputs, then parameters in declared order) are those of MXNet's generated
    ``mx.sym`` function -- or both take ``*data``."""
    from tfmod_converters import registry
    checked, wrong = 0, []
    for called, od in sorted(registry.all_names().items()):
        want = POSITIONAL.get(called)
        if want is None:
            continue
        slots = od.positional_slots()
        got = '*' if slots is None else slots[0] + slots[1] + ['name', 'attr', 'out']
        checked += 1
        if got != want:
            wrong.append((called, got, want))
    assert checked >= 450 and not wrong, wrong[:5]
