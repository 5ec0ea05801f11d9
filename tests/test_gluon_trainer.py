"""gluon.Trainer fine-tuning SymbolBlocks of the committed Gluon corpus: the parameters after a
few steps equal MXNet 1.9.1's (tools/record_gluon_trainer.py, tests/fixtures/gluon_trainer/)."""
import json
import os
import sys

import numpy as np
import pytest

import tfmod as mx
from tfmod import autograd, gluon

sys.path.insert(0, os.path.join(os.path.dirname(__file__), 'support'))
from gluon_trainer_cases import configure  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, 'fixtures', 'gluon_trainer')
CORPUS = os.path.join(HERE, 'fixtures', 'gluon')
META = json.load(open(os.path.join(FIX, 'trainer.json')))
ARR = np.load(os.path.join(FIX, 'trainer.npz'))


def _net(name):
    return gluon.nn.SymbolBlock.imports(os.path.join(CORPUS, name + '-symbol.json'), ['data'],
                                        os.path.join(CORPUS, name + '-0000.params'))


def _loss(out, label, loss_fn):
    if isinstance(out, list):
        return loss_fn(out[0], label) + gluon.loss.L2Loss()(out[1], out[1].zeros_like())
    return loss_fn(out, label)


def _step(net, trainer, loss_fn, x, y, batch, times=1):
    for _ in range(times):
        with autograd.record():
            loss = _loss(net(mx.nd.array(x)), mx.nd.array(y), loss_fn)
        loss.backward()
    trainer.step(batch)
    return loss


CASES = [c for c in META if c != 'errors']


@pytest.mark.parametrize('case', CASES)
def test_trajectory_matches_mxnet(case):
    m = META[case]
    extra = m['extra']
    net = _net(m['net'])
    params = net.collect_params()
    names = configure(params, extra)
    assert names == m['params']
    trainer = gluon.Trainer(params, m['optimizer'], dict(m['optimizer_params']))
    lrs = []
    for s in range(m['steps']):
        if extra.get('set_lr') and s == 1:
            trainer.set_learning_rate(extra['set_lr'])
        loss = _step(net, trainer, gluon.loss.SoftmaxCrossEntropyLoss(),
                     ARR['%s/x%d' % (case, s)], ARR['%s/y%d' % (case, s)], m['batch'],
                     2 if extra.get('add') else 1)
        if extra.get('add'):
            params.zero_grad()
        np.testing.assert_allclose(loss.asnumpy(), ARR['%s/losses' % case][s], rtol=1e-4,
                                   atol=1e-5)
        lrs.append(trainer.learning_rate)
    assert lrs == pytest.approx(m['learning_rates'])
    # A convolution's bias feeding a BatchNorm has a gradient of rounding noise only; Adam and
    # RMSProp scale such noise up to steps of ~lr, so their trajectories get a looser atol
    # (still well below their lr of 1e-2 per step).
    atol = 3e-4 if m['optimizer'] in ('adam', 'rmsprop') else 1e-5
    for n in names:
        np.testing.assert_allclose(params[n].data().asnumpy(), ARR['%s/param/%s' % (case, n)],
                                   rtol=1e-4, atol=atol, err_msg=n)
    if extra.get('null'):   # grad_req='null' is never updated
        assert params[names[0]].grad_req == 'null'


def _states_run(tmp_path, load_from):
    net = _net('plain_convnet')
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.05,
                                                           'momentum': 0.9})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    for s in range(2):
        _step(net, trainer, loss_fn, ARR['states/x%d' % s], ARR['states/y%d' % s], 4)
    params = net.collect_params()
    for n, p in params.items():
        np.testing.assert_allclose(p.data().asnumpy(), ARR['states/before/%s' % n], rtol=1e-4,
                                   atol=1e-5)
    if load_from == 'tfmod':
        path = str(tmp_path / 'tfmod.states')
        trainer.save_states(path)
    else:
        path = os.path.join(FIX, 'sgd_mom-2.states')
    fresh = gluon.Trainer(params, 'sgd', {'learning_rate': 0.05, 'momentum': 0.9})
    fresh.load_states(path)
    _step(net, fresh, loss_fn, ARR['states/x2'], ARR['states/y2'], 4)
    for n, p in params.items():
        np.testing.assert_allclose(p.data().asnumpy(), ARR['states/param/%s' % n], rtol=1e-4,
                                   atol=1e-5, err_msg=n)


@pytest.mark.parametrize('load_from', ['tfmod', 'mxnet'])
def test_save_load_states_resume_momentum(tmp_path, load_from):
    """Momentum saved after two steps (by tfmod, or MXNet's pickle) makes the third step
    MXNet's; a fresh momentum would not."""
    _states_run(tmp_path, load_from)


def test_stale_gradient_refused_as_mxnet():
    err = META['errors']
    net = _net('plain_convnet')
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})
    with pytest.raises(UserWarning) as e:
        trainer.step(1)
    assert str(e.value) == err['stale']['message']
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    x = np.random.RandomState(0).uniform(-1, 1, (2, 3, 16, 16)).astype('float32')
    _step(net, trainer, loss_fn, x, np.array([0., 1.], 'float32'), 2)
    with pytest.raises(UserWarning) as e:
        trainer.step(2)
    assert str(e.value) == err['stale_after_step']['message']
    first = sorted(net.collect_params().keys())[0]
    before = net.collect_params()[first].data().asnumpy()
    trainer.step(2, ignore_stale_grad=True)     # skips every stale parameter
    assert np.array_equal(before, net.collect_params()[first].data().asnumpy()) == \
        err['ignore_stale_unchanged']


