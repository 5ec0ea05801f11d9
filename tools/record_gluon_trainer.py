"""Record what MXNet 1.9.1's ``gluon.Trainer``, ``gluon.loss``, ``gluon.data`` and ``gluon.utils``
do, for tests/test_gluon_trainer.py, test_gluon_loss.py and test_gluon_data.py.

Run with the oracle's python (MXNet 1.9.1):

    /tmp/mxnet-oracle/bin/python tools/record_gluon_trainer.py [OUT_DIR]

Writes to OUT_DIR (default tests/fixtures/gluon_trainer/):
  trainer.npz    per case: inputs, labels, losses per step and every parameter after the steps of
                 SymbolBlock fine-tuning on the committed Gluon corpus (tests/fixtures/gluon/)
  trainer.json   the cases' settings, learning rates, errors MXNet raises
  sgd_mom-2.states  MXNet's Trainer.save_states after two steps of the 'states' case (a pickle)
  loop.npz       a whole fine-tuning loop as Gluon users write it (DataLoader over an
                 ArrayDataset with shuffle under np.random.seed, Trainer, SoftmaxCrossEntropyLoss,
                 two epochs): the data, the losses per batch, and the exported model's outputs;
                 and two steps on contexts cpu(0), cpu(1) (split_and_load, the 'device' kvstore)
  loss.npz       per loss case: inputs, outputs and the gradient of the summed loss wrt pred
  data.json      DataLoader/sampler batches, shuffle orders under np.random.seed, split_data,
                 clip_global_norm, check_sha1, and the errors of bad arguments
"""
import json
import os
import sys
import warnings

import numpy as np
import mxnet as mx
from mxnet import autograd, gluon

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests',
                                'support'))
from gluon_trainer_cases import configure  # noqa: E402

warnings.simplefilter('ignore')
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(HERE, 'tests', 'fixtures', 'gluon')

# name, net, optimizer, optimizer_params, steps, batch, extra
TRAINER_CASES = [
    ('sgd_mom', 'plain_convnet', 'sgd', {'learning_rate': 0.05, 'momentum': 0.9, 'wd': 1e-4},
     3, 4, {}),
    ('resnet_sgd', 'resnet_v1_basic', 'sgd', {'learning_rate': 0.05, 'momentum': 0.9,
                                              'wd': 1e-4}, 2, 4, {}),
    ('adam', 'plain_convnet', 'adam', {'learning_rate': 0.01, 'wd': 1e-3}, 3, 4, {}),
    ('lstm_adam', 'text_lstm', 'adam', {'learning_rate': 0.01}, 2, 3, {}),
    ('lr_mult', 'plain_convnet', 'sgd', {'learning_rate': 0.05, 'momentum': 0.9, 'wd': 1e-3},
     3, 4, {'lr_mult': 2.5, 'wd_mult': 0.0, 'null': True}),
    ('add', 'plain_convnet', 'sgd', {'learning_rate': 0.05}, 2, 4, {'add': True}),
    ('rmsprop', 'two_heads', 'rmsprop', {'learning_rate': 0.01, 'clip_gradient': 0.5}, 2, 4,
     {}),
    ('set_lr', 'plain_convnet', 'nag', {'learning_rate': 0.05, 'momentum': 0.9}, 3, 4,
     {'set_lr': 0.2}),
]


def _files(name):
    return (os.path.join(CORPUS, name + '-symbol.json'),
            os.path.join(CORPUS, name + '-0000.params'))


def _data(name, batch, rng):
    meta = json.load(open(os.path.join(CORPUS, name + '.json')))
    shape = [batch] + meta['input']['data'][1:]
    if name.startswith('text'):
        x = rng.randint(0, 50, size=shape).astype('float32')
    else:
        x = rng.uniform(-1, 1, size=shape).astype('float32')
    classes = meta['outputs'][0][-1]
    lshape = [batch] + meta['outputs'][0][1:-1]      # text nets: a class per time step
    return x, rng.randint(0, classes, size=lshape).astype('float32')


