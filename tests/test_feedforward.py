"""mx.model.FeedForward against MXNet 1.9.1 (tests/fixtures/feedforward/gen_feedforward.py):
numpy fit with eval data, predict and score; then a reloaded checkpoint continued with
epoch_size over a padded DataIter. Same initial parameters and the same np.random shuffles,
so the trajectories match."""
import json
import logging
import os
import warnings

import numpy as np
import pytest

import tfmod as mx
from support.log_capture import capture_logs

HERE = os.path.join(os.path.dirname(__file__), 'fixtures', 'feedforward')
A = np.load(os.path.join(HERE, 'cases.npz'))
with open(os.path.join(HERE, 'logs.json')) as _f:
    LOGS = json.load(_f)


def net():
    data = mx.sym.var('data')
    h = mx.sym.Activation(mx.sym.FullyConnected(data, num_hidden=6, name='fc1'), act_type='tanh')
    return mx.sym.SoftmaxOutput(mx.sym.FullyConnected(h, num_hidden=3, name='fc2'),
                                name='softmax')


def _close(params, prefix):
    for k, v in params.items():
        np.testing.assert_allclose(v.asnumpy(), A['%s/arg:%s' % (prefix, k)], rtol=1e-5,
                                   atol=1e-6, err_msg=k)


def test_feedforward_matches_mxnet(tmp_path):
    X, y = A['X'], A['y']
    init = {k[5:]: mx.nd.array(A[k]) for k in A.files if k.startswith('init:')}
    log = logging.getLogger()          # MXNet's FeedForward logs to the logger it is given
    np.random.seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        model = mx.model.FeedForward(net(), num_epoch=3, numpy_batch_size=8, optimizer='sgd',
                                     learning_rate=0.1, momentum=0.9, wd=0.01,
                                     arg_params=dict(init))
    with capture_logs() as lines:
        model.fit(X, y, eval_data=(X, y), logger=log)
    assert [l for l in lines if 'Time cost' not in l and 'Start training' not in l] == \
        [l for l in LOGS['numpy'] if 'Start training' not in l]
    _close(model.arg_params, 'numpy')
    np.testing.assert_allclose(model.predict(X), A['numpy/predict'], rtol=1e-5, atol=1e-6)
    # score leaves the 4 padded rows of the last batch out (tfmod's documented difference):
    # the accuracy of MXNet's own predictions over the 20 real rows, where MXNet counts 24
    real = float(np.mean(A['numpy/predict'].argmax(1) == y))
    assert model.score(mx.io.NDArrayIter(X, y, 8)) == pytest.approx(real)
    assert float(A['numpy/score']) != pytest.approx(real)
    prefix = str(tmp_path / 'ff')
    model.save(prefix, 3)
    it = mx.io.NDArrayIter(X, y, batch_size=6)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        loaded = mx.model.FeedForward.load(prefix, 3, num_epoch=6, epoch_size=3,
                                           learning_rate=0.05)
    with capture_logs() as lines:
        loaded.fit(it, logger=log)
    assert [l for l in lines if 'Time cost' not in l and 'Start training' not in l] == \
        [l for l in LOGS['epoch_size'] if 'Start training' not in l]
    _close(loaded.arg_params, 'epoch_size')


def test_feedforward_bad_input_is_named():
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        model = mx.model.FeedForward(net(), num_epoch=1)
    with pytest.raises(mx.base.MXNetError, match='y must be specified'):
        model.fit(np.zeros((4, 4)))
    with pytest.raises(mx.base.MXNetError, match='numbers of data points'):
        model.fit(np.zeros((4, 4)), np.zeros(3))
    with pytest.raises(mx.base.MXNetError, match='no parameters yet'):
        model.predict(np.zeros((4, 4)))
    with pytest.warns(DeprecationWarning, match='FeedForward has been deprecated'):
        mx.model.FeedForward(net())
