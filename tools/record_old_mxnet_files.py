"""Record the files an older MXNet release writes, for tests/test_old_mxnet_files.py.

Run it with the interpreter of an old MXNet (0.11 ... 1.8; Python 3.6/3.7 code, old APIs only)::

    /tmp/mx-old/1.2.1/bin/python tools/record_old_mxnet_files.py [OUT_ROOT]

It writes ``OUT_ROOT/<mxnet version>/`` (``<version>-py2/`` under Python 2; default
``tests/fixtures/old_mxnet``):

* ``net-symbol.json``, ``net-0001.params`` -- a tiny conv + BatchNorm + FC + softmax net built
  with ``mx.sym``, trained 3 SGD-momentum steps by a one-device Module, with ``net-0001.states``
  (the Module's own updater pickles it);
* ``multi-symbol.json``, ``multi-0001.params``, ``multi-0001.states`` -- the same net trained by
  a two-device (``[mx.cpu(0), mx.cpu(1)]``) Module with ``kvstore='local'``: with
  ``update_on_kvstore`` the kvstore's updater pickles the states;
* ``cross_net2multi_after_*`` / ``cross_multi2net_after_*`` in ``expected.npz`` -- each
  checkpoint resumed on the other device count with its momentum handed over by hand
  (``record_cross``);
* ``arrays_list.nd``, ``arrays_dict.nd`` -- ``mx.nd.save`` of a list and of a dict of arrays of
  several dtypes;
* ``gluon-symbol.json``, ``gluon-0000.params`` -- a hybridized Gluon net's ``export()`` (or, before
  ``export`` existed, its symbol and ``arg:``/``aux:`` params saved the way ``export`` does);
* ``expected.npz`` -- the inputs and what this same MXNet computed: predictions of each model on
  a fixed input, each ``mx.nd.save`` array, and every parameter after 3 more training steps
  continued from the checkpoint (``<tag>_after_arg:<name>`` / ``<tag>_after_aux:<name>``);
* ``zoo-symbol.json``, ``zoo-0000.params`` -- an inference graph of ops and op parameters old
  model files carry (those this release has), random parameters, every layer's output a head;
* ``kv-dump.states`` -- a local kvstore's states saved with ``dump_optimizer=True`` (SGD with a
  FactorScheduler inside the pickle; releases >= 1.0), with the weights at the dump and after 3
  more pushes in ``expected.npz``;
* ``meta.json`` -- the release, the hyper-parameters, and what the ``.states`` pickles hold
  (key types, whether ``update_on_kvstore`` was used).

``--write-0800 OUT_ROOT/0.9.5`` adds ``net0800-symbol.json``: that release's net rewritten in
MXNet 0.8's JSON layout (no 0.8 wheel installs; see ``write_0800_form``).

``--check OUT_ROOT/<version>`` run under MXNet 1.9.1 (the oracle) loads those files with 1.9.1,
repeats the predictions and the resumed training, and writes ``oracle_check.json`` there: how
far 1.9.1's numbers are from the old release's (``null`` and the error where 1.9.1 refuses), and
``mxnet191_tojson/``: each symbol file loaded and written back by 1.9.1.
"""
from __future__ import print_function

import json
import os
import pickle
import pickletools
from collections import OrderedDict as OrderedDict_
import sys

import numpy as np

import mxnet as mx

# MXNet 1.8's default oneDNN fusion of Convolution + LeakyReLU('leaky') drops the slope (the
# output is the convolution's); record the operators' own numbers (read at bind time; releases
# before 1.8 have no such fusion and refuse the value)
if tuple(int(x) for x in mx.__version__.split('.')[:2]) >= (1, 8):
    os.environ['MXNET_SUBGRAPH_BACKEND'] = 'NONE'

BATCH = 4
SHAPE = (1, 5, 5)
STEPS_BEFORE = 3
STEPS_AFTER = 3
OPT_PARAMS = {'learning_rate': 0.1, 'momentum': 0.9, 'wd': 0.01}
DTYPES = ['float32', 'float64', 'float16', 'uint8', 'int32', 'int8', 'int64']


