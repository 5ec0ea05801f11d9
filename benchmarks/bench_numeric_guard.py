"""Cost of ``mx.callback.NumericGuard`` per training batch: guard on vs off, interleaved.

    python benchmarks/bench_numeric_guard.py [--batches 100] [--rounds 15] [--frequent 1]

For bench_fit.py's MLP and conv net (batch 64, SGD with momentum), one module trains in rounds
of ``--batches`` batches, alternating guard off / guard on, measured two ways:
  * step -- what fit does per batch at the least (forward_backward, update, the output read
            the metric makes), plus the guard called as fit calls a batch-end callback;
  * fit  -- one ``Module.fit`` epoch (iterator, metric, callbacks), with and without
            ``batch_end_callback=NumericGuard()``.
Prints the median per-batch time of each and the median of the per-pair ratios (on/off), so a
drift of the shared machine hits both sides alike -- in wall time and in process CPU time
(what the guard costs the machine; less sensitive to the other load on a shared machine).
"Off" rounds switch off the check the guard asked the training step to make, so they pay none
of it.
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--batches', type=int, default=100)
    ap.add_argument('--rounds', type=int, default=15)
    ap.add_argument('--frequent', type=int, default=1, help="the guard's check period")
    args = ap.parse_args()
    logging.getLogger().setLevel(logging.ERROR)
    import tfmod as mx
    from tfmod.batch_end_param import BatchEndParam
    from bench_fit import BATCH, make_data, nets

    for name in ('mlp', 'convnet'):
        sym, shape = nets(mx)[name]
        x, y = make_data(shape, BATCH * 8)
        mod = mx.mod.Module(sym, context=mx.cpu())
        mod.bind([('data', shape)], [('softmax_label', (BATCH,))])
        mod.init_params(mx.init.Xavier())
        mod.init_optimizer(optimizer='sgd', optimizer_params={
            'learning_rate': 0.01, 'momentum': 0.9, 'wd': 1e-4})
        data = [mx.io.DataBatch([mx.nd.array(x[i * BATCH:(i + 1) * BATCH])],
                                [mx.nd.array(y[i * BATCH:(i + 1) * BATCH])]) for i in range(8)]
        reps = max(1, args.batches // 8)
        train = mx.io.NDArrayIter(np.concatenate([x] * reps), np.concatenate([y] * reps),
                                  batch_size=BATCH)
        guard = mx.callback.NumericGuard(frequent=args.frequent)

        def step(n, on):
            for i in range(n):
                mod.forward_backward(data[i % 8])
                mod.update()
                mod.get_outputs()[0].asnumpy()
                if on:
                    guard(BatchEndParam(epoch=0, nbatch=i, eval_metric=None,
                                        locals={'self': mod}))
            return n

        def fit(n, on):
            train.reset()
            mod.fit(train, num_epoch=1, batch_end_callback=guard if on else None)
            return reps * 8

        def timed(fn, on):
            if not on and mod._train_step is not None:
                # the guard asks the training step to check inside itself; guard off is the
                # step without that check (both forms stay compiled)
                mod._train_step.check_finite = False
            tic, cpu = time.perf_counter(), time.process_time()
            n = fn(args.batches, on)
            return (time.perf_counter() - tic) / n, (time.process_time() - cpu) / n
        tic = time.perf_counter()
        step(1, True)
        first = time.perf_counter() - tic
        for fn in (step, fit):
            timed(fn, False)
            timed(fn, True)
        for fn in (step, fit):
            offs, ons = [], []
            for r in range(args.rounds):
                order = (False, True) if r % 2 == 0 else (True, False)
                res = {on: timed(fn, on) for on in order}
                offs.append(res[False])
                ons.append(res[True])
            offs, ons = np.asarray(offs), np.asarray(ons)
            for k, what in ((0, 'wall'), (1, 'cpu')):
                ratios = ons[:, k] / offs[:, k]
                print('%-8s %-4s %-4s off %7.3f ms/batch  on %7.3f ms/batch  on/off median %.3f '
                      '(quartiles %.3f-%.3f)'
                      % (name, fn.__name__, what, np.median(offs[:, k]) * 1e3,
                         np.median(ons[:, k]) * 1e3, np.median(ratios),
                         np.percentile(ratios, 25), np.percentile(ratios, 75)))
        print('%-8s first guarded step (with the traces) %.2f s, guard traces %d'
              % (name, first, guard.trace_count))


if __name__ == '__main__':
    main()
