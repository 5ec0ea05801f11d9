"""``mx.callback.NumericGuard`` (tfmod issue 16, part 5): fit stops at the first batch whose
parameters or outputs hold NaN/Inf, naming them; a healthy run is unchanged by it.

Where a diverging fit first turns non-finite is recorded from MXNet 1.9.1, which trains on
(tools/record_numeric_guard.py -> tests/fixtures/numeric_guard/)."""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from tfmod.batch_end_param import BatchEndParam

FIX = os.path.join(os.path.dirname(__file__), 'fixtures', 'numeric_guard')
MXNetError = mx.base.MXNetError
PARAMS = ('fc1_weight', 'fc1_bias', 'fc2_weight', 'fc2_bias')


def _diverge_setup():
    with open(os.path.join(FIX, 'diverge.json')) as f:
        rec = json.load(f)
    d = np.load(os.path.join(FIX, 'diverge.npz'))
    sym = mx.sym.load(os.path.join(FIX, 'diverge-symbol.json'))
    return rec, d, sym


def _fit(sym, d, lr, callbacks, num_epoch):
    it = mx.io.NDArrayIter(d['x'], d['y'], batch_size=8, label_name='lin_label')
    mod = mx.mod.Module(sym, label_names=['lin_label'])
    mod.fit(it, num_epoch=num_epoch, optimizer='sgd', optimizer_params={'learning_rate': lr},
            arg_params={k: mx.nd.array(d[k]) for k in PARAMS}, eval_metric='mse',
            batch_end_callback=callbacks)
    return mod


def test_stops_at_the_batch_mxnet_first_goes_non_finite():
    rec, d, sym = _diverge_setup()
    seen = []
    guard = mx.callback.NumericGuard()
    with pytest.raises(MXNetError) as err, np.errstate(over='ignore', invalid='ignore'):
        _fit(sym, d, rec['lr'], [guard, lambda p: seen.append((p.epoch, p.nbatch))], 4)
    first = rec['first_bad']
    msg = str(err.value)
    bad = first['bad']
    # the first non-finite array (argument order) is named with its batch, the others listed
    assert ("parameter '%s'" % bad[0]) in msg, msg
    assert 'epoch %d, batch %d' % (first['epoch'], first['nbatch']) in msg, msg
    for name in bad[1:]:
        assert name in msg.split('also non-finite:')[1], msg
    for name in set(PARAMS) - set(bad):
        assert name not in msg, msg
    # it raised at that batch, before the callbacks after it: they saw only the finite ones
    assert len(seen) == rec['finite_batches_before']
    assert guard.trace_count == 1


def test_healthy_run_trains_to_the_same_parameters_with_the_guard():
    _, d, sym = _diverge_setup()
    guard = mx.callback.NumericGuard()
    off = _fit(sym, d, 1e-4, None, 3).get_params()[0]
    on = _fit(sym, d, 1e-4, guard, 3).get_params()[0]
    for k in PARAMS:
        assert np.isfinite(on[k].asnumpy()).all()
        np.testing.assert_array_equal(on[k].asnumpy(), off[k].asnumpy())
    assert not np.array_equal(on['fc1_weight'].asnumpy(), d['fc1_weight'])   # it trained
    assert guard.trace_count == 1     # one compiled check, traced once for 24 batches


def test_non_finite_output_with_fixed_parameters_is_named():
    _, d, sym = _diverge_setup()
    x = d['x'].copy()
    x[21, 3] = np.nan                       # batch 2 of epoch 0 holds a NaN sample
    it = mx.io.NDArrayIter(x, d['y'], batch_size=8, label_name='lin_label')
    mod = mx.mod.Module(sym, label_names=['lin_label'], fixed_param_names=list(PARAMS))
    with pytest.raises(MXNetError, match=r"output 'lin_output' \(1 NaN, 0 Inf of 8 values\) "
                                         r"became non-finite at epoch 0, batch 2$"):
        mod.fit(it, num_epoch=1, arg_params={k: mx.nd.array(d[k]) for k in PARAMS},
                eval_metric='mse', batch_end_callback=mx.callback.NumericGuard())


def _bucket_iter(n_batches, nan_batch=None):
    """Batches of 4 sequences whose length (the bucket key) cycles through 3, 5 and 7; batch
    ``nan_batch`` holds one NaN."""
    rng = np.random.RandomState(0)
    batches = []
    for i in range(n_batches):
        t = (3, 5, 7)[i % 3]
        x = rng.rand(4, t)
        if i == nan_batch:
            x[2, 1] = np.nan
        batches.append(mx.io.DataBatch(
            [mx.nd.array(x)], [mx.nd.array(rng.rand(4, 1))], bucket_key=t,
            provide_data=[mx.io.DataDesc('data', (4, t))],
            provide_label=[mx.io.DataDesc('lin_label', (4, 1))]))

    class It(mx.io.DataIter):
        def __init__(self):
            super().__init__(4)
            self.provide_data = [mx.io.DataDesc('data', (4, 7))]
            self.provide_label = [mx.io.DataDesc('lin_label', (4, 1))]
            self.default_bucket_key = 7

        def __iter__(self):
            return iter(batches)

        def reset(self):
            pass
    return It()


