"""gluon.loss: every loss's per-sample output and its gradient wrt the prediction equal
MXNet 1.9.1's (tools/record_gluon_trainer.py, tests/fixtures/gluon_trainer/loss.*)."""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from tfmod import autograd, gluon

FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures', 'gluon_trainer')
META = json.load(open(os.path.join(FIX, 'loss.json')))
ARR = np.load(os.path.join(FIX, 'loss.npz'))
CASES = [c for c in META if c != 'errors']


def _args(case):
    out = []
    for i in range(META[case]['nargs']):
        key = '%s/arg%d' % (case, i)
        out.append(mx.nd.array(ARR[key]) if key in ARR else None)
    return out


@pytest.mark.parametrize('case', CASES)
def test_loss_and_gradient_match_mxnet(case):
    m = META[case]
    loss_fn = getattr(gluon.loss, m['class'])(**m['kwargs'])
    assert repr(loss_fn) == m['repr']
    x = mx.nd.array(ARR[case + '/pred'])
    x.attach_grad()
    with autograd.record():
        out = loss_fn(x, *_args(case))
    out.backward()
    want = ARR[case + '/out']
    assert out.shape == want.shape
    np.testing.assert_allclose(out.asnumpy(), want, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(x.grad.asnumpy(), ARR[case + '/grad'], rtol=1e-4, atol=3e-5)


def test_symbol_inputs_compose_the_same_loss():
    """Given Symbols, a loss builds a graph computing the same values (hybridized use)."""
    case = 'softmax_ce_w'
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss(weight=0.7)
    out = loss_fn(mx.sym.var('pred'), mx.sym.var('label'), mx.sym.var('sw'))
    ex = out.bind(mx.cpu(), {'pred': mx.nd.array(ARR[case + '/pred']),
                             'label': mx.nd.array(ARR[case + '/arg0']),
                             'sw': mx.nd.array(ARR[case + '/arg1'])})
    np.testing.assert_allclose(ex.forward()[0].asnumpy(), ARR[case + '/out'], rtol=1e-5)


def test_user_subclass_and_bad_arguments():
    class Scaled(gluon.loss.Loss):
        def __init__(self, **kw):
            super().__init__(2.0, 0, **kw)

        def hybrid_forward(self, F, pred, label):
            return F.mean(F.abs(pred - label) * self._weight, axis=self._batch_axis,
                          exclude=True)
    out = Scaled()(mx.nd.array([[1., 2.], [3., 5.]]), mx.nd.array([[0., 0.], [3., 3.]]))
    np.testing.assert_allclose(out.asnumpy(), [3., 2.])
    err = META['errors']
    with pytest.raises(ValueError, match=err['logistic_format']['message'].replace('.', r'\.')):
        gluon.loss.LogisticLoss(label_format='x')
    with pytest.raises(mx.base.MXNetError, match='NTC'):
        gluon.loss.CTCLoss(layout='NCT')
    with pytest.raises(mx.base.MXNetError, match='weight must be a number'):
        gluon.loss.L1Loss(weight=mx.nd.ones(1))(mx.nd.ones((2, 2)), mx.nd.ones((2, 2)))
