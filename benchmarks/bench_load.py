"""Loading a large checkpoint: ``mx.nd.load`` and ``mx.model.load_checkpoint`` of a
ResNet-50-sized ``.params`` file (161 arrays, 25.6 M float32 values, 102 MB), tfmod vs MXNet.

    python benchmarks/bench_load.py [--mxnet PY] [--rounds 3]

The file is written once (by tfmod, in MXNet's format) to a temporary directory, so it is in the
page cache; each round loads it once in a fresh process per implementation and call,
interleaved -- a program's start-up: the process's first load, its fresh memory's first touch
counted. Prints wall and process CPU seconds of that load, the best of the rounds.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def _shapes():
    """ResNet-50 v1's parameter shapes (conv weights, BatchNorm gamma/beta/mean/var, fc)."""
    shapes = [(64, 3, 7, 7)] + [(64,)] * 4
    cin = 64
    for stage, (n, mid) in enumerate(((3, 64), (4, 128), (6, 256), (3, 512))):
        for b in range(n):
            out = mid * 4
            shapes += [(mid, cin, 1, 1)] + [(mid,)] * 4 + [(mid, mid, 3, 3)] + [(mid,)] * 4
            shapes += [(out, mid, 1, 1)] + [(out,)] * 4
            if b == 0:
                shapes += [(out, cin, 1, 1)] + [(out,)] * 4
            cin = out
    return shapes + [(1000, 2048), (1000,)]


def worker(impl, what, prefix):
    if impl == 'tfmod':
        sys.path.insert(0, os.path.dirname(HERE))
        import tfmod as mx
    else:
        import mxnet as mx
    fn = {'nd.load': lambda: mx.nd.load(prefix + '-0000.params'),
          'load_checkpoint': lambda: mx.model.load_checkpoint(prefix, 0)}[what]
    t, c = time.perf_counter(), time.process_time()
    fn()
    return {what: (time.perf_counter() - t, time.process_time() - c)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--mxnet', default=None)
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--as-worker', nargs=3, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.as_worker:
        print(json.dumps(worker(*args.as_worker)))
        return
    sys.path.insert(0, os.path.dirname(HERE))
    import numpy as np
    import tfmod as mx
    tmp = tempfile.mkdtemp(prefix='tfmod-bench-load-')
    prefix = os.path.join(tmp, 'resnet50')
    rng = np.random.RandomState(0)
    params = {'arg:p%03d' % i: mx.nd.array(rng.rand(*s).astype(np.float32))
              for i, s in enumerate(_shapes())}
    mx.nd.save(prefix + '-0000.params', params)
    data = mx.sym.Variable('data')
    mx.sym.FullyConnected(data, num_hidden=10, name='fc').save(prefix + '-symbol.json')
    size = os.path.getsize(prefix + '-0000.params') / 1e6
    impls = [('tfmod', sys.executable)] + ([('mxnet', args.mxnet)] if args.mxnet else [])
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3')
    best = {}
    for _ in range(args.rounds):
        for what in ('nd.load', 'load_checkpoint'):
            for impl, py in impls:
                res = json.loads(subprocess.run(
                    [py, os.path.abspath(__file__), '--as-worker', impl, what, prefix],
                    capture_output=True, text=True, env=env, check=True).stdout.splitlines()[-1])
                v, old = res[what], best.get((impl, what))
                best[(impl, what)] = v if old is None or v[0] < old[0] else old
    print('%d arrays, %.0f MB; seconds, wall (process CPU), best of %d rounds'
          % (len(params), size, args.rounds))
    for what in ('nd.load', 'load_checkpoint'):
        print('%-16s' % what + ''.join('  %s %.3f (%.3f)' % ((impl,) + tuple(best[(impl, what)]))
                                       for impl, _ in impls))


if __name__ == '__main__':
    main()
