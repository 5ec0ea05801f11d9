"""Exporting files whose MXNet names TensorFlow does not accept (Gluon exports without a prefix,
parameters named `_resunit10_seq-10-linear-batchnorm_running_var` or `enc.a:weight`, inputs
named `_data` or `input:0`).

The checkpoints were written by MXNet 1.9.1's Gluon (`net.export`, or a SymbolBlock-style
symbol for the inputs Gluon cannot name) with tools/record_export_names.py, together with
MXNet's outputs on a fixed input (tests/fixtures/export_names). Each is converted with
tfmod-convert; the SavedModel is loaded with `tf.saved_model.load` alone, the ONNX file with
onnxruntime and the TFLite file with TF's interpreter, and all must give MXNet's outputs.
"""
import json
import os
import warnings

import numpy as np
import pytest
import tensorflow as tf

import tfmod as mx
from tfmod import export
from tfmod.export_names import NAME_MAP_FILE, is_tf_name, tf_name, unique_tf_names
from tfmod.tools import convert

FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures', 'export_names')
CASES = ['noprefix', 'resunit', 'twoin', 'oddinputs', 'collide']
FULL = 'oddinputs'          # also written as ONNX and TFLite


def _case(name):
    with open(os.path.join(FIX, name + '.json')) as f:
        meta = json.load(f)
    io = np.load(os.path.join(FIX, name + '-io.npz'))
    feeds = {n: io['in%d' % i] for i, n in enumerate(meta['input_order'])}
    want = {n: io['out%d' % i] for i, n in enumerate(meta['outputs'])}
    return meta, feeds, want


@pytest.fixture(scope='module')
def converted(tmp_path_factory):
    root = tmp_path_factory.mktemp('export_names')
    out = {}
    for name in CASES:
        meta, _, _ = _case(name)
        argv = ['--prefix', os.path.join(FIX, name), '--epoch', '0',
                '--saved-model', str(root / name)]
        for n, shape in meta['inputs'].items():
            argv += ['--input', '%s:%s' % (n, ','.join(['-1'] + [str(d) for d in shape[1:]]))]
        if name == FULL:
            argv += ['--onnx', '--tflite']
        out[name] = convert.run(argv, out=open(os.devnull, 'w'))
    return out


def test_tf_names_are_mxnet_names_where_tf_accepts_them():
    for ok in ['data', 'data0', 'fc1_weight', 'enc.a-b', 'seq-10/linear', '0abc']:
        assert is_tf_name(ok) and tf_name(ok) == ok
    assert tf_name('_data') == 'x_data'
    assert tf_name('input:0') == 'input_0'
    assert tf_name('_resunit10_seq-10-linear-batchnorm_running_var') == \
        'x_resunit10_seq-10-linear-batchnorm_running_var'
    assert tf_name('a b:c') == 'a_b_c'
    assert tf_name('') == 'x'


def test_tf_names_are_unique_and_deterministic():
    names = ['input:0', 'input_0', '_x', 'x_x', 'a:b', 'a;b', 'a_b_1']
    m = unique_tf_names(names)
    assert m == {'input:0': 'input_0_1', 'input_0': 'input_0', '_x': 'x_x_1', 'x_x': 'x_x',
                 'a:b': 'a_b', 'a;b': 'a_b_2', 'a_b_1': 'a_b_1'}
    assert len(set(m.values())) == len(names)
    assert unique_tf_names(names) == m
    assert all(is_tf_name(v) for v in m.values())
    assert unique_tf_names(['_x'], taken={'x_x'}) == {'_x': 'x_x_1'}


