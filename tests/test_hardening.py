"""Bad files raise MXNetError naming what is wrong; damaged optimizer states fail at load; bfloat16
and MXNet's ``dump_optimizer`` states load (tfmod issue 16). Fixtures: tools/record_hardening.py."""
import json
import os
import pickle
import struct

import numpy as np
import pytest

import tfmod as mx
from tfmod import model

FIX = os.path.join(os.path.dirname(__file__), 'fixtures', 'hardening')
MXNetError = mx.base.MXNetError


def _sym_text():
    with open(os.path.join(FIX, 'net-symbol.json')) as f:
        return f.read()


def _mutated(fn):
    doc = json.loads(_sym_text())
    fn(doc)
    return json.dumps(doc)


@pytest.mark.parametrize('mutate', [
    lambda d: d.__setitem__('heads', [[3]]),
    lambda d: d.__setitem__('heads', [['a', 0, 0]]),
    lambda d: d.__setitem__('heads', [[float('nan'), 0, 0]]),
    lambda d: d.__setitem__('heads', [[float('inf'), 0, 0]]),
    lambda d: d.__setitem__('heads', [None]),
    lambda d: d.__setitem__('heads', {'a': 1}),
    lambda d: d.__setitem__('attrs', [1]),
    lambda d: d['nodes'][2].__setitem__('inputs', True),
    lambda d: d['nodes'][2].__setitem__('inputs', [['x', 0, 0]]),
    lambda d: d['nodes'][2].__setitem__('inputs', [None]),
    lambda d: d['nodes'][2].__setitem__('inputs', [[0, float('nan'), 0]]),
    lambda d: d['nodes'][2].__setitem__('inputs', [[0, 0, 'v']]),
    lambda d: d['nodes'][2].__setitem__('op', {}),
    lambda d: d['nodes'][2].__setitem__('name', None),
    lambda d: d['nodes'][3].__setitem__('subgraphs', {}),
    lambda d: d['nodes'].__setitem__(1, []),
], ids=['heads33', 'head_str', 'head_nan', 'head_inf', 'head_null', 'heads_dict', 'attrs_list',
        'inputs_true', 'input_x00', 'input_null', 'input_nan', 'input_version_str', 'op_dict',
        'name_null', 'subgraphs_dict', 'node_list'])
def test_malformed_graph_entries(mutate):
    with pytest.raises(MXNetError, match='symbol JSON'):
        mx.sym.load_json(_mutated(mutate))


def test_symbol_file_not_utf8_or_too_deep(tmp_path):
    bad = tmp_path / 'bad-symbol.json'
    bad.write_bytes(b'\xff\xfe{"nodes": []}')
    with pytest.raises(MXNetError, match='bad-symbol.json is not UTF-8'):
        mx.sym.load(str(bad))
    with pytest.raises(MXNetError, match='not valid JSON'):
        mx.sym.load_json('[' * 200000 + ']' * 200000)
    bad.write_text('[' * 200000)
    with pytest.raises(MXNetError, match='bad-symbol.json'):
        mx.sym.load(str(bad))


def test_empty_shape_too_large_for_numpy():
    for shape in ((0, 2 ** 62), (2 ** 62, 0)):
        buf = struct.pack('<QQQ', 0x112, 0, 1) + struct.pack('<Iii', 0xF993FAC9, 0, 2) + \
            struct.pack('<2q', *shape) + struct.pack('<iiiQ', 1, 0, 0, 0)
        with pytest.raises(MXNetError, match='too large'):
            mx.nd.load_frombuffer(buf)


def _selfref():
    x = []
    x.append(x)
    return pickle.dumps({0: x}, 2)


