"""Checkpoints against MXNet 1.9.1 (fixtures/modules/checkpoints) and their safety properties."""
import os
import pickle

import numpy as np
import pytest

import tfmod as mx
from tfmod.base import MXNetError
from support import module_replay as R

CK = R.load_json('checkpoints', 'checkpoints.json')
NETS = ['mlp', 'convbn']


def _prefix(net):
    return R.fixture('checkpoints', net)


def _expected(net):
    return np.load(R.fixture('checkpoints', '%s_expected.npz' % net))


def _sgd():
    return {'learning_rate': 0.1, 'momentum': 0.9, 'wd': 1e-4}


@pytest.mark.parametrize('net', NETS)
def test_load_checkpoint_returns_params_in_mxnet_order(net):
    sym, arg, aux = mx.model.load_checkpoint(_prefix(net), 2)
    order = CK[net]['load_checkpoint_returns_order']
    assert list(arg) == order['arg_params'] and list(aux) == order['aux_params']
    z = _expected(net)
    for k, v in list(arg.items()) + list(aux.items()):
        kind = 'arg' if k in arg else 'aux'
        np.testing.assert_array_equal(v.asnumpy(), z['params_epoch2/%s/%s' % (kind, k)])
    # the symbol JSON MXNet wrote is what tfmod writes for the same symbol
    with open(_prefix(net) + '-symbol.json') as f:
        assert sym.tojson() == f.read()


@pytest.mark.parametrize('net', NETS)
def test_module_load_predicts_like_mxnet(net):
    z = _expected(net)
    mod = mx.mod.Module.load(_prefix(net), 2, load_optimizer_states=True)
    mod.bind([('data', z['pred_input'].shape)], [('softmax_label', z['pred_label'].shape)])
    mod.init_optimizer(optimizer='sgd', optimizer_params=_sgd())
    out = mod.predict(mx.io.NDArrayIter(z['pred_input'], None, batch_size=8))
    np.testing.assert_allclose(out.asnumpy(), z['pred_after_load'], rtol=1e-5, atol=1e-6)
    mod2 = mx.mod.Module.load(_prefix(net), 2)
    mod2.bind([('data', z['pred_input'].shape)], for_training=False)
    out2 = mod2.predict(mx.io.NDArrayIter(z['pred_input'], None, batch_size=8))
    np.testing.assert_allclose(out2.asnumpy(), z['pred_after_load_inference_bind'], rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize('net', NETS)
def test_mxnet_states_pickle_is_read_safely_and_resumes_exactly(net):
    z = _expected(net)
    names = CK[net]['epoch2']['states_index_to_param']
    mod = mx.mod.Module.load(_prefix(net), 2, load_optimizer_states=True)
    mod.bind([('data', z['pred_input'].shape)], [('softmax_label', z['pred_label'].shape)])
    mod.init_optimizer(optimizer='sgd', optimizer_params=_sgd())
    for idx, info in names.items():
        st = mod._updater.states[int(idx)]
        np.testing.assert_array_equal(st.asnumpy(), z['states_epoch2/%s' % info['param']])
    # resume: one more step reproduces MXNet's numbers (the states round trip is exact)
    mod.forward_backward(R.batch(net, 0))
    mod.update()
    arg, aux = mod.get_params()
    for k, v in list(arg.items()) + list(aux.items()):
        key = 'resume_one_step/%s/%s' % ('arg' if k in arg else 'aux', k)
        if key in z.files:
            np.testing.assert_allclose(v.asnumpy(), z[key], rtol=1e-5, atol=1e-6, err_msg=k)


def test_tfmod_states_round_trip_and_are_not_pickles(tmp_path):
    mod = R.bound_module('mlp')
    mod.init_optimizer(optimizer='sgd', optimizer_params=_sgd())
    mod.forward_backward(R.batch('mlp', 0))
    mod.update()
    prefix = str(tmp_path / 'm')
    mod.save_checkpoint(prefix, 1, save_optimizer_states=True)
    data = open(prefix + '-0001.states', 'rb').read()
    assert data[:1] != b'\x80'  # not a pickle
    with pytest.raises(pickle.UnpicklingError, match='invalid load key'):
        pickle.loads(data)
    mod2 = mx.mod.Module.load(prefix, 1, load_optimizer_states=True)
    mod2.bind([('data', (8, 10))], [('softmax_label', (8,))])
    mod2.init_optimizer(optimizer='sgd', optimizer_params=_sgd())
    for idx, st in mod._updater.states.items():
        np.testing.assert_array_equal(st.asnumpy(), mod2._updater.states[idx].asnumpy())


class _Evil:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, ('touch %s' % self.path,))


