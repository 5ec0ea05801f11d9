"""Small mx.autograd programs, run on real MXNet 1.9.1 by tools/record_autograd.py (fixture
tests/fixtures/autograd/cases.npz) and on tfmod by tests/test_autograd.py.

Each ``case_*`` takes the ``mx`` module (mxnet or tfmod) and returns {name: numpy array}.
Random ops (Dropout) return only what does not depend on the draw.
"""
import numpy as np

X = [[1., 2., 3.], [4., 5., 6.]]


def _x(mx, value=X, req='write'):
    x = mx.nd.array(value)
    x.attach_grad(grad_req=req)
    return x


def case_elemwise(mx):
    x = _x(mx)
    with mx.autograd.record():
        y = (x * x).sum() + mx.nd.sin(x).sum() + (mx.nd.exp(x / 4) * 2).sum()
    y.backward()
    return {'y': y.asnumpy(), 'dx': x.grad.asnumpy()}


def case_unary_ops(mx):
    x = _x(mx, [[0.5, 1.5, 2.5], [0.1, 0.2, 0.3]])
    with mx.autograd.record():
        y = (mx.nd.log(x) + mx.nd.sqrt(x) + mx.nd.tanh(x) + mx.nd.sigmoid(x)
             + mx.nd.relu(x - 1) + x ** 3 + 1 / x)
    y.backward()
    return {'y': y.asnumpy(), 'dx': x.grad.asnumpy()}


def case_broadcast(mx):
    x = _x(mx)
    b = mx.nd.array([[10., 20., 30.]])
    b.attach_grad()
    with mx.autograd.record():
        y = mx.nd.broadcast_mul(x, b) + mx.nd.broadcast_add(x, b) * x - b
    y.backward()
    return {'y': y.asnumpy(), 'dx': x.grad.asnumpy(), 'db': b.grad.asnumpy()}


def case_dot(mx):
    a = _x(mx)
    w = mx.nd.array([[1., -1.], [0.5, 2.], [-3., 1.]])
    w.attach_grad()
    with mx.autograd.record():
        y = mx.nd.dot(a, w)
        z = mx.nd.dot(y, y, transpose_b=True).sum()
    z.backward()
    return {'z': z.asnumpy(), 'da': a.grad.asnumpy(), 'dw': w.grad.asnumpy()}


def case_fully_connected(mx):
    x = _x(mx)
    w = mx.nd.array([[0.1, 0.2, 0.3], [-0.1, 0.4, 0.0]])
    b = mx.nd.array([0.5, -0.5])
    w.attach_grad()
    b.attach_grad()
    label = mx.nd.array([1, 0])
    with mx.autograd.record():
        out = mx.nd.FullyConnected(x, w, b, num_hidden=2)
        loss = mx.nd.softmax_cross_entropy(out, label)
    loss.backward()
    return {'loss': loss.asnumpy(), 'dx': x.grad.asnumpy(), 'dw': w.grad.asnumpy(),
            'db': b.grad.asnumpy()}


def case_reductions(mx):
    x = _x(mx)
    with mx.autograd.record():
        y = (mx.nd.mean(x, axis=1) * mx.nd.max(x, axis=1) + mx.nd.sum(x, axis=0, keepdims=True)
             .sum() + mx.nd.norm(x) + mx.nd.prod(x, axis=0).sum())
    y.backward()
    return {'y': y.asnumpy(), 'dx': x.grad.asnumpy()}


def case_softmax_log(mx):
    x = _x(mx)
    with mx.autograd.record():
        y = mx.nd.log_softmax(x, axis=-1) * mx.nd.array([[1., 0., 2.], [0., 3., 1.]])
    y.backward()
    return {'y': y.asnumpy(), 'dx': x.grad.asnumpy()}


