"""Control flow against MXNet 1.9.1: the ``_foreach`` cases recorded by
tools/oracle_ops/control_flow.py (tests/fixtures/ops_by_family/control_flow) replay through
tests/support/corpus.py; ``_while_loop`` and ``_cond`` below."""
import json
import os
import re

import numpy as np
import pytest

import tfmod as mx
from support import corpus

HERE, CASES = corpus.family('control_flow')
test_case_matches_mxnet, test_symbol_json_round_trip = corpus.replay_tests('control_flow')


# _while_loop and _cond: MXNet learns their output shapes only when it runs, so the corpus
# generator cannot record them; tests/fixtures/control_flow_dynamic/gen_control_flow.py binds
# given inputs and records outputs and gradients (head gradients of ones) instead.
DYN = os.path.join(os.path.dirname(__file__), 'fixtures', 'control_flow_dynamic')
with open(os.path.join(DYN, 'cases.json')) as _f:
    DYN_CASES = json.load(_f)['cases']
DYN_ARRAYS = np.load(os.path.join(DYN, 'cases.npz'))


def _stacked_rows(case):
    """{output index: valid rows} for a while_loop's stacked outputs (MXNet leaves the rows
    past the steps it ran uninitialised)."""
    if case['valid_rows'] is None:
        return {}
    node = [n for n in json.loads(case['symbol'])['nodes'] if n['op'] == '_while_loop'][0]
    return {i: case['valid_rows'] for i in range(int(node['attrs']['num_out_data']))}


def _check_dynamic(sym, case):
    name = case['case']
    rows = _stacked_rows(case)
    args = {k: mx.nd.array(DYN_ARRAYS['%s/arg:%s' % (name, k)]) for k in case['args']}
    grads = {k: mx.nd.zeros(a.shape) for k, a in args.items()}
    reqs = {k: 'null' if k in case['no_grad'] else 'write' for k in args}
    ex = sym.bind(mx.cpu(), args, args_grad=grads, grad_req=reqs)

    def compare(outs, kind):
        for i, o in enumerate(outs):
            got, want = o.asnumpy(), DYN_ARRAYS['%s/%s:%d' % (name, kind, i)]
            if i in rows:
                assert not got[rows[i]:].any()          # tfmod pads with zeros
                got, want = got[:rows[i]], want[:rows[i]]
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6,
                                       err_msg='%s %s %d' % (name, kind, i))
    compare(ex.forward(is_train=False), 'out')
    touts = ex.forward(is_train=True)
    compare(touts, 'train_out')
    ex.backward([mx.nd.ones(o.shape) for o in touts])
    for k in args:
        if k not in case['no_grad']:
            np.testing.assert_allclose(grads[k].asnumpy(), DYN_ARRAYS['%s/grad:%s' % (name, k)],
                                       rtol=1e-5, atol=1e-6, err_msg='%s grad %s' % (name, k))


@pytest.mark.parametrize('case', DYN_CASES, ids=[c['case'] for c in DYN_CASES])
def test_dynamic_control_flow_matches_mxnet(case):
    sym = mx.sym.load_json(case['symbol'])
    assert sym.tojson() == case['symbol']
    _check_dynamic(sym, case)


@pytest.mark.parametrize('case', DYN_CASES, ids=[c['case'] for c in DYN_CASES])
def test_sym_contrib_while_loop_and_cond_build_mxnets_graph(case, monkeypatch):
    # the builders MXNet ran (tests/fixtures/control_flow_dynamic/builders.py), now with tfmod:
    # the same JSON, byte for byte, and the same numbers. Subgraph counters start where the
    # recording process had them.
    import sys
    from tfmod.symbol import control_flow
    sys.path.insert(0, DYN)
    try:
        from builders import builders
    finally:
        sys.path.remove(DYN)
    counts = {}
    for base, n in re.findall(r'"__subgraph_name__": "([a-z_]+?)(\d+)"', case['symbol']):
        counts[base] = min(counts.get(base, int(n)), int(n))
    monkeypatch.setattr(control_flow, '_SUBGRAPH_COUNTS', counts)
    with mx.name.NameManager():
        sym = builders(mx)[case['case']]()
    assert sym.tojson() == case['symbol']
    _check_dynamic(sym, case)


