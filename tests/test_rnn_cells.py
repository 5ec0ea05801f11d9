"""mx.rnn: cells, unroll graphs, weights packing, checkpoints, encode_sentences and
BucketSentenceIter, checked against MXNet 1.9.1 recordings.

* fixtures/rnn_cells/: cases recorded by fixtures/rnn_cells/gen_rnn_cells.py; the test runs the
  same builder functions (they take the ``mx`` module) with tfmod;
* fixtures/modules/bucketing/: the bucketing LSTM language model (symbols, cell section,
  numbers, rnn_io.json);
* fixtures/ops/graph_*: the op corpus' mx.rnn graphs.
"""
import base64
import contextlib
import importlib.util
import io
import json
import os
import random
import warnings

import numpy as np
import pytest

import tfmod as mx
from conftest import FIXTURES
from support.lm_sym_gen import lm_stack, lm_sym_gen

CELLS_DIR = os.path.join(FIXTURES, 'rnn_cells')
BUCKET_DIR = os.path.join(FIXTURES, 'modules', 'bucketing')


def _load_gen():
    spec = importlib.util.spec_from_file_location(
        'gen_rnn_cells', os.path.join(CELLS_DIR, 'gen_rnn_cells.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


GEN = _load_gen()
with open(os.path.join(CELLS_DIR, 'cases.json')) as _f:
    FIX = json.load(_f)
ARR = dict(np.load(os.path.join(CELLS_DIR, 'arrays.npz')))
CASES = FIX['cases']
FORWARD_CASES = [n for n, c in CASES.items() if c.get('forward')]
GRAD_CASES = [n for n, c in CASES.items() if c.get('grad')]


def _build(name):
    res, warns = GEN.build(mx, name)
    return res, GEN.describe(res, warns)


def _case_args(name):
    pre = '%s/arg/' % name
    return {k[len(pre):]: v for k, v in ARR.items() if k.startswith(pre)}


def _outs(name):
    out, i = [], 0
    while '%s/out/%d' % (name, i) in ARR:
        out.append(ARR['%s/out/%d' % (name, i)])
        i += 1
    return out


# -- graphs: byte for byte -----------------------------------------------------------------------
@pytest.mark.parametrize('name', list(CASES))
def test_case_graph_matches_mxnet(name):
    _, got = _build(name)
    exp = CASES[name]
    assert got['tojson'] == exp['tojson']
    for key in ('list_outputs', 'list_arguments', 'state_names', 'state_info', 'state_shape',
                'param_names', 'warnings'):
        assert got[key] == exp[key], key


@pytest.mark.parametrize('case,build', [
    ('graph_lstm_cell_unrolled', lambda: _corpus_lstm()),
    ('graph_gru_cell_unrolled', lambda: _corpus_gru()),
    ('graph_fused_rnn_cell', lambda: _corpus_fused()),
])
def test_op_corpus_rnn_graphs(case, build):
    with open(os.path.join(FIXTURES, 'ops', case + '.json')) as f:
        fx = json.load(f)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with mx.name.NameManager():
            sym = build()
    assert sym.tojson() == fx['symbol']
    assert sym.list_arguments() == fx['arg_names']


def _corpus_lstm():
    cell = mx.rnn.LSTMCell(num_hidden=4, prefix='lstm_')
    out, states = cell.unroll(3, inputs=mx.sym.Variable('data'), merge_outputs=True,
                              layout='NTC')
    return mx.sym.Group([out, states[0], states[1]])


def _corpus_gru():
    cell = mx.rnn.GRUCell(num_hidden=3, prefix='gru_')
    out, states = cell.unroll(3, inputs=mx.sym.Variable('data'), merge_outputs=False,
                              layout='TNC')
    return mx.sym.Group(out + states)


def _corpus_fused():
    cell = mx.rnn.FusedRNNCell(4, num_layers=2, mode='lstm', bidirectional=True, prefix='f_',
                               get_next_state=True)
    out, states = cell.unroll(3, inputs=mx.sym.Variable('data'), layout='NTC',
                              merge_outputs=True)
    return mx.sym.Group([out] + states)


# -- numbers -------------------------------------------------------------------------------------
@pytest.mark.parametrize('name', FORWARD_CASES)
def test_case_forward_matches_mxnet(name):
    res, _ = _build(name)
    args = {k: mx.nd.array(v) for k, v in _case_args(name).items()}
    ex = res['sym'].bind(mx.cpu(), args, grad_req='null')
    outs = ex.forward(is_train=False)
    exp = _outs(name)
    assert len(outs) == len(exp)
    for i, (o, e) in enumerate(zip(outs, exp)):
        np.testing.assert_allclose(o.asnumpy(), e, rtol=1e-4, atol=1e-5, err_msg='output %d' % i)


@pytest.mark.parametrize('name', GRAD_CASES)
def test_case_backward_matches_mxnet(name):
    res, _ = _build(name)
    raw = _case_args(name)
    args = {k: mx.nd.array(v) for k, v in raw.items()}
    grads = {k: mx.nd.zeros(v.shape) for k, v in raw.items()}
    ex = res['sym'].bind(mx.cpu(), args, args_grad=grads, grad_req='write')
    outs = ex.forward(is_train=True)
    heads = [mx.nd.array(ARR['%s/head/%d' % (name, i)]) for i in range(len(outs))]
    ex.backward(heads)
    for k in raw:
        np.testing.assert_allclose(grads[k].asnumpy(), ARR['%s/grad/%s' % (name, k)],
                                   rtol=1e-4, atol=1e-5, err_msg=k)


def test_unfused_cell_reproduces_fused_op():
    """FusedRNNCell.unfuse() with the fused vector unpacked/repacked: same outputs as RNN."""
    fused_res, _ = _build('fused_lstm_2l_bidir')
    unf_res, _ = _build('fused_lstm_2l_bidir_unfused')
    fused = fused_res['cell']
    flat = mx.nd.array(ARR['fused_lstm_2l_bidir/arg/fl_parameters'])
    args = unf_res['cell'].pack_weights(fused.unpack_weights({'fl_parameters': flat}))
    args['data'] = mx.nd.array(ARR['fused_lstm_2l_bidir/arg/data'])
    assert sorted(args) == sorted(unf_res['sym'].list_arguments())
    out = unf_res['sym'].bind(mx.cpu(), args, grad_req='null').forward()[0].asnumpy()
    np.testing.assert_allclose(out, ARR['fused_lstm_2l_bidir/out/0'], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out, ARR['fused_lstm_2l_bidir_unfused/out/0'], rtol=1e-4,
                               atol=1e-5)


# -- unpack / pack -------------------------------------------------------------------------------
@pytest.mark.parametrize('name', list(FIX['unpack']))
def test_unpack_weights_matches_mxnet(name):
    res, _ = _build(name)
    cell = res['cell']
    params = {k: mx.nd.array(v) for k, v in _case_args(name).items()
              if k in cell.params._params}
    unpacked = cell.unpack_weights(params)
    assert list(unpacked) == FIX['unpack'][name]
    for k, v in unpacked.items():
        np.testing.assert_array_equal(v.asnumpy(), ARR['unpack/%s/%s' % (name, k)], err_msg=k)
    repacked = cell.pack_weights(unpacked)
    assert sorted(repacked) == sorted(params)
    for k, v in params.items():
        assert repacked[k].shape == v.shape
        np.testing.assert_array_equal(repacked[k].asnumpy(), v.asnumpy(), err_msg=k)


def test_unpack_does_not_alias_inputs():
    cell = mx.rnn.LSTMCell(2, prefix='a_')
    w = mx.nd.array(np.arange(8 * 3, dtype=np.float32).reshape(8, 3))
    args = {'a_i2h_weight': w, 'a_i2h_bias': mx.nd.zeros((8,)),
            'a_h2h_weight': mx.nd.zeros((8, 2)), 'a_h2h_bias': mx.nd.zeros((8,))}
    out = cell.unpack_weights(args)
    assert 'a_i2h_weight' in args and 'a_i2h_weight' not in out
    out['a_i2h_f_weight'][:] = -1
    assert w.asnumpy().min() == 0


# -- checkpoints -------------------------------------------------------------------------------
def _ckpt_cell_and_sym():
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with mx.name.NameManager():
            cell = mx.rnn.FusedRNNCell(3, num_layers=2, mode='lstm', prefix='ck_',
                                       get_next_state=False)
            emb = mx.sym.Embedding(mx.sym.Variable('data'), input_dim=7, output_dim=4,
                                   name='emb')
            o, _ = cell.unroll(3, emb, layout='TNC', merge_outputs=True)
            sym = mx.sym.FullyConnected(o, num_hidden=2, flatten=False, name='fc')
    return cell, sym


def test_save_rnn_checkpoint_writes_mxnet_bytes(tmp_path):
    ck = FIX['checkpoint']
    cell, sym = _ckpt_cell_and_sym()
    args = {k: mx.nd.array(ARR['ckpt/arg/%s' % k]) for k in ck['arg_order']}
    prefix = str(tmp_path / 'm')
    mx.rnn.save_rnn_checkpoint(cell, prefix, 3, sym, args, {})
    with open(prefix + '-0003.params', 'rb') as f:
        assert f.read() == base64.b64decode(ck['params_b64'])
    with open(prefix + '-symbol.json') as f:
        assert f.read() == ck['symbol']


def test_load_rnn_checkpoint_of_mxnet_file(tmp_path):
    ck = FIX['checkpoint']
    prefix = str(tmp_path / 'mx')
    with open(prefix + '-0003.params', 'wb') as f:
        f.write(base64.b64decode(ck['params_b64']))
    with open(prefix + '-symbol.json', 'w') as f:
        f.write(ck['symbol'])
    cell, _ = _ckpt_cell_and_sym()
    sym, arg, aux = mx.rnn.load_rnn_checkpoint(cell, prefix, 3)
    assert sorted(arg) == ck['loaded_keys']
    assert aux == {}
    for k in ck['arg_order']:
        np.testing.assert_array_equal(arg[k].asnumpy(), ARR['ckpt/arg/%s' % k], err_msg=k)
    assert sym.tojson() == ck['symbol']


def test_do_rnn_checkpoint_period(tmp_path):
    cell, sym = _ckpt_cell_and_sym()
    args = {k: mx.nd.array(ARR['ckpt/arg/%s' % k]) for k in FIX['checkpoint']['arg_order']}
    prefix = str(tmp_path / 'cb')
    cb = mx.rnn.do_rnn_checkpoint(cell, prefix, period=2)
    for epoch in range(4):
        cb(epoch, sym, args, {})
    files = sorted(os.listdir(str(tmp_path)))
    assert files == ['cb-0002.params', 'cb-0004.params', 'cb-symbol.json']
    _, arg, _ = mx.rnn.load_rnn_checkpoint([cell], prefix, 4)
    np.testing.assert_array_equal(arg['ck_parameters'].asnumpy(),
                                  ARR['ckpt/arg/ck_parameters'])


# -- the bucketing language model ------------------------------------------------------------------


@pytest.fixture(scope='module')
def bucketing():
    with open(os.path.join(BUCKET_DIR, 'symbols.json')) as f:
        syms = json.load(f)
    with open(os.path.join(BUCKET_DIR, 'bucketing.json')) as f:
        info = json.load(f)
    arrays = dict(np.load(os.path.join(BUCKET_DIR, 'bucketing.npz')))
    return syms, info, arrays


@pytest.mark.parametrize('key', [5, 10])
def test_bucketing_symbol_matches_mxnet(bucketing, key):
    syms, _, _ = bucketing
    exp = syms[str(key)]
    sym_gen = lm_sym_gen(lm_stack())
    sym_gen(3)  # a previous bucket must not leak into the next one's names
    with mx.name.NameManager():
        sym, dn, ln = sym_gen(key)
    assert (dn, ln) == (('data',), ('softmax_label',))
    assert json.loads(sym.tojson()) == exp['tojson']
    assert len(exp['tojson']['nodes']) == exp['num_nodes']
    assert sym.list_arguments() == exp['list_arguments']
    assert sym.list_outputs() == exp['list_outputs']
    assert sym.list_auxiliary_states() == exp['list_auxiliary_states']
    a_s, o_s, _ = sym.infer_shape(data=(4, key), softmax_label=(4, key))
    assert [list(s) for s in a_s] == [exp['arg_shapes'][n] for n in exp['list_arguments']]
    assert [list(s) for s in o_s] == [exp['out_shapes'][n] for n in exp['list_outputs']]


@pytest.mark.parametrize('key', [10, 5])
def test_bucketing_forward_backward_matches_mxnet(bucketing, key):
    _, _, arrays = bucketing
    sym_gen = lm_sym_gen(lm_stack())
    with mx.name.NameManager():
        sym, _, _ = sym_gen(key)
    name = 'b%d' % key
    args = {k[5:]: mx.nd.array(v) for k, v in arrays.items() if k.startswith('init/')}
    args['data'] = mx.nd.array(arrays['batch/%s/data' % name])
    args['softmax_label'] = mx.nd.array(arrays['batch/%s/label' % name])
    grads = {k: mx.nd.zeros(v.shape) for k, v in args.items()
             if k not in ('data', 'softmax_label')}
    req = {k: ('write' if k in grads else 'null') for k in args}
    ex = sym.bind(mx.cpu(), args, args_grad=grads, grad_req=req)
    out = ex.forward(is_train=True)[0].asnumpy()
    np.testing.assert_allclose(out, arrays['fwd/%s/out/softmax_output' % name],
                               rtol=1e-5, atol=1e-6)
    ex.backward()
    for k, g in grads.items():
        np.testing.assert_allclose(g.asnumpy(), arrays['fwd/%s/grad/%s' % (name, k)],
                                   rtol=1e-5, atol=1e-6, err_msg=k)


def test_bucketing_cell_section(bucketing):
    _, info, arrays = bucketing
    cell_fx = info['cell']
    stack = lm_stack()
    assert stack.state_info == [{'shape': tuple(s['shape']), '__layout__': s['__layout__']}
                                for s in cell_fx['state_info']]
    with mx.name.NameManager():
        stack.reset()
        outs, states = stack.unroll(3, inputs=mx.sym.Variable('x'), merge_outputs=False)
    assert [o.name for o in outs] == cell_fx['unroll3_list_outputs_names']
    assert [s.name for s in states] == cell_fx['unroll3_states_names']
    group = mx.sym.Group(list(outs) + list(states))
    assert json.loads(group.tojson()) == cell_fx['unroll3_group_tojson']
    with mx.name.NameManager():
        stack.reset()
        merged, _ = stack.unroll(3, inputs=mx.sym.Variable('x'), merge_outputs=True)
    assert json.loads(merged.tojson()) == cell_fx['unroll3_merged_tojson']

    init = {k[5:]: mx.nd.array(v) for k, v in arrays.items() if k.startswith('init/')}
    unpacked = stack.unpack_weights(init)
    assert sorted(unpacked) == cell_fx['unpack_weights_names']
    for k, v in arrays.items():
        if k.startswith('unpacked/'):
            np.testing.assert_array_equal(unpacked[k[9:]].asnumpy(), v, err_msg=k)
    repacked = stack.pack_weights(unpacked)
    exact = all(np.array_equal(repacked[k].asnumpy(), init[k].asnumpy()) for k in init)
    assert exact == cell_fx['pack_unpack_roundtrip_exact']


# -- rnn io --------------------------------------------------------------------------------------
@pytest.fixture(scope='module')
def rnn_io():
    with open(os.path.join(BUCKET_DIR, 'rnn_io.json')) as f:
        return json.load(f)


def _sentences(rnn_io):
    return [s.split() for s in rnn_io['sentences']]


def test_encode_sentences(rnn_io):
    sents = _sentences(rnn_io)
    enc = rnn_io['encode_sentences']
    runs = {
        'invalid0_start1': lambda: mx.rnn.encode_sentences(sents, invalid_label=0,
                                                           start_label=1),
        'defaults': lambda: mx.rnn.encode_sentences(sents),
        'invalid_inside_range': lambda: mx.rnn.encode_sentences(sents[:3], invalid_label=2,
                                                                start_label=0),
        'given_vocab_unknown_token': lambda: mx.rnn.encode_sentences(
            [['the', 'cat', 'sat'], ['a', 'cat']],
            vocab={'\n': 0, 'the': 1, '<unk>': 2, 'cat': 3}, invalid_label=0, start_label=4,
            unknown_token='<unk>'),
    }
    for key, run in runs.items():
        coded, vocab = run()
        assert coded == enc[key]['coded'], key
        assert sorted(vocab.items(), key=lambda kv: kv[1]) == list(enc[key]['vocab'].items()), key
    assert enc['given_vocab_unknown_no_token'].startswith('raises')
    # MXNet raises AssertionError('Unknown token zzz'); tfmod's bad-input error is MXNetError
    with pytest.raises(mx.base.MXNetError, match='Unknown token zzz'):
        mx.rnn.encode_sentences([['zzz']], vocab={'\n': 0, 'the': 1})


@contextlib.contextmanager
def _no_shuffle():
    a, b = random.shuffle, np.random.shuffle
    random.shuffle = lambda *args, **kw: None
    np.random.shuffle = lambda *args, **kw: None
    try:
        yield
    finally:
        random.shuffle, np.random.shuffle = a, b


def _desc(d):
    return {'name': d.name, 'shape': list(d.shape), 'dtype': np.dtype(d.dtype).name,
            'layout': d.layout}


def _batch(b):
    def arr(a):
        return {'shape': list(a.shape), 'dtype': np.dtype(a.dtype).name,
                'values': a.asnumpy().tolist()}
    return {'data': [arr(a) for a in b.data], 'label': [arr(a) for a in b.label],
            'pad': b.pad, 'index': b.index, 'bucket_key': b.bucket_key,
            'provide_data': [_desc(d) for d in b.provide_data],
            'provide_label': [_desc(d) for d in b.provide_label]}


@pytest.mark.parametrize('case,kwargs', [
    ('buckets_5_10', dict(batch_size=2, buckets=[5, 10], invalid_label=0)),
    ('buckets_auto', dict(batch_size=2, invalid_label=0)),
    ('buckets_3_6_12_TN', dict(batch_size=3, buckets=[3, 6, 12], invalid_label=0, layout='TN',
                               data_name='tok', label_name='next_tok')),
])
def test_bucket_sentence_iter(rnn_io, case, kwargs):
    exp = rnn_io['BucketSentenceIter'][case]
    coded = rnn_io['encode_sentences']['invalid0_start1']['coded']
    out = io.StringIO()
    with _no_shuffle(), contextlib.redirect_stdout(out):
        it = mx.rnn.BucketSentenceIter(coded, **kwargs)
        batches = [_batch(b) for b in it]
        it.reset()
        batches2 = [_batch(b) for b in it]
    assert isinstance(it, mx.io.DataIter)
    assert out.getvalue() == exp['stdout']
    assert it.buckets == exp['buckets']
    assert it.default_bucket_key == exp['default_bucket_key']
    assert [_desc(d) for d in it.provide_data] == exp['provide_data']
    assert [_desc(d) for d in it.provide_label] == exp['provide_label']
    assert [list(i) for i in it.idx] == exp['idx']
    assert [b.tolist() for b in it.data] == exp['bucket_data']
    assert batches == exp['batches']
    assert (batches == batches2) == exp['second_epoch_identical']


def test_bucket_sentence_iter_shuffles_and_discards(capsys):
    coded = [[1, 2, 3]] * 6 + [[4, 5]] * 4 + [[1] * 9]
    np.random.seed(0)
    random.seed(0)
    it = mx.rnn.BucketSentenceIter(coded, batch_size=2, buckets=[2, 3], invalid_label=0)
    assert 'discarded 1 sentences' in capsys.readouterr().out
    keys = sorted(b.bucket_key for b in it)
    assert keys == [2, 2, 3, 3, 3]
    it.reset()
    assert len(list(it)) == 5


# -- behaviour and errors --------------------------------------------------------------------------
def test_state_shapes_and_begin_state_names():
    cell = mx.rnn.FusedRNNCell(5, num_layers=3, mode='gru', bidirectional=True)
    assert cell.state_shape == [(6, 0, 5)]
    assert cell.state_info == [{'shape': (6, 0, 5), '__layout__': 'LNC'}]
    lstm = mx.rnn.LSTMCell(4)
    names = [s.name for s in lstm.begin_state() + lstm.begin_state()]
    assert names == ['lstm_begin_state_%d' % i for i in range(4)]
    lstm.reset()
    assert lstm.begin_state()[0].name == 'lstm_begin_state_0'


def test_params_sharing():
    params = mx.rnn.RNNParams('shared_')
    a = mx.rnn.LSTMCell(3, prefix='a_', params=params)
    b = mx.rnn.LSTMCell(3, prefix='b_', params=params)
    with mx.name.NameManager():
        oa, _ = a.unroll(2, mx.sym.Variable('x'))
        ob, _ = b.unroll(2, oa)
    args = mx.sym.Group(ob).list_arguments()
    assert args == ['x', 'shared_i2h_weight', 'shared_i2h_bias', 'shared_h2h_weight',
                    'shared_h2h_bias']
    assert args[2:3] == ['shared_i2h_bias']
    assert a.params is params


def test_stack_with_params_and_child_params_refused():
    stack = mx.rnn.SequentialRNNCell(params=mx.rnn.RNNParams('x_'))
    with pytest.raises(mx.base.MXNetError,
                       match='Either specify params for SequentialRNNCell or child cells'):
        stack.add(mx.rnn.LSTMCell(4))


def test_unsteppable_cells_raise():
    x = mx.sym.Variable('x')
    with pytest.raises(NotImplementedError):
        mx.rnn.FusedRNNCell(3)(x, [])
    bi = mx.rnn.BidirectionalCell(mx.rnn.GRUCell(2, prefix='l_'), mx.rnn.GRUCell(2, prefix='r_'))
    with pytest.raises(NotImplementedError):
        bi(x, [])
    stack = mx.rnn.SequentialRNNCell()
    stack.add(bi)
    # MXNet: a bare AssertionError from the Bidirectional child; tfmod names the cell
    with pytest.raises(mx.base.MXNetError, match='Bidirectional cannot be stepped'):
        stack(x, stack.begin_state())


def test_modifier_rules():
    base = mx.rnn.LSTMCell(3)
    zone = mx.rnn.ZoneoutCell(base, zoneout_states=0.1)
    # MXNet raises AssertionError with these messages; tfmod raises MXNetError with the same text
    with pytest.raises(mx.base.MXNetError, match='After applying modifier cells'):
        base.begin_state()
    assert [s.name for s in zone.begin_state()] == ['lstm_begin_state_0', 'lstm_begin_state_1']
    assert zone.params is base.params
    with pytest.raises(mx.base.MXNetError, match="FusedRNNCell doesn't support zoneout"):
        mx.rnn.ZoneoutCell(mx.rnn.FusedRNNCell(3))
    with pytest.raises(mx.base.MXNetError, match="BidirectionalCell doesn't support zoneout"):
        mx.rnn.ZoneoutCell(mx.rnn.BidirectionalCell(mx.rnn.GRUCell(2, prefix='l_'),
                                                    mx.rnn.GRUCell(2, prefix='r_')))
    with pytest.raises(mx.base.MXNetError, match='dropout probability must be a number'):
        mx.rnn.DropoutCell('0.5')


def test_zoneout_of_plain_stack_and_stack_begin_state_func():
    stack = mx.rnn.SequentialRNNCell()
    stack.add(mx.rnn.ResidualCell(mx.rnn.GRUCell(3, prefix='g0_')))
    stack.add(mx.rnn.GRUCell(3, prefix='g1_'))
    states = stack.begin_state(func=mx.sym.Variable)
    assert [s.name for s in states] == ['g0_begin_state_0', 'g1_begin_state_0']
    assert states[0].attr('__layout__') == 'NC'
    zone = mx.rnn.ZoneoutCell(stack, zoneout_outputs=0.2)
    outs, _ = zone.unroll(2, mx.sym.Variable('x'), merge_outputs=True)
    _, out_shapes, _ = outs.infer_shape(x=(2, 2, 3))
    assert out_shapes == [(2, 2, 3)]


def test_fused_rnn_init_attribute_and_initializer():
    cell = mx.rnn.FusedRNNCell(3, num_layers=1, mode='lstm', forget_bias=0.25, prefix='q_')
    param = cell.params._params['q_parameters']
    assert json.loads(param.attr('__init__')) == [
        'fusedrnn', {'init': None, 'num_hidden': 3, 'num_layers': 1, 'mode': 'lstm',
                     'bidirectional': False, 'forget_bias': 0.25}]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        out, _ = cell.unroll(2, mx.sym.Variable('data'), merge_outputs=True)
    mod = mx.mod.Module(out, data_names=['data'], label_names=None)
    mod.bind(data_shapes=[('data', (2, 2, 4))], for_training=False)
    mod.init_params(mx.init.Uniform(0.1))
    flat = mod.get_params()[0]['q_parameters']
    un = cell.unpack_weights({'q_parameters': flat})
    np.testing.assert_array_equal(un['q_l0_i2h_f_bias'].asnumpy(), [0.25] * 3)
    np.testing.assert_array_equal(un['q_l0_h2h_f_bias'].asnumpy(), [0.25] * 3)
    np.testing.assert_array_equal(un['q_l0_i2h_i_bias'].asnumpy(), [0.0] * 3)


def test_lstm_bias_initializer_attribute():
    cell = mx.rnn.LSTMCell(2, prefix='fb_', forget_bias=3.0)
    out, _ = cell.unroll(1, mx.sym.Variable('data'), merge_outputs=True)
    mod = mx.mod.Module(out, data_names=['data'], label_names=None)
    mod.bind(data_shapes=[('data', (1, 1, 2))], for_training=False)
    mod.init_params(mx.init.Uniform(0.1))
    bias = mod.get_params()[0]['fb_i2h_bias'].asnumpy()
    np.testing.assert_array_equal(bias, [0, 0, 3, 3, 0, 0, 0, 0])


def test_unroll_input_checks():
    cell = mx.rnn.GRUCell(2)
    # MXNet raises AssertionError for each (the second one without a message); tfmod raises
    # MXNetError with MXNet's text, and names the length mismatch
    with pytest.raises(mx.base.MXNetError, match=r'unroll\(inputs=None\) has been deprecated'):
        cell.unroll(3, None)
    with pytest.raises(mx.base.MXNetError, match='got 2 input steps for length 3'):
        cell.unroll(3, [mx.sym.Variable('a'), mx.sym.Variable('b')])
    grouped = mx.sym.Group([mx.sym.Variable('a'), mx.sym.Variable('b')])
    with pytest.raises(mx.base.MXNetError, match="unroll doesn't allow grouped symbol"):
        cell.unroll(2, grouped)
    with pytest.raises(mx.base.MXNetError, match='Unsupported layout NCT'):
        mx.rnn.FusedRNNCell(2).unroll(2, mx.sym.Variable('d'), layout='NCT')


def test_module_namespace():
    for name in ('RNNParams', 'BaseRNNCell', 'RNNCell', 'LSTMCell', 'GRUCell', 'FusedRNNCell',
                 'SequentialRNNCell', 'DropoutCell', 'ModifierCell', 'ZoneoutCell',
                 'ResidualCell', 'BidirectionalCell', 'ConvRNNCell', 'ConvLSTMCell',
                 'ConvGRUCell', 'encode_sentences', 'BucketSentenceIter', 'save_rnn_checkpoint',
                 'load_rnn_checkpoint', 'do_rnn_checkpoint', 'rnn_cell', 'io', 'rnn'):
        assert hasattr(mx.rnn, name), name
