"""Optimizer trajectories through Module, against MXNet 1.9.1 (fixtures/modules/optimizers).

Each configuration runs MXNet's recorded call sequence: bind, init_params, init_optimizer, then
five times forward(is_train=True), backward(), update(). Checked: outputs, gradients, parameters,
aux states and optimizer states at every step (free running, README tolerances), and -- the
strict check -- one update from the recorded step t-1 parameters/states and step t gradients.
"""
import inspect

import numpy as np
import pytest

import tfmod as mx
from support import module_replay as R

TRAJ = R.load_json('optimizers', 'trajectories.json')


def _runnable(key):
    cfg = TRAJ[key]
    if 'error' in cfg:
        return False
    return cfg['optimizer_class'].lower() in mx.optimizer.Optimizer.opt_registry


CONFIGS = sorted(k for k in TRAJ if _runnable(k))
# MXNet's scheduler attributes that its constructors spell differently (PolyScheduler(pwr=...)
# stores .power); any other recorded attribute must be a constructor argument of the same name
_SCHED_ARG = {'power': 'pwr'}
STEPWISE_ONLY = ('signsgd', 'signum')


def test_every_recorded_configuration_runs():
    """Only the configurations MXNet itself refused are left out; none is dropped silently."""
    refused = sorted(k for k in TRAJ if 'error' in TRAJ[k])
    assert sorted(set(TRAJ) - set(CONFIGS)) == refused
    assert len(CONFIGS) == 60 and len(refused) == 2


def _tol(key):
    net, cfg = key.split('__')
    if net.startswith('mlp'):
        return 1e-5
    return 2e-4 if cfg.startswith(('rmsprop', 'adagrad')) else 1e-4


def _make_optimizer(cfg):
    if 'optimizer_params' not in cfg:  # sgd_optimizer_object: see cfg['optimizer']
        return {'learning_rate': 0.1, 'momentum': 0.9, 'wd': 0.05}
    params = dict(cfg['optimizer_params'])
    sched = params.pop('lr_scheduler', None)
    if sched is not None:
        sched = dict(sched)
        klass = getattr(mx.lr_scheduler, sched.pop('class'))
        kwargs = {_SCHED_ARG.get(k, k): v for k, v in sched.items()}
        accepted = inspect.signature(klass).parameters
        unknown = sorted(set(kwargs) - set(accepted))
        assert not unknown, '%s does not take %s' % (klass.__name__, unknown)
        params['lr_scheduler'] = klass(**kwargs)
        for k, v in sched.items():  # and it holds what MXNet's scheduler held
            assert getattr(params['lr_scheduler'], k) == v, (klass.__name__, k)
    return params


def _module(key):
    cfg = TRAJ[key]
    net = 'mlp_attrs' if cfg.get('symbol') == 'mlp_attrs' else key.split('__')[0]
    mod = R.bound_module(net, fixed=cfg['fixed_param_names'] or None, grad_req=cfg['grad_req'])
    params = _make_optimizer(cfg)
    if key.endswith('sgd_optimizer_object'):
        with pytest.warns(UserWarning) as rec:
            mod.init_optimizer(optimizer=mx.optimizer.SGD(**params))
        assert [str(w.message) for w in rec] == cfg['warnings_at_init']
    else:
        mod.init_optimizer(optimizer=cfg['optimizer'], optimizer_params=params)
    if cfg.get('post_init_calls'):
        # the recorded calls, e.g. 'mod._optimizer.set_lr_mult({"fc2_weight": 0.1}); ...'
        exec(cfg['post_init_calls'], {'mod': mod})  # noqa: S102 (trusted fixture text)
    return mod, net


def _states(mod, cfg):
    names = cfg['param_names_in_update_order']
    out = {}
    for idx, st in mod._updater.states.items():
        flat = mx.optimizer.flatten_state(st)
        out[names[idx]] = [a.asnumpy() for a in flat]
    return out


