"""Export to SavedModel (tfmod.export, Module.export_savedmodel, tfmod-convert).

Every SavedModel is loaded and run in ONE fresh Python process that imports TensorFlow and
numpy only (never tfmod), and its outputs are compared with what MXNet 1.9.1 recorded
(tests/fixtures/modules/checkpoints, tests/fixtures/ops graph cases) and with tfmod's own
predictions. Exports are shared through module-scoped fixtures; the slow subprocesses (the fresh
loader, saved_model_cli, the console script) are started together.

The ONNX test needs the optional `onnx` extra (tf2onnx + onnxruntime): it runs when both are
importable and is SKIPPED otherwise -- the default test command does not install them.
"""
import json
import os
import shlex
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tfmod as mx
from tfmod import export
from tfmod.tools import convert

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIX = os.path.join(HERE, 'fixtures')
CK = os.path.join(FIX, 'modules', 'checkpoints')
OPS = os.path.join(FIX, 'ops')
GRAPH_CASES = ['graph_conv_bn_relu_pool_fc_softmax', 'graph_embedding_regression',
               'graph_fc_bn_makeloss', 'graph_lstm_cell_unrolled']


def _env():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2')
    env['PYTHONPATH'] = os.pathsep.join([ROOT] + [p for p in env.get('PYTHONPATH', '').split(
        os.pathsep) if p])
    return env


def _quiet_bind(mod, shapes):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        mod.bind(data_shapes=shapes, for_training=False)


def _ops_case(case):
    with open(os.path.join(OPS, case + '.json')) as f:
        meta = json.load(f)
    return meta, np.load(os.path.join(OPS, case + '.npz'))


