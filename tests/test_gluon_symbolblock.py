"""``mx.gluon.SymbolBlock``: Gluon-exported models run as their users run them, checked against
what MXNet 1.9.1's SymbolBlock does with the same files (tests/fixtures/gluon_symbolblock/,
recorded by tools/record_gluon_symbolblock.py from the Gluon corpus in tests/fixtures/gluon/).
"""
import json
import os
import re
import types

import numpy as np
import pytest

import tfmod as mx
from tfmod.base import MXNetError

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, 'fixtures', 'gluon')
REC_DIR = os.path.join(HERE, 'fixtures', 'gluon_symbolblock')
REC = json.load(open(os.path.join(REC_DIR, 'record.json')))
ARR = dict(np.load(os.path.join(REC_DIR, 'outputs.npz')))
SymbolBlock = mx.gluon.nn.SymbolBlock


def _files(name):
    return os.path.join(CORPUS, name + '-symbol.json'), os.path.join(CORPUS, name + '-0000.params')


def _imports(name, **kw):
    sym_f, par_f = _files(name)
    return SymbolBlock.imports(sym_f, ['data'], par_f, **kw)


def _close(got, want, what):
    scale = max(1.0, float(np.abs(want).max()))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5 * scale, err_msg=what)


def _params(block):
    return [{'name': k, 'shape': None if p.shape is None else list(p.shape),
             'dtype': np.dtype(p.dtype).name, 'grad_req': p.grad_req}
            for k, p in block.collect_params().items()]


@pytest.fixture(scope='module')
def two_heads():
    return _imports('two_heads', ctx=mx.cpu())


@pytest.mark.parametrize('name', sorted(REC['nets']))
def test_imports_predicts_mxnet_outputs_at_any_batch_size(name):
    """Each net's outputs at batch 1 and 3 are MXNet's, in MXNet's form (one NDArray, or a list
    for several outputs); each shape is bound once, and a repeated call is one compiled call."""
    info = REC['nets'][name]
    net = _imports(name, ctx=mx.cpu())
    net.hybridize()
    assert _params(net) == info['params']
    assert net.prefix == info['prefix'] == ''
    assert re.fullmatch(r'symbolblock\d+', net.name)
    for batch in (1, 3, 1):
        out = net(mx.nd.array(ARR['%s_b%d_x' % (name, batch)]))
        assert isinstance(out, list) == info['list']
        outs = out if isinstance(out, list) else [out]
        assert len(outs) == info['n_out']
        for i, o in enumerate(outs):
            _close(o.asnumpy(), ARR['%s_b%d_out%d' % (name, batch, i)], '%s b%d out%d'
                   % (name, batch, i))
    assert len(net._execs) == 2
    ex = next(iter(net._execs.values()))
    traces, calls = ex.trace_count, ex.call_count
    net(mx.nd.array(ARR['%s_b1_x' % name]))
    assert (ex.trace_count, ex.call_count) == (traces, calls + 1)


def test_outputs_of_one_call_stay_when_the_block_is_called_again(two_heads):
    a = two_heads(mx.nd.array(ARR['two_heads_b3_x']))[0]
    first = a.asnumpy().copy()
    two_heads(mx.nd.array(ARR['two_heads_b3_x'] * 2))
    np.testing.assert_array_equal(a.asnumpy(), first)


def test_repr_and_parameter_views(two_heads):
    assert repr(two_heads) == REC['repr']
    params = two_heads.collect_params()
    assert repr(params) == REC['params_repr']
    assert repr(params['twoheads0_conv0_weight']) == REC['param_repr']
    assert list(two_heads.collect_params('.*weight').keys()) == REC['select_weight']
    assert list(two_heads.collect_params('twoheads0_batchnorm0_(gamma|beta)').keys()) == \
        REC['select_bn']
    assert list(params) == [p['name'] for p in REC['nets']['two_heads']['params']]
    p = params['twoheads0_dense0_weight']
    assert (p.lr_mult, p.wd_mult, p.grad_req) == (1.0, 1.0, 'write')
    assert params['twoheads0_batchnorm0_running_var'].grad_req == 'null'
    assert p.data().shape == (3, 256) and p.list_data()[0] is p.data()
    assert p.list_ctx() == [mx.cpu()]