def case_slicing(mx):
    x = _x(mx)
    with mx.autograd.record():
        a = x[1]
        b = x[0:1]
        c = mx.nd.slice_axis(x, axis=1, begin=1, end=3)
        d = x.reshape((3, 2))
        y = (a * a).sum() + (b * 3).sum() + (c * c * c).sum() + (d * mx.nd.array(
            [[1., 2.], [3., 4.], [5., 6.]])).sum()
    y.backward()
    return {'y': y.asnumpy(), 'dx': x.grad.asnumpy()}


def case_copy_into_fresh(mx):
    """``z[:] = f(x)`` into an array not yet in the graph is recorded (a copy, not in-place)."""
    x = _x(mx)
    with mx.autograd.record():
        z = mx.nd.zeros((2, 3))
        z[:] = x * 2
        w = (z * z).sum()
    w.backward()
    return {'w': w.asnumpy(), 'dx': x.grad.asnumpy()}


def case_head_grads(mx):
    x = _x(mx)
    with mx.autograd.record():
        y = x * x
        z = mx.nd.exp(x / 3)
    mx.autograd.backward([y, z], [mx.nd.array([[1., 0., 2.], [0.5, -1., 3.]]), None])
    g1 = x.grad.asnumpy()
    with mx.autograd.record():
        y = x * 3
    y.backward(mx.nd.array([[1., 2., 3.], [4., 5., 6.]]))
    return {'dx_multi': g1, 'dx_out_grad': x.grad.asnumpy()}


def case_grad_req_add(mx):
    x = _x(mx, req='add')
    for k in (2., 3.):
        with mx.autograd.record():
            y = (x * x * k).sum()
        y.backward()
    return {'dx': x.grad.asnumpy()}


def case_grad_req_null(mx):
    x = _x(mx)
    w = _x(mx, [[1., 1., 1.], [2., 2., 2.]], req='null')
    with mx.autograd.record():
        y = (x * w).sum()
    before = w.grad.asnumpy()
    y.backward()
    return {'dx': x.grad.asnumpy(), 'dw_before': before,
            'dw_after_is_none': np.array([float(w.grad is None)])}


def case_retain_graph(mx):
    x = _x(mx)
    with mx.autograd.record():
        y = (x * x * x).sum()
    y.backward(retain_graph=True)
    g1 = x.grad.asnumpy()
    y.backward()
    return {'dx1': g1, 'dx2': x.grad.asnumpy()}


def case_mark_variables(mx):
    x = mx.nd.array(X)
    gx = mx.nd.ones((2, 3)) * 5
    mx.autograd.mark_variables([x], [gx], 'add')
    with mx.autograd.record():
        y = (x * x).sum()
    y.backward()
    return {'gx': gx.asnumpy(), 'xgrad': x.grad.asnumpy()}


def case_grad_api(mx):
    x = _x(mx)
    with mx.autograd.record():
        y = (x * x * x).sum()
    g = mx.autograd.grad(y, [x])
    return {'g': g[0].asnumpy(), 'xgrad_untouched': x.grad.asnumpy()}


def case_second_derivative(mx):
    x = _x(mx, [[0.5, 1.0, 1.5], [2.0, 2.5, 3.0]])
    with mx.autograd.record():
        y = mx.nd.elemwise_add(mx.nd.elemwise_add(mx.nd.sin(x), mx.nd.log(x)),
                               mx.nd.square(x))
        dx = mx.autograd.grad(y, [x], create_graph=True, retain_graph=True)[0]
        z = mx.nd.elemwise_mul(dx, dx).sum()
    z.backward()
    return {'dx': dx.asnumpy(), 'd2': x.grad.asnumpy()}


def case_pause(mx):
    x = _x(mx)
    with mx.autograd.record():
        y = x * 2
        with mx.autograd.pause():
            c = y * 3
            flags = [mx.autograd.is_recording(), mx.autograd.is_training()]
        z = (y * c).sum()
    z.backward()
    return {'dx': x.grad.asnumpy(), 'paused_flags': np.array(flags, dtype=np.float32)}


