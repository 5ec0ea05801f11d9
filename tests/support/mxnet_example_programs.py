"""Small programs following MXNet 1.9.1's own ``example/`` scripts call for call, on seeded
synthetic data the shape of the scripts' downloads -- written once, run by the recorder
(tools/record_mxnet_examples.py, MXNet 1.9.1) and the test (tests/test_mxnet_examples.py, tfmod);
``mx`` is the library under test. Each program returns {fixture key: JSON-able result}.

- ``net_<name>``: an ``example/image-classification/symbols`` network as its ``get_symbol``
  built it in MXNet (its JSON is recorded: ``nets``) -- ``infer_shape``, a Module bound as
  ``common/fit.py`` binds it, one SGD(momentum, wd, multi_precision) batch from seeded weights,
  then ``predict``;
- ``train_mnist``: ``train_mnist.py --network lenet`` through ``common/fit.py``'s ``fit``
  (kvstore, MultiFactorScheduler, accuracy + top-k + cross-entropy metrics, Speedometer,
  do_checkpoint), then ``--load-epoch 1`` resuming from the checkpoint;
- ``fine_tune``: ``fine-tune.py``'s ``get_fine_tune_model`` on that checkpoint (cut at
  its ``Flatten``, new ``fc`` + ``softmax``), trained by ``fit`` on ``common/data.py``'s
  ``ImageRecordIter`` (PNG records, one batch per epoch so the iterator's shuffle order does not
  matter), the new head seeded;
- ``score``: ``score.py``'s ``score()`` -- a checkpoint bound for inference over an
  ``ImageRecordIter`` with the mean subtracted, accuracy and top-k;
- ``custom_softmax``: ``numpy-ops/custom_softmax.py`` -- a numpy softmax ``CustomOp`` (with its
  own backward) ending an MLP in ``Module.fit``;
- ``module_mnist_mlp`` / ``module_sequential``: ``module/mnist_mlp.py`` (MNISTIter; a
  hand-written forward/backward/update loop, then fit, iter_predict, predict with and without
  merged batches, score) and ``module/sequential_module.py`` (two Modules chained with
  ``auto_wiring``/``take_labels`` in a SequentialModule; its CPU branch);
- ``module_python_loss``: ``module/python_loss.py`` -- an MLP on two devices (two CPU contexts
  for the script's two GPUs) chained to a ``PythonLossModule`` whose numpy ``grad_func`` is a
  multi-class hinge loss;
- ``lstm_bucketing``: ``rnn/bucketing/lstm_bucketing.py`` -- ``encode_sentences``,
  ``BucketSentenceIter``, a stack of ``LSTMCell`` unrolled per bucket, ``BucketingModule.fit``
  with Perplexity, then its checkpoint;
- ``nce_toy_softmax``: ``nce-loss/toy_softmax.py`` -- ``fit``/``score`` over a DataIter whose
  generator yields the script's own batch class (no ``pad``);
- ``profiler_ndarray_broadcast_to``: ``profiler/profiler_ndarray.py``'s broadcast test --
  ``NDArray.broadcast_to`` with numpy-array shapes.

The scripts' random initialisation is replaced by seeded weights so both libraries start from
the same numbers."""
import os
import re
import struct
import zlib

import numpy as np

from support.log_capture import capture_logs

# (program name, MXNet's get_symbol call, data shape without the batch axis)
NETS = [
    ('mlp', 'mlp', dict(num_classes=10), (1, 28, 28)),
    ('lenet', 'lenet', dict(num_classes=10), (1, 28, 28)),
    ('lenet_stn', 'lenet', dict(num_classes=10, add_stn=True), (1, 28, 28)),
    ('resnet20_cifar', 'resnet', dict(num_classes=10, num_layers=20, image_shape='3,28,28'),
     (3, 28, 28)),
    ('resnet_v1_20_cifar', 'resnet-v1', dict(num_classes=10, num_layers=20,
                                             image_shape='3,28,28'), (3, 28, 28)),
    ('resnext14_cifar', 'resnext', dict(num_classes=10, num_layers=14, image_shape='3,28,28'),
     (3, 28, 28)),
    ('inception_bn_cifar', 'inception-bn', dict(num_classes=10, image_shape='3,28,28'),
     (3, 28, 28)),
]
BATCH = 4


def num(x):
    """A float32 value as a short JSON number."""
    return float('%.7g' % float(x))


