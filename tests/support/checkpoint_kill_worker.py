"""Worker for tests/test_checkpoint_atomic.py's kill test: trains a small Module, saving a
checkpoint (``.params`` + ``.states``) after every step, and is SIGKILLed at random moments.

Run as ``python checkpoint_kill_worker.py OUTDIR TRIALS SEED``: it imports tfmod once, then per
trial forks a child (TensorFlow is not yet initialised in this process, so forking is safe) that
trains and saves into ``OUTDIR/<trial>/ckpt-<epoch>.*``, epochs reused in turn as
``step % 3 + 1`` so a new ``.params`` can land beside a stale ``.states``. The parent kills the
child after a random delay once its first checkpoint exists and prints one JSON line per trial.
``make_module`` / ``train_step`` are shared with the test, which replays the same training.
"""
import json
import os
import random
import signal
import sys
import time

import numpy as np

STEPS = 60
EPOCHS = 3


def make_module(mx):
    d = mx.sym.Variable('data')
    h = mx.sym.Activation(mx.sym.FullyConnected(d, num_hidden=8, name='fc1'), act_type='tanh')
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(h, num_hidden=3, name='fc2'),
                               name='softmax')
    mod = mx.mod.Module(net, context=mx.cpu(0))
    bind_and_init(mx, mod)
    rng = np.random.RandomState(0)
    shapes = {'fc1_weight': (8, 5), 'fc1_bias': (8,), 'fc2_weight': (3, 8), 'fc2_bias': (3,)}
    mod.set_params({k: mx.nd.array(rng.randn(*s).astype('float32') * 0.5)
                    for k, s in shapes.items()}, {})
    return mod


def bind_and_init(mx, mod):
    mod.bind(data_shapes=[('data', (4, 5))], label_shapes=[('softmax_label', (4,))])
    if not mod.params_initialized:
        mod.init_params()
    mod.init_optimizer(optimizer='adam', optimizer_params={'learning_rate': 0.01})


def train_step(mx, mod, step):
    rng = np.random.RandomState(1000 + step)
    x = rng.randn(4, 5).astype('float32')
    y = rng.randint(0, 3, (4,)).astype('float32')
    mod.forward_backward(mx.io.DataBatch([mx.nd.array(x)], [mx.nd.array(y)]))
    mod.update()


def _child(mx, prefix, ready):
    mod = make_module(mx)
    for step in range(STEPS):
        train_step(mx, mod, step)
        mod.save_checkpoint(prefix, step % EPOCHS + 1, save_optimizer_states=True)
        if step == 0:
            open(ready, 'w').close()


def main(outdir, trials, seed):
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    import tfmod as mx
    rng = random.Random(seed)
    for t in range(trials):
        d = os.path.join(outdir, str(t))
        os.makedirs(d)
        ready = os.path.join(d, 'ready')
        pid = os.fork()
        if pid == 0:
            try:
                _child(mx, os.path.join(d, 'ckpt'), ready)
            finally:
                os._exit(0)
        t0 = time.monotonic()
        while not os.path.exists(ready) and time.monotonic() - t0 < 120:
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                break
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.5))
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, status = os.waitpid(pid, 0)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        print(json.dumps({'trial': t, 'dir': d, 'killed': killed}), flush=True)


if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
