"""mx.optimizer without a network, against MXNet 1.9.1 (fixtures/modules/optimizers/direct_*).

Each recorded configuration: ``o = mx.optimizer.create(NAME, rescale_grad=0.5,
param_idx2name={0: 'x_weight', 1: 'x_bias'}, **kw)``, ``up = mx.optimizer.get_updater(o)``,
then five times ``up([0, 1], [gw, gb], [w, b])``. Checked every step: weights, every state
array, the gradient array after the call (AdaDelta rescales it in place), num_update, the
effective lr / wd per parameter and Nadam's m_schedule (rtol 1e-6, atol 1e-7: these are pure
elementwise float32 kernels). Plus the recorded failures, the registry, a user optimizer running
through Module's per-parameter path, multi-precision, and eager == compiled for the optimizers
without a Module fixture.
"""
import json
import os
import warnings

import numpy as np
import pytest

import tfmod as mx
from support import module_replay as R
from support import optimizer_fp16_programs as fp16_programs
from support.optimizer_step_configs import EXTRA
from tfmod.base import MXNetError

D = os.path.join(R.M, 'optimizers')
with open(os.path.join(D, 'direct.json')) as _f:
    DIRECT = json.load(_f)
INPUTS = np.load(os.path.join(D, 'direct_inputs.npz'))
NAMES = ['x_weight', 'x_bias']
RUNNABLE = sorted(k for k, v in DIRECT.items() if 'error' not in v)
FAILING = sorted(k for k, v in DIRECT.items() if 'error' in v)
RTOL, ATOL = 1e-6, 1e-7


def _create(cfg):
    kw = dict(cfg['kwargs'])
    kw['param_idx2name'] = {int(k): v for k, v in kw['param_idx2name'].items()}
    return mx.optimizer.create(cfg['optimizer'], **kw)


def test_every_recorded_configuration_is_covered():
    assert set(RUNNABLE) | set(FAILING) == set(DIRECT)
    assert FAILING == ['dcasgd']
    for k in RUNNABLE:
        assert os.path.exists(os.path.join(D, 'direct_%s.npz' % k)), k


@pytest.mark.parametrize('key', RUNNABLE)
def test_direct_updater_matches_mxnet(key):
    cfg = DIRECT[key]
    z = np.load(os.path.join(D, 'direct_%s.npz' % key))
    o = _create(cfg)
    assert type(o).__name__ == cfg['class']
    assert o.wd_mult == cfg['wd_mult']
    assert o.lr_mult == cfg['lr_mult']
    assert o.aggregate_num == cfg['aggregate_num']
    up = mx.optimizer.get_updater(o)
    w = mx.nd.array(INPUTS['w0'])
    b = mx.nd.array(INPUTS['b0'])
    for t, step in enumerate(cfg['steps'], start=1):
        gw = mx.nd.array(INPUTS['grad_w/%d' % t])
        gb = mx.nd.array(INPUTS['grad_b/%d' % t])
        up([0, 1], [gw, gb], [w, b])
        msg = '%s step %d' % (key, t)
        np.testing.assert_allclose(w.asnumpy(), z['step%d/x_weight' % t], rtol=RTOL, atol=ATOL,
                                   err_msg=msg + ' x_weight')
        np.testing.assert_allclose(b.asnumpy(), z['step%d/x_bias' % t], rtol=RTOL, atol=ATOL,
                                   err_msg=msg + ' x_bias')
        np.testing.assert_allclose(gw.asnumpy(), z['step%d/grad_after/x_weight' % t],
                                   rtol=RTOL, atol=ATOL, err_msg=msg + ' grad_after')
        for idx, name in enumerate(NAMES):
            flat = mx.optimizer.flatten_state(up.states[idx])
            expect = sorted((k for k in z.files if k.startswith('step%d/state/%s/' % (t, name))),
                            key=lambda k: int(k.rsplit('/', 1)[1]))
            assert len(flat) == len(expect), (msg, name)
            for a, k in zip(flat, expect):
                np.testing.assert_allclose(a.asnumpy(), z[k], rtol=RTOL, atol=ATOL,
                                           err_msg=msg + ' ' + k)
        assert o.num_update == step['num_update'], msg
        assert [o._get_lr(i) for i in (0, 1)] == pytest.approx(step['effective_lr'], rel=1e-12)
        assert [o._get_wd(i) for i in (0, 1)] == pytest.approx(step['effective_wd'], rel=1e-12)
        if 'nadam_m_schedule' in step:
            assert o.m_schedule == pytest.approx(step['nadam_m_schedule'], rel=1e-12), msg


