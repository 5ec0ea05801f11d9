"""Train an MLP on the handwritten digits with tfmod's Symbol + Executor API, MXNet style.

    python examples/train_digits.py

Binds the network once, runs forward/backward per batch (one compiled call each), applies SGD
with NDArray arithmetic, reports validation accuracy per epoch, then writes an MXNet-format
checkpoint (prefix-symbol.json, prefix-0010.params), reloads it and predicts.
"""
import logging
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import tfmod as mx  # noqa: E402


def load_digits():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data', 'digits.npz')
    d = np.load(path)
    x = d['images'].reshape(-1, 64).astype(np.float32) / 16.0
    y = d['labels'].astype(np.float32)
    rng = np.random.RandomState(0)
    perm = rng.permutation(len(x))
    x, y = x[perm], y[perm]
    return (x[:1500], y[:1500]), (x[1500:], y[1500:])


def build_net():
    data = mx.sym.Variable('data')
    net = mx.sym.FullyConnected(data, name='fc1', num_hidden=64)
    net = mx.sym.Activation(net, name='relu1', act_type='relu') \
        if hasattr(mx.sym, 'Activation') else net
    net = mx.sym.FullyConnected(net, name='fc2', num_hidden=10)
    return mx.sym.SoftmaxOutput(net, name='softmax')


def main(prefix=None, epochs=10, batch=50, lr=0.1):
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    (xt, yt), (xv, yv) = load_digits()
    net = build_net()
    ex = net.simple_bind(mx.cpu(), data=(batch, 64))
    rng = np.random.RandomState(1)
    for name, arr in ex.arg_dict.items():
        if name.endswith('weight'):
            arr[:] = rng.uniform(-0.07, 0.07, arr.shape)
    params = [n for n in ex.arg_dict if n not in ('data', 'softmax_label')]
    acc = 0.0
    for epoch in range(epochs):
        tic = time.time()
        for i in range(0, len(xt) - batch + 1, batch):
            ex.forward(is_train=True, data=xt[i:i + batch], softmax_label=yt[i:i + batch])
            ex.backward()
            for n in params:
                ex.arg_dict[n][:] = ex.arg_dict[n] - ex.grad_dict[n] * (lr / batch)
        correct = 0
        for i in range(0, len(xv) - batch + 1, batch):
            out = ex.forward(is_train=False, data=xv[i:i + batch])[0].asnumpy()
            correct += int((out.argmax(1) == yv[i:i + batch]).sum())
        acc = correct / float(len(xv) // batch * batch)
        logging.info('Epoch[%d] Validation-accuracy=%f', epoch, acc)
        logging.info('Epoch[%d] Time cost=%.3f', epoch, time.time() - tic)
    prefix = prefix or os.path.join(tempfile.mkdtemp(), 'digits')
    net.save('%s-symbol.json' % prefix)
    mx.nd.save('%s-%04d.params' % (prefix, epochs),
               {'arg:' + n: ex.arg_dict[n] for n in params})
    logging.info('Saved checkpoint to "%s-%04d.params"', prefix, epochs)
    sym = mx.sym.load('%s-symbol.json' % prefix)
    saved = mx.nd.load('%s-%04d.params' % (prefix, epochs))
    args = {k[4:]: v for k, v in saved.items()}
    args['data'] = mx.nd.array(xv[:batch])
    args['softmax_label'] = mx.nd.zeros((batch,))
    pred = sym.bind(mx.cpu(), args).forward()[0].asnumpy()
    logging.info('Reloaded checkpoint predicts %d/%d of the first validation batch correctly',
                 int((pred.argmax(1) == yv[:batch]).sum()), batch)
    return acc


if __name__ == '__main__':
    main()
