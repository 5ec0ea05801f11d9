"""Files written by older MXNet releases (0.11 ... 1.8) load, predict and resume training in tfmod.

Each ``tests/fixtures/old_mxnet/<version>/`` (``-py2``: under Python 2, whose pickles differ)
was written by that release through
``tools/record_old_mxnet_files.py``: a checkpoint of a small conv + BatchNorm + FC net trained
with SGD momentum by a one-device Module (its updater's ``.states`` pickle, int keys) and by a
two-device Module with ``kvstore='local'`` (the kvstore's ``.states``: int keys before 0.12, param
names after), ``mx.nd.save`` files, a Gluon export and a kvstore's ``dump_optimizer`` states --
with what that release computed.
``oracle_check.json`` there records what MXNet 1.9.1 does with the same files.
"""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from conftest import FIXTURES

ROOT = os.path.join(FIXTURES, 'old_mxnet')
VERSIONS = sorted(os.listdir(ROOT), key=lambda v: (tuple(int(x) for x in v.split('-')[0].split('.')),
                                                   v))


def _load(version):
    d = os.path.join(ROOT, version)
    with open(os.path.join(d, 'meta.json')) as f:
        meta = json.load(f)
    with open(os.path.join(d, 'oracle_check.json')) as f:
        oracle = json.load(f)
    return d, meta, dict(np.load(os.path.join(d, 'expected.npz'))), oracle


def _batch(exp, meta, step):
    b = meta['batch']
    s = (step % 2) * b
    return mx.io.DataBatch(data=[mx.nd.array(exp['X'][s:s + b])],
                           label=[mx.nd.array(exp['y'][s:s + b])])


def _resume(d, meta, exp, tag, ctx, load_states, src=None):
    """Module.load the checkpoint (and its .states), predict, train the recorded steps on."""
    b = meta['batch']
    mod = mx.mod.Module.load(os.path.join(d, src or tag), 1, load_optimizer_states=load_states,
                             data_names=['data'], label_names=['softmax_label'], context=ctx)
    mod.bind(data_shapes=[('data', (b,) + exp['X'].shape[1:])],
             label_shapes=[('softmax_label', (b,))])
    mod.init_optimizer(kvstore='local', optimizer=meta['optimizer'],
                       optimizer_params=meta['optimizer_params'])
    mod.forward(mx.io.DataBatch(data=[mx.nd.array(exp['Xp'])], label=[mx.nd.zeros((b,))]),
                is_train=False)
    pred = mod.get_outputs()[0].asnumpy()
    first = meta['steps_before']
    for step in range(first, first + meta['steps_after']):
        mod.forward(_batch(exp, meta, step), is_train=True)
        mod.backward()
        mod.update()
    arg, aux = mod.get_params()
    got = {'arg:' + k: v.asnumpy() for k, v in arg.items()}
    got.update({'aux:' + k: v.asnumpy() for k, v in aux.items()})
    return pred, got


def _maxdiff(got, exp, tag):
    assert sorted(got) == sorted(k[len(tag) + 7:] for k in exp if k.startswith(tag + '_after_'))
    return max(float(np.max(np.abs(v - exp['%s_after_%s' % (tag, k)]))) for k, v in got.items())


@pytest.mark.parametrize('tag', ['net', 'multi'])
@pytest.mark.parametrize('version', VERSIONS)
def test_resume_with_old_states(version, tag):
    """Predictions and parameters after more training match what that release computed; the
    .states momentum is really used (a restart without it ends elsewhere)."""
    d, meta, exp, oracle = _load(version)
    ctx = mx.cpu() if tag == 'net' else [mx.cpu(0), mx.cpu(1)]
    pred, got = _resume(d, meta, exp, tag, ctx, True)
    np.testing.assert_allclose(pred, exp[tag + '_pred'], rtol=1e-5, atol=1e-6)
    assert _maxdiff(got, exp, tag) < 1e-5
    restarted = oracle['%s_restart' % tag]['after_maxdiff']
    assert restarted > 1e-2  # MXNet 1.9.1 without the states: far from the recorded numbers


# every release recorded these; the key forms change only at 0.12, so (for time) a spread
CROSS = [v for v in ('0.11.0', '0.12.1', VERSIONS[-1]) if v in VERSIONS]


@pytest.mark.parametrize('version', CROSS)
def test_resume_on_another_device_count(version):
    """A one-device checkpoint resumed on two devices (its states keyed by position, the
    kvstore's by name) and a two-device one resumed on one device (the reverse) keep their
    momentum: the recorded numbers had it handed over by hand in that release. MXNet 1.9.1
    finds no matching keys and silently restarts it (``oracle_check.json``)."""
    d, meta, exp, oracle = _load(version)
    for tag, src, ctx in (('cross_net2multi', 'net', [mx.cpu(0), mx.cpu(1)]),
                          ('cross_multi2net', 'multi', mx.cpu())):
        pred, got = _resume(d, meta, exp, tag, ctx, True, src)
        np.testing.assert_allclose(pred, exp[src + '_pred'], rtol=1e-5, atol=1e-6)
        assert _maxdiff(got, exp, tag) < 1e-5, tag
    assert oracle['cross_net2multi']['after_maxdiff'] > 1e-2


