"""BucketingModule: the MXNet 1.9.1 fixtures (README section 8), sharing, compile-once, bad input,
checkpoints in MXNet's format.

The main replay builds each bucket's graph from the recorded ``symbols.json`` (so it does not
depend on mx.rnn); a second replay builds it with mx.rnn cells, as the fixture's sym_gen did.
"""
import json
import os
import re

import numpy as np
import pytest

import tfmod as mx
from support import extra_layer_nets as _nets
from tfmod.base import MXNetError
from support.lm_sym_gen import lm_sym_gen

HERE = os.path.dirname(os.path.abspath(__file__))
F = os.path.join(HERE, 'fixtures', 'modules', 'bucketing')
CKPT = os.path.join(HERE, 'fixtures', 'bucketing_ckpt')
SYMS = json.load(open(os.path.join(F, 'symbols.json')))
META = json.load(open(os.path.join(F, 'bucketing.json')))
Z = np.load(os.path.join(F, 'bucketing.npz'))
TOL = dict(rtol=1e-5, atol=1e-6)
BATCH_NAMES = ('b10', 'b5', 'b10b', 'b5b')


def recorded_sym_gen(seq_len):
    return mx.sym.load_json(json.dumps(SYMS[str(seq_len)]['tojson'])), ('data',), \
        ('softmax_label',)


def rnn_sym_gen():
    """The fixture's sym_gen (MXNet's example/rnn/bucketing/lstm_bucketing.py, scaled down)."""
    return lm_sym_gen()


def init_params():
    return {k[5:]: mx.nd.array(Z[k]) for k in Z.files if k.startswith('init/')}


def fixture_batch(name):
    d, lab = Z['batch/%s/data' % name], Z['batch/%s/label' % name]
    return mx.io.DataBatch([mx.nd.array(d)], [mx.nd.array(lab)], pad=0, bucket_key=d.shape[1],
                           provide_data=[mx.io.DataDesc('data', d.shape)],
                           provide_label=[mx.io.DataDesc('softmax_label', lab.shape)])


def make_module(sym_gen, for_training=True, **kwargs):
    mod = mx.mod.BucketingModule(sym_gen, default_bucket_key=10, context=mx.cpu(), **kwargs)
    mod.bind(data_shapes=[mx.io.DataDesc('data', (4, 10))],
             label_shapes=[mx.io.DataDesc('softmax_label', (4, 10))], for_training=for_training)
    mod.init_params(arg_params=init_params())
    return mod


SYM_GENS = {'recorded_json': lambda: recorded_sym_gen, 'mx_rnn': rnn_sym_gen}


@pytest.fixture(params=sorted(SYM_GENS))
def sym_gen(request):
    return SYM_GENS[request.param]()


# -- the recorded MXNet runs ------------------------------------------------------------------
def test_mx_rnn_sym_gen_gives_the_recorded_graphs():
    gen = rnn_sym_gen()
    for key in (5, 10):
        with mx.name.NameManager():
            sym, _, _ = gen(key)
        assert json.loads(sym.tojson()) == SYMS[str(key)]['tojson']


def test_sym_gen_runs_in_a_fresh_name_manager():
    """Auto-named nodes restart per bucket: buckets built after other symbols are unchanged."""
    seen = []

    def gen(seq_len):
        data = mx.sym.Variable('data')
        net = mx.sym.FullyConnected(data, num_hidden=3)    # auto-named
        seen.append(net.name)
        return mx.sym.SoftmaxOutput(net, name='softmax'), ('data',), ('softmax_label',)
    mx.sym.FullyConnected(mx.sym.Variable('x'), num_hidden=2)   # advance the global counter
    mod = mx.mod.BucketingModule(gen, default_bucket_key=4)
    mod.bind([('data', (2, 4))], [('softmax_label', (2,))])
    mod.init_params()
    mod.switch_bucket(6, [('data', (3, 4))], [('softmax_label', (3,))])
    assert set(seen) == {'fullyconnected0'}
    assert mod.symbol.list_arguments() == ['data', 'fullyconnected0_weight',
                                           'fullyconnected0_bias', 'softmax_label']


def test_forward_backward_from_init(sym_gen):
    mod = make_module(sym_gen)
    for name in ('b10', 'b5'):
        rec = META['forward_backward_from_init'][name]
        b = fixture_batch(name)
        mod.forward(b, is_train=True)
        outs = mod.get_outputs()
        mod.backward()
        np.testing.assert_allclose(outs[0].asnumpy(), Z['fwd/%s/out/softmax_output' % name],
                                   **TOL)
        cm = mod._curr_module
        for pn, g in zip(cm._exec_group.param_names, cm._exec_group.grad_arrays):
            np.testing.assert_allclose(g[0].asnumpy(), Z['fwd/%s/grad/%s' % (name, pn)], **TOL,
                                       err_msg=pn)
        met = mx.metric.Perplexity(ignore_label=0)
        mod.update_metric(met, b.label)
        assert met.get()[1] == pytest.approx(rec['perplexity_ignore0'], rel=1e-5)
        assert mod._curr_bucket_key == rec['curr_bucket_key'] == b.bucket_key
        assert mod.output_names == rec['output_names']
        # recorded from the output arrays; MXNet's output_shapes puts the batch size on the
        # output's batch axis instead (here (4, 20) for (40, 20) outputs, as MXNet reports)
        assert [list(o.shape) for o in outs] == rec['output_shapes']
        assert [list(s) for _, s in mod.output_shapes] == \
            [[b.data[0].shape[0]] + s[1:] for s in rec['output_shapes']]
        assert [(d.name, list(d.shape)) for d in mod.data_shapes] == \
            [(d['name'], d['shape']) for d in rec['data_shapes']]


