"""mx.metric behaviours beyond the recorded traces, as programs run identically on MXNet 1.9.1
and tfmod (``mx`` passed in). tools/record_metric_programs.py records MXNet's answers into
tests/fixtures/metric_programs/metric_programs.json; tests/test_metric.py replays them on tfmod.
Each program returns JSON-able values; an exception becomes ['raises', [its class and base
class names], first line of its message].
No tfmod import here.
"""
import numpy as np


def _nd(mx, v):
    return mx.nd.array(v)


def registry_names(mx):
    names = ['acc', 'accuracy', 'caffe', 'ce', 'composite', 'crossentropy', 'f1', 'loss', 'mae',
             'mcc', 'mse', 'negativeloglikelihood', 'nll_loss', 'pcc', 'pearsoncorrelation',
             'pearsonr', 'perplexity', 'rmse', 'top_k_acc', 'top_k_accuracy', 'topkaccuracy',
             'torch', 'ACC']
    def one(n):
        kw = {'perplexity': {'ignore_label': None}}.get(n, {})
        if n in ('top_k_acc', 'top_k_accuracy', 'topkaccuracy'):
            kw = {'top_k': 3}
        m = mx.metric.create(n, **kw)
        return [type(m).__name__, m.name]
    return {n: one(n) for n in names}


def pcc_class_indices(mx):
    p = mx.metric.PCC()
    p.update([_nd(mx, [0, 1, 5, 2])], [_nd(mx, [0, 1, 2, 5])])
    c = mx.metric.PCC()
    c.update([_nd(mx, [0, 1, 1, 0])], [_nd(mx, [[.2, .8], [.1, .9], [.9, .1], [.6, .4]])])
    return {'k': p.k, 'get': list(p.get()), 'global': list(p.get_global()),
            'binary': list(c.get())}


def loss_single_array(mx):
    m = mx.metric.Loss()
    m.update(None, _nd(mx, [[0, 1, 0], [0, 0.5, .5], [1, 0, 0]]))
    return {'num_inst': m.num_inst, 'get': list(m.get()), 'torch': mx.metric.create('torch').name}


def perplexity_ignore(mx):
    m = mx.metric.Perplexity(0)
    m.update([_nd(mx, [1, 2, 0])], [_nd(mx, [[0, 1, 0], [0, 0.5, .5], [1, 0, 0]])])
    return {'num_inst': float(m.num_inst), 'get': list(m.get())}


def custom_extra_outputs(mx):
    m = mx.metric.np(lambda l, p: float(p.sum()), allow_extra_outputs=True)
    m.update([mx.nd.ones((2,))], [mx.nd.ones((2,)), mx.nd.ones((3,))])
    return {'name': m.name, 'get': list(m.get())}


def composite_quirks(mx):
    comp = mx.metric.create(['acc'])
    err = comp.get_metric(5)
    comp.add('mse')
    names, values = comp.get()
    return {'name': comp.name, 'err': [type(err).__name__, str(err)], 'names': names,
            'nan': [bool(np.isnan(v)) for v in values], 'has_num_inst': hasattr(comp, 'num_inst')}


def config_names(mx):
    return {'topk_again': mx.metric.create(mx.metric.TopKAccuracy(top_k=4).get_config()).name,
            'list_axis': mx.metric.create('["acc", {"axis": 2}]').axis,
            'dict_topk': mx.metric.create('{"metric": "top_k_acc", "top_k": 5}').name}


def _raises(f):
    try:
        f()
    except Exception as e:  # noqa: BLE001 -- the recorded answer is the exception itself
        return ['raises', [c.__name__ for c in type(e).__mro__], str(e).split('\n')[0]]
    return ['no error']


def errors(mx):
    M, nd = mx.metric, mx.nd
    return {
        'unknown_name': _raises(lambda: M.create('nonexistent')),
        'count_mismatch': _raises(lambda: M.Accuracy().update(
            [nd.array([1, 2])], [nd.ones((2, 3)), nd.ones((2, 3))])),
        'acc_shape': _raises(lambda: M.Accuracy().update(
            [nd.array([1, 2, 3, 0, 1, 1])], [nd.ones((5, 4))])),
        'pcc_shape': _raises(lambda: M.PearsonCorrelation().update(
            [nd.ones((6,))], [nd.ones((6, 2))])),
        'perplexity_shape': _raises(lambda: M.Perplexity(None).update(
            [nd.ones((6,))], [nd.ones((5, 2))])),
        'topk_dims': _raises(lambda: M.TopKAccuracy(top_k=2).update(
            [nd.ones((5,))], [nd.ones((5, 2, 3))])),
        'f1_multiclass': _raises(lambda: M.F1().update([nd.array([0, 1, 2])], [nd.ones((3, 2))])),
        'instance_extra_args': _raises(lambda: M.create(M.Accuracy(), 3)),
    }


def label_shapes_and_user_metric(mx):
    """check_label_shapes' wrapping and shape error, a registered and aliased user metric
    (get/get_global fallback, str, names), CustomMetric without allow_extra_outputs, and the
    get_config round trip of a few metrics."""
    M, nd = mx.metric, mx.nd
    a, b = nd.ones((3,)), nd.ones((3, 2))
    la, lb = M.check_label_shapes(a, b, wrap=True)     # (MXNet leaves a numpy array unwrapped)
    out = {'wrap': [type(la).__name__, len(la), la[0] is a, type(lb).__name__, lb[0] is b],
           'shape_error': _raises(lambda: M.check_label_shapes(a, np.ones((3, 2)),
                                                               shape=True))}

    @M.register
    @M.alias('my_sum_metric_alias')
    class MySumMetric(M.EvalMetric):
        def __init__(self, name='mysum', **kw):
            super().__init__(name, **kw)

        def update(self, labels, preds):
            for p in preds:
                self.sum_metric += float(p.asnumpy().sum())
                self.num_inst += 1
    m = M.create('my_sum_metric_alias')
    m.update([nd.ones((2,))], [nd.ones((2,))])
    out['user'] = {'class': type(m).__name__, 'get': list(m.get()),
                   'global': list(m.get_global()),
                   'global_name_value': [list(t) for t in m.get_global_name_value()],
                   'str': str(m), 'by_class_name': M.create('mysummetric').name}
    out['custom_two_preds'] = _raises(lambda: M.CustomMetric(lambda l, p: 0.0).update(
        [nd.ones((2,))], [nd.ones((2,))] * 2))
    configs = {}
    for key, met in (('acc_axis', M.Accuracy(axis=2, name='a2')),
                     ('ce_eps', M.CrossEntropy(eps=1e-5)),
                     ('perplexity', M.Perplexity(ignore_label=3)),
                     ('composite', M.create(['acc', 'ce', 'mse']))):
        cfg = met.get_config()
        again = M.create(cfg)
        configs[key] = [type(again).__name__, again.get_config() == cfg, again.name]
    out['configs'] = configs
    return out


PROGRAMS = ['registry_names', 'pcc_class_indices', 'loss_single_array', 'perplexity_ignore',
            'custom_extra_outputs', 'composite_quirks', 'config_names', 'errors',
            'label_shapes_and_user_metric']
