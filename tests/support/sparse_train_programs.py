"""The sparse-training programs whose results MXNet 1.9.1 defines, written once for the recorder
(tools/record_sparse_train.py, run by MXNet) and the test (tests/test_sparse_train.py, run by
tfmod), so the two cannot drift apart; ``mx`` is the library under test. Each program returns
{fixture key: JSON-able result}; ``tmp`` is a scratch folder."""
import os
import re

import numpy as np

DATA = """1 0:1.5 3:2.0 7:-1
0 2:0.5
2 1:1 4:3 9:0.25
1 5:2
0 0:1 9:1
3 3:4.5 6:1.25
1 8:2
2 1:-0.5 2:2 3:1
"""
LABEL = """0 0:1 1:2
0 1:3
0 0:5
0 2:1
0 0:1 2:2
0 1:1
0 0:7
0 2:-1
"""


def arr(a):
    """An NDArray as {'stype', 'dense', and its csr/row_sparse structure}."""
    out = {'stype': a.stype, 'shape': list(a.shape),
           'dense': a.asnumpy().astype(np.float64).tolist()}
    if a.stype == 'csr':
        out['indptr'] = a.indptr.asnumpy().tolist()
    if a.stype != 'default':
        out['indices'] = a.indices.asnumpy().tolist()
    return out


def outcome(fn):
    """['ok', result] or ['raise', exception type name, its last line (MXNet's time stamp
    dropped, so re-recording gives the same fixture)]."""
    try:
        return ['ok', fn()]
    except Exception as e:  # noqa: BLE001 -- recording whatever the library raises
        return ['raise', type(e).__name__,
                re.sub(r'\[\d\d:\d\d:\d\d\] ', '', str(e).strip().splitlines()[-1])]


def _epochs(it, n=2):
    seen = {'provide_data': [list(d.shape) for d in it.provide_data],
            'provide_label': [list(d.shape) for d in it.provide_label], 'epochs': []}
    for ep in range(n):
        if ep:
            it.reset()
        seen['epochs'].append([{'data': arr(b.data[0]), 'label': arr(b.label[0]),
                                'pad': int(b.pad), 'index': [int(i) for i in b.index]}
                               for b in it])
    return seen


def libsvm_iters(mx, tmp=None):
    data, label = os.path.join(tmp, 'd.libsvm'), os.path.join(tmp, 'l.libsvm')
    with open(data, 'w') as f:
        f.write(DATA)
    with open(label, 'w') as f:
        f.write(LABEL)
    L = mx.io.LibSVMIter
    out = {
        'bs3': outcome(lambda: _epochs(L(data_libsvm=data, data_shape=(10,), batch_size=3))),
        'bs8': outcome(lambda: _epochs(L(data_libsvm=data, data_shape=(10,), batch_size=8))),
        'label_csr': outcome(lambda: _epochs(L(data_libsvm=data, data_shape=(10,),
                                               label_libsvm=label, label_shape=(3,),
                                               batch_size=3), 3)),
        'no_round': outcome(lambda: L(data_libsvm=data, data_shape=(10,), batch_size=3,
                                      round_batch=False)),
    }
    for parts in (2, 3):
        for k in range(parts):
            out['part%d_%d' % (k, parts)] = outcome(lambda: _epochs(L(
                data_libsvm=data, data_shape=(10,), batch_size=2, num_parts=parts,
                part_index=k)))
            out['lpart%d_%d' % (k, parts)] = outcome(lambda: _epochs(L(
                data_libsvm=data, data_shape=(10,), label_libsvm=label, label_shape=(3,),
                batch_size=2, num_parts=parts, part_index=k)))
    return out


def rsp(mx, rows, shape, seed=0, scale=1.0):
    """A row_sparse array storing ``rows`` (seeded values)."""
    data = np.random.RandomState(seed).uniform(-1, 1, (len(rows),) + tuple(shape[1:]))
    return mx.nd.sparse.row_sparse_array((data.round(2).astype('float32') * scale,
                                          np.array(rows, 'int64')), shape=shape)


