"""Record MXNet 1.9.1's op calling conventions for tests/test_call_conventions.py and
tests/test_namespace_ops.py.

Run with the oracle's python (``PY=$(../shared/oracle/setup.sh)``), from the repository root:

    $PY tools/record_call_conventions.py tests/fixtures/call_conventions

Writes, into the given folder:
- ``sym_cases.json``: expression -> the symbol's JSON (``tojson()``), another value, or the error
  MXNet raises (type name and message); each expression runs in a fresh NameManager.
- ``nd_cases.json``: expression -> arrays (shape, dtype, values), a value, or the error.
- ``topk_mask.json``: inputs and MXNet's ``topk(ret_typ='mask')`` outputs, ties included.
- ``positional.json``: each op's positional parameters in MXNet's generated function.
- ``dirs.json``: the public names of mx.nd, mx.sym, their contrib/linalg/random/image modules,
  and of the Symbol and NDArray classes.
The expressions are evaluated with :func:`env`, which tests rebuild with tfmod.
"""
import json
import os
import sys
import warnings

import numpy as np

SYM_CASES = [
    # positional parameters after the inputs, in MXNet's declared order
    'mx.sym.Dropout(d, 0.5)', 'mx.sym.Dropout(d, 0.3, "always")', 'mx.sym.clip(d, -2, 2)',
    'mx.sym.reshape(d, (2, -1))', 'mx.sym.Reshape(d, (0, -1), True)',
    'mx.sym.FullyConnected(d, w, b, 10)', 'mx.sym.FullyConnected(d, None, None, 10, True)',
    'mx.sym.Convolution(d, None, None, (3, 3), (1, 1), (1, 1), (1, 1), 8)',
    'mx.sym.topk(d, 1, 3, "value")', 'mx.sym.Cast(d, np.float16)', 'mx.sym.cast(d, "int32")',
    'mx.sym.transpose(d, (1, 0))', 'mx.sym.sum(d, 1, True)', 'mx.sym.sum(d, (0, 1))',
    'mx.sym.slice_axis(d, 1, 0, 2)', 'mx.sym.Activation(d, "relu")',
    'mx.sym.LeakyReLU(d, None, "leaky", 0.1)', 'mx.sym.SoftmaxOutput(d, l, 2.0)',
    'mx.sym.Pooling(d, (2, 2), "max")', 'mx.sym.clip(d, 1, 2, "nm")', 'mx.sym.one_hot(d, 5)',
    'mx.sym.Embedding(d, None, 10, 4)', 'mx.sym.concat(d, w, dim=0)', 'mx.sym.expand_dims(d, 1)',
    'mx.sym.norm(d, 2, 1)', 'mx.sym.BatchNorm(d, None, None, None, None, 1e-3, 0.8)',
    'mx.sym.contrib.box_nms(d, 0.3)', 'mx.sym.linalg.gemm2(d, w, True)',
    # numpy scalars and dtypes in attributes
    'mx.sym.FullyConnected(d, num_hidden=np.int64(10))',
    'mx.sym.transpose(d, axes=(np.int64(1), np.int64(0)))',
    'mx.sym.transpose(d, axes=(np.int64(0),))',
    'mx.sym.clip(d, a_min=np.float32(0), a_max=np.float64(1.5))',
    'mx.sym.reshape(d, shape=[np.int64(2), -1])',
    'mx.sym.broadcast_to(d, shape=(np.int32(2), np.int32(3)))',
    'mx.sym.FullyConnected(d, num_hidden=3, no_bias=np.bool_(True))',
    'mx.sym.Cast(d, dtype=np.dtype("int8"))',
    # errors
    'mx.sym.FullyConnected(d, 10)', 'mx.sym.Dropout(d, 0.5, p=0.3)',
    'mx.sym.clip(d, 1, 2, "nm", None, None, 5)', 'mx.sym.Concat(d, d, 1)',
    'mx.sym.broadcast_to(d, shape=np.array([2, 3]))',
    'mx.sym.transpose(d, axes=np.array([1, 0]))',
    # fluent methods
    'd.sum(axis=1)', 'd.sum(1, True)', 'd.flatten()', 'd.abs()', 'd.reshape((2, -1))',
    'd.reshape(shape=(0, -1))', 'd.astype("float16")', 'd.astype(np.int32)',
    'd.slice_axis(1, 0, 2)', 'd.expand_dims(1)', 'd.squeeze()', 'd.squeeze(1)', 'd.diag(1)',
    'd.clip(0, 1)', 'd.topk(k=2, ret_typ="both")', 'd.split(2)', 'd.split_v2(2)',
    'd.split_v2((1, 3), 1)',
    'd.transpose()', 'd.one_hot(3)', 'd.broadcast_like(w)', 'd.reshape_like(w)', 'd.sort()',
    'd.argsort(0)', 'd.norm()', 'd.softmax(axis=0)', 'd.max(axis=1, keepdims=True)',
    'd.tile((2, 1))', 'd.pad("constant", (0, 0, 0, 0, 1, 1, 1, 1))', 'd.zeros_like()',
    'd.take(w)', 'd.pick(w, 1)', 'd.relu()', 'd.sigmoid()', 'd.log_softmax()', 'd.rsqrt()',
    'd.slice((0, 1), (2, 3))', 'd.swapaxes(0, 1)', 'd.repeat(2)', 'd.flip(0)',
    'd.shape_array()', 'd.argmax_channel()', 'd.depth_to_space(2)', 'd.nansum()',
    # Python-level functions
    'mx.sym.maximum(d, 2)', 'mx.sym.maximum(2, d)', 'mx.sym.minimum(d, w)',
    'mx.sym.minimum(np.float32(1), d)', 'mx.sym.pow(d, 2)', 'mx.sym.power(2, d)',
    'mx.sym.power(d, w)', 'mx.sym.hypot(d, 3)', 'mx.sym.hypot(d, w)', 'mx.sym.eye(3, 4, 1)',
    'mx.sym.linspace(0, 1, 5)', 'mx.sym.histogram(d, 4, (0, 1))',
    'mx.sym.random.uniform_like(d)', 'mx.sym.random.normal_like(d, 1, 2)',
    'mx.sym.maximum(2, 3)', 'mx.sym.power(2, 3)', 'mx.sym.histogram(d, 4)',
    # children, atomic symbols, NDArray-only methods
    'mx.sym.Group([d + w * l, mx.sym.FullyConnected(d, num_hidden=3, name="fc"), d, w * l])'
    '.get_children()',
    'mx.sym.Group([d + w * l, mx.sym.FullyConnected(d, num_hidden=3, name="fc"), d, w * l])'
    '.get_children().get_children()',
    'mx.sym.split(d, num_outputs=2, name="sp").get_children()',
    'mx.sym.Group([mx.sym.relu(d, name="r"), mx.sym.relu(d, name="r")]).get_children()',
    'd.get_children()', 'mx.sym.Group([d, w]).get_children()',
    'mx.sym.FullyConnected(d, num_hidden=3, name="fc")._gen_atomic_symbol()',
    'mx.sym.split(d, num_outputs=2, name="sp")._gen_atomic_symbol()',
    'mx.sym.Convolution(d, kernel=(3, 3), num_filter=4, name="c")._gen_atomic_symbol()'
    '.list_arguments()',
    'bool(d)', 'd.asnumpy()', 'd.asscalar()', 'd.wait_to_read()', 'd.detach()', 'd.backward()',
    'd.as_in_context()', 'd.as_nd_ndarray() is d', 'd.__iadd__(1)', 'd.__isub__(w)',
    'd.__imul__(2.0)', 'd.__itruediv__(2)', 'd.copy()', 'd.gradient(["d"])',
    'mx.sym.Group(list(mx.sym.contrib.rand_zipfian(d, 5, 10)))',
    '__import__("copy").deepcopy(mx.sym.relu(d, name="r"))',
    # mx.sym.sparse: the same ops under their MXNet names (example/sparse's scripts use them)
    'mx.sym.sparse.dot(d, w)', 'mx.sym.sparse.dot(d, w, transpose_a=True)',
    'mx.sym.sparse.Embedding(d, w, input_dim=4, output_dim=2, sparse_grad=True)',
    'mx.sym.sparse.retain(d, w)', 'mx.sym.sparse.elemwise_add(d, w)', 'mx.sym.sparse.abs(d)',
    'mx.sym.sparse.sum(d, axis=1)', 'mx.sym.sparse.square(d)', 'mx.sym.sparse.add_n(d, w, l)',
    'mx.sym.sparse.LinearRegressionOutput(d, l)', 'mx.sym.sparse.cast_storage(d, "csr")',
    'mx.sym.sparse.FullyConnected(d, w, num_hidden=2, no_bias=True)',
    'mx.sym.sparse.where(d, w, l)',
]

