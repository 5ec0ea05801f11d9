"""Cost of ``mx.callback.NumericGuard`` per training batch: guard on vs off, batch by batch.

    python benchmarks/bench_numeric_guard.py [--batches 2000] [--nets mlp,convnet]

For bench_fit.py's MLP and conv net (batch 64, SGD with momentum), one module trains with the
guard on for one batch and off for the other of each pair (the order within a pair is random),
so a drift of the shared machine hits both sides alike. Two ways:
  * step -- what fit does per batch at the least (forward_backward, update, the output read
            the metric makes), plus the guard called as fit calls a batch-end callback;
  * fit  -- inside one ``Module.fit`` (iterator, metric, callbacks): a batch-end callback
            times each batch and calls the guard on the "on" batches.
"Off" batches run the training step without the check the guard asked it to make, so they pay
none of it; "on" batches pay the check inside the step and the guard's call. Prints the median
per-batch time of each side and on/off as the ratio of the medians and of the 10%-trimmed means,
in wall time and in process CPU time (what the guard costs the machine).
"""
import argparse
import logging
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..'))
sys.path.insert(0, HERE)


def _plan(n, seed):
    """``n`` on/off choices: pairs of one each, in random order."""
    rng = np.random.RandomState(seed)
    return [bool(b) for _ in range(n // 2) for b in ((0, 1) if rng.rand() < 0.5 else (1, 0))]


def _report(name, how, times, plan):
    times, plan = np.asarray(times), np.asarray(plan)
    on, off = times[plan], times[~plan]

    def tmean(a):
        a = np.sort(a)
        k = len(a) // 10
        return a[k:len(a) - k].mean()
    for k, what in ((1, 'wall'), (0, 'cpu')):
        print('%-8s %-4s %-4s off %7.3f ms/batch  on %7.3f ms/batch  on/off: medians %.3f, '
              'trimmed means %.3f  (%d batches each)'
              % (name, how, what, np.median(off[:, k]) * 1e3, np.median(on[:, k]) * 1e3,
                 np.median(on[:, k]) / np.median(off[:, k]), tmean(on[:, k]) / tmean(off[:, k]),
                 len(on)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--batches', type=int, default=2000, help='per net and way, both sides')
    ap.add_argument('--nets', default='mlp,convnet')
    args = ap.parse_args()
    logging.getLogger().setLevel(logging.ERROR)
    import tfmod as mx
    from tfmod.batch_end_param import BatchEndParam
    from bench_fit import BATCH, make_data, nets

    for name in args.nets.split(','):
        sym, shape = nets(mx)[name]
        x, y = make_data(shape, BATCH * 8)
        mod = mx.mod.Module(sym, context=mx.cpu())
        mod.bind([('data', shape)], [('softmax_label', (BATCH,))])
        mod.init_params(mx.init.Xavier())
        mod.init_optimizer(optimizer='sgd', optimizer_params={
            'learning_rate': 0.01, 'momentum': 0.9, 'wd': 1e-4})
        data = [mx.io.DataBatch([mx.nd.array(x[i * BATCH:(i + 1) * BATCH])],
                                [mx.nd.array(y[i * BATCH:(i + 1) * BATCH])]) for i in range(8)]
        guard = mx.callback.NumericGuard()

        def clock():
            return time.process_time(), time.perf_counter()

        def step_batch(i, on):
            if mod._train_step is not None:     # None before the first update
                mod._train_step.check_finite = on
            c0, w0 = clock()
            mod.forward_backward(data[i % 8])
            mod.update()
            mod.get_outputs()[0].asnumpy()
            if on:
                guard(BatchEndParam(epoch=0, nbatch=i, eval_metric=None, locals={'self': mod}))
            c1, w1 = clock()
            return c1 - c0, w1 - w0

        tic = time.perf_counter()
        for i in range(3):          # traces: the step both ways, the guard's first-batch check
            step_batch(i, i > 0)
        first = time.perf_counter() - tic
        plan = _plan(args.batches, 0)
        _report(name, 'step', [step_batch(i, on) for i, on in enumerate(plan)], plan)

        plan = [False] + _plan(args.batches, 1)      # batch 0 (not timed) runs unchecked
        times, last = [], [None]

        def timer(param):
            """Times each batch from the end of the previous batch's callbacks to the end of its
            own (so an "on" batch pays its guard call), and sets the next batch's side."""
            i = param.nbatch
            if i < len(plan) and plan[i]:
                guard(param)
            now = clock()
            if last[0] is not None and i > 0:        # the epoch's first batch: reset, logs
                times.append((now[0] - last[0][0], now[1] - last[0][1]))
            last[0] = now
            if i + 1 < len(plan):
                mod._train_step.check_finite = plan[i + 1]
        reps = -(-len(plan) // 8)
        train = mx.io.NDArrayIter(np.concatenate([x] * reps)[:len(plan) * BATCH],
                                  np.concatenate([y] * reps)[:len(plan) * BATCH],
                                  batch_size=BATCH)
        mod._train_step.check_finite = plan[0]
        mod.fit(train, num_epoch=1, batch_end_callback=timer)
        _report(name, 'fit', times, plan[1:])
        print('%-8s first guarded steps (with the traces) %.2f s, guard traces %d'
              % (name, first, guard.trace_count))


if __name__ == '__main__':
    main()