def nums(a):
    return [num(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def summary(arrays):
    """{name: [sum of |x|, sum of squares, 8 evenly spaced values]} of each array: enough to
    catch a wrong update without storing every weight (a plain sum cancels out)."""
    out = {}
    for k in sorted(arrays):
        a = arrays[k].asnumpy().astype(np.float64).ravel()
        out[k] = [num(np.abs(a).sum()), num((a * a).sum())] + nums(a[::max(a.size // 8, 1)][:8])
    return out


def seeded(mx, shapes, seed, skip=()):
    """Seeded normal(0, 0.1) arrays for ``shapes`` (BatchNorm gammas and variances near 1)."""
    r = np.random.RandomState(seed)
    out = {}
    for k in sorted(shapes):
        if k in skip:
            continue
        a = r.normal(0, 0.1, shapes[k])
        if k.endswith(('_gamma', '_var')):
            a = 1 + np.abs(a)
        out[k] = mx.nd.array(a.astype(np.float32))
    return out


def metric_values(metric):
    return {n: num(v) for n, v in metric.get_name_value()}


EPOCH_LINE = re.compile(r'Epoch\[(\d+)\] (Train|Validation)-(.+)=(\S+)$')


def epoch_lines(lines):
    """[epoch, 'Train'/'Validation', metric, value] of each end-of-epoch line fit logged."""
    return [[int(m.group(1)), m.group(2), m.group(3), num(m.group(4))]
            for m in map(EPOCH_LINE.match, lines) if m]


# -- networks of example/image-classification/symbols ----------------------------------------

def net_program(name, shape):
    def program(mx, tmp, nets):
        sym = mx.sym.load_json(nets[name])
        data_shape = (BATCH,) + shape
        args, outs, auxs = sym.infer_shape(data=data_shape)
        arg_shapes = dict(zip(sym.list_arguments(), args))
        aux_shapes = dict(zip(sym.list_auxiliary_states(), auxs))
        res = {'arg_shapes': {k: list(v) for k, v in arg_shapes.items()},
               'aux_shapes': {k: list(v) for k, v in aux_shapes.items()},
               'out_shapes': [list(s) for s in outs]}
        mod = mx.mod.Module(symbol=sym, context=mx.cpu())
        mod.bind(data_shapes=[('data', data_shape)],
                 label_shapes=[('softmax_label', (BATCH,))])
        params = seeded(mx, arg_shapes, 1, skip=('data', 'softmax_label'))
        aux = seeded(mx, aux_shapes, 2)
        mod.init_params(mx.init.Xavier(rnd_type='gaussian', factor_type='in', magnitude=2),
                        arg_params=params, aux_params=aux, force_init=True)
        mod.init_optimizer(kvstore=mx.kvstore.create('device'), optimizer='sgd',
                           optimizer_params={'learning_rate': 0.05, 'wd': 1e-4,
                                             'momentum': 0.9, 'multi_precision': True})
        r = np.random.RandomState(3)
        x = r.uniform(-1, 1, data_shape).astype(np.float32)
        y = r.randint(0, 10, BATCH).astype(np.float32)
        batch = mx.io.DataBatch([mx.nd.array(x)], [mx.nd.array(y)])
        mod.forward(batch, is_train=True)
        res['train_output'] = nums(mod.get_outputs()[0].asnumpy())
        mod.backward()
        mod.update()
        # the moving statistics are checked through predict: MXNet 1.9.1's get_params right
        # after the first update sometimes returns a oneDNN BatchNorm's aux states from before
        # the step (inception-bn here), while its executor and predict use the updated ones
        res['params'] = summary(mod.get_params()[0])
        it = mx.io.NDArrayIter(r.uniform(-1, 1, (BATCH + 2,) + shape).astype(np.float32),
                               None, BATCH)
        res['predict'] = nums(mod.predict(it).asnumpy())
        return res
    return program


# -- train_mnist.py / common/fit.py ----------------------------------------------------------

class Args(object):
    """The argparse namespace ``train_mnist.py``/``fine-tune.py`` hand to ``fit``."""

    def __init__(self, **kw):
        self.__dict__.update(dict(
            kv_store='device', gc_type='none', num_epochs=2, lr=0.05, lr_factor=0.1,
            lr_step_epochs='1', mom=0.9, wd=0.0001, batch_size=32, disp_batches=2,
            model_prefix=None, save_period=1, load_epoch=None, top_k=3, loss='ce',
            optimizer='sgd', num_examples=128, monitor=0))
        self.__dict__.update(kw)


def fit(mx, args, network, train, val, records, arg_params=None, aux_params=None,
        initializer=None):
    """``common/fit.py``'s ``fit`` for a CPU run, call for call; the metrics at the end of each
    epoch go to ``records``."""
    kv = mx.kvstore.create(args.kv_store)
    epoch_size = max(int(args.num_examples / args.batch_size / kv.num_workers), 1)
    begin_epoch = args.load_epoch if args.load_epoch else 0
    step_epochs = [int(s) for s in args.lr_step_epochs.split(',')]
    lr = args.lr
    for s in step_epochs:
        if begin_epoch >= s:
            lr *= args.lr_factor
    steps = [epoch_size * (x - begin_epoch) for x in step_epochs if x - begin_epoch > 0]
    lr_scheduler = mx.lr_scheduler.MultiFactorScheduler(
        step=steps, factor=args.lr_factor, base_lr=args.lr) if steps else None
    if args.load_epoch is not None:
        sym, arg_params, aux_params = mx.model.load_checkpoint(args.model_prefix,
                                                               args.load_epoch)
        assert sym.tojson() == network.tojson()
    checkpoint = mx.callback.do_checkpoint(args.model_prefix, period=args.save_period) \
        if args.model_prefix else None
    model = mx.mod.Module(context=mx.cpu(), symbol=network)
    optimizer_params = {'learning_rate': lr, 'wd': args.wd, 'lr_scheduler': lr_scheduler,
                        'multi_precision': True, 'momentum': args.mom}
    eval_metrics = ['accuracy', mx.metric.create('top_k_accuracy', top_k=args.top_k)]
    if 'softmax_output' in network.list_outputs():
        eval_metrics.append(mx.metric.create(args.loss))

    with capture_logs() as lines:
        model.fit(train, begin_epoch=begin_epoch, num_epoch=args.num_epochs, eval_data=val,
                  eval_metric=eval_metrics, kvstore=kv, optimizer=args.optimizer,
                  optimizer_params=optimizer_params,
                  initializer=initializer or mx.init.Xavier(rnd_type='gaussian',
                                                            factor_type='in', magnitude=2),
                  arg_params=arg_params, aux_params=aux_params,
                  batch_end_callback=mx.callback.Speedometer(args.batch_size,
                                                             args.disp_batches),
                  epoch_end_callback=checkpoint, allow_missing=True)
    records.extend(epoch_lines(lines))
    return model


def mnist_arrays(seed, n):
    """``train_mnist.py``'s ``to4d`` of seeded uint8 images and int8 labels."""
    r = np.random.RandomState(seed)
    img = r.randint(0, 256, (n, 28, 28)).astype(np.uint8)
    lbl = r.randint(0, 10, n).astype(np.int8)
    return img.reshape(n, 1, 28, 28).astype(np.float32) / 255, lbl


def train_mnist(mx, tmp, nets):
    network = mx.sym.load_json(nets['lenet'])
    args = Args(model_prefix=os.path.join(tmp, 'lenet'))
    x, y = mnist_arrays(10, 128)
    vx, vy = mnist_arrays(11, 64)
    np.random.seed(5)        # NDArrayIter(shuffle=True) draws from numpy, in both libraries
    train = mx.io.NDArrayIter(x, y, args.batch_size, shuffle=True)
    val = mx.io.NDArrayIter(vx, vy, args.batch_size)
    arg_shapes = dict(zip(network.list_arguments(),
                          network.infer_shape(data=(args.batch_size, 1, 28, 28))[0]))
    params = seeded(mx, arg_shapes, 12, skip=('data', 'softmax_label'))
    epochs = []
    mod = fit(mx, args, network, train, val, epochs, arg_params=params, aux_params={})
    res = {'epochs': epochs, 'params': summary(mod.get_params()[0]),
           'score': {n: num(v) for n, v in mod.score(val, ['acc', 'ce'])},
           'files': sorted(f for f in os.listdir(tmp) if f.startswith('lenet'))}
    # train_mnist.py --load-epoch 1 --num-epochs 2: resume from the first checkpoint
    resumed = []
    np.random.seed(6)
    train = mx.io.NDArrayIter(x, y, args.batch_size, shuffle=True)
    mod = fit(mx, Args(model_prefix=args.model_prefix, load_epoch=1), network, train, val,
              resumed)
    res['resumed_epochs'] = resumed
    res['resumed_params'] = summary(mod.get_params()[0])
    return res


# -- fine-tune.py and score.py on RecordIO images ------------------------------------------

def png(img):
    """A grey (H, W) or RGB (H, W, 3) uint8 array as PNG bytes (no filter, zlib)."""
    h, w = img.shape[:2]
    colour = 2 if img.ndim == 3 else 0
    raw = b''.join(b'\x00' + img[y].tobytes() for y in range(h))

    def chunk(kind, data):
        return (struct.pack('>I', len(data)) + kind + data
                + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, colour, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))


def write_rec(mx, prefix, n, shape, classes, seed):
    """``prefix``.rec/.idx of ``n`` seeded PNG images of (H, W[, 3]) with labels < classes."""
    r = np.random.RandomState(seed)
    rec = mx.recordio.MXIndexedRecordIO(prefix + '.idx', prefix + '.rec', 'w')
    for i in range(n):
        img = r.randint(0, 256, shape).astype(np.uint8)
        header = mx.recordio.IRHeader(0, float(r.randint(classes)), i, 0)
        rec.write_idx(i, mx.recordio.pack(header, png(img)))
    rec.close()
    return prefix + '.rec'


def rec_iter(mx, path, batch_size, data_shape, shuffle):
    """``common/data.py``'s ``get_rec_iter`` with the scripts' default augmentation (none)."""
    return mx.io.ImageRecordIter(
        path_imgrec=path, path_imgidx='', label_width=1, mean_r=123.68, mean_g=116.779,
        mean_b=103.939, std_r=1, std_g=1, std_b=1, data_name='data',
        label_name='softmax_label', data_shape=data_shape, batch_size=batch_size, rand_crop=0,
        max_random_scale=1, pad=0, fill_value=127, random_resized_crop=0, min_random_scale=1,
        max_aspect_ratio=0, min_aspect_ratio=None, max_random_area=1, min_random_area=1,
        min_crop_size=-1, max_crop_size=-1, brightness=0, contrast=0, saturation=0,
        pca_noise=0, random_h=0, random_s=0, random_l=0, max_rotate_angle=0,
        max_shear_ratio=0, rand_mirror=0, preprocess_threads=1, shuffle=shuffle,
        num_parts=1, part_index=0)


def lenet_checkpoint(mx, tmp, nets):
    """An MXNet-format LeNet checkpoint (epoch 3) with seeded weights."""
    network = mx.sym.load_json(nets['lenet'])
    shapes = dict(zip(network.list_arguments(), network.infer_shape(data=(1, 1, 28, 28))[0]))
    prefix = os.path.join(tmp, 'pretrained')
    mx.model.save_checkpoint(prefix, 3, network,
                             seeded(mx, shapes, 20, skip=('data', 'softmax_label')), {})
    return prefix


def fine_tune(mx, tmp, nets):
    prefix = lenet_checkpoint(mx, tmp, nets)
    sym, arg_params, aux_params = mx.model.load_checkpoint(prefix, 3)
    # get_fine_tune_model(sym, arg_params, num_classes=5, layer_name=<lenet's Flatten>): the
    # recorded lenet was built after mlp in one process, so its Flatten is not flatten0
    layer = [o for o in sym.get_internals().list_outputs() if o.startswith('flatten')][0]
    net = sym.get_internals()[layer]
    net = mx.symbol.FullyConnected(data=net, num_hidden=5, name='fc')
    net = mx.symbol.SoftmaxOutput(data=net, name='softmax')
    new_args = dict({k: arg_params[k] for k in arg_params if 'fc' not in k})
    # the new head's random initialisation replaced by seeded weights (one constant weight
    # would tie every class, and top-k breaks ties its own way)
    head = dict(zip(net.list_arguments(), net.infer_shape(data=(32, 1, 28, 28))[0]))
    new_args.update(seeded(mx, {k: head[k] for k in ('fc_weight', 'fc_bias')}, 24))
    train = write_rec(mx, os.path.join(tmp, 'train'), 32, (28, 28), 5, 21)
    val = write_rec(mx, os.path.join(tmp, 'val'), 32, (28, 28), 5, 22)
    # fine-tune.py's defaults (wd 0, mom 0, lr_step_epochs 20) with --lr 0.1
    args = Args(num_epochs=2, lr=0.1, lr_step_epochs='20', wd=0, mom=0, batch_size=32,
                num_examples=32, top_k=2, model_prefix=os.path.join(tmp, 'tuned'))
    epochs = []
    mod = fit(mx, args, net, rec_iter(mx, train, 32, (1, 28, 28), True),
              rec_iter(mx, val, 32, (1, 28, 28), False), epochs, arg_params=new_args,
              aux_params=aux_params)
    return {'arguments': net.list_arguments(), 'epochs': epochs,
            'params': summary(mod.get_params()[0])}


def score(mx, tmp, nets):
    prefix = lenet_checkpoint(mx, tmp, nets)
    val = write_rec(mx, os.path.join(tmp, 'val'), 40, (28, 28), 10, 23)
    # score(model=(sym, arg, aux), data_val, metrics=[acc, top_k 5], gpus='', batch_size=16,
    #       rgb_mean='123.68,116.779,103.939', image_shape='1,28,28')
    data = mx.io.ImageRecordIter(path_imgrec=val, label_width=1, preprocess_threads=1,
                                 batch_size=16, data_shape=(1, 28, 28),
                                 label_name='softmax_label', rand_crop=False,
                                 rand_mirror=False, mean_r=123.68, mean_g=116.779,
                                 mean_b=103.939)
    sym, arg_params, aux_params = mx.model.load_checkpoint(prefix, 3)
    mod = mx.mod.Module(symbol=sym, context=mx.cpu(), label_names=['softmax_label'])
    mod.bind(for_training=False, data_shapes=data.provide_data,
             label_shapes=data.provide_label)
    mod.set_params(arg_params, aux_params)
    metrics = [mx.metric.create('acc'), mx.metric.create('top_k_accuracy', top_k=5)]
    outputs = []
    for batch in data:
        mod.forward(batch, is_train=False)
        for m in metrics:
            mod.update_metric(m, batch.label)
        outputs.append(nums(mod.get_outputs()[0].asnumpy().max(axis=1)))
    return {'metrics': [metric_values(m) for m in metrics], 'batch_output_max': outputs}


# -- numpy-ops/custom_softmax.py -------------------------------------------------------------

def custom_softmax(mx, tmp, nets):
    class Softmax(mx.operator.CustomOp):
        def forward(self, is_train, req, in_data, out_data, aux):
            x = in_data[0].asnumpy()
            y = np.exp(x - x.max(axis=1).reshape((x.shape[0], 1)))
            y /= y.sum(axis=1).reshape((x.shape[0], 1))
            self.assign(out_data[0], req[0], mx.nd.array(y))

        def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
            lab = in_data[1].asnumpy().ravel().astype(int)
            y = out_data[0].asnumpy()
            y[np.arange(lab.shape[0]), lab] -= 1.0
            self.assign(in_grad[0], req[0], mx.nd.array(y))

    @mx.operator.register('example_softmax')
    class SoftmaxProp(mx.operator.CustomOpProp):
        def __init__(self):
            super(SoftmaxProp, self).__init__(need_top_grad=False)

        def list_arguments(self):
            return ['data', 'label']

        def list_outputs(self):
            return ['output']

        def infer_shape(self, in_shape):
            return [in_shape[0], (in_shape[0][0],)], [in_shape[0]], []

        def infer_type(self, in_type):
            return in_type, [in_type[0]], []

        def create_operator(self, ctx, shapes, dtypes):
            return Softmax()

    data = mx.symbol.Variable('data')
    fc1 = mx.symbol.FullyConnected(data=data, name='fc1', num_hidden=128)
    act1 = mx.symbol.Activation(data=fc1, name='relu1', act_type='relu')
    fc2 = mx.symbol.FullyConnected(data=act1, name='fc2', num_hidden=64)
    act2 = mx.symbol.Activation(data=fc2, name='relu2', act_type='relu')
    fc3 = mx.symbol.FullyConnected(data=act2, name='fc3', num_hidden=10)
    mlp = mx.symbol.Custom(data=fc3, name='softmax', op_type='example_softmax')
    x, y = mnist_arrays(30, 200)
    vx, vy = mnist_arrays(31, 100)
    train = mx.io.NDArrayIter(x.reshape(200, 784), y, 100)
    val = mx.io.NDArrayIter(vx.reshape(100, 784), vy, 100)
    shapes = dict(zip(mlp.list_arguments(), mlp.infer_shape(data=(100, 784))[0]))
    mod = mx.mod.Module(mlp, context=mx.cpu())
    with capture_logs() as lines:
        mod.fit(train_data=train, eval_data=val, optimizer='sgd',
                optimizer_params={'learning_rate': 0.1, 'momentum': 0.9, 'wd': 0.00001},
                num_epoch=3, batch_end_callback=mx.callback.Speedometer(100, 100),
                arg_params=seeded(mx, shapes, 32, skip=('data', 'softmax_label')))
    epochs = epoch_lines(lines)
    return {'arguments': mlp.list_arguments(), 'outputs': mlp.list_outputs(),
            'epochs': epochs, 'params': summary(mod.get_params()[0])}


# -- nce-loss/toy_softmax.py: a DataIter yielding its own batch class, which has no pad -------

class SimpleBatch(object):
    """nce-loss's batch: data, label and their names; no ``pad``, no ``index``."""

    def __init__(self, data_names, data, label_names, label):
        self.data, self.label = data, label
        self.data_names, self.label_names = data_names, label_names

    @property
    def provide_data(self):
        return [(n, x.shape) for n, x in zip(self.data_names, self.data)]

    @property
    def provide_label(self):
        return [(n, x.shape) for n, x in zip(self.label_names, self.label)]


def softmax_iter(mx, count, batch_size, vocab_size, feature_size, seed):
    """random_data.py's DataIterSoftmax: each sample has 3 of ``feature_size`` features set,
    its label a function of them; batches come from a generator ``__iter__``."""
    class DataIterSoftmax(mx.io.DataIter):
        def __init__(self):
            super(DataIterSoftmax, self).__init__()
            self.batch_size = batch_size
            self.provide_data = [('data', (batch_size, feature_size))]
            self.provide_label = [('label', (batch_size,))]
            self.rng = np.random.RandomState(seed)

        def sample(self):
            ret = np.zeros(feature_size)
            picked = self.rng.choice(feature_size, 3, replace=False)
            ret[picked] = 1.0
            s = 0
            for k in sorted(picked):
                s = s * feature_size + int(k)
            return ret, s % vocab_size

        def __iter__(self):
            for _ in range(count // batch_size):
                data, label = zip(*[self.sample() for _ in range(batch_size)])
                yield SimpleBatch(['data'], [mx.nd.array(data)], ['label'],
                                  [mx.nd.array(label)])

        def reset(self):
            pass
    return DataIterSoftmax()


def nce_toy_softmax(mx, tmp, nets):
    data_train = softmax_iter(mx, 256, 32, 40, 12, 40)
    data_test = softmax_iter(mx, 64, 32, 40, 12, 41)
    with mx.name.NameManager():     # auto names from fullyconnected0 in either process
        data = mx.sym.Variable('data')
        label = mx.sym.Variable('label')
        pred = mx.sym.FullyConnected(data=data, num_hidden=100)
        pred = mx.sym.FullyConnected(data=pred, num_hidden=40)
        network = mx.sym.SoftmaxOutput(data=pred, label=label)
    model = mx.mod.Module(symbol=network,
                          data_names=[x[0] for x in data_train.provide_data],
                          label_names=[y[0] for y in data_train.provide_label],
                          context=[mx.cpu()])
    shapes = dict(zip(network.list_arguments(), network.infer_shape(data=(32, 12))[0]))
    with capture_logs() as lines:
        model.fit(train_data=data_train, eval_data=data_test, num_epoch=2, optimizer='sgd',
                  optimizer_params={'learning_rate': 0.03, 'momentum': 0.9, 'wd': 0.0000},
                  initializer=mx.init.Xavier(factor_type='in', magnitude=2.34),
                  arg_params=seeded(mx, shapes, 42, skip=('data', 'label')),
                  batch_end_callback=mx.callback.Speedometer(32, 4))
    return {'epochs': epoch_lines(lines), 'params': summary(model.get_params()[0]),
            'score': [[n, num(v)] for n, v in model.score(data_test, 'acc')]}


# -- module/mnist_mlp.py and module/sequential_module.py ---------------------------------------

def mnist_idx_files(d, n_train, n_test, seed):
    """MNIST's four uncompressed idx files in ``d`` with seeded images and labels (the scripts'
    utils/get_data.get_mnist finds them there and downloads nothing)."""
    r = np.random.RandomState(seed)
    for stem, n in (('train', n_train), ('t10k', n_test)):
        with open(os.path.join(d, stem + '-labels-idx1-ubyte'), 'wb') as f:
            f.write(struct.pack('>II', 2049, n) + r.randint(0, 10, n).astype(np.uint8).tobytes())
        with open(os.path.join(d, stem + '-images-idx3-ubyte'), 'wb') as f:
            f.write(struct.pack('>IIII', 2051, n, 28, 28)
                    + r.randint(0, 256, (n, 28, 28)).astype(np.uint8).tobytes())
    files = {}
    for key, stem in (('train', 'train'), ('val', 't10k')):
        files[key + '_images'] = os.path.join(d, stem + '-images-idx3-ubyte')
        files[key + '_labels'] = os.path.join(d, stem + '-labels-idx1-ubyte')
    return files


def mnist_iters(mx, files, batch_size):
    train = mx.io.MNISTIter(image=files['train_images'], label=files['train_labels'],
                            data_shape=(784,), batch_size=batch_size, shuffle=True, flat=True,
                            silent=False, seed=10)
    val = mx.io.MNISTIter(image=files['val_images'], label=files['val_labels'],
                          data_shape=(784,), batch_size=batch_size, shuffle=True, flat=True,
                          silent=False)
    return train, val


def mlp_layers(mx, softmax=True):
    """The module/ scripts' MLP 128-64-10 (ending in SoftmaxOutput unless ``softmax`` is
    False: python_loss.py's, whose loss is a PythonLossModule)."""
    data = mx.symbol.Variable('data')
    fc1 = mx.symbol.FullyConnected(data, name='fc1', num_hidden=128)
    act1 = mx.symbol.Activation(fc1, name='relu1', act_type='relu')
    fc2 = mx.symbol.FullyConnected(act1, name='fc2', num_hidden=64)
    act2 = mx.symbol.Activation(fc2, name='relu2', act_type='relu')
    fc3 = mx.symbol.FullyConnected(act2, name='fc3', num_hidden=10)
    return mx.symbol.SoftmaxOutput(fc3, name='softmax') if softmax else fc3


def module_mnist_mlp(mx, tmp, nets):
    files = mnist_idx_files(tmp, 300, 200, 70)
    softmax = mlp_layers(mx)
    n_epoch, batch_size = 2, 100
    train_dataiter, val_dataiter = mnist_iters(mx, files, batch_size)
    shapes = dict(zip(softmax.list_arguments(), softmax.infer_shape(data=(100, 784))[0]))
    params = seeded(mx, shapes, 71, skip=('data', 'softmax_label'))
    res = {'manual_epochs': []}
    # the intermediate-level API: forward / update_metric / backward / update by hand
    mod = mx.mod.Module(softmax)
    mod.bind(data_shapes=train_dataiter.provide_data, label_shapes=train_dataiter.provide_label)
    mod.init_params()
    mod.set_params(params, {})
    mod.init_optimizer(optimizer_params={'learning_rate': 0.01, 'momentum': 0.9})
    metric = mx.metric.create('acc')
    for i_epoch in range(n_epoch):
        for i_iter, batch in enumerate(train_dataiter):
            mod.forward(batch)
            mod.update_metric(metric, batch.label)
            mod.backward()
            mod.update()
        res['manual_epochs'].append([[n, num(v)] for n, v in metric.get_name_value()])
        metric.reset()
        train_dataiter.reset()
    res['manual_params'] = summary(mod.get_params()[0])
    # the high-level API
    train_dataiter.reset()
    mod = mx.mod.Module(softmax)
    with capture_logs() as lines:
        mod.fit(train_dataiter, eval_data=val_dataiter, arg_params=params,
                optimizer_params={'learning_rate': 0.01, 'momentum': 0.9}, num_epoch=n_epoch)
    res['fit_epochs'] = epoch_lines(lines)
    res['iter_predict'] = []
    for preds, i_batch, batch in mod.iter_predict(val_dataiter):
        pred_label = preds[0].asnumpy().argmax(axis=1)
        label = batch.label[0].asnumpy().astype('int32')
        res['iter_predict'].append([i_batch, int((label == pred_label).sum())])
    preds = mod.predict(val_dataiter)
    res['predict'] = [list(preds.shape), num(preds.asnumpy().max(axis=1).sum())]
    preds = mod.predict(val_dataiter, merge_batches=False)
    val_dataiter.reset()
    acc_sum, acc_cnt = 0.0, 0
    for i, batch in enumerate(val_dataiter):
        pred_label = preds[i][0].asnumpy().argmax(axis=1)
        label = batch.label[0].asnumpy().astype('int32')
        acc_sum += (label == pred_label).sum()
        acc_cnt += len(pred_label)
    res['validation_accuracy'] = num(acc_sum / acc_cnt)
    mod.score(val_dataiter, metric)
    res['score'] = [[n, num(v)] for n, v in metric.get_name_value()]
    return res


def module_sequential(mx, tmp, nets):
    """sequential_module.py without its 4-GPU demo (``demo_data_model_parallelism=False``:
    each module on ``mx.cpu()``)."""
    files = mnist_idx_files(tmp, 300, 200, 72)
    contexts = [mx.context.cpu(), mx.context.cpu()]
    data = mx.symbol.Variable('data')
    fc1 = mx.symbol.FullyConnected(data, name='fc1', num_hidden=128)
    act1 = mx.symbol.Activation(fc1, name='relu1', act_type='relu')
    mod1 = mx.mod.Module(act1, label_names=[], context=contexts[0])
    data = mx.symbol.Variable('data')
    fc2 = mx.symbol.FullyConnected(data, name='fc2', num_hidden=64)
    act2 = mx.symbol.Activation(fc2, name='relu2', act_type='relu')
    fc3 = mx.symbol.FullyConnected(act2, name='fc3', num_hidden=10)
    softmax = mx.symbol.SoftmaxOutput(fc3, name='softmax')
    mod2 = mx.mod.Module(softmax, context=contexts[1])
    mod_seq = mx.mod.SequentialModule()
    mod_seq.add(mod1).add(mod2, take_labels=True, auto_wiring=True)
    train_dataiter, val_dataiter = mnist_iters(mx, files, 100)
    shapes = dict(zip(mlp_layers(mx).list_arguments(),
                      mlp_layers(mx).infer_shape(data=(100, 784))[0]))
    with capture_logs() as lines:
        mod_seq.fit(train_dataiter, eval_data=val_dataiter,
                    arg_params=seeded(mx, shapes, 73, skip=('data', 'softmax_label')),
                    optimizer_params={'learning_rate': 0.01, 'momentum': 0.9}, num_epoch=2)
    return {'epochs': epoch_lines(lines), 'params': summary(mod_seq.get_params()[0]),
            'outputs': mod_seq.output_names}


def mc_hinge_grad(scores, labels):
    """python_loss.py's multi-class hinge gradient (there under numba.jit, which only speeds
    it up)."""
    scores = scores.asnumpy()
    labels = labels.asnumpy().astype(int)
    n, _ = scores.shape
    grad = np.zeros_like(scores)
    for i in range(n):
        score = 1 + scores[i] - scores[i, labels[i]]
        score[labels[i]] = 0
        ind_pred = score.argmax()
        grad[i, labels[i]] -= 1
        grad[i, ind_pred] += 1
    return grad


def module_python_loss(mx, tmp, nets):
    """python_loss.py with its two GPUs replaced by two CPU contexts (data parallel)."""
    files = mnist_idx_files(tmp, 300, 200, 74)
    contexts = [mx.context.cpu(i) for i in range(2)]
    fc3 = mlp_layers(mx, softmax=False)
    mlp = mx.mod.Module(fc3, context=contexts)
    loss = mx.mod.PythonLossModule(grad_func=mc_hinge_grad)
    mod = mx.mod.SequentialModule().add(mlp).add(loss, take_labels=True, auto_wiring=True)
    train_dataiter, val_dataiter = mnist_iters(mx, files, 100)
    shapes = dict(zip(fc3.list_arguments(), fc3.infer_shape(data=(100, 784))[0]))
    with capture_logs() as lines:
        mod.fit(train_dataiter, eval_data=val_dataiter,
                arg_params=seeded(mx, shapes, 75, skip=('data',)),
                optimizer_params={'learning_rate': 0.01, 'momentum': 0.9}, num_epoch=2)
    return {'epochs': epoch_lines(lines), 'params': summary(mod.get_params()[0])}


# -- rnn/bucketing/lstm_bucketing.py ---------------------------------------------------------

WORDS = ['the', 'a', 'of', 'and', 'to', 'in', 'he', 'she', 'it', 'was', 'holmes', 'watson',
         'said', 'that', 'is', 'baker', 'street']


def sentences_file(path, n, seed):
    """A text file of ``n`` seeded sentences of 3-27 words (the script reads
    data/sherlockholmes.{train,test}.txt)."""
    r = np.random.RandomState(seed)
    with open(path, 'w') as f:
        for _ in range(n):
            f.write(' '.join(WORDS[i] for i in r.randint(0, len(WORDS), r.randint(3, 28))))
            f.write('\n')
    return path


def lstm_bucketing(mx, tmp, nets):
    import random

    def tokenize_text(fname, vocab=None, invalid_label=-1, start_label=0):
        with open(fname) as f:
            lines = [list(filter(None, line.split(' '))) for line in f.readlines()]
        return mx.rnn.encode_sentences(lines, vocab=vocab, invalid_label=invalid_label,
                                       start_label=start_label)

    # --num-layers 2 --num-hidden 24 --num-embed 16 --batch-size 16 --num-epochs 2 --lr 0.1
    # --mom 0.9 (defaults: sgd, wd 1e-5, kv-store device)
    num_layers, num_hidden, num_embed, batch_size = 2, 24, 16, 16
    buckets = [10, 20, 30, 40, 50, 60]
    start_label, invalid_label = 1, 0
    train_sent, vocab = tokenize_text(sentences_file(os.path.join(tmp, 'train.txt'), 160, 60),
                                      start_label=start_label, invalid_label=invalid_label)
    val_sent, _ = tokenize_text(sentences_file(os.path.join(tmp, 'test.txt'), 48, 61),
                                vocab=vocab, start_label=start_label,
                                invalid_label=invalid_label)
    random.seed(62)        # BucketSentenceIter shuffles with random and numpy, in both
    np.random.seed(63)
    data_train = mx.rnn.BucketSentenceIter(train_sent, batch_size, buckets=buckets,
                                           invalid_label=invalid_label)
    data_val = mx.rnn.BucketSentenceIter(val_sent, batch_size, buckets=buckets,
                                         invalid_label=invalid_label)
    stack = mx.rnn.SequentialRNNCell()
    for i in range(num_layers):
        stack.add(mx.rnn.LSTMCell(num_hidden=num_hidden, prefix='lstm_l%d_' % i))

    def sym_gen(seq_len):
        data = mx.sym.Variable('data')
        label = mx.sym.Variable('softmax_label')
        embed = mx.sym.Embedding(data=data, input_dim=len(vocab), output_dim=num_embed,
                                 name='embed')
        stack.reset()
        outputs = stack.unroll(seq_len, inputs=embed, merge_outputs=True)[0]
        pred = mx.sym.Reshape(outputs, shape=(-1, num_hidden))
        pred = mx.sym.FullyConnected(data=pred, num_hidden=len(vocab), name='pred')
        label = mx.sym.Reshape(label, shape=(-1,))
        pred = mx.sym.SoftmaxOutput(data=pred, label=label, name='softmax')
        return pred, ('data',), ('softmax_label',)

    model = mx.mod.BucketingModule(sym_gen=sym_gen,
                                   default_bucket_key=data_train.default_bucket_key,
                                   context=mx.cpu(0))
    sym = sym_gen(data_train.default_bucket_key)[0]
    shapes = dict(zip(sym.list_arguments(),
                      sym.infer_shape(data=(batch_size, data_train.default_bucket_key),
                                      softmax_label=(batch_size,
                                                     data_train.default_bucket_key))[0]))
    with capture_logs() as lines:
        model.fit(train_data=data_train, eval_data=data_val,
                  eval_metric=mx.metric.Perplexity(invalid_label), kvstore='device',
                  optimizer='sgd',
                  optimizer_params={'learning_rate': 0.1, 'momentum': 0.9, 'wd': 0.00001},
                  initializer=mx.init.Xavier(factor_type='in', magnitude=2.34),
                  arg_params=seeded(mx, shapes, 64, skip=('data', 'softmax_label')),
                  num_epoch=2,
                  batch_end_callback=mx.callback.Speedometer(batch_size, 5, auto_reset=False))
    prefix = os.path.join(tmp, 'lm')
    model.save_checkpoint(prefix, 2)
    return {'vocab': len(vocab), 'default_bucket_key': data_train.default_bucket_key,
            'epochs': epoch_lines(lines), 'params': summary(model.get_params()[0]),
            'files': sorted(os.listdir(tmp))}


# -- profiler/profiler_ndarray.py's test_broadcast_to ----------------------------------------

def profiler_ndarray_broadcast_to(mx, tmp, nets):
    """NDArray.broadcast_to with the numpy-array target shapes the script passes."""
    r = np.random.RandomState(50)
    out = []
    for _ in range(6):
        ndim = r.randint(1, 6)
        target_shape = r.randint(1, 6, size=(ndim,))
        shape = target_shape.copy()
        for axis in np.nonzero(r.randint(0, 2, size=ndim))[0]:
            shape[axis] = 1
        dat = r.rand(*shape) - 0.5
        ret = mx.nd.array(dat).broadcast_to(shape=target_shape)
        out.append([list(ret.shape), num(ret.asnumpy().sum())])
    x = mx.nd.array([[1.0], [2.0]])
    out.append(list(x.broadcast_to((3, 2, 4)).shape))
    errors = []
    # more dimensions given as a numpy array reach the op's own shape parser, which refuses it
    for bad in [(3,), (2, 4, 1), np.array([4, 1]), np.array([3, 2, 4])]:
        try:
            x.broadcast_to(bad)
            errors.append(None)
        except (ValueError, mx.base.MXNetError) as e:
            errors.append(type(e).__name__)
    return {'cases': out, 'errors': errors}


PROGRAMS = dict([('net_' + name, net_program(name, shape)) for name, _, _, shape in NETS]
                + [('train_mnist', train_mnist), ('fine_tune', fine_tune), ('score', score),
                   ('custom_softmax', custom_softmax), ('nce_toy_softmax', nce_toy_softmax),
                   ('lstm_bucketing', lstm_bucketing), ('module_mnist_mlp', module_mnist_mlp),
                   ('module_sequential', module_sequential),
                   ('module_python_loss', module_python_loss),
                   ('profiler_ndarray_broadcast_to', profiler_ndarray_broadcast_to)])
