"""A checkpoint's ``.params`` and ``.states`` are saved as one unit (tfmod issue 16): states first,
params last, the states recording a digest of their params, so a mismatched pair is refused;
temporaries of an interrupted save are removed by the next one; a process killed while saving
every step leaves a newest complete pair that resumes bit-exactly."""
import glob
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import tfmod as mx
from tfmod import checkpoint, fileio

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, 'support', 'checkpoint_kill_worker.py')
_spec = importlib.util.spec_from_file_location('checkpoint_kill_worker', WORKER)
worker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(worker)


def _trained(steps=2):
    mod = worker.make_module(mx)
    for s in range(steps):
        worker.train_step(mx, mod, s)
    return mod


def _load(prefix, epoch):
    mod = mx.mod.Module.load(prefix, epoch, load_optimizer_states=True, context=mx.cpu(0))
    worker.bind_and_init(mx, mod)
    return mod


def test_pair_loads_and_a_stale_states_is_refused(tmp_path):
    prefix = str(tmp_path / 'ck')
    mod = _trained()
    mod.save_checkpoint(prefix, 1, save_optimizer_states=True)
    loaded = _load(prefix, 1)
    assert loaded._updater.get_states() == mod._updater.get_states()
    worker.train_step(mx, mod, 2)
    mod.save_checkpoint(prefix, 1)          # new .params, the .states beside it is now stale
    with pytest.raises(mx.base.MXNetError, match='ck-0001.states belongs to a different'):
        mx.mod.Module.load(prefix, 1, load_optimizer_states=True)
    fresh = mx.mod.Module.load(prefix, 1)
    worker.bind_and_init(mx, fresh)
    with pytest.raises(mx.base.MXNetError, match='mismatched optimizer states'):
        fresh.load_optimizer_states(prefix + '-0001.states')


def test_interrupted_save_leaves_a_refused_pair_not_a_wrong_one(tmp_path, monkeypatch):
    prefix = str(tmp_path / 'ck')
    mod = _trained()
    mod.save_checkpoint(prefix, 1, save_optimizer_states=True)
    worker.train_step(mx, mod, 2)
    real = fileio.atomic_write

    def crash_on_params(path, data):
        if path.endswith('.params'):
            raise KeyboardInterrupt('killed')
        real(path, data)
    monkeypatch.setattr(checkpoint, 'atomic_write', crash_on_params)
    with pytest.raises(KeyboardInterrupt):
        mod.save_checkpoint(prefix, 1, save_optimizer_states=True)
    monkeypatch.undo()
    assert not glob.glob(str(tmp_path / '.*.tmp'))
    with pytest.raises(mx.base.MXNetError, match='belongs to a different'):
        mx.mod.Module.load(prefix, 1, load_optimizer_states=True)
    mx.mod.Module.load(prefix, 1)           # the params alone still load (MXNet's format)


def test_stale_temporaries_removed_by_next_save(tmp_path):
    """A killed writer's temporaries go with the next save of the same checkpoint; a live
    process's (another worker saving prefix-1 beside prefix) and other files' stay."""
    dead = subprocess.Popen([sys.executable, '-c', 'pass'])
    dead.wait()
    live = os.getppid()
    prefix = str(tmp_path / 'ck')
    stale = ['.ck-0001.params.%d.abc.tmp' % dead.pid, '.ck-0002.states.%d.xyz.tmp' % dead.pid,
             '.ck-0001.params.abc.tmp']     # an earlier tfmod's name (no pid)
    kept = ['.ck-1-0001.params.%d.abc.tmp' % dead.pid, '.ck-0001.params.%d.abc.tmp' % live,
            '.other.nd.%d.abc.tmp' % dead.pid]
    for name in stale + kept:
        (tmp_path / name).write_bytes(b'half')
    _trained(1).save_checkpoint(prefix, 1, save_optimizer_states=True)
    assert sorted(os.listdir(tmp_path)) == sorted(['ck-0001.params', 'ck-0001.states',
                                                   'ck-symbol.json'] + kept)


TRIALS = 10


