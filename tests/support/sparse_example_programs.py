"""Small programs following MXNet 1.9.1's own ``example/sparse/`` scripts call for call --
linear_classification (csr data, row_sparse weight, a ``mx.operator.CustomOp`` loss),
factorization_machine (``_square_sum``, csr ``square``, Adam with lr/wd mults, custom metrics
registered with ``mx.metric.register``/``alias``), matrix_factorization (``Embedding(sparse_grad=
True)`` on NDArrayIter + PrefetchingIter data) and wide_deep (``mx.sym.sparse.Embedding``, csr +
dense NDArrayIter, checkpoints with optimizer states, then inference.py's load-and-predict path)
-- on synthetic data in the scripts' formats, scaled down and generated from a seed (the scripts
download avazu/criteo/ml-10m/adult). Written once, run by the recorder
(tools/record_sparse_examples.py, MXNet 1.9.1) and the test (tests/test_sparse_examples.py,
tfmod); ``mx`` is the library under test. Each program returns {fixture key: JSON-able result}.
The scripts' random initialisation is run as they run it, then replaced by seeded weights so the
two libraries start from the same numbers."""
import json
import os
from operator import itemgetter

import numpy as np


def num(x):
    """A float32 value as a short JSON number."""
    return float('%.7g' % float(x))