def test_crafted_states_pickle_runs_nothing(tmp_path):
    marker = tmp_path / 'pwned'
    payload = pickle.dumps({0: _Evil(str(marker))}, protocol=4)
    fname = tmp_path / 'evil.states'
    fname.write_bytes(payload)
    mod = R.bound_module('mlp')
    mod.init_optimizer(optimizer='sgd', optimizer_params=_sgd())
    with pytest.raises(MXNetError, match='evil.states'):
        mod.load_optimizer_states(str(fname))
    assert not marker.exists()
    payload = pickle.dumps({0: eval}, protocol=2)
    fname.write_bytes(payload)
    with pytest.raises(MXNetError, match='builtins.eval|__builtin__.eval'):
        mod.load_optimizer_states(str(fname))


def test_truncated_states_and_missing_files_are_clean_errors(tmp_path):
    data = open(_prefix('mlp') + '-0001.states', 'rb').read()
    fname = tmp_path / 'cut.states'
    fname.write_bytes(data[:100])
    mod = R.bound_module('mlp')
    mod.init_optimizer(optimizer='sgd', optimizer_params=_sgd())
    with pytest.raises(MXNetError, match='cut.states'):
        mod.load_optimizer_states(str(fname))
    with pytest.raises(MXNetError, match='nothere'):
        mx.mod.Module.load(str(tmp_path / 'nothere'), 1)


def test_params_file_layout_matches_mxnet(tmp_path):
    """save_checkpoint writes arg: keys in list_arguments order then aux:, byte-identical."""
    for net in NETS:
        sym, arg, aux = mx.model.load_checkpoint(_prefix(net), 2)
        prefix = str(tmp_path / net)
        mx.model.save_checkpoint(prefix, 2, sym, arg, aux)
        ours = open(prefix + '-0002.params', 'rb').read()
        theirs = open(_prefix(net) + '-0002.params', 'rb').read()
        assert ours == theirs, net
        assert open(prefix + '-symbol.json').read() == open(_prefix(net) + '-symbol.json').read()


def test_failed_save_leaves_previous_checkpoint_intact(tmp_path, monkeypatch):
    mod = R.bound_module('mlp')
    prefix = str(tmp_path / 'c')
    mod.save_checkpoint(prefix, 1)
    before = open(prefix + '-0001.params', 'rb').read()
    import tfmod.ndarray.ndfile as ndfile

    def boom(*a, **k):
        raise KeyboardInterrupt('crash while serialising')
    monkeypatch.setattr(ndfile, 'dumps', boom)
    arg, aux = mod.get_params()
    arg['fc1_bias'][:] = 7
    with pytest.raises(KeyboardInterrupt):
        mod.save_checkpoint(prefix, 1)
    assert open(prefix + '-0001.params', 'rb').read() == before
    assert sorted(os.listdir(tmp_path)) == ['c-0001.params', 'c-symbol.json']


@pytest.mark.parametrize('opt', ['sgd', 'adam'])
def test_resume_from_tfmod_checkpoint_continues_exactly(tmp_path, opt):
    """fit 2 epochs == fit 1 epoch, save (params + states), load, fit the 2nd epoch."""
    d = R.data('mlp')
    params = {'learning_rate': 0.05, 'wd': 1e-4}
    if opt == 'sgd':
        params['momentum'] = 0.9

    def train_iter():
        return mx.io.NDArrayIter(d['data'], d['label'], batch_size=8)
    arg, aux = R.init_params('mlp')
    full = mx.mod.Module(R.net_symbol('mlp'))
    full.fit(train_iter(), optimizer=opt, optimizer_params=params, arg_params=arg,
             aux_params=aux, num_epoch=2)
    prefix = str(tmp_path / 'r')
    first = mx.mod.Module(R.net_symbol('mlp'))
    first.fit(train_iter(), optimizer=opt, optimizer_params=params, arg_params=arg,
              aux_params=aux, num_epoch=1,
              epoch_end_callback=mx.callback.module_checkpoint(first, prefix,
                                                               save_optimizer_states=True))
    resumed = mx.mod.Module.load(prefix, 1, load_optimizer_states=True)
    resumed.fit(train_iter(), optimizer=opt, optimizer_params=params, begin_epoch=1,
                num_epoch=2)
    want, got = full.get_params()[0], resumed.get_params()[0]
    for n in want:
        np.testing.assert_allclose(got[n].asnumpy(), want[n].asnumpy(), rtol=1e-6, atol=1e-7,
                                   err_msg=n)