ND_CASES = [
    'mx.nd.clip(x, -2, 2)', 'mx.nd.reshape(x, (3, -1))', 'mx.nd.Dropout(x, 0.5)',
    'mx.nd.FullyConnected(x, w, b, 4)', 'mx.nd.FullyConnected(x, w, None, 4, True)',
    'mx.nd.topk(x, 1, 2, "value")', 'mx.nd.topk(x, None, 3, "mask")', 'mx.nd.sum(x, 1, True)',
    'mx.nd.transpose(x, axes=(np.int64(1), np.int64(0)))', 'mx.nd.clip(x, np.float32(0), 0.5)',
    'mx.nd.broadcast_to(y, shape=(np.int64(2), 3))', 'mx.nd.one_hot(mx.nd.array([0, 2]), 3)',
    'mx.nd.cast(x, np.int32)', 'mx.nd.clip(x, 1, 2, None, "nm")', 'mx.nd.clip(x, 1, 2, z) is z',
    '[mx.nd.clip(x, 1, 2, z), z][1]',
    'mx.nd.slice_axis(x, 1, 1, 3)', 'mx.nd.LeakyReLU(x, None, "leaky", 0.5)',
    'mx.nd.Activation(x, "tanh")', 'mx.nd.arange(0, 6, 2)', 'mx.nd.arange(5)',
    'mx.nd.full((2, 2), 7)', 'mx.nd.ones((2,), dtype="int32")',
    # errors
    'mx.nd.FullyConnected(x, 10)', 'mx.nd.clip(x, 1, 2, None, None, 3)',
    'mx.nd.broadcast_to(y, shape=np.array([2, 3]))', 'mx.nd.add(x, "a")',
    'mx.nd.Dropout(x, 0.5, p=0.3)',
    # fluent methods
    'x.clip(0, 1)', 'x.sum(1)', 'x.topk(1, 2)', 'x.abs()', 'x.slice_axis(1, 0, 2)',
    'x.expand_dims(0)', 'x.diag()', 'x.flatten()', 'x.squeeze()', 'x.astype("int32")',
    'x.split(3, 1)', 'x.sort()', 'x.argmax(1)', 'x.max(0, True)', 'x.one_hot(4)',
    'x.transpose()', 'x.tile((1, 2))', 'x.norm()', 'x.softmax()', 'x.round()',
    # Python-level functions
    'mx.nd.add(x, y)', 'mx.nd.add(1, x)', 'mx.nd.subtract(1, x)', 'mx.nd.subtract(x, y)',
    'mx.nd.multiply(x, 2)', 'mx.nd.divide(1, x)', 'mx.nd.true_divide(x, y)',
    'mx.nd.modulo(x, 2)', 'mx.nd.modulo(5, y)', 'mx.nd.power(y, x)', 'mx.nd.power(2, x)',
    'mx.nd.maximum(x, 0)', 'mx.nd.minimum(x, y)', 'mx.nd.maximum(np.float32(1), x)',
    'mx.nd.equal(x, 2)', 'mx.nd.not_equal(y, x)', 'mx.nd.greater(2, x)',
    'mx.nd.greater_equal(x, y)', 'mx.nd.lesser(x, 0.5)', 'mx.nd.lesser_equal(1, x)',
    'mx.nd.logical_and(x, 0)', 'mx.nd.logical_or(x, y)', 'mx.nd.logical_xor(x, 1)',
    'mx.nd.add(2, 3)', 'mx.nd.greater(2, 3)', 'mx.nd.eye(3, 4, 1)', 'mx.nd.eye(2, dtype="int32")',
    'mx.nd.linspace(0, 1, 5)', 'mx.nd.linspace(0, 1, 4, False)', 'mx.nd.histogram(x, 3, (-3, 4))',
    'mx.nd.histogram(x, mx.nd.array([-3, 0, 4]))', 'mx.nd.histogram(x, 3)',
    'mx.nd.from_numpy(np.arange(4, dtype=np.float32))', 'mx.nd.concatenate([x, x], 1)',
    'mx.nd.moveaxis(x, 0, 1)', 'mx.nd.onehot_encode(mx.nd.array([0, 2]), mx.nd.zeros((2, 3)))',
    'mx.nd.random.uniform_like(x).shape', 'mx.nd.random.normal_like(x, 0, 1).dtype',
    'mx.nd.contrib.isinf(mx.nd.array([1, np.inf, -np.inf, np.nan]))',
    'mx.nd.contrib.isfinite(mx.nd.array([1, np.inf, -np.inf, np.nan]))',
    'mx.nd.contrib.isnan(mx.nd.array([1, np.inf, -np.inf, np.nan]))',
    'x.slice_assign_scalar(7, (0, 1), (2, 3), (None, None))',
    '[x.slice_assign(mx.nd.ones((1, 2)), (1, 0), (2, 2), ()), x][1]', 'x.as_nd_ndarray() is x',
    'mx.nd.contrib.rand_zipfian(mx.nd.array([3, 0, 7]), 5, 10)[1]',
    '[a.shape for a in mx.nd.contrib.rand_zipfian(mx.nd.array([3, 0, 7]), 5, 10)]',
    '[a.dtype for a in mx.nd.contrib.rand_zipfian(mx.nd.array([3, 0, 7]), 5, 10)]',
    'mx.nd.split_v2(x, 3, 1)', 'mx.nd.split_v2(x, (1,), 1)', 'x.split_v2(3, 1, True)',
    # loss outputs called eagerly check the label's shape, as bind does
] + ['mx.nd.%s(mx.nd.ones((3, 3)), mx.nd.ones(%s))' % (o, s)
     for o in ('LinearRegressionOutput', 'LogisticRegressionOutput', 'MAERegressionOutput',
               'SoftmaxOutput', 'SVMOutput')
     for s in ('(4, 2)', '(4,)', '(3, 3)', '(3,)', '(9,)', '(3, 1)')]