@pytest.mark.parametrize('payload,match', [
    (_selfref(), 'contains itself'),
    (b'\x80\x02}K\x00' + b']' * 5000 + b'a' * 4999 + b's.', 'nests deeper'),
    (b'\x80\x02' + b']' * 5000 + b'a' * 4999 + b'.', 'nests deeper'),
    (pickle.dumps(({}, None, 1), 2), '3-tuple'),
    (pickle.dumps({0: 'text'}, 2), 'not None, an NDArray'),
    (b'\x80\x02}K\x00cmxnet.ndarray.ndarray\nNDArray\n)\x81s.', 'without its data'),
    # {0: bytearray(2**30)}: 35 bytes that would allocate 1 GiB
    (b'\x80\x02}K\x00c__builtin__\nbytearray\nJ\x00\x00\x00@\x85R\x85s.', 'bytearray'),
    (b'\x80\x02}r\xff\xff\xff\x7f.', 'memo index'),
], ids=['self_ref', 'deep', 'deep_not_dict', 'three_tuple', 'str_state', 'nd_no_state',
        'bytearray_size', 'memo_huge'])
def test_hostile_mxnet_pickles(payload, match):
    with pytest.raises(MXNetError, match=match):
        model.loads_optimizer_states(payload, 'x.states')


def _tfmod_states():
    st = model.dumps_optimizer_states({0: mx.nd.ones((2,)), 1: (mx.nd.ones((2,)), None)},
                                      counts=(3, {0: {0: 3}}))
    return mx.ndarray.ndfile.loads(st)


@pytest.mark.parametrize('edit,match', [
    (lambda n, a: ([x for x in n if x != 'i:1/1|none'], [y for x, y in zip(n, a)
                                                         if x != 'i:1/1|none']), 'missing'),
    (lambda n, a: ([x.replace('tuple2', 'tuplex') for x in n], a), 'unknown state entry kind'),
    (lambda n, a: ([x.replace('tuple2', 'tuple999999999') for x in n], a), 'claims'),
    (lambda n, a: ([x.replace('|0|i:0', '|x|i:0') for x in n], a), 'bad update count'),
    (lambda n, a: (n, [np.zeros(0, np.int64) if x.startswith('__tfmod_update') else y
                       for x, y in zip(n, a)]), 'not one int64'),
    (lambda n, a: ([x.replace('i:0|nd', 'i:x|nd') for x in n], a), 'bad state index'),
    (lambda n, a: ([x.replace('i:0|nd', 'i:0') for x in n], a), 'has no kind'),
    (lambda n, a: (n + ['i:7/0|nd'], a + [np.ones(1, np.float32)]), 'belong to no state'),
    (lambda n, a: (n + ['i:0|nd'], a + [np.ones(1, np.float32)]), 'duplicate'),
], ids=['missing_child', 'bad_kind', 'huge_tuple', 'bad_count_dev', 'empty_count', 'bad_index',
        'no_kind', 'orphan', 'duplicate'])
def test_malformed_tfmod_states(edit, match):
    arrays, names = _tfmod_states()
    names, arrays = edit(list(names), list(arrays))
    data = mx.ndarray.ndfile.dumps(arrays, names)
    with pytest.raises(MXNetError, match=match):
        model.loads_optimizer_states(data, 'x.states')


def _module(ctx=None, kvstore=None, momentum=0.9):
    mod = mx.mod.Module.load(os.path.join(FIX, 'net'), 1, context=ctx or [mx.cpu(0)])
    mod.bind(data_shapes=[('data', (4, 6))], label_shapes=[('softmax_label', (4,))])
    mod.init_optimizer(kvstore=kvstore, optimizer='sgd',
                       optimizer_params={'learning_rate': 0.1, 'momentum': momentum})
    return mod


@pytest.mark.parametrize('kind', ['shape', 'dtype', 'structure'])
def test_states_that_do_not_fit_their_weight_fail_at_load(tmp_path, kind):
    mod = _module()
    w = mod.get_params()[0]['fc2_weight']
    bad = {'shape': mx.nd.zeros((2, 2)), 'dtype': mx.nd.zeros(w.shape, dtype='float64'),
           'structure': (mx.nd.zeros(w.shape), mx.nd.zeros(w.shape))}[kind]
    states = {0: mx.nd.zeros((5, 6)), 1: mx.nd.zeros((5,)), 2: bad, 3: mx.nd.zeros((3,))}
    fname = str(tmp_path / 'bad.states')
    with open(fname, 'wb') as f:
        f.write(model.dumps_optimizer_states(states))
    with pytest.raises(MXNetError, match="bad.states.*'fc2_weight'"):
        mod.load_optimizer_states(fname)
    kv = mx.kv.create('local')
    kv.set_optimizer(mx.optimizer.SGD(momentum=0.9))
    kv.init([0, 1, 2, 3], [mx.nd.zeros(a.shape) for a in
                           (states[0], states[1], w, states[3])])
    with pytest.raises(MXNetError, match='bad.states.*parameter 2'):
        kv.load_optimizer_states(fname)


