"""A quiet console: ``import tfmod`` and a CPU-only run print none of TensorFlow's start-up
chatter on stderr (converters/tf_startup.py), while other stderr output still gets through and
``TFMOD_VERBOSE=1`` / the user's own ``TF_CPP_MIN_LOG_LEVEL`` bring TF's lines back."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STARTUP = os.path.join(ROOT, 'converters', 'tf_startup.py')

# What TF 2.21 printed at start-up on a CPU-only machine (with TF_CPP_MIN_LOG_LEVEL=3).
TF_NOISE = (
    'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n'
    'I0000 00:00:1796609242.803914    7627 cudart_stub.cc:31] Could not find cuda drivers on '
    'your machine, GPU will not be used.\n'
    'I0000 00:00:1796609243.029729    7627 cpu_feature_guard.cc:227] This TensorFlow binary is '
    'optimized to use available CPU instructions in performance-critical operations.\n'
    'To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow '
    'with the appropriate compiler flags.\n'
    'W1207 02:00:01.123456    7627 gpu_device.cc:2342] Cannot dlopen some GPU libraries.\n'
    'E0000 00:00:1796609254.024331    7627 cuda_platform.cc:52] failed call to cuInit: '
    'INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)\n')
# Output that is not TF's start-up chatter and must reach the user.
REAL = ('/x/mod.py:3: DeprecationWarning: old api\n'
        'F1207 02:00:01.123456    7627 op_kernel.cc:1] Check failed: fatal thing\n'
        'Traceback (most recent call last):\n')

# Runs load_quietly() from the file alone (no TensorFlow import: _load_tf is replaced by a
# function writing TF_NOISE and REAL to file descriptor 2, as TF's native code does).
PROBE = r'''
import importlib.util, os, sys
spec = importlib.util.spec_from_file_location('tf_startup', sys.argv[1])
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
def fake_load():
    os.write(2, sys.argv[2].encode())
    print('python-level stderr line', file=sys.stderr)
m._load_tf = fake_load
m.load_quietly()
os.write(2, b'after the window\n')
print(os.environ.get('TF_CPP_MIN_LOG_LEVEL'))
'''


def _env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ('TF_CPP_MIN_LOG_LEVEL', 'TFMOD_VERBOSE', 'PYTHONPATH')}
    env.update(extra)
    return env


def _probe(**extra):
    r = subprocess.run([sys.executable, '-c', PROBE, STARTUP, TF_NOISE + REAL],
                       capture_output=True, text=True, env=_env(**extra), timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip(), r.stderr


def test_default_drops_tf_startup_lines_keeps_the_rest():
    level, err = _probe()
    assert err == REAL + 'python-level stderr line\nafter the window\n'
    assert level == '2'          # TF's later errors still print


def test_user_level_and_verbose_bring_tf_lines_back():
    _, err = _probe(TF_CPP_MIN_LOG_LEVEL='1')
    assert 'Cannot dlopen' in err and 'failed call to cuInit' in err
    assert 'cudart_stub' not in err and 'To enable the following' not in err
    assert 'absl::InitializeLog' not in err and 'fatal thing' in err
    _, err = _probe(TF_CPP_MIN_LOG_LEVEL='0')
    assert err.startswith(TF_NOISE)
    level, err = _probe(TFMOD_VERBOSE='1')
    assert err.startswith(TF_NOISE) and level == 'None'     # tfmod touches nothing


def test_import_and_fit_print_no_tf_noise():
    code = ('import numpy as np, tfmod as mx\n'
            'it = mx.io.NDArrayIter(np.ones((4, 3), "float32"), np.zeros(4, "float32"), 2)\n'
            'net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(mx.sym.var("data"), '
            'num_hidden=2), name="softmax")\n'
            'mod = mx.mod.Module(net); mod.fit(it, num_epoch=1)\n'
            'print(mod.get_outputs()[0].shape)\n')
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                       env=_env(), cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == '(2, 2)'
    noise = [line for line in r.stderr.splitlines()
             if re.match(r'^[IWEF]\d{4} ', line) or 'absl::' in line or 'cuda' in line.lower()]
    assert noise == [], r.stderr