def test_sgd_trajectory_switching_buckets(sym_gen):
    traj = META['trajectory']
    mod = make_module(sym_gen)
    mod.init_optimizer(optimizer=traj['optimizer'], optimizer_params=traj['optimizer_params'])
    met = mx.metric.Perplexity(ignore_label=0)
    for step in traj['steps']:
        t, name = step['step'], step['batch']
        b = fixture_batch(name)
        mod.forward(b, is_train=True)
        np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), Z['traj/step%d/out' % t],
                                   rtol=1e-5, atol=1e-5)
        mod.backward()
        cm = mod._curr_module
        for pn, g in zip(cm._exec_group.param_names, cm._exec_group.grad_arrays):
            np.testing.assert_allclose(g[0].asnumpy(), Z['traj/step%d/grad/%s' % (t, pn)],
                                       rtol=1e-5, atol=1e-5, err_msg=pn)
        mod.update()
        mod.update_metric(met, b.label)
        arg, _ = mod.get_params()
        for k, v in arg.items():
            np.testing.assert_allclose(v.asnumpy(), Z['traj/step%d/arg/%s' % (t, k)], atol=1e-5,
                                       err_msg='step %d %s' % (t, k))
        opt = mod._curr_module._optimizer
        assert opt.num_update == step['num_update']
        assert opt.rescale_grad == step['rescale_grad']       # 1/batch, not 1/(batch*T)
        assert met.get()[1] == pytest.approx(step['perplexity_running'], rel=1e-5)
    assert sorted(mod._buckets) == traj['buckets_created']
    default = mod._buckets[10]
    assert traj['optimizer_shared'] is True
    assert all(m._optimizer is default._optimizer and m._updater is default._updater
               for m in mod._buckets.values())


def test_inference_module(sym_gen):
    mod = make_module(sym_gen, for_training=False)
    for name in ('b10', 'b5'):
        mod.forward(fixture_batch(name), is_train=False)
        np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), Z['infer/%s/out' % name],
                                   **TOL)
    assert not mod._buckets[5].for_training


# -- sharing and compilation ----------------------------------------------------------------
def _exe(mod, key):
    return mod._buckets[key]._exec_group.execs[0]


def test_parameters_are_literally_shared():
    mod = make_module(recorded_sym_gen)
    mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.1})
    mod.forward_backward(fixture_batch('b5'))
    e10, e5 = _exe(mod, 10), _exe(mod, 5)
    for name in init_params():
        assert e5.arg_dict[name] is e10.arg_dict[name]
        assert e5.grad_dict[name] is e10.grad_dict[name]
        v10 = e10._arg_vars[e10._arg_index[name]]
        v5 = e5._arg_vars[e5._arg_index[name]]
        assert v5 is v10                                    # one tf.Variable
        assert e5._grad_vars[e5._arg_index[name]] is e10._grad_vars[e10._arg_index[name]]
    assert e5.arg_dict['data'] is not e10.arg_dict['data']  # inputs have their own shapes
    assert mod._buckets[5]._arg_params is mod._buckets[10]._arg_params


def test_each_bucket_compiles_once_and_optimizer_states_are_shared():
    mod = make_module(recorded_sym_gen)
    mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.1,
                                                          'momentum': 0.9})
    batches = [fixture_batch(n) for n in BATCH_NAMES]

    def traces():
        return sum(_exe(mod, k).trace_count +
                   (m._train_step.trace_count if m._train_step else 0)
                   for k, m in mod._buckets.items())
    for b in batches:
        mod.forward_backward(b)
        mod.update()
    warm = traces()
    calls = {k: _exe(mod, k).call_count for k in mod._buckets}
    for _ in range(10):
        for b in batches:
            mod.forward_backward(b)
            mod.update()
            mod.get_outputs()[0].asnumpy()
    assert traces() == warm
    assert all(_exe(mod, k).call_count == calls[k] + 20 for k in mod._buckets)  # one call/batch
    updater = mod._buckets[10]._updater
    assert len(updater.states) == len(init_params())    # one momentum per parameter, not per bucket
    cus = [m._train_step for m in mod._buckets.values()]
    assert all(cu.updater is updater for cu in cus)
    st = {id(updater.states[i]._s) for i in updater.states}
    assert len(st) == len(updater.states)
    assert mod._buckets[10]._optimizer.num_update == 44