def test_two_inputs_two_outputs():
    net = SymbolBlock.imports(os.path.join(REC_DIR, 'two_in-symbol.json'), ['data0', 'data1'],
                              os.path.join(REC_DIR, 'two_in-0000.params'))
    assert _params(net) == REC['two_in_params']
    outs = net(mx.nd.array(ARR['two_a']), mx.nd.array(ARR['two_b']))
    assert isinstance(outs, list) and len(outs) == 2
    _close(outs[0].asnumpy(), ARR['two_out0'], 'out0')
    _close(outs[1].asnumpy(), ARR['two_out1'], 'out1')
    with pytest.raises(MXNetError, match='takes 2 input'):
        net(mx.nd.array(ARR['two_a']))


def test_constructor_feature_extractor_shares_parameters(two_heads):
    """``SymbolBlock(internal_output, var('data'), params=net.collect_params())``: the
    parameters the output needs, the same objects as the net's."""
    sym = mx.sym.load(_files('two_heads')[0])
    feat = mx.gluon.SymbolBlock(sym.get_internals()[REC['feat']['output']], mx.sym.var('data'),
                                params=two_heads.collect_params())
    assert _params(feat) == REC['feat']['params']
    for k, p in feat.collect_params().items():
        assert p is two_heads.collect_params()[k]
    out = feat(mx.nd.array(ARR['two_heads_b3_x']))
    assert not isinstance(out, list)
    _close(out.asnumpy(), ARR['feat_out'], 'features')
    composed = feat(mx.sym.var('x'))
    assert composed.list_arguments()[0] == 'x'


def test_error_with_one_input_given_two(two_heads):
    x = mx.nd.array(ARR['two_heads_b3_x'])
    assert REC['errors']['two_inputs_for_one']['type'] == 'ValueError'
    with pytest.raises(ValueError, match='takes 1 input'):
        two_heads(x, x)


def test_save_parameters_writes_mxnet_file(two_heads, tmp_path):
    f = str(tmp_path / 'net.params')
    two_heads.save_parameters(f)
    assert list(mx.nd.load(f).keys()) == REC['saved_keys']
    with open(f, 'rb') as a, open(os.path.join(REC_DIR, 'two_heads-saved.params'), 'rb') as b:
        want = b.read()
        assert a.read() == want
    # ParameterDict.save with the prefix stripped writes the same file, as in MXNet
    assert REC['paramdict_save_is_saved_file']
    two_heads.collect_params().save(f, strip_prefix='twoheads0_')
    with open(f, 'rb') as a:
        assert a.read() == want
    assert REC['paramdict_save_bad_prefix']['type'] == 'ValueError'
    with pytest.raises(ValueError, match="'twoheads0_conv0_weight' does not start with 'zzz'"):
        two_heads.collect_params().save(f, strip_prefix='zzz')


def test_export_writes_mxnet_files(two_heads, tmp_path):
    two_heads(mx.nd.array(ARR['two_heads_b3_x']))
    two_heads.export(str(tmp_path / 'th'), epoch=7)
    with open(str(tmp_path / 'th-0007.params'), 'rb') as a, \
            open(os.path.join(REC_DIR, 'two_heads-export-0007.params'), 'rb') as b:
        assert a.read() == b.read()
    assert REC['export_json_is_corpus_json']
    assert open(str(tmp_path / 'th-symbol.json')).read() == open(_files('two_heads')[0]).read()
    # MXNet 1.9.1 writes no parameters when export comes before any call; tfmod writes them all
    assert REC['export_before_forward'] == 0
    _imports('two_heads').export(str(tmp_path / 'unrun'))
    assert len(mx.nd.load(str(tmp_path / 'unrun-0000.params'))) == 8