def case_detach(mx):
    x = _x(mx)
    with mx.autograd.record():
        y = x * 2
        d = y.detach()
        z = (d * y + d).sum()
    z.backward()
    return {'dx': x.grad.asnumpy()}


def case_flags(mx):
    ag = mx.autograd
    seen = [ag.is_recording(), ag.is_training()]
    with ag.record():
        seen += [ag.is_recording(), ag.is_training()]
        with ag.predict_mode():
            seen += [ag.is_recording(), ag.is_training()]
    with ag.record(train_mode=False):
        seen += [ag.is_recording(), ag.is_training()]
    with ag.train_mode():
        seen += [ag.is_recording(), ag.is_training()]
    seen += [ag.set_recording(True), ag.set_recording(False), ag.set_training(True),
             ag.set_training(False)]
    return {'flags': np.array(seen, dtype=np.float32)}


def case_dropout_modes(mx):
    x = _x(mx, np.arange(1., 41.).reshape(4, 10))
    with mx.autograd.record():
        y = mx.nd.Dropout(x, p=0.5)
    y.backward()
    yn, gn, xn = y.asnumpy(), x.grad.asnumpy(), x.asnumpy()
    ratio = yn / xn
    train = {'train_values_ok': np.array([float(np.all(np.isin(ratio, [0., 2.])))]),
             'train_grad_is_mask': np.array([float(np.allclose(gn, ratio))]),
             'train_some_dropped': np.array([float(0 < (ratio == 0).sum() < ratio.size)])}
    with mx.autograd.record(train_mode=False):
        y = mx.nd.Dropout(x, p=0.5)
    y.backward()
    out = {'predict_y': y.asnumpy(), 'predict_dx': x.grad.asnumpy()}
    with mx.autograd.train_mode():
        y = mx.nd.Dropout(x, p=0.5)
    out['train_mode_some_dropped'] = np.array([float((y.asnumpy() == 0).any())])
    out['outside_y'] = mx.nd.Dropout(x, p=0.5).asnumpy()
    out.update(train)
    return out


def case_batchnorm(mx):
    x = _x(mx, [[1., 2.], [3., 5.], [0., -1.]])
    gamma = mx.nd.array([1.5, 0.5])
    beta = mx.nd.array([0.1, -0.2])
    gamma.attach_grad()
    beta.attach_grad()
    mean = mx.nd.zeros((2,))
    var = mx.nd.ones((2,))
    with mx.autograd.record():
        y = mx.nd.BatchNorm(x, gamma, beta, mean, var, fix_gamma=False, momentum=0.9)
        loss = (y * mx.nd.array([[1., 2.], [3., 4.], [5., 6.]])).sum()
    loss.backward()
    out = {'train_y': y.asnumpy(), 'dx': x.grad.asnumpy(), 'dgamma': gamma.grad.asnumpy(),
           'dbeta': beta.grad.asnumpy(), 'moving_mean': mean.asnumpy(),
           'moving_var': var.asnumpy()}
    with mx.autograd.record(train_mode=False):
        y = mx.nd.BatchNorm(x, gamma, beta, mean, var, fix_gamma=False)
    out['predict_y'] = y.asnumpy()
    return out


def case_function(mx):
    class ScaledSigmoid(mx.autograd.Function):
        def forward(self, x, s):
            y = s / (1 + mx.nd.exp(-x))
            self.save_for_backward(y, s)
            return y

        def backward(self, dy):
            y, s = self.saved_tensors
            return dy * y * (1 - y / s), dy * y / s * 10   # a deliberately "wrong" ds

    x = _x(mx, [[0., 1., -1.], [2., -2., 0.5]])
    s = _x(mx, [[2., 2., 2.], [3., 3., 3.]])
    with mx.autograd.record():
        m = ScaledSigmoid()(x, s)
        z = (m * m).sum()
    z.backward()
    return {'m': m.asnumpy(), 'dx': x.grad.asnumpy(), 'ds': s.grad.asnumpy()}


