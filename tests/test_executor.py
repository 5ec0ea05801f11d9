"""Executor semantics: bind/simple_bind, write-through arrays, grad_req, reshape, compilation."""
import numpy as np
import pytest

import tfmod as mx
from tfmod.base import MXNetError


def _mlp():
    data = mx.sym.Variable('data')
    fc = mx.sym.FullyConnected(data, num_hidden=3, name='fc')
    return mx.sym.SoftmaxOutput(fc, name='sm')


def test_arg_dict_writes_through_to_the_next_forward():
    ex = _mlp().simple_bind(mx.cpu(), data=(2, 4))
    ex.arg_dict['data'][:] = 1
    ex.arg_dict['fc_weight'][:] = 0
    out0 = ex.forward()[0].asnumpy()
    np.testing.assert_allclose(out0, 1 / 3.)
    ex.arg_dict['fc_bias'][:] = [0, 0, 10]
    out1 = ex.forward()[0].asnumpy()
    assert out1[0, 2] > 0.99
    w = ex.arg_dict['fc_weight']
    w[0] = 5  # a row view writes through too
    np.testing.assert_array_equal(ex.arg_dict['fc_weight'].asnumpy()[0], 5)


def test_traced_once_over_many_forwards_and_one_call_per_training_step():
    ex = _mlp().simple_bind(mx.cpu(), data=(8, 4))
    rng = np.random.RandomState(0)
    for _ in range(20):
        ex.forward(is_train=False, data=rng.rand(8, 4))
    assert ex.trace_count == 1
    calls = ex.call_count
    for _ in range(10):
        ex.forward(is_train=True, data=rng.rand(8, 4), sm_label=rng.randint(0, 3, 8))
        ex.backward()
        ex.outputs[0].asnumpy()
    assert ex.call_count == calls + 10  # forward + backward of a loss symbol: one call
    assert ex.trace_count == 2
    assert ex.grad_dict['fc_weight'].asnumpy().any()


def test_grad_req_write_add_null():
    data = mx.sym.Variable('data')
    out = mx.sym.MakeLoss(mx.sym.sum(mx.sym.FullyConnected(data, num_hidden=2, name='fc')))
    args = {'data': mx.nd.ones((1, 3)), 'fc_weight': mx.nd.ones((2, 3)),
            'fc_bias': mx.nd.zeros((2,))}
    grads = {k: mx.nd.zeros(v.shape) for k, v in args.items()}
    ex = out.bind(mx.cpu(), args, args_grad=grads,
                  grad_req={'data': 'null', 'fc_weight': 'add', 'fc_bias': 'write'})
    for _ in range(3):
        ex.forward(is_train=True)
        ex.backward()
    np.testing.assert_array_equal(grads['fc_weight'].asnumpy(), 3)  # accumulated
    np.testing.assert_array_equal(grads['fc_bias'].asnumpy(), 1)     # overwritten
    np.testing.assert_array_equal(grads['data'].asnumpy(), 0)        # untouched
    assert ex.grad_dict['fc_weight'] is grads['fc_weight']


def test_backward_needs_head_gradients_for_non_loss_outputs():
    fc = mx.sym.FullyConnected(mx.sym.Variable('data'), num_hidden=2, name='fc')
    ex = fc.simple_bind(mx.cpu(), data=(2, 3))
    ex.forward(is_train=True)
    with pytest.raises(MXNetError, match='head_gradient is required'):
        ex.backward()
    ex.backward(mx.nd.ones((2, 2)))
    np.testing.assert_array_equal(ex.grad_dict['fc_bias'].asnumpy(), 2)
    with pytest.raises(MXNetError, match='needs a forward'):
        fc.simple_bind(mx.cpu(), data=(2, 3)).backward()


def test_reshape_shares_parameters_and_copy_params_from():
    ex = _mlp().simple_bind(mx.cpu(), data=(8, 4))
    ex.copy_params_from({'fc_weight': mx.nd.ones((3, 4)), 'fc_bias': mx.nd.zeros((3,))})
    small = ex.reshape(data=(2, 4), sm_label=(2,))
    assert small.arg_dict['fc_weight'] is ex.arg_dict['fc_weight']
    small.arg_dict['fc_bias'][:] = 3
    np.testing.assert_array_equal(ex.arg_dict['fc_bias'].asnumpy(), 3)
    assert small.forward(data=np.ones((2, 4)))[0].shape == (2, 3)
    with pytest.raises(MXNetError, match='partial_shaping'):
        ex.reshape(data=(8, 5))
    with pytest.raises(ValueError, match='nope'):
        ex.copy_params_from({'nope': mx.nd.ones((1,))})
    with pytest.raises(MXNetError, match='shape'):
        ex.copy_params_from({'fc_weight': mx.nd.ones((3, 5))})


def test_bad_inputs_name_what_is_wrong():
    ex = _mlp().simple_bind(mx.cpu(), data=(2, 4))
    with pytest.raises(MXNetError, match=r"'image' is not an argument"):
        ex.forward(image=np.zeros((2, 4)))
    with pytest.raises(MXNetError, match=r"input 'data' has shape \(3, 4\)"):
        ex.forward(data=np.zeros((3, 4)))
    with pytest.raises(MXNetError, match='cannot infer the shapes'):
        _mlp().simple_bind(mx.cpu())
    with pytest.raises(MXNetError, match="'dta' is not an input"):
        _mlp().simple_bind(mx.cpu(), dta=(2, 4))
    with pytest.raises(MXNetError, match='needs 4'):
        _mlp().bind(mx.cpu(), [mx.nd.ones((2, 4))])


def test_outputs_are_updated_in_place_and_eval():
    data = mx.sym.Variable('data')
    s = data * 2
    ex = s.simple_bind(mx.cpu(), data=(2,))
    out = ex.outputs[0]
    ex.forward(data=np.array([1., 2.]))
    np.testing.assert_array_equal(out.asnumpy(), [2, 4])
    ex.forward(data=np.array([3., 4.]))
    np.testing.assert_array_equal(out.asnumpy(), [6, 8])  # the same NDArray, new values
    np.testing.assert_array_equal(s.eval(data=mx.nd.array([5.]))[0].asnumpy(), [10])
