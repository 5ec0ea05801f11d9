"""One program over MXNet's pre-1.0 ``mx.contrib.autograd`` API, run by MXNet 1.9.1
(tools/record_contrib_autograd.py) and by tfmod (tests/test_contrib_autograd.py)."""


def run(mx, cag):
    """-> a JSON-able dict of what the old API computed and which flags it set."""
    out = {}
    x = mx.nd.array([[1., 2.], [3., -4.]])
    g = mx.nd.zeros_like(x)
    cag.mark_variables([x], [g])
    with cag.train_section():
        y = (x * x + mx.nd.sin(x)).sum()
    cag.compute_gradient([y])
    out['mark_compute'] = g.asnumpy().tolist()
    def f(a, b):
        return (a * b * b).sum()
    a = mx.nd.array([1., 2., 3.]); b = mx.nd.array([0.5, -1., 2.])
    gs, loss = cag.grad_and_loss(f)(a, b)
    out['grad_and_loss'] = [[v.asnumpy().tolist() for v in gs], loss.asnumpy().tolist()]
    out['grad_argnum1'] = [v.asnumpy().tolist() for v in cag.grad(f, argnum=1)(a, b)]
    out['grad_argnum_list'] = [v.asnumpy().tolist() for v in cag.grad(f, argnum=[0])(a, b)]
    prev = cag.set_is_training(True); out['set1'] = [prev, mx.autograd.is_training(), mx.autograd.is_recording()]
    prev = cag.set_is_training(False); out['set0'] = [prev, mx.autograd.is_training(), mx.autograd.is_recording()]
    with cag.train_section():
        with cag.test_section():
            out['nested'] = [mx.autograd.is_training(), mx.autograd.is_recording()]
        out['after_nested'] = [mx.autograd.is_training(), mx.autograd.is_recording()]
    d = mx.nd.ones((50, 50))
    with cag.train_section():
        dr = mx.nd.Dropout(d, p=0.5)
    with cag.test_section():
        dt = mx.nd.Dropout(d, p=0.5)
    out['dropout_train_zeroes'] = bool((dr.asnumpy() == 0).any()); out['dropout_test_identity'] = bool((dt.asnumpy() == 1).all())
    x2 = mx.nd.array([1., 2.]); g2 = mx.nd.zeros_like(x2); cag.mark_variables([x2], [g2])
    with cag.train_section():
        y2 = x2 * 3
    cag.backward([y2], [mx.nd.array([1., 10.])])
    out['backward_out_grads'] = g2.asnumpy().tolist()
    try:
        cag.backward(y2)
    except AssertionError as e:
        out['backward_not_list'] = ['AssertionError', str(e)]
    return out
