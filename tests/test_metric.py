"""mx.metric replays MXNet 1.9.1's recorded metric traces (tests/fixtures/modules/metrics/).

Every configuration of metrics.json is replayed: each trace (init, update(b0), update(b1),
reset_local(), update(b2), reset()) with NDArray inputs and again with numpy inputs, the
error case, the all-positive-label cases, both update_dict cases and every construction
probe. See tests/fixtures/modules/README.md section 3 and Pitfalls 12-14.
"""
import json
import math
import os
from collections import OrderedDict

import numpy as np
import pytest

import tfmod as mx
from tfmod import metric as M
from tfmod import ndarray as nd
from tfmod.base import MXNetError
from support import metric_programs

HERE = os.path.join(os.path.dirname(__file__), 'fixtures', 'modules', 'metrics')
with open(os.path.join(HERE, 'metrics.json')) as _f:
    FIX = json.load(_f)
with np.load(os.path.join(HERE, 'inputs.npz')) as _z:
    INPUTS = {k: _z[k] for k in _z.files}

TRACE_CONFIGS = [k for k, v in FIX.items() if isinstance(v, dict) and 'trace' in v]


def _custom_mae(label, pred):
    return np.abs(label.ravel() - pred.ravel()).mean()


def _custom_tuple(label, pred):
    return float(np.abs(label.ravel() - pred.ravel()).sum()), int(label.size)


# how each recorded configuration was constructed (its ``constructed_as``)
FACTORIES = {
    'accuracy': lambda: M.Accuracy(),
    'accuracy_class_index_preds': lambda: M.Accuracy(),
    'accuracy_axis2_seq': lambda: M.Accuracy(axis=2),
    'top_k_2': lambda: M.TopKAccuracy(top_k=2),
    'top_k_3': lambda: M.TopKAccuracy(top_k=3),
    'f1_macro': lambda: M.F1(),
    'f1_micro': lambda: M.F1(average='micro'),
    'mcc_macro': lambda: M.MCC(),
    'mcc_micro': lambda: M.MCC(average='micro'),
    'perplexity_none': lambda: M.Perplexity(ignore_label=None),
    'perplexity_ignore0_seq3d': lambda: M.Perplexity(ignore_label=0),
    'perplexity_ignore0_seqflat': lambda: M.Perplexity(ignore_label=0),
    'perplexity_none_seqflat': lambda: M.Perplexity(ignore_label=None),
    'perplexity_ignore0_cls': lambda: M.Perplexity(ignore_label=0),
    'mae': lambda: M.MAE(),
    'mse': lambda: M.MSE(),
    'rmse': lambda: M.RMSE(),
    'mae_2d': lambda: M.MAE(),
    'mse_2d': lambda: M.MSE(),
    'rmse_2d': lambda: M.RMSE(),
    'cross_entropy': lambda: M.CrossEntropy(),
    'nll': lambda: M.NegativeLogLikelihood(),
    'pearson_macro': lambda: M.PearsonCorrelation(),
    'pearson_micro': lambda: M.PearsonCorrelation(average='micro'),
    'pcc': lambda: M.PCC(),
    'loss': lambda: M.Loss(),
    'composite_acc_ce': lambda: M.CompositeEvalMetric(metrics=['acc', 'ce']),
    'custom_np_scalar': lambda: M.np(_custom_mae),
    'custom_tuple': lambda: M.CustomMetric(_custom_tuple),
    'custom_lambda': lambda: M.CustomMetric(lambda l, p: float((l == p.argmax(1)).mean())),
}


def _rtol(config):
    # Perplexity and Loss are float32 NDArray sums in MXNet (README section 3)
    return 1e-5 if config.startswith(('perplexity', 'loss')) else 1e-6


def _batches(kind, as_nd=True):
    out = []
    for b in range(3):
        if kind == 'clsidx_cls':
            lab, prd = INPUTS['cls/%d/label' % b], INPUTS['clsidx/%d/pred' % b]
        elif kind == 'loss':
            lab, prd = INPUTS['cls/%d/label' % b], INPUTS['loss/%d/pred' % b]
        elif kind == 'seqflat':
            lab, prd = INPUTS['seq/%d/label' % b], INPUTS['seq/%d/pred' % b].reshape(-1, 5)
        else:
            lab, prd = INPUTS['%s/%d/label' % (kind, b)], INPUTS['%s/%d/pred' % (kind, b)]
        if as_nd:
            out.append(([nd.array(lab)], [nd.array(prd)]))
        else:
            out.append(([lab], [prd]))
    return out