def test_load_parameters_reads_export_and_save_parameters_files(tmp_path):
    sym_f, _ = _files('two_heads')
    x = mx.nd.array(ARR['two_heads_b3_x'])
    assert REC['load_export_file'] is None
    net = SymbolBlock.imports(sym_f, ['data'])
    net.load_parameters(os.path.join(REC_DIR, 'two_heads-export-0007.params'))
    _close(net(x)[0].asnumpy(), ARR['two_heads_b3_out0'], 'export file')
    # MXNet 1.9.1 reads its own save_parameters file back only through
    # collect_params().load(restore_prefix=...); tfmod's load_parameters reads it too
    assert REC['load_saved_file']['type'] == 'AssertionError'
    assert REC['load_saved_file_restore_prefix'] is None
    saved = os.path.join(REC_DIR, 'two_heads-saved.params')
    net = SymbolBlock.imports(sym_f, ['data'])
    net.load_parameters(saved)
    _close(net(x)[0].asnumpy(), ARR['two_heads_b3_out0'], 'save_parameters file')
    full = str(tmp_path / 'full.params')
    with pytest.warns(UserWarning, match='save_params is deprecated'):
        net.save_params(full)           # full names, as MXNet's deprecated save_params
    assert list(mx.nd.load(full)) == REC['save_params_keys']
    net = SymbolBlock.imports(sym_f, ['data'])
    with pytest.warns(UserWarning, match='load_params is deprecated'):
        net.load_params(full)
    _close(net(x)[0].asnumpy(), ARR['two_heads_b3_out0'], 'save_params file')
    net = SymbolBlock.imports(sym_f, ['data'])
    net.collect_params().load(saved, restore_prefix='twoheads0_')
    _close(net(x)[0].asnumpy(), ARR['two_heads_b3_out0'], 'restore_prefix')
    # loading into a bound block writes through to its executor
    p = net.collect_params()['twoheads0_dense0_bias']
    p.set_data(p.data() + 5)
    np.testing.assert_allclose(net(x)[0].asnumpy(), ARR['two_heads_b3_out0'] + 5, rtol=1e-5,
                               atol=1e-4)
    assert len(net._execs) == 1


@pytest.mark.parametrize('case', ['missing_param', 'extra_param', 'wrong_input_name',
                                  'missing_param_file', 'missing_symbol_file'])
def test_imports_errors_name_the_file_or_parameter(case, tmp_path):
    """Where MXNet raises, tfmod raises MXNetError naming what is wrong."""
    want = REC['errors'][case]
    assert want is not None
    sym_f, par_f = _files('two_heads')
    d = mx.nd.load(par_f)
    args = (sym_f, ['data'], par_f)
    if case == 'missing_param':
        del d['arg:twoheads0_dense0_bias']
        mx.nd.save(str(tmp_path / 'p.params'), d)
        args, match = (sym_f, ['data'], str(tmp_path / 'p.params')), \
            r"'twoheads0_dense0_bias' is missing in file: .*p.params"
    elif case == 'extra_param':
        d['arg:extra_w'] = mx.nd.ones((2,))
        mx.nd.save(str(tmp_path / 'p.params'), d)
        args, match = (sym_f, ['data'], str(tmp_path / 'p.params')), \
            r"'extra_w' loaded from file: .*p.params is not present"
        net = SymbolBlock.imports(*args, ignore_extra=True)       # MXNet: no error
        assert REC['errors']['extra_param_ignored'] is None
        assert net(mx.nd.array(ARR['two_heads_b1_x']))[0].shape == (1, 3)
    elif case == 'wrong_input_name':
        args, match = (sym_f, ['x'], par_f), r"'data' is missing in file.*'x' not an argument"
    elif case == 'missing_param_file':
        args, match = (sym_f, ['data'], str(tmp_path / 'nofile.params')), 'nofile.params'
    else:
        args, match = (str(tmp_path / 'nofile-symbol.json'), ['data']), 'nofile-symbol.json'
    for word in re.findall(r"'(\w+)'", want['message'])[:1]:
        assert word in match
    with pytest.raises(MXNetError, match=match):
        SymbolBlock.imports(*args)


def test_uninitialized_parameters_raise_naming_them(tmp_path):
    sym_f, par_f = _files('two_heads')
    x = mx.nd.array(ARR['two_heads_b3_x'])
    assert REC['errors']['forward_uninitialized']['type'] == 'RuntimeError'
    with pytest.raises(RuntimeError, match="'twoheads0_conv0_weight' has not been initialized"):
        SymbolBlock.imports(sym_f, ['data'])(x)
    d = mx.nd.load(par_f)
    del d['arg:twoheads0_dense0_bias']
    mx.nd.save(str(tmp_path / 'p.params'), d)
    net = SymbolBlock.imports(sym_f, ['data'], str(tmp_path / 'p.params'), allow_missing=True)
    assert 'twoheads0_dense0_bias' in REC['errors']['allow_missing_forward']['message']
    with pytest.raises(MXNetError, match="'twoheads0_dense0_bias' has not been initialized"):
        net(x)


def test_initialize_defers_to_the_first_batch():
    net = SymbolBlock.imports(_files('two_heads')[0], ['data'])
    net.initialize()
    outs = net(mx.nd.array(ARR['two_heads_b3_x']))
    assert [o.shape for o in outs] == [(3, 3), (3, 4, 8, 8)]
    assert _params(net) == REC['deferred_params']