def build_symbol():
    data = mx.sym.Variable('data')
    x = mx.sym.Convolution(data=data, kernel=(3, 3), num_filter=2, name='conv')
    x = mx.sym.BatchNorm(data=x, fix_gamma=False, name='bn')
    x = mx.sym.Activation(data=x, act_type='relu', name='relu')
    x = mx.sym.FullyConnected(data=x, num_hidden=3, name='fc')
    return mx.sym.SoftmaxOutput(data=x, name='softmax')


def inputs():
    rs = np.random.RandomState(0)
    X = rs.randn(2 * BATCH, *SHAPE).astype(np.float32)
    y = rs.randint(0, 3, 2 * BATCH).astype(np.float32)
    Xp = rs.randn(BATCH, *SHAPE).astype(np.float32)
    init = {
        'conv_weight': rs.randn(2, 1, 3, 3) * 0.4, 'conv_bias': rs.randn(2) * 0.1,
        'bn_gamma': 1 + rs.randn(2) * 0.1, 'bn_beta': rs.randn(2) * 0.1,
        'fc_weight': rs.randn(3, 18) * 0.3, 'fc_bias': rs.randn(3) * 0.1,
    }
    aux = {'bn_moving_mean': rs.randn(2) * 0.1, 'bn_moving_var': 1 + rs.rand(2)}
    return X, y, Xp, init, aux


def batch(X, y, step):
    s = (step % 2) * BATCH
    return mx.io.DataBatch(data=[mx.nd.array(X[s:s + BATCH])], label=[mx.nd.array(y[s:s + BATCH])])


def make_module(sym, ctx):
    mod = mx.mod.Module(sym, data_names=['data'], label_names=['softmax_label'], context=ctx)
    mod.bind(data_shapes=[('data', (BATCH,) + SHAPE)], label_shapes=[('softmax_label', (BATCH,))])
    return mod


def train(mod, X, y, first, n):
    for step in range(first, first + n):
        mod.forward(batch(X, y, step), is_train=True)
        mod.backward()
        mod.update()


def predict(mod, Xp):
    mod.forward(mx.io.DataBatch(data=[mx.nd.array(Xp)], label=[mx.nd.zeros((BATCH,))]),
                is_train=False)
    return mod.get_outputs()[0].asnumpy()


def describe_states(fname):
    """What the pickle holds, read with this release's own unpickler."""
    with open(fname, 'rb') as f:
        raw = f.read()
    obj = pickle.loads(raw)
    info = {'dump_optimizer': isinstance(obj, tuple)}
    states = obj[0] if isinstance(obj, tuple) else obj
    info['keys'] = sorted(repr(k) for k in states)
    info['key_types'] = sorted(set(type(k).__name__ for k in states))
    names = set()
    for op, arg, _ in pickletools.genops(raw):
        if op.name == 'GLOBAL' or (op.name.endswith('UNICODE') and u'mxnet' in arg):
            names.add(arg.replace(' ', '.'))
    info['globals'] = sorted(names)
    return info


