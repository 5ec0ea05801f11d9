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