NAMESPACES = ['nd', 'sym', 'nd.contrib', 'sym.contrib', 'nd.linalg', 'sym.linalg', 'nd.random',
              'sym.random', 'nd.image', 'sym.image', 'nd.sparse', 'sym.sparse', 'Symbol',
              'NDArray']


def env(mx):
    """The names the case expressions use."""
    return {
        'mx': mx, 'np': np,
        'd': mx.sym.var('d'), 'w': mx.sym.var('w'), 'b': mx.sym.var('b'), 'l': mx.sym.var('l'),
        'x': mx.nd.array([[1.5, -3, 2], [0.5, 4, -1]]), 'y': mx.nd.array([[2, 2, 2]]),
        'z': mx.nd.zeros((2, 3)),
    }


def nd_env(mx):
    e = env(mx)
    e['w'] = mx.nd.array(np.arange(12, dtype=np.float32).reshape(4, 3) / 10)
    e['b'] = mx.nd.array([0.5, -0.5, 1, 0])
    return e


def encode(value, mx):
    """A JSON form of a case's result, the same for MXNet and tfmod."""
    if isinstance(value, mx.sym.Symbol):
        return {'symbol': value.tojson()}
    if isinstance(value, mx.nd.NDArray):
        a = value.asnumpy()
        return {'shape': list(a.shape), 'dtype': str(a.dtype), 'values': a.ravel().tolist()}
    if isinstance(value, (list, tuple)):
        return {'seq': [encode(v, mx) for v in value]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return {'value': value}
    if isinstance(value, np.generic):
        return {'value': value.item()}
    if isinstance(value, type) or isinstance(value, np.dtype):
        return {'value': np.dtype(value).name}
    raise TypeError('cannot encode %r' % (value,))


def run(expr, mx, names, symbolic):
    """Evaluate one case -> its encoded result or the error raised."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            if symbolic:
                with mx.name.NameManager():
                    value = eval(expr, dict(names))  # noqa: S307  (our own case list)
            else:
                value = eval(expr, dict(names))  # noqa: S307
        return encode(value, mx)
    except Exception as e:  # noqa: BLE001  (the error is the recorded result)
        return {'error': type(e).__name__, 'message': str(e).split('\n')[0][:300]}


def topk_cases(mx):
    rng = np.random.RandomState(3)
    cases = []
    tie = rng.randint(0, 4, size=(4, 6)).astype(np.float32)
    cube = rng.randint(0, 3, size=(2, 3, 4)).astype(np.float32)
    for data, kw in [(tie, {'axis': -1, 'k': 2}), (tie, {'axis': 0, 'k': 3}),
                     (tie, {'axis': None, 'k': 5}), (tie, {'axis': -1, 'k': 3, 'is_ascend': True}),
                     (tie, {'axis': None, 'k': 7, 'is_ascend': True}), (tie, {'axis': 1, 'k': 0}),
                     (cube, {'axis': 1, 'k': 2}), (cube, {'axis': 0, 'k': 1, 'is_ascend': True}),
                     (cube, {'axis': None, 'k': 10}),
                     (tie.astype(np.int32), {'axis': -1, 'k': 2})]:
        out = mx.nd.topk(mx.nd.array(data, dtype=data.dtype), ret_typ='mask', **kw).asnumpy()
        cases.append({'data': data.tolist(), 'dtype': str(data.dtype), 'kwargs': kw,
                      'mask': out.tolist(), 'mask_dtype': str(out.dtype)})
    big = mx.nd.topk(mx.nd.ones((128, 784)), axis=None, ret_typ='mask', k=128 * 784).asnumpy()
    half = mx.nd.topk(mx.nd.ones((128, 784)), axis=None, ret_typ='mask', k=50000).asnumpy()
    return {'cases': cases,
            'big_all': {'shape': list(big.shape), 'sum': float(big.sum())},
            'big_half': {'shape': list(half.shape), 'sum': float(half.sum())}}


def positional(mx):
    """op name -> the positional parameters of MXNet's generated mx.sym function (``*`` for
    ``*data`` functions), for every op name and alias MXNet generates a function for."""
    import inspect
    out = {}
    spaces = [(mx.sym.op, ''), (mx.sym._internal, ''), (mx.sym.contrib, '_contrib_'),
              (mx.sym.linalg, '_linalg_'), (mx.sym.image, '_image_')]
    for module, prefix in spaces:
        for short in dir(module):
            fn = getattr(module, short)
            name = prefix + short
            code = getattr(fn, '__code__', None)
            if short.startswith('__') or name in out or code is None or \
                    code.co_filename != '<string>':    # generated by exec, not a helper
                continue
            params = list(inspect.signature(fn).parameters.values())
            if params and params[0].kind == inspect.Parameter.VAR_POSITIONAL:
                out[name] = '*'
            else:
                out[name] = [p.name for p in params if p.kind == p.POSITIONAL_OR_KEYWORD]
    return out


def dirs(mx):
    out = {}
    for key in NAMESPACES:
        obj = mx
        for part in key.split('.'):
            obj = getattr(obj.sym if part == 'Symbol' else obj.nd if part == 'NDArray' else obj,
                          part)
        out[key] = sorted(n for n in dir(obj) if not n.startswith('__'))
    return out


def main(folder):
    import mxnet as mx
    os.makedirs(folder, exist_ok=True)
    sym_env = env(mx)
    sym = {e: run(e, mx, sym_env, True) for e in SYM_CASES}
    nd = {}
    for e in ND_CASES:
        nd[e] = run(e, mx, nd_env(mx), False)
    docs = {'sym_cases.json': sym, 'nd_cases.json': nd, 'topk_mask.json': topk_cases(mx),
            'dirs.json': dirs(mx), 'positional.json': positional(mx)}
    for name, doc in docs.items():
        with open(os.path.join(folder, name), 'w') as f:
            json.dump({'mxnet_version': mx.__version__, 'data': doc}, f, indent=0, sort_keys=True)
            f.write('\n')
    print('recorded %d symbol and %d ndarray cases' % (len(sym), len(nd)))


if __name__ == '__main__':
    main(sys.argv[1])