def record_module(out, tag, ctx, expected, meta):
    X, y, Xp, init, aux = inputs()
    mod = make_module(build_symbol(), ctx)
    mod.init_params(arg_params={k: mx.nd.array(v) for k, v in init.items()},
                    aux_params={k: mx.nd.array(v) for k, v in aux.items()})
    mod.init_optimizer(kvstore='local', optimizer='sgd', optimizer_params=OPT_PARAMS)
    train(mod, X, y, 0, STEPS_BEFORE)
    prefix = os.path.join(out, tag)
    mx.nd.waitall()  # MXNet's async engine can otherwise save BatchNorm stats of a step before
    mod.save_checkpoint(prefix, 1, save_optimizer_states=True)
    # go on from exactly what the files hold (one set of BatchNorm stats for all devices), with
    # the optimizer's momentum still in memory: the state a resumed run must reproduce
    _, arg, auxp = mx.model.load_checkpoint(prefix, 1)
    mod.set_params(arg, auxp, force_init=True)
    expected[tag + '_pred'] = predict(mod, Xp)
    train(mod, X, y, STEPS_BEFORE, STEPS_AFTER)
    mx.nd.waitall()
    arg, auxp = mod.get_params()
    for k, v in arg.items():
        expected['%s_after_arg:%s' % (tag, k)] = v.asnumpy()
    for k, v in auxp.items():
        expected['%s_after_aux:%s' % (tag, k)] = v.asnumpy()
    info = describe_states(prefix + '-0001.states')
    info['update_on_kvstore'] = bool(getattr(mod, '_update_on_kvstore', False))
    info['num_device'] = len(ctx) if isinstance(ctx, list) else 1
    meta['states'][tag] = info


def record_cross(out, expected, meta):
    """Resume each checkpoint on the other device count, the momentum handed over by hand in
    this release's own updater (param position <-> name, as each updater keys it): the numbers
    a resume that keeps the momentum gives. MXNet itself drops it there (1.9.1 too: the keys do
    not match), so this is what tfmod's key mapping is checked against."""
    X, y, _, _, _ = inputs()
    names = [n for n in build_symbol().list_arguments() if n not in ('data', 'softmax_label')]
    kv_by_name = meta['states']['multi']['key_types'] == ['str']
    for src, tag, ctx in (('net', 'cross_net2multi', [mx.cpu(0), mx.cpu(1)]),
                          ('multi', 'cross_multi2net', mx.cpu())):
        with open(os.path.join(out, src + '-0001.states'), 'rb') as f:
            states = pickle.loads(f.read())
        try:
            mod = mx.mod.Module.load(os.path.join(out, src), 1, data_names=['data'],
                                     label_names=['softmax_label'], context=ctx)
            mod.bind(data_shapes=[('data', (BATCH,) + SHAPE)],
                     label_shapes=[('softmax_label', (BATCH,))])
            mod.init_optimizer(kvstore='local', optimizer='sgd', optimizer_params=OPT_PARAMS)
            assert list(mod._exec_group.param_names) == names
            if src == 'net':    # int positions -> the kvstore's keys
                upd = mod._kvstore._updater
                new = dict(((names[k] if kv_by_name else k), v) for k, v in states.items())
            else:               # the kvstore's keys -> one device's updater positions
                upd = mod._updater
                new = dict(((names.index(k) if kv_by_name else k), v) for k, v in states.items())
            upd.states = new
            if hasattr(upd, 'states_synced'):
                upd.states_synced = dict.fromkeys(new, False)
        except Exception as e:  # an old updater without these hooks: leave the case out
            meta.setdefault('cross_skipped', {})[tag] = '%s: %s' % (type(e).__name__, e)
            continue
        train(mod, X, y, STEPS_BEFORE, STEPS_AFTER)
        mx.nd.waitall()
        arg, auxp = mod.get_params()
        for k, v in arg.items():
            expected['%s_after_arg:%s' % (tag, k)] = v.asnumpy()
        for k, v in auxp.items():
            expected['%s_after_aux:%s' % (tag, k)] = v.asnumpy()


def record_arrays(out, expected, meta):
    rs = np.random.RandomState(1)
    arrays, kept = [], []
    for dt in DTYPES:
        v = (rs.randn(2, 3) * 20).astype(dt)
        try:
            a = mx.nd.array(v, dtype=dt)
            if a.asnumpy().dtype != np.dtype(dt):
                continue
        except Exception:  # dtype this release lacks
            continue
        arrays.append(a)
        kept.append(dt)
    mx.nd.save(os.path.join(out, 'arrays_list.nd'), arrays)
    mx.nd.save(os.path.join(out, 'arrays_dict.nd'), dict(('a_' + d, a) for d, a in zip(kept, arrays)))
    for d, a in zip(kept, arrays):
        expected['nd_' + d] = a.asnumpy()
    meta['dtypes'] = kept


