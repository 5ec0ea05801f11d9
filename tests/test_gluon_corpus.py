"""Gluon-exported checkpoints, the files most MXNet users have, recorded with MXNet 1.9.1.

``tools/record_gluon_corpus.py`` built each net the way users do (vision-zoo constructors at
narrow widths, hybridized user blocks with RNN layers, contrib ops, attention, several outputs),
exported it with ``net.export`` -- ``__shape__`` attributes with 0 for every dimension Gluon
inferred late -- and fine-tuned the exported files with MXNet's Module. Every net here must load
through each door users take, predict MXNet's outputs, fine-tune to MXNet's parameters, and
convert with tfmod-convert. ``GLUON_CORPUS=DIR`` runs the same checks on another recording (the
full-size zoo nets: ``record_gluon_corpus.py DIR --zoo``).
"""
import json
import os

import numpy as np
import pytest
import tensorflow as tf

import tfmod as mx
from tfmod.tools import convert

HERE = os.path.dirname(__file__)
CORPUS = os.environ.get('GLUON_CORPUS') or os.path.join(HERE, 'fixtures', 'gluon')
NAMES = sorted(f[:-len('-symbol.json')] for f in os.listdir(CORPUS) if f.endswith('-symbol.json'))


def _case(name):
    prefix = os.path.join(CORPUS, name)
    meta = json.load(open(prefix + '.json'))
    io = dict(np.load(prefix + '-io.npz'))
    return prefix, meta, io


def _close(got, want, what, rtol=1e-4, atol=1e-4):
    scale = max(1.0, float(np.abs(want).max()) if want.size else 1.0)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol * scale, err_msg=what)


def test_corpus_is_what_users_export():
    """The recording holds the cases the tests below are for: files whose parameters Gluon
    declared with unknown (0) dimensions, and nets of every family."""
    assert len(NAMES) >= 10
    zero_dims = 0
    for name in NAMES:
        nodes = json.load(open(os.path.join(CORPUS, name + '-symbol.json')))['nodes']
        zero_dims += sum(1 for n in nodes if n['op'] == 'null' and
                         0 in eval(n.get('attrs', {}).get('__shape__', '()')))
    assert zero_dims > 50


@pytest.mark.parametrize('name', NAMES)
def test_load_checkpoint_bind_set_params_predicts_mxnet_outputs(name):
    prefix, meta, io = _case(name)
    sym, args, auxs = mx.model.load_checkpoint(prefix, 0)
    mod = mx.mod.Module(sym, data_names=['data'], label_names=None)
    mod.bind([('data', io['data'].shape)], for_training=False)
    mod.set_params(args, auxs)
    mod.forward(mx.io.DataBatch([mx.nd.array(io['data'])]), is_train=False)
    outs = mod.get_outputs()
    assert len(outs) == len(meta['outputs'])
    for i, o in enumerate(outs):
        assert list(o.shape) == meta['outputs'][i]
        _close(o.asnumpy(), io['out%d' % i], '%s output %d' % (name, i))


@pytest.mark.parametrize('name', NAMES)
def test_module_load_predicts_and_infers_parameter_shapes(name):
    prefix, meta, io = _case(name)
    mod = mx.mod.Module.load(prefix, 0, data_names=('data',), label_names=None)
    x = io['data']
    mod.bind([('data', x.shape)], for_training=False)
    # Shape inference completed every parameter Gluon declared with 0s: their shapes are the
    # shapes of the arrays in the .params file.
    arg_params, aux_params = mod.get_params()
    _, args, auxs = mx.model.load_checkpoint(prefix, 0)
    for k, v in args.items():
        assert arg_params[k].shape == v.shape, k
    for k, v in auxs.items():
        assert aux_params[k].shape == v.shape, k
    out = mod.predict(mx.io.NDArrayIter(x, batch_size=x.shape[0]))
    out = out[0] if isinstance(out, list) else out
    _close(out.asnumpy(), io['out0'], name)


@pytest.mark.parametrize('name', NAMES)
def test_finetune_sgd_steps_as_mxnet(name):
    prefix, meta, io = _case(name)
    if meta['finetune'] is None:
        # Nets with Dropout draw random masks; MXNet's are not reproducible here.
        assert 'Dropout' in meta['ops']
        return
    ft = meta['finetune']
    sym, args, auxs = mx.model.load_checkpoint(prefix, 0)
    net = sym[0] if len(sym.list_outputs()) > 1 else sym
    loss = mx.sym.LinearRegressionOutput(net, mx.sym.Variable('label'), name='lro')
    x, y = io['train_data'], io['train_label']
    mod = mx.mod.Module(loss, data_names=['data'], label_names=['label'])
    mod.bind([('data', x.shape)], [('label', y.shape)])
    mod.set_params(args, auxs)
    mod.init_optimizer(optimizer='sgd', optimizer_params={
        'learning_rate': ft['learning_rate'], 'momentum': ft['momentum']})
    batch = mx.io.DataBatch([mx.nd.array(x)], [mx.nd.array(y)])
    for _ in range(ft['steps']):
        mod.forward_backward(batch)
        mod.update()
    got_args, got_auxs = mod.get_params()
    checked = 0
    for key, want in io.items():
        kind, _, pname = key.partition(':')
        if kind not in ('arg', 'aux'):
            continue
        got = (got_args if kind == 'arg' else got_auxs)[pname].asnumpy()
        what = '%s %s after %d steps' % (name, key, ft['steps'])
        if ft.get('movement_rtol'):
            # An ill-conditioned net (see the recorder): each parameter moved as MXNet moved it,
            # to a fraction of that movement.
            start = (args if kind == 'arg' else auxs)[pname].asnumpy()
            moved = np.abs(want - start).max()
            scale = max(1.0, float(np.abs(want).max()))
            tol = np.maximum(1e-4 * scale + 1e-3 * np.abs(want), ft['movement_rtol'] * moved)
            assert (np.abs(got - want) <= tol).all(), what
        else:
            _close(got, want, what, rtol=1e-3)
        checked += 1
    assert checked >= 3
    # The steps moved the parameters: a no-op update would not pass the checks above.
    moved = [k for k in io if k.startswith('arg:') and
             not np.allclose(io[k], args[k[4:]].asnumpy())]
    assert moved


@pytest.mark.parametrize('name', NAMES)
def test_tfmod_convert_writes_a_savedmodel_with_mxnet_outputs(name, tmp_path, capsys):
    prefix, meta, io = _case(name)
    x = io['data']
    out_dir = str(tmp_path / 'sm')
    shape = ','.join(['-1'] + [str(d) for d in x.shape[1:]])
    rc = convert.main(['--prefix', prefix, '--epoch', '0', '--input', 'data:' + shape,
                       '--saved-model', out_dir])
    assert rc == 0, capsys.readouterr().err
    loaded = tf.saved_model.load(out_dir)
    outs = loaded.signatures['serving_default'](data=tf.constant(x))
    assert len(outs) == len(meta['outputs'])
    sym = mx.sym.load(prefix + '-symbol.json')
    for i, oname in enumerate(sym.list_outputs()):
        _close(outs[oname].numpy(), io['out%d' % i], '%s savedmodel %s' % (name, oname))
