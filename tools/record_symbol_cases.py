"""Record how MXNet 1.9.1 builds, names, serialises and infers symbols, for tfmod's API tests.

Each case is Python source run with ``mx`` bound to MXNet here (and to tfmod in
tests/test_symbol_api.py); it must leave the symbol under test in ``out`` and may set
``shapes`` (kwargs for infer_shape) and ``types`` (kwargs for infer_type). Run with the oracle:

    PY=$(../shared/oracle/setup.sh); $PY tools/record_symbol_cases.py tests/fixtures/symbol_api/cases.json
"""
import json
import sys

CASES = {
    'mlp_named': """
data = mx.sym.Variable('data')
fc1 = mx.sym.FullyConnected(data, name='fc1', num_hidden=128)
act = mx.sym.Activation(fc1, name='relu1', act_type='relu')
fc2 = mx.sym.FullyConnected(act, name='fc2', num_hidden=10)
out = mx.sym.SoftmaxOutput(fc2, name='softmax')
shapes = {'data': (32, 784)}
types = {'data': 'float32'}
""",
    'auto_names': """
data = mx.sym.Variable('data')
a = mx.sym.FullyConnected(data, num_hidden=4)
b = mx.sym.FullyConnected(a, num_hidden=4)
c = mx.sym.Activation(b, act_type='tanh')
out = mx.sym.Group([c, mx.sym.Activation(a, act_type='relu')])
shapes = {'data': (2, 3)}
""",
    'operators': """
a = mx.sym.Variable('a')
b = mx.sym.Variable('b')
out = mx.sym.Group([a + b, a - b, a * b, a / b, -a, a + 1, 1 + a, a - 2, 2 - a, a * 3,
                    a / 4, 4 / a, a ** 2, 2 ** a, a ** b, a % b, a % 3, abs(a),
                    a > b, a >= 1, a < b, a <= 0.5, a == b, a != 2])
shapes = {'a': (2, 3), 'b': (2, 3)}
""",
    'name_prefix_and_manager': """
data = mx.sym.Variable('data')
with mx.name.Prefix('net_'):
    x = mx.sym.FullyConnected(data, num_hidden=3, name='fc')
    y = mx.sym.FullyConnected(x, num_hidden=3)
with mx.name.NameManager():
    z = mx.sym.FullyConnected(y, num_hidden=2)
out = z
shapes = {'data': (4, 5)}
""",
    'attr_scope_and_variable_attrs': """
data = mx.sym.Variable('data', shape=(0, 6), dtype='float32')
w = mx.sym.Variable('fc_weight', lr_mult=0.5, wd_mult=2.0, init=mx.init.Xavier(magnitude=2))
with mx.AttrScope(ctx_group='dev1', __mood__='calm'):
    fc = mx.sym.FullyConnected(data, weight=w, num_hidden=3, name='fc')
fc._set_attr(__note__='x')
out = mx.sym.SoftmaxOutput(fc, name='sm', attr={'__grad__': 'yes'})
shapes = {'data': (2, 6)}
""",
    'convnet_bn_pool': """
data = mx.sym.Variable('data')
c = mx.sym.Convolution(data, num_filter=8, kernel=(3, 3), pad=(1, 1), name='conv1')
b = mx.sym.BatchNorm(c, fix_gamma=False, name='bn1')
r = mx.sym.Activation(b, act_type='relu')
p = mx.sym.Pooling(r, kernel=(2, 2), stride=(2, 2), pool_type='max')
f = mx.sym.Flatten(p)
out = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(f, num_hidden=10), name='softmax')
shapes = {'data': (4, 3, 8, 8)}
""",
    'compose_by_call': """
data = mx.sym.Variable('data')
net1 = mx.sym.FullyConnected(data, name='fc1', num_hidden=10)
net2 = mx.sym.Activation(mx.sym.Variable('x'), act_type='relu', name='act')
out = net2(x=net1, name='composed')
shapes = {'data': (3, 7)}
""",
    'internals_and_children': """
data = mx.sym.Variable('data')
fc1 = mx.sym.FullyConnected(data, name='fc1', num_hidden=6)
act = mx.sym.Activation(fc1, name='relu1', act_type='relu')
fc2 = mx.sym.FullyConnected(act, name='fc2', num_hidden=3)
internals = fc2.get_internals()
out = mx.sym.Group([internals['relu1_output'], internals[1], fc2.get_children()[0]])
shapes = {'data': (2, 4)}
""",
    'slice_concat_multi_output': """
data = mx.sym.Variable('data')
parts = mx.sym.SliceChannel(data, num_outputs=3, axis=1, name='sl')
out = mx.sym.Group([mx.sym.Concat(parts[0], parts[2], dim=1, name='cat'), parts[1],
                    mx.sym.Concat(*[mx.sym.Variable('v%d' % i) for i in range(12)])])
shapes = {'data': (2, 6, 3), 'v0': (2, 3), 'v1': (2, 3), 'v2': (2, 3), 'v3': (2, 3),
          'v4': (2, 3), 'v5': (2, 3), 'v6': (2, 3), 'v7': (2, 3), 'v8': (2, 3), 'v9': (2, 3),
          'v10': (2, 3), 'v11': (2, 3)}
""",
    'reshape_embedding_regression': """
data = mx.sym.Variable('data')
emb = mx.sym.Embedding(data, input_dim=20, output_dim=5, name='emb')
r = mx.sym.Reshape(emb, shape=(-1, 5), name='rs')
out = mx.sym.LinearRegressionOutput(mx.sym.FullyConnected(r, num_hidden=1, name='fc'),
                                    name='lro')
shapes = {'data': (3, 4)}
""",
    'aliases_and_legacy_names': """
data = mx.sym.Variable('data')
a = mx.sym.Softmax(data, name='s1')
b = mx.sym.flatten(data)
c = mx.sym.ElementWiseSum(data, data, name='es')
out = mx.sym.Group([a, b, c, mx.sym.SliceChannel(data, num_outputs=2)[1]])
shapes = {'data': (4, 6)}
""",
    'partial_shapes': """
data = mx.sym.Variable('data')
fc = mx.sym.FullyConnected(data, num_hidden=5, name='fc')
out = mx.sym.elemwise_add(fc, mx.sym.Variable('other'), name='add')
shapes = {'other': (3, 5)}
""",
}