def _error(fn):
    try:
        fn()
    except Exception as e:  # pylint: disable=broad-except
        return {'type': type(e).__name__, 'message': str(e).split('\n')[-1][:600]}
    return None


def _loss_of(out, label, loss_fn):
    if isinstance(out, (list, tuple)):    # two_heads: classes, and a feature map pulled to 0
        return loss_fn(out[0], label) + gluon.loss.L2Loss()(out[1], out[1].zeros_like())
    return loss_fn(out, label)


def record_trainer(out_dir):
    arrays, meta = {}, {}
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    for case, net_name, optim, oparams, steps, batch, extra in TRAINER_CASES:
        rng = np.random.RandomState(len(case) * 7 + steps)
        sym, par = _files(net_name)
        net = gluon.nn.SymbolBlock.imports(sym, ['data'], par)
        params = net.collect_params()
        names = configure(params, extra)
        trainer = gluon.Trainer(params, optim, dict(oparams))
        losses, lrs = [], []
        for s in range(steps):
            x, y = _data(net_name, batch, rng)
            arrays['%s/x%d' % (case, s)] = x
            arrays['%s/y%d' % (case, s)] = y
            if extra.get('set_lr') and s == 1:
                trainer.set_learning_rate(extra['set_lr'])
            for _ in range(2 if extra.get('add') else 1):
                with autograd.record():
                    loss = _loss_of(net(mx.nd.array(x)), mx.nd.array(y), loss_fn)
                loss.backward()
            trainer.step(batch)
            if extra.get('add'):
                params.zero_grad()
            losses.append(loss.asnumpy())
            lrs.append(trainer.learning_rate)
        arrays['%s/losses' % case] = np.stack(losses)
        for n in names:
            arrays['%s/param/%s' % (case, n)] = params[n].data().asnumpy()
        meta[case] = {'net': net_name, 'optimizer': optim, 'optimizer_params': oparams,
                      'steps': steps, 'batch': batch, 'extra': extra, 'learning_rates': lrs,
                      'params': names}

    # states: two steps, save_states, a third step; tfmod loads the file and repeats step 3
    rng = np.random.RandomState(11)
    sym, par = _files('plain_convnet')
    net = gluon.nn.SymbolBlock.imports(sym, ['data'], par)
    trainer = gluon.Trainer(net.collect_params(), 'sgd',
                            {'learning_rate': 0.05, 'momentum': 0.9})
    for s in range(3):
        x, y = _data('plain_convnet', 4, rng)
        arrays['states/x%d' % s], arrays['states/y%d' % s] = x, y
        if s == 2:
            trainer.save_states(os.path.join(out_dir, 'sgd_mom-2.states'))
            for n, p in net.collect_params().items():
                arrays['states/before/%s' % n] = p.data().asnumpy()
        with autograd.record():
            loss = loss_fn(net(mx.nd.array(x)), mx.nd.array(y))
        loss.backward()
        trainer.step(4)
    for n, p in net.collect_params().items():
        arrays['states/param/%s' % n] = p.data().asnumpy()

    # errors
    net = gluon.nn.SymbolBlock.imports(sym, ['data'], par)
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})
    errors = {'stale': _error(lambda: trainer.step(1)),
              'not_params': _error(lambda: gluon.Trainer([1, 2], 'sgd')),
              'not_list': _error(lambda: gluon.Trainer(5, 'sgd')),
              'bad_optimizer': _error(lambda: gluon.Trainer(net.collect_params(), 'nosuch'))}
    x, y = _data('plain_convnet', 2, rng)
    with autograd.record():
        loss = loss_fn(net(mx.nd.array(x)), mx.nd.array(y))
    loss.backward()
    trainer.step(2)
    errors['stale_after_step'] = _error(lambda: trainer.step(2))
    w = net.collect_params()[sorted(net.collect_params().keys())[0]].data().asnumpy()
    trainer.step(2, ignore_stale_grad=True)
    errors['ignore_stale_unchanged'] = bool(np.array_equal(
        w, net.collect_params()[sorted(net.collect_params().keys())[0]].data().asnumpy()))
    meta['errors'] = errors
    np.savez_compressed(os.path.join(out_dir, 'trainer.npz'), **arrays)
    with open(os.path.join(out_dir, 'trainer.json'), 'w') as f:
        json.dump(meta, f, indent=1, sort_keys=True)