def test_killed_while_saving_every_step_resumes_bit_exactly(tmp_path):
    """SIGKILL at random moments; per trial the newest pair that loads is a real (params, states)
    pair of one step and resumes bit-exactly; no mismatched pair is accepted."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3',
               PYTHONPATH=os.pathsep.join([os.path.dirname(HERE)] +
                                          os.environ.get('PYTHONPATH', '').split(os.pathsep)))
    out = subprocess.run([sys.executable, WORKER,
                          str(tmp_path), str(TRIALS), '16'], env=env, capture_output=True,
                         text=True, timeout=240)
    assert out.returncode == 0, out.stderr[-2000:]
    trials = [json.loads(line) for line in out.stdout.splitlines() if line.startswith('{')]
    assert len(trials) == TRIALS
    # the same training, uninterrupted: params and states bytes after every step
    ref = worker.make_module(mx)
    ref_params, ref_states = [], []
    for s in range(worker.STEPS + 2):
        worker.train_step(mx, ref, s)
        ref_params.append({k: v.asnumpy() for k, v in ref.get_params()[0].items()})
        ref_states.append(ref._updater.get_states())

    def step_of(mod, epoch):
        got = {k: v.asnumpy() for k, v in mod.get_params()[0].items()}
        for s in range(epoch - 1, worker.STEPS, worker.EPOCHS):
            if all(np.array_equal(got[k], ref_params[s][k]) for k in got):
                return s
        raise AssertionError('loaded params are no step of the training')
    counts = {'killed': 0, 'pairs_accepted': 0, 'pairs_refused': 0, 'temps_left': 0}
    for tr in trials:
        counts['killed'] += tr['killed']
        prefix = os.path.join(tr['dir'], 'ckpt')
        counts['temps_left'] += len(glob.glob(os.path.join(tr['dir'], '.*.tmp')))
        newest = None
        for epoch in range(1, worker.EPOCHS + 1):
            if not os.path.exists('%s-%04d.params' % (prefix, epoch)):
                continue
            try:
                mod = _load(prefix, epoch)
            except mx.base.MXNetError:
                counts['pairs_refused'] += 1
                continue
            counts['pairs_accepted'] += 1
            s = step_of(mod, epoch)
            assert mod._updater.get_states() == ref_states[s], 'mismatched pair accepted'
            if newest is None or s > newest[0]:
                newest = (s, mod)
        assert newest is not None, 'no complete checkpoint survived in %s' % tr['dir']
        s, mod = newest
        for k in (1, 2):
            worker.train_step(mx, mod, s + k)
        for k, v in mod.get_params()[0].items():
            assert np.array_equal(v.asnumpy(), ref_params[s + 2][k]), k
        mod.save_checkpoint(prefix, 1, save_optimizer_states=True)
        assert not glob.glob(os.path.join(tr['dir'], '.*.tmp'))
    print('\nkill test:', counts)
    assert counts['killed'] >= TRIALS // 2


def _bucket_gen(key):
    d = mx.sym.Variable('data')
    fc = mx.sym.FullyConnected(mx.sym.sum(d, axis=1, keepdims=True), num_hidden=3, name='fc')
    return mx.sym.SoftmaxOutput(fc, name='softmax'), ('data',), ('softmax_label',)


def test_bucketing_checkpoint_is_one_unit(tmp_path):
    prefix = str(tmp_path / 'bk')
    mod = mx.mod.BucketingModule(_bucket_gen, default_bucket_key=4)
    mod.bind([('data', (2, 4))], [('softmax_label', (2,))])
    mod.init_params(initializer=mx.init.Constant(0.1))
    mod.init_optimizer(optimizer='sgd', optimizer_params={'momentum': 0.9})
    batch = mx.io.DataBatch([mx.nd.ones((2, 4))], [mx.nd.array([0, 2])], bucket_key=4,
                            provide_data=[('data', (2, 4))],
                            provide_label=[('softmax_label', (2,))])
    mod.forward_backward(batch)
    mod.update()
    mod.save_checkpoint(prefix, 1, save_optimizer_states=True)
    loaded = mx.mod.BucketingModule.load(prefix, 1, sym_gen=_bucket_gen, default_bucket_key=4,
                                         load_optimizer_states=True)
    loaded.bind([('data', (2, 4))], [('softmax_label', (2,))])
    loaded.init_optimizer(optimizer='sgd', optimizer_params={'momentum': 0.9})
    mod.forward_backward(batch)
    mod.update()
    mod.save_checkpoint(prefix, 1)           # params only: the .states beside it is stale
    with pytest.raises(mx.base.MXNetError, match='bk-0001.states belongs to a different'):
        mx.mod.BucketingModule.load(prefix, 1, sym_gen=_bucket_gen, default_bucket_key=4,
                                    load_optimizer_states=True)
