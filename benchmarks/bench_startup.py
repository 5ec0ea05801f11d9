"""Where a Module's training start-up goes: bind, init, and the first step's trace and first run.

    python benchmarks/bench_startup.py [--only resnet20,lstm] [--repeat 3] [--tree DIR]

For each workload of workloads.py (the set-up of bench_train.py: SGD with momentum, the LSTM's
first batch in another bucket than its default), in a fresh process per run, CPU seconds of this
process (wall seconds in brackets) of:
  * bind, init_params, init_optimizer;
  * trace: building the compiled training step's graph (Python: the lowering, the gradient,
    the update), and the number of TF ops it holds;
  * first run: TF's first call of it -- Grappler's optimisation, the function's instantiation,
    and one execution;
  * step: a later step of the same batch (median of 5), so first run - step is what TF spends
    once on the graph before running it;
  * other: the rest of the first ``forward_backward + update + outputs read``.
``--tree DIR`` times the tfmod of another source tree (an older commit checked out elsewhere).
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def _clock():
    return time.process_time(), time.perf_counter()


def _since(t):
    c, w = _clock()
    return (c - t[0], w - t[1])


def worker(name, tree):
    sys.path.insert(0, tree)
    sys.path.insert(0, HERE)
    import tfmod as mx
    from tfmod.module.train_step import TrainStep
    from workloads import bound_module, make_batches

    out = {}
    build = TrainStep._build

    class Timed:
        """The step's tf.function, its first call split into trace and first run."""

        def __init__(self, fn):
            self.fn, self.cf = fn, None

        def __call__(self, *args):
            if self.cf is not None:
                return self.cf(*args)
            t = _clock()
            self.cf = self.fn.get_concrete_function(*args)
            out['trace'] = _since(t)
            out['ops'] = len(self.cf.graph.get_operations())
            t = _clock()
            res = self.cf(*args)
            for v in (res if isinstance(res, (list, tuple)) else [res]):
                for x in (v if isinstance(v, (list, tuple)) else [v]):
                    getattr(x, 'numpy', lambda: None)()
            out['first run'] = _since(t)
            return res

        def get_concrete_function(self, *args):
            return self.cf

    TrainStep._build = lambda self, *a, **k: Timed(build(self, *a, **k))
    t = _clock()
    mod, batch = bound_module(mx, name, for_training=True)
    out['bind + init_params'] = _since(t)
    t = _clock()
    mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.01,
                                                          'momentum': 0.9, 'wd': 1e-4})
    out['init_optimizer'] = _since(t)
    b = [batch(d, lab) for d, lab in make_batches(name)][-1 if name == 'lstm' else 0]

    def step():
        mod.forward_backward(b)
        mod.update()
        mod.get_outputs()[0].asnumpy()
    t = _clock()
    step()
    first = _since(t)
    out['other'] = tuple(f - a - c for f, a, c in zip(first, out['trace'], out['first run']))
    times = []
    for _ in range(5):
        t = _clock()
        step()
        times.append(_since(t))
    out['step'] = sorted(times)[2]
    return out


ROWS = ('bind + init_params', 'init_optimizer', 'trace', 'first run', 'other', 'step')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--only', default='resnet20,lstm')
    ap.add_argument('--repeat', type=int, default=3)
    ap.add_argument('--tree', default=os.path.dirname(HERE))
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--as-worker', default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.as_worker:
        print(json.dumps(worker(args.as_worker, os.path.abspath(args.tree))))
        return
    n = str(args.threads)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3', OMP_NUM_THREADS=n,
               TF_NUM_INTRAOP_THREADS=n, TF_NUM_INTEROP_THREADS='1')
    print('CPU s (wall s) per phase, one fresh process per run; tree %s' % args.tree)
    for name in args.only.split(','):
        runs = []
        for _ in range(args.repeat):
            res = subprocess.run([sys.executable, os.path.abspath(__file__), '--as-worker', name,
                                  '--tree', args.tree], capture_output=True, text=True, env=env)
            if res.returncode:
                sys.stderr.write(res.stderr[-3000:])
                raise SystemExit('worker failed on %s' % name)
            runs.append(json.loads(res.stdout.strip().splitlines()[-1]))
        print('%s (traced step: %s TF ops)' % (name, '/'.join(str(r['ops']) for r in runs)))
        for row in ROWS:
            print('  %-20s %s' % (row, '  '.join('%5.2f (%5.2f)' % tuple(r[row]) for r in runs)))


if __name__ == '__main__':
    main()
