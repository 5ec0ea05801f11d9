"""The one compiled training step (tfmod/module/train_step.py) on 1 and 2 logical devices.

Several devices run on a tf.distribute MirroredStrategy, one device on TF's default strategy,
both through the same code. MXNet's numbers for several devices (per-device BatchNorm
statistics, uneven splits) are checked against recorded fixtures in test_multidevice.py; here,
2 replicas must equal one device training on the concatenated batches. With BatchNorm that holds
exactly only when each replica's slice has the statistics of the whole batch (MXNet normalises
per device), so the second half of every batch is a permutation of the first, with its own
labels: the statistics agree, the gradients do not.
"""
import numpy as np
import tensorflow as tf

import tfmod as mx


def _net():
    data = mx.sym.Variable('data')
    h = mx.sym.BatchNorm(data, fix_gamma=False, momentum=0.8, name='bn')
    h = mx.sym.FullyConnected(h, num_hidden=16, name='fc1')
    h = mx.sym.Activation(h, act_type='relu', name='relu1')
    h = mx.sym.FullyConnected(h, num_hidden=4, name='fc2')
    return mx.sym.SoftmaxOutput(h, name='softmax')


def _batches(n=5, half=4, dim=6):
    rng = np.random.RandomState(3)
    out = []
    for _ in range(n):
        x = rng.randn(half, dim).astype('float32')
        x = np.concatenate([x, x[rng.permutation(half)]])
        y = rng.randint(0, 4, size=2 * half).astype('float32')
        out.append(mx.io.DataBatch([mx.nd.array(x)], [mx.nd.array(y)]))
    return out


def _train(ctx, batches):
    mod = mx.mod.Module(_net(), context=ctx)
    mod.bind([('data', batches[0].data[0].shape)], [('softmax_label', (8,))])
    mx.random.seed(7)
    mod.init_params(mx.init.Constant(0.05), force_init=True)
    rng = np.random.RandomState(11)
    arg, aux = mod.get_params()
    arg = {k: mx.nd.array(rng.uniform(-0.5, 0.5, v.shape)) for k, v in arg.items()}
    mod.set_params(arg, aux)
    mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.1,
                                                          'momentum': 0.9, 'wd': 1e-4})
    for b in batches:
        mod.forward_backward(b)
        mod.update()
    return mod


def test_two_devices_equal_one_device_on_the_concatenated_batches():
    batches = _batches()
    one = _train(mx.cpu(0), batches)
    two = _train([mx.cpu(0), mx.cpu(1)], batches)
    a1, x1 = one.get_params()
    a2, x2 = two.get_params()
    for n in a1:
        np.testing.assert_allclose(a2[n].asnumpy(), a1[n].asnumpy(), atol=1e-5, err_msg=n)
    for n in x1:     # per-device moving statistics, averaged when read (MXNet's get_params)
        np.testing.assert_allclose(x2[n].asnumpy(), x1[n].asnumpy(), atol=1e-5, err_msg=n)
    np.testing.assert_allclose(two.get_outputs()[0].asnumpy(), one.get_outputs()[0].asnumpy(),
                               atol=1e-5)


def test_one_step_code_on_the_default_and_the_mirrored_strategy():
    batches = _batches(3)
    one = _train(mx.cpu(0), batches)
    two = _train([mx.cpu(0), mx.cpu(1)], batches)
    s1, s2 = one._train_step, two._train_step
    assert type(s1) is type(s2)
    assert s1._replicas.strategy is tf.distribute.get_strategy()     # the one-replica case
    assert isinstance(s2._replicas.strategy, tf.distribute.MirroredStrategy)
    assert s2._replicas.strategy.num_replicas_in_sync == 2
    # every batch was one compiled call, traced once
    assert s1.trace_count == 1 and s2.trace_count == 1
    assert [e.call_count for e in two._exec_group.execs] == [3, 3]
    # the optimizer kept one state per parameter: by index on one device, by name in the store
    assert sorted(one._updater.states) == list(range(len(one._exec_group.param_names)))
    assert sorted(two._kvstore._updater.states) == sorted(two._exec_group.param_names)


def test_update_after_reading_gradients_equals_the_fused_step():
    """Reading a gradient runs the deferred forward/backward on its own; the update then
    runs compiled from the grad arrays -- same numbers (3 uneven replicas, grad_req='add')."""
    batches = _batches(3)
    res = []
    for read in (False, True):
        mod = mx.mod.Module(_net(), context=[mx.cpu(0), mx.cpu(1), mx.cpu(2)],
                            work_load_list=[2, 1, 1])
        mod.bind([('data', (8, 6))], [('softmax_label', (8,))], grad_req='add')
        mod.init_params(mx.init.Xavier(rnd_type='uniform', magnitude=2))
        mod.set_params(*_fixed_params(mod))
        mod.init_optimizer(optimizer='adam', optimizer_params={'learning_rate': 0.01})
        for b in batches:
            mod.forward_backward(b)
            if read:
                mod._exec_group.grad_arrays[0][1].asnumpy()
            mod.update()
        assert [k[0] for k in mod._train_step._cache] == [not read]
        res.append(mod.get_params())
    for d0, d1 in zip(*res):
        for n in d0:
            np.testing.assert_allclose(d1[n].asnumpy(), d0[n].asnumpy(), atol=1e-6, err_msg=n)


def _fixed_params(mod):
    rng = np.random.RandomState(5)
    arg, aux = mod.get_params()
    return {k: mx.nd.array(rng.uniform(-0.5, 0.5, v.shape)) for k, v in arg.items()}, aux