def test_bfloat16_round_trip_matches_mxnet(tmp_path):
    src = os.path.join(FIX, 'bf16.nd')
    a = mx.nd.load(src)['w']
    assert np.dtype(a.dtype).name == 'bfloat16'
    exp = np.load(os.path.join(FIX, 'expected.npz'))
    np.testing.assert_array_equal(a.astype('float32').asnumpy(), exp['bf16_as_f32'])
    out = str(tmp_path / 'bf.nd')
    mx.nd.save(out, {'w': a})
    with open(out, 'rb') as f, open(src, 'rb') as g:
        assert f.read() == g.read()   # what MXNet 1.9.1 wrote, byte for byte


def _resume_and_compare(mod, after):
    exp = np.load(os.path.join(FIX, 'expected.npz'))
    for i in (2, 3):
        mod.forward_backward(mx.io.DataBatch([mx.nd.array(exp['x'][i])],
                                             [mx.nd.array(exp['y'][i])]))
        mod.update()
    for k, v in mod.get_params()[0].items():
        np.testing.assert_allclose(v.asnumpy(), exp[after + k], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('ndev,kvstore', [(1, None), (2, 'local')])
def test_dump_optimizer_states_through_module_load(ndev, kvstore):
    ctx = [mx.cpu(i) for i in range(ndev)]
    mod = mx.mod.Module.load(os.path.join(FIX, 'net'), 1, load_optimizer_states=True,
                             context=ctx)
    mod.bind(data_shapes=[('data', (4, 6))], label_shapes=[('softmax_label', (4,))])
    mod.init_optimizer(kvstore=kvstore, optimizer='sgd',
                       optimizer_params={'learning_rate': 0.1, 'momentum': 0.9})
    _resume_and_compare(mod, 'after2_')


@pytest.mark.parametrize('prefix,after', [('net', 'after2_'), ('net1', 'after1_')])
def test_dump_optimizer_states_through_load_optimizer_states(prefix, after):
    mod = _module()
    mod.load_params(os.path.join(FIX, prefix + '-0001.params'))
    mod.load_optimizer_states(os.path.join(FIX, prefix + '-0001.states'))
    _resume_and_compare(mod, after)


def test_dump_optimizer_states_through_kvstore():
    exp = np.load(os.path.join(FIX, 'expected.npz'))
    params = mx.nd.load(os.path.join(FIX, 'net1-0001.params'))
    names = ['fc1_weight', 'fc1_bias', 'fc2_weight', 'fc2_bias']
    kv = mx.kv.create('local')
    kv.set_optimizer(mx.optimizer.SGD(learning_rate=0.1, momentum=0.9, rescale_grad=0.25))
    kv.init(list(range(4)), [params['arg:' + n] for n in names])
    kv.load_optimizer_states(os.path.join(FIX, 'net1-0001.states'))
    assert set(kv._updater.states) == set(range(4))
    mod = _module()
    mod.load_params(os.path.join(FIX, 'net1-0001.params'))
    for i in (2, 3):
        mod.forward_backward(mx.io.DataBatch([mx.nd.array(exp['x'][i])],
                                             [mx.nd.array(exp['y'][i])]))
        grads = [mod._exec_group.grad_arrays[j][0] for j in range(4)]
        kv.push(list(range(4)), grads)
        outs = [mx.nd.zeros(params['arg:' + n].shape) for n in names]
        kv.pull(list(range(4)), outs)
        mod.set_params({n: o for n, o in zip(names, outs)}, {})
    for n, o in zip(names, outs):
        np.testing.assert_allclose(o.asnumpy(), exp['after1_' + n], rtol=1e-5, atol=1e-6)
