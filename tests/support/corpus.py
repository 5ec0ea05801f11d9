"""Replays the MXNet-recorded operator corpus (tests/fixtures/ops) through tfmod's public API.

The procedure is the one the corpus README gives: load the recorded symbol JSON with
``mx.sym.load_json``, bind it to the recorded inputs, compare inference outputs, then on a fresh
executor the training outputs, the aux states after forward, the gradients after backward and
the aux states after backward.
"""
import json
import os

import numpy as np

import tfmod as mx
from tfmod_converters import registry
from support import TESTS

HERE = os.path.join(TESTS, 'fixtures', 'ops')


def all_cases():
    with open(os.path.join(HERE, 'index.json')) as f:
        return json.load(f)['cases']


def implemented(case):
    return all(registry.get(op) is not None for op in case['ops'])


EXTRA = os.path.join(TESTS, 'fixtures', 'ops_by_family')


def load_case(name, root=None):
    root = root or HERE
    with open(os.path.join(root, name + '.json')) as f:
        meta = json.load(f)
    arrays = dict(np.load(os.path.join(root, name + '.npz')))
    return meta, arrays


def family(name):
    """(folder, case names) of an oracle-recorded family in tests/fixtures/ops_by_family."""
    root = os.path.join(EXTRA, name)
    with open(os.path.join(root, 'index.json')) as f:
        return root, [c['case'] for c in json.load(f)['cases']]


def replay_tests(name):
    """The replay tests of an extra family: values per case, byte-exact JSON once for the family
    (the JSON writer's property is counted once per file kind; a failure names every case)."""
    import pytest
    root, cases = family(name)

    @pytest.mark.parametrize('case', cases)
    def test_case_matches_mxnet(case):
        run_case(case, root)

    def test_symbol_json_round_trip():
        texts = {case: load_case(case, root)[0]['symbol'] for case in cases}
        bad = [c for c, text in texts.items() if mx.sym.load_json(text).tojson() != text]
        assert not bad, bad
    return test_case_matches_mxnet, test_symbol_json_round_trip


def close(actual, expected, meta, what):
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, '%s: shape %s, expected %s' % (
        what, actual.shape, expected.shape)
    if expected.dtype == np.bool_ or actual.dtype == np.bool_:
        np.testing.assert_array_equal(actual, expected, err_msg=what)
        return
    np.testing.assert_allclose(actual.astype(np.float64), expected.astype(np.float64),
                               rtol=meta['rtol'], atol=meta['atol'], equal_nan=True,
                               err_msg=what)


def _bind(sym, meta, arrays):
    args = {n: mx.nd.array(arrays['arg:' + n], dtype=meta['dtypes'][n])
            for n in meta['arg_names']}
    aux = {n: mx.nd.array(arrays['aux:' + n], dtype=meta['dtypes'][n])
           for n in meta['aux_names']}
    grads = {n: mx.nd.zeros(args[n].shape, dtype=meta['dtypes'][n])
             for n in meta['arg_names'] if meta['grad_req'].get(n) == 'write'}
    return sym.bind(mx.cpu(), args, args_grad=grads, grad_req=meta['grad_req'],
                    aux_states=aux)


def run_case(name, root=None):
    meta, arrays = load_case(name, root)
    sym = mx.sym.load_json(meta['symbol'])
    assert sym.list_arguments() == meta['arg_names']
    assert sym.list_auxiliary_states() == meta['aux_names']
    assert sym.list_outputs() == meta['output_names']
    ex = _bind(sym, meta, arrays)
    outs = ex.forward(is_train=False)
    for i, o in enumerate(outs):
        key = 'out:%d' % i
        if key in arrays:
            close(o.asnumpy(), arrays[key], meta, '%s %s' % (name, key))
            assert o.dtype == np.dtype(meta['output_dtypes'][i]), (
                '%s output %d dtype %s, expected %s' % (name, i, o.dtype,
                                                        meta['output_dtypes'][i]))
    if not meta['deterministic']:
        return
    ex = _bind(sym, meta, arrays)
    outs = ex.forward(is_train=True)
    for i, o in enumerate(outs):
        key = 'train_out:%d' % i
        if key in arrays:
            close(o.asnumpy(), arrays[key], meta, '%s %s' % (name, key))
    for n in meta['aux_names']:
        key = 'aux_after_fwd:' + n
        if key in arrays:
            close(ex.aux_dict[n].asnumpy(), arrays[key], meta, '%s %s' % (name, key))
    if not meta['backward_recorded']:
        return
    if meta['loss_op']:
        ex.backward()
    else:
        heads = [mx.nd.array(arrays['head_grad:%d' % i], dtype=meta['output_dtypes'][i])
                 for i in range(len(meta['output_names']))]
        ex.backward(heads)
    for n in meta['grad_names']:
        close(ex.grad_dict[n].asnumpy(), arrays['grad:' + n], meta, '%s grad:%s' % (name, n))
    for n in meta['aux_names']:
        key = 'aux_after:' + n
        if key in arrays:
            close(ex.aux_dict[n].asnumpy(), arrays[key], meta, '%s %s' % (name, key))