LOSS_CASES = [
    ('softmax_ce', 'SoftmaxCrossEntropyLoss', {}, (4, 5), 'sparse'),
    ('softmax_ce_w', 'SoftmaxCrossEntropyLoss', {'weight': 0.7}, (4, 5), 'sparse_sw'),
    ('softmax_ce_dense', 'SoftmaxCrossEntropyLoss', {'sparse_label': False}, (4, 5), 'prob'),
    ('softmax_ce_logits', 'SoftmaxCrossEntropyLoss', {'from_logits': True}, (4, 5), 'sparse'),
    ('softmax_ce_axis1', 'SoftmaxCrossEntropyLoss', {'axis': 1}, (3, 4, 2), 'sparse_axis1'),
    ('softmax_ce_batch1', 'SoftmaxCrossEntropyLoss', {'batch_axis': 1}, (3, 4, 5), 'sparse3'),
    ('sigmoid_bce', 'SigmoidBinaryCrossEntropyLoss', {}, (4, 3), 'binary'),
    ('sigmoid_bce_sw', 'SigmoidBinaryCrossEntropyLoss', {}, (4, 3), 'binary_sw'),
    ('sigmoid_bce_pos', 'SigmoidBinaryCrossEntropyLoss', {}, (4, 3), 'binary_pos'),
    ('sigmoid_bce_from', 'SigmoidBinaryCrossEntropyLoss', {'from_sigmoid': True}, (4, 3),
     'binary_prob'),
    ('sigmoid_bce_from_pos', 'SigmoidBinaryCrossEntropyLoss', {'from_sigmoid': True}, (4, 3),
     'binary_prob_pos'),
    ('l2', 'L2Loss', {}, (4, 3), 'real'),
    ('l2_flat', 'L2Loss', {'weight': 3.0}, (4, 1), 'real_flat'),
    ('l1', 'L1Loss', {}, (4, 3, 2), 'real_sw'),
    ('huber', 'HuberLoss', {'rho': 0.5}, (4, 3), 'real'),
    ('kldiv', 'KLDivLoss', {}, (4, 5), 'prob_logp'),
    ('kldiv_logits', 'KLDivLoss', {'from_logits': False}, (4, 5), 'prob'),
    ('hinge', 'HingeLoss', {'margin': 1.5}, (4, 3), 'signed'),
    ('sq_hinge', 'SquaredHingeLoss', {}, (4, 3), 'signed'),
    ('logistic', 'LogisticLoss', {}, (4, 3), 'signed'),
    ('logistic_bin', 'LogisticLoss', {'label_format': 'binary'}, (4, 3), 'binary'),
    ('triplet', 'TripletLoss', {'margin': 0.3}, (4, 3), 'triplet'),
    ('ctc', 'CTCLoss', {}, (2, 6, 4), 'ctc'),
    ('ctc_len', 'CTCLoss', {'layout': 'TNC'}, (6, 2, 4), 'ctc_len'),
    ('poisson', 'PoissonNLLLoss', {}, (4, 3), 'counts'),
    ('cosine', 'CosineEmbeddingLoss', {'margin': 0.1}, (4, 3), 'cosine'),
    ('sdml', 'SDMLLoss', {'smoothing_parameter': 0.2}, (4, 3), 'triplet_one'),
]