def kvstore_row_sparse(mx, tmp=None):
    out = {}
    kv = mx.kv.create('local')
    kv.init('w', rsp(mx, [1, 3], (6, 2)))
    o = mx.nd.sparse.zeros('row_sparse', (6, 2))

    def pull(**kw):
        kv.pull('w', out=o, **kw)
        return arr(o)
    out['kv_pull_rsp_ignored'] = outcome(pull)
    out['kv_pull_rsp'] = outcome(lambda: pull(ignore_sparse=False))
    d = mx.nd.zeros((6, 2))
    out['kv_pull_dense'] = outcome(lambda: (kv.pull('w', out=d), arr(d))[1])

    def rsp_pull(ids):
        kv.row_sparse_pull('w', out=o, row_ids=mx.nd.array(ids))
        return arr(o)
    out['kv_rsp_pull'] = outcome(lambda: rsp_pull([0, 1, 5]))
    out['kv_rsp_pull_repeats'] = outcome(lambda: rsp_pull([3, 3, 1]))
    o2 = mx.nd.sparse.zeros('row_sparse', (6, 2))

    def pull_two(row_ids):
        kv.row_sparse_pull('w', out=[o, o2], row_ids=row_ids)
        return [arr(o), arr(o2)]
    out['kv_rsp_pull_two'] = outcome(lambda: pull_two([mx.nd.array([3]), mx.nd.array([1, 2])]))
    out['kv_rsp_pull_one_ids'] = outcome(lambda: pull_two(mx.nd.array([4, 1])))
    kv.push('w', [rsp(mx, [0, 3], (6, 2), 1), rsp(mx, [3, 4], (6, 2), 2)])
    out['kv_push_sum'] = outcome(lambda: rsp_pull(list(range(6))))
    out['kv_rsp_pull_dense_out'] = outcome(lambda: kv.row_sparse_pull(
        'w', out=mx.nd.zeros((6, 2)), row_ids=mx.nd.array([1])))
    kv.push('w', mx.nd.ones((6, 2)))
    out['kv_push_dense_then_rsp_pull'] = outcome(lambda: rsp_pull([1]))
    out['kv_push_dense_pull'] = outcome(lambda: (kv.pull('w', out=d), arr(d))[1])
    # an optimizer on the store: the rows pushed are updated, lazily
    kv2 = mx.kv.create('local')
    kv2.set_optimizer(mx.optimizer.SGD(learning_rate=0.1, momentum=0.9, wd=0.01))
    kv2.init(3, rsp(mx, list(range(6)), (6, 2), 3))
    kv2.push(3, rsp(mx, [2, 5], (6, 2), 4))
    kv2.push(3, [rsp(mx, [0, 2], (6, 2), 5), rsp(mx, [2], (6, 2), 6)])
    o3 = mx.nd.sparse.zeros('row_sparse', (6, 2))
    out['kv_sgd_lazy'] = outcome(lambda: (kv2.row_sparse_pull(
        3, out=o3, row_ids=mx.nd.arange(6)), arr(o3))[1])
    kv3 = mx.kv.create('local')
    kv3.set_optimizer(mx.optimizer.Adam(learning_rate=0.1))
    kv3.init(3, mx.nd.ones((6, 2)))
    kv3.push(3, rsp(mx, [2, 5], (6, 2), 7))
    kv3.push(3, rsp(mx, [1, 2], (6, 2), 8))
    d3 = mx.nd.zeros((6, 2))
    out['kv_adam_dense_weight'] = outcome(lambda: (kv3.pull(3, out=d3), arr(d3))[1])
    kv4 = mx.kv.create('local')
    kv4.init(0, mx.nd.ones((6, 2)))
    out['kv_rsp_pull_dense_stored'] = outcome(lambda: kv4.row_sparse_pull(
        0, out=o3, row_ids=mx.nd.array([1])))
    return out


W0 = (np.arange(15, dtype='float32').reshape(5, 3) / 10 - 0.5).tolist()
STEP_ROWS = [[0, 2], [2, 3], [1], [2, 4]]
UPDATERS = [('sgd', {}), ('sgd', {'momentum': 0.9}), ('adam', {}), ('ftrl', {}),
            ('adagrad', {'eps': 0.1}), ('groupadagrad', {'eps': 0.1})]


def _trajectory(mx, name, kw, lazy, wstype, wd):
    kw = dict(kw, learning_rate=0.1, wd=wd)
    if name in ('sgd', 'adam'):
        kw['lazy_update'] = lazy
    w = mx.nd.array(np.array(W0, 'float32')).tostype(wstype)
    up = mx.optimizer.get_updater(mx.optimizer.create(name, **kw))
    steps = []
    for s, rows in enumerate(STEP_ROWS):
        up(0, rsp(mx, rows, (5, 3), s), w)
        steps.append(w.asnumpy().astype(np.float64).tolist())
    state = up.states[0]
    states = [a for a in (state if isinstance(state, (tuple, list)) else [state])
              if a is not None]
    return {'stype': w.stype, 'steps': steps, 'state_stypes': [a.stype for a in states],
            'states': [a.asnumpy().astype(np.float64).tolist() for a in states]}