def test_switch_bucket_keeps_grad_req():
    mod = mx.mod.BucketingModule(recorded_sym_gen, default_bucket_key=10)
    mod.bind([('data', (4, 10))], [('softmax_label', (4, 10))], grad_req='add')
    mod.init_params(arg_params=init_params())
    mod.switch_bucket(5, [('data', (4, 5))], [('softmax_label', (4, 5))])
    assert mod._curr_bucket_key == 5
    assert _exe(mod, 5)._grad_req['pred_weight'] == 'add'
    # 'add' accumulates across buckets in the shared gradient arrays
    mod.forward_backward(fixture_batch('b10'))
    mod.forward_backward(fixture_batch('b5'))
    g = _exe(mod, 5).grad_dict['pred_weight'].asnumpy()
    np.testing.assert_allclose(g, Z['fwd/b10/grad/pred_weight'] + Z['fwd/b5/grad/pred_weight'],
                               rtol=1e-5, atol=1e-5)


def test_rescale_grad_uses_the_batch_axis_of_the_layout():
    def gen(seq_len):
        data = mx.sym.Variable('data')
        e = mx.sym.Embedding(data, input_dim=5, output_dim=3, name='embed')
        out = mx.sym.FullyConnected(mx.sym.Reshape(e, shape=(-1, 3)), num_hidden=5, name='fc')
        return mx.sym.SoftmaxOutput(out, mx.sym.Reshape(mx.sym.Variable('softmax_label'),
                                                        shape=(-1,)), name='softmax'), \
            ('data',), ('softmax_label',)
    mod = mx.mod.BucketingModule(gen, default_bucket_key=7)
    mod.bind([mx.io.DataDesc('data', (7, 3), layout='TN')],
             [mx.io.DataDesc('softmax_label', (7, 3), layout='TN')])
    mod.init_params()
    mod.init_optimizer()
    assert mod._buckets[7]._optimizer.rescale_grad == pytest.approx(1.0 / 3)


# -- a parameter that only some buckets use ----------------------------------------------------
V = _nets.V


def extra_layer_gen(extra_from, norm=False):
    """Buckets of length >= extra_from add a layer the shorter ones lack (support/extra_layer_nets.py,
    the net tools/record_bucketing_multidevice.py records with MXNet)."""
    return _nets.extra_layer_gen(mx, extra_from, norm)


def lm_batch(r, seq_len, n=4):
    d = r.randint(1, V, (n, seq_len)).astype(np.float32)
    lab = np.roll(d, -1, axis=1)
    return mx.io.DataBatch([mx.nd.array(d)], [mx.nd.array(lab)], bucket_key=seq_len,
                           provide_data=[mx.io.DataDesc('data', d.shape)],
                           provide_label=[mx.io.DataDesc('softmax_label', lab.shape)])


def test_parameter_used_by_some_buckets_only(tmp_path):
    """Default bucket 3 has no 'extra' layer; 8 and 10 share it. Training must equal the same
    run with default bucket 10 (where every parameter is in the default bucket, MXNet's case)."""
    r = np.random.RandomState(0)
    batches = [lm_batch(r, t) for t in (3, 8, 3, 10, 8, 3, 10, 8)]
    init = {'embed_weight': (V, 5), 'extra_weight': (5, 5), 'extra_bias': (5,),
            'pred_weight': (V, 5), 'pred_bias': (V,)}
    init = {k: r.uniform(-0.5, 0.5, s).astype(np.float32) for k, s in init.items()}
    results = {}
    for default in (3, 10):
        mod = mx.mod.BucketingModule(extra_layer_gen(8), default_bucket_key=default)
        mod.bind([('data', (4, default))], [('softmax_label', (4, default))])
        mod.init_params(arg_params={k: mx.nd.array(v) for k, v in init.items()})
        mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.3,
                                                              'momentum': 0.9, 'wd': 0.01})
        for b in batches:
            mod.forward_backward(b)
            mod.update()
        arg, _ = mod.get_params()
        results[default] = {k: v.asnumpy() for k, v in arg.items()}
        e8, e10 = _exe(mod, 8), _exe(mod, 10)
        assert e8._arg_vars[e8._arg_index['extra_weight']] is \
            e10._arg_vars[e10._arg_index['extra_weight']]
        opt = mod._buckets[default]._optimizer
        assert sorted(opt.idx2name.values()) == sorted(init)
        assert opt.wd_mult.get('extra_bias') == 0.0 and 'extra_weight' not in opt.wd_mult
        assert len(mod._buckets[default]._updater.states) == len(init)
    assert sorted(results[3]) == sorted(init)
    for k in init:
        np.testing.assert_allclose(results[3][k], results[10][k], rtol=1e-6, atol=1e-7,
                                   err_msg=k)
        assert not np.allclose(results[3][k], init[k])      # every parameter trained

    # the checkpoint holds it, and a reloaded module uses the trained value
    mod.save_checkpoint(str(tmp_path / 'x'), 1)
    mod2 = mx.mod.BucketingModule.load(str(tmp_path / 'x'), 1, sym_gen=extra_layer_gen(8),
                                       default_bucket_key=3)
    mod2.bind([('data', (4, 3))], [('softmax_label', (4, 3))], for_training=False)
    b = batches[1]
    mod.forward(b, is_train=False)
    mod2.forward(b, is_train=False)
    np.testing.assert_allclose(mod2.get_outputs()[0].asnumpy(),
                               mod.get_outputs()[0].asnumpy(), rtol=1e-6, atol=1e-7)