def test_nd_contrib_control_flow_as_in_mxnet():
    # MXNet 1.9.1's imperative forms, same calls: while_loop rows [3, 3, 5] / [2.5, 2.5, 3.5]
    # (padded to 5 rows), final vars 3 and 4.5; foreach outputs and final state; cond's else
    outs, (i, s) = mx.nd.contrib.while_loop(
        lambda i, s: i < 3, lambda i, s: ([s * 2, [s + 1]], [i + 1, s + i]),
        [mx.nd.array([0.]), mx.nd.array([1.5])], max_iterations=5)
    assert outs[0].shape == (5, 1) and outs[1][0].shape == (5, 1)
    assert outs[0].asnumpy()[:3].ravel().tolist() == [3.0, 3.0, 5.0]
    assert outs[1][0].asnumpy()[:3].ravel().tolist() == [2.5, 2.5, 3.5]
    assert not outs[0].asnumpy()[3:].any()          # tfmod pads with zeros
    assert i.asnumpy().tolist() == [3.0] and s.asnumpy().tolist() == [4.5]
    o, st = mx.nd.contrib.foreach(lambda x, st: ([x * st[0], x + 1], [st[0] + x]),
                                  mx.nd.array([[1., 2], [3, 4], [5, 6]]), [mx.nd.array([1., 1])])
    assert o[0].asnumpy().tolist() == [[1.0, 2.0], [6.0, 12.0], [25.0, 42.0]]
    assert o[1].asnumpy().tolist() == [[2.0, 3.0], [4.0, 5.0], [6.0, 7.0]]
    assert st[0].asnumpy().tolist() == [10.0, 13.0]
    r = mx.nd.contrib.cond(mx.nd.array([0]), lambda: mx.nd.ones(2), lambda: mx.nd.zeros(2))
    assert r.asnumpy().tolist() == [0.0, 0.0]
    with pytest.raises(mx.base.MXNetError, match='max_iterations should be specified'):
        mx.nd.contrib.while_loop(lambda i: i < 3, lambda i: ([], [i + 1]), [mx.nd.zeros(1)])


def _scale_add():
    w = mx.sym.var('w')

    def step(x, states):
        out = mx.sym.broadcast_mul(x, w) + states[0]
        return [out, out * 2], [out]
    outs, states = mx.sym.contrib.foreach(step, mx.sym.var('data'), [mx.sym.var('init')])
    return mx.sym.Group(outs + states)


def _rnn_cell():
    def step(x, states):
        h = mx.sym.FullyConnected(mx.sym.concat(x, states[0], dim=1), num_hidden=4, name='i2h')
        h = mx.sym.Activation(h, act_type='tanh')
        return [h], [h, states[1] + x]
    outs, states = mx.sym.contrib.foreach(step, mx.sym.var('data'),
                                          [mx.sym.var('h0'), mx.sym.var('acc0')])
    return mx.sym.Group(outs + states)


@pytest.mark.parametrize('case,build', [('foreach_scale_add', _scale_add),
                                        ('foreach_rnn_cell', _rnn_cell)])
def test_sym_contrib_foreach_builds_mxnets_graph(case, build, monkeypatch):
    # the same Python code as tools/oracle_ops/control_flow.py ran in MXNet: the JSON is
    # MXNet's byte for byte (the recorded case checks its numbers), and the built graph runs.
    # Subgraphs are numbered per process: start where the recording process was.
    from tfmod.symbol import control_flow
    meta, arrays = corpus.load_case(case, HERE)
    recorded = re.search(r'"__subgraph_name__": "foreach(\d+)"', meta['symbol']).group(1)
    monkeypatch.setattr(control_flow, '_SUBGRAPH_COUNTS', {'foreach': int(recorded)})
    with mx.name.NameManager():
        sym = build()
    assert sym.tojson() == meta['symbol']
    args = {n: mx.nd.array(arrays['arg:' + n]) for n in meta['arg_names']}
    out = sym.bind(mx.cpu(), args).forward()
    np.testing.assert_allclose(out[0].asnumpy(), arrays['out:0'], rtol=1e-5, atol=1e-5)


def test_sym_contrib_foreach_cuts_outer_nodes_and_checks_its_input():
    w = mx.sym.var('w')
    pre = mx.sym.exp(w, name='pre')
    outs, _ = mx.sym.contrib.foreach(lambda x, s: ([x * pre + s[0]], [s[0]]),
                                     mx.sym.var('data'), [mx.sym.var('init')])
    doc = json.loads(outs[0].tojson())
    body = [n['name'] for n in doc['nodes'] if n['op'] == '_foreach'][0]
    assert body.startswith('_foreach')
    sub = [n for n in doc['nodes'] if n['op'] == '_foreach'][0]['subgraphs'][0]
    assert 'pre_output' in [n['name'] for n in sub['nodes']]     # the outer exp, cut
    ex = outs[0].bind(mx.cpu(), {'data': mx.nd.ones((3, 2)), 'init': mx.nd.ones(2),
                                 'w': mx.nd.zeros(2)})
    np.testing.assert_allclose(ex.forward()[0].asnumpy(), np.full((3, 2), 2.0))
    with pytest.raises(mx.base.MXNetError, match='the state arrays have to be used'):
        mx.sym.contrib.foreach(lambda x, s: ([x * 2], [x]), mx.sym.var('d'), [mx.sym.var('s')])