def nums(a):
    return [num(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def metric_values(metric):
    names, values = metric.get()
    names, values = (names, values) if isinstance(names, list) else ([names], [values])
    return {n: num(v) for n, v in zip(names, values)}


def seeded_params(mx, mod, seed, scale):
    """Seeded start values for every parameter ``mod`` holds (replacing the initialiser's),
    ``scale`` a {name: standard deviation} (default 0.1)."""
    r = np.random.RandomState(seed)
    args = mod.get_params()[0]
    return {k: mx.nd.array((r.normal(0, scale.get(k, 0.1), args[k].shape)).astype('float32'))
            for k in sorted(args)}


def params_of(mod):
    args, aux = mod.get_params()
    return {k: {'stype': v.stype, 'shape': list(v.shape), 'values': nums(v.asnumpy()),
                'rows': len(v.indices) if v.stype == 'row_sparse' else None}
            for k, v in sorted(list(args.items()) + list(aux.items()))}


def checkpoint_of(mx, prefix, epoch):
    """What a checkpoint holds: the symbol file's JSON and the parameters' names/storage."""
    with open('%s-symbol.json' % prefix) as f:
        sym_json = json.load(f)
    saved = mx.nd.load('%s-%04d.params' % (prefix, epoch))
    return {'nodes': [[n['op'], n['name'], n.get('attrs', {})] for n in sym_json['nodes']],
            'arg_nodes': sym_json['arg_nodes'], 'heads': sym_json['heads'],
            'params': {k: [v.stype, list(v.shape)] for k, v in sorted(saved.items())}}


def write_libsvm(path, rows, nfeat, seed, pos_rate=0.3):
    """``rows`` LibSVM lines with 0/1 labels (the avazu/criteo form): a few sorted feature
    indices each, values 1 or a small float, the label drawn from a hidden linear rule."""
    r = np.random.RandomState(seed)
    hidden = r.normal(0, 1, nfeat)
    with open(path, 'w') as f:
        for _ in range(rows):
            idx = np.sort(r.choice(nfeat, r.randint(3, 9), replace=False))
            val = np.where(r.rand(len(idx)) < 0.6, 1.0, r.uniform(0.1, 2, len(idx)).round(3))
            score = (hidden[idx] * val).sum() + r.normal(0, 0.5)
            label = int(score > np.quantile(hidden, 1 - pos_rate))
            f.write('%d %s\n' % (label, ' '.join('%d:%g' % iv for iv in zip(idx, val))))


# ---- linear_classification ------------------------------------------------------------------

def register_weighted_softmax_ce(mx):
    """linear_classification/weighted_softmax_ce.py's custom loss, written afresh."""

    class WeightedSoftmaxCE(mx.operator.CustomOp):
        def __init__(self, positive_cls_weight):
            self.positive_cls_weight = float(positive_cls_weight)

        def forward(self, is_train, req, in_data, out_data, aux):
            self.assign(out_data[0], req[0], mx.nd.SoftmaxOutput(in_data[0], in_data[1]))

        def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
            label, pred = in_data[1], out_data[0]
            dx = pred - mx.nd.one_hot(label, 2)
            w = self.positive_cls_weight
            scale = ((1 + label * w) / w).reshape((pred.shape[0], 1))
            self.assign(in_grad[0], req[0], scale * dx)

    @mx.operator.register('weighted_softmax_ce_loss')
    class WeightedSoftmaxCEProp(mx.operator.CustomOpProp):
        def __init__(self, positive_cls_weight):
            super(WeightedSoftmaxCEProp, self).__init__(True)
            self.positive_cls_weight = positive_cls_weight

        def list_arguments(self):
            return ['data', 'label']

        def list_outputs(self):
            return ['output']

        def infer_shape(self, in_shapes):
            return in_shapes, (in_shapes[0],), ()

        def create_operator(self, ctx, in_shapes, in_dtypes):
            return WeightedSoftmaxCE(self.positive_cls_weight)


def linear_model(mx, num_features, positive_cls_weight):
    x = mx.symbol.Variable('data', stype='csr')
    weight = mx.symbol.Variable('weight', shape=(num_features, 2),
                                init=mx.initializer.Normal(sigma=0.01), stype='row_sparse')
    bias = mx.symbol.Variable('bias', shape=(2,))
    pred = mx.symbol.broadcast_add(mx.symbol.sparse.dot(x, weight), bias)
    y = mx.symbol.Variable('softmax_label')
    out = mx.sym.Custom(pred, y, op_type='weighted_softmax_ce_loss',
                        positive_cls_weight=positive_cls_weight, name='out')
    return mx.sym.MakeLoss(out)


LINEAR = {'num_features': 501, 'batch_size': 32, 'epochs': 2}


def linear_classification(mx, tmp, optimizer, kvstore=None):
    """train.py's loop; ``kvstore`` None is the script's default (no store: prepare() only
    warns, the Module's updater updates the row_sparse weight)."""
    register_weighted_softmax_ce(mx)
    nf, bs = LINEAR['num_features'], LINEAR['batch_size']
    train, val = os.path.join(tmp, 'avazu-app'), os.path.join(tmp, 'avazu-app.t')
    write_libsvm(train, 150, nf, 1)
    write_libsvm(val, 64, nf, 2)   # whole batches: see test_sparse_examples

    def batch_row_ids(data_batch):
        return {'weight': data_batch.data[0].indices}

    def all_row_ids(data_batch):
        return {'weight': mx.nd.arange(0, nf, dtype='int64')}

    kv = mx.kvstore.create(kvstore) if kvstore else None
    rank, num_worker = (kv.rank, kv.num_workers) if kv else (0, 1)
    train_data = mx.io.LibSVMIter(data_libsvm=train, data_shape=(nf,), batch_size=bs,
                                  num_parts=num_worker, part_index=rank)
    eval_data = mx.io.LibSVMIter(data_libsvm=val, data_shape=(nf,), batch_size=bs)
    with mx.name.NameManager():   # fresh auto-names (dot0, ...) whatever ran before
        model = linear_model(mx, nf, 2)
    mod = mx.mod.Module(symbol=model, data_names=['data'], label_names=['softmax_label'])
    mod.bind(data_shapes=train_data.provide_data, label_shapes=train_data.provide_label)
    mod.init_params()
    mod.set_params(seeded_params(mx, mod, 3, {'weight': 0.5}), {})
    optim = mx.optimizer.create(optimizer, learning_rate=0.5 if optimizer == 'sgd' else 0.05,
                                rescale_grad=1.0 / bs / num_worker)
    mod.init_optimizer(optimizer=optim, kvstore=kv)
    metric = mx.metric.create(['nll_loss'])
    speedometer = mx.callback.Speedometer(bs, 100)
    seen = {'train': [], 'eval': [], 'params': []}
    prefix = os.path.join(tmp, 'linear_%s' % optimizer)
    for epoch in range(LINEAR['epochs']):
        nbatch = 0
        metric.reset()
        for batch in train_data:
            nbatch += 1
            mod.prepare(batch, sparse_row_id_fn=batch_row_ids)
            mod.forward_backward(batch)
            mod.update()
            mod.update_metric(metric, batch.label)
            speedometer(mx.model.BatchEndParam(epoch=epoch, nbatch=nbatch, eval_metric=metric,
                                               locals=locals()))
            seen['train'].append(metric_values(metric))
        mod.prepare(None, all_row_ids)
        score = mod.score(eval_data, ['nll_loss'])
        seen['eval'].append([[n, num(v)] for n, v in score])
        mod.prepare(None, all_row_ids)
        mod.save_checkpoint(prefix, epoch)
        seen['params'].append(params_of(mod))
        train_data.reset()
        eval_data.reset()
    seen['checkpoint'] = checkpoint_of(mx, prefix, LINEAR['epochs'] - 1)
    _, args, _ = mx.model.load_checkpoint(prefix, LINEAR['epochs'] - 1)
    seen['reloaded_weight'] = nums(args['weight'].asnumpy()[:20])
    return seen


# ---- factorization_machine ------------------------------------------------------------------

def register_fm_metrics(mx):
    """factorization_machine/metric.py's ``log_loss`` and ``auc`` metrics, written afresh."""

    @mx.metric.register
    @mx.metric.alias('log_loss')
    class LogLoss(mx.metric.EvalMetric):
        def __init__(self, eps=1e-12, name='log-loss', output_names=None, label_names=None):
            super(LogLoss, self).__init__(name, eps=eps, output_names=output_names,
                                          label_names=label_names)
            self.eps = eps

        def update(self, labels, preds):
            mx.metric.check_label_shapes(labels, preds)
            for label, pred in zip(labels, preds):
                label, pred = label.asnumpy().ravel(), pred.asnumpy()
                pred = np.column_stack((1 - pred, pred))
                prob = pred[np.arange(pred.shape[0]), np.int64(label)]
                self.sum_metric += (-np.log(prob + self.eps)).sum()
                self.num_inst += pred.shape[0]

    @mx.metric.register
    @mx.metric.alias('auc')
    class AUC(mx.metric.EvalMetric):
        def __init__(self, eps=1e-12):
            super(AUC, self).__init__('auc')
            self.eps = eps

        def update(self, labels, preds):
            mx.metric.check_label_shapes(labels, preds)
            label, pred = labels[0].asnumpy(), preds[0].asnumpy()
            pairs = sorted(zip(label, pred.ravel()), key=itemgetter(1), reverse=True)
            ones = np.count_nonzero(label)
            if ones in (0, label.size):
                raise Exception('AUC with one class is undefined')
            height = area = 0.0
            for a, _ in pairs:
                if a == 1.0:
                    height += 1
                else:
                    area += height
            self.sum_metric += area / ((label.size - ones) * ones)
            self.num_inst += 1


def fm_model(mx, factor_size, num_features, lr_mult, wd_mult, init):
    x = mx.symbol.Variable('data', stype='csr')
    v = mx.symbol.Variable('v', shape=(num_features, factor_size), stype='row_sparse',
                           init=init['v'], lr_mult=lr_mult['v'], wd_mult=wd_mult['v'])
    w = mx.symbol.Variable('w', shape=(num_features, 1), stype='row_sparse', init=init['w'],
                           lr_mult=lr_mult['w'], wd_mult=wd_mult['w'])
    w0 = mx.symbol.Variable('w0', shape=(1,), init=init['w0'], lr_mult=lr_mult['w0'],
                            wd_mult=wd_mult['w0'])
    w1 = mx.symbol.broadcast_add(mx.symbol.dot(x, w), w0)
    v_s = mx.symbol._internal._square_sum(data=v, axis=1, keepdims=True)
    bd_sum = mx.sym.dot(x.square(), v_s)
    w2_squared = 0.5 * mx.symbol.square(data=mx.symbol.dot(x, v))
    w_all = mx.symbol.Concat(w1, w2_squared, dim=1)
    model = w_all.sum(axis=1, keepdims=True) + -0.5 * bd_sum
    return mx.symbol.LogisticRegressionOutput(data=model, label=mx.symbol.Variable(
        'softmax_label'))


FM = {'num_features': 301, 'factor_size': 4, 'batch_size': 25}


def factorization_machine(mx, tmp):
    register_fm_metrics(mx)
    nf, bs = FM['num_features'], FM['batch_size']
    train, test = os.path.join(tmp, 'criteo.train'), os.path.join(tmp, 'criteo.test')
    write_libsvm(train, 120, nf, 4, pos_rate=0.4)
    write_libsvm(test, 50, nf, 5, pos_rate=0.4)

    def batch_row_ids(data_batch):
        idx = data_batch.data[0].indices
        return {'w': idx, 'v': idx}

    def all_row_ids(data_batch):
        rows = mx.nd.arange(0, nf, dtype='int64')
        return {'w': rows, 'v': rows}

    kv = mx.kvstore.create('local')
    train_data = mx.io.LibSVMIter(data_libsvm=train, data_shape=(nf,), batch_size=bs)
    eval_data = mx.io.LibSVMIter(data_libsvm=test, data_shape=(nf,), batch_size=bs)
    lr_config = {'v': 0.01, 'w': 0.1, 'w0': 1.0}
    wd_config = {'v': 0.00001, 'w': 0.001, 'w0': 0.01}
    init_config = {'v': mx.initializer.Normal(0.001), 'w': mx.initializer.Normal(0.01),
                   'w0': mx.initializer.Normal(0.01)}
    with mx.name.NameManager():
        model = fm_model(mx, FM['factor_size'], nf, lr_config, wd_config, init_config)
    mod = mx.mod.Module(symbol=model)
    mod.bind(data_shapes=train_data.provide_data, label_shapes=train_data.provide_label)
    mod.init_params()
    mod.set_params(seeded_params(mx, mod, 6, {'v': 0.3, 'w': 0.3, 'w0': 0.1}), {})
    optimizer_params = (('learning_rate', 1), ('wd', 1), ('beta1', 0.9), ('beta2', 0.999),
                        ('epsilon', 1e-8))
    mod.init_optimizer(optimizer='adam', kvstore=kv, optimizer_params=optimizer_params)
    metric = mx.metric.create(['log_loss', 'auc'])
    speedometer = mx.callback.Speedometer(bs, 100)
    train_iter, eval_iter = iter(train_data), iter(eval_data)
    seen = {'train': [], 'skipped': [], 'eval': [], 'params': []}
    for epoch in range(2):
        nbatch = 0
        metric.reset()
        for batch in train_iter:
            try:
                nbatch += 1
                mod.prepare(batch, sparse_row_id_fn=batch_row_ids)
                mod.forward_backward(batch)
                mod.update()
                mod.update_metric(metric, batch.label)
                speedometer(mx.model.BatchEndParam(epoch=epoch, nbatch=nbatch,
                                                   eval_metric=metric, locals=locals()))
            except Exception:   # the script's bare except: a one-class batch's AUC raises
                seen['skipped'].append(nbatch)
                continue
            finally:
                seen['train'].append(metric_values(metric))
        mod.prepare(None, all_row_ids)
        score = mod.score(eval_iter, ['log_loss'])
        seen['eval'].append([[n, num(v)] for n, v in score])
        seen['params'].append(params_of(mod))
        train_iter.reset()
        eval_iter.reset()
    return seen


# ---- matrix_factorization -------------------------------------------------------------------

MOVIELENS = {'max_user': 60, 'max_movie': 40, 'factor_size': 8, 'batch_size': 32}


def write_ratings(path, rows, seed):
    """MovieLens ``user::item::rating::timestamp`` lines."""
    r = np.random.RandomState(seed)
    with open(path, 'w') as f:
        for _ in range(rows):
            f.write('%d::%d::%s::%d\n' % (r.randint(1, MOVIELENS['max_user']),
                                          r.randint(1, MOVIELENS['max_movie']),
                                          r.choice(['1', '2', '3', '3.5', '4', '4.5', '5']),
                                          r.randint(9e8, 1e9)))


def get_movielens_iter(mx, filename, batch_size):
    """matrix_factorization/data.py's reader: strings into NDArrays, a shuffling NDArrayIter
    in a PrefetchingIter."""
    user, item, score = [], [], []
    with open(filename) as f:
        for line in f:
            tks = line.strip().split('::')
            if len(tks) != 4:
                continue
            user.append(tks[0])
            item.append(tks[1])
            score.append(tks[2])
    user = mx.nd.array(user, dtype='int32')
    item = mx.nd.array(item)
    score = mx.nd.array(score)
    it = mx.io.NDArrayIter(data={'user': user, 'item': item}, label={'score': score},
                           batch_size=batch_size, shuffle=True)
    return mx.io.PrefetchingIter(it)


def matrix_fact_net(mx, factor_size, num_hidden, max_user, max_item, dense):
    user, item = mx.sym.Variable('user'), mx.sym.Variable('item')
    score = mx.sym.Variable('score')
    stype = 'default' if dense else 'row_sparse'
    user_weight = mx.sym.Variable('user_weight', stype=stype)
    item_weight = mx.sym.Variable('item_weight', stype=stype)
    user = mx.sym.Embedding(data=user, weight=user_weight, sparse_grad=not dense,
                            input_dim=max_user, output_dim=factor_size)
    item = mx.sym.Embedding(data=item, weight=item_weight, sparse_grad=not dense,
                            input_dim=max_item, output_dim=factor_size)
    user_act = mx.sym.FullyConnected(data=mx.sym.Activation(data=user, act_type='relu'),
                                     num_hidden=num_hidden)
    item_act = mx.sym.FullyConnected(data=mx.sym.Activation(data=item, act_type='relu'),
                                     num_hidden=num_hidden)
    pred = mx.sym.Flatten(data=mx.sym.sum(data=user_act * item_act, axis=1))
    return mx.sym.LinearRegressionOutput(data=pred, label=score)


def matrix_factorization(mx, tmp, dense=False):
    M, bs = MOVIELENS, MOVIELENS['batch_size']
    mx.random.seed(1)
    np.random.seed(1)
    train, val = os.path.join(tmp, 'r1.train'), os.path.join(tmp, 'r1.test')
    write_ratings(train, 150, 7)
    write_ratings(val, 64, 8)   # whole batches: see test_sparse_examples
    train_iter = get_movielens_iter(mx, train, bs)
    val_iter = get_movielens_iter(mx, val, bs)

    def batch_row_ids(data_batch):
        item, user = data_batch.data[0], data_batch.data[1]
        return {'user_weight': user.astype(np.int64), 'item_weight': item.astype(np.int64)}

    def all_row_ids(data_batch):
        return {'user_weight': mx.nd.arange(0, M['max_user'], dtype='int64'),
                'item_weight': mx.nd.arange(0, M['max_movie'], dtype='int64')}

    with mx.name.NameManager():
        net = matrix_fact_net(mx, M['factor_size'], M['factor_size'], M['max_user'],
                              M['max_movie'], dense)
    mod = mx.module.Module(net, context=[mx.cpu()], data_names=['user', 'item'],
                           label_names=['score'])
    mod.bind(data_shapes=train_iter.provide_data, label_shapes=train_iter.provide_label)
    mod.init_params(initializer=mx.init.Xavier(factor_type='in', magnitude=2.34))
    mod.set_params(seeded_params(mx, mod, 9, {}), {})
    optim = mx.optimizer.create('sgd', learning_rate=0.1, rescale_grad=1.0 / bs)
    mod.init_optimizer(optimizer=optim, kvstore='device')
    metric = mx.metric.create(['MSE'])
    seen = {'provide_data': [[d.name, list(d.shape), np.dtype(d.dtype).name]
                             for d in train_iter.provide_data],
            'train': [], 'eval': [], 'params': [], 'first_batch': None}
    for epoch in range(2):
        nbatch = 0
        metric.reset()
        for batch in train_iter:
            nbatch += 1
            if seen['first_batch'] is None:
                seen['first_batch'] = [nums(d.asnumpy()) for d in batch.data + batch.label]
            mod.prepare(batch, sparse_row_id_fn=batch_row_ids)
            mod.forward_backward(batch)
            mod.update()
            mod.update_metric(metric, batch.label)
            seen['train'].append(metric_values(metric))
        mod.prepare(None, sparse_row_id_fn=all_row_ids)
        score = mod.score(val_iter, ['MSE'])
        seen['eval'].append([[n, num(v)] for n, v in score])
        seen['params'].append(params_of(mod))
        train_iter.reset()
        val_iter.reset()
    return seen


# ---- wide_deep ------------------------------------------------------------------------------

ADULT = {'hash_bucket_size': 50, 'num_embed_features': 2, 'num_cont_features': 38,
         'hidden_units': [4, 16, 16], 'batch_size': 20}


def adult_arrays(mx, rows, seed):
    """wide_deep/data.py's output for ``rows`` synthetic census rows: a csr of 3 hashed crossed
    columns (1.0 each), dense rows [2 hashed embedding ids, 33 indicator columns, 5 continuous
    ones] and 0/1 labels -- the crossings and hashes drawn from a seed. Capital gain/loss stay
    below 50 (census values reach 99999): with unscaled inputs that large, float32 rounding
    flips a relu here and there and Adam's parameters drift from MXNet's by ~1e-3."""
    r = np.random.RandomState(seed)
    hb = ADULT['hash_bucket_size']
    indices = (r.randint(0, hb, (rows, 3)) + np.arange(3) * hb).ravel()
    csr = mx.nd.sparse.csr_matrix((np.ones(rows * 3).tolist(), indices.tolist(),
                                   range(0, rows * 3 + 1, 3)), shape=(rows, hb * 3))
    dns = np.zeros((rows, 40))
    dns[:, :2] = r.randint(0, hb, (rows, 2))
    dim = 2
    for size in (9, 16, 2, 6):
        dns[np.arange(rows), dim + r.randint(0, size, rows)] = 1.0
        dim += size
    dns[:, dim:] = np.column_stack([r.randint(17, 90, rows), r.randint(1, 17, rows),
                                    np.where(r.rand(rows) < 0.1, r.randint(0, 50, rows), 0),
                                    np.where(r.rand(rows) < 0.05, r.randint(0, 20, rows), 0),
                                    r.randint(1, 99, rows)])
    label = ((dns[:, dim] > 40) & (dns[:, dim + 4] > 35) | (r.rand(rows) < 0.1)).astype(int)
    return csr, dns, label


def wide_deep_model(mx, num_linear_features, num_embed_features, num_cont_features,
                    input_dims, hidden_units):
    csr_data = mx.symbol.Variable('csr_data', stype='csr')
    label = mx.symbol.Variable('softmax_label')
    weight = mx.symbol.Variable('linear_weight', shape=(num_linear_features, 2),
                                init=mx.initializer.Normal(sigma=0.01), stype='row_sparse')
    bias = mx.symbol.Variable('linear_bias', shape=(2,))
    linear_out = mx.symbol.broadcast_add(mx.symbol.sparse.dot(csr_data, weight), bias)
    dns_data = mx.symbol.Variable('dns_data')
    x = mx.symbol.slice(data=dns_data, begin=(0, 0), end=(None, num_embed_features))
    embeds = mx.symbol.split(data=x, num_outputs=num_embed_features, squeeze_axis=1)
    x = mx.symbol.slice(data=dns_data, begin=(0, num_embed_features),
                        end=(None, num_embed_features + num_cont_features))
    features = [x]
    for i, embed in enumerate(embeds):
        embed_weight = mx.symbol.Variable('embed_%d_weight' % i, stype='row_sparse')
        features.append(mx.symbol.sparse.Embedding(data=embed, weight=embed_weight,
                                                   input_dim=input_dims[i],
                                                   output_dim=hidden_units[0],
                                                   sparse_grad=True))
    hidden = mx.symbol.concat(*features, dim=1)
    hidden = mx.symbol.FullyConnected(data=hidden, num_hidden=hidden_units[1])
    hidden = mx.symbol.Activation(data=hidden, act_type='relu')
    hidden = mx.symbol.FullyConnected(data=hidden, num_hidden=hidden_units[2])
    hidden = mx.symbol.Activation(data=hidden, act_type='relu')
    deep_out = mx.symbol.FullyConnected(data=hidden, num_hidden=2)
    return mx.symbol.SoftmaxOutput(linear_out + deep_out, label, name='model')


def wide_deep(mx, tmp, optimizer):
    A, bs = ADULT, ADULT['batch_size']
    np.random.seed(2)
    train_csr, train_dns, train_label = adult_arrays(mx, 100, 10)
    val_csr, val_dns, val_label = adult_arrays(mx, 60, 11)
    with mx.name.NameManager():
        model = wide_deep_model(mx, A['hash_bucket_size'] * 3, A['num_embed_features'],
                                A['num_cont_features'], [A['hash_bucket_size']] * 2,
                                A['hidden_units'])
    train_data = mx.io.NDArrayIter({'csr_data': train_csr, 'dns_data': train_dns},
                                   {'softmax_label': train_label}, bs, shuffle=True,
                                   last_batch_handle='discard')
    eval_data = mx.io.NDArrayIter({'csr_data': val_csr, 'dns_data': val_dns},
                                  {'softmax_label': val_label}, bs, shuffle=True,
                                  last_batch_handle='discard')
    mod = mx.mod.Module(symbol=model, context=mx.cpu(), data_names=['csr_data', 'dns_data'],
                        label_names=['softmax_label'])
    mod.bind(data_shapes=train_data.provide_data, label_shapes=train_data.provide_label)
    mod.init_params()
    mod.set_params(seeded_params(mx, mod, 12, {}), {})
    lr = 0.001 if optimizer == 'adam' else 0.01
    mod.init_optimizer(optimizer=mx.optimizer.create(optimizer, learning_rate=lr,
                                                     rescale_grad=1.0 / bs))
    metric = mx.metric.create(['acc'])
    prefix = os.path.join(tmp, 'wide_deep_%s' % optimizer)
    seen = {'train': [], 'eval': [], 'params': []}
    data_iter = iter(train_data)
    for epoch in range(2):
        nbatch = 0
        metric.reset()
        for batch in data_iter:
            nbatch += 1
            mod.forward_backward(batch)
            mod.update()
            mod.update_metric(metric, batch.label)
            seen['train'].append(metric_values(metric))
            seen.setdefault('outputs', nums(mod.get_outputs()[0].asnumpy()))
        score = mod.score(eval_data, ['acc'])
        seen['eval'].append([[n, num(v)] for n, v in score])
        mod.save_checkpoint(prefix, epoch, save_optimizer_states=True)
        data_iter.reset()
    seen['params'] = params_of(mod)
    seen['checkpoint'] = checkpoint_of(mx, prefix, 1)
    seen['inference'] = wide_deep_inference(mx, prefix, 1, val_csr, val_dns, val_label)
    return seen


def wide_deep_inference(mx, prefix, load_epoch, val_csr, val_dns, val_label):
    """wide_deep/inference.py's accuracy path on a checkpoint."""
    bs = ADULT['batch_size']
    sym, arg_params, aux_params = mx.model.load_checkpoint(prefix, load_epoch)
    eval_data = mx.io.NDArrayIter({'csr_data': val_csr, 'dns_data': val_dns},
                                  {'softmax_label': val_label}, bs, shuffle=True,
                                  last_batch_handle='discard')
    mod = mx.mod.Module(symbol=sym, context=mx.cpu(), data_names=['csr_data', 'dns_data'],
                        label_names=['softmax_label'])
    mod.bind(data_shapes=eval_data.provide_data, label_shapes=eval_data.provide_label)
    mod.set_params(arg_params=arg_params, aux_params=aux_params)
    metric = mx.metric.create(['acc'])
    accuracy_avg, nbatch, per_batch = 0.0, 0, []
    for batch in iter(eval_data):
        nbatch += 1
        metric.reset()
        mod.forward(batch, is_train=False)
        mod.update_metric(metric, batch.label)
        accuracy_avg += metric.get()[1][0]
        per_batch.append(nums(mod.get_outputs()[0].asnumpy()[:4]))
    return {'accuracy_avg': num(accuracy_avg / nbatch), 'nbatch': nbatch,
            'outputs': per_batch, 'arg_stypes': {k: v.stype for k, v in
                                                 sorted(arg_params.items())}}


PROGRAMS = {
    'linear_sgd': lambda mx, tmp: linear_classification(mx, tmp, 'sgd', 'local'),
    'linear_adagrad': lambda mx, tmp: linear_classification(mx, tmp, 'adagrad'),
    'linear_adam': lambda mx, tmp: linear_classification(mx, tmp, 'adam', 'local'),
    # (wide_deep's Ftrl on this row_sparse weight: its lazy rule is the weight's storage's)
    'linear_ftrl': lambda mx, tmp: linear_classification(mx, tmp, 'ftrl'),
    'fm_adam': factorization_machine,
    'mf_sparse': matrix_factorization,
    'mf_dense': lambda mx, tmp: matrix_factorization(mx, tmp, dense=True),
    'wide_deep_adam': lambda mx, tmp: wide_deep(mx, tmp, 'adam'),
    'wide_deep_ftrl': lambda mx, tmp: wide_deep(mx, tmp, 'ftrl'),
    'wide_deep_sgd': lambda mx, tmp: wide_deep(mx, tmp, 'sgd'),
}

