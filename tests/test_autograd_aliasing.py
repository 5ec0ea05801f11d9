"""Variables that hold the same tensor (``b[:] = a`` shares it until one is written) are still
separate variables under autograd: each gets the gradient of its own uses only. MXNet 1.9.1
(run on these programs) gives a.grad [3, 3], b.grad [1, 2], c.grad [1, 2] for the second and
a.grad [3, 3], b.grad [0, 0] for the first; a shared tape source gave a the sum of both."""
import numpy as np

import tfmod as mx


def _shared(n):
    a = mx.nd.array([1.0, 2.0])
    out = [a]
    for _ in range(n):
        x = mx.nd.zeros((2,))
        x[:] = a
        out.append(x)
    return out


def test_a_variable_sharing_anothers_tensor_gets_no_gradient_of_the_others_uses():
    a, b = _shared(1)
    a.attach_grad()
    b.attach_grad()
    with mx.autograd.record():
        y = (a * 3).sum()
    y.backward()
    np.testing.assert_array_equal(a.grad.asnumpy(), [3, 3])
    np.testing.assert_array_equal(b.grad.asnumpy(), [0, 0])


def test_variables_sharing_a_tensor_each_get_their_own_gradient():
    a, b, c = _shared(2)
    a.attach_grad()
    b.attach_grad()
    c.attach_grad(grad_req='add')
    with mx.autograd.record():
        y = (a * 3 + b * 5).sum()
    y.backward()
    with mx.autograd.record():
        z = (c * b).sum()
    z.backward()
    np.testing.assert_array_equal(a.grad.asnumpy(), [3, 3])
    np.testing.assert_array_equal(b.grad.asnumpy(), [1, 2])
    np.testing.assert_array_equal(c.grad.asnumpy(), [1, 2])
