"""MXNet's own Python tutorials (docs/tutorials: basic/ndarray, symbol, module, data,
ndarray_indexing, reshape_transpose; python/linear-regression, mnist, predict_image, kvstore;
sparse/csr, row_sparse, train; nlp/cnn; unsupervised_learning/gan), followed call for call on
small seeded data (tests/support/mxnet_tutorial_programs.py), show what MXNet 1.9.1 showed:
reprs, shapes, dtypes, plots' graphviz source, logged metrics, predictions
(tests/fixtures/mxnet_tutorials/, recorded by tools/record_mxnet_tutorials.py).
``tools/run_mxnet_tutorial.py`` runs the tutorials' own text under both libraries.

predict_image's pixels go through ``mx.image.imresize``, which is one grey level off OpenCV's in
about 10% of the pixels: its outputs are compared to 3e-3 (they differ by 5e-4)."""
import json
import os

import pytest

import tfmod as mx
from conftest import FIXTURES
from support.recorded_json import same
from support.mxnet_tutorial_programs import PROGRAMS

HERE = os.path.join(FIXTURES, 'mxnet_tutorials')
TOLERANCE = {'predict_image': dict(rtol=3e-3, atol=1e-3)}


@pytest.mark.parametrize('name', sorted(PROGRAMS))
def test_tutorial_program(name, tmp_path):
    with open(os.path.join(HERE, name + '.json')) as f:
        want = json.load(f)
    got = json.loads(json.dumps(PROGRAMS[name](mx, str(tmp_path), HERE)))
    same(got, want, name, **TOLERANCE.get(name, dict(rtol=2e-4, atol=1e-5)))


def test_runner_runs_a_tutorial_as_a_notebook(tmp_path):
    """tools/run_mxnet_tutorial.py: a markdown's ```python blocks run in order in one
    namespace with ``mxnet`` as tfmod; a block's last expression is displayed, a plot as its
    graphviz source, log lines and prints are kept, IPython magics dropped, and a block that
    raises is recorded while the next one still runs."""
    import subprocess
    import sys
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
    md = tmp_path / 'demo.md'
    md.write_text('Text.\n\n```python\nimport mxnet as mx\n%matplotlib inline\n'
                  'a = mx.nd.ones((2, 2))\na.shape\n```\n\nMore text.\n\n'
                  '```python\nimport logging\nlogging.getLogger().setLevel(logging.INFO)\n'
                  'logging.info("hello")\nprint(a.sum().asscalar())\n```\n\n'
                  '```python\nmx.nd.ones((2,)) + mx.nd.ones((3,))\n```\n\n'
                  '```python\nx = mx.sym.Variable("x")\nmx.viz.plot_network(x * 2)\n```\n')
    out = tmp_path / 'got.json'
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3',
               PYTHONPATH=os.pathsep.join([root] + [p for p in [os.environ.get('PYTHONPATH')]
                                                    if p]))
    run = subprocess.run([sys.executable, os.path.join(root, 'tools', 'run_mxnet_tutorial.py'),
                          str(md), '-o', str(out)], env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    blocks = json.loads(out.read_text())
    assert [b['out'] for b in blocks[:2]] == ['(2, 2)\n', 'INFO:root:hello\n4.0\n']
    assert blocks[2]['error'].startswith('MXNetError')
    assert blocks[3]['error'] is None and blocks[3]['out'].startswith('digraph plot {')
    assert '_mulscalar0' in blocks[3]['out']
