"""``mx.contrib.autograd`` (MXNet's pre-1.0 autograd API) against MXNet 1.9.1's results for the
same program (support/contrib_autograd_program.py, recorded by tools/record_contrib_autograd.py)."""
import json
import os

import numpy as np

import tfmod as mx
from tfmod.contrib import autograd as cag
from support.contrib_autograd_program import run

WANT = json.load(open(os.path.join(os.path.dirname(__file__), 'fixtures', 'contrib_autograd',
                                   'mxnet.json')))


def _close(got, want, key):
    flat_w = _flat(want)
    if any(isinstance(v, (bool, str)) for v in flat_w):     # flags and messages: exactly
        assert got == want, key
    else:                                                  # gradients and losses
        np.testing.assert_allclose(np.asarray(_flat(got), float), np.asarray(flat_w, float),
                                   rtol=1e-6, err_msg=key)


def _flat(x):
    if isinstance(x, (list, tuple)):
        return [v for e in x for v in _flat(e)]
    return [x]


def test_old_autograd_api_as_mxnet():
    got = json.loads(json.dumps(run(mx, cag)))
    assert sorted(got) == sorted(WANT)
    for key, want in WANT.items():
        _close(got[key], want, key)
    assert not mx.autograd.is_recording() and not mx.autograd.is_training()