def test_dcasgd_with_momentum_raises_a_clean_error():
    """MXNet 1.9.1 crashes (ValueError: truth value of an NDArray) at the first update; tfmod
    raises MXNetError (a ValueError too) at the same point, after counting the update."""
    cfg = DIRECT['dcasgd']
    assert 'truth value' in cfg['error']
    o = _create(cfg)
    up = mx.optimizer.get_updater(o)
    w, b = mx.nd.array(INPUTS['w0']), mx.nd.array(INPUTS['b0'])
    with pytest.raises(MXNetError, match='momentum') as err:
        up([0, 1], [mx.nd.array(INPUTS['grad_w/1']), mx.nd.array(INPUTS['grad_b/1'])], [w, b])
    assert isinstance(err.value, ValueError)
    np.testing.assert_array_equal(w.asnumpy(), INPUTS['w0'])
    assert o.num_update == 1


def test_dcasgd_with_momentum_raises_through_module():
    mod = R.bound_module('mlp')
    mod.init_optimizer(optimizer='dcasgd', optimizer_params={'learning_rate': 0.1,
                                                              'momentum': 0.9})
    mod.forward(R.batch('mlp', 0), is_train=True)
    mod.backward()
    with pytest.raises(MXNetError, match='DCASGD'):
        mod.update()


def test_signum_without_momentum_rejects_wd_lh():
    """signsgd_update has no wd_lh: MXNet raises "Cannot find argument 'wd_lh'"."""
    o = mx.optimizer.create('signum', momentum=0.0, wd_lh=0.01)
    w = mx.nd.ones((2, 2))
    with pytest.raises(MXNetError, match='wd_lh'):
        o.update(0, w, mx.nd.ones((2, 2)), o.create_state(0, w))


def test_unknown_optimizer_name_lists_the_registered_ones():
    with pytest.raises(MXNetError) as err:
        mx.optimizer.create('no_such_optimizer')
    msg = str(err.value)
    assert 'no_such_optimizer' in msg
    for name in ('adam', 'nadam', 'rmsprop', 'sgd', 'signum', 'lamb', 'ftml'):
        assert name in msg


def test_registry_is_mxnets():
    # Importing mx.contrib.svrg_optimization registers two more, in MXNet as here (the suite's
    # test_svrg.py imports it); `import mxnet` alone does not.
    svrg = {'_assignmentoptimizer', '_svrgoptimizer'}
    assert sorted(set(mx.optimizer.Optimizer.opt_registry) - svrg) == [
        'adadelta', 'adagrad', 'adam', 'adamax', 'ccsgd', 'dcasgd', 'ftml', 'ftrl',
        'groupadagrad', 'lamb', 'lars', 'lbsgd', 'nadam', 'nag', 'rmsprop', 'sgd', 'sgld',
        'signum', 'test']
    assert mx.optimizer.create('Adam').__class__ is mx.optimizer.Adam
    assert mx.optimizer.contrib.GroupAdaGrad is mx.optimizer.Optimizer.opt_registry[
        'groupadagrad']