@pytest.mark.parametrize('name', CASES)
def test_savedmodel_reproduces_mxnet(converted, name):
    meta, feeds, want = _case(name)
    info = converted[name]
    loaded = tf.saved_model.load(info['path'])
    names = json.loads(loaded.tfmod_names.numpy())
    keys = names['signatures']['serving_default']['inputs']
    assert sorted(keys) == sorted(meta['inputs'])
    sig = loaded.signatures['serving_default']
    got = sig(**{keys[n]: tf.constant(x) for n, x in feeds.items()})
    assert sorted(got) == sorted(want)          # output keys are MXNet's names
    for n, x in want.items():
        np.testing.assert_allclose(got[n].numpy(), x, rtol=1e-5, atol=1e-5, err_msg=n)
    # the module's own call takes and returns MXNet's names
    got = loaded({n: tf.constant(x) for n, x in feeds.items()}, training=False)
    for n, x in want.items():
        np.testing.assert_allclose(got[n].numpy(), x, rtol=1e-5, atol=1e-5, err_msg=n)
    # parameters keyed by their MXNet names, holding the values of the .params file
    saved = mx.nd.load(os.path.join(FIX, name + '-0000.params'))
    assert sorted(loaded.arg_params) == meta['arg_params']
    assert sorted(loaded.aux_params) == meta['aux_params']
    for k, v in saved.items():
        group = loaded.arg_params if k.startswith('arg:') else loaded.aux_params
        np.testing.assert_array_equal(group[k[4:]].numpy(), v.asnumpy())


def test_name_map_round_trips(converted):
    for name in CASES:
        meta, _, _ = _case(name)
        info = converted[name]
        with open(os.path.join(info['path'], 'assets', NAME_MAP_FILE)) as f:
            on_disk = json.load(f)
        assert on_disk == info['names']
        params = on_disk['parameters']
        assert sorted(params) == sorted(meta['arg_params'] + meta['aux_params'])
        assert params == unique_tf_names(params)
        loaded = tf.saved_model.load(info['path'])
        assert json.loads(loaded.tfmod_names.numpy()) == on_disk
        by_tf = {v.name.split(':')[0]: v for v in loaded.variables}
        for mx_name, tf_var in params.items():
            group = loaded.aux_params if mx_name in meta['aux_params'] else loaded.arg_params
            np.testing.assert_array_equal(by_tf[tf_var].numpy(), group[mx_name].numpy())
    res = converted['resunit']['names']['parameters']
    assert res['_resunit10_seq-10-linear-batchnorm_running_var'] == \
        'x_resunit10_seq-10-linear-batchnorm_running_var'
    assert converted['noprefix']['names']['parameters']['dense0_weight'] == 'dense0_weight'
    sigs = {n: converted[n]['names']['signatures']['serving_default']['inputs'] for n in CASES}
    assert sigs['twoin'] == {'data0': 'data0', 'data1': 'data1'}
    assert sigs['oddinputs'] == {'_data': 'x_data', 'input:0': 'input_0'}
    assert sigs['collide'] == {'input:0': 'input_0_1', 'input_0': 'input_0'}


def test_onnx_reproduces_mxnet(converted):
    ort = pytest.importorskip('onnxruntime')
    _, feeds, want = _case(FULL)
    keys = converted[FULL]['names']['signatures']['serving_default']['inputs']
    sess = ort.InferenceSession(converted[FULL]['path'] + '.onnx')
    assert sorted(i.name for i in sess.get_inputs()) == sorted(keys.values())
    outs = [o.name for o in sess.get_outputs()]
    assert sorted(outs) == sorted(want)
    got = sess.run(outs, {keys[n]: x for n, x in feeds.items()})
    for n, x in zip(outs, got):
        np.testing.assert_allclose(x, want[n], rtol=1e-5, atol=1e-5, err_msg=n)


def test_tflite_reproduces_mxnet(converted):
    _, feeds, want = _case(FULL)
    keys = converted[FULL]['names']['signatures']['serving_default']['inputs']
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')      # tf.lite.Interpreter is deprecated (ai_edge_litert)
        interp = tf.lite.Interpreter(model_path=converted[FULL]['path'] + '.tflite')
    run = interp.get_signature_runner('serving_default')
    got = run(**{keys[n]: x for n, x in feeds.items()})
    assert sorted(got) == sorted(want)
    for n, x in want.items():
        np.testing.assert_allclose(got[n], x, rtol=1e-5, atol=1e-5, err_msg=n)