def optimizer_updaters(mx, tmp=None):
    out = {}
    for name, kw in UPDATERS:
        for lazy in ((True, False) if name in ('sgd', 'adam') else (True,)):
            for wstype in ('default', 'row_sparse'):
                for wd in (0.0, 0.1):
                    key = 'upd_%s%s_%s_%s_wd%g' % (name, '_mom' if kw.get('momentum') else '',
                                                   'lazy' if lazy else 'std', wstype, wd)
                    out[key] = outcome(lambda: _trajectory(mx, name, kw, lazy, wstype, wd))
    return out


# (op under mx.nd, states, attributes): each op is called twice with out=weight
EAGER_OPS = [
    ('sgd_update', 0, {'lr': 0.1, 'wd': 0.1, 'lazy_update': True}),
    ('sgd_update', 0, {'lr': 0.1, 'wd': 0.1, 'lazy_update': False}),
    ('sgd_mom_update', 1, {'lr': 0.1, 'momentum': 0.9, 'wd': 0.1, 'lazy_update': True}),
    ('sgd_mom_update', 1, {'lr': 0.1, 'momentum': 0.9, 'wd': 0.1, 'lazy_update': False}),
    ('adam_update', 2, {'lr': 0.1, 'wd': 0.1, 'lazy_update': True}),
    ('adam_update', 2, {'lr': 0.1, 'wd': 0.1, 'clip_gradient': 0.3, 'rescale_grad': 2}),
    ('ftrl_update', 2, {'lr': 0.1, 'wd': 0.1}),
    ('sparse.adagrad_update', 1, {'lr': 0.1, 'epsilon': 0.1}),
    ('sparse.adagrad_update', 1, {'lr': 0.1, 'epsilon': 0.1, 'wd': 0.1}),
    ('contrib.group_adagrad_update', 1, {'lr': 0.1, 'epsilon': 0.1, 'rescale_grad': 0.5}),
]


def _eager(mx, name, nstates, attrs, wstype, gstype):
    fn = mx.nd
    for part in name.split('.'):
        fn = getattr(fn, part)
    w = mx.nd.array(np.array(W0, 'float32')).tostype(wstype)
    shapes = [(5, 1) if 'group' in name else (5, 3)] * nstates
    states = [mx.nd.zeros(s).tostype(wstype) for s in shapes]
    for s, rows in enumerate(STEP_ROWS[:2]):
        g = rsp(mx, rows, (5, 3), s + 10)
        fn(w, g if gstype == 'row_sparse' else g.tostype('default'), *states, out=w, **attrs)
    return [arr(w)] + [arr(a) for a in states]


def eager_optimizer_ops(mx, tmp=None):
    out = {}
    for i, (name, nstates, attrs) in enumerate(EAGER_OPS):
        for wstype in ('default', 'row_sparse'):
            for gstype in ('row_sparse', 'default'):
                key = 'op%d_%s_%s_%s' % (i, name.split('.')[-1], wstype, gstype)
                out[key] = outcome(lambda: _eager(mx, name, nstates, attrs, wstype, gstype))
    return out


def _linear_sym(mx):
    """Linear regression on csr data with a row_sparse weight (MXNet's sparse linear model)."""
    data = mx.sym.Variable('data', stype='csr')
    weight = mx.sym.Variable('weight', stype='row_sparse', shape=(10, 1))
    bias = mx.sym.Variable('bias', shape=(1,))
    pred = mx.sym.broadcast_add(mx.sym.dot(data, weight), bias)
    return mx.sym.LinearRegressionOutput(mx.sym.reshape(pred, shape=(-1,)),
                                         mx.sym.Variable('softmax_label'))


def _bag_sym(mx, contrib=False):
    """An embedding bag: Embedding(sparse_grad=True) (or contrib.SparseEmbedding) summed over
    the bag, then a dense layer."""
    if contrib:
        emb = mx.sym.contrib.SparseEmbedding(mx.sym.Variable('data'), input_dim=8, output_dim=2,
                                             name='emb')
    else:
        emb = mx.sym.Embedding(mx.sym.Variable('data'), input_dim=8, output_dim=2,
                               sparse_grad=True, name='emb')
    fc = mx.sym.FullyConnected(mx.sym.sum(emb, axis=1), num_hidden=1, name='fc')
    return mx.sym.LinearRegressionOutput(mx.sym.reshape(fc, shape=(-1,)),
                                         mx.sym.Variable('softmax_label'))


def _linear_iter(mx, tmp):
    path = os.path.join(tmp, 'train.libsvm')
    with open(path, 'w') as f:
        f.write(DATA)
    return mx.io.LibSVMIter(data_libsvm=path, data_shape=(10,), batch_size=3)