def case_chain_blocks(mx):
    """One graph spans several record() blocks until a backward frees it."""
    x = _x(mx)
    with mx.autograd.record():
        y = x * 2
    with mx.autograd.record():
        z = (y * y).sum()
    z.backward()
    return {'dx': x.grad.asnumpy()}


def case_ops_and_copies(mx):
    x = _x(mx, [1., 2.])
    with mx.autograd.record():
        y = (mx.nd.stack(x, x * 2).sum() + mx.nd.concat(x, x, dim=0).sum()
             + mx.nd.where(x > 1, x, x * 3).sum() + (x.copy() * x.astype('float64')
             .astype('float32')).sum() + x.as_in_context(mx.cpu(0)).sum())
    y.backward()
    return {'y': y.asnumpy(), 'dx': x.grad.asnumpy()}


def case_loss_op_gradient(mx):
    """SoftmaxOutput carries MXNet's own gradient (prob - label), ignoring the head gradient."""
    x = _x(mx, [[1., 2., 0.5], [0., -1., 3.]])
    with mx.autograd.record():
        y = mx.nd.SoftmaxOutput(x, mx.nd.array([1., 2.]))
    y.backward(mx.nd.ones((2, 3)) * 7)
    return {'y': y.asnumpy(), 'dx': x.grad.asnumpy()}


def case_out_into_fresh(mx):
    x = _x(mx, [1., -2., 3.])
    z = mx.nd.zeros((3,))
    with mx.autograd.record():
        mx.nd.relu(x, out=z)
        w = (z * 3).sum()
    w.backward()
    return {'z': z.asnumpy(), 'dx': x.grad.asnumpy()}


def case_slice_of_variable_as_head(mx):
    x = _x(mx)
    with mx.autograd.record():
        y = x[1]
    y.backward()
    return {'dx': x.grad.asnumpy()}


def case_executor_array_as_variable(mx):
    net = mx.sym.FullyConnected(mx.sym.Variable('data'), num_hidden=2, name='fc')
    exe = net.simple_bind(mx.cpu(), data=(1, 3))
    exe.arg_dict['fc_weight'][:] = mx.nd.array([[1., 2., 3.], [4., 5., 6.]])
    w = exe.arg_dict['fc_weight']
    w.attach_grad()
    with mx.autograd.record():
        y = (w * w).sum()
    y.backward()
    return {'dw': w.grad.asnumpy()}


def case_custom_op(mx):
    """An mx.operator CustomOp under record(): its backward gives the gradient, and its
    forward sees is_train from autograd."""
    seen = []

    class Cube(mx.operator.CustomOp):
        def forward(self, is_train, req, in_data, out_data, aux):
            seen.append(float(is_train))
            self.assign(out_data[0], req[0], in_data[0] ** 3)

        def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
            self.assign(in_grad[0], req[0], out_grad[0] * 3 * in_data[0] ** 2 + 1)

    @mx.operator.register('autograd_cube')
    class CubeProp(mx.operator.CustomOpProp):
        def __init__(self):
            super().__init__(need_top_grad=True)

        def create_operator(self, ctx, shapes, dtypes):
            return Cube()

    x = _x(mx, [[1., -2.], [0.5, 3.]])
    with mx.autograd.record():
        y = mx.nd.Custom(x, op_type='autograd_cube')
        z = (y * mx.nd.array([[1., 2.], [3., 4.]])).sum()
    z.backward()
    with mx.autograd.predict_mode():
        mx.nd.Custom(x, op_type='autograd_cube')
    return {'y': y.asnumpy(), 'dx': x.grad.asnumpy(), 'is_train': np.array(seen)}


