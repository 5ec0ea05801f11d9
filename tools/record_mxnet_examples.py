"""Record MXNet 1.9.1 running programs that follow its own example/ scripts
(image-classification's symbols, train_mnist.py / common/fit.py, fine-tune.py, score.py;
numpy-ops/custom_softmax.py) into tests/fixtures/mxnet_examples/ for
tests/test_mxnet_examples.py; the programs are tests/support/mxnet_example_programs.py.

nets.json.gz holds the networks' symbol JSON as MXNet's example/image-classification/symbols
get_symbol writes it (the scripts are MXNet's, so they are read from an MXNet source tree, not
kept here). Run with the oracle's python:
    git -C MXNET_REPO archive 1.9.0 example/image-classification | tar x -C DIR
    /tmp/mxnet-oracle/bin/python tools/record_mxnet_examples.py \
        DIR/example/image-classification [program ...]
"""
import gzip
import importlib
import json
import os
import sys
import tempfile

import mxnet as mx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tests'))
from support.mxnet_example_programs import NETS, PROGRAMS  # noqa: E402

OUT = os.path.join(HERE, '..', 'tests', 'fixtures', 'mxnet_examples')


def record_nets(example_dir):
    sys.path.insert(0, example_dir)
    nets = {}
    for name, module, kwargs, _ in NETS:
        sym = importlib.import_module('symbols.' + module).get_symbol(**kwargs)
        nets[name] = sym.tojson()
    text = json.dumps(nets, sort_keys=True).encode()
    with open(os.path.join(OUT, 'nets.json.gz'), 'wb') as raw:   # mtime 0: same bytes each run
        with gzip.GzipFile(fileobj=raw, mode='wb', mtime=0, filename='') as f:
            f.write(text)
    return nets


def main(example_dir, names):
    os.makedirs(OUT, exist_ok=True)
    nets = record_nets(example_dir)
    for name in names or sorted(PROGRAMS):
        with tempfile.TemporaryDirectory() as tmp:
            result = PROGRAMS[name](mx, tmp, nets)
        with open(os.path.join(OUT, name + '.json'), 'w') as f:
            json.dump(result, f, sort_keys=True, separators=(',', ':'))
            f.write('\n')
        print(name, 'recorded')


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2:])