def _close(got, want, rtol, where):
    if isinstance(want, list):
        assert isinstance(got, (list, tuple)) and len(got) == len(want), (where, got, want)
        for i, (g, w) in enumerate(zip(got, want)):
            _close(g, w, rtol, '%s[%d]' % (where, i))
    elif isinstance(want, str) or want is None:
        assert got == want, (where, got, want)
    elif isinstance(want, float) and math.isnan(want):
        assert isinstance(got, (float, np.floating)) and math.isnan(got), (where, got)
    else:
        assert got == pytest.approx(want, rel=rtol, abs=1e-12), (where, got, want)


def _snap(m):
    return OrderedDict([
        ('get', list(m.get())),
        ('get_name_value', [list(t) for t in m.get_name_value()]),
        ('get_global', list(m.get_global())),
        ('get_global_name_value', [list(t) for t in m.get_global_name_value()]),
        ('num_inst', getattr(m, 'num_inst', None)),
        ('global_num_inst', getattr(m, 'global_num_inst', None))])


def _check_snap(m, want, rtol, where):
    got = _snap(m)
    assert list(got) == list(want)
    for key in want:
        if key in ('num_inst', 'global_num_inst'):
            assert got[key] == want[key], (where, key, got[key], want[key])   # exact
        else:
            _close(got[key], want[key], rtol, '%s.%s' % (where, key))


def test_every_recorded_config_has_a_factory():
    assert sorted(TRACE_CONFIGS) == sorted(FACTORIES)


@pytest.mark.parametrize('as_nd', [True, False], ids=['ndarray', 'numpy'])
@pytest.mark.parametrize('config', TRACE_CONFIGS)
def test_trace(config, as_nd):
    rec = FIX[config]
    m = FACTORIES[config]()
    assert m.name == rec['name']
    assert type(m).__name__ == rec['class']
    if isinstance(rec['get_config'], str):
        kind, msg = rec['get_config'].split(': ', 1)
        exc = {'raises NotImplementedError': NotImplementedError}[kind]
        with pytest.raises(exc, match=msg):
            m.get_config()
    else:
        assert m.get_config() == rec['get_config']
    bs = _batches(rec['inputs'], as_nd)
    ops = [('update(batch0)', lambda: m.update(*bs[0])),
           ('update(batch1)', lambda: m.update(*bs[1])),
           ('reset_local()', m.reset_local),
           ('update(batch2)', lambda: m.update(*bs[2])),
           ('reset()', m.reset)]
    rtol = _rtol(config)
    trace = rec['trace']
    assert trace[0]['op'] == 'init'
    _check_snap(m, trace[0]['after'], rtol, config + '@init')
    for (op, fn), step in zip(ops, trace[1:]):
        assert step['op'] == op
        fn()
        _check_snap(m, step['after'], rtol, '%s@%s' % (config, op))
    if 'error' in rec:
        assert rec['error_after_ops'] == [t['op'] for t in trace]
        op, fn = ops[len(trace) - 1]
        with pytest.raises(MXNetError) as ei:
            fn()
        want = rec['error'].split(': ')[-1]
        assert want in str(ei.value)
    else:
        assert len(trace) == len(ops) + 1


def test_perplexity_3d_error_is_the_recorded_one():
    rec = FIX['perplexity_ignore0_seq3d']
    assert rec['error'].endswith('Shape inconsistent, Provided = [12], inferred shape=[2,6]')
    m = M.Perplexity(ignore_label=0)
    with pytest.raises(MXNetError, match=r'Provided = \[12\], inferred shape=\[2,6\]'):
        m.update(*_batches('seq')[0])


@pytest.mark.parametrize('config,factory', [
    ('f1_macro_all_positive_labels', lambda: M.F1()),
    ('mcc_macro_all_positive_labels', lambda: M.MCC())])
