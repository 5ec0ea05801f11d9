"""NumericGuard's check inside the compiled training step: what it covers and when it is on.

The step sums every updated weight, aux state and output (not the gradients: an update can
overflow finite values into an Inf, as MXNet 1.9.1's does -- recorded by
tools/record_numeric_guard.py), and it checks only while a guard reads its flag."""
import json
import os

import numpy as np
import pytest

import tfmod as mx

FIX = os.path.join(os.path.dirname(__file__), 'fixtures', 'numeric_guard')
MXNetError = mx.base.MXNetError


def _case(name):
    with open(os.path.join(FIX, name + '.json')) as f:
        rec = json.load(f)
    return rec, np.load(os.path.join(FIX, name + '.npz')), \
        mx.sym.load(os.path.join(FIX, name + '-symbol.json'))


def _expected(first):
    """The guard's message for MXNet's first non-finite batch."""
    (name, kind, nan, inf, size), others = first['bad'][0], first['bad'][1:]
    msg = "NumericGuard: %s '%s' (%d NaN, %d Inf of %d values) became non-finite at epoch %d, " \
          "batch %d" % (kind, name, nan, inf, size, first['epoch'], first['nbatch'])
    if others:
        msg += '; also non-finite: ' + ', '.join('%s %s' % (o[1], o[0]) for o in others)
    return msg


def _fit(name, batch_size, lr, guard, **kw):
    rec, d, sym = _case(name)
    it = mx.io.NDArrayIter(d['x'], d['y'], batch_size=batch_size, label_name='lin_label')
    mod = mx.mod.Module(sym, label_names=['lin_label'])
    with np.errstate(over='ignore', invalid='ignore'):
        mod.fit(it, num_epoch=1, optimizer='sgd', optimizer_params={'learning_rate': lr},
                arg_params={k: mx.nd.array(d[k]) for k in d.files if k not in ('x', 'y')},
                eval_metric='mse', batch_end_callback=guard, **kw)
    return mod


def test_a_weight_overflowing_from_finite_gradients_is_caught_in_the_step():
    rec, _, _ = _case('overflow')
    first = rec['first_bad']
    assert first['grads_finite'] and first['nbatch'] >= 1   # MXNet: finite gradient, Inf weight
    guard = mx.callback.NumericGuard()
    with pytest.raises(MXNetError) as err:
        _fit('overflow', 1, rec['lr'], guard)
    assert str(err.value) == _expected(first)
    assert guard.trace_count == 1       # only batch 0 used the guard's own check


def test_an_aux_state_alone_going_non_finite_is_caught_in_the_step():
    rec, _, _ = _case('bn_aux')
    first = rec['first_bad']
    assert [b[1] for b in first['bad']] == ['auxiliary state']   # MXNet: nothing else is bad
    with pytest.raises(MXNetError) as err:
        _fit('bn_aux', 8, 0.1, mx.callback.NumericGuard(),
             aux_params={'bn_moving_mean': mx.nd.zeros(4), 'bn_moving_var': mx.nd.ones(4)})
    assert str(err.value) == _expected(first)


def test_outputs_are_checked_when_a_monitor_unfuses_the_step():
    rec, d, sym = _case('bn_aux')
    x = d['x'][:16].copy()
    x[:, 2] = 1.0
    x[13, 1] = np.nan                          # batch 1; parameters fixed: only outputs go bad
    it = mx.io.NDArrayIter(x, d['y'][:16], batch_size=8, label_name='lin_label')
    mod = mx.mod.Module(sym, label_names=['lin_label'],
                        fixed_param_names=['bn_gamma', 'bn_beta', 'fc_weight', 'fc_bias'])
    with pytest.raises(MXNetError, match=r"^NumericGuard: output 'lin_output' \(\d+ NaN, 0 Inf "
                                         r"of 8 values\) became non-finite at epoch 0, batch 1$"):
        mod.fit(it, num_epoch=1, arg_params={k: mx.nd.array(d[k]) for k in d.files
                                             if k not in ('x', 'y')},
                eval_metric='mse', monitor=mx.monitor.Monitor(1, pattern='nothing'),
                batch_end_callback=mx.callback.NumericGuard())


def test_the_step_stops_checking_once_no_guard_reads_it():
    _, d, sym = _case('bn_aux')
    # a healthy run: the data without batch 2
    it = mx.io.NDArrayIter(d['x'][:16], d['y'][:16], batch_size=8, label_name='lin_label')
    batch = mx.io.DataBatch([mx.nd.array(d['x'][:8])], [mx.nd.array(d['y'][:8])])
    mod = mx.mod.Module(sym, label_names=['lin_label'])
    mod.fit(it, num_epoch=1, eval_metric='mse', initializer=mx.init.Xavier())
    step = mod._train_step
    assert not step.check_finite
    mod.fit(it, num_epoch=2, batch_end_callback=mx.callback.NumericGuard(), eval_metric='mse')
    assert step.check_finite and step.last_bad is None     # on for the guard, flag read
    mod.forward_backward(batch)
    mod.update()                       # fit is over: this step still checks, nobody reads it
    assert step.check_finite and step.last_bad is not None
    mod.forward_backward(batch)
    mod.update()                       # ... so the next one switches the check off
    assert not step.check_finite and step.last_bad is None
    mod.fit(it, num_epoch=1, eval_metric='mse')             # a fit without the guard
    assert not step.check_finite and step.last_bad is None
