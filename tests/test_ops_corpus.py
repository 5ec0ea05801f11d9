"""Every corpus case whose ops tfmod implements must match MXNet 1.9.1 at the case's tolerance.

Cases whose ops are not implemented yet are not collected here; ``test_corpus_coverage`` keeps
the implemented share from silently shrinking, and README's compatibility table lists the rest.
"""
import json

import pytest

import tfmod as mx
import corpus

CASES = corpus.all_cases()
IMPLEMENTED = [c['case'] for c in CASES if corpus.implemented(c)]


@pytest.mark.parametrize('name', IMPLEMENTED)
def test_case_matches_mxnet(name):
    corpus.run_case(name)


@pytest.mark.parametrize('name', IMPLEMENTED)
def test_symbol_json_round_trip_is_byte_exact(name):
    meta, _ = corpus.load_case(name)
    sym = mx.sym.load_json(meta['symbol'])
    assert sym.tojson() == meta['symbol']
    assert json.loads(sym.tojson()) == json.loads(meta['symbol'])


def test_corpus_coverage():
    # Raise this floor as op families land; it must never go down.
    assert len(IMPLEMENTED) >= 10, len(IMPLEMENTED)
