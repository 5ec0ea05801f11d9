"""Record MXNet 1.9.1's Module / io / init conventions into tests/fixtures/module_conventions/.

Run with the oracle's python (MXNet 1.9.1):
    /tmp/mxnet-oracle/bin/python tools/record_module_conventions.py
Writes ``conventions.json`` (behaviours, exception types and messages, array values) and the
tiny synthetic MNIST idx files with what MNISTIter returned for them (``mnist.json``).
"""
import json
import os
import struct
import sys
from collections import namedtuple

import numpy as np
import mxnet as mx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests'))
from support.param_error_cases import param_error_cases  # noqa: E402
from support.module_convention_programs import (  # noqa: E402
    LAYOUT_TAGS, SUFFIX_NAMES, bound_module_net, ctx_group_cases, ctx_group_net, fused_rnn_cases,
    fused_rnn_module, initializers, load_src, mlp, module_initializers, module_net, placement,
    suffix_case, tnc_module)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures',
                   'module_conventions')
os.makedirs(OUT, exist_ok=True)
REC = {}


def arr(x):
    return np.asarray(x.asnumpy() if hasattr(x, 'asnumpy') else x, dtype=np.float64).round(6)\
        .tolist()


def exc(fn):
    """(type name, message) of what fn raises, or None."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - recording what MXNet raises
        lines = [ln for ln in str(e).split('\n') if ln.strip()]
        # MXNet's C++ errors open with a traceback; their message is the last line.
        return [type(e).__name__, (lines[-1] if lines else '')[:300]]
    return None


def fixed_params(mod, seed=0):
    """Deterministic values for every parameter of a bound module."""
    rng = np.random.RandomState(seed)
    arg, aux = {}, {}
    for name, a in sorted(mod._arg_params.items()):
        arg[name] = mx.nd.array(rng.uniform(-1, 1, a.shape))
    for name, a in sorted(mod._aux_params.items()):
        aux[name] = mx.nd.array(rng.uniform(0.5, 1, a.shape))
    return arg, aux


# -- 1. forward with any batch object, predict/score/iter_predict inputs, param errors ----------
def record_forward_batches():
    rec = {}
    x = np.random.RandomState(1).uniform(-1, 1, (5, 6)).astype(np.float32)
    rec['x'] = arr(x)
    # A loss-terminated symbol bound without labels cannot change its batch size: its label's
    # shape was inferred, and reshape refuses to change an unspecified argument.
    lmod = mx.mod.Module(mlp(mx), context=mx.cpu())
    lmod.bind(data_shapes=[('data', (2, 6))], for_training=False)
    arg, aux = fixed_params(lmod)
    lmod.set_params(arg, aux)
    Batch = namedtuple('Batch', ['data'])
    lmod.forward(Batch([mx.nd.array(x[:2])]))
    rec['loss_batch_nolabel_2'] = arr(lmod.get_outputs()[0])
    rec['loss_batch_nolabel_5'] = exc(lambda: lmod.forward(Batch([mx.nd.array(x)])))
    mod = mx.mod.Module(mlp(mx, False), context=mx.cpu(), label_names=None)
    mod.bind(data_shapes=[('data', (2, 6))], for_training=False)
    rec['arg'] = {k: arr(v) for k, v in arg.items()}
    mod.set_params(arg, aux)
    mod.forward(Batch([mx.nd.array(x[:2])]))
    rec['batch_nolabel_2'] = arr(mod.get_outputs()[0])
    mod.forward(Batch([mx.nd.array(x)]))   # 5 rows: the module reshapes itself
    rec['batch_nolabel_5'] = arr(mod.get_outputs()[0])
    rec['data_shapes_after'] = [[d.name, list(d.shape)] for d in mod.data_shapes]
    rec['label_shapes_after'] = mod.label_shapes
    rec['predict_numpy'] = arr(mod.predict(x[:3]))
    rec['predict_ndarray'] = arr(mod.predict(mx.nd.array(x)))
    it = mx.io.NDArrayIter(x, batch_size=2)
    rec['predict_iter'] = arr(mod.predict(it))
    rec['score_ndarray'] = exc(lambda: mod.score(mx.nd.array(x), 'acc'))
    rec['iter_predict_ndarray'] = exc(lambda: list(mod.iter_predict(mx.nd.array(x))))
    rec['predict_list'] = exc(lambda: mod.predict([x]))
    # A training module bound with labels: a label-less batch of another size still works.
    mod2 = mx.mod.Module(mlp(mx), context=mx.cpu())
    mod2.bind(data_shapes=[('data', (2, 6))], label_shapes=[('softmax_label', (2,))])
    mod2.set_params(arg, aux)
    rec['train_mod_nolabel_4'] = exc(lambda: mod2.forward(Batch([mx.nd.array(x[:4])]),
                                                          is_train=False))
    LBatch = namedtuple('LBatch', ['data', 'label'])
    mod2 = mx.mod.Module(mlp(mx), context=mx.cpu())
    mod2.bind(data_shapes=[('data', (2, 6))], label_shapes=[('softmax_label', (2,))])
    mod2.set_params(arg, aux)
    mod2.forward(LBatch([mx.nd.array(x[:4])], [mx.nd.zeros((4,))]), is_train=False)
    rec['train_mod_label_4'] = arr(mod2.get_outputs()[0])
    rec['train_mod_label_shapes_after'] = [[d.name, list(d.shape)] for d in mod2.label_shapes]
    return rec


def record_param_errors():
    rec = {}
    mod, a, x, missing_a, cases = param_error_cases(mx)
    for name, fn in cases.items():
        rec[name] = exc(fn)
    # what set_params(missing, allow_missing=True) leaves in the missing parameter: the old value
    mod.set_params(a, x)
    before = mod.get_params()[0]['bn_beta'].asnumpy().copy()
    mod.set_params(missing_a, x, allow_missing=True)
    rec['missing_allow_missing_keeps_old'] = bool(
        np.allclose(mod.get_params()[0]['bn_beta'].asnumpy(), before))
    # init_params with the default initializer: what fills a missing value, and the aux states
    # when only arg_params are given (both set to 5 first, so keeping them would show)
    five_a = {k: mx.nd.full(v.shape, 5.0) for k, v in a.items()}
    five_x = {k: mx.nd.full(v.shape, 5.0) for k, v in x.items()}
    mod.set_params(five_a, five_x)
    mod.init_params(arg_params={k: v for k, v in five_a.items() if k != 'fc_weight'},
                    aux_params=five_x, allow_missing=True, force_init=True)
    rec['default_init_fills_missing'] = {k: classify(v) for k, v in
                                         mod.get_params()[0].items()}
    mod.set_params(five_a, five_x)
    mod.init_params(arg_params=five_a, force_init=True)
    rec['default_init_aux_not_given'] = {k: classify(v) for k, v in
                                         mod.get_params()[1].items()}
    return rec


# -- 2. layouts: the batch axis of TNC data over two devices ------------------------------------
def record_layouts():
    rec = {}
    rng = np.random.RandomState(2)
    x = rng.uniform(-1, 1, (3, 4, 5)).astype(np.float32)     # T=3, N=4, C=5
    w = rng.uniform(-1, 1, (2, 5)).astype(np.float32)
    b = rng.uniform(-1, 1, (2,)).astype(np.float32)
    rec['x'], rec['w'], rec['b'] = arr(x), arr(w), arr(b)
    for tag in LAYOUT_TAGS:
        mod = tnc_module(mx, tag)
        mod.set_params({'fc_weight': mx.nd.array(w), 'fc_bias': mx.nd.array(b)}, {})
        r = {}
        r['exec_data_shapes'] = [list(e.arg_dict['data'].shape) for e in mod._exec_group.execs]
        mod.forward(mx.io.DataBatch([mx.nd.array(x)]), is_train=True)
        outs = mod.get_outputs()
        r['merged'] = arr(outs[0])
        per = mod.get_outputs(merge_multi_context=False)
        r['per_device'] = [arr(o) for o in per[0]]
        r['output_shapes'] = [[n, list(s)] for n, s in mod.output_shapes]
        og = np.arange(outs[0].size, dtype=np.float32).reshape(outs[0].shape) / 10.0
        r['out_grad'] = arr(og)
        r['backward_error'] = exc(lambda: mod.backward([mx.nd.array(og)]))
        if r['backward_error']:
            rec[tag] = r
            continue
        r['input_grad'] = arr(mod.get_input_grads()[0])
        r['input_grad_per_device'] = [arr(g) for g in
                                      mod.get_input_grads(merge_multi_context=False)[0]]
        r['weight_grad_per_device'] = [arr(g) for g in mod._exec_group.grad_arrays[0]]
        rec[tag] = r
    return rec


# -- 3. ctx_group / group2ctxs placement --------------------------------------------------------
def record_ctx_groups():
    rec = {}
    out = ctx_group_net(mx)
    for tag, (ctx, g2c) in ctx_group_cases(mx).items():
        mod = mx.mod.Module(out, context=ctx, group2ctxs=g2c)
        mod.bind([('data', (4, 6))], [('softmax_label', (4,))])
        mod.init_params()
        rec[tag] = placement(mod)
        rec[tag + '_params'] = {k: str(v.context) for k, v in mod.get_params()[0].items()}
    return rec


# -- 5. initial values: which initializer rule each parameter gets ------------------------------
def classify(a):
    """'const' with the value, or 'random' with bound and std (enough to tell the rule)."""
    v = np.asarray(a.asnumpy(), dtype=np.float64).ravel()
    if np.all(v == v[0]):
        return ['const', round(float(v[0]), 6)]
    return ['random', round(float(np.abs(v).max()), 6), round(float(v.std()), 6),
            round(float(v.mean()), 6)]


def record_suffixes():
    """Each name through each initializer, as InitDesc (what Module passes) and as a plain str
    (MXNet's deprecated legacy path)."""
    rec = {}
    for iname, make in initializers(mx).items():
        init = make()
        for name in SUFFIX_NAMES:
            for how in ('desc', 'str'):
                d, a = suffix_case(mx, name, how)
                e = exc(lambda: init(d, a))
                rec['%s|%s|%s' % (iname, how, name)] = e if e else classify(a)
    return rec


def record_module_init():
    rec = {}
    net = module_net(mx)
    rec['attrs'] = {k: v for k, v in net.attr_dict().items() if '__init__' in v}
    for tag, make in module_initializers(mx).items():
        mod = bound_module_net(mx, net)
        if make is None:
            mod.init_params()
        else:
            mod.init_params(make())
        args, auxs = mod.get_params()
        rec[tag] = {k: classify(v) for k, v in list(args.items()) + list(auxs.items())}
    mod = bound_module_net(mx, net)
    rec['load_no_default'] = exc(lambda: mod.init_params(mx.init.Load(load_src(mx))))
    rec['mixed_no_match'] = exc(lambda: mod.init_params(
        mx.init.Mixed(['fc.*'], [mx.init.One()]), force_init=True))
    # A fused RNN op's parameters: the plain initializers refuse them, FusedRNN fills them.
    for key, state_names, init in fused_rnn_cases(mx):
        rnn_mod = fused_rnn_module(mx, state_names)
        rec[key] = exc(lambda: rnn_mod.init_params(init))
    rec['rnn_state_as_param_values'] = {
        k: classify(v) for k, v in rnn_mod.get_params()[0].items()} \
        if rnn_mod.params_initialized else None
    return rec


# -- 4. C++ iterators: one NDArray from getdata/getlabel; MNISTIter -----------------------------
def write_idx(path_img, path_lbl, n=10, rows=28, cols=28):
    """A tiny MNIST in idx format: image i is a ramp offset by 25*i, label i."""
    img = ((np.arange(rows * cols)[None, :] + 25 * np.arange(n)[:, None]) % 256)\
        .astype(np.uint8).reshape(n, rows, cols)
    with open(path_img, 'wb') as f:
        f.write(struct.pack('>iiii', 2051, n, rows, cols))
        f.write(img.tobytes())
    with open(path_lbl, 'wb') as f:
        f.write(struct.pack('>ii', 2049, n))
        f.write(np.arange(n, dtype=np.uint8).tobytes())


def describe_epochs(it, epochs=3):
    out = []
    for _ in range(epochs):
        batches = []
        for b in it:
            batches.append({'label': arr(b.label[0]), 'pad': b.pad,
                            'shape': list(b.data[0].shape),
                            'sums': arr(b.data[0].reshape((b.data[0].shape[0], -1)).sum(axis=1))})
        out.append(batches)
        it.reset()
    return out


def record_iters():
    rec = {}
    img = os.path.join(OUT, 'tiny-images-idx3-ubyte')
    lbl = os.path.join(OUT, 'tiny-labels-idx1-ubyte')
    write_idx(img, lbl)
    rel = lambda p: os.path.basename(p)  # noqa: E731
    rec['files'] = [rel(img), rel(lbl)]
    configs = {
        'plain': dict(batch_size=3, shuffle=False),
        'flat': dict(batch_size=3, shuffle=False, flat=True),
        'shuffle_seed0': dict(batch_size=4, shuffle=True, seed=0),
        'shuffle_seed3': dict(batch_size=4, shuffle=True, seed=3),
        'part0of2': dict(batch_size=2, shuffle=False, num_parts=2, part_index=0),
        'part1of2': dict(batch_size=2, shuffle=False, num_parts=2, part_index=1),
        'batch5': dict(batch_size=5, shuffle=False, flat=True),
        'default_shuffle': dict(batch_size=10),
    }
    for tag, kw in configs.items():
        it = mx.io.MNISTIter(image=img, label=lbl, silent=True, **kw)
        r = {'kwargs': kw,
             'provide_data': [[d.name, list(d.shape)] for d in it.provide_data],
             'provide_label': [[d.name, list(d.shape)] for d in it.provide_label],
             'epochs': describe_epochs(it)}
        rec[tag] = r
    it = mx.io.MNISTIter(image=img, label=lbl, batch_size=3, shuffle=False, flat=True)
    it.reset()
    it.iter_next()
    rec['getdata_type'] = type(it.getdata()).__name__
    rec['getlabel_type'] = type(it.getlabel()).__name__
    rec['first_batch_flat'] = arr(it.getdata())
    rec['getpad'] = it.getpad()
    rec['getindex'] = exc(lambda: it.getindex())
    rec['dtype'] = str(it.getdata().dtype)
    rec['missing_file'] = exc(lambda: mx.io.MNISTIter(image=img + '.nope', label=lbl))
    # CSVIter: the same MXDataIter accessors.
    csv = os.path.join(OUT, 'tiny.csv')
    np.savetxt(csv, np.arange(12, dtype=np.float32).reshape(4, 3), delimiter=',')
    it = mx.io.CSVIter(data_csv=csv, data_shape=(3,), batch_size=2)
    it.iter_next()
    rec['csv_getdata_type'] = type(it.getdata()).__name__
    rec['csv_getlabel_type'] = type(it.getlabel()).__name__
    rec['csv_getdata'] = arr(it.getdata())
    rec['csv_getlabel'] = arr(it.getlabel())
    rec['csv_getpad'] = it.getpad()
    os.remove(csv)
    # ImageRecordIter on the project's small .rec fixture: the same accessors.
    it = mx.io.ImageRecordIter(path_imgrec=os.path.join(OUT, '..', 'image_record', 'images.rec'),
                               data_shape=(3, 8, 8), batch_size=2, resize=8)
    it.reset()
    it.iter_next()
    rec['rec_getdata_type'] = type(it.getdata()).__name__
    rec['rec_getlabel_type'] = type(it.getlabel()).__name__
    rec['rec_shapes'] = [list(it.getdata().shape), list(it.getlabel().shape)]
    return rec


def main():
    REC['forward_batches'] = record_forward_batches()
    REC['param_errors'] = record_param_errors()
    REC['layouts'] = record_layouts()
    REC['ctx_groups'] = record_ctx_groups()
    REC['suffixes'] = record_suffixes()
    REC['module_init'] = record_module_init()
    # last, so the random draws of the records above stay as they were
    REC['param_errors']['bucketing'] = {
        name: exc(fn) for name, fn in param_error_cases(mx, bucketing=True)[-1].items()}
    with open(os.path.join(OUT, 'conventions.json'), 'w') as f:
        json.dump(REC, f, indent=0, sort_keys=True)
    with open(os.path.join(OUT, 'mnist.json'), 'w') as f:
        json.dump(record_iters(), f, indent=0, sort_keys=True)
    print('MXNet', mx.__version__, 'wrote', OUT, file=sys.stderr)


if __name__ == '__main__':
    main()