# -- the exports ----------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    """name -> {'path', 'info', 'runs': [(signature, feeds, {output: (expected, rtol, atol)})]}"""
    root = tmp_path_factory.mktemp('export')
    cases = {}

    # 1. convbn: a Module loaded from MXNet's checkpoint, Module.export_savedmodel
    exp = np.load(os.path.join(CK, 'convbn_expected.npz'))
    x = exp['pred_input']
    want = exp['pred_after_load_inference_bind']
    mod = mx.mod.Module.load(os.path.join(CK, 'convbn'), 2)
    _quiet_bind(mod, [('data', x.shape)])
    ours = mod.predict(mx.io.NDArrayIter(x, batch_size=8)).asnumpy()
    np.testing.assert_allclose(ours, want, rtol=1e-5, atol=1e-6)
    path = str(root / 'convbn')
    info = mod.export_savedmodel(path)
    cases['convbn'] = {'path': path, 'info': info, 'module': mod, 'runs': [
        ('serving_default', {'data': x}, {'softmax_output': (want, 1e-5, 1e-6)}),
        ('serving_default', {'data': x[:3]}, {'softmax_output': (ours[:3], 1e-6, 1e-7)}),
    ]}

    # 2. mlp through the console script's code, internal + final outputs
    exp = np.load(os.path.join(CK, 'mlp_expected.npz'))
    x = exp['pred_input']
    args, _ = mx.model.load_params(os.path.join(CK, 'mlp'), 2)
    fc1 = x @ args['fc1_weight'].asnumpy().T + args['fc1_bias'].asnumpy()
    path = str(root / 'mlp')
    info = convert.run(['--prefix', os.path.join(CK, 'mlp'), '--epoch', '2',
                        '--input', 'data:-1,10', '--output', 'fc1,softmax_output',
                        '--saved-model', path], out=open(os.devnull, 'w'))
    cases['mlp'] = {'path': path, 'info': info, 'runs': [
        ('serving_default', {'data': x}, {'softmax_output': (exp['pred_after_fit'], 1e-5, 1e-6),
                                          'fc1_output': (fc1, 1e-5, 1e-5)})]}

    # 3. float16 and bfloat16 (parameters stored and computed in that type), against MXNet's
    # float32 predictions: MXNet 1.9.1 on CPU cannot compute them in float16 ("FP16 gemm on cpu
    # not implemented"; BatchNorm insists on float32 gamma/beta). The bound is 4 units in the
    # last place of a probability near 1 in the export's type -- float16 2**-9 (about 2e-3),
    # bfloat16 2**-6 (about 1.6e-2) -- for the few roundings of a conv/BN/FC/softmax chain.
    path = str(root / 'convbn16')
    sym, a, b = mx.model.load_checkpoint(os.path.join(CK, 'convbn'), 2)
    info = export.save_model(sym, path, a, b, input_shapes={'data': (-1, 2, 6, 6)},
                             precision='float16')
    want = np.load(os.path.join(CK, 'convbn_expected.npz'))
    cases['convbn16'] = {'path': path, 'info': info, 'runs': [
        ('serving_default', {'data': want['pred_input']},
         {'softmax_output': (want['pred_after_fit'], 0, 2 ** -9)})]}
    path = str(root / 'mlpbf16')
    info = convert.run(['--prefix', os.path.join(CK, 'mlp'), '--epoch', '2', '--input',
                        'data:-1,10', '--precision', 'bfloat16', '--saved-model', path],
                       out=open(os.devnull, 'w'))
    cases['mlpbf16'] = {'path': path, 'info': info, 'runs': [
        ('serving_default', {'data': exp['pred_input']},
         {'softmax_output': (exp['pred_after_fit'], 0, 2 ** -6)})]}

    # 4. graph cases recorded from MXNet: symbol + values, save_model, batch axis open
    for case in GRAPH_CASES:
        meta, z = _ops_case(case)
        sym = mx.sym.load_json(meta['symbol'])
        params = {n: z['arg:' + n] for n in meta['param_names']}
        aux = {n: z['aux:' + n] for n in meta['aux_names']}
        data = [n for n in meta['data_names'] if n in ('data',)]
        shapes = {n: [-1] + meta['shapes'][n][1:] for n in data}
        path = str(root / case)
        info = export.save_model(sym, path, params, aux, input_shapes=shapes,
                                 input_dtypes={n: meta['dtypes'][n] for n in data})
        rtol, atol = max(meta['rtol'], 1e-5), max(meta['atol'], 1e-5)
        keys = info['signatures']['serving_default']['outputs']
        want = {k: (z['out:%d' % i], rtol, atol) for i, k in enumerate(keys)}
        feeds = {n: z['arg:' + n] for n in data}
        runs = [('serving_default', feeds, want)]
        # the open batch really is open: twice the batch gives the outputs twice
        batch = len(feeds['data'])
        if all(w[0].shape[:1] == (batch,) for w in want.values()):
            twice = {n: np.concatenate([v, v]) for n, v in feeds.items()}
            runs.append(('serving_default', twice, {k: (np.concatenate([w[0], w[0]]), rtol,
                                                        atol) for k, w in want.items()}))
        cases[case] = {'path': path, 'info': info, 'runs': runs}
    return cases


LOADER = textwrap.dedent('''
    import json, sys
    import numpy as np
    import tensorflow as tf
    spec = json.load(open(sys.argv[1]))
    res, meta = {}, {}
    for name, case in spec.items():
        m = tf.saved_model.load(case['path'])
        meta[name] = {'signatures': sorted(m.signatures),
                      'trainable': sorted(v.name for v in m.trainable_variables),
                      'variables': len(m.variables)}
        for i, (sig, feeds_file) in enumerate(case['runs']):
            feeds = dict(np.load(feeds_file))
            out = m.signatures[sig](**{k: tf.constant(v) for k, v in feeds.items()})
            for k, v in out.items():
                res['%s/%d/%s' % (name, i, k)] = v.numpy()
            if sig == 'serving_default':
                called = m(feeds, training=False)
                meta[name]['call_matches'] = all(
                    np.allclose(called[k].numpy(), out[k].numpy(), rtol=case['tol'],
                                atol=case['tol']) for k in out)
        if name == 'convbn':        # fine-tuning: gradients reach every trainable variable
            feeds = dict(np.load(case['runs'][0][1]))
            before = m.aux_params['bn1_moving_mean'].numpy().copy()
            with tf.GradientTape() as tape:
                y = m(feeds, training=True)['softmax_output']
                loss = -tf.reduce_sum(tf.math.log(y[:, 0]))
            grads = tape.gradient(loss, m.trainable_variables)
            meta[name]['grads'] = {
                v.name: 'none' if g is None else 'ok' if bool(tf.reduce_any(g != 0)) else 'zero'
                for v, g in zip(m.trainable_variables, grads)}
            meta[name]['moving_mean_updated'] = bool(
                np.any(m.aux_params['bn1_moving_mean'].numpy() != before))
    for mod in ('tfmod', 'tfmod_converters'):
        assert mod not in sys.modules, mod + ' was imported'
    np.savez(sys.argv[2], **res)
    json.dump(meta, open(sys.argv[3], 'w'))
''')