def _loss_inputs(kind, shape, rng):
    """pred and the other (positional) arguments of one case, None where one is left out."""
    pred = rng.uniform(-2, 2, size=shape).astype('float32')
    kw = {}
    if kind.startswith('sparse'):
        if kind == 'sparse_axis1':
            label = rng.randint(0, shape[1], size=(shape[0], shape[2]))
        elif kind == 'sparse3':
            label = rng.randint(0, shape[-1], size=shape[:2])
        else:
            label = rng.randint(0, shape[-1], size=(shape[0],))
        args = [label.astype('float32')]
        if kind == 'sparse_sw':
            kw['sample_weight'] = rng.uniform(0, 2, size=(shape[0], 1)).astype('float32')
    elif kind in ('prob', 'prob_logp'):
        p = rng.uniform(0.1, 1, size=shape)
        args = [(p / p.sum(-1, keepdims=True)).astype('float32')]
        if kind == 'prob_logp':
            pred = np.log(np.exp(pred) / np.exp(pred).sum(-1, keepdims=True)).astype('float32')
    elif kind.startswith('binary'):
        args = [rng.randint(0, 2, size=shape).astype('float32')]
        if 'prob' in kind:
            pred = rng.uniform(0.05, 0.95, size=shape).astype('float32')
        if kind.endswith('_sw'):
            kw['sample_weight'] = rng.uniform(0, 2, size=(shape[0], 1)).astype('float32')
        if kind.endswith('pos'):
            kw['pos_weight'] = rng.uniform(0.5, 3, size=(1, shape[1])).astype('float32')
    elif kind.startswith('real'):
        label = rng.uniform(-2, 2, size=shape).astype('float32')
        args = [label.reshape(-1) if kind == 'real_flat' else label]
        if kind == 'real_sw':
            kw['sample_weight'] = rng.uniform(0, 2, size=(shape[0], 1, 1)).astype('float32')
    elif kind == 'signed':
        args = [rng.choice([-1., 1.], size=shape).astype('float32')]
    elif kind.startswith('triplet'):
        args = [rng.uniform(-2, 2, size=shape).astype('float32')
                for _ in range(1 if kind == 'triplet_one' else 2)]
    elif kind == 'ctc':
        args = [np.array([[1, 2, 2, 0], [0, 1, -1, -1]], 'float32')]
    elif kind == 'ctc_len':
        args = [np.array([[1, 2, 2, 0], [0, 1, 2, 1]], 'float32'),
                np.array([6, 5], 'float32'), np.array([4, 2], 'float32')]
    elif kind == 'counts':
        args = [rng.randint(0, 5, size=shape).astype('float32')]
    elif kind == 'cosine':
        args = [rng.uniform(-2, 2, size=shape).astype('float32'),
                np.array([1, -1, 1, -1], 'float32')]
    # MXNet's loss blocks take sample_weight / pos_weight positionally only
    if 'pos_weight' in kw:
        args += [kw.get('sample_weight'), kw['pos_weight']]
    elif 'sample_weight' in kw:
        args.append(kw['sample_weight'])
    return pred, args


def record_losses(out_dir):
    arrays, meta = {}, {}
    for case, cls, kwargs, shape, kind in LOSS_CASES:
        rng = np.random.RandomState(sum(map(ord, case)))
        pred, args = _loss_inputs(kind, shape, rng)
        loss_fn = getattr(gluon.loss, cls)(**kwargs)
        x = mx.nd.array(pred)
        x.attach_grad()
        with autograd.record():
            out = loss_fn(x, *[None if a is None else mx.nd.array(a) for a in args])
        out.backward()
        arrays[case + '/pred'] = pred
        for i, a in enumerate(args):
            if a is not None:
                arrays['%s/arg%d' % (case, i)] = a
        arrays[case + '/out'] = out.asnumpy()
        arrays[case + '/grad'] = x.grad.asnumpy()
        meta[case] = {'class': cls, 'kwargs': kwargs, 'nargs': len(args),
                      'repr': repr(loss_fn)}
    meta['errors'] = {
        'logistic_format': _error(lambda: gluon.loss.LogisticLoss(label_format='x')),
        'ctc_layout': _error(lambda: gluon.loss.CTCLoss(layout='NCT'))}
    np.savez_compressed(os.path.join(out_dir, 'loss.npz'), **arrays)
    with open(os.path.join(out_dir, 'loss.json'), 'w') as f:
        json.dump(meta, f, indent=1, sort_keys=True)