def record_gluon(out, expected, meta):
    if not hasattr(mx, 'gluon'):
        meta['gluon'] = None
        return
    from mxnet import gluon
    X, y, Xp, init, aux = inputs()
    net = gluon.nn.HybridSequential(prefix='g_')
    with net.name_scope():
        net.add(gluon.nn.Conv2D(2, 3, in_channels=1))
        net.add(gluon.nn.BatchNorm(in_channels=2))
        net.add(gluon.nn.Activation('relu'))
        net.add(gluon.nn.Dense(3, in_units=18))
    net.collect_params().initialize(mx.init.Uniform(0.5))
    rs = np.random.RandomState(2)
    for name, p in net.collect_params().items():
        p.data()[:] = mx.nd.array(rs.randn(*p.shape) * 0.3 + (1.0 if name.endswith('var') else 0))
    net.hybridize()
    expected['gluon_pred'] = net(mx.nd.array(Xp)).asnumpy()
    prefix = os.path.join(out, 'gluon')
    if hasattr(net, 'export'):
        net.export(prefix)
        meta['gluon'] = 'export'
    else:  # before export(): the same two files, written by hand
        sym = net(mx.sym.var('data'))
        sym.save(prefix + '-symbol.json')
        params = net.collect_params()
        auxn = set(sym.list_auxiliary_states())
        save = {}
        for name in sym.list_arguments() + sym.list_auxiliary_states():
            if name != 'data':
                save[('aux:' if name in auxn else 'arg:') + name] = params[name].data()
        mx.nd.save(prefix + '-0000.params', save)
        meta['gluon'] = 'symbol+params'


def record_kv_dump(out, expected, meta):
    """A local kvstore's states saved with ``dump_optimizer=True`` (releases >= 1.0 have it): the
    pickle then holds the optimizer object too, here with a FactorScheduler."""
    kv = mx.kv.create('local')
    sched = mx.lr_scheduler.FactorScheduler(step=2, factor=0.5)
    kv.set_optimizer(mx.optimizer.SGD(learning_rate=0.2, momentum=0.9, wd=0.01,
                                      lr_scheduler=sched))
    rs = np.random.RandomState(3)
    shapes = [(2, 3), (3,)]
    kv.init([0, 1], [mx.nd.array(rs.randn(*s)) for s in shapes])
    grads = [[rs.randn(*s).astype(np.float32) for s in shapes] for _ in range(6)]

    def push(step):
        kv.push([0, 1], [mx.nd.array(g) for g in grads[step]])

    def pull(key):
        o = mx.nd.zeros(shapes[key])
        kv.pull(key, out=o)
        return o.asnumpy()
    for step in range(3):
        push(step)
    try:
        kv.save_optimizer_states(os.path.join(out, 'kv-dump.states'), dump_optimizer=True)
    except TypeError:  # no dump_optimizer in this release
        meta['kv_dump'] = False
        return
    meta['kv_dump'] = True
    for k in (0, 1):
        expected['kv_at_dump_%d' % k] = pull(k)
    for step in range(3, 6):
        push(step)
    for k in (0, 1):
        expected['kv_after_%d' % k] = pull(k)
    for step in range(6):
        for k in (0, 1):
            expected['kv_grad_%d_%d' % (step, k)] = grads[step][k]