def test_all_positive_labels(config, factory):
    rec = FIX[config]
    assert rec['inputs'] == 'bin/3'
    m = factory()
    m.update([nd.array(INPUTS['bin/3/label'])], [nd.array(INPUTS['bin/3/pred'])])
    _check_snap(m, rec['after_one_update'], 1e-6, config)


def _named_inputs():
    lab = OrderedDict([('lab_a', nd.array(INPUTS['cls/1/label'])),
                       ('lab_b', nd.array(INPUTS['cls/0/label']))])
    prd = OrderedDict([('out_a', nd.array(INPUTS['cls/1/pred'])),
                       ('out_b', nd.array(INPUTS['cls/0/pred']))])
    return lab, prd


def test_update_dict_selects_names():
    m = M.Accuracy(output_names=['out_b'], label_names=['lab_b'])
    m.update_dict(*_named_inputs())
    _check_snap(m, FIX['update_dict_selects_names']['after'], 1e-6, 'update_dict_selects')


def test_update_dict_no_names_uses_all():
    m = M.Accuracy()
    m.update_dict(*_named_inputs())
    _check_snap(m, FIX['update_dict_no_names_uses_all']['after'], 1e-6, 'update_dict_all')


def test_composite_update_dict_filters_then_delegates():
    comp = M.CompositeEvalMetric(['acc'], output_names=['out_b'], label_names=['lab_b'])
    comp.update_dict(*_named_inputs())
    name, value = FIX['update_dict_selects_names']['after']['get']
    _close(list(comp.get()), [[name], [value]], 1e-6, 'comp')


PROBES = FIX['construction_probes']


@pytest.mark.parametrize('expr', list(PROBES))
def test_construction_probe(expr):
    rec = PROBES[expr]
    env = {'mx': type('mx', (), {'metric': M}), '_custom_mae': _custom_mae}
    code = 'mx.metric.' + expr
    if 'raises' in rec:
        exc = {'AssertionError': AssertionError, 'TypeError': TypeError}[rec['raises']]
        with pytest.raises(exc) as ei:
            eval(code, env)   # noqa: S307 -- fixed expressions from the fixture
        want = rec['message'].split(': ', 1)[1]
        assert str(ei.value).startswith(want), (str(ei.value), want)
        return
    got = eval(code, env)   # noqa: S307
    if 'returns' in rec:
        _close(list(got), rec['returns'], 0, expr)
        return
    assert type(got).__name__ == rec['class']
    assert got.name == rec['name']
    _close([list(t) for t in got.get_name_value()], rec['get_name_value_fresh'], 0, expr)
    if 'children' in rec:
        assert [[type(c).__name__, c.name] for c in got.metrics] == rec['children']


# -------------------------------------------------------------------------------------------
# behaviour beyond the recorded traces: support/metric_programs.py, recorded from MXNet 1.9.1 by
# tools/record_metric_programs.py (fixtures/metric_programs); the tests below it spell out the same
# values and the tfmod-only details
# -------------------------------------------------------------------------------------------
EXTRA = json.load(open(os.path.join(os.path.dirname(__file__), 'fixtures', 'metric_programs',
                                    'metric_programs.json')))['programs']


def _same(got, want, where):
    """Recorded answer vs tfmod's; an exception must be an instance of MXNet's class (tfmod's
    MXNetError subclasses MXNet's built-in type) whose message starts with MXNet's (tfmod may
    add detail, e.g. the registered names); floats to 1e-12 (Python double arithmetic)."""
    if isinstance(want, list) and want[:1] == ['raises']:
        assert got[:1] == ['raises'], (where, got)
        assert want[1][0] in got[1], (where, got[1])
        assert got[2].startswith(want[2]), (where, got[2])
    elif isinstance(want, dict):
        assert sorted(got) == sorted(want), where
        for k in want:
            _same(got[k], want[k], '%s/%s' % (where, k))
    elif isinstance(want, list):
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want)):
            _same(g, w, '%s/%d' % (where, i))
    elif isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-12, abs=0), where
    else:
        assert got == want, where