def _batches(loader):
    out = []
    for b in loader:
        items = b if isinstance(b, list) else [b]
        out.append([{'dtype': np.dtype(i.dtype).name, 'shape': list(i.shape),
                     'values': i.asnumpy().tolist(), 'type': type(i).__name__}
                    for i in items])
    return out


def record_data(out_dir):
    from mxnet.gluon import data as gdata, utils as gutils
    rec = {}
    X = np.arange(10 * 2, dtype='float32').reshape(10, 2)
    X64 = np.arange(7, dtype='float64') / 4
    Y = np.arange(10, dtype='int32') % 3
    ds = gdata.ArrayDataset(X, Y)
    rec['len'] = len(ds)
    for mode in ('keep', 'discard', 'rollover'):
        loader = gdata.DataLoader(ds, batch_size=4, last_batch=mode)
        rec['loader_' + mode] = {'len': len(loader), 'epoch1': _batches(loader),
                                 'epoch2': _batches(loader)}
    rec['loader_float64'] = _batches(gdata.DataLoader(gdata.SimpleDataset(X64), batch_size=3))
    rec['loader_ndarray'] = _batches(gdata.DataLoader(
        gdata.ArrayDataset(mx.nd.array(X), mx.nd.array(Y)), batch_size=4))
    rec['loader_list_label'] = _batches(gdata.DataLoader(
        gdata.ArrayDataset(X, list(range(10))), batch_size=4))
    np.random.seed(42)
    rec['loader_shuffle'] = _batches(gdata.DataLoader(ds, batch_size=4, shuffle=True))
    np.random.seed(7)
    rec['random_sampler'] = [int(i) for i in gdata.RandomSampler(9)]
    rec['batch_sampler'] = {m: list(gdata.BatchSampler(gdata.SequentialSampler(7, 2), 3, m))
                            for m in ('keep', 'discard', 'rollover')}
    bs = gdata.BatchSampler(gdata.SequentialSampler(7), 3, 'rollover')
    rec['rollover_epochs'] = [list(bs), len(bs), list(bs), len(bs)]
    rec['batchify_fn'] = _batches(gdata.DataLoader(
        ds, batch_size=4, batchify_fn=lambda s: mx.nd.array([float(a.sum()) for a, _ in s])))
    rec['batch_sampler_arg'] = _batches(gdata.DataLoader(
        ds, batch_sampler=gdata.BatchSampler(gdata.SequentialSampler(5), 2)))
    rec['transform_first'] = _batches(gdata.DataLoader(
        ds.transform_first(lambda x: x * 2), batch_size=5))
    rec['shard'] = [list(map(float, ds.shard(3, i)[j][0])) for i in range(3)
                    for j in range(len(ds.shard(3, i)))]
    rec['take_filter'] = [len(ds.take(4)), len(ds.filter(lambda s: s[1] == 1))]
    rec['errors'] = {
        'no_batch_size': _error(lambda: gdata.DataLoader(ds)),
        'shuffle_and_sampler': _error(lambda: gdata.DataLoader(
            ds, batch_size=2, shuffle=True, sampler=gdata.SequentialSampler(10))),
        'batch_sampler_and_size': _error(lambda: gdata.DataLoader(
            ds, batch_size=2, batch_sampler=gdata.BatchSampler(gdata.SequentialSampler(5), 2))),
        'bad_last_batch': _error(lambda: list(gdata.BatchSampler(
            gdata.SequentialSampler(5), 2, 'bad'))),
        'array_lengths': _error(lambda: gdata.ArrayDataset(X, Y[:4])),
        'split_uneven': _error(lambda: gutils.split_data(mx.nd.array(X[:7]), 2)),
    }
    a = mx.nd.array(np.arange(7 * 2, dtype='float32').reshape(7, 2))
    rec['split_data'] = [s.asnumpy().tolist() for s in gutils.split_data(a, 3, even_split=False)]
    rec['split_axis1'] = [s.asnumpy().tolist() for s in gutils.split_data(
        mx.nd.array(np.arange(12, dtype='float32').reshape(2, 6)), 3, batch_axis=1)]
    loaded = gutils.split_and_load(X[:6], [mx.cpu(0), mx.cpu(1)])
    rec['split_and_load'] = [[str(s.context), s.asnumpy().tolist()] for s in loaded]
    arrs = [mx.nd.array([[3., 4.]]), mx.nd.array([1., 2., 2.])]
    norm = gutils.clip_global_norm(arrs, 2.0)
    rec['clip_global_norm'] = [float(norm), [x.asnumpy().tolist() for x in arrs]]
    arrs = [mx.nd.array([0.1, 0.2])]
    rec['clip_global_norm_small'] = [float(gutils.clip_global_norm(arrs, 5.0)),
                                     arrs[0].asnumpy().tolist()]
    path = os.path.join(out_dir, 'sha1-sample.txt')
    with open(path, 'wb') as f:
        f.write(b'tfmod gluon utils check_sha1\n')
    import hashlib
    digest = hashlib.sha1(open(path, 'rb').read()).hexdigest()
    rec['check_sha1'] = [digest, gutils.check_sha1(path, digest),
                         gutils.check_sha1(path, '0' * 40)]
    with open(os.path.join(out_dir, 'data.json'), 'w') as f:
        json.dump(rec, f, indent=1, sort_keys=True)


