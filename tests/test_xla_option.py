"""TFMOD_JIT_COMPILE=1: a Module's compiled training step under XLA (tfmod/xla_option.py).

With it, the recorded MXNet 1.9.1 optimizer trajectories still hold (the same tolerances as
without), the step's function is XLA-compiled, steps over several devices stay plain, and a
step XLA cannot compile (a Custom op's Python) runs without it, with one warning.
"""
import logging

import numpy as np
import pytest

import tfmod as mx
import test_module_trajectories as T
from tfmod.module.train_step import TrainStep


def _steps(mod):
    """The concrete functions of a module's compiled training step."""
    ts = mod._train_step
    assert isinstance(ts, TrainStep), 'no compiled training step'
    return [e[1] for e in ts._cache.values() if e[1] is not None]


def _jitted(concrete):
    attr = concrete.function_def.attr.get('_XlaMustCompile')
    return attr is not None and attr.b


@pytest.mark.parametrize('key', ['mlp__sgd_mom_wd', 'mlp__adam_wd_clip', 'convbn__sgd_mom_wd',
                                 'mlp__sgd_grad_add'])
def test_xla_step_keeps_mxnets_trajectory(key, monkeypatch):
    monkeypatch.setenv('TFMOD_JIT_COMPILE', '1')
    T.test_optimizer_configuration_matches_mxnet(key)


def _mlp_module(ctx=None):
    data = mx.sym.Variable('data')
    net = mx.sym.FullyConnected(data, num_hidden=16, name='fc1')
    net = mx.sym.Activation(net, act_type='relu')
    net = mx.sym.FullyConnected(net, num_hidden=4, name='fc2')
    net = mx.sym.SoftmaxOutput(net, name='softmax')
    mod = mx.mod.Module(net, context=ctx or mx.cpu())
    mod.bind(data_shapes=[('data', (8, 10))], label_shapes=[('softmax_label', (8,))])
    mx.random.seed(3)
    mod.init_params(mx.init.Uniform(0.1))
    mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.1,
                                                          'momentum': 0.9, 'wd': 1e-3})
    return mod


def _train(mod, n=3):
    rng = np.random.RandomState(0)
    for _ in range(n):
        b = mx.io.DataBatch([mx.nd.array(rng.rand(8, 10))],
                            [mx.nd.array(rng.randint(0, 4, 8))])
        mod.forward_backward(b)
        mod.update()
    return {k: v.asnumpy() for k, v in mod.get_params()[0].items()}


def test_step_is_jitted_only_when_asked(monkeypatch):
    monkeypatch.delenv('TFMOD_JIT_COMPILE', raising=False)
    plain = _mlp_module()
    want = _train(plain)
    assert not any(_jitted(c) for c in _steps(plain))
    monkeypatch.setenv('TFMOD_JIT_COMPILE', '1')
    xla = _mlp_module()
    got = _train(xla)
    steps = _steps(xla)
    assert steps and all(_jitted(c) for c in steps)
    for k in want:      # the same step, up to XLA's contracted multiply-adds
        np.testing.assert_allclose(got[k], want[k], rtol=1e-5, atol=1e-6, err_msg=k)


def test_several_devices_stay_plain(monkeypatch):
    monkeypatch.setenv('TFMOD_JIT_COMPILE', '1')
    mod = _mlp_module([mx.cpu(0), mx.cpu(1)])
    got = _train(mod)
    monkeypatch.setenv('TFMOD_JIT_COMPILE', '0')
    want = _train(_mlp_module([mx.cpu(0), mx.cpu(1)]))
    for k in want:
        np.testing.assert_array_equal(got[k], want[k], err_msg=k)


class _Double(mx.operator.CustomOp):
    def forward(self, is_train, req, in_data, out_data, aux):
        self.assign(out_data[0], req[0], in_data[0] * 2)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        self.assign(in_grad[0], req[0], out_grad[0] * 2)


@mx.operator.register('xla_test_double')
class _DoubleProp(mx.operator.CustomOpProp):
    def __init__(self):
        super().__init__(need_top_grad=True)

    def infer_shape(self, in_shape):
        return in_shape, in_shape, []

    def create_operator(self, ctx, shapes, dtypes):
        return _Double()


def test_custom_op_step_falls_back_with_one_warning(monkeypatch, caplog):
    from tfmod import xla_option
    monkeypatch.setattr(xla_option, '_warned', [])

    def module():
        data = mx.sym.Variable('data')
        net = mx.sym.FullyConnected(data, num_hidden=4, name='fc1')
        net = mx.sym.Custom(net, op_type='xla_test_double', name='double')
        net = mx.sym.SoftmaxOutput(net, name='softmax')
        mod = mx.mod.Module(net)
        mod.bind(data_shapes=[('data', (8, 10))], label_shapes=[('softmax_label', (8,))])
        mx.random.seed(5)
        mod.init_params(mx.init.Uniform(0.1))
        mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.1})
        return mod
    monkeypatch.setenv('TFMOD_JIT_COMPILE', '0')
    want = _train(module())
    monkeypatch.setenv('TFMOD_JIT_COMPILE', '1')
    with caplog.at_level(logging.WARNING):
        mod = module()
        got = _train(mod)
    warned = [r for r in caplog.records if 'TFMOD_JIT_COMPILE=1' in r.getMessage()]
    assert len(warned) == 1, [r.getMessage() for r in caplog.records]
    assert not any(_jitted(c) for c in _steps(mod))
    for k in want:
        np.testing.assert_array_equal(got[k], want[k], err_msg=k)