# -- a user's optimizer: the per-parameter (slow) path through Module ------------------------------
class MySGD(mx.optimizer.Optimizer):
    """Momentum SGD written by a user in mx.nd, the way MXNet documents custom optimizers."""

    def __init__(self, momentum=0.0, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum

    def create_state(self, index, weight):
        return mx.nd.zeros(weight.shape, weight.context, dtype=weight.dtype)

    def update(self, index, weight, grad, state):
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        g = grad * self.rescale_grad
        state[:] = self.momentum * state - lr * wd * weight - lr * g
        weight[:] = weight + state


class MyOpSGD(MySGD):
    """The same, calling MXNet's update op the way MXNet's own optimizers do."""

    def update(self, index, weight, grad, state):
        self._update_count(index)
        mx.nd.sgd_mom_update(weight, grad, state, out=weight, lr=self._get_lr(index),
                             wd=self._get_wd(index), momentum=self.momentum,
                             rescale_grad=self.rescale_grad)


def _train(optimizer, steps=3):
    mod = R.bound_module('mlp')
    mod.init_optimizer(optimizer=optimizer)
    for t in range(steps):
        mod.forward(R.batch('mlp', t), is_train=True)
        mod.backward()
        mod.update()
    return mod


@pytest.mark.parametrize('cls', [MySGD, MyOpSGD])
def test_user_optimizer_runs_through_module_like_sgd(cls):
    assert not cls._is_builtin_update()
    kw = dict(learning_rate=0.1, momentum=0.9, wd=0.05, rescale_grad=1 / 8.)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        mine = _train(cls(**kw))
        ref = _train(mx.optimizer.SGD(**kw))
    for n, a in ref.get_params()[0].items():
        np.testing.assert_allclose(mine.get_params()[0][n].asnumpy(), a.asnumpy(), rtol=1e-5,
                                   atol=1e-6, err_msg=n)
    assert mine._optimizer.num_update == 3


# -- eager update() == compiled Module step, for optimizers with no Module fixture -----------------


def _eager_reference(name, kw, steps=2):
    """The same training, with each update() done eagerly by the Updater after backward()."""
    mod = R.bound_module('mlp')
    mod.init_optimizer(optimizer=name, optimizer_params=kw)
    exe = mod._exec_group.execs[0]
    up = mod._updater
    names = mod._exec_group.param_names
    for t in range(steps):
        mod.forward(R.batch('mlp', t), is_train=True)
        mod.backward()
        _ = exe.grad_dict[names[0]].asnumpy()  # run the deferred backward
        up(list(range(len(names))), [exe.grad_dict[n] for n in names],
           [exe.arg_dict[n] for n in names])
    return mod


EXTRA_IDS = ['%s%d' % (n, i) for i, (n, _) in enumerate(EXTRA)]
# tools/record_optimizer_module_steps.py: MXNet 1.9.1's parameters after the same two steps
EXTRA_STEPS = np.load(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures',
                                   'optimizer_options', 'module_steps.npz'))


@pytest.mark.parametrize('name,kw', EXTRA, ids=EXTRA_IDS)
def test_eager_update_equals_compiled_step(name, kw):
    """Eager Updater and compiled Module step agree, and both give MXNet 1.9.1's parameters."""
    key = EXTRA_IDS[EXTRA.index((name, kw))]
    compiled = R.bound_module('mlp')
    compiled.init_optimizer(optimizer=name, optimizer_params=kw)
    for t in range(2):
        compiled.forward(R.batch('mlp', t), is_train=True)
        compiled.backward()
        compiled.update()
    eager = _eager_reference(name, kw)
    init = R.init_params('mlp')[0]
    eager_args = eager._exec_group.execs[0].arg_dict
    for n, a in compiled.get_params()[0].items():
        np.testing.assert_allclose(a.asnumpy(), eager_args[n].asnumpy(), rtol=1e-6,
                                   atol=1e-7, err_msg='%s %s' % (name, n))
        assert not np.array_equal(a.asnumpy(), init[n].asnumpy()), n
        # and both are MXNet's: two float32 updates, summation order differs -> 1e-5
        np.testing.assert_allclose(a.asnumpy(), EXTRA_STEPS['%s/%s' % (key, n)], rtol=1e-5,
                                   atol=1e-6, err_msg='%s %s vs MXNet' % (key, n))
    assert compiled._optimizer.num_update == eager._optimizer.num_update == 2


def test_adadelta_rescales_the_gradient_in_place_in_module():
    """With grad_req='add' the in-place rescale is visible: MXNet accumulates onto it."""
    mod = R.bound_module('mlp', grad_req='add')
    mod.init_optimizer(optimizer='adadelta', optimizer_params={'wd': 0.0})
    exe = mod._exec_group.execs[0]
    mod.forward(R.batch('mlp', 0), is_train=True)
    mod.backward()
    g1 = exe.grad_dict['fc1_weight'].asnumpy().copy()
    mod.update()
    np.testing.assert_allclose(exe.grad_dict['fc1_weight'].asnumpy(), g1 / 8., rtol=1e-6)


def test_nadam_schedule_advances_once_per_parameter_in_module():
    mod = _train('nadam', steps=2)
    o = mod._optimizer
    expect = 1.0
    for t in (1, 2):
        for _ in range(4):
            expect *= 0.9 * (1. - 0.5 * 0.96 ** (t * 0.004))
    assert o.m_schedule == pytest.approx(expect, rel=1e-12)


def test_sgld_is_seeded_and_noisy():
    def run():
        mx.random.seed(7)
        return _train('sgld', steps=2).get_params()[0]['fc1_weight'].asnumpy()
    a, b = run(), run()
    np.testing.assert_array_equal(a, b)
    mx.random.seed(8)
    c = _train('sgld', steps=2).get_params()[0]['fc1_weight'].asnumpy()
    assert not np.allclose(a, c)