@pytest.mark.parametrize('program', metric_programs.PROGRAMS)
def test_program_matches_mxnet(program):
    got = json.loads(json.dumps(getattr(metric_programs, program)(mx),
                                default=lambda o: o.item()))
    _same(got, EXTRA[program], program)


MXNET_REGISTRY = {
    'acc': 'Accuracy', 'accuracy': 'Accuracy', 'caffe': 'Caffe', 'ce': 'CrossEntropy',
    'composite': 'CompositeEvalMetric', 'compositeevalmetric': 'CompositeEvalMetric',
    'crossentropy': 'CrossEntropy', 'custommetric': 'CustomMetric', 'f1': 'F1',
    'loss': 'Loss', 'mae': 'MAE', 'mcc': 'MCC', 'mse': 'MSE',
    'negativeloglikelihood': 'NegativeLogLikelihood', 'nll_loss': 'NegativeLogLikelihood',
    'pcc': 'PCC', 'pearsoncorrelation': 'PearsonCorrelation', 'pearsonr': 'PearsonCorrelation',
    'perplexity': 'Perplexity', 'rmse': 'RMSE', 'top_k_acc': 'TopKAccuracy',
    'top_k_accuracy': 'TopKAccuracy', 'topkaccuracy': 'TopKAccuracy', 'torch': 'Torch'}


def test_registry_has_every_mxnet_name():
    for key, cls in MXNET_REGISTRY.items():
        assert M._REGISTRY[key].__name__ == cls, key
    assert M.create('ACC').name == 'accuracy'   # names are case-insensitive


def test_unknown_name_is_mxnet_error_listing_names():
    with pytest.raises(MXNetError) as ei:
        M.create('nonexistent')
    assert isinstance(ei.value, AssertionError)   # what MXNet raises
    msg = str(ei.value)
    assert msg.startswith('nonexistent is not registered. Please register with '
                          'metric.register first')
    for key in ('acc', 'top_k_accuracy', 'nll_loss', 'pearsonr', 'composite'):
        assert key in msg


def test_label_pred_count_mismatch():
    acc = M.Accuracy()
    with pytest.raises(MXNetError,
                       match=r'^Shape of labels 1 does not match shape of predictions 2$'):
        acc.update([nd.array([1, 2])], [nd.ones((2, 3)), nd.ones((2, 3))])
    with pytest.raises(ValueError, match='Shape of labels 6 does not match shape of '
                                         'predictions 5'):
        acc.update([nd.array([1, 2, 3, 0, 1, 1])], [nd.ones((5, 4))])
    with pytest.raises(MXNetError, match=r'Shape of labels \(6,\) does not match shape of '
                                         r'predictions \(6, 2\)'):
        M.PearsonCorrelation().update([nd.ones((6,))], [nd.ones((6, 2))])
    with pytest.raises(AssertionError, match=r'shape mismatch: \(6,\) vs. \(5, 2\)'):
        M.Perplexity(None).update([nd.ones((6,))], [nd.ones((5, 2))])
    with pytest.raises(AssertionError, match='Predictions should be no more than 2 dims'):
        M.TopKAccuracy(top_k=2).update([nd.ones((5,))], [nd.ones((5, 2, 3))])


def test_check_label_shapes_wraps_single_arrays():
    a, b = nd.ones((3,)), np.ones((3, 2))
    la, lb = M.check_label_shapes(a, b, wrap=True)
    # tfmod also wraps a numpy array; MXNet 1.9.1 wraps NDArrays only (recorded:
    # metric_programs.label_shapes_and_user_metric)
    assert la == [a] and lb == [b]
    with pytest.raises(MXNetError, match=r'\(3,\) .* \(3, 2\)'):
        M.check_label_shapes(a, b, shape=True)


def test_f1_rejects_multiclass_labels():
    with pytest.raises(ValueError, match='only supports binary classification'):
        M.F1().update([nd.array([0, 1, 2])], [nd.ones((3, 2))])


