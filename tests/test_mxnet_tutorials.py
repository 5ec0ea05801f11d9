"""MXNet's own Python tutorials (docs/tutorials: basic/ndarray, symbol, module, data,
ndarray_indexing, reshape_transpose; python/linear-regression, mnist, predict_image, kvstore;
sparse/csr, row_sparse, train; nlp/cnn; unsupervised_learning/gan), followed call for call on
small seeded data (tests/support/mxnet_tutorial_programs.py), show what MXNet 1.9.1 showed:
reprs, shapes, dtypes, plots' graphviz source, logged metrics, predictions
(tests/fixtures/mxnet_tutorials/, recorded by tools/record_mxnet_tutorials.py).
``tools/run_mxnet_tutorial.py`` runs the tutorials' own text under both libraries.

predict_image's pixels go through ``mx.image.imresize``, which is one grey level off OpenCV's in
about 10% of the pixels: its outputs are compared to 1e-2."""
import json
import os

import pytest

import tfmod as mx
from conftest import FIXTURES
from support.recorded_json import same
from support.mxnet_tutorial_programs import PROGRAMS

HERE = os.path.join(FIXTURES, 'mxnet_tutorials')
TOLERANCE = {'predict_image': dict(rtol=1e-2, atol=1e-2)}


@pytest.mark.parametrize('name', sorted(PROGRAMS))
def test_tutorial_program(name, tmp_path):
    with open(os.path.join(HERE, name + '.json')) as f:
        want = json.load(f)
    got = json.loads(json.dumps(PROGRAMS[name](mx, str(tmp_path), HERE)))
    same(got, want, name, **TOLERANCE.get(name, dict(rtol=2e-4, atol=1e-5)))