def test_group_adagrad_and_its_weight_decay_check():
    o = mx.optimizer.contrib.GroupAdaGrad(learning_rate=0.1)
    w = mx.nd.array(INPUTS['w0'])
    g = mx.nd.array(INPUTS['grad_w/1'])
    st = o.create_state(0, w)
    assert st.shape == (3, 1)
    o.update(0, w, g, st)
    hist = (INPUTS['grad_w/1'] ** 2).mean(axis=1, keepdims=True)
    expect = INPUTS['w0'] - 0.1 * INPUTS['grad_w/1'] / np.sqrt(hist + 1e-5)
    np.testing.assert_allclose(w.asnumpy(), expect, rtol=1e-5)
    bad = mx.optimizer.create('groupadagrad', wd=0.1)
    with pytest.raises(MXNetError, match='Weight decay'):
        bad.update(0, w, g, bad.create_state(0, w))


# -- float16 weights with multi_precision, against MXNet 1.9.1 (tools/record_optimizer_fp16.py) -
FD = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures', 'optimizer_fp16')
with open(os.path.join(FD, 'fp16.json')) as _f:
    FP16 = json.load(_f)
FP16_Z = np.load(os.path.join(FD, 'fp16.npz'))
# a few float32 ulps; r1 taken from the master copy instead of the float16 weight (as MXNet's
# multi_mp_lamb_update does) is off by 2.5e-5 after four steps
LAMB_RTOL = 5e-6


def _check_fp16(weight, states, wkey, state_prefix, msg, rtol=1e-6):
    """The float16 weight and every float32 state array (the master copy among them) equal
    MXNet's. The states come from float32 elementwise kernels on the float32 master copy (rtol
    1e-6, as the float32 direct test; LAMB's trust ratio divides two float32 norms summed in
    another order, a few ulps: LAMB_RTOL); the weight is that master copy cast to float16, so
    it may differ from MXNet's by one float16 ulp (2**-10 relative) where the two masters
    straddle a rounding boundary."""
    assert np.dtype(weight.dtype) == np.float16, msg
    np.testing.assert_allclose(weight.asnumpy().astype(np.float32),
                               FP16_Z[wkey].astype(np.float32), rtol=2 ** -10, atol=0,
                               err_msg=msg + ' float16 weight')
    expect = sorted((k for k in FP16_Z.files if k.startswith(state_prefix)),
                    key=lambda k: int(k.rsplit('/', 1)[1]))
    assert [np.dtype(a.dtype).name for a in states] == [FP16_Z[k].dtype.name for k in expect], \
        msg
    for a, k in zip(states, expect):
        np.testing.assert_allclose(a.asnumpy(), FP16_Z[k], rtol=rtol, atol=rtol / 10,
                                   err_msg=msg + ' ' + k)


@pytest.mark.parametrize('key', sorted(FP16['direct']))
def test_multi_precision_float16_updater_matches_mxnet(key):
    """Eager Updater on float16 weights and gradients, multi_precision=True: five steps of
    MXNet's float16 weights and float32 states (master copy included)."""
    cfg = FP16['direct'][key]
    for t, up, w, b in fp16_programs.direct_steps(mx, cfg, INPUTS):
        pre = 'direct/%s/step%d/' % (key, t)
        for idx, (name, arr) in enumerate((('x_weight', w), ('x_bias', b))):
            _check_fp16(arr, mx.optimizer.flatten_state(up.states[idx]), pre + name,
                        '%sstate/%s/' % (pre, name), '%s step %d %s' % (key, t, name),
                        rtol=LAMB_RTOL if cfg['optimizer'] == 'lamb' else 1e-6)
    assert [np.dtype(a.dtype).name for a in mx.optimizer.flatten_state(up.states[0])] == \
        cfg['state_dtypes']


