"""One worker of the two-worker tests (tests/test_dist_workers.py), or their one-process reference.

``python train_worker.py OUT MODE [--steps N] [--extra-batches N] [--die-at STEP] [--linger S]``

Three nets are trained, one after the other, with sgd-momentum (and weight decay): ``plain`` (an
MLP), ``bn`` (the same MLP with BatchNorm) and ``bn2`` (the same, each worker on two logical CPU
devices), 5 global batches of 8 rows each.

MODE ``dist``: a worker of a dist_sync job (its environment from ``python -m tfmod.launch``),
training on its share of every global batch: rows [rank*8/W, (rank+1)*8/W). Worker 1 starts from
other random weights than worker 0, so that only the kvstore's broadcast makes them equal.
MODE ``ref``: one process on the whole batches: ``plain`` on one device, ``bn`` on two logical
CPU devices, ``bn2`` on four (MXNet's multi-context split, which is also the workers' split:
BatchNorm normalises each device's rows with their own statistics).
Writes the final parameters (``<net>/arg:<name>``, ``<net>/aux:<name>``) to OUT (.npz; a ``%s``
in OUT becomes the worker's rank).
"""
import argparse
import os

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument('out')
ap.add_argument('mode', choices=('dist', 'ref'))
ap.add_argument('--steps', type=int, default=5)
ap.add_argument('--extra-batches', type=int, default=0,
                help='dist: worker 0 gets this many more batches than the others')
ap.add_argument('--die-at', type=int, default=-1, help='dist: worker 1 exits at this batch')
ap.add_argument('--linger', type=float, default=0,
                help='dist: worker 1 waits this long after training before saving')
args = ap.parse_args()

# logical CPU devices, made before tfmod (and so TensorFlow's runtime) starts: two per worker,
# four for the reference
import tensorflow as tf  # noqa: E402
tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices('CPU')[0],
    [tf.config.LogicalDeviceConfiguration()] * (2 if args.mode == 'dist' else 4))

import tfmod as mx  # noqa: E402

dist = args.mode == 'dist'
kv = mx.kv.create('dist_sync') if dist else None
rank, nworker = (kv.rank, kv.num_workers) if dist else (0, 1)
if dist:
    print('rank %d of %d' % (rank, nworker), flush=True)
    try:
        mx.kv.create('dist_async')
        raise SystemExit('dist_async was not refused')
    except mx.base.MXNetError as e:
        assert 'dist_sync' in str(e), e
    # the store's own operations: init takes worker 0's value, push sums the workers' values
    probe = mx.kv.create('dist_sync')
    probe.init('probe', mx.nd.ones((3,)) * (rank + 1))
    out = mx.nd.zeros((3,))
    probe.pull('probe', out=out)
    assert (out.asnumpy() == 1).all(), out
    probe.push('probe', mx.nd.ones((3,)) * (rank + 1))
    probe.pull('probe', out=out)
    assert (out.asnumpy() == 3).all(), out
    probe.barrier()

B = 8
steps = args.steps + args.extra_batches
rng = np.random.RandomState(0)
X = rng.uniform(-1, 1, (64 * B, 6)).astype(np.float32)[:steps * B]
Y = rng.randint(0, 3, (64 * B,)).astype(np.float32)[:steps * B]
if dist:
    share = B // nworker
    n = steps if rank == 0 else args.steps
    rows = np.concatenate([np.arange(i * B + rank * share, i * B + (rank + 1) * share)
                           for i in range(n)])
    X, Y, B = X[rows], Y[rows], share
else:
    X, Y = X[:args.steps * B], Y[:args.steps * B]


def net(bn):
    h = mx.sym.FullyConnected(mx.sym.Variable('data'), num_hidden=16, name='fc1')
    if bn:
        h = mx.sym.BatchNorm(h, fix_gamma=False, name='bn1')
    h = mx.sym.Activation(h, act_type='relu')
    h = mx.sym.FullyConnected(h, num_hidden=3, name='fc2')
    return mx.sym.SoftmaxOutput(h, name='softmax')


def die(param):
    if dist and rank == 1 and param.nbatch == args.die_at:
        print('worker 1 dies', flush=True)
        os._exit(17)


saved = {}
for name in ('plain', 'bn', 'bn2'):
    ndev = {'plain': 1, 'bn': 1 if dist else 2, 'bn2': 2 if dist else 4}[name]
    ctx = [mx.cpu(i) for i in range(ndev)]
    it = mx.io.NDArrayIter(X, Y, batch_size=B, label_name='softmax_label')
    mod = mx.mod.Module(net(name != 'plain'), context=ctx)
    mod.bind(it.provide_data, it.provide_label)
    mx.random.seed(1 + rank)
    mod.init_params(mx.init.Xavier(magnitude=2.0))
    mod.fit(it, num_epoch=1, kvstore=mx.kv.create('dist_sync') if dist else 'device',
            optimizer='sgd',
            optimizer_params={'learning_rate': 0.1, 'momentum': 0.9, 'wd': 1e-4},
            batch_end_callback=die)
    argp, auxp = mod.get_params()
    saved.update({'%s/arg:%s' % (name, k): v.asnumpy() for k, v in argp.items()})
    saved.update({'%s/aux:%s' % (name, k): v.asnumpy() for k, v in auxp.items()})
if dist and rank == 1 and args.linger:
    import time
    time.sleep(args.linger)     # worker 0 has long finished: worker 1 must still end well
out = args.out % rank if '%s' in args.out else args.out
np.savez(out, **saved)
print('saved', out, flush=True)
