"""MXNet 1.9.1's own example/ scripts -- image-classification's networks, train_mnist.py through
common/fit.py (and its --load-epoch resume), fine-tune.py, score.py, numpy-ops/custom_softmax.py
-- followed call for call on small seeded data (tests/support/mxnet_example_programs.py)
reproduce MXNet's shapes, outputs, logged metrics, parameters and checkpoint files
(tests/fixtures/mxnet_examples/, recorded by tools/record_mxnet_examples.py). The networks are
the symbol JSON MXNet's get_symbol wrote (nets.json.gz)."""
import gzip
import json
import os

import numpy as np
import pytest

import tfmod as mx
from conftest import FIXTURES
from support.mxnet_example_programs import PROGRAMS

HERE = os.path.join(FIXTURES, 'mxnet_examples')


def same(got, want, path):
    """``got`` equals MXNet's ``want``: numbers to float32 training precision (a step of a
    20-layer net moves a softmax probability of 3e-3 by ~1e-5), the rest exactly."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(want), (path, got, want)
        for k in want:
            same(got[k], want[k], '%s.%s' % (path, k))
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), (path, got, want)
        if want and all(isinstance(w, float) for w in want):
            np.testing.assert_allclose(got, want, rtol=2e-4, atol=5e-5, err_msg=path)
            return
        for i, (g, w) in enumerate(zip(got, want)):
            same(g, w, '%s[%d]' % (path, i))
    elif isinstance(want, float):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=5e-5, err_msg=path)
    else:
        assert got == want, (path, got, want)


@pytest.fixture(scope='module')
def nets():
    with gzip.open(os.path.join(HERE, 'nets.json.gz'), 'rt') as f:
        return json.load(f)


@pytest.mark.parametrize('name', sorted(PROGRAMS))
def test_example_program(name, nets, tmp_path):
    with open(os.path.join(HERE, name + '.json')) as f:
        want = json.load(f)
    got = json.loads(json.dumps(PROGRAMS[name](mx, str(tmp_path), nets)))
    same(got, want, name)


def test_networks_round_trip(nets):
    """Each recorded network loads and is written back byte for byte as MXNet wrote it."""
    for name, text in sorted(nets.items()):
        assert mx.sym.load_json(text).tojson() == text, name