def _bucket_sym(t):
    d = mx.sym.Variable('data')
    h = mx.sym.FullyConnected(mx.sym.sum(d, axis=1, keepdims=True), num_hidden=4, name='fc1')
    out = mx.sym.FullyConnected(h * float(t), num_hidden=1, name='fc2')
    return mx.sym.LinearRegressionOutput(out, name='lin'), ('data',), ('lin_label',)


def test_bucketing_module_checks_the_bucket_that_just_ran():
    # parameters fixed: only the output of the batch with the NaN (bucket 5) is non-finite,
    # which the guard sees only in that bucket's module (the default bucket's output is stale)
    mod = mx.mod.BucketingModule(_bucket_sym, default_bucket_key=7,
                                 fixed_param_names=['fc1_weight', 'fc1_bias', 'fc2_weight',
                                                    'fc2_bias'])
    with pytest.raises(MXNetError, match=r"^NumericGuard: output 'lin_output' \(1 NaN, 0 Inf "
                                         r"of 4 values\) became non-finite at epoch 0, batch 4$"):
        mod.fit(_bucket_iter(9, nan_batch=4), num_epoch=1, eval_metric='mse',
                initializer=mx.init.Xavier(), batch_end_callback=mx.callback.NumericGuard())


def test_bucketing_healthy_run_traces_the_check_once():
    guard = mx.callback.NumericGuard()
    mod = mx.mod.BucketingModule(_bucket_sym, default_bucket_key=7)
    mod.fit(_bucket_iter(9), num_epoch=3, optimizer_params={'learning_rate': 1e-3},
            eval_metric='mse', initializer=mx.init.Xavier(), batch_end_callback=guard)
    # the buckets share their parameters and output signature: one compiled check for all
    assert guard.trace_count == 1


def test_bad_use_raises_mxneterror():
    with pytest.raises(MXNetError, match='frequent'):
        mx.callback.NumericGuard(frequent=0)
    with pytest.raises(MXNetError, match="locals\\['self'\\]"):
        mx.callback.NumericGuard()(BatchEndParam(epoch=0, nbatch=0, eval_metric=None,
                                                 locals={}))


def test_several_devices_name_the_device_of_a_non_finite_output():
    _, d, sym = _diverge_setup()
    x = d['x'].copy()
    x[21, 3] = np.nan                 # batch 2, row 5: the second device's half of the batch
    it = mx.io.NDArrayIter(x, d['y'], batch_size=8, label_name='lin_label')
    mod = mx.mod.Module(sym, label_names=['lin_label'], context=[mx.cpu(0), mx.cpu(1)],
                        fixed_param_names=list(PARAMS))
    with pytest.raises(MXNetError, match=r"output 'lin_output \(device 1\)' \(1 NaN, 0 Inf of "
                                         r"4 values\) became non-finite at epoch 0, batch 2$"):
        mod.fit(it, num_epoch=1, arg_params={k: mx.nd.array(d[k]) for k in PARAMS},
                eval_metric='mse', batch_end_callback=mx.callback.NumericGuard())


def test_several_devices_stop_a_diverging_fit_at_the_same_batch():
    rec, d, sym = _diverge_setup()
    it = mx.io.NDArrayIter(d['x'], d['y'], batch_size=8, label_name='lin_label')
    mod = mx.mod.Module(sym, label_names=['lin_label'], context=[mx.cpu(0), mx.cpu(1)])
    first = rec['first_bad']
    with pytest.raises(MXNetError, match=r"parameter '%s' .* at epoch %d, batch %d"
                       % (first['bad'][0], first['epoch'], first['nbatch'])), \
            np.errstate(over='ignore', invalid='ignore'):
        mod.fit(it, num_epoch=4, optimizer='sgd', kvstore='local',
                optimizer_params={'learning_rate': rec['lr']},
                arg_params={k: mx.nd.array(d[k]) for k in PARAMS}, eval_metric='mse',
                batch_end_callback=mx.callback.NumericGuard())


def test_frequent_checks_every_nth_and_each_epochs_last_batch():
    rec, d, sym = _diverge_setup()
    first = rec['first_bad']           # epoch 2, batch 2 in MXNet: the next checked batch is 3
    with pytest.raises(MXNetError, match=r"at epoch %d, batch %d" % (
            first['epoch'], first['nbatch'] + 1)), np.errstate(over='ignore', invalid='ignore'):
        _fit(sym, d, rec['lr'], mx.callback.NumericGuard(frequent=3), 4)
    # outputs unchecked: a NaN sample in the epoch's last batch (7) is found in the parameters
    x = d['x'].copy()
    x[60, 0] = np.nan
    it = mx.io.NDArrayIter(x, d['y'], batch_size=8, label_name='lin_label')
    mod = mx.mod.Module(sym, label_names=['lin_label'])
    with pytest.raises(MXNetError, match=r"^NumericGuard: parameter 'fc1_weight' \(128 NaN, 0 Inf "
                                         r"of 128 values\) became non-finite at epoch 0, batch 7; "
                                         r"also non-finite: parameter fc1_bias, parameter "
                                         r"fc2_weight, parameter fc2_bias$"):
        mod.fit(it, num_epoch=1, arg_params={k: mx.nd.array(d[k]) for k in PARAMS},
                eval_metric='mse',
                batch_end_callback=mx.callback.NumericGuard(check_outputs=False, frequent=5))
