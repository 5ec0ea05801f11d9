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
