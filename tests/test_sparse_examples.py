"""MXNet 1.9.1's own example/sparse scripts, followed call for call on small synthetic data
(tests/support/sparse_example_programs.py), reproduce MXNet's losses, metrics, parameters,
checkpoint files and inference accuracy (tests/fixtures/sparse_examples/, recorded by
tools/record_sparse_examples.py).

The evaluation sets are whole batches: MXNet 1.9.1's Module.score counts a padded batch's
wrapped-around rows, which tfmod leaves out (README, deliberate differences), and a LibSVMIter
reset before its first epoch starts wherever MXNet's prefetch thread got to."""
import contextlib
import json
import os

import pytest

import tfmod as mx
from conftest import FIXTURES
from support.recorded_json import same as _same
from support.sparse_example_programs import PROGRAMS


def same(got, want, path):
    """``got`` equals MXNet's ``want``: numbers to float32 training precision, the rest exactly."""
    _same(got, want, path, rtol=1e-4, atol=1e-5)


NO_STORE = {'mf_sparse', 'mf_dense', 'linear_adagrad', 'linear_ftrl'}


@pytest.mark.parametrize('name', sorted(PROGRAMS))
def test_example_program(name, tmp_path):
    with open(os.path.join(FIXTURES, 'sparse_examples', name + '.json')) as f:
        want = json.load(f)
    # prepare() without a kvstore that updates (matrix_factorization, linear_classification's
    # default): MXNet warns too
    warns = pytest.warns(UserWarning, match='not updated in the KVStore') \
        if name in NO_STORE else contextlib.nullcontext()
    with warns:
        got = json.loads(json.dumps(PROGRAMS[name](mx, str(tmp_path))))
    same(got, want, name)