def record_loop(out_dir):
    import tempfile
    rng = np.random.RandomState(5)
    X = rng.uniform(-1, 1, size=(20, 3, 16, 16)).astype('float32')
    Y = rng.randint(0, 5, size=(20,)).astype('float32')
    sym, par = _files('plain_convnet')
    net = gluon.nn.SymbolBlock.imports(sym, ['data'], par)
    trainer = gluon.Trainer(net.collect_params(), 'sgd',
                            {'learning_rate': 0.01, 'momentum': 0.9, 'wd': 1e-4})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    np.random.seed(3)
    losses = []
    loader = gluon.data.DataLoader(gluon.data.ArrayDataset(X, Y), batch_size=8, shuffle=True)
    for _ in range(2):
        for data, label in loader:
            with autograd.record():
                loss = loss_fn(net(data), label)
            loss.backward()
            trainer.step(data.shape[0])
            losses.append(loss.mean().asscalar())
    with tempfile.TemporaryDirectory() as tmp:
        net.export(os.path.join(tmp, 'tuned'))
        tuned = gluon.nn.SymbolBlock.imports(os.path.join(tmp, 'tuned-symbol.json'), ['data'],
                                             os.path.join(tmp, 'tuned-0000.params'))
        out = tuned(mx.nd.array(X[:4])).asnumpy()
    # two contexts: each computes its half of the batch; the kvstore sums and updates
    ctx = [mx.cpu(0), mx.cpu(1)]
    net = gluon.nn.SymbolBlock.imports(sym, ['data'], par, ctx=ctx)
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.05,
                                                           'momentum': 0.9})
    for s in range(2):
        xs = gluon.utils.split_and_load(X[4 * s:4 * s + 4], ctx)
        ys = gluon.utils.split_and_load(Y[4 * s:4 * s + 4], ctx)
        with autograd.record():
            ls = [loss_fn(net(x), y) for x, y in zip(xs, ys)]
        for item in ls:
            item.backward()
        trainer.step(4)
    multi = {'multi/%d/%s' % (i, n): p.data(c).asnumpy()      # running stats differ per context
             for n, p in net.collect_params().items() for i, c in enumerate(ctx)}
    np.savez_compressed(os.path.join(out_dir, 'loop.npz'), X=X, Y=Y, losses=np.array(losses),
                        out=out, **multi)


def main(argv):
    out_dir = argv[1] if len(argv) > 1 else os.path.join(HERE, 'tests', 'fixtures',
                                                         'gluon_trainer')
    os.makedirs(out_dir, exist_ok=True)
    record_trainer(out_dir)
    record_loop(out_dir)
    record_losses(out_dir)
    record_data(out_dir)


if __name__ == '__main__':
    main(sys.argv)