def test_cast():
    net = _imports('two_heads')
    net.cast('float16')
    assert _params(net) == REC['cast_float16']
    net = _imports('two_heads')
    net.cast('float64')
    out = net(mx.nd.array(ARR['two_heads_b3_x'], dtype='float64'))[0]
    assert np.dtype(out.dtype).name == REC['cast_float64_out_dtype']
    _close(out.asnumpy(), ARR['two_heads_f64_out0'], 'float64')


def test_rebinds_only_when_its_own_parameters_are_replaced():
    net = _imports('plain_convnet')
    x = mx.nd.array(ARR['plain_convnet_b3_x'])
    net(x)
    ex = net._execs[next(iter(net._execs))]
    _imports('two_heads')(mx.nd.array(ARR['two_heads_b1_x']))     # another block's parameters
    net(x)
    assert list(net._execs.values()) == [ex]
    net.reset_ctx(mx.cpu(0))            # new arrays: bound again
    _close(net(x).asnumpy(), ARR['plain_convnet_b3_out0'], 'after reset_ctx')
    assert list(net._execs.values()) != [ex]


def test_gradients_under_autograd_record(two_heads):
    """``out = net(x); loss.backward(); p.grad()``: MXNet's gradients, and BatchNorm's running
    statistics updated by the training-mode forward, as in MXNet."""
    net = _imports('two_heads')
    x = mx.nd.array(ARR['two_heads_b3_x'])
    net(x)      # bound for inference first: the parameters already live in executor variables
    with mx.autograd.record():
        o1, o2 = net(x)
        loss = (o1 * o1).sum() + o2.mean()
    loss.backward()
    _close(loss.asnumpy(), ARR['grad_loss'], 'loss')
    for k, p in net.collect_params().items():
        if p.grad_req == 'null':
            _close(p.data().asnumpy(), ARR['after:' + k], k)
        else:
            _close(p.grad().asnumpy(), ARR['grad:' + k], k)
    net.collect_params().zero_grad()
    assert not net.collect_params()['twoheads0_dense0_weight'].grad().asnumpy().any()
    net.collect_params().setattr('grad_req', 'null')
    with pytest.raises(MXNetError, match="grad_req='null'"):
        net.collect_params()['twoheads0_dense0_weight'].grad()
    _close(net(x)[0].asnumpy(), net(x)[0].asnumpy(), 'still runs')


def test_other_gluon_names_are_refused_by_name():
    from tfmod.gluon import mxnet_names
    with pytest.raises(MXNetError, match=r"mx\.gluon\.nn\.Dense is not provided by tfmod.*"
                                         r"layers"):
        mx.gluon.nn.Dense(3)
    with pytest.raises(MXNetError, match=r'mx\.gluon\.Constant is not provided'):
        mx.gluon.Constant
    with pytest.raises(MXNetError, match=r'mx\.gluon\.nn\.Conv2D is not provided'):
        from tfmod.gluon.nn import Conv2D  # noqa: F401  pylint: disable=unused-import
    import tfmod.gluon.data.vision as vision
    with pytest.raises(MXNetError, match=r'mx\.gluon\.data\.vision\.transforms\.ToTensor'):
        vision.transforms.ToTensor()
    with pytest.raises(MXNetError, match=r'mx\.gluon\.model_zoo\.vision\.resnet18_v1'):
        mx.gluon.model_zoo.vision.resnet18_v1(pretrained=True)
    with pytest.raises(AttributeError):
        mx.gluon.nn.NotAnMXNetName
    # every name MXNet's gluon namespaces have is tfmod's, or refused by name
    provided = set()
    for path, names in mxnet_names.NAMES.items():
        mod = __import__('tfmod.' + path, fromlist=['_'])
        for n in names:
            try:
                obj = getattr(mod, n)
            except MXNetError as e:
                assert 'mx.%s.%s is not provided' % (path, n) in str(e)
                continue
            if not isinstance(obj, types.ModuleType):
                provided.add(n)
    assert {'SymbolBlock', 'Parameter', 'ParameterDict', 'DeferredInitializationError',
            'Trainer', 'SoftmaxCrossEntropyLoss', 'DataLoader', 'split_and_load'} <= provided
    assert not provided & {'Dense', 'HybridBlock', 'Block', 'Constant'}
