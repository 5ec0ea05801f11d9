"""MXNet's shape semantics (0 = unknown in legacy mode, -1 in np_shape mode; partly known shapes
completed by inference) and its leniency with attributes on ops without a parameter struct,
against MXNet 1.9.1's answers to the same programs (support/shape_semantics_cases.py, recorded by
tools/record_shape_semantics.py)."""
import json
import os
import warnings

import pytest

import tfmod as mx
from support.shape_semantics_cases import CASES

RECORDED = json.load(open(os.path.join(os.path.dirname(__file__), 'fixtures', 'shape_semantics',
                                       'cases.json')))


def test_every_case_was_recorded():
    assert sorted(RECORDED) == sorted(CASES)


@pytest.mark.parametrize('name', sorted(CASES))
def test_case_as_mxnet(name):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        got = json.loads(json.dumps(CASES[name](mx)))
    want = RECORDED[name]
    if isinstance(want['value'], list) and want['value'][:1] == ['error']:
        # the error MXNet raised is a base of tfmod's (MXNetError is a RuntimeError)
        assert got[0] == 'error' and want['value'][1] in got[2], got
    else:
        assert got == want['value']
    got_warnings = [str(x.message).split('\n')[0] for x in w
                    if 'Cannot decide shape' in str(x.message)]
    assert got_warnings == want['warnings']


def test_np_shape_switch_is_restored():
    assert not mx.util.is_np_shape()
    with mx.util.np_shape(True):
        assert mx.util.is_np_shape()
    assert not mx.util.is_np_shape()
