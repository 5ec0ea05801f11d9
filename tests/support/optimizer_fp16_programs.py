"""The float16 multi-precision updater program run on MXNet (tools/record_optimizer_fp16.py)
and on tfmod (tests/test_optimizer_direct.py): one code for both, so they cannot drift apart."""


def direct_steps(mx, cfg, inputs, steps=5):
    """Yield ``(t, updater, w, b)`` after each of ``steps`` ``updater([0, 1], [gw, gb], [w, b])``
    calls with ``multi_precision=True`` on the float16 casts of the recorded weights (w0, b0)
    and gradients (grad_w/t, grad_b/t) of ``cfg`` (a direct.json configuration)."""
    kw = dict(cfg['kwargs'], multi_precision=True)
    kw['param_idx2name'] = {int(k): v for k, v in kw['param_idx2name'].items()}
    up = mx.optimizer.get_updater(mx.optimizer.create(cfg['optimizer'], **kw))
    w = mx.nd.array(inputs['w0'], dtype='float16')
    b = mx.nd.array(inputs['b0'], dtype='float16')
    for t in range(1, steps + 1):
        up([0, 1], [mx.nd.array(inputs['grad_w/%d' % t], dtype='float16'),
                    mx.nd.array(inputs['grad_b/%d' % t], dtype='float16')], [w, b])
        yield t, up, w, b