def write_0800_form(src, dst):
    """Rewrite a 0.9 symbol file (``net-symbol.json``) in the layout MXNet 0.8 wrote: op params
    under ``param``, user attrs under ``attr`` with plain hidden keys (``lr_mult``,
    ``weight_lr_mult``, ``ctx_group``), ``backward_source_id``, 2-element input/head entries,
    no ``node_row_ptr`` or version, and BatchNorm without its aux-state inputs. No wheel of 0.8
    installs here, so this is the one file written by hand; MXNet 1.9.1 is what checks it."""
    with open(src) as f:
        doc = json.load(f)
    aux = set(i for i, n in enumerate(doc['nodes']) if n['name'].startswith('bn_moving_'))
    new_index, nodes = {}, []
    extra = {'fc': {'weight_lr_mult': '0.5'}, 'fc_bias': {'wd_mult': '0'},
             'conv': {'ctx_group': 'dev1'}}
    for i, n in enumerate(doc['nodes']):
        if i in aux:
            continue
        new_index[i] = len(nodes)
        is_var = n['op'] == 'null'
        nodes.append(OrderedDict_([
            ('op', n['op']), ('param', {} if is_var else n.get('attr', {})), ('name', n['name']),
            ('inputs', [[new_index[e[0]], e[1]] for e in n['inputs'] if e[0] not in aux]),
            ('backward_source_id', -1), ('attr', extra.get(n['name'], {}))]))
    out = OrderedDict_([('nodes', nodes),
                        ('arg_nodes', [j for j, n in enumerate(nodes) if n['op'] == 'null']),
                        ('heads', [[new_index[h[0]], h[1]] for h in doc['heads']])])
    with open(dst, 'w') as f:
        json.dump(out, f, indent=2)


def _zoo_layers():
    """(name, builder) pairs: ops and op params old model files carry. A builder this release
    lacks (the op or a parameter) raises and is left out; meta.json lists what went in."""
    S = mx.sym
    return [
        ('conv_pad', lambda x: S.Convolution(data=x, kernel=(3, 3), pad=(1, 1), num_filter=4,
                                             workspace=512, name='z_conv')),
        ('leaky', lambda x: S.LeakyReLU(data=x, act_type='leaky', slope=0.1, name='z_leaky')),
        ('bn_global', lambda x: S.BatchNorm(data=x, use_global_stats=True, eps=1e-3,
                                            name='z_bn')),
        ('slice_channel', lambda x: S.SliceChannel(data=x, num_outputs=2, axis=1,
                                                   name='z_split')[0]),
        ('pool_max', lambda x: S.Pooling(data=x, kernel=(2, 2), stride=(2, 2), pool_type='max',
                                         pooling_convention='full', name='z_pool')),
        ('deconv', lambda x: S.Deconvolution(data=x, kernel=(2, 2), stride=(2, 2), num_filter=3,
                                             no_bias=True, name='z_deconv')),
        ('upsample', lambda x: S.UpSampling(x, scale=2, sample_type='nearest', num_args=1,
                                            name='z_up')),
        ('lrn', lambda x: S.LRN(data=x, nsize=3, alpha=1e-3, beta=0.75, knorm=2,
                                name='z_lrn')),  # a side branch: see BRANCHES
        ('dropout', lambda x: S.Dropout(data=x, p=0.3, name='z_drop')),
        ('pool_avg_global', lambda x: S.Pooling(data=x, kernel=(1, 1), global_pool=True,
                                                pool_type='avg', name='z_gpool')),
        ('reshape_target', lambda x: S.Reshape(data=x, target_shape=(2, 0), name='z_rs0')),
        ('reshape_shape', lambda x: S.Reshape(data=x, shape=(0, -1, 1), name='z_rs1')),
        ('swapaxis', lambda x: S.SwapAxis(data=x, dim1=1, dim2=2, name='z_swap')),
        ('flatten', lambda x: S.Flatten(data=x, name='z_flat')),
        ('fc', lambda x: S.FullyConnected(data=x, num_hidden=5, name='z_fc')),
        ('scalar_ops', lambda x: (x * 0.5 + 1.0) / 2.0 - x),
        ('l2norm', lambda x: S.L2Normalization(data=x, mode='instance', name='z_l2')),
        ('sigmoid', lambda x: S.Activation(data=x, act_type='sigmoid', name='z_sig')),
        ('softmax_act', lambda x: S.SoftmaxActivation(data=x, name='z_smact')),
        ('clip', lambda x: S.clip(x, a_min=0.1, a_max=0.3, name='z_clip')),
        ('sum_axis', lambda x: S.broadcast_add(S.sum(x, axis=1, keepdims=True,
                                                                name='z_sum'), x)),
        ('blockgrad', lambda x: S.BlockGrad(x, name='z_bg')),
    ]


