"""What the compiled training step costs to start: its traced graph and its Grappler options.

A step's start-up is dominated by the number of TF ops traced (each costs Python time, then
Grappler time). The update's scalars -- learning rates, weight decays, hyper-parameters -- come
from one unstack of the step's scalar vector and one float32 cast of it, and a hyper-parameter
every parameter shares is cast once (converters/optimizer.py ``shared_casts``), so the update
adds no slice or cast per parameter; its numbers stay those of the eager update, bit for bit.
The step's calls run with one Grappler round (tfmod/step_options.py), set per call.
"""
import collections

import numpy as np
import tensorflow as tf
from tensorflow.core.protobuf import config_pb2, rewriter_config_pb2
from tensorflow.python.eager import context

import tfmod as mx
from tfmod import step_options

RW = rewriter_config_pb2.RewriterConfig
OPT = {'learning_rate': 0.1, 'momentum': 0.9, 'wd': 0.01, 'rescale_grad': 0.25,
       'clip_gradient': 0.5}


def _mlp(layers):
    h = mx.sym.Variable('data')
    for k in range(layers):
        h = mx.sym.FullyConnected(h, num_hidden=5, name='fc%d' % k)
    return mx.sym.SoftmaxOutput(h, name='softmax')


def _module(layers):
    mod = mx.mod.Module(_mlp(layers), context=mx.cpu())
    mod.bind([('data', (4, 3))], [('softmax_label', (4,))])
    mod.init_params(mx.init.Xavier(rnd_type='uniform', magnitude=3))
    opt = mx.optimizer.SGD(**OPT)
    opt.set_lr_mult({'fc0_weight': 0.5})
    mod.init_optimizer(optimizer=opt)
    return mod


def _batch():
    rng = np.random.RandomState(0)
    return mx.io.DataBatch([mx.nd.array(rng.randn(4, 3))],
                           [mx.nd.array(rng.randint(0, 5, 4).astype('float32'))])


def _graph_ops(mod, batch):
    mod.forward_backward(batch)
    mod.update()
    (entry,) = mod._train_step._cache.values()
    return collections.Counter(o.type for o in entry[1].graph.get_operations())


def _step_ops(layers, types=('Cast', 'StridedSlice', 'Unpack')):
    ops = _graph_ops(_module(layers), _batch())
    return {t: ops[t] for t in types}


def test_update_adds_no_slice_or_cast_per_parameter():
    small, large = _step_ops(2), _step_ops(8)     # 4 and 16 parameters
    assert small == large, (small, large)
    assert small['Unpack'] == 2     # the scalars, and their float32 casts


def test_parameters_sharing_lr_and_wd_share_their_scalar_products():
    """SGD with momentum and clipping multiplies momentum * mom, (lr * wd) * w, rescale * g and
    lr * clip(..) per parameter; lr * wd is made once per distinct (lr, wd) pair."""
    small, large = _step_ops(2, ('Mul',)), _step_ops(8, ('Mul',))
    assert (large['Mul'] - small['Mul']) / 12 == 4, (small, large)


def test_update_steps_from_the_forward_reads_of_the_weights():
    """Per parameter the step reads its weight once (for the forward, reused by the update)
    and its momentum once."""
    small, large = _step_ops(2, ('ReadVariableOp',)), _step_ops(8, ('ReadVariableOp',))
    assert (large['ReadVariableOp'] - small['ReadVariableOp']) / 12 == 2, (small, large)


def test_conv_batchnorm_relu_step_builds_nothing_unread():
    """A training step's BatchNorms build no inverse std nobody reads and no stop-gradients
    before their moving averages' assignments, share their constants (momentum, 1 - momentum,
    the empty running statistics, the variance correction of a count, with the layout
    transposes' permutations and the relus' zero), and neither they nor
    the relus leave the gradient tape zeros or identities that nothing runs."""
    h = mx.sym.Variable('data')
    for k in range(2):
        h = mx.sym.Convolution(h, kernel=(3, 3), pad=(1, 1), num_filter=4, name='c%d' % k)
        h = mx.sym.Activation(mx.sym.BatchNorm(h, fix_gamma=False, name='bn%d' % k), 'relu',
                              name='r%d' % k)
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(h, num_hidden=3, name='fc'),
                               name='softmax')
    mod = mx.mod.Module(net, context=mx.cpu())
    mod.bind([('data', (2, 3, 4, 4))], [('softmax_label', (2,))])
    mod.init_params(mx.init.Xavier())
    mod.init_optimizer(optimizer='sgd', optimizer_params={'momentum': 0.9})
    rng = np.random.RandomState(0)
    mod.forward_backward(mx.io.DataBatch([mx.nd.array(rng.randn(2, 3, 4, 4))],
                                         [mx.nd.array([0, 2])]))
    mod.update()
    (entry,) = mod._train_step._cache.values()
    graph_ops = entry[1].graph.get_operations()
    ops = collections.Counter(o.type for o in graph_ops)
    assert ops['Rsqrt'] == 0 and ops['StopGradient'] == 0, ops
    assert ops['IdentityN'] == 1, ops      # SoftmaxOutput's custom gradient alone
    if not tf.config.list_logical_devices('GPU'):     # (V3, with GPUs, gets tape zeros)
        assert ops['Fill'] + ops['ZerosLike'] == 0, ops
    # the second block's conv, BatchNorm and relu make no constant (transpose permutations
    # and the relu's zero too)
    assert [o.name for o in graph_ops if o.name.startswith(('c1/', 'bn1/', 'r1/')) and
            o.type == 'Const'] == []



