"""A Gluon fine-tuning step on exported models, tfmod vs MXNet 1.9.1.

    python benchmarks/bench_gluon_finetune.py --mxnet PYTHON [--nets plain_convnet,...]
                                              [--batch 16] [--steps 30] [--rounds 3]

The step is what Gluon users write around ``SymbolBlock.imports`` of the committed Gluon corpus
(tests/fixtures/gluon/): forward under ``autograd.record()``, ``SoftmaxCrossEntropyLoss``,
``backward()``, ``Trainer.step`` (SGD with momentum and weight decay) and reading the batch's
mean loss (the host round trip a training log makes). Each round runs one child process per
implementation (interleaved, so machine drift hits both); a child warms up (traces) for 5 steps,
then times ``--steps`` steps. Reported: the median over rounds of each child's median ms/step,
its first-step time (tracing included) and tfmod's ratio to MXNet.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
CORPUS = os.path.join(ROOT, 'tests', 'fixtures', 'gluon')


def child(impl, nets, batch, steps):
    if impl == 'mxnet':
        import mxnet as mx
    else:
        import tfmod as mx
    from_ = mx.gluon
    out = {}
    for name in nets:
        meta = json.load(open(os.path.join(CORPUS, name + '.json')))
        rng = np.random.RandomState(0)
        shape = [batch] + meta['input']['data'][1:]
        if name.startswith('text'):
            x = mx.nd.array(rng.randint(0, 50, size=shape))
        else:
            x = mx.nd.array(rng.uniform(-1, 1, size=shape))
        lshape = [batch] + meta['outputs'][0][1:-1]
        y = mx.nd.array(rng.randint(0, meta['outputs'][0][-1], size=lshape))
        net = from_.nn.SymbolBlock.imports(os.path.join(CORPUS, name + '-symbol.json'), ['data'],
                                           os.path.join(CORPUS, name + '-0000.params'))
        net.hybridize(static_alloc=True, static_shape=True)
        trainer = from_.Trainer(net.collect_params(), 'sgd',
                                {'learning_rate': 0.001, 'momentum': 0.9, 'wd': 1e-4})
        loss_fn = from_.loss.SoftmaxCrossEntropyLoss()
        times = []
        for _ in range(5 + steps):
            t0 = time.perf_counter()
            with mx.autograd.record():
                loss = loss_fn(net(x), y)
            loss.backward()
            trainer.step(batch)
            loss.mean().asscalar()
            times.append(time.perf_counter() - t0)
        out[name] = {'first_ms': times[0] * 1e3, 'ms': float(np.median(times[5:])) * 1e3}
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--mxnet', required=True, help='python with MXNet 1.9.1')
    ap.add_argument('--nets', default='plain_convnet,resnet_v1_basic,text_lstm')
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--steps', type=int, default=30)
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--child', default=None)
    args = ap.parse_args()
    nets = args.nets.split(',')
    if args.child:
        child(args.child, nets, args.batch, args.steps)
        return
    impls = {'tfmod': sys.executable, 'mxnet': args.mxnet}
    res = {k: [] for k in impls}
    env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL='3')
    for _ in range(args.rounds):
        for impl, py in impls.items():
            cmd = [py, os.path.abspath(__file__), '--child', impl, '--nets', args.nets,
                   '--batch', str(args.batch), '--steps', str(args.steps), '--mxnet', args.mxnet]
            run = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
            if run.returncode:
                raise SystemExit('%s failed:\n%s' % (impl, run.stderr[-2000:]))
            res[impl].append(json.loads(run.stdout.strip().splitlines()[-1]))
    print('Gluon fine-tuning step (record, loss, backward, Trainer.step sgd+momentum, read loss), '
          'batch %d, median of %d rounds' % (args.batch, args.rounds))
    for name in nets:
        med = {k: float(np.median([r[name]['ms'] for r in v])) for k, v in res.items()}
        first = {k: float(np.median([r[name]['first_ms'] for r in v])) for k, v in res.items()}
        print('  %-18s tfmod %7.2f ms (first %6.0f)  mxnet %7.2f ms (first %6.0f)  tfmod/mxnet '
              '%.2fx' % (name, med['tfmod'], first['tfmod'], med['mxnet'], first['mxnet'],
                         med['tfmod'] / med['mxnet']))


if __name__ == '__main__':
    main()