def test_new_parameter_of_a_later_bucket_gets_the_initializer():
    mod = mx.mod.BucketingModule(extra_layer_gen(8), default_bucket_key=3)
    mod.bind([('data', (4, 3))], [('softmax_label', (4, 3))])
    mod.init_params(initializer=mx.init.Constant(0.25))
    mod.forward(lm_batch(np.random.RandomState(1), 8), is_train=False)
    arg, _ = mod.get_params()
    np.testing.assert_array_equal(arg['extra_weight'].asnumpy(), np.full((5, 5), 0.25))
    np.testing.assert_array_equal(arg['extra_bias'].asnumpy(), np.zeros(5))


def test_new_parameter_missing_from_given_params_raises():
    mod = mx.mod.BucketingModule(extra_layer_gen(8), default_bucket_key=3)
    mod.bind([('data', (4, 3))], [('softmax_label', (4, 3))])
    arg = {'embed_weight': mx.nd.ones((V, 5)), 'pred_weight': mx.nd.ones((V, 5)),
           'pred_bias': mx.nd.zeros((V,))}
    mod.init_params(arg_params=arg)
    with pytest.raises(MXNetError, match=r"bucket 8 .*extra_weight is not presented"):
        mod.forward(lm_batch(np.random.RandomState(1), 8), is_train=False)


def _train_extra(default, context, batches, init, **opt_kw):
    mod = mx.mod.BucketingModule(extra_layer_gen(8), default_bucket_key=default, context=context)
    mod.bind([('data', (4, default))], [('softmax_label', (4, default))])
    mod.init_params(arg_params={k: mx.nd.array(v) for k, v in init.items()})
    mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.3, 'momentum': 0.9,
                                                          'wd': 0.01}, **opt_kw)
    for b in batches:
        mod.forward_backward(b)
        mod.update()
    return mod, {k: v.asnumpy() for k, v in mod.get_params()[0].items()}


@pytest.mark.parametrize('update_on_kvstore', ['1', '0'])
def test_several_devices(monkeypatch, update_on_kvstore):
    """Two devices (kvstore 'local'), a parameter of some buckets only: the one-device numbers;
    each device's executors share with that device's. (MXNet 1.9.1 cannot run this case with
    update_on_kvstore=0 -- its updater keys states by position in the bucket's parameter list;
    the MXNet-recorded 2-device run is test_two_devices_against_mxnet.)"""
    monkeypatch.setenv('MXNET_UPDATE_ON_KVSTORE', update_on_kvstore)
    ctx = [mx.cpu(0), mx.cpu(1)]
    r = np.random.RandomState(0)
    batches = [lm_batch(r, t) for t in (3, 8, 3, 10, 8)]
    init = {'embed_weight': (V, 5), 'extra_weight': (5, 5), 'extra_bias': (5,),
            'pred_weight': (V, 5), 'pred_bias': (V,)}
    init = {k: r.uniform(-0.5, 0.5, s).astype(np.float32) for k, s in init.items()}
    _, want = _train_extra(3, mx.cpu(), batches, init)
    mod, got = _train_extra(3, ctx, batches, init)
    assert mod._buckets[3]._update_on_kvstore == (update_on_kvstore == '1')
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-5, atol=1e-5, err_msg=k)
    for k in range(2):
        e8 = mod._buckets[8]._exec_group.execs[k]
        e10 = mod._buckets[10]._exec_group.execs[k]
        assert e8.arg_dict['extra_weight'] is e10.arg_dict['extra_weight']
    assert mod._buckets[8]._exec_group.execs[0].arg_dict['extra_weight'] is not \
        mod._buckets[8]._exec_group.execs[1].arg_dict['extra_weight']


MD = os.path.join(HERE, 'fixtures', 'bucketing_multidevice')


