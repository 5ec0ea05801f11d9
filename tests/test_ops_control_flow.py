"""Control flow against MXNet 1.9.1: the ``_foreach`` cases recorded by
tools/oracle_ops/control_flow.py (tests/fixtures/ops_extra/control_flow) replay through
tests/corpus.py; ``_while_loop`` and ``_cond`` below."""
import json
import os

import numpy as np
import pytest

import tfmod as mx
import corpus

HERE, CASES = corpus.family('control_flow')
test_case_matches_mxnet, test_symbol_json_round_trip = corpus.replay_tests('control_flow')


# _while_loop and _cond: MXNet learns their output shapes only when it runs, so the corpus
# generator cannot record them; tests/fixtures/control_flow_dynamic/gen_control_flow.py binds
# given inputs and records outputs and gradients (head gradients of ones) instead.
DYN = os.path.join(os.path.dirname(__file__), 'fixtures', 'control_flow_dynamic')
with open(os.path.join(DYN, 'cases.json')) as _f:
    DYN_CASES = json.load(_f)['cases']
DYN_ARRAYS = np.load(os.path.join(DYN, 'cases.npz'))


@pytest.mark.parametrize('case', DYN_CASES, ids=[c['case'] for c in DYN_CASES])
def test_dynamic_control_flow_matches_mxnet(case):
    name = case['case']
    sym = mx.sym.load_json(case['symbol'])
    assert sym.tojson() == case['symbol']
    args = {k: mx.nd.array(DYN_ARRAYS['%s/arg:%s' % (name, k)]) for k in case['args']}
    grads = {k: mx.nd.zeros(a.shape) for k, a in args.items()}
    reqs = {k: 'null' if k in case['no_grad'] else 'write' for k in args}
    ex = sym.bind(mx.cpu(), args, args_grad=grads, grad_req=reqs)
    for i, o in enumerate(ex.forward(is_train=False)):
        np.testing.assert_allclose(o.asnumpy(), DYN_ARRAYS['%s/out:%d' % (name, i)], rtol=1e-5,
                                   atol=1e-6, err_msg='%s out %d' % (name, i))
    touts = ex.forward(is_train=True)
    for i, o in enumerate(touts):
        np.testing.assert_allclose(o.asnumpy(), DYN_ARRAYS['%s/train_out:%d' % (name, i)],
                                   rtol=1e-5, atol=1e-6)
    ex.backward([mx.nd.ones(o.shape) for o in touts])
    for k in args:
        if k not in case['no_grad']:
            np.testing.assert_allclose(grads[k].asnumpy(), DYN_ARRAYS['%s/grad:%s' % (name, k)],
                                       rtol=1e-5, atol=1e-6, err_msg='%s grad %s' % (name, k))


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
