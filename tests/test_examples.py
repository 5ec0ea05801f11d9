"""The README's main job: trains the digits MLP, checkpoints, reloads, predicts and exports."""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'examples'))

import train_digits  # noqa: E402


def test_train_digits_reaches_95_percent(tmp_path):
    tic = time.time()
    acc = train_digits.main(['--out', str(tmp_path / 'digits')])
    assert acc >= 0.95
    assert time.time() - tic < 60
    for f in ('digits-symbol.json', 'digits-0015.params', 'digits-0015.states',
              os.path.join('digits_savedmodel', 'saved_model.pb')):
        assert (tmp_path / f).exists(), f


def test_train_digits_on_two_workers(tmp_path):
    """The README's two-worker command: each worker trains on half of the digits with
    dist_sync; both end with the same weights (worker 1 checkpoints under prefix-1) and the
    validation accuracy of the single-process run."""
    import subprocess
    import numpy as np
    import tfmod as mx
    root = os.path.join(HERE, '..')
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3')
    env['PYTHONPATH'] = os.pathsep.join([root] + [p for p in [env.get('PYTHONPATH')] if p])
    out = subprocess.run(
        [sys.executable, '-m', 'tfmod.launch', '-n', '2', sys.executable,
         os.path.join(root, 'examples', 'train_digits.py'), '--kv-store', 'dist_sync',
         '--epochs', '4', '--out', str(tmp_path / 'digits')],
        env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    for rank in (0, 1):
        assert '[worker %d] Epoch[3] Validation-accuracy=' % rank in out.stdout
    accs = [float(line.rsplit(' ', 1)[-1]) for line in out.stdout.splitlines()
            if 'final validation accuracy' in line]
    assert len(accs) == 2 and min(accs) >= 0.9, accs
    p0 = mx.nd.load(str(tmp_path / 'digits-0004.params'))
    p1 = mx.nd.load(str(tmp_path / 'digits-1-0004.params'))
    assert sorted(p0) == sorted(p1) and len(p0) == 6
    for k in p0:
        np.testing.assert_array_equal(p0[k].asnumpy(), p1[k].asnumpy(), err_msg=k)
