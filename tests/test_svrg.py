"""mx.contrib.svrg_optimization against MXNet 1.9.1 (tests/fixtures/svrg, recorded by
tools/record_testutils_svrg.py): SVRGModule.fit's parameter trajectory per batch and per epoch
and its full-gradient snapshots on small linear regressions -- plain SGD, SGD with momentum and
weight decay over a padded last batch, update_freq 1 and 2, and two devices through the kvstore."""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from support.testutils_svrg_programs import svrg_fit, svrg_symbol
from tfmod.contrib.svrg_optimization.svrg_module import SVRGModule
from tfmod.contrib.svrg_optimization.svrg_optimizer import _SVRGOptimizer, _AssignmentOptimizer

FIX = os.path.join(os.path.dirname(__file__), 'fixtures', 'svrg')
ARR = np.load(os.path.join(FIX, 'svrg.npz'))
META = json.load(open(os.path.join(FIX, 'svrg.json')))
CASES = sorted(k for k in META if not k.startswith('_'))


def _setup(name):
    m = META[name]
    x, y, w0, b0 = (ARR['%s/%s' % (name, k)] for k in ('x', 'y', 'w0', 'b0'))
    it = mx.io.NDArrayIter(x, y, batch_size=m['batch_size'], shuffle=False,
                           label_name='lin_reg_label')
    ctx = [mx.cpu(i) for i in range(m['num_devices'])] if m['num_devices'] > 1 else mx.cpu()
    mod = SVRGModule(svrg_symbol(mx), data_names=['data'], label_names=['lin_reg_label'],
                     update_freq=m['update_freq'], context=ctx)
    return m, it, mod, {'fc1_weight': mx.nd.array(w0), 'fc1_bias': mx.nd.array(b0)}


@pytest.mark.parametrize('name', CASES)
def test_fit_trajectory_matches_mxnet(name):
    m = META[name]
    full, traj, batch_w, mse = svrg_fit(
        mx, SVRGModule, *(ARR['%s/%s' % (name, k)] for k in ('x', 'y', 'w0', 'b0')),
        m['batch_size'], m['num_epoch'], m['update_freq'], m['optimizer'],
        m['optimizer_params'], m['num_devices'])
    assert len(full) == m['num_full']
    for j, snapshot in enumerate(full):
        for k, v in snapshot.items():
            np.testing.assert_allclose(v, ARR['%s/full%d/%s' % (name, j, k)], rtol=1e-5,
                                       atol=1e-6)
    assert len(traj) == m['num_epoch']
    for e, params in enumerate(traj):
        for k, v in params.items():
            np.testing.assert_allclose(v, ARR['%s/epoch%d/%s' % (name, e, k)], rtol=1e-5,
                                       atol=1e-6)
    np.testing.assert_allclose(np.stack(batch_w), ARR[name + '/batch_weights'], rtol=1e-5,
                               atol=1e-6)
    assert mse == pytest.approx(m['final_mse'], rel=1e-5)


def test_manual_loop_equals_fit():
    """bind / init_params / init_optimizer / update_full_grads / forward_backward / update by
    hand, as MXNet's SVRG examples write it, follows fit's recorded trajectory."""
    name = 'sgd_n20_b5'
    m, it, mod, init = _setup(name)
    mod.bind(data_shapes=it.provide_data, label_shapes=it.provide_label)
    mod.init_params(arg_params=init)
    mod.init_optimizer(optimizer='sgd', optimizer_params=m['optimizer_params'])
    for epoch in range(m['num_epoch']):
        if epoch % mod.update_freq == 0:
            mod.update_full_grads(it)
        it.reset()
        for batch in it:
            mod.forward_backward(batch)
            mod.update()
        arg, _ = mod.get_params()
        np.testing.assert_allclose(arg['fc1_weight'].asnumpy(),
                                   ARR['%s/epoch%d/fc1_weight' % (name, epoch)], rtol=1e-5,
                                   atol=1e-6)


def test_update_freq_is_checked_as_mxnet():
    for bad, (etype, msg) in META['_errors'].items():
        value = {'0': 0, '-1': -1, '1.5': 1.5, 'None': None}[bad]
        with pytest.raises({'ValueError': ValueError, 'TypeError': TypeError}[etype]) as e:
            SVRGModule(svrg_symbol(mx), data_names=['data'], label_names=['lin_reg_label'],
                       update_freq=value)
        assert str(e.value) == msg


def test_svrg_optimizer_routes_by_name():
    opt = mx.optimizer.create('_SVRGOptimizer', default_optimizer='sgd', learning_rate=0.5,
                              param_idx2name={0: 'fc_weight', 1: 'fc_weight_full'})
    assert isinstance(opt, _SVRGOptimizer)
    assert isinstance(opt.aux_opt, _AssignmentOptimizer)
    assert isinstance(opt.default_opt, mx.optimizer.SGD) and opt.default_opt.lr == 0.5
    w = mx.nd.array([1.0, 2.0])
    g = mx.nd.array([0.5, 0.5])
    opt.update(0, w, g, opt.create_state(0, w))
    np.testing.assert_allclose(w.asnumpy(), [0.75, 1.75])
    full = mx.nd.zeros((2,))
    opt.update('fc_weight_full', full, mx.nd.array([3.0, 4.0]), opt.create_state(1, full))
    np.testing.assert_allclose(full.asnumpy(), [3.0, 4.0])
    assert mx.contrib.svrg_optimization.svrg_module.SVRGModule is SVRGModule


def test_fixed_params_stay_fixed():
    """MXNet 1.9.1's SVRGModule fails on fixed parameters (no gradient to add); tfmod skips
    them: the bias keeps its value while the weight trains as without it."""
    m, it, _, init = _setup('sgd_n20_b5')
    mod = SVRGModule(svrg_symbol(mx), data_names=['data'], label_names=['lin_reg_label'],
                     update_freq=2, fixed_param_names=['fc1_bias'])
    init['fc1_bias'] = mx.nd.array([0.25])
    mod.fit(it, eval_metric='mse', optimizer_params=m['optimizer_params'], num_epoch=2,
            arg_params=init)
    arg, _ = mod.get_params()
    assert arg['fc1_bias'].asnumpy().tolist() == [0.25]
    assert not np.allclose(arg['fc1_weight'].asnumpy(), ARR['sgd_n20_b5/w0'])


def test_fit_with_eval_data_and_score():
    """Evaluation runs the module alone (is_train=False leaves the snapshot idle); the score is
    the MSE of the trained weights."""
    m, it, mod, init = _setup('sgd_n20_b5')
    x, y = ARR['sgd_n20_b5/x'], ARR['sgd_n20_b5/y']
    val = mx.io.NDArrayIter(x, y, batch_size=5, label_name='lin_reg_label')
    seen = []
    mod.fit(it, eval_data=val, eval_metric='mse', optimizer_params=m['optimizer_params'],
            num_epoch=2, arg_params=init,
            eval_end_callback=lambda p: seen.append(p.eval_metric.get()[1]))
    arg, _ = mod.get_params()
    pred = x.dot(arg['fc1_weight'].asnumpy().T)[:, 0] + arg['fc1_bias'].asnumpy()[0]
    want = float(np.mean((pred - y) ** 2))
    assert len(seen) == 2 and seen[-1] == pytest.approx(want, rel=1e-5)
    np.testing.assert_allclose(arg['fc1_weight'].asnumpy(), ARR['sgd_n20_b5/epoch1/fc1_weight'],
                               rtol=1e-5, atol=1e-6)