def test_compiled_update_equals_the_eager_update_bit_for_bit():
    """Update-only compiled calls (the gradients read first) against the Updater's eager
    update of the same gradients, two steps: equal arrays (the casts are shared, not changed)."""
    compiled, eager = _module(3), _module(3)
    eager.set_params(*compiled.get_params())
    names = compiled._exec_group.param_names
    for _ in range(2):
        for mod in (compiled, eager):
            mod.forward_backward(_batch())
        exe_c, exe_e = compiled._exec_group.execs[0], eager._exec_group.execs[0]
        for n in names:
            np.testing.assert_array_equal(exe_c.grad_dict[n].asnumpy(),
                                          exe_e.grad_dict[n].asnumpy())
        compiled.update()
        eager._updater(list(range(len(names))), [exe_e.grad_dict[n] for n in names],
                       [exe_e.arg_dict[n] for n in names])
    assert [k[0] for k in compiled._train_step._cache] == [False]   # the update-only call
    for n in names:
        a, b = exe_c.arg_dict[n].asnumpy(), exe_e.arg_dict[n].asnumpy()
        np.testing.assert_array_equal(a, b, err_msg=n)
    st_c = compiled._updater.states
    st_e = eager._updater.states
    for k in st_c:
        np.testing.assert_array_equal(st_c[k].asnumpy(), st_e[k].asnumpy())


def test_step_calls_run_with_one_grappler_round_and_restore_the_thread_options():
    ctx = context.context()
    before, global_before = ctx.function_call_options, ctx.config.SerializeToString()
    seen = []
    orig = step_options.StepCall.__enter__

    def enter(self):
        out = orig(self)
        cfg = config_pb2.ConfigProto.FromString(
            context.context().function_call_options.config_proto_serialized)
        seen.append(cfg.graph_options.rewrite_options.meta_optimizer_iterations)
        return out
    step_options.StepCall.__enter__ = enter
    try:
        mod = _module(2)
        mod.forward_backward(_batch())
        mod.update()
        mod.get_outputs()[0].asnumpy()
        assert seen == [RW.ONE]
        exe = mod._exec_group.execs[0]      # an executor's own forward + backward
        exe.forward(is_train=True, data=mx.nd.ones((4, 3)))
        exe.backward()
        exe.grad_dict['fc0_weight'].asnumpy()
    finally:
        step_options.StepCall.__enter__ = orig
    assert seen == [RW.ONE, RW.ONE]
    assert ctx.function_call_options is before
    assert ctx.config.SerializeToString() == global_before     # TF's own config untouched


def test_step_options_keep_what_the_user_set():
    cfg = config_pb2.ConfigProto()
    rw = cfg.graph_options.rewrite_options
    rw.meta_optimizer_iterations = RW.TWO
    rw.memory_optimization = RW.HEURISTICS
    rw.layout_optimizer = RW.ON
    rw.constant_folding = RW.OFF
    ours = step_options.step_options(context.FunctionCallOptions(config_proto=cfg))
    got = config_pb2.ConfigProto.FromString(ours.config_proto_serialized)
    assert got.graph_options.rewrite_options.disable_tfg_optimizer    # was at its default
    got.graph_options.rewrite_options.disable_tfg_optimizer = False
    assert got.graph_options.rewrite_options == rw
    mine = config_pb2.ConfigProto.FromString(step_options.step_options(
        context.FunctionCallOptions(config_proto=config_pb2.ConfigProto()))
        .config_proto_serialized).graph_options.rewrite_options
    assert mine.meta_optimizer_iterations == RW.ONE
    assert mine.constant_folding == RW.DEFAULT
    assert mine.disable_tfg_optimizer
    if not tf.config.list_logical_devices('GPU'):
        assert mine.memory_optimization == RW.NO_MEM_OPT and mine.layout_optimizer == RW.OFF


def test_later_steps_skip_the_signature_binding():
    """After the first step the training step calls its concrete function with the flat
    tensor list (tfmod/flat_call.py), and later steps give the numbers of the ordinary call."""
    mods = [_module(2), _module(2)]
    mods[1].set_params(*mods[0].get_params())
    for k in range(3):
        for m in mods:
            m.forward_backward(_batch())
            m.update()
        if k == 0:      # the second module keeps TF's ordinary call
            (entry,) = mods[1]._train_step._cache.values()
            assert entry[2] is not None
            entry[2] = None
    (entry,) = mods[0]._train_step._cache.values()
    assert entry[2] is not None
    a, b = (m.get_params()[0] for m in mods)
    for n in a:
        np.testing.assert_array_equal(a[n].asnumpy(), b[n].asnumpy())


def test_bind_traces_shape_inference_on_shared_placeholders(monkeypatch):
    """Shape inference traces lowerings on one placeholder per distinct (shape, dtype): three
    activations of a (4, 3) float32 input need one, not one per traced node."""
    import importlib
    infer_mod = importlib.import_module('tfmod_converters.infer')
    made = []
    orig = tf.compat.v1.placeholder

    def counted(*a, **k):
        made.append(1)
        return orig(*a, **k)
    monkeypatch.setattr(tf.compat.v1, 'placeholder', counted)
    monkeypatch.setattr(infer_mod, '_TRACE_MEMO', {})
    h = mx.sym.Variable('data')
    for act in ('relu', 'sigmoid', 'tanh'):
        h = mx.sym.Activation(h, act_type=act)
    arg, out, _ = h.infer_shape(data=(4, 3))
    assert out == [(4, 3)]
    assert len(made) == 1