def test_restart_differs():
    """Leaving the momentum out gives other numbers -- so the resume tests above see it."""
    d, meta, exp, _ = _load(VERSIONS[-1])
    _, got = _resume(d, meta, exp, 'net', mx.cpu(), False)
    assert _maxdiff(got, exp, 'net') > 1e-2


def test_pre_012_kvstore_states_better_than_mxnet_191():
    """Before 0.12 the kvstore keyed its states by parameter position; MXNet 1.9.1 keys them by
    name, finds none and silently restarts the momentum. tfmod maps positions to names."""
    old = [v for v in VERSIONS if _load(v)[1]['states']['multi']['key_types'] == ['int']]
    assert old, 'no pre-0.12 release recorded'
    for v in old:
        oracle = _load(v)[3]
        assert oracle['multi_resume']['after_maxdiff'] == oracle['multi_restart']['after_maxdiff']
        assert oracle['multi_resume']['after_maxdiff'] > 1e-2


@pytest.mark.parametrize('version', VERSIONS)
def test_states_pickles_read_safely(version):
    """The pickles of every release decode (0.x names the class mxnet.ndarray.NDArray)."""
    d, meta, _, _ = _load(version)
    for tag in ('net', 'multi'):
        with open(os.path.join(d, '%s-0001.states' % tag), 'rb') as f:
            states = mx.model.loads_optimizer_states(f.read(), tag)
        assert sorted(repr(k) for k in states) == meta['states'][tag]['keys']
        for st in states.values():
            assert isinstance(st, mx.nd.NDArray) and st.dtype == np.float32


@pytest.mark.parametrize('version', VERSIONS)
def test_nd_save_files(version):
    d, meta, exp, _ = _load(version)
    lst = mx.nd.load(os.path.join(d, 'arrays_list.nd'))
    dct = mx.nd.load(os.path.join(d, 'arrays_dict.nd'))
    assert isinstance(lst, list) and len(lst) == len(meta['dtypes'])
    assert sorted(dct) == sorted('a_' + dt for dt in meta['dtypes'])
    for a, dt in zip(lst, meta['dtypes']):
        for arr in (a, dct['a_' + dt]):
            assert arr.dtype == np.dtype(dt)
            np.testing.assert_array_equal(arr.asnumpy(), exp['nd_' + dt])


@pytest.mark.parametrize('version', VERSIONS)
def test_symbol_written_back_as_mxnet_191_does(version):
    """Each old symbol file, loaded and saved by tfmod, gives the bytes MXNet 1.9.1 writes for
    it (the old forms are upgraded the same way; 0.11's Gluon aux-state versions kept)."""
    d = os.path.join(ROOT, version)
    resaved = os.path.join(d, 'mxnet191_tojson')
    names = sorted(os.listdir(resaved))
    assert names == sorted(n for n in os.listdir(d) if n.endswith('-symbol.json'))
    for name in names:
        with open(os.path.join(resaved, name)) as f:
            assert mx.sym.load(os.path.join(d, name)).tojson() == f.read(), name


def test_mxnet_08_json_layout():
    """MXNet 0.8's layout (``param``/``attr`` with plain ``lr_mult``/``weight_lr_mult``/
    ``ctx_group``, ``backward_source_id``, 2-element entries, no BatchNorm aux inputs), written
    from 0.9.5's net by tools/record_old_mxnet_files.py, predicts with 0.9.5's parameters (the
    upgrade adds ``bn_moving_mean``/``bn_moving_var``) and keeps the hidden keys as 1.9.1 does."""
    d, meta, exp, oracle = _load('0.9.5')
    assert oracle['net0800_pred_maxdiff'] < 1e-6
    sym = mx.sym.load(os.path.join(d, 'net0800-symbol.json'))
    assert sym.list_auxiliary_states() == ['bn_moving_mean', 'bn_moving_var']
    assert sym.attr_dict()['fc_weight']['__lr_mult__'] == '0.5'
    assert sym.attr_dict()['conv']['__ctx_group__'] == 'dev1'
    _, arg, aux = mx.model.load_checkpoint(os.path.join(d, 'net'), 1)
    mod = mx.mod.Module(sym, data_names=['data'], label_names=['softmax_label'])
    b = meta['batch']
    mod.bind(data_shapes=[('data', exp['Xp'].shape)], label_shapes=[('softmax_label', (b,))],
             for_training=False)
    mod.set_params(arg, aux)
    mod.forward(mx.io.DataBatch(data=[mx.nd.array(exp['Xp'])], label=[mx.nd.zeros((b,))]),
                is_train=False)
    np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), exp['net_pred'], rtol=1e-5,
                               atol=1e-6)


GLUON = [v for v in VERSIONS if _load(v)[1]['gluon']]