@pytest.mark.parametrize('key', CONFIGS)
def test_optimizer_configuration_matches_mxnet(key):
    cfg = TRAJ[key]
    z = np.load(R.fixture('optimizers', key + '.npz'))
    mod, net = _module(key)
    opt = mod._optimizer
    assert opt.rescale_grad == pytest.approx(cfg['rescale_grad'])
    assert {int(k): v for k, v in cfg['idx2name'].items()} == opt.idx2name
    assert opt.wd_mult == cfg['wd_mult']
    assert opt.lr_mult == cfg['lr_mult']
    atol = _tol(key)
    stepwise = key.split('__')[1] in STEPWISE_ONLY
    names = cfg['param_names_in_update_order']
    for t, step in enumerate(cfg['steps'], start=1):
        if stepwise and t > 1:
            _load_step(mod, z, t - 1, cfg)
        mod.forward(R.batch(net, step['batch_index']), is_train=True)
        mod.backward()
        mod.update()
        assert opt.num_update == step['num_update']
        assert opt.learning_rate == pytest.approx(step['learning_rate'], rel=1e-12)
        out = mod.get_outputs()[0].asnumpy()
        np.testing.assert_allclose(out, z['step%d/out/softmax_output' % t], atol=atol,
                                   rtol=1e-4, err_msg='%s step %d output' % (key, t))
        exe = mod._exec_group.execs[0]
        for n in names:
            g = exe.grad_dict.get(n)
            k = 'step%d/grad/%s' % (t, n)
            if k in z.files:
                want = z[k]
                if cfg['optimizer_class'] == 'AdaDelta':
                    want = want * opt.rescale_grad  # rescaled in place by update(), as MXNet
                np.testing.assert_allclose(g.asnumpy(), want, atol=max(atol, 2e-4 if t > 1 and
                                           net == 'convbn' else atol), rtol=1e-3,
                                           err_msg='%s step %d grad %s' % (key, t, n))
        arg, aux = mod.get_params()
        diverged = t > 1 and any(not np.isfinite(z['step%d/arg/%s' % (t - 1, n)]).all()
                                 for n in arg)
        for n, a in list(arg.items()) + list(aux.items()):
            k = 'step%d/%s/%s' % (t, 'arg' if n in arg else 'aux', n)
            got, want = a.asnumpy(), z[k]
            if stepwise and n in arg and 'step%d/grad/%s' % (t, n) in z.files:
                # sign optimizers: a gradient at rounding-noise level may flip its sign
                # between implementations (README: check these one step at a time)
                noise = np.abs(z['step%d/grad/%s' % (t, n)]) < 1e-6
                got, want = got[~noise], want[~noise]
            if diverged and not np.isfinite(want).all():
                # MXNet's run went NaN a step earlier (Adamax on convbn); which entries of a
                # reduction over NaN inputs come out inf or finite is the kernels' accident, not
                # MXNet's specification: tfmod diverged too, and agrees where both are finite.
                assert not np.isfinite(got).all(), (key, t, n)
                both = np.isfinite(got) & np.isfinite(want)
                got, want = got[both], want[both]
            np.testing.assert_allclose(got, want, atol=atol, rtol=1e-4, equal_nan=True,
                                       err_msg='%s step %d %s' % (key, t, n))
        states = _states(mod, cfg)
        for n in names:
            j = 0
            while 'step%d/state/%s/%d' % (t, n, j) in z.files:
                np.testing.assert_allclose(states[n][j], z['step%d/state/%s/%d' % (t, n, j)],
                                           atol=atol, rtol=1e-4, equal_nan=True,
                                           err_msg='%s step %d state %s/%d' % (key, t, n, j))
                j += 1
            if step['state_structure'].get(n) is None:
                assert not states.get(n), (key, n)
        assert {names[i]: c for i, c in opt._index_update_count.items()} == \
            step['index_update_count']
    assert exe.trace_count <= 2  # compiled once (plus the inference trace, if any)


def _load_step(mod, z, t, cfg):
    """Put the recorded step-t parameters, aux states and optimizer states into the module."""
    names = cfg['param_names_in_update_order']
    exe = mod._exec_group.execs[0]
    for n in names:
        exe.arg_dict[n][:] = z['step%d/arg/%s' % (t, n)]
    for n in exe.aux_dict:
        exe.aux_dict[n][:] = z['step%d/aux/%s' % (t, n)]
    for idx, st in mod._updater.states.items():
        for j, a in enumerate(mx.optimizer.flatten_state(st)):
            a[:] = z['step%d/state/%s/%d' % (t, names[idx], j)]


@pytest.mark.parametrize('key', CONFIGS)
def test_one_update_from_recorded_inputs(key):
    """Strict: from step t-1's params/states and step t's gradients, one update() (rtol 1e-5)."""
    cfg = TRAJ[key]
    z = np.load(R.fixture('optimizers', key + '.npz'))
    mod, net = _module(key)
    names = cfg['param_names_in_update_order']
    exe = mod._exec_group.execs[0]
    mod.forward(R.batch(net, 0), is_train=True)
    mod.backward()
    mod.update()  # creates the states; step 1
    for t in range(2, len(cfg['steps']) + 1):
        _load_step(mod, z, t - 1, cfg)
        # the forward of step t (it resets fix_gamma gammas to 1, as MXNet's does)
        mod.forward(R.batch(net, cfg['steps'][t - 1]['batch_index']), is_train=True)
        for n in names:
            k = 'step%d/grad/%s' % (t, n)
            if k in z.files and exe.grad_dict.get(n) is not None:
                exe.grad_dict[n][:] = z[k]
        mod.update()
        for n in names:
            np.testing.assert_allclose(exe.arg_dict[n].asnumpy(), z['step%d/arg/%s' % (t, n)],
                                       rtol=1e-5, atol=1e-6, equal_nan=True,
                                       err_msg='%s step %d %s' % (key, t, n))
