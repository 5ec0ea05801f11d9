"""Multi-worker Module throughput: 2 worker processes on 127.0.0.1 (kvstore='dist_sync') vs one
process, at the same global batch.

    python benchmarks/bench_workers.py [--batches 60] [--rounds 3] [--net mlp|convnet]

Trains bench_fit.py's MLP (or conv net) with sgd-momentum at global batch 64: one process on the
whole batch (kvstore 'local', one device), and ``python -m tfmod.launch -n 2`` workers on 32 rows
each (their gradients all-reduced over loopback by MultiWorkerMirroredStrategy's collective ops).
Each run times its steady-state steps (forward_backward + update + reading the outputs) after a
warm-up; the two configurations alternate for ``--rounds`` rounds and the medians are compared.
Both workers share this machine's cores: the ratio is the cost of the multi-worker machinery
(the all-reduce over gRPC, the per-step agreement on "another batch?"), not a speed-up.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..')


def worker(args):
    """One timed run (in a launched worker or alone); rank 0 prints ms per global batch."""
    sys.path.insert(0, ROOT)
    sys.path.insert(0, HERE)
    import numpy as np
    import tfmod as mx
    import bench_fit
    kv = mx.kv.create('dist_sync' if args.dist else 'local')
    sym, shape = bench_fit.nets(mx)[args.net]
    glob = shape[0]
    n = glob // kv.num_workers
    x, y = bench_fit.make_data(shape, glob * 8)
    rows = [np.arange(i * glob + kv.rank * n, i * glob + (kv.rank + 1) * n) for i in range(8)]
    data = [mx.io.DataBatch([mx.nd.array(x[r])], [mx.nd.array(y[r])]) for r in rows]
    mod = mx.mod.Module(sym, context=mx.cpu())
    mod.bind([('data', (n,) + tuple(shape[1:]))], [('softmax_label', (n,))])
    mod.init_params(mx.init.Xavier())
    mod.init_optimizer(kvstore=kv, optimizer='sgd',
                       optimizer_params={'learning_rate': 0.01, 'momentum': 0.9})

    def step(i):
        mod.forward_backward(data[i % 8])
        mod.update()
        mod.get_outputs()[0].asnumpy()
    for i in range(5):
        step(i)
    kv.barrier()
    tic = time.perf_counter()
    for i in range(args.batches):
        step(i)
    kv.barrier()
    if kv.rank == 0:
        print('MS_PER_BATCH %.4f' % ((time.perf_counter() - tic) / args.batches * 1e3),
              flush=True)


def run(cmd):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3')
    env['PYTHONPATH'] = os.pathsep.join([ROOT] + [p for p in [env.get('PYTHONPATH')] if p])
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1200)
    for line in out.stdout.splitlines():
        if 'MS_PER_BATCH' in line:
            return float(line.split()[-1])
    raise SystemExit('benchmark run failed:\n' + out.stdout[-3000:] + out.stderr[-3000:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--batches', type=int, default=60)
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--net', default='mlp', choices=('mlp', 'convnet'))
    ap.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    ap.add_argument('--dist', action='store_true', help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args)
    me = [os.path.abspath(__file__), '--worker', '--net', args.net, '--batches',
          str(args.batches)]
    one = [sys.executable] + me
    two = [sys.executable, '-m', 'tfmod.launch', '-n', '2', sys.executable] + me + ['--dist']
    times = {'1 process': [], '2 workers': []}
    for _ in range(args.rounds):
        times['1 process'].append(run(one))
        times['2 workers'].append(run(two))
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, t in med.items():
        print('%-8s %-10s %7.2f ms per global batch of 64  (runs: %s)'
              % (args.net, k, t, ', '.join('%.2f' % v for v in times[k])))
    print('%-8s 2 workers / 1 process: time ratio = %.2f'
          % (args.net, med['2 workers'] / med['1 process']))


if __name__ == '__main__':
    main()