@pytest.mark.parametrize('update_on_kvstore', ['0', '1'])
def test_two_devices_against_mxnet(monkeypatch, update_on_kvstore):
    """MXNet 1.9.1's own 2-context BucketingModule (tools/record_bucketing_multidevice.py):
    switching bucket every step, each device's copy of every parameter after each step equals
    MXNet's. float32 SGD on sums of 2 per-device gradients: 1e-5 covers summation order."""
    monkeypatch.setenv('MXNET_UPDATE_ON_KVSTORE', update_on_kvstore)
    R = np.load(os.path.join(MD, 'bucketing_multidevice.npz'))
    meta = json.load(open(os.path.join(MD, 'bucketing_multidevice.json')))
    run = meta['runs'][update_on_kvstore]
    mod = mx.mod.BucketingModule(extra_layer_gen(3), default_bucket_key=10,
                                 context=[mx.cpu(0), mx.cpu(1)])
    mod.bind([('data', (4, 10))], [('softmax_label', (4, 10))])
    names = [k[5:] for k in R.files if k.startswith('init/')]
    mod.init_params(arg_params={k: mx.nd.array(R['init/' + k]) for k in names})
    mod.init_optimizer(kvstore='local', optimizer='sgd',
                       optimizer_params={'learning_rate': 0.3, 'momentum': 0.9, 'wd': 0.01})
    default = mod._buckets[10]
    assert default._update_on_kvstore == run['update_on_kvstore']
    assert default._optimizer.rescale_grad == run['rescale_grad']
    for t, T in enumerate(meta['bucket_keys']):
        d, lab = R['batch%d/data' % t], R['batch%d/label' % t]
        mod.forward_backward(mx.io.DataBatch(
            [mx.nd.array(d)], [mx.nd.array(lab)], bucket_key=T,
            provide_data=[mx.io.DataDesc('data', d.shape)],
            provide_label=[mx.io.DataDesc('softmax_label', lab.shape)]))
        mod.update()
        group = mod._curr_module._exec_group
        assert sorted(group.param_names) == sorted(names)
        for name, block in zip(group.param_names, group.param_arrays):
            assert len(block) == 2
            for k, a in enumerate(block):
                np.testing.assert_allclose(
                    a.asnumpy(), R['uok%s/step%d/dev%d/%s' % (update_on_kvstore, t, k, name)],
                    rtol=1e-5, atol=1e-6, err_msg='step %d (bucket %d) dev %d %s'
                    % (t, T, k, name))
        arg, _ = mod.get_params()
        for name, v in arg.items():
            np.testing.assert_allclose(
                v.asnumpy(), R['uok%s/step%d/get_params/%s' % (update_on_kvstore, t, name)],
                rtol=1e-5, atol=1e-6, err_msg='step %d %s' % (t, name))
    assert sorted(mod._buckets) == run['buckets']


def test_force_rebind_keeps_parameters_and_optimizer():
    r = np.random.RandomState(2)
    batches = [lm_batch(r, t) for t in (3, 8, 10, 3, 8, 10)]
    init = {'embed_weight': (V, 5), 'extra_weight': (5, 5), 'extra_bias': (5,),
            'pred_weight': (V, 5), 'pred_bias': (V,)}
    init = {k: r.uniform(-0.5, 0.5, s).astype(np.float32) for k, s in init.items()}
    _, want = _train_extra(3, mx.cpu(), batches, init)
    mod, _ = _train_extra(3, mx.cpu(), batches[:3], init)
    updater = mod._buckets[3]._updater
    mod.bind([('data', (4, 3))], [('softmax_label', (4, 3))], force_rebind=True)
    assert list(mod._buckets) == [3] and mod._buckets[3]._updater is updater
    for b in batches[3:]:
        mod.forward_backward(b)
        mod.update()
    got = mod.get_params()[0]
    for k in want:
        np.testing.assert_allclose(got[k].asnumpy(), want[k], rtol=1e-6, atol=1e-6, err_msg=k)


# -- bad input ---------------------------------------------------------------------------------
def test_sym_gen_data_names_not_matching_the_batch():
    def gen(seq_len):
        name = 'tokens' if seq_len == 7 else 'data'
        e = mx.sym.Embedding(mx.sym.Variable(name), input_dim=V, output_dim=5, name='embed')
        fc = mx.sym.FullyConnected(mx.sym.Reshape(e, shape=(-1, 5)), num_hidden=V, name='pred')
        label = mx.sym.Reshape(mx.sym.Variable('softmax_label'), shape=(-1,))
        return mx.sym.SoftmaxOutput(fc, label, name='softmax'), (name,), ('softmax_label',)
    mod = mx.mod.BucketingModule(gen, default_bucket_key=10)
    mod.bind([('data', (4, 10))], [('softmax_label', (4, 10))])
    mod.init_params()
    with pytest.raises(MXNetError, match=r"bucket 7: sym_gen returned data_names \['tokens'\] "
                                         r"but the batch provides data \['data'\]"):
        mod.forward(lm_batch(np.random.RandomState(0), 7))
    # names that are not inputs of the bucket's symbol at all
    mod = mx.mod.BucketingModule(lambda k: (gen(k)[0], ('data',) if k != 7 else ('text',),
                                            ('softmax_label',)), default_bucket_key=10)
    mod.bind([('data', (4, 10))], [('softmax_label', (4, 10))])
    mod.init_params()
    with pytest.raises(MXNetError, match=r"bucket 7: .*'text'"):
        mod.forward(lm_batch(np.random.RandomState(0), 7))


