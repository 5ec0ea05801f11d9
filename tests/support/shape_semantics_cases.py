"""Programs about MXNet's shape semantics and lenient attributes, run by both MXNet 1.9.1
(tools/record_shape_semantics.py) and tfmod (tests/test_shape_semantics.py). Each returns
something JSON-able; ``mx`` is the library under test."""


def _gluon_style(mx):
    d = mx.sym.Variable('data')
    w = mx.sym.Variable('w', shape=(64, 0, 7, 7))       # what Gluon writes for deferred params
    g = mx.sym.Variable('g', shape=(0,))
    c = mx.sym.Convolution(d, weight=w, kernel=(7, 7), num_filter=64, no_bias=True, name='c')
    return mx.sym.BatchNorm(c, gamma=g, name='bn')


def _fc(mx):
    return mx.sym.FullyConnected(mx.sym.Variable('data'), num_hidden=5, name='fc')


def _shapes(res):
    return [None if r is None else [None if s is None else list(s) for s in r] for r in res]


CASES = {
    'gluon_full': lambda mx: _shapes(_gluon_style(mx).infer_shape(data=(1, 3, 32, 32))),
    'gluon_partial_zero_batch': lambda mx: _shapes(
        _gluon_style(mx).infer_shape_partial(data=(0, 3, 32, 32))),
    'gluon_partial_nothing': lambda mx: _shapes(_gluon_style(mx).infer_shape_partial()),
    'gluon_incomplete': lambda mx: _shapes(_gluon_style(mx).infer_shape(data=(0, 3, 32, 32))),
    'fc_partial_zero': lambda mx: _shapes(_fc(mx).infer_shape_partial(data=(0, 7))),
    'np_fc_partial_minus1': lambda mx: _np(mx, lambda: _shapes(
        _fc(mx).infer_shape_partial(data=(-1, 7)))),
    'np_fc_partial_nothing': lambda mx: _np(mx, lambda: _shapes(_fc(mx).infer_shape_partial())),
    'np_gluon_zero_is_real': lambda mx: _np(mx, lambda: _error(
        lambda: _gluon_style(mx).infer_shape(data=(1, 3, 32, 32)))),
    'np_zero_size_var': lambda mx: _np(mx, lambda: _shapes(
        (mx.sym.Variable('v', shape=(2, 0)) * 2).infer_shape())),
    'np_fc_zero_batch': lambda mx: _np(mx, lambda: _shapes(_fc(mx).infer_shape(data=(0, 7)))),
    'given_overrides_attr': lambda mx: _shapes(
        (mx.sym.Variable('v', shape=(3, 4)) * 2).infer_shape(v=(3, 5))),
    'zero_given_takes_attr': lambda mx: _shapes(
        (mx.sym.Variable('v', shape=(3, 4)) * 2).infer_shape(v=(0, 4))),
    'simple_bind_unknown': lambda mx: _error(
        lambda: _fc(mx).simple_bind(mx.cpu(), data=(0, 7))),
    'datadesc_zero': lambda mx: list(mx.io.DataDesc('data', (0, 7)).shape),
    'zeros_like_dtype_attr_kept': lambda mx: mx.sym.zeros_like(
        mx.sym.var('x'), dtype='float32').attr_dict(),
    'nd_zeros_like_dtype_ignored': lambda mx: str(mx.nd.zeros_like(
        mx.nd.ones((2,), dtype='int32'), dtype='float32').dtype),
    'unknown_attr_on_op_with_params': lambda mx: _error(lambda: mx.sym.load_json(
        '{"nodes": [{"op": "null", "name": "d", "inputs": []}, {"op": "Activation", "name": "a",'
        ' "attrs": {"act_type": "relu", "foo": "1"}, "inputs": [[0, 0, 0]]}], "arg_nodes": [0],'
        ' "heads": [[1, 0, 0]]}').infer_shape(d=(2, 2))),
    'unknown_attr_on_paramless_op': lambda mx: mx.sym.load_json(
        '{"nodes": [{"op": "null", "name": "d", "inputs": []}, {"op": "sigmoid", "name": "s",'
        ' "attrs": {"foo": "1", "dtype": "float32"}, "inputs": [[0, 0, 0]]}], "arg_nodes": [0],'
        ' "heads": [[1, 0, 0]]}').attr_dict(),
}


def _np(mx, fn):
    with mx.util.np_shape(True):
        return fn()


def _error(fn):
    try:
        fn()
        return ['ok']
    except Exception as e:      # noqa: BLE001 -- the kind of failure is what is recorded
        return ['error', type(e).__name__, [c.__name__ for c in type(e).__mro__]]
