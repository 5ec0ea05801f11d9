"""mx.callback against MXNet 1.9.1 (fixtures/modules/callbacks/log_lines.json, README section 11):
the MLP is trained with Module.fit for every recorded callback setup and every logging line is
compared in order (speeds, times and paths substituted as the recording did)."""
import os
import re

import numpy as np
import pytest

import tensorflow as tf

import tfmod as mx
import tfmod.contrib.tensorboard  # noqa: F401  (mx.contrib.tensorboard)
from support import module_replay as R
from support.log_capture import capture_logs  # noqa: E402

LOG = R.load_json('callbacks', 'log_lines.json')
FIT_RUNS = ['speedometer_auto_reset', 'speedometer_no_auto_reset', 'log_train_metric',
            'log_train_metric_auto_reset', 'progressbar', 'validation_callbacks_and_do_checkpoint',
            'two_metrics']




def _scrub(lines, tmpdir=None):
    out = []
    for ln in lines:
        if tmpdir:
            ln = ln.replace(tmpdir, '<DIR>')
        ln = re.sub(r'Speed: ([0-9.]+(e[+-]?[0-9]+)?|inf) samples/sec',
                    'Speed: <SPEED> samples/sec', ln)
        ln = re.sub(r'Time cost=[0-9.]+', 'Time cost=<SECONDS>', ln)
        out.append(ln)
    return out


def _mlp_data(n, seed):
    """The oracle's data: RandomState(seed).randn(n, 10), then randint(0, 4, n), as float32."""
    r = np.random.RandomState(seed)
    return r.randn(n, 10).astype(np.float32), r.randint(0, 4, (n,)).astype(np.float32)


def _callbacks(name, tmpdir):
    cb = mx.callback
    return {
        'speedometer_auto_reset': dict(batch_end_callback=cb.Speedometer(8, frequent=2)),
        'speedometer_no_auto_reset': dict(batch_end_callback=cb.Speedometer(8, frequent=2,
                                                                            auto_reset=False)),
        'log_train_metric': dict(batch_end_callback=cb.log_train_metric(2)),
        'log_train_metric_auto_reset': dict(batch_end_callback=cb.log_train_metric(
            2, auto_reset=True)),
        'progressbar': dict(batch_end_callback=cb.ProgressBar(total=6, length=12)),
        'validation_callbacks_and_do_checkpoint': dict(
            eval_end_callback=cb.LogValidationMetricsCallback(),
            epoch_end_callback=cb.do_checkpoint(os.path.join(tmpdir, 'ck'), period=2)),
        'two_metrics': dict(batch_end_callback=cb.Speedometer(8, frequent=3),
                            eval_metric=['acc', 'ce']),
    }[name]


@pytest.mark.parametrize('name', FIT_RUNS)
def test_fit_log_lines(name, tmp_path):
    arg, _ = R.init_params('mlp')
    x, y = _mlp_data(48, 101)
    xv, yv = _mlp_data(16, 102)
    tmpdir = str(tmp_path)
    kw = _callbacks(name, tmpdir)
    eval_metric = kw.pop('eval_metric', 'acc')
    mod = mx.mod.Module(R.net_symbol('mlp'))
    with capture_logs() as lines:
        mod.fit(mx.io.NDArrayIter(x, y, batch_size=8),
                eval_data=mx.io.NDArrayIter(xv, yv, batch_size=8), eval_metric=eval_metric,
                optimizer='sgd', optimizer_params={'learning_rate': 0.1}, arg_params=arg,
                num_epoch=2, **kw)
    assert _scrub(lines, tmpdir) == LOG[name]['log_lines']
    if name == 'validation_callbacks_and_do_checkpoint':
        # period=2: only the second epoch is written
        assert sorted(os.listdir(tmpdir)) == ['ck-0002.params', 'ck-symbol.json']
        sym, a, _ = mx.model.load_checkpoint(os.path.join(tmpdir, 'ck'), 2)
        got = mod.get_params()[0]
        for k, v in a.items():
            np.testing.assert_array_equal(v.asnumpy(), got[k].asnumpy())


def test_speedometer_without_metric_direct_calls():
    sp = mx.callback.Speedometer(8, frequent=1)
    with capture_logs() as lines:
        for nb in range(3):
            sp(mx.model.BatchEndParam(epoch=0, nbatch=nb, eval_metric=None, locals=None))
    assert _scrub(lines) == LOG['speedometer_no_metric_direct_calls']['log_lines']


def test_speedometer_restarts_when_nbatch_goes_back():
    sp = mx.callback.Speedometer(4, frequent=2)
    with capture_logs() as lines:
        for nb in (0, 1, 2, 0, 1, 2, 3, 4):
            sp(mx.model.BatchEndParam(epoch=1, nbatch=nb, eval_metric=None, locals=None))
    # the first call of each epoch only starts the clock
    assert _scrub(lines) == ['Iter[1] Batch [2]\tSpeed: <SPEED> samples/sec'] * 2 + \
        ['Iter[1] Batch [4]\tSpeed: <SPEED> samples/sec']
    speeds = [float(re.search(r'Speed: (\S+)', ln).group(1)) for ln in lines]
    assert all(s > 0 for s in speeds)


