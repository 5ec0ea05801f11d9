"""A Convolution's gradient as forward convolutions (converters/conv_grad.py): MXNet 1.9.1's
gradients for layers on both sides of the size rules, and which kernels each one's training
graph runs (the forms are chosen by the layer's sizes; TF's own backprop kernels elsewhere)."""
import collections
import os
import sys

import numpy as np
import pytest

import tfmod as mx

sys.path.insert(0, os.path.join(os.path.dirname(__file__), 'support'))
from conv_grad_cases import CASES, arrays, symbol  # noqa: E402

REC = np.load(os.path.join(os.path.dirname(__file__), 'fixtures', 'conv_grad', 'cases.npz'))


def _run(name, grad_req='write'):
    a = arrays(name)
    args = {k: mx.nd.array(v) for k, v in a.items() if k != 'head'}
    grads = {k: mx.nd.zeros(v.shape) for k, v in args.items()}
    ex = symbol(mx, name).bind(mx.cpu(), args, args_grad=grads, grad_req=grad_req)
    ex.forward(is_train=True)
    ex.backward([mx.nd.array(a['head'])])
    mx.nd.waitall()     # the backward runs when its results are needed
    ops = collections.Counter(o.type for cf in ex._concrete.values()
                              for o in cf.graph.get_operations())
    return grads, ops


@pytest.mark.parametrize('name', sorted(CASES))
def test_gradients_are_mxnets(name):
    grads, _ = _run(name)
    for k, g in grads.items():
        want = REC[name + ':grad:' + k]
        np.testing.assert_allclose(g.asnumpy(), want, rtol=1e-4, atol=1e-4 * np.abs(want).max(),
                                   err_msg='%s: gradient of %s' % (name, k))


@pytest.mark.parametrize('name', sorted(CASES))
def test_each_gradient_runs_the_chosen_kernel(name):
    filter_form, input_form = CASES[name][-1]
    _, ops = _run(name)
    assert (ops['Conv2DBackpropFilter'] == 0) == filter_form, ops
    assert (ops['Conv2DBackpropInput'] == 0) == input_form, ops
    # the forward conv, plus one per gradient computed as a forward conv
    assert ops['Conv2D'] == 1 + filter_form + input_form, ops


def test_an_unneeded_gradient_is_not_built():
    grads, ops = _run('both_forms', grad_req={'data': 'null', 'conv_weight': 'write'})
    assert ops['Conv2D'] == 2 and ops['Conv2DBackpropInput'] == 0, ops
    assert not grads['data'].asnumpy().any()
    np.testing.assert_allclose(grads['conv_weight'].asnumpy(),
                               REC['both_forms:grad:conv_weight'], rtol=1e-4, atol=1e-4)


def test_inference_is_a_plain_conv():
    a = arrays('both_forms')
    ex = symbol(mx, 'both_forms').bind(
        mx.cpu(), {k: mx.nd.array(v) for k, v in a.items() if k != 'head'}, grad_req='null')
    ex.forward(is_train=False)
    ops = collections.Counter(o.type for cf in ex._concrete.values()
                              for o in cf.graph.get_operations())
    assert ops['Conv2D'] + ops['_FusedConv2D'] == 1 and not ops['Conv2DBackpropFilter'], ops
