"""Where a training or prediction step's time goes, per kind of kernel: tfmod (TF's profiler)
against MXNet 1.9.1 (its own profiler) on the same workload, so a gap in bench_train.py /
bench_predict.py can be traced to the kernels that make it.

    python benchmarks/bench_op_profile.py [--only resnet20] [--mode train|predict] [--steps 16]
                                          [--mxnet PY] [--threads 2]

Each implementation runs in a fresh process on ``--threads`` threads: the workload of
workloads.py bound as bench_train.py / bench_predict.py bind it, warmed up, then ``--steps``
steps profiled. Prints milliseconds per step spent in each kernel group (convolutions forward
and backward, BatchNorm, matrix products, pooling, everything else) and the step's wall time
outside the profiler. Kernel times are the sum of each kernel's duration on the thread that ran
it (TF: the ``name:Type`` events of its executor threads; MXNet: its aggregate operator table),
so they include the kernel's own parallel work but not scheduling between kernels. MXNet runs
with its op bulking off (else its profiler reports whole segments), which the step's wall time
includes too: take train/predict throughput from bench_train.py / bench_predict.py.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

# kernel group: a regular expression on the kernel's type (TF) or operator name (MXNet)
GROUPS = [
    ('conv forward', r'^(Conv2D|_FusedConv2D|Convolution|_sg_mkldnn_conv|DepthwiseConv2dNative)$'),
    ('conv backward', r'(Conv2DBackprop|_backward_Convolution|DepthwiseConv2dNativeBackprop)'),
    ('batchnorm', r'(BatchNorm|FusedBatchNorm)'),
    ('matmul / fully connected', r'(MatMul|FullyConnected|_FusedMatMul|BatchMatMul)'),
    ('pooling', r'(Pool|Pooling)'),
]


def _group(kind):
    for label, pat in GROUPS:
        if re.search(pat, kind):
            return label
    return 'other'


def _steps(mx, name, mode):
    from workloads import bound_module, make_batches
    mod, batch = bound_module(mx, name, for_training=mode == 'train')
    if mode == 'train':
        mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.01,
                                                              'momentum': 0.9, 'wd': 1e-4})
    batches = [batch(d, lab) for d, lab in make_batches(name)]

    def step(i):
        b = batches[i % len(batches)]
        if mode == 'train':
            mod.forward_backward(b)
            mod.update()
        else:
            mod.forward(b, is_train=False)
        mod.get_outputs()[0].asnumpy()
    for i in range(2 * len(batches)):        # every bucket / shape traced and warm
        step(i)
    return step


def _wall(step, n):
    tic = time.perf_counter()
    for i in range(n):
        step(i)
    return (time.perf_counter() - tic) * 1000 / n


def _tfmod(name, mode, steps):
    sys.path.insert(0, os.path.dirname(HERE))
    import tensorflow as tf
    import tfmod as mx
    from tensorflow.tsl.profiler.protobuf import xplane_pb2
    step = _steps(mx, name, mode)
    wall = _wall(step, steps)
    logdir = tempfile.mkdtemp(prefix='tfmod-opprof-')
    tf.profiler.experimental.start(logdir)
    for i in range(steps):
        step(i)
    tf.profiler.experimental.stop()
    space = xplane_pb2.XSpace()
    with open(sorted(glob.glob(os.path.join(logdir, '**', '*.xplane.pb'),
                               recursive=True))[-1], 'rb') as f:
        space.ParseFromString(f.read())
    kinds = {}
    for plane in space.planes:
        if plane.name != '/host:CPU':
            continue
        for line in plane.lines:
            if not line.name.startswith('tf_Compute'):
                continue
            for ev in line.events:
                label = plane.event_metadata[ev.metadata_id].name
                if ':' not in label or '::' in label:   # executor bookkeeping
                    continue
                kind = label.rsplit(':', 1)[1]
                kinds[kind] = kinds.get(kind, 0.0) + ev.duration_ps / 1e9   # ms
    return wall, {k: v / steps for k, v in kinds.items()}


def _mxnet(name, mode, steps):
    import mxnet as mx
    step = _steps(mx, name, mode)
    wall = _wall(step, steps)
    fd, trace = tempfile.mkstemp(suffix='.json', prefix='mxnet-opprof-')
    os.close(fd)
    mx.profiler.set_config(profile_symbolic=True, profile_imperative=True, profile_memory=False,
                           profile_api=False, aggregate_stats=True, filename=trace)
    mx.profiler.set_state('run')
    for i in range(steps):
        step(i)
    mx.nd.waitall()
    mx.profiler.set_state('stop')
    table = json.loads(mx.profiler.dumps(reset=True, format='json'))
    kinds = {}
    for domain, ops in table.get('Time', {}).items():
        if 'operator' not in domain.lower():
            continue
        for op, st in ops.items():
            kinds[op] = kinds.get(op, 0.0) + st['Total'] / steps      # ms
    return wall, kinds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--only', default='resnet20')
    ap.add_argument('--mode', default='train', choices=('train', 'predict'))
    ap.add_argument('--steps', type=int, default=16)
    ap.add_argument('--mxnet', default=None, help='python with MXNet 1.9.1')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--top', type=int, default=6, help='kernel types listed per implementation')
    ap.add_argument('--as-worker', nargs=2, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.as_worker:
        impl, name = args.as_worker
        wall, kinds = (_mxnet if impl == 'mxnet' else _tfmod)(name, args.mode, args.steps)
        print(json.dumps({'wall': wall, 'kinds': kinds}))
        return
    n = str(args.threads)
    # MXNet's bulked segments are profiled as one record each: off, so its table has operators
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3', OMP_NUM_THREADS=n,
               MXNET_CPU_WORKER_NTHREADS=n, TF_NUM_INTRAOP_THREADS=n, TF_NUM_INTEROP_THREADS='1',
               MXNET_EXEC_BULK_EXEC_TRAIN='0', MXNET_EXEC_BULK_EXEC_INFERENCE='0')
    impls = [('tfmod', sys.executable)] + ([('mxnet', args.mxnet)] if args.mxnet else [])
    for name in args.only.split(','):
        res = {}
        for impl, py in impls:
            out = subprocess.run([py, os.path.abspath(__file__), '--as-worker', impl, name,
                                  '--mode', args.mode, '--steps', str(args.steps)],
                                 capture_output=True, text=True, env=env)
            if out.returncode:
                sys.stderr.write(out.stderr[-3000:])
                raise SystemExit('%s worker failed on %s' % (impl, name))
            res[impl] = json.loads(out.stdout.strip().splitlines()[-1])
        print('%s, %s: ms per step (%d profiled steps, %s threads)' % (
            name, args.mode, args.steps, n))
        labels = [g for g, _ in GROUPS] + ['other']
        print('%-26s' % 'kernel group' + ''.join('%12s' % impl for impl, _ in impls))
        sums = {impl: {} for impl, _ in impls}
        for impl, _ in impls:
            for kind, ms in res[impl]['kinds'].items():
                g = _group(kind)
                sums[impl][g] = sums[impl].get(g, 0.0) + ms
        for g in labels:
            print('%-26s' % g + ''.join('%12.2f' % sums[impl].get(g, 0.0) for impl, _ in impls))
        print('%-26s' % 'all kernels' + ''.join('%12.2f' % sum(sums[impl].values())
                                                 for impl, _ in impls))
        print('%-26s' % 'step wall (unprofiled)' + ''.join('%12.2f' % res[impl]['wall']
                                                            for impl, _ in impls))
        for impl, _ in impls:
            top = sorted(res[impl]['kinds'].items(), key=lambda kv: -kv[1])[:args.top]
            print('  %s top kernels: %s' % (impl, ', '.join('%s %.2f' % kv for kv in top)))


if __name__ == '__main__':
    main()