def _bag_iter(mx):
    ids = np.random.RandomState(3).randint(0, 8, (8, 3)).astype('float32')
    return mx.io.NDArrayIter(ids, np.arange(8, dtype='float32') / 4 - 1, batch_size=4)


def _start_params(mx, model):
    r = np.random.RandomState(11)
    if model == 'linear':   # (the bags share their parameters' names)
        return {'weight': mx.nd.array(r.uniform(-1, 1, (10, 1)).round(2)),
                'bias': mx.nd.array([0.25])}
    return {'emb_weight': mx.nd.array(r.uniform(-1, 1, (8, 2)).round(2)),
            'fc_weight': mx.nd.array(r.uniform(-1, 1, (1, 2)).round(2)),
            'fc_bias': mx.nd.array([0.1])}


def _params_of(mod):
    return {k: v.asnumpy().astype(np.float64).tolist() for k, v in mod.get_params()[0].items()}


def _csr_columns(batch):
    return {'weight': batch.data[0].indices}


OPTIMIZERS = {'sgd': ('sgd', {'learning_rate': 0.1, 'momentum': 0.9, 'wd': 0.01}),
              'adam': ('adam', {'learning_rate': 0.05, 'wd': 0.01}),
              'ftrl': ('ftrl', {'learning_rate': 0.1, 'lamda1': 0.001, 'wd': 0.01}),
              'adagrad': ('adagrad', {'learning_rate': 0.1, 'eps': 0.01})}


def _module_steps(mx, tmp, model, opt, store, epochs=2):
    """Batch by batch with prepare/forward_backward/update; the parameters after each batch.
    ``store`` 'local' (one device: the Updater updates the executors' arrays), 'kv' (a
    KVStore object: updates on the store, row_sparse weights pulled by prepare) or 'two' (two
    CPU devices and kvstore 'local': the store sums the devices' gradients and updates)."""
    sym, it = (_linear_sym(mx), _linear_iter(mx, tmp)) if model == 'linear' else \
        (_bag_sym(mx, model == 'sbag'), _bag_iter(mx))
    ctx = [mx.cpu(0), mx.cpu(1)] if store == 'two' else mx.cpu()
    mod = mx.mod.Module(sym, data_names=['data'], label_names=['softmax_label'], context=ctx)
    mod.bind(it.provide_data, it.provide_label)
    mod.init_params(arg_params=_start_params(mx, model))
    name, params = OPTIMIZERS[opt]
    mod.init_optimizer(kvstore=mx.kv.create('local') if store == 'kv' else 'local',
                       optimizer=name, optimizer_params=params)
    row_fn = _csr_columns if model == 'linear' and store != 'local' else None
    seen = []
    for epoch in range(epochs):
        if epoch:   # not before the first: MXNet's LibSVMIter would skip its read-ahead
            it.reset()
        for batch in it:
            mod.prepare(batch, sparse_row_id_fn=row_fn)
            mod.forward_backward(batch)
            mod.update()
            seen.append({'out': mod.get_outputs()[0].asnumpy().astype(np.float64).tolist(),
                         'params': _params_of(mod)})
    return seen


def _module_fit(mx, tmp, model, opt):
    sym, it = (_linear_sym(mx), _linear_iter(mx, tmp)) if model == 'linear' else \
        (_bag_sym(mx), _bag_iter(mx))
    mod = mx.mod.Module(sym, data_names=['data'], label_names=['softmax_label'])
    name, params = OPTIMIZERS[opt]
    mod.fit(it, num_epoch=2, kvstore='local', optimizer=name, optimizer_params=params,
            arg_params=_start_params(mx, model), eval_metric='mse')
    return _params_of(mod)


def sparse_modules(mx, tmp):
    out = {}
    for model in ('linear', 'bag'):
        for opt in OPTIMIZERS:
            for store in ('local', 'kv'):
                out['mod_%s_%s_%s' % (model, opt, store)] = outcome(
                    lambda: _module_steps(mx, tmp, model, opt, store))
            out['fit_%s_%s' % (model, opt)] = outcome(lambda: _module_fit(mx, tmp, model, opt))
    for opt in ('sgd', 'adam'):
        out['mod_sbag_%s_local' % opt] = outcome(lambda: _module_steps(mx, tmp, 'sbag', opt,
                                                                       'local'))
        for model in ('linear', 'bag'):
            out['mod_%s_%s_two' % (model, opt)] = outcome(lambda: _module_steps(
                mx, tmp, model, opt, 'two'))
    return out


PROGRAMS = [libsvm_iters, kvstore_row_sparse, optimizer_updaters, eager_optimizer_ops,
            sparse_modules]
