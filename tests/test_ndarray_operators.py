"""NDArray's Python operators against MXNet 1.9.1 (fixtures/ndarray_operators, recorded by
tools/record_ndarray_operators.py from the cases in ndarray_operator_cases.py): in MXNet each
operator is a registered op (``broadcast_mod``, ``_rmod_scalar``...), and so it is in tfmod, so
``%`` by zero gives 0 as the op does, a number operand takes the array's dtype (``int % 2.5`` is
``int % 2``), integer division by zero gives what MXNet's ``_rdiv_scalar`` gives, and mismatched
dtypes or shapes raise MXNetError."""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from support.ndarray_operator_cases import cases

FIX = os.path.join(os.path.dirname(__file__), 'fixtures', 'ndarray_operators', 'operators.json')
RECORDED = json.load(open(FIX))['cases']
CASES = cases(mx)
_MIN = np.iinfo(np.int32).min
CRASHES = {'i truediv j': [[-3, 0, _MIN], [0, 0, 2]], 'i itruediv j': [[-3, 0, _MIN], [0, 0, 2]],
           'i truediv int(0)': np.full((2, 3), _MIN), 'i itruediv int(0)': np.full((2, 3), _MIN)}


def test_every_case_was_recorded():
    assert sorted(CASES) == sorted(RECORDED)


@pytest.mark.parametrize('name', sorted(RECORDED))
def test_operator_matches_mxnet(name):
    exp = RECORDED[name]
    if 'crash' in exp:
        # MXNet 1.9.1 dies of SIGFPE (integer division by 0); tfmod gives what MXNet's
        # _rdiv_scalar gives by 0 (int32's minimum) and truncates elsewhere
        assert name in CRASHES
        np.testing.assert_array_equal(CASES[name]().asnumpy(), CRASHES[name])
        return
    if 'error' in exp:
        with pytest.raises(Exception) as info:
            CASES[name]()
        assert type(info.value).__name__ == exp['error'], info.value
        return
    got = CASES[name]().asnumpy()
    assert got.dtype.name == exp['dtype']
    assert list(got.shape) == exp['shape']
    want = np.array(exp['values'], dtype=exp['dtype']).reshape(exp['shape'])
    if got.dtype.kind == 'f':
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    else:
        np.testing.assert_array_equal(got, want)