def _cli_command():
    exe = os.path.join(os.path.dirname(sys.executable), 'saved_model_cli')
    if os.path.exists(exe):
        return [exe]
    return [sys.executable, '-m', 'tensorflow.python.tools.saved_model_cli']


@pytest.fixture(scope='module')
def procs(exported, tmp_path_factory):
    """Start the slow subprocesses together: the fresh loader, saved_model_cli, the script."""
    d = tmp_path_factory.mktemp('fresh')
    spec = {}
    for name, case in exported.items():
        runs = []
        for i, (sig, feeds, _) in enumerate(case['runs']):
            f = str(d / ('%s_%d.npz' % (name, i)))
            np.savez(f, **feeds)
            runs.append((sig, f))
        reduced = case['info']['precision'] != 'float32'
        spec[name] = {'path': case['path'], 'runs': runs, 'tol': 3e-2 if reduced else 1e-6}
    with open(d / 'spec.json', 'w') as f:
        json.dump(spec, f)
    (d / 'loader.py').write_text(LOADER)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2')
    env.pop('PYTHONPATH', None)
    started = {
        'fresh': subprocess.Popen(
            [sys.executable, str(d / 'loader.py'), str(d / 'spec.json'), str(d / 'out.npz'),
             str(d / 'meta.json')], cwd=str(d), env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True),
        'cli': subprocess.Popen(
            _cli_command() + ['show', '--all', '--dir', exported['convbn']['path']],
            cwd=str(d), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
        'script': subprocess.Popen(
            [sys.executable, '-m', 'tfmod.tools.convert', '--prefix',
             os.path.join(CK, 'convbn'), '--epoch', '2', '--input', 'label:-1,3',
             '--saved-model', str(d / 'never')], cwd=ROOT, env=_env(),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
    }
    done = {}

    def get(key):
        if key not in done:
            out, err = started[key].communicate(timeout=600)
            done[key] = (started[key].returncode, out, err)
        return done[key]
    get.dir = d
    yield get
    for p in started.values():
        if p.poll() is None:
            p.kill()
            p.communicate()


@pytest.fixture(scope='module')
def fresh(procs):
    rc, out, err = procs('fresh')
    assert rc == 0, err[-3000:]
    d = procs.dir
    with open(d / 'meta.json') as f:
        meta = json.load(f)
    return dict(np.load(d / 'out.npz')), meta


# -- tests ----------------------------------------------------------------------------------------

def test_fresh_process_matches_mxnet_and_tfmod(exported, fresh):
    res, _ = fresh
    checked = 0
    for name, case in exported.items():
        for i, (_, _, want) in enumerate(case['runs']):
            for key, (expected, rtol, atol) in want.items():
                got = res['%s/%d/%s' % (name, i, key)]
                assert got.dtype == np.float32, (name, key, got.dtype)
                np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol,
                                           err_msg='%s run %d output %s' % (name, i, key))
                checked += 1
    assert checked >= 15


def test_loaded_model_is_a_tf_module_with_variables(exported, fresh):
    _, meta = fresh
    convbn = meta['convbn']
    assert convbn['signatures'] == ['serving_default']
    assert convbn['variables'] == 14                   # 10 args + 4 BatchNorm statistics
    assert len(convbn['trainable']) == 10
    assert [n for n, m in meta.items() if not m['call_matches']] == []
    # bn2 has fix_gamma (MXNet's default): its gamma is not used, so it gets no gradient
    assert {k for k, v in convbn['grads'].items() if v != 'ok'} == {'bn2_gamma:0'}
    assert convbn['moving_mean_updated']


def test_signature_inputs_outputs(exported):
    sig = exported['convbn']['info']['signatures']['serving_default']
    assert sig == {'inputs': {'data': [-1, 2, 6, 6]}, 'outputs': ['softmax_output']}
    assert exported['convbn']['info']['pruned_inputs']['serving_default'] == ['softmax_label']
    mlp = exported['mlp']['info']
    assert mlp['signatures']['serving_default']['outputs'] == ['fc1_output', 'softmax_output']
    emb = exported['graph_embedding_regression']['info']
    assert list(emb['signatures']['serving_default']['inputs']) == ['data']
    assert emb['pruned_inputs']['serving_default'] == ['label']


def test_saved_model_cli_lists_the_signature(procs):
    rc, out, err = procs('cli')
    assert rc == 0, err[-2000:]
    assert "signature_def['serving_default']" in out
    assert "inputs['data']" in out and 'shape: (-1, 2, 6, 6)' in out
    assert "outputs['softmax_output']" in out and 'shape: (-1, 3)' in out
    assert 'softmax_label' not in out.split('Concrete Functions')[0]


def test_console_script_error_is_clean(procs):
    rc, out, err = procs('script')
    assert rc == 2
    assert 'Traceback' not in err
    assert "tfmod-convert: error: 'label' is not an input of the symbol; its inputs are: " \
           "data, softmax_label" in err


def test_console_script_entry_point():
    import tomllib
    with open(os.path.join(ROOT, 'pyproject.toml'), 'rb') as f:
        proj = tomllib.load(f)['project']
    assert proj['scripts']['tfmod-convert'] == 'tfmod.tools.convert:main'
    assert set(proj['optional-dependencies']['onnx']) == {'tf2onnx', 'onnxruntime'}


def test_readme_convert_command_on_shipped_checkpoint(tmp_path, capsys, monkeypatch):
    with open(os.path.join(ROOT, 'README.md')) as f:
        text = f.read()
    block = text.split('<!-- convert-command -->', 1)[1].split('```')[1]
    argv = shlex.split(block.strip())
    assert argv[0] == 'tfmod-convert'
    monkeypatch.chdir(ROOT)
    i = argv.index('--saved-model')
    argv[i + 1] = str(tmp_path / argv[i + 1])
    assert convert.main(argv[1:]) == 0
    out = capsys.readouterr().out
    assert 'SavedModel written to %s' % (tmp_path / 'convbn_savedmodel') in out
    assert 'softmax_output' in out and '(-1, 2, 6, 6)' in out
    assert os.path.exists(tmp_path / 'convbn_savedmodel' / 'saved_model.pb')


def test_onnx_matches(exported, tmp_path):
    import onnxruntime as ort
    path = export.to_onnx(exported['convbn']['path'], str(tmp_path / 'convbn.onnx'))
    sess = ort.InferenceSession(path)
    assert [i.name for i in sess.get_inputs()] == ['data']
    exp = np.load(os.path.join(CK, 'convbn_expected.npz'))
    got = sess.run(['softmax_output'], {'data': exp['pred_input']})[0]
    np.testing.assert_allclose(got, exp['pred_after_load_inference_bind'], rtol=1e-5, atol=1e-6)


def test_tflite_matches(exported, tmp_path):
    import tensorflow as tf
    import warnings
    path = export.to_tflite(exported['convbn']['path'], str(tmp_path / 'convbn.tflite'))
    exp = np.load(os.path.join(CK, 'convbn_expected.npz'))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')      # tf.lite.Interpreter is deprecated (ai_edge_litert)
        interp = tf.lite.Interpreter(model_path=path)
    run = interp.get_signature_runner('serving_default')
    got = run(data=exp['pred_input'])['softmax_output']
    np.testing.assert_allclose(got, exp['pred_after_load_inference_bind'], rtol=1e-5, atol=1e-6)


# -- in-process checks (no SavedModel written) -----------------------------------------------------

def _plan(sym, shapes, params=None, aux=None, outputs=None):
    params, aux = params or {}, aux or {}
    return export._Plan(sym, shapes, dict(params, **aux), outputs)


def test_every_loss_layer_has_an_inference_form():
    from tfmod_converters import registry
    losses = {n for n, od in registry.all_ops().items() if od.loss}
    assert losses <= set(export.inference_forms()), losses - set(export.inference_forms())
    assert export.inference_forms()['SoftmaxOutput'] == 'softmax'
    assert export.inference_forms()['LogisticRegressionOutput'] == 'sigmoid'
    assert export.inference_forms()['MakeLoss'] == 'identity'


@pytest.mark.parametrize('op,kwargs,shape', [
    ('SoftmaxOutput', {}, (4, 5)), ('SoftmaxOutput', {}, (2, 3, 2, 2)),
    ('SoftmaxOutput', {'multi_output': True}, (2, 3, 4)),
    ('SoftmaxOutput', {'preserve_shape': True}, (2, 3, 4)),
    ('LinearRegressionOutput', {}, (4, 3)), ('LogisticRegressionOutput', {}, (4, 3)),
    ('MAERegressionOutput', {}, (4, 3)), ('SVMOutput', {}, (4, 3)),
    ('MakeLoss', {}, (4, 3)), ('make_loss', {}, (4, 3))])
def test_inference_form_is_the_ops_inference_forward(op, kwargs, shape):
    import tensorflow as tf
    data = mx.sym.var('data')
    fn = getattr(mx.sym, op)
    sym = fn(data, name='loss', **kwargs) if op in ('MakeLoss', 'make_loss') else \
        fn(data, mx.sym.var('label'), name='loss', **kwargs)
    x = np.random.RandomState(0).randn(*shape).astype(np.float32)
    exe = sym.simple_bind(mx.cpu(), grad_req='null', data=shape)
    exe.arg_dict['data'][:] = x
    want = exe.forward(is_train=False)[0].asnumpy()
    plan = _plan(sym, {'data': (None,) + shape[1:]})
    assert plan.pruned_inputs == ([] if op in ('MakeLoss', 'make_loss') else ['label'])
    got = tf.function(lambda t: plan.graph({'data': t}, False)[0][0])(tf.constant(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_export_graph_reads_open_dims_and_keeps_index_inputs():
    """The exported graph is the training interpreter in its inference mode: an unrolled LSTM's
    begin states (``_zeros(shape=(0, 7))``) take the batch size of each call, under float16
    too, and Embedding's indices are not cast to float16 (index 2049 is not a float16)."""
    import tensorflow as tf
    emb = mx.sym.Embedding(mx.sym.var('data'), input_dim=2100, output_dim=6, name='emb')
    outs, _ = mx.rnn.LSTMCell(7, prefix='l_').unroll(3, emb, layout='NTC', merge_outputs=True)
    sym = mx.sym.LinearRegressionOutput(outs, name='lro')
    rs = np.random.RandomState(0)
    arg_shapes, _, _ = sym.infer_shape(data=(2, 3))
    params = {n: rs.randn(*s).astype(np.float32) * 0.3
              for n, s in zip(sym.list_arguments(), arg_shapes) if n not in ('data', 'lro_label')}
    plan = _plan(sym, {'data': (None, 3)}, params)
    assert plan.pruned_inputs == ['lro_label']
    vals = {n: tf.constant(v) for n, v in params.items()}
    spec = [tf.TensorSpec([None, 3], tf.float32)]
    run32 = tf.function(lambda t: plan.graph(dict(vals, data=t), False)[0][0],
                        input_signature=spec)
    run16 = tf.function(lambda t: plan.graph(dict(vals, data=t), False,
                                             compute_dtype=tf.float16)[0][0], input_signature=spec)
    for batch in (3, 5):
        x = rs.randint(0, 2100, (batch, 3)).astype(np.float32)
        x[0, 0] = 2049
        exe = sym.simple_bind(mx.cpu(), grad_req='null', data=(batch, 3))
        for n, v in params.items():
            exe.arg_dict[n][:] = v
        exe.arg_dict['data'][:] = x
        want = exe.forward(is_train=False)[0].asnumpy()
        np.testing.assert_allclose(run32(tf.constant(x)).numpy(), want, rtol=1e-5, atol=1e-6)
        got16 = run16(tf.constant(x))
        assert got16.dtype == tf.float16
        np.testing.assert_allclose(got16.numpy().astype(np.float32), want, rtol=0, atol=2e-2)


def test_unknown_op_is_named_with_its_node(tmp_path, capsys):
    with open(os.path.join(CK, 'mlp-symbol.json')) as f:
        graph = json.load(f)
    for node in graph['nodes']:
        if node['op'] == 'Activation':
            node['op'] = '_tfmod_test_no_such_op'
            name = node['name']
    sym_file = tmp_path / 'bad-symbol.json'
    sym_file.write_text(json.dumps(graph))
    rc = convert.main(['--symbol', str(sym_file), '--params', os.path.join(CK, 'mlp-0002.params'),
                       '--input', 'data:-1,10', '--saved-model', str(tmp_path / 'sm')])
    err = capsys.readouterr().err
    assert rc == 2
    assert '_tfmod_test_no_such_op' in err and repr(name) in err
    assert not (tmp_path / 'sm').exists()


def test_cli_usage_errors(tmp_path, capsys):
    prefix = os.path.join(CK, 'mlp')
    for argv, text in [
            (['--prefix', prefix, '--epoch', '2'], "the symbol's inputs are: data, softmax_label"),
            (['--prefix', prefix, '--epoch', '2', '--input', 'data:a,b'], 'integers'),
            (['--prefix', prefix, '--epoch', '9', '--input', 'data:-1,10'], 'no such file'),
            (['--prefix', prefix, '--epoch', '2', '--input', 'data:-1,10', '--output', 'nope'],
             "'nope' is not an output of the symbol"),
            (['--prefix', prefix, '--epoch', '2', '--input', 'data:-1,7'], 'fc1'),
            (['--epoch', '2'], '--prefix needs --epoch')]:
        rc = convert.main(argv + ['--saved-model', str(tmp_path / 'x')])
        err = capsys.readouterr().err
        assert rc == 2, argv
        assert err.startswith('tfmod-convert: error: ') and text in err, (argv, err)
        assert 'Traceback' not in err


def test_label_needed_by_the_outputs_is_an_error():
    data, label = mx.sym.var('data'), mx.sym.var('label')
    ce = mx.sym.softmax_cross_entropy(data, label, name='ce')
    with pytest.raises(mx.MXNetError, match="need 'label'.*neither a signature input"):
        _plan(ce, {'data': (None, 3)})
    assert _plan(ce, {'data': (None, 3), 'label': (None,)}).pruned_inputs == []


def test_python_custom_op_cannot_be_exported(tmp_path):
    class Square(mx.operator.CustomOp):
        def forward(self, is_train, req, in_data, out_data, aux):
            self.assign(out_data[0], req[0], in_data[0] * in_data[0])

    @mx.operator.register('tfmod_export_test_square')
    class SquareProp(mx.operator.CustomOpProp):
        def list_arguments(self):
            return ['data']

        def list_outputs(self):
            return ['output']

        def infer_shape(self, in_shape):
            return in_shape, [in_shape[0]], []

        def create_operator(self, ctx, shapes, dtypes):
            return Square()

    sym = mx.sym.Custom(mx.sym.var('data'), op_type='tfmod_export_test_square', name='sq')
    with pytest.raises(mx.MXNetError, match=r"operator 'sq' \(Custom\) runs Python code"):
        export.save_model(sym, str(tmp_path / 'sm'), {}, {}, input_shapes={'data': (-1, 3)})


def test_missing_kernel_names_the_operator(tmp_path):
    import tensorflow as tf
    sym = mx.sym.Pooling(mx.sym.var('data'), kernel=(2, 2, 2), stride=(2, 2, 2),
                         pool_type='max', name='pool3')
    try:
        tf.nn.max_pool3d(tf.zeros([1, 2, 2, 2, 1], tf.float16), 2, 2, 'VALID')
        has_kernel = True
    except (tf.errors.InvalidArgumentError, tf.errors.NotFoundError):
        has_kernel = False
    if has_kernel:  # then the float16 export works and must give the block maxima
        export.save_model(sym, str(tmp_path / 'sm'), {}, {},
                          input_shapes={'data': (-1, 2, 4, 4, 4)}, precision='float16')
        fn = tf.saved_model.load(str(tmp_path / 'sm')).signatures['serving_default']
        spec = fn.structured_input_signature[1]['data']
        x = np.random.RandomState(0).uniform(-4, 4, (3, 2, 4, 4, 4)).astype(np.float16)
        got = list(fn(data=tf.constant(x.astype(spec.dtype.as_numpy_dtype))).values())[0]
        # max pooling picks one input per window, so fp16 gives the exact block maximum
        want = x.reshape(3, 2, 2, 2, 2, 2, 2, 2).max(axis=(3, 5, 7))
        np.testing.assert_array_equal(np.asarray(got, np.float16), want)
        return
    with pytest.raises(mx.MXNetError, match=r"operator 'pool3', Pooling.*MaxPool3D"):
        export.save_model(sym, str(tmp_path / 'sm'), {}, {},
                          input_shapes={'data': (-1, 2, 4, 4, 4)}, precision='float16')


def test_module_export_errors(tmp_path):
    sym = mx.sym.FullyConnected(mx.sym.var('data'), num_hidden=2, name='fc')
    mod = mx.mod.Module(sym, label_names=None)
    with pytest.raises(mx.MXNetError, match='not bound'):
        mod.export_savedmodel(str(tmp_path / 'a'))
    seq = mx.mod.SequentialModule()
    with pytest.raises(mx.MXNetError, match='supports Module and BucketingModule'):
        seq.export_savedmodel(str(tmp_path / 'b'))
    with pytest.raises(mx.MXNetError, match='precision'):
        export.save_model(sym, str(tmp_path / 'c'), {}, {}, input_shapes={'data': (-1, 3)},
                          precision='int8')


def test_bucketing_module_exports_each_bucket(tmp_path):
    import tensorflow as tf

    def sym_gen(key):
        data = mx.sym.var('data')
        emb = mx.sym.Embedding(data, input_dim=10, output_dim=4, name='emb')
        fc = mx.sym.FullyConnected(mx.sym.sum(emb, axis=1), num_hidden=3, name='fc')
        return mx.sym.SoftmaxOutput(fc, mx.sym.var('softmax_label'), name='softmax'), \
            ('data',), ('softmax_label',)

    mod = mx.mod.BucketingModule(sym_gen, default_bucket_key=5)
    mod.bind(data_shapes=[('data', (4, 5))], label_shapes=[('softmax_label', (4,))],
             for_training=False)
    mod.init_params(mx.init.Uniform(0.5))
    mod.switch_bucket(3, data_shapes=[('data', (4, 3))], label_shapes=[('softmax_label', (4,))])
    info = mod.export_savedmodel(str(tmp_path / 'bk'))
    assert info['signatures'] == {
        'serving_default': {'inputs': {'data': [-1, 5]}, 'outputs': ['softmax_output']},
        'bucket_3': {'inputs': {'data': [-1, 3]}, 'outputs': ['softmax_output']}}
    loaded = tf.saved_model.load(str(tmp_path / 'bk'))
    x = np.random.RandomState(1).randint(0, 10, (4, 3)).astype(np.float32)
    got = loaded.signatures['bucket_3'](data=tf.constant(x))['softmax_output'].numpy()
    mod.forward(mx.io.DataBatch([mx.nd.array(x)], provide_data=[mx.io.DataDesc('data', (4, 3))],
                                bucket_key=3), is_train=False)
    np.testing.assert_allclose(got, mod.get_outputs()[0].asnumpy(), rtol=1e-6, atol=1e-7)
    assert len(loaded.variables) == 3          # the buckets share one set of variables
