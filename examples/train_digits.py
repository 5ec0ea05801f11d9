"""Train an MXNet-style network on the digits with tfmod: checkpoint, reload, predict, export.

    python examples/train_digits.py [--epochs 15] [--out runs/digits]
    python -m tfmod.launch -n 2 python examples/train_digits.py --kv-store dist_sync

This is an unchanged MXNet 1.x Module script except for the import. It trains a small MLP with
Module.fit (validation accuracy logged per epoch in MXNet's format), writes an MXNet-format
checkpoint every epoch (prefix-symbol.json, prefix-%04d.params, prefix-%04d.states), reloads
the last one with Module.load and checks that it predicts what the trained module predicted,
then exports a TensorFlow SavedModel and checks that TensorFlow alone predicts the same.

With ``--kv-store dist_sync`` under ``python -m tfmod.launch -n N`` each of the N workers trains
on its share of the digits (the rows ``rank::N``, as MXNet's examples give iterators
``num_parts=kv.num_workers, part_index=kv.rank``), their gradients summed every step; worker 0
writes the checkpoint under ``--out``, worker i under ``--out``-i (MXNet's example convention).
"""
import argparse
import logging
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import tfmod as mx  # noqa: E402   (was: import mxnet as mx)

HERE = os.path.dirname(os.path.abspath(__file__))


def load_digits():
    """The 1,797 8x8 digits shipped in examples/data; 1,500 to train, 297 to validate."""
    d = np.load(os.path.join(HERE, 'data', 'digits.npz'))
    x = d['images'].reshape(-1, 64).astype(np.float32) / 16.0
    y = d['labels'].astype(np.float32)
    perm = np.random.RandomState(0).permutation(len(x))
    x, y = x[perm], y[perm]
    return (x[:1500], y[:1500]), (x[1500:], y[1500:])


def build_net():
    data = mx.sym.Variable('data')
    net = mx.sym.FullyConnected(data, name='fc1', num_hidden=128)
    net = mx.sym.Activation(net, name='relu1', act_type='relu')
    net = mx.sym.FullyConnected(net, name='fc2', num_hidden=64)
    net = mx.sym.Activation(net, name='relu2', act_type='relu')
    net = mx.sym.FullyConnected(net, name='fc3', num_hidden=10)
    return mx.sym.SoftmaxOutput(net, name='softmax')


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--epochs', type=int, default=15)
    ap.add_argument('--batch-size', type=int, default=32)
    ap.add_argument('--out', default=os.path.join('runs', 'digits'),
                    help='checkpoint prefix (directory is created)')
    ap.add_argument('--kv-store', default='local',
                    help="'local', or 'dist_sync' for several workers (python -m tfmod.launch)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    mx.random.seed(42)
    np.random.seed(42)  # NDArrayIter shuffles with numpy's generator, as MXNet's does
    tic = time.time()
    (xt, yt), (xv, yv) = load_digits()
    kv = mx.kv.create(args.kv_store)
    if kv.num_workers > 1:      # this worker's share of the training digits
        xt, yt = xt[kv.rank::kv.num_workers], yt[kv.rank::kv.num_workers]
        if kv.rank > 0:
            args.out = '%s-%d' % (args.out, kv.rank)
    train = mx.io.NDArrayIter(xt, yt, batch_size=args.batch_size, shuffle=True)
    val = mx.io.NDArrayIter(xv, yv, batch_size=args.batch_size)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)

    mod = mx.mod.Module(build_net(), context=mx.cpu())
    mod.fit(train, eval_data=val, eval_metric='acc', kvstore=kv, optimizer='sgd',
            optimizer_params={'learning_rate': 0.1, 'momentum': 0.9, 'wd': 1e-4},
            initializer=mx.init.Xavier(magnitude=2.0), num_epoch=args.epochs,
            batch_end_callback=mx.callback.Speedometer(args.batch_size, frequent=20),
            epoch_end_callback=mx.callback.module_checkpoint(mod, args.out,
                                                             save_optimizer_states=True))
    acc = dict(mod.score(val, 'acc'))['accuracy']
    expected = mod.predict(val).asnumpy()

    # Reload the MXNet-format checkpoint as a user would, and predict.
    loaded = mx.mod.Module.load(args.out, args.epochs)
    loaded.bind(data_shapes=val.provide_data, label_shapes=val.provide_label, for_training=False)
    pred = loaded.predict(val).asnumpy()
    if not np.allclose(pred, expected, rtol=1e-5, atol=1e-6):
        raise SystemExit('the reloaded checkpoint predicts differently')
    reloaded_acc = float((pred.argmax(1) == yv).mean())
    logging.info('Reloaded %s-%04d.params: validation accuracy %.4f on %d digits',
                 args.out, args.epochs, reloaded_acc, len(yv))

    # Export for TensorFlow Serving / TFLite / ONNX: a SavedModel with a 'data' input.
    import tensorflow as tf
    saved = args.out + '_savedmodel'
    loaded.export_savedmodel(saved)
    serve = tf.saved_model.load(saved).signatures['serving_default']
    tf_pred = serve(data=tf.constant(xv))['softmax_output'].numpy()
    if not np.allclose(tf_pred, expected, rtol=1e-5, atol=1e-6):
        raise SystemExit('the SavedModel predicts differently')
    logging.info('Exported %s: TensorFlow predicts the same %d digits', saved, len(yv))
    logging.info('Done in %.1f s: final validation accuracy %.4f', time.time() - tic, acc)
    return acc


if __name__ == '__main__':
    main()
