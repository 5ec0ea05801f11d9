"""XLA for the compiled training step, chosen by the user: ``TFMOD_JIT_COMPILE=1``.

MXNet reads its tuning switches from the environment (``MXNET_*``), so scripts run unchanged;
tfmod does the same. With ``TFMOD_JIT_COMPILE=1`` a Module's compiled step -- forward,
backward and update of one device -- is compiled by XLA (``tf.function(jit_compile=True)``):
XLA fuses the elementwise work (the update's arithmetic, activations) into single passes over
memory: in benchmarks/bench_train.py the MLP's, ResNet-20's and the LSTM's steps ran 1.07-1.8x
faster, but LeNet's 0.6x as fast, and XLA compiles at start-up (seconds for a ResNet-20, again
for every bucket), so it is not the default. Its results differ from TF's kernels -- and
MXNet's -- in the last bits (XLA contracts multiply-adds), and XLA's CPU max/min drop NaNs
MXNet's keep (an Adamax state that MXNet's diverged run holds as NaN stays finite).

Steps over several devices or workers stay unjitted (XLA cannot reach a variable on another
device from one cluster). A step holding an op XLA cannot compile (a Custom op's Python, say)
falls back to the plain compiled step, with one warning.
"""
import logging
import os

import tensorflow as tf

_ENV = 'TFMOD_JIT_COMPILE'
_warned = []


def step_jit():
    """Whether compiled training steps are XLA-compiled (read at every step; the step's trace
    key holds it, so switching it between steps takes the other trace)."""
    value = os.environ.get(_ENV, '0').strip().lower()
    return value not in ('', '0', 'false', 'off', 'no')


def is_compile_error(err):
    """True when ``err`` (raised by a jit-compiled function's first call) is XLA refusing
    the graph rather than the step's own failure."""
    if not isinstance(err, (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError,
                            tf.errors.InternalError)):
        return False
    msg = str(err)
    return any(s in msg for s in ('XLA', 'xla', 'jit_compile', 'unsupported operations',
                                  'must-compile', 'MustCompile'))


def warn_fallback(err):
    """One warning per process that a step runs without XLA, and why (its first line)."""
    if _warned:
        return
    _warned.append(True)
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    logging.warning('%s=1: XLA cannot compile this training step, it runs without XLA '
                    '(%s)', _ENV, first[:300])