def test_sym_gen_label_names_not_matching_the_batch():
    def gen(seq_len):
        sym, data, _ = recorded_sym_gen(seq_len)
        return sym, data, ('label',)
    with pytest.warns(UserWarning, match="label_names=\\['label'\\]"):
        mod = mx.mod.BucketingModule(gen, default_bucket_key=10)     # MXNet warns here
    with pytest.raises(MXNetError, match=r"bucket 10.*\['label'\].*softmax_label"), \
            pytest.warns(UserWarning):
        mod.bind([('data', (4, 10))], [('softmax_label', (4, 10))])


def test_parameter_shape_disagreeing_with_the_shared_one():
    def gen(seq_len):
        data = mx.sym.Variable('data')
        e = mx.sym.Embedding(data, input_dim=V, output_dim=4 if seq_len < 9 else 6,
                             name='embed')
        fc = mx.sym.FullyConnected(mx.sym.Reshape(e, shape=(-3, -2)), num_hidden=V, name='pred')
        label = mx.sym.Reshape(mx.sym.Variable('softmax_label'), shape=(-1,))
        return mx.sym.SoftmaxOutput(fc, label, name='softmax'), ('data',), ('softmax_label',)
    mod = mx.mod.BucketingModule(gen, default_bucket_key=10)
    mod.bind([('data', (4, 10))], [('softmax_label', (4, 10))])
    mod.init_params()
    with pytest.raises(MXNetError, match=r"bucket 5: parameter 'embed_weight' has shape "
                                         r"\(12, 4\).*\(12, 6\)"):
        mod.forward(lm_batch(np.random.RandomState(0), 5))
    assert 5 not in mod._buckets and mod._curr_bucket_key == 10


# -- checkpoints ---------------------------------------------------------------------------------
def _ckpt_sym_gen():
    cell = mx.rnn.LSTMCell(num_hidden=5, prefix='lstm_')

    def gen(seq_len):
        data = mx.sym.Variable('data')
        embed = mx.sym.Embedding(data=data, input_dim=10, output_dim=4, name='embed')
        cell.reset()
        outputs, _ = cell.unroll(seq_len, inputs=embed, merge_outputs=True)
        pred = mx.sym.FullyConnected(mx.sym.Reshape(outputs, shape=(-1, 5)), num_hidden=10,
                                     name='pred')
        label = mx.sym.Reshape(mx.sym.Variable('softmax_label'), shape=(-1,))
        return mx.sym.SoftmaxOutput(pred, label, name='softmax'), ('data',), ('softmax_label',)
    return gen


def _ckpt_batch(E, T):
    d, lab = E['batch/%d/data' % T], E['batch/%d/label' % T]
    return mx.io.DataBatch([mx.nd.array(d)], [mx.nd.array(lab)], bucket_key=T,
                           provide_data=[mx.io.DataDesc('data', d.shape)],
                           provide_label=[mx.io.DataDesc('softmax_label', lab.shape)])


def test_loads_a_checkpoint_written_by_mxnet():
    E = np.load(os.path.join(CKPT, 'expected.npz'))
    mod = mx.mod.BucketingModule.load(os.path.join(CKPT, 'lm'), 3, sym_gen=_ckpt_sym_gen(),
                                      default_bucket_key=7)
    assert list(mod._buckets) == [7, 4, 5]
    mod.bind([('data', (3, 7))], [('softmax_label', (3, 7))], for_training=False)
    for T in (7, 4, 5):
        mod.forward(_ckpt_batch(E, T), is_train=False)
        np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), E['out/%d' % T], **TOL)


def test_writes_mxnets_checkpoint_files(tmp_path):
    """Same training as the MXNet recording, then the same files: the .buckets file is
    byte-identical, the params equal MXNet's, and every symbol file loads."""
    E = np.load(os.path.join(CKPT, 'expected.npz'))
    mod = mx.mod.BucketingModule(_ckpt_sym_gen(), default_bucket_key=7)
    mod.bind([('data', (3, 7))], [('softmax_label', (3, 7))])
    mod.init_params(arg_params={k[5:]: mx.nd.array(E[k]) for k in E.files
                                if k.startswith('init/')})
    mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.5, 'momentum': 0.9})
    for T in (7, 4, 5):
        mod.forward_backward(_ckpt_batch(E, T))
        mod.update()
    prefix = str(tmp_path / 'lm')
    mod.save_checkpoint(prefix, 3)
    assert sorted(os.listdir(str(tmp_path))) == sorted(f for f in os.listdir(CKPT)
                                                       if f.startswith('lm'))
    with open(prefix + '.buckets', 'rb') as f, open(os.path.join(CKPT, 'lm.buckets'), 'rb') as g:
        assert f.read() == g.read()
    ours = mx.nd.load(prefix + '-0003.params')
    theirs = mx.nd.load(os.path.join(CKPT, 'lm-0003.params'))
    assert list(ours) == list(theirs)                  # names and order as MXNet writes them
    for k in theirs:
        np.testing.assert_allclose(ours[k].asnumpy(), theirs[k].asnumpy(), rtol=1e-5,
                                   atol=1e-5, err_msg=k)
    # each bucket's symbol file is MXNet's: same nodes, ops, attributes, inputs, heads. Only
    # auto-generated names may differ in their counter: MXNet's save_checkpoint re-runs sym_gen
    # outside a NameManager (split1/split2/... per bucket), tfmod saves each bucket's own symbol
    # (a documented difference, see tfmod/module/bucketing_module.py)
    for T in (7, 4, 5):
        with open('%s-%d-symbol.json' % (prefix, T)) as f, \
                open(os.path.join(CKPT, 'lm-%d-symbol.json' % T)) as g:
            ours, theirs = json.load(f), json.load(g)
        assert [k for k in ours] == [k for k in theirs]
        assert len(ours['nodes']) == len(theirs['nodes'])
        for a, b in zip(ours['nodes'], theirs['nodes']):
            assert (a['op'], a.get('attrs'), a['inputs']) == (b['op'], b.get('attrs'),
                                                              b['inputs']), (T, b['name'])
            if a['name'] != b['name']:
                assert re.fullmatch(r'_?[a-z_]+\d+', b['name']) and \
                    re.sub(r'\d+$', '', a['name']) == re.sub(r'\d+$', '', b['name']), \
                    (T, a['name'], b['name'])
        for key in ('arg_nodes', 'node_row_ptr', 'heads', 'attrs'):
            assert ours[key] == theirs[key], (T, key)