ZOO_SHAPE = (2, 3, 6, 6)
# layers whose output is a head only, not the next layer's input: LRN's channel window at the
# first channel changed in 0.11 (0.9/0.10 sum channels 0..nsize-1 there)
BRANCHES = ('lrn',)


def record_zoo(out, expected, meta):
    """An inference graph of many ops, its random parameters (a 0000 checkpoint) and its
    outputs, each layer's output a head of the group."""
    x = mx.sym.Variable('data')
    heads, used = [], []
    for name, build in _zoo_layers():
        try:
            y = build(x)
            if mx.sym.Group(heads + [y]).infer_shape(data=ZOO_SHAPE)[0] is None:
                continue
        except Exception:  # op or parameter missing in this release
            continue
        if name not in BRANCHES:
            x = y
        heads.append(y)
        used.append(name)
    sym = mx.sym.Group(heads)
    arg_shapes, _, aux_shapes = sym.infer_shape(data=ZOO_SHAPE)
    rs = np.random.RandomState(4)
    arg = dict((n, mx.nd.array(rs.randn(*s) * 0.5)) for n, s in
               zip(sym.list_arguments(), arg_shapes) if n != 'data')
    aux = dict((n, mx.nd.array(rs.rand(*s) + 0.5)) for n, s in
               zip(sym.list_auxiliary_states(), aux_shapes))
    mx.model.save_checkpoint(os.path.join(out, 'zoo'), 0, sym, arg, aux)
    xin = rs.randn(*ZOO_SHAPE).astype(np.float32)
    exe = sym.simple_bind(mx.cpu(), grad_req='null', data=ZOO_SHAPE)
    exe.copy_params_from(arg, aux)
    exe.arg_dict['data'][:] = xin
    exe.forward(is_train=False)
    expected['zoo_in'] = xin
    for i, o in enumerate(exe.outputs):
        expected['zoo_out_%d' % i] = o.asnumpy()
    meta['zoo_layers'] = used


