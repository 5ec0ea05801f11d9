"""MXNet 1.9.1's own example/ scripts -- image-classification's networks, train_mnist.py through
common/fit.py (and its --load-epoch resume), fine-tune.py, score.py, numpy-ops/custom_softmax.py
-- followed call for call on small seeded data (tests/support/mxnet_example_programs.py)
reproduce MXNet's shapes, outputs, logged metrics, parameters and checkpoint files
(tests/fixtures/mxnet_examples/, recorded by tools/record_mxnet_examples.py). The networks are
the symbol JSON MXNet's get_symbol wrote (nets.json.gz)."""
import gzip
import json
import os

import pytest

import tfmod as mx
from conftest import FIXTURES
from support.recorded_json import same as _same
from support.mxnet_example_programs import PROGRAMS

HERE = os.path.join(FIXTURES, 'mxnet_examples')


def same(got, want, path):
    """``got`` equals MXNet's ``want``: numbers to float32 training precision (a step of a
    20-layer net moves a softmax probability of 3e-3 by ~1e-5), the rest exactly."""
    _same(got, want, path, rtol=2e-4, atol=5e-5)


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


def test_runner_runs_an_unchanged_script(tmp_path):
    """tools/run_mxnet_example.py: ``import mxnet`` and ``mxnet.*`` give tfmod's modules (one
    object under both names), the script runs as __main__ in its own directory; a module tfmod
    lacks is named as MXNet's."""
    import subprocess
    import sys
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
    (tmp_path / 'data.txt').write_text('3')
    (tmp_path / 'ok.py').write_text(
        'import mxnet as mx\nfrom mxnet.io import NDArrayIter\nimport tfmod.io\n'
        'n = int(open("data.txt").read())\n'
        'it = NDArrayIter(mx.nd.ones((n, 2)), batch_size=n)\n'
        'print(__name__, NDArrayIter is tfmod.io.NDArrayIter, next(it).data[0].sum().asscalar())\n')
    # a Gluon-only script: mx.gluon is imported on first use, and a layer tfmod lacks stops the
    # script by name; a module tfmod lacks altogether is named as MXNet's
    (tmp_path / 'bad.py').write_text(
        'import sys\nimport mxnet\nprint("gluon at start-up:", "tfmod.gluon" in sys.modules)\n'
        'try:\n    import mxnet.numpy\nexcept ModuleNotFoundError as e:\n    print(e)\n'
        'from mxnet.gluon import nn\nnet = nn.Dense(3)\n')
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3',
               PYTHONPATH=os.pathsep.join([root] + [p for p in [os.environ.get('PYTHONPATH')]
                                                    if p]))
    tool = os.path.join(root, 'tools', 'run_mxnet_example.py')

    def run(name):
        return subprocess.run([sys.executable, tool, str(tmp_path / name)], env=env,
                              capture_output=True, text=True, timeout=300)
    ok = run('ok.py')
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert ok.stdout.split() == ['__main__', 'True', '6.0']
    bad = run('bad.py')
    assert bad.returncode != 0
    assert 'gluon at start-up: False' in bad.stdout
    assert 'imports mxnet.numpy, which tfmod does not provide' in bad.stdout
    assert 'MXNetError: mx.gluon.nn.Dense is not provided by tfmod' in bad.stderr, bad.stderr