def test_checkpoint_roundtrip_with_optimizer_states(tmp_path):
    """save_checkpoint(save_optimizer_states=True) + load(load_optimizer_states=True) resumes
    exactly where an uninterrupted run goes."""
    r = np.random.RandomState(3)
    batches = [lm_batch(r, t) for t in (10, 8, 3, 10, 8, 3)]

    def fresh():
        mod = mx.mod.BucketingModule(extra_layer_gen(8), default_bucket_key=10)
        mod.bind([('data', (4, 10))], [('softmax_label', (4, 10))])
        return mod
    mx.random.seed(1)
    a = fresh()
    a.init_params(initializer=mx.init.Xavier())
    a.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.1, 'momentum': 0.9})
    for b in batches[:3]:
        a.forward_backward(b)
        a.update()
    prefix = str(tmp_path / 'ck')
    a.save_checkpoint(prefix, 2, save_optimizer_states=True)
    assert os.path.exists(prefix + '-0002.states')
    keys = mx.nd.load(prefix + '.buckets')[0].asnumpy()
    assert keys.dtype == np.int32 and list(keys) == [10, 8, 3]
    b_ = mx.mod.BucketingModule.load(prefix, 2, sym_gen=extra_layer_gen(8), default_bucket_key=10,
                                     load_optimizer_states=True)
    b_.bind([('data', (4, 10))], [('softmax_label', (4, 10))])
    b_.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.1, 'momentum': 0.9})
    for b in batches[3:]:
        for m in (a, b_):
            m.forward_backward(b)
            m.update()
    pa, pb = a.get_params()[0], b_.get_params()[0]
    for k in pa:
        np.testing.assert_allclose(pb[k].asnumpy(), pa[k].asnumpy(), rtol=1e-6, atol=1e-6,
                                   err_msg=k)


def test_load_dict():
    sym_dict = {k: recorded_sym_gen(k)[0] for k in (10, 5)}
    mod = mx.mod.BucketingModule.load_dict(sym_dict, sym_gen=recorded_sym_gen,
                                           default_bucket_key=10, arg_params=init_params(),
                                           aux_params={})
    mod.bind([('data', (4, 10))], [('softmax_label', (4, 10))], for_training=False)
    for name in ('b10', 'b5'):
        mod.forward(fixture_batch(name), is_train=False)
        np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), Z['infer/%s/out' % name],
                                   **TOL)
    assert list(mod._buckets) == [10, 5]


def test_save_checkpoint_needs_integer_keys(tmp_path):
    def gen(key):
        return recorded_sym_gen(10)
    mod = mx.mod.BucketingModule(gen, default_bucket_key='long')
    mod.bind([('data', (4, 10))], [('softmax_label', (4, 10))])
    mod.init_params()
    with pytest.raises(MXNetError, match='int32'):
        mod.save_checkpoint(str(tmp_path / 'x'), 1)


# -- the rest of the interface ---------------------------------------------------------------
def test_properties_before_and_after_bind():
    mod = mx.mod.BucketingModule(recorded_sym_gen, default_bucket_key=10)
    assert list(mod.data_names) == ['data']
    assert mod.output_names == ['softmax_output']
    with pytest.raises(MXNetError):
        mod.symbol
    with pytest.raises(MXNetError):
        mod.forward(fixture_batch('b5'))
    mod.bind([('data', (4, 10))], [('softmax_label', (4, 10))])
    with pytest.raises(MXNetError):
        mod.init_optimizer()
    mod.init_params(arg_params=init_params())
    assert mod.symbol.list_arguments() == SYMS['10']['list_arguments']
    mod.prepare(fixture_batch('b5'))          # binds bucket 5, keeps 10 current
    assert sorted(mod._buckets) == [5, 10] and mod._curr_bucket_key == 10
    mod.forward(fixture_batch('b5'), is_train=False)
    assert mod.symbol.list_arguments() == SYMS['5']['list_arguments']
    assert mod.label_shapes[0].shape == (4, 5)
    with pytest.raises(MXNetError):
        mod.get_input_grads()