def run(mx, src):
    """Run one case in a fresh NameManager, so auto-generated names do not depend on order."""
    env = {'mx': mx}
    with mx.name.NameManager():
        exec(src, env)  # noqa: S102 -- our own case text
    return env


def record(mx):
    out = {}
    for name, src in CASES.items():
        env = run(mx, src)
        s = env['out']
        rec = {'source': src, 'tojson': s.tojson(), 'list_arguments': s.list_arguments(),
               'list_outputs': s.list_outputs(), 'list_auxiliary_states':
               s.list_auxiliary_states(), 'list_inputs': s.list_inputs(),
               'attr_dict': s.attr_dict(), 'name': s.name,
               'internals': s.get_internals().list_outputs()}
        shapes = env.get('shapes')
        if shapes:
            a, o, x = s.infer_shape_partial(**shapes)
            rec['infer_shape_partial'] = [a, o, x]
            full = s.infer_shape(**shapes)
            rec['infer_shape'] = None if full[0] is None else [list(map(list, t)) for t in full]
        types = env.get('types')
        if types:
            a, o, x = s.infer_type(**types)
            rec['infer_type'] = [[t.__name__ for t in a], [t.__name__ for t in o],
                                 [t.__name__ for t in x]]
        out[name] = rec
    return out


if __name__ == '__main__':
    import mxnet
    res = record(mxnet)
    with open(sys.argv[1], 'w') as f:
        json.dump({'mxnet_version': mxnet.__version__, 'cases': res}, f, indent=1,
                  sort_keys=True, default=list)
    print('%d cases' % len(res))