def test_bad_arguments_raise_mxnet_types():
    err = META['errors']
    net = _net('plain_convnet')
    for key, call in (('not_params', lambda: gluon.Trainer([1, 2], 'sgd')),
                      ('not_list', lambda: gluon.Trainer(5, 'sgd')),
                      ('bad_optimizer', lambda: gluon.Trainer(net.collect_params(), 'nosuch'))):
        with pytest.raises(ValueError) as e:
            call()
        assert isinstance(e.value, mx.base.MXNetError)
        assert str(e.value).startswith(err[key]['message']), key


def test_optimizer_instance_and_learning_rate():
    net = _net('plain_convnet')
    optim = mx.optimizer.Adam(learning_rate=0.003)
    trainer = gluon.Trainer(net.collect_params(), optim)
    assert trainer.optimizer is optim and trainer.learning_rate == 0.003
    trainer.set_learning_rate(0.5)
    assert optim.lr == 0.5
    with pytest.raises(mx.base.MXNetError, match='optimizer_params must be None'):
        gluon.Trainer(net.collect_params(), optim, {'learning_rate': 1.0})
    sched = gluon.Trainer(net.collect_params(), 'sgd',
                          {'lr_scheduler': mx.lr_scheduler.FactorScheduler(1, 0.5),
                           'learning_rate': 1.0})
    with pytest.raises(UserWarning):
        sched.set_learning_rate(0.1)


def test_allreduce_then_update_equals_step():
    """allreduce_grads() + update() (gradient clipping in between) is step() on one context."""
    x = ARR['sgd_mom/x0']
    y = ARR['sgd_mom/y0']
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    results = []
    for split in (False, True):
        net = _net('plain_convnet')
        trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.05})
        with autograd.record():
            loss = loss_fn(net(mx.nd.array(x)), mx.nd.array(y))
        loss.backward()
        if split:
            trainer.allreduce_grads()
            trainer.update(4)
        else:
            trainer.step(4)
        results.append([p.data().asnumpy() for p in net.collect_params().values()])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_fine_tuning_loop_as_gluon_users_write_it(tmp_path):
    """DataLoader(shuffle) + record/backward + Trainer.step for two epochs, then export: the
    losses per batch and the exported model's outputs are MXNet's."""
    rec = np.load(os.path.join(FIX, 'loop.npz'))
    net = _net('plain_convnet')
    trainer = gluon.Trainer(net.collect_params(), 'sgd',
                            {'learning_rate': 0.01, 'momentum': 0.9, 'wd': 1e-4})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    np.random.seed(3)
    losses = []
    loader = gluon.data.DataLoader(gluon.data.ArrayDataset(rec['X'], rec['Y']), batch_size=8,
                                   shuffle=True)
    for _ in range(2):
        for data, label in loader:
            with autograd.record():
                loss = loss_fn(net(data), label)
            loss.backward()
            trainer.step(data.shape[0])
            losses.append(loss.mean().asscalar())
    np.testing.assert_allclose(losses, rec['losses'], rtol=1e-4)
    net.export(str(tmp_path / 'tuned'))
    tuned = gluon.nn.SymbolBlock.imports(str(tmp_path / 'tuned-symbol.json'), ['data'],
                                         str(tmp_path / 'tuned-0000.params'))
    np.testing.assert_allclose(tuned(mx.nd.array(rec['X'][:4])).asnumpy(), rec['out'],
                               rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('update_on_kvstore', [None, False])
def test_two_contexts_sum_gradients_as_mxnet(update_on_kvstore):
    """Two contexts (split_and_load, a backward per context): the kvstore sums the gradients
    and every copy of a parameter ends equal to MXNet's (updated on the store or per context)."""
    rec = np.load(os.path.join(FIX, 'loop.npz'))
    ctx = [mx.cpu(0), mx.cpu(1)]
    net = gluon.nn.SymbolBlock.imports(os.path.join(CORPUS, 'plain_convnet-symbol.json'),
                                       ['data'], os.path.join(CORPUS, 'plain_convnet-0000.params'),
                                       ctx=ctx)
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.05, 'momentum': 0.9},
                            update_on_kvstore=update_on_kvstore)
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    for s in range(2):
        xs = gluon.utils.split_and_load(rec['X'][4 * s:4 * s + 4], ctx)
        ys = gluon.utils.split_and_load(rec['Y'][4 * s:4 * s + 4], ctx)
        with autograd.record():
            losses = [loss_fn(net(x), y) for x, y in zip(xs, ys)]
        for loss in losses:
            loss.backward()
        trainer.step(4)
    assert (trainer._kvstore is not None) and \
        trainer._update_on_kvstore is (update_on_kvstore is None)
    if update_on_kvstore is None:
        with pytest.raises(mx.base.MXNetError, match='allreduce_grads'):
            trainer.allreduce_grads()
    for n, p in net.collect_params().items():
        for i, c in enumerate(ctx):     # BatchNorm's running statistics are per context
            np.testing.assert_allclose(p.data(c).asnumpy(), rec['multi/%d/%s' % (i, n)],
                                       rtol=1e-4, atol=1e-5, err_msg='%s on %s' % (n, c))