def test_get_config_round_trips_through_create():
    for m in (M.Accuracy(axis=2, name='a2'), M.CrossEntropy(eps=1e-5),
              M.Perplexity(ignore_label=3), M.create(['acc', 'ce', 'mse'])):
        cfg = m.get_config()
        again = M.create(cfg)
        assert type(again) is type(m) and again.get_config() == cfg
    # MXNet appends '_<k>' to the given name again: TopK configs do not round-trip
    assert M.create(M.TopKAccuracy(top_k=4).get_config()).name == 'top_k_accuracy_4_4'
    assert M.create('["acc", {"axis": 2}]').axis == 2
    assert M.create('{"metric": "top_k_acc", "top_k": 5}').name == 'top_k_accuracy_5'


def test_create_instance_rejects_extra_args():
    acc = M.Accuracy()
    assert M.create(acc) is acc
    with pytest.raises(AssertionError, match='already an instance'):
        M.create(acc, 3)


def test_register_and_alias_user_metric():
    @M.register
    @M.alias('my_sum_metric_alias')
    class MySumMetric(M.EvalMetric):
        def __init__(self, name='mysum', **kw):
            super().__init__(name, **kw)

        def update(self, labels, preds):
            for p in preds:
                self.sum_metric += float(M._host(p).sum())
                self.num_inst += 1

    m = M.create('my_sum_metric_alias')
    assert isinstance(m, MySumMetric)
    m.update([nd.ones((2,))], [nd.ones((2,))])
    # no global stats: get_global falls back to the local value
    assert m.get() == ('mysum', 2.0) and m.get_global() == ('mysum', 2.0)
    assert m.get_global_name_value() == [('mysum', 2.0)]
    assert str(m) == "EvalMetric: {'mysum': 2.0}"
    assert M.create('mysummetric').name == 'mysum'


def test_composite_quirks():
    comp = M.create(['acc'])
    assert comp.name == 'composite'
    assert isinstance(comp.get_metric(0), M.Accuracy)
    err = comp.get_metric(5)                       # MXNet returns the error object
    assert isinstance(err, ValueError) and 'out of range 0 and 1' in str(err)
    assert not hasattr(comp, 'num_inst')
    comp.add('mse')
    names, values = comp.get()
    assert names == ['accuracy', 'mse'] and len(values) == 2 and all(map(math.isnan, values))


def test_pcc_grows_with_class_indices():
    # MXNet 1.9.1's values: metric_programs.pcc_class_indices (test_program_matches_mxnet)
    p = M.PCC()
    p.update([nd.array([0, 1, 5, 2])], [nd.array([0, 1, 2, 5])])
    assert p.k == 6
    assert p.get()[1] == pytest.approx(1 / 3) and p.get_global()[1] == pytest.approx(1 / 3)
    c = M.PCC()
    c.update([nd.array([0, 1, 1, 0])], [nd.array([[.2, .8], [.1, .9], [.9, .1], [.6, .4]])])
    assert c.get() == ('pcc', 0.0)


def test_loss_accepts_single_array_and_ignores_labels():
    m = M.Loss()
    m.update(None, nd.array([[0, 1, 0], [0, 0.5, .5], [1, 0, 0]]))
    assert m.num_inst == 9
    assert m.get()[1] == pytest.approx(1 / 3)
    assert M.create('torch').name == 'torch' and isinstance(M.Caffe(), M.Loss)


def test_perplexity_counts_and_value():
    m = M.Perplexity(0)
    m.update([nd.array([1, 2, 0])], [nd.array([[0, 1, 0], [0, 0.5, .5], [1, 0, 0]])])
    assert m.num_inst == 2.0
    assert m.get()[1] == pytest.approx(1.414213563719889, rel=1e-6)


def test_custom_metric_allow_extra_outputs():
    m = M.np(lambda l, p: float(p.sum()), allow_extra_outputs=True)
    assert m.name == 'custom(<lambda>)'
    m.update([nd.ones((2,))], [nd.ones((2,)), nd.ones((3,))])   # extra output ignored
    assert m.get()[1] == 2.0
    with pytest.raises(MXNetError, match='Shape of labels 1 does not match shape of '
                                         'predictions 2'):
        M.CustomMetric(lambda l, p: 0.0).update([nd.ones((2,))], [nd.ones((2,))] * 2)