@pytest.mark.parametrize('key', sorted(FP16['module']))
def test_multi_precision_float16_module_matches_mxnet(key):
    """The compiled Module step on a float16 parameter whose gradient is the batch (MakeLoss of
    sum(data * w), batch 1): three steps of MXNet's float16 weight and float32 states."""
    from tfmod.io import DataDesc, DataBatch
    cfg = FP16['module'][key]
    data = mx.sym.Variable('data')
    w = mx.sym.Variable('w', shape=(1, 3, 4), dtype='float16')
    loss = mx.sym.MakeLoss(mx.sym.sum(mx.sym.broadcast_mul(data, w)), name='loss')
    mod = mx.mod.Module(loss, data_names=['data'], label_names=None, context=mx.cpu())
    mod.bind([DataDesc('data', (1, 3, 4), 'float16')], for_training=True)
    mod.init_params(arg_params={'w': mx.nd.array(FP16_Z['module/init'][None], dtype='float16')})
    mod.init_optimizer(optimizer=cfg['optimizer'],
                       optimizer_params=dict(cfg['kwargs'], multi_precision=True))
    assert mod._optimizer.rescale_grad == cfg['rescale_grad']
    for t in range(3):
        mod.forward(DataBatch([mx.nd.array(FP16_Z['module/data%d' % t], dtype='float16')]),
                    is_train=True)
        mod.backward()
        mod.update()
        pre = 'module/%s/step%d/' % (key, t)
        _check_fp16(mod.get_params()[0]['w'], mx.optimizer.flatten_state(mod._updater.states[0]),
                    pre + 'w', pre + 'state/', '%s step %d' % (key, t),
                    rtol=LAMB_RTOL if cfg['optimizer'] == 'lamb' else 1e-6)


# -- configurations MXNet's recorded set leaves out (fixtures/optimizer_options) ----------
XD = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures', 'optimizer_options')
with open(os.path.join(XD, 'options.json')) as _f:
    EXTRA_CFG = json.load(_f)
EXTRA_Z = np.load(os.path.join(XD, 'options.npz'))


@pytest.mark.parametrize('key', sorted(EXTRA_CFG))
def test_extra_configuration_matches_mxnet(key):
    """LARS (momentum correction under a FactorScheduler), LBSGD, GroupAdaGrad, Test, ccSGD, and
    clipping / bounds / clip_weights, recorded by gen_options.py with MXNet 1.9.1."""
    cfg = EXTRA_CFG[key]
    name, kw = cfg['optimizer'], dict(cfg['kwargs'])
    if 'lr_scheduler' in kw:
        sched = dict(kw['lr_scheduler'])
        kw['lr_scheduler'] = getattr(mx.lr_scheduler, sched.pop('class'))(**sched)
    o = mx.optimizer.create(name, rescale_grad=0.5, param_idx2name={0: 'x_weight', 1: 'x_bias'},
                            **kw)
    up = mx.optimizer.get_updater(o)
    group = name == 'groupadagrad'
    w = mx.nd.array(INPUTS['w0'])
    b = mx.nd.array(INPUTS['w0'][:2] * 0.5 if group else INPUTS['b0'])
    for t, step in enumerate(cfg['steps'], start=1):
        gw = mx.nd.array(INPUTS['grad_w/%d' % t])
        gb = mx.nd.array(INPUTS['grad_w/%d' % t][:2] if group else INPUTS['grad_b/%d' % t])
        up([0, 1], [gw, gb], [w, b])
        got = {'w': w, 'b': b, 'gw': gw}
        for i in (0, 1):
            for j, a in enumerate(mx.optimizer.flatten_state(up.states[i])):
                got['s%d_%d' % (i, j)] = a
        want = sorted(k for k in EXTRA_Z.files if k.startswith('%s/%d/' % (key, t)))
        assert sorted('%s/%d/%s' % (key, t, k) for k in got) == want
        for k, a in got.items():
            np.testing.assert_allclose(a.asnumpy(), EXTRA_Z['%s/%d/%s' % (key, t, k)], rtol=RTOL,
                                       atol=ATOL, err_msg='%s step %d %s' % (key, t, k))
        assert o.num_update == step['num_update']
        if step['m_schedule'] is not None:
            assert o.m_schedule == pytest.approx(step['m_schedule'], rel=1e-12)


@pytest.mark.parametrize('name,expected', [
    # recorded with MXNet 1.9.1: optimizer.create(name, param_idx2name=...).wd_mult
    ('sgd', {'fc_bias': 0.0}),
    ('lars', {'bn_gamma': 0.0, 'fc_bias': 0.0}),
])
def test_default_wd_mult_follows_the_optimizer(name, expected):
    """Most optimizers decay *_weight and *_gamma; MXNet's LARS decays only *_weight."""
    o = mx.optimizer.create(name, param_idx2name={0: 'bn_gamma', 1: 'fc_weight', 2: 'fc_bias'})
    assert o.wd_mult == expected
