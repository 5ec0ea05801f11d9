"""Record MXNet 1.9.1's answers to tests/support/shape_semantics_cases.py (0 = unknown in legacy
shape mode, -1 in np_shape mode; attributes on ops without a parameter struct).

    PY=$(../shared/oracle/setup.sh) && $PY tools/record_shape_semantics.py
"""
import json
import os
import sys
import warnings

import mxnet as mx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tests'))
from support.shape_semantics_cases import CASES  # noqa: E402

out = {}
for name, fn in CASES.items():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        out[name] = {'value': fn(mx), 'warnings': [str(x.message).split('\n')[0] for x in w]}
path = os.path.join(HERE, '..', 'tests', 'fixtures', 'shape_semantics', 'cases.json')
json.dump(out, open(path, 'w'), indent=1, sort_keys=True)
print('%d cases -> %s' % (len(out), path))