def record(root):
    # Python 2 pickles .states differently (protocol 0/2, str handles): their own folder
    out = os.path.join(root, mx.__version__ + ('-py2' if sys.version_info[0] == 2 else ''))
    if not os.path.isdir(out):
        os.makedirs(out)
    X, y, Xp, _, _ = inputs()
    expected = {'X': X, 'y': y, 'Xp': Xp}
    meta = {'mxnet': mx.__version__, 'python': sys.version.split()[0], 'batch': BATCH,
            'steps_before': STEPS_BEFORE, 'steps_after': STEPS_AFTER, 'optimizer': 'sgd',
            'optimizer_params': OPT_PARAMS, 'states': {}}
    record_module(out, 'net', mx.cpu(), expected, meta)
    record_module(out, 'multi', [mx.cpu(0), mx.cpu(1)], expected, meta)
    record_cross(out, expected, meta)
    record_arrays(out, expected, meta)
    record_gluon(out, expected, meta)
    record_kv_dump(out, expected, meta)
    record_zoo(out, expected, meta)
    np.savez_compressed(os.path.join(out, 'expected.npz'), **expected)
    with open(os.path.join(out, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    print('wrote', out)


# -- what MXNet 1.9.1 does with these files (run under the oracle) ------------------------------
def _maxdiff(got, want):
    return float(np.max(np.abs(np.asarray(got, np.float64) - np.asarray(want, np.float64))))


def _resume(d, tag, ctx, exp, load_states, src=None):
    X, y = exp['X'], exp['y']
    mod = mx.mod.Module.load(os.path.join(d, src or tag), 1, load_optimizer_states=load_states,
                             data_names=['data'], label_names=['softmax_label'], context=ctx)
    mod.bind(data_shapes=[('data', (BATCH,) + SHAPE)], label_shapes=[('softmax_label', (BATCH,))])
    mod.init_optimizer(kvstore='local', optimizer='sgd', optimizer_params=OPT_PARAMS)
    pred = _maxdiff(predict(mod, exp['Xp']), exp[(src or tag) + '_pred'])
    train(mod, X, y, STEPS_BEFORE, STEPS_AFTER)
    mx.nd.waitall()
    arg, aux = mod.get_params()
    got = dict(('arg:' + k, v.asnumpy()) for k, v in arg.items())
    got.update(('aux:' + k, v.asnumpy()) for k, v in aux.items())
    return pred, max(_maxdiff(got[k], exp['%s_after_%s' % (tag, k)]) for k in got)


def _attempt(report, key, fn):
    try:
        report[key] = fn()
    except Exception as e:  # record what 1.9.1 refuses, and why
        report[key] = None
        report[key + '_error'] = '%s: %s' % (type(e).__name__, str(e).split('\n')[0][:300])


def check(d):
    exp = dict(np.load(os.path.join(d, 'expected.npz')))
    report = {'checked_with': mx.__version__}
    for tag, ctx in (('net', mx.cpu()), ('multi', [mx.cpu(0), mx.cpu(1)])):
        for load_states in (True, False):
            key = '%s_%s' % (tag, 'resume' if load_states else 'restart')
            _attempt(report, key, lambda: dict(zip(('pred_maxdiff', 'after_maxdiff'),
                                                   _resume(d, tag, ctx, exp, load_states))))

    for tag, src, ctx in (('cross_net2multi', 'net', [mx.cpu(0), mx.cpu(1)]),
                          ('cross_multi2net', 'multi', mx.cpu())):
        if tag + '_after_arg:fc_bias' in exp:
            _attempt(report, tag, lambda: dict(zip(('pred_maxdiff', 'after_maxdiff'),
                                                   _resume(d, tag, ctx, exp, True, src))))

    def nd_check():
        lst = mx.nd.load(os.path.join(d, 'arrays_list.nd'))
        dct = mx.nd.load(os.path.join(d, 'arrays_dict.nd'))
        ok = True
        for i, dt in enumerate(json.load(open(os.path.join(d, 'meta.json')))['dtypes']):
            ok = ok and np.array_equal(lst[i].asnumpy(), exp['nd_' + dt]) and \
                lst[i].dtype == np.dtype(dt) and np.array_equal(dct['a_' + dt].asnumpy(),
                                                                exp['nd_' + dt])
        return ok
    _attempt(report, 'nd_load_equal', nd_check)
    if os.path.exists(os.path.join(d, 'net0800-symbol.json')):
        def legacy_check():
            sym = mx.sym.load(os.path.join(d, 'net0800-symbol.json'))
            _, arg, aux = mx.model.load_checkpoint(os.path.join(d, 'net'), 1)
            mod = make_module(sym, mx.cpu())
            mod.set_params(arg, aux)
            return _maxdiff(predict(mod, exp['Xp']), exp['net_pred'])
        _attempt(report, 'net0800_pred_maxdiff', legacy_check)
    if 'zoo_in' in exp:
        def zoo_check():
            sym, arg, aux = mx.model.load_checkpoint(os.path.join(d, 'zoo'), 0)
            exe = sym.simple_bind(mx.cpu(), grad_req='null', data=exp['zoo_in'].shape)
            exe.copy_params_from(arg, aux)
            exe.arg_dict['data'][:] = exp['zoo_in']
            exe.forward(is_train=False)
            return max(_maxdiff(o.asnumpy(), exp['zoo_out_%d' % i])
                       for i, o in enumerate(exe.outputs))

        def zoo_layers():
            sym, arg, aux = mx.model.load_checkpoint(os.path.join(d, 'zoo'), 0)
            exe = sym.simple_bind(mx.cpu(), grad_req='null', data=exp['zoo_in'].shape)
            exe.copy_params_from(arg, aux)
            exe.arg_dict['data'][:] = exp['zoo_in']
            exe.forward(is_train=False)
            layers = json.load(open(os.path.join(d, 'meta.json')))['zoo_layers']
            return dict((name, _maxdiff(o.asnumpy(), exp['zoo_out_%d' % i]))
                        for i, (name, o) in enumerate(zip(layers, exe.outputs)))
        _attempt(report, 'zoo_layer_maxdiff', zoo_layers)
        _attempt(report, 'zoo_maxdiff', zoo_check)
        os.environ['MXNET_SUBGRAPH_BACKEND'] = 'MKLDNN'   # 1.9.1's default
        _attempt(report, 'zoo_maxdiff_fused', zoo_check)
        os.environ['MXNET_SUBGRAPH_BACKEND'] = 'NONE'
    if 'gluon_pred' in exp:
        def gluon_check():
            sym, arg, aux = mx.model.load_checkpoint(os.path.join(d, 'gluon'), 0)
            mod = mx.mod.Module(sym, data_names=['data'], label_names=None)
            mod.bind(data_shapes=[('data', (BATCH,) + SHAPE)], for_training=False)
            mod.set_params(arg, aux)
            mod.forward(mx.io.DataBatch(data=[mx.nd.array(exp['Xp'])]), is_train=False)
            return _maxdiff(mod.get_outputs()[0].asnumpy(), exp['gluon_pred'])
        _attempt(report, 'gluon_pred_maxdiff', gluon_check)
    if os.path.exists(os.path.join(d, 'kv-dump.states')):
        def kv_check():
            kv = mx.kv.create('local')
            kv.set_optimizer(mx.optimizer.SGD(learning_rate=0.5))
            kv.init([0, 1], [mx.nd.array(exp['kv_at_dump_%d' % k]) for k in (0, 1)])
            kv.load_optimizer_states(os.path.join(d, 'kv-dump.states'))
            for step in range(3, 6):
                kv.push([0, 1], [mx.nd.array(exp['kv_grad_%d_%d' % (step, k)]) for k in (0, 1)])
            diff = 0.0
            for k in (0, 1):
                o = mx.nd.zeros(exp['kv_after_%d' % k].shape)
                kv.pull(k, out=o)
                diff = max(diff, _maxdiff(o.asnumpy(), exp['kv_after_%d' % k]))
            return diff
        _attempt(report, 'kv_dump_after_maxdiff', kv_check)
    # how 1.9.1 writes each old symbol file back (tfmod must write the same bytes)
    resaved = os.path.join(d, 'mxnet191_tojson')
    if not os.path.isdir(resaved):
        os.makedirs(resaved)
    for name in sorted(os.listdir(d)):
        if name.endswith('-symbol.json'):
            with open(os.path.join(resaved, name), 'w') as f:
                f.write(mx.sym.load(os.path.join(d, name)).tojson())
    with open(os.path.join(d, 'oracle_check.json'), 'w') as f:
        json.dump(report, f, indent=1, sort_keys=True)
    print(json.dumps(report, indent=1, sort_keys=True))


if __name__ == '__main__':
    if len(sys.argv) > 2 and sys.argv[1] == '--check':
        check(sys.argv[2])
    elif len(sys.argv) > 2 and sys.argv[1] == '--write-0800':
        write_0800_form(os.path.join(sys.argv[2], 'net-symbol.json'),
                        os.path.join(sys.argv[2], 'net0800-symbol.json'))
    else:
        record(sys.argv[1] if len(sys.argv) > 1 else
               os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests',
                            'fixtures', 'old_mxnet'))