def case_training_loop(mx):
    """The Module-era custom loop: record, backward, an update op writing into the weight."""
    data = mx.nd.array([[1., 2.], [2., 1.], [3., 0.5], [0., 1.]])
    label = mx.nd.array([[5.], [4.], [4.5], [2.]])
    w = mx.nd.array([[0.1, -0.1]])
    b = mx.nd.zeros((1,))
    mom = mx.nd.zeros((1, 2))
    for p in (w, b):
        p.attach_grad()
    losses = []
    for _ in range(5):
        with mx.autograd.record():
            pred = mx.nd.FullyConnected(data, w, b, num_hidden=1)
            loss = mx.nd.mean(mx.nd.square(pred - label))
        loss.backward()
        losses.append(loss.asscalar())
        mx.nd.sgd_mom_update(w, w.grad, mom, lr=0.05, momentum=0.9, out=w)
        b[:] = b - 0.05 * b.grad
    return {'losses': np.array(losses), 'w': w.asnumpy(), 'b': b.asnumpy()}


def case_block_grad_make_loss(mx):
    x = _x(mx)
    with mx.autograd.record():
        y = mx.nd.BlockGrad(x * 2) * x + mx.nd.stop_gradient(x) * x
        loss = mx.nd.make_loss(mx.nd.sum(y * y))
    loss.backward(mx.nd.array([10.]))
    return {'loss': loss.asnumpy(), 'dx': x.grad.asnumpy()}


def case_function_two_outputs(mx):
    class Two(mx.autograd.Function):
        def forward(self, x):
            return x * 2, x * 3

        def backward(self, d1, d2):
            return d1 * 2 + d2 * 3 + 1

    x = _x(mx, [1., 2.])
    with mx.autograd.record():
        a, b = Two()(x)
        y = (a * a).sum()
    y.backward()
    return {'a': a.asnumpy(), 'b': b.asnumpy(), 'dx': x.grad.asnumpy()}


CASES = sorted(name for name in dir() if name.startswith('case_'))

# Programs MXNet refuses; run by both, recording the error type and a message fragment.


def err_backward_twice(mx):
    x = _x(mx)
    with mx.autograd.record():
        y = (x * x).sum()
    y.backward()
    y.backward()


def err_not_recorded(mx):
    x = _x(mx)
    y = x * 2
    y.backward()


def err_inplace_on_variable(mx):
    x = _x(mx)
    with mx.autograd.record():
        x += 1


def err_inplace_on_recorded(mx):
    x = _x(mx)
    with mx.autograd.record():
        y = x * 2
        y[0:1] += 5


def err_inplace_into_fresh(mx):
    x = _x(mx)
    with mx.autograd.record():
        z = mx.nd.zeros((2, 3))
        z += x


def err_setitem_recorded(mx):
    x = _x(mx)
    with mx.autograd.record():
        y = x * 1
        y[:, 0] = 0


def err_out_is_recorded_input(mx):
    x = _x(mx)
    with mx.autograd.record():
        y = x * 2
        mx.nd.relu(y, out=y)


def err_only_null_variables(mx):
    x = _x(mx, req='null')
    with mx.autograd.record():
        y = (x * 2).sum()
    y.backward()


def err_graph_freed(mx):
    x = _x(mx)
    with mx.autograd.record():
        y = x * x
        z = (y * 2).sum()
    y.backward()
    z.backward()


def err_grad_not_variable(mx):
    x = _x(mx)
    q = mx.nd.array([1., 2., 3.])
    with mx.autograd.record():
        y = x * q
    mx.autograd.grad([y], [q])


def err_function_used_twice(mx):
    class Double(mx.autograd.Function):
        def forward(self, x):
            return x * 2

        def backward(self, dy):
            return dy * 2
    f = Double()
    x = _x(mx)
    f(x)
    f(x)


def err_bad_grad_req(mx):
    _x(mx, req='bogus')


ERRORS = sorted(name for name in dir() if name.startswith('err_'))
