"""Record MXNet 1.9.1's results for tests/support/contrib_autograd_program.py.

    PY=$(../shared/oracle/setup.sh) && $PY tools/record_contrib_autograd.py
"""
import json
import os
import sys

import mxnet as mx
from mxnet.contrib import autograd as cag

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tests'))
from support.contrib_autograd_program import run  # noqa: E402

path = os.path.join(HERE, '..', 'tests', 'fixtures', 'contrib_autograd', 'mxnet.json')
json.dump(run(mx, cag), open(path, 'w'), indent=1, sort_keys=True)
print('->', path)
