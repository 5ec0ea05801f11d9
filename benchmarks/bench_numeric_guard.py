"""Cost of ``mx.callback.NumericGuard`` per training step: guard on vs off, interleaved.

    python benchmarks/bench_numeric_guard.py [--batches 100] [--rounds 15]

For bench_fit.py's MLP and conv net (batch 64, SGD with momentum), one module trains in rounds
of ``--batches`` steps, alternating guard off / guard on; a step is what fit does per batch
(forward_backward, update, the output read the metric makes) plus, when on, the guard called
as fit calls a batch-end callback. Prints the median per-step time of each and the median of
the per-pair ratios (on/off), so a drift of the shared machine hits both sides alike -- in wall
time and in process CPU time (what the guard costs the machine, less sensitive to other load).
"""
import argparse
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
    args = ap.parse_args()
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
        guard = mx.callback.NumericGuard()

        def run(n, on):
            tic, cpu = time.perf_counter(), time.process_time()
            for i in range(n):
                mod.forward_backward(data[i % 8])
                mod.update()
                mod.get_outputs()[0].asnumpy()
                if on:
                    guard(BatchEndParam(epoch=0, nbatch=i, eval_metric=None,
                                        locals={'self': mod}))
            return (time.perf_counter() - tic) / n, (time.process_time() - cpu) / n
        tic = time.perf_counter()
        run(1, True)
        first = time.perf_counter() - tic
        run(20, False)
        run(20, True)
        offs, ons = [], []
        for r in range(args.rounds):
            order = (False, True) if r % 2 == 0 else (True, False)
            res = {on: run(args.batches, on) for on in order}
            offs.append(res[False])
            ons.append(res[True])
        offs, ons = np.asarray(offs), np.asarray(ons)
        for k, what in ((0, 'wall'), (1, 'cpu')):
            ratios = ons[:, k] / offs[:, k]
            print('%-8s %-4s off %.3f ms/step  on %.3f ms/step  on/off median %.3f '
                  '(quartiles %.3f-%.3f)' % (name, what, np.median(offs[:, k]) * 1e3,
                                              np.median(ons[:, k]) * 1e3, np.median(ratios),
                                              np.percentile(ratios, 25),
                                              np.percentile(ratios, 75)))
        print('%-8s first guarded step (traces) %.2fs, guard traces %d'
              % (name, first, guard.trace_count))


if __name__ == '__main__':
    main()