def test_fit_score_predict_with_bucket_sentence_iter():
    """The BaseModule loops with BucketSentenceIter batches (prepare binds the next bucket)."""
    r = np.random.RandomState(0)
    sents = [list(r.randint(1, V, r.randint(2, 9))) for _ in range(64)]
    it = mx.rnn.BucketSentenceIter(sents, batch_size=8, buckets=[4, 6, 8], invalid_label=0)
    mod = mx.mod.BucketingModule(extra_layer_gen(100), default_bucket_key=it.default_bucket_key)
    mod.fit(it, eval_metric=mx.metric.Perplexity(ignore_label=0), num_epoch=2,
            optimizer='sgd', optimizer_params={'learning_rate': 0.1})
    assert sorted(mod._buckets) == [4, 6, 8]
    res = dict(mod.score(it, mx.metric.Perplexity(ignore_label=0)))
    assert 1 < res['perplexity'] < V * 2
    outs = mod.predict(it, merge_batches=False)
    assert len(outs) == len(it.idx)


def test_states_and_monitor_reach_every_bucket():
    def gen(seq_len):
        data = mx.sym.Variable('data')
        out = mx.sym.FullyConnected(data, num_hidden=3, name='fc') + mx.sym.Variable('state')
        return out, ('data',), None
    mod = mx.mod.BucketingModule(gen, default_bucket_key=4, state_names=['state'])
    mod.bind([('data', (2, 4))], for_training=False)
    mod.init_params(initializer=mx.init.Zero())
    mod.set_states(value=1.5)
    seen = []

    class Mon:
        def install(self, exe):
            seen.append(exe)
    mod.install_monitor(Mon())
    mod.forward(mx.io.DataBatch([mx.nd.ones((2, 4))], bucket_key=6), is_train=False)
    assert mod._curr_bucket_key == 6
    np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), np.full((2, 3), 1.5))
    assert [e is _exe(mod, k) for e, k in zip(seen, (4, 6))] == [True, True]
    assert _exe(mod, 6).arg_dict['state'] is _exe(mod, 4).arg_dict['state']
    st = mod.get_states(merge_multi_context=False)
    np.testing.assert_allclose(st[0][0].asnumpy(), np.full((2, 3), 1.5))


# -- the example ---------------------------------------------------------------------------------
def _run_example(tmp_path, *extra):
    import sys
    import time
    sys.path.insert(0, os.path.join(HERE, '..', 'examples'))
    import bucketing_lm
    tic = time.time()
    history, reloaded = bucketing_lm.main(['--epochs', '4', '--out', str(tmp_path / 'lm')] +
                                          list(extra))
    assert time.time() - tic < 60
    assert all(b < a for a, b in zip(history, history[1:])), history
    assert history[-1] < 0.6 * history[0]
    assert reloaded < history[0]
    assert sorted(os.listdir(str(tmp_path))) == ['lm-0004.params', 'lm-10-symbol.json',
                                                 'lm-6-symbol.json', 'lm-7-symbol.json',
                                                 'lm.buckets']


def test_example_bucketing_lm_perplexity_falls(tmp_path):
    _run_example(tmp_path)


def test_example_bucketing_lm_with_its_own_lstm_and_iterator(tmp_path):
    _run_example(tmp_path, '--own-rnn')


@pytest.mark.parametrize('optimizer', ['sgd', 'lars'])
def test_later_bucket_parameters_get_the_optimizers_weight_decay_rule(optimizer):
    """A parameter first met in a later bucket decays as the optimizer's own by-name rule says
    (LARS decays only *_weight; the others *_weight and *_gamma), as if it had been in the
    default bucket when the optimizer was made."""
    r = np.random.RandomState(0)
    mod = mx.mod.BucketingModule(extra_layer_gen(8, norm=True), default_bucket_key=3)
    mod.bind([('data', (4, 3))], [('softmax_label', (4, 3))])
    mod.init_params()
    mod.init_optimizer(optimizer=optimizer, optimizer_params={'learning_rate': 0.1,
                                                              'wd': 0.01})
    mod.forward_backward(lm_batch(r, 8))
    mod.update()
    opt = mod._buckets[3]._optimizer
    names = sorted(set(opt.idx2name.values()))
    assert {'extra_weight', 'extra_ln_gamma', 'extra_ln_beta'} <= set(names)
    ref = mx.optimizer.create(optimizer, param_idx2name=dict(enumerate(names)), wd=0.01)
    assert {n: opt.wd_mult.get(n, 1.0) for n in names} == \
        {n: ref.wd_mult.get(n, 1.0) for n in names}
    assert (opt.wd_mult.get('extra_ln_gamma', 1.0) == 1.0) == (optimizer != 'lars')