@pytest.mark.parametrize('version', GLUON)
def test_gluon_export(version):
    d, meta, exp, _ = _load(version)
    sym, arg, aux = mx.model.load_checkpoint(os.path.join(d, 'gluon'), 0)
    mod = mx.mod.Module(sym, data_names=['data'], label_names=None)
    mod.bind(data_shapes=[('data', exp['Xp'].shape)], for_training=False)
    mod.set_params(arg, aux)
    mod.forward(mx.io.DataBatch(data=[mx.nd.array(exp['Xp'])]), is_train=False)
    np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), exp['gluon_pred'], rtol=1e-5,
                               atol=1e-6)


KV_DUMP = [v for v in VERSIONS if _load(v)[1].get('kv_dump')]


@pytest.mark.parametrize('version', KV_DUMP)
def test_kvstore_dump_optimizer_states(version):
    """``kv.save_optimizer_states(f, dump_optimizer=True)`` pickles the optimizer (SGD with a
    FactorScheduler) too: loading it replaces the store's own optimizer (here lr 0.5) and goes on
    with the pickled lr, schedule position and momentum. MXNet 1.9.1 fails on the files of
    releases before 1.5 (their optimizer lacks the per-device update counts; the update raises
    inside the kvstore callback and the weights stay put); tfmod rebuilds the counts."""
    d, meta, exp, oracle = _load(version)
    kv = mx.kv.create('local')
    kv.set_optimizer(mx.optimizer.SGD(learning_rate=0.5))
    kv.init([0, 1], [mx.nd.array(exp['kv_at_dump_%d' % k]) for k in (0, 1)])
    kv.load_optimizer_states(os.path.join(d, 'kv-dump.states'))
    for step in range(3, 6):
        kv.push([0, 1], [mx.nd.array(exp['kv_grad_%d_%d' % (step, k)]) for k in (0, 1)])
    for k in (0, 1):
        out = mx.nd.zeros(exp['kv_after_%d' % k].shape)
        kv.pull(k, out=out)
        np.testing.assert_allclose(out.asnumpy(), exp['kv_after_%d' % k], rtol=1e-5, atol=1e-6)
    if tuple(int(x) for x in version.split('-')[0].split('.')) < (1, 5):
        assert oracle['kv_dump_after_maxdiff'] > 1e-1


@pytest.mark.parametrize('payload', [
    b"cos\nsystem\n(S'echo owned'\ntR.",                                   # protocol 0 call
    b"ccopy_reg\n_reconstructor\n(c__builtin__\nobject\nc__builtin__\nobject\nNtR.",
    b"ccopy_reg\n_reconstructor\n(cbuiltins\neval\nc__builtin__\nobject\nNtR.",
])
def test_python2_pickle_forms_stay_restricted(payload):
    """Admitting Python 2's text pickles (and copy_reg._reconstructor for MXNet's classes) lets
    nothing else through."""
    with pytest.raises(mx.base.MXNetError):
        mx.model.loads_optimizer_states(payload, 'crafted.states')


@pytest.mark.parametrize('version', VERSIONS)
def test_op_zoo_predicts(version):
    """An inference graph of ops and op parameters old model files carry (padded convolution,
    LeakyReLU, BatchNorm with global stats, SliceChannel, 'full' pooling, Deconvolution,
    UpSampling, LRN, Dropout, global pooling, Reshape's deprecated ``target_shape``, SwapAxis,
    scalar arithmetic, L2Normalization, SoftmaxActivation, clip, sum...) gives that release's
    outputs, layer by layer. Where MXNet 1.9.1 itself computes otherwise than the old release
    (LRN's window at the first channel before 0.11, a side branch of the graph), tfmod computes
    what 1.9.1 does, so it differs from the recording just as much. MXNet 1.9.1's default oneDNN
    fusion gets the LeakyReLU after the convolution wrong (``zoo_maxdiff_fused``); tfmod does not.
    """
    d, meta, exp, oracle = _load(version)
    changed = {k for k, v in oracle['zoo_layer_maxdiff'].items() if v > 1e-5}
    assert changed <= {'lrn'}
    sym, arg, aux = mx.model.load_checkpoint(os.path.join(d, 'zoo'), 0)
    assert len(sym.list_outputs()) == len(meta['zoo_layers'])
    exe = sym.simple_bind(mx.cpu(), grad_req='null', data=exp['zoo_in'].shape)
    exe.copy_params_from(arg, aux)
    exe.arg_dict['data'][:] = exp['zoo_in']
    exe.forward(is_train=False)
    for i, (layer, out) in enumerate(zip(meta['zoo_layers'], exe.outputs)):
        got, want = out.asnumpy(), exp['zoo_out_%d' % i]
        if layer in changed:
            diff = float(np.max(np.abs(got - want)))
            assert diff == pytest.approx(oracle['zoo_layer_maxdiff'][layer], rel=1e-3), layer
        else:
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5, err_msg=layer)