def test_module_export_with_gluon_names(tmp_path):
    meta, feeds, want = _case('oddinputs')
    sym, args, auxs = mx.model.load_checkpoint(os.path.join(FIX, 'oddinputs'), 0)
    mod = mx.mod.Module(sym, data_names=meta['input_order'], label_names=None)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        mod.bind(data_shapes=[(n, tuple(s)) for n, s in meta['inputs'].items()],
                 for_training=False)
    mod.set_params(args, auxs)
    info = mod.export_savedmodel(str(tmp_path / 'sm'))
    assert info['names']['signatures']['serving_default']['inputs'] == \
        {'_data': 'x_data', 'input:0': 'input_0'}
    loaded = tf.saved_model.load(str(tmp_path / 'sm'))
    got = loaded.signatures['serving_default'](x_data=feeds['_data'], input_0=feeds['input:0'])
    for n, x in want.items():
        np.testing.assert_allclose(got[n].numpy(), x, rtol=1e-5, atol=1e-5, err_msg=n)


def test_cli_input_names_with_colons():
    assert convert._parse_input('input:0:-1,3') == ('input:0', (-1, 3), None)
    assert convert._parse_input('input:0:-1,3:int32') == ('input:0', (-1, 3), 'int32')
    assert convert._parse_input('data:-1,3,32,32') == ('data', (-1, 3, 32, 32), None)
    assert convert._parse_input('data:1x3:float16') == ('data', (1, 3), 'float16')
    for bad in ['data', ':3', 'data:', 'data:a,b']:
        with pytest.raises(convert._UsageError):
            convert._parse_input(bad)


def test_save_model_info_names_match_the_signature(tmp_path):
    _, feeds, want = _case('collide')
    sym, args, auxs = mx.model.load_checkpoint(os.path.join(FIX, 'collide'), 0)
    info = export.save_model(sym, str(tmp_path / 'sm'), args, auxs,
                             input_shapes={'input:0': (-1, 5), 'input_0': (-1, 3)})
    sig = tf.saved_model.load(str(tmp_path / 'sm')).signatures['serving_default']
    assert sorted(sig.structured_input_signature[1]) == ['input_0', 'input_0_1']
    got = sig(input_0_1=feeds['input:0'], input_0=feeds['input_0'])
    for n, x in want.items():
        np.testing.assert_allclose(got[n].numpy(), x, rtol=1e-5, atol=1e-5, err_msg=n)


def test_static_kernel_check():
    """Kernels are checked in TF's registry, without running the graph (a forward pass of a
    detection net takes a minute); a float16 3-D pooling on CPU is found there when TF lacks it."""
    @tf.function
    def plain(x):
        return tf.nn.relu(x) + tf.cast(tf.argmax(x), tf.float32)
    assert export._missing_kernels(plain.get_concrete_function(tf.TensorSpec([3, 2]))) == {}

    @tf.function
    def pool16(x):
        y = tf.nn.max_pool3d(tf.cast(x, tf.float16), 2, 2, 'VALID')
        return tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * 2), (0, y))
    missing = export._missing_kernels(pool16.get_concrete_function(
        tf.TensorSpec([1, 2, 2, 2, 1])))
    try:
        tf.nn.max_pool3d(tf.zeros([1, 2, 2, 2, 1], tf.float16), 2, 2, 'VALID')
        assert missing == {}
    except (tf.errors.InvalidArgumentError, tf.errors.NotFoundError):
        assert list(missing) == ['MaxPool3D']


def test_tf2onnx_subgraph_copy_shares_the_parent():
    """tf2onnx_run's copy of a loop's subgraph copies the subgraph, not the model around it."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'tf2onnx_run', os.path.join(os.path.dirname(export.__file__), 'tools', 'tf2onnx_run.py'))
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)

    class G:
        def __init__(self, parent, nodes):
            self.parent_graph, self.nodes = parent, nodes
    top = G(None, [np.zeros(4)])
    mid = G(top, [np.ones(2)])
    sub = G(mid, [[1, 2]])
    c = run._SubgraphCopy.deepcopy(sub)
    assert c is not sub and c.nodes == sub.nodes and c.nodes[0] is not sub.nodes[0]
    assert c.parent_graph is mid and c.parent_graph.parent_graph is top