def test_progressbar_and_log_train_metric_direct():
    metric = mx.metric.create('acc')
    metric.update([mx.nd.array([0, 1, 1, 0])], [mx.nd.array([[1, 0], [0, 1], [1, 0], [1, 0]])])
    with capture_logs() as lines:
        mx.callback.ProgressBar(total=3, length=6)(
            mx.model.BatchEndParam(epoch=0, nbatch=3, eval_metric=None, locals=None))
        cb = mx.callback.log_train_metric(1, auto_reset=True)
        cb(mx.model.BatchEndParam(epoch=2, nbatch=5, eval_metric=metric, locals=None))
        cb(mx.model.BatchEndParam(epoch=2, nbatch=6, eval_metric=None, locals=None))
    assert lines == ['[======] 100%\r', 'Iter[2] Batch[5] Train-accuracy=0.750000']
    assert np.isnan(metric.get_name_value()[0][1])          # reset_local() was called
    assert metric.get_global_name_value()[0][1] == 0.75


def test_module_checkpoint_with_optimizer_states(tmp_path):
    arg, _ = R.init_params('mlp')
    x, y = _mlp_data(16, 101)
    prefix = str(tmp_path / 'm')
    mod = mx.mod.Module(R.net_symbol('mlp'))
    with capture_logs() as lines:
        mod.fit(mx.io.NDArrayIter(x, y, batch_size=8), optimizer='sgd',
                optimizer_params={'learning_rate': 0.1, 'momentum': 0.9}, arg_params=arg,
                num_epoch=3,
                epoch_end_callback=mx.callback.module_checkpoint(mod, prefix, period=2,
                                                                 save_optimizer_states=True))
    assert sorted(os.listdir(str(tmp_path))) == ['m-0002.params', 'm-0002.states',
                                                 'm-symbol.json']
    assert 'Saved checkpoint to "%s-0002.params"' % prefix in lines
    assert 'Saved optimizer state to "%s-0002.states"' % prefix in lines
    mod2 = mx.mod.Module.load(prefix, 2, load_optimizer_states=True)
    mod2.bind([('data', (8, 10))], [('softmax_label', (8,))])
    mod2.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.1,
                                                           'momentum': 0.9})
    assert mod2._updater.states


def test_validation_callback_ignores_missing_metric():
    with capture_logs() as lines:
        mx.callback.LogValidationMetricsCallback()(
            mx.model.BatchEndParam(epoch=0, nbatch=0, eval_metric=None, locals=None))
    assert lines == []


# -- mx.contrib.tensorboard ------------------------------------------------------------------------
def _events(logdir):
    """[(step, tag, value, plugin)] of every summary in the event files under logdir."""
    out = []
    for fname in sorted(os.listdir(logdir)):
        for rec in tf.data.TFRecordDataset(os.path.join(logdir, fname)):
            ev = tf.compat.v1.Event.FromString(rec.numpy())
            for v in ev.summary.value:
                out.append((ev.step, v.tag, float(tf.make_ndarray(v.tensor)),
                            v.metadata.plugin_data.plugin_name))
    return out


def test_tensorboard_log_metrics_callback(tmp_path):
    arg, _ = R.init_params('mlp')
    x, y = _mlp_data(48, 101)
    xv, yv = _mlp_data(16, 102)
    train_dir, eval_dir = str(tmp_path / 'train'), str(tmp_path / 'eval')
    tb = mx.contrib.tensorboard
    train_cb = tb.LogMetricsCallback(train_dir)
    eval_cb = tb.LogMetricsCallback(eval_dir, prefix='eval')
    mod = mx.mod.Module(R.net_symbol('mlp'))
    with capture_logs() as lines:
        mod.fit(mx.io.NDArrayIter(x, y, batch_size=8),
                eval_data=mx.io.NDArrayIter(xv, yv, batch_size=8), eval_metric=['acc', 'ce'],
                optimizer='sgd', optimizer_params={'learning_rate': 0.1}, arg_params=arg,
                num_epoch=2, batch_end_callback=[train_cb, mx.callback.log_train_metric(1)],
                eval_end_callback=eval_cb)
    train_cb.close()
    eval_cb.close()
    logged = [re.match(r'Iter\[(\d+)\] Batch\[\d+\] Train-(\S+)=(\S+)', ln) for ln in lines]
    want = [(int(m.group(1)), m.group(2), float(m.group(3))) for m in logged if m]
    got = _events(train_dir)
    assert len(want) == 2 * 6 * 2 and len(got) == len(want)
    for (step, tag, value, plugin), (wstep, wtag, wvalue) in zip(got, want):
        # as in MXNet the step is the epoch; one scalar per metric per batch
        assert (step, tag, plugin) == (wstep, wtag, 'scalars')
        assert value == pytest.approx(wvalue, abs=1e-6)
    # the recorded MXNet validation values, under the prefixed names
    ev = _events(eval_dir)
    rec = [ln for ln in LOG['two_metrics']['log_lines'] if 'Validation' in ln]
    vals = [(int(re.search(r'Epoch\[(\d+)\]', ln).group(1)), 'eval-' + ln.split('Validation-')[1]
             .split('=')[0], float(ln.split('=')[1])) for ln in rec]
    assert [(s, t) for s, t, _, _ in ev] == [(s, t) for s, t, _ in vals]
    for (_, _, v, _), (_, _, w) in zip(ev, vals):
        assert v == pytest.approx(w, abs=1e-6)


def test_tensorboard_callback_without_metric_writes_nothing(tmp_path):
    cb = mx.contrib.tensorboard.LogMetricsCallback(str(tmp_path))
    cb(mx.model.BatchEndParam(epoch=0, nbatch=0, eval_metric=None, locals=None))
    m = mx.metric.create('mse')
    m.update([mx.nd.array([1.0, 2.0])], [mx.nd.array([1.5, 2.0])])
    cb(mx.model.BatchEndParam(epoch=4, nbatch=0, eval_metric=m, locals=None))
    cb.close()
    assert _events(str(tmp_path)) == [(4, 'mse', 0.125, 'scalars')]
