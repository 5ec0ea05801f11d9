"""Small programs following MXNet's own Python tutorials (docs/tutorials of MXNet 1.5, the
Symbol / Module / NDArray era) call for call, on seeded synthetic data the shape and format of
the tutorials' downloads -- written once, run by the recorder (tools/record_mxnet_tutorials.py,
MXNet 1.9.1) and the test (tests/test_mxnet_tutorials.py, tfmod); ``mx`` is the library under
test, ``files`` the folder of the files standing for downloads (tests/fixtures/mxnet_tutorials).
Each program returns what the tutorial shows its reader: reprs as the notebook prints them,
shapes, dtypes, logged lines (numbers apart, see ``numbers``) and metrics.

Where a tutorial trains from random weights, they come from ``seeded_init`` (numpy, the same
numbers in both libraries); where it leaves numpy unseeded, it is seeded. The tutorials run
unedited but for those edits with tools/run_mxnet_tutorial.py; these programs are what CI
checks."""
import os
import pickle
import re
import shutil
import zlib
from collections import namedtuple

import numpy as np

from support.log_capture import capture_logs

_NUMBER = re.compile(r'[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?')


def numbers(lines):
    """Logged lines as {'text': with each number '#', 'numbers': [...]}, timings and
    folders dropped."""
    out = []
    for line in lines:
        if 'Time cost' in line:
            continue
        line = re.sub(r'Speed: [0-9.]+ samples/sec', 'Speed: ?', line)
        line = re.sub(r'"[^"]*/([^"/]+)"', r'"\1"', line)     # a file's folder: a temporary one
        out.append({'text': _NUMBER.sub('#', line),
                    'numbers': [float(n) for n in _NUMBER.findall(line)]})
    return out


def seeded_init(mx, scale=0.07):
    """An Initializer drawing each weight from numpy seeded by the weight's name (registered
    once per library: Variable(init=...) needs that)."""
    cls = getattr(mx, '_tutorial_test_init', None)
    if cls is None:
        class TutorialSeededInit(mx.init.Initializer):
            def __init__(self, scale=0.07):
                super(TutorialSeededInit, self).__init__(scale=scale)
                self._scale = scale

            def _init_weight(self, name, arr):
                rs = np.random.RandomState(zlib.crc32(name.encode()))
                arr[:] = rs.uniform(-self._scale, self._scale, arr.shape)
        cls = mx.init.register(TutorialSeededInit)
        mx._tutorial_test_init = cls
    return cls(scale)


def synthetic_mnist(n_train, n_test, seed=0):
    """get_mnist()'s dictionary from ten noisy templates (learnable, unlike noise)."""
    rs = np.random.RandomState(seed)
    templates = (rs.uniform(size=(10, 1, 28, 28)) > 0.7).astype(np.float32)

    def make(n):
        label = rs.randint(0, 10, n)
        noise = rs.uniform(size=(n, 1, 28, 28)).astype(np.float32)
        return np.clip(templates[label] * 0.8 + noise * 0.3, 0, 1).astype(np.float32), label
    train_data, train_label = make(n_train)
    test_data, test_label = make(n_test)
    return {'train_data': train_data, 'train_label': train_label,
            'test_data': test_data, 'test_label': test_label}


def basic_ndarray(mx, tmp, files):
    """basic/ndarray.md"""
    r = {}
    a = mx.nd.array([1, 2, 3])
    b = mx.nd.array([[1, 2, 3], [2, 3, 4]])
    r['shapes'] = repr({'a.shape': a.shape, 'b.shape': b.shape})
    r['from_numpy'] = repr(mx.nd.array(np.arange(15).reshape(3, 5)).shape)
    r['dtypes'] = repr((mx.nd.array([1, 2, 3]).dtype, mx.nd.array([1, 2, 3], dtype=np.int32).dtype,
                        mx.nd.array([1.2, 2.3], dtype=np.float16).dtype))
    r['full'] = repr(mx.nd.full((2, 3), 7))
    r['arange'] = repr(mx.nd.arange(18).reshape((3, 2, 3)).asnumpy())
    a, b = mx.nd.ones((2, 3)), mx.nd.ones((2, 3))
    c = a + b
    r['neg'] = repr(-c)
    r['sin_t'] = repr(mx.nd.sin(c ** 2).T)
    r['maximum'] = repr(mx.nd.maximum(a, c).asnumpy())
    a = mx.nd.arange(4).reshape((2, 2))
    r['dot'] = 'b: %s, \n c: %s' % ((a * a).asnumpy(), mx.nd.dot(a, a).asnumpy())
    a = mx.nd.ones((2, 2))
    b = mx.nd.ones(a.shape)
    b += a
    r['iadd'] = repr(b.asnumpy())
    a = mx.nd.array(np.arange(6).reshape(3, 2))
    a[1:2] = 1
    r['slice_set'] = repr(a[:].asnumpy())
    r['slice_axis'] = repr(mx.nd.slice_axis(a, axis=1, begin=1, end=2).asnumpy())
    r['reshape'] = repr(mx.nd.array(np.arange(24)).reshape((2, 3, 4)).asnumpy())
    r['concat'] = repr(mx.nd.concat(mx.nd.ones((2, 3)), mx.nd.ones((2, 3)) * 2).asnumpy())
    a = mx.nd.ones((2, 3))
    r['sum'] = repr(mx.nd.sum(a).asnumpy())
    r['sum_axis'] = repr(mx.nd.sum_axis(a, axis=1).asnumpy())
    a = mx.nd.array(np.arange(6).reshape(6, 1))
    r['broadcast_to'] = repr(a.broadcast_to((6, 4)).asnumpy())
    r['broadcast_4d'] = repr(a.reshape((2, 1, 1, 3)).broadcast_to((2, 2, 2, 3)).asnumpy())
    r['broadcast_add'] = repr((mx.nd.ones((3, 2)) + mx.nd.ones((1, 2))).asnumpy())
    a = mx.nd.ones((2, 2))
    b = a
    r['is'] = [b is a, a.copy() is a]
    b = mx.nd.ones(a.shape)
    c = b
    c[:] = a
    d = b
    a.copyto(d)
    r['copyto'] = repr((c is b, d is b))
    outs = []
    with mx.Context(mx.cpu()):
        outs.append(str(mx.nd.ones((100, 100)) + mx.nd.ones((100, 100))))
    r['context'] = outs
    data = pickle.dumps(mx.nd.ones((2, 3)))
    r['pickle'] = repr(pickle.loads(data).asnumpy())
    fname = os.path.join(tmp, 'temp.ndarray')
    mx.nd.save(fname, [mx.nd.ones((2, 3)), mx.nd.ones((5, 6))])
    r['load_list'] = repr(mx.nd.load(fname))
    mx.nd.save(fname, {'a': mx.nd.ones((2, 3)), 'b': mx.nd.ones((5, 6))})
    r['load_dict'] = repr(mx.nd.load(fname))
    a = mx.nd.ones((2, 3))
    d = (a + 1) * (a + 2)
    r['lazy'] = repr(d)
    return r


def basic_symbol(mx, tmp, files):
    """basic/symbol.md (plots as their graphviz source)"""
    r = {}
    a, b = mx.sym.Variable('a'), mx.sym.Variable('b')
    c = a + b
    r['vars'] = repr((a, b, c))
    d = a * b
    e = mx.sym.dot(a, b)
    f = mx.sym.reshape(d + e, shape=(1, 4))
    g = mx.sym.broadcast_to(f, shape=(2, 4))
    attrs = {'shape': 'oval', 'fixedsize': 'false'}
    r['plot_g'] = mx.viz.plot_network(symbol=g, node_attrs=attrs).source.rstrip('\n')
    net = mx.sym.Variable('data')
    net = mx.sym.FullyConnected(data=net, name='fc1', num_hidden=128)
    net = mx.sym.Activation(data=net, name='relu1', act_type='relu')
    net = mx.sym.FullyConnected(data=net, name='fc2', num_hidden=10)
    net = mx.sym.SoftmaxOutput(data=net, name='out')
    r['plot_mlp'] = mx.viz.plot_network(net, shape={'data': (100, 200)},
                                        node_attrs=attrs).source.rstrip('\n')
    r['args_mlp'] = net.list_arguments()
    w = mx.symbol.Variable('myweight')
    r['args_myweight'] = mx.symbol.FullyConnected(data=mx.symbol.Variable('data'), weight=w,
                                                  name='fc1', num_hidden=128).list_arguments()
    lhs, rhs = mx.symbol.Variable('data1'), mx.symbol.Variable('data2')
    r['args_sum'] = mx.symbol.FullyConnected(data=lhs + rhs, name='fc1',
                                             num_hidden=128).list_arguments()
    net1 = mx.symbol.FullyConnected(data=mx.symbol.Variable('data'), name='fc1', num_hidden=10)
    net2 = mx.symbol.FullyConnected(data=mx.symbol.Variable('data2'), name='fc2', num_hidden=10)
    r['args_composed'] = net2(data2=net1, name='composed').list_arguments()
    net = mx.sym.Variable('data')
    for i in range(2):
        with mx.name.Prefix('layer%d_' % (i + 1)):
            net = mx.sym.FullyConnected(data=net, name='fc', num_hidden=100)
    r['args_prefix'] = net.list_arguments()

    def conv_factory(data, num_filter, kernel, stride=(1, 1), pad=(0, 0), name=None, suffix=''):
        conv = mx.sym.Convolution(data=data, num_filter=num_filter, kernel=kernel, stride=stride,
                                  pad=pad, name='conv_%s%s' % (name, suffix))
        bn = mx.sym.BatchNorm(data=conv, name='bn_%s%s' % (name, suffix))
        return mx.sym.Activation(data=bn, act_type='relu', name='relu_%s%s' % (name, suffix))
    prev = mx.sym.Variable(name='Previous Output')
    shape = {'Previous Output': (128, 3, 28, 28)}
    r['plot_conv'] = mx.viz.plot_network(
        symbol=conv_factory(prev, 64, (7, 7), stride=(2, 2)), shape=shape,
        node_attrs=attrs).source.rstrip('\n')
    c1 = conv_factory(prev, 64, (1, 1), name='in3a_1x1')
    c3 = conv_factory(conv_factory(prev, 64, (1, 1), name='in3a_3x3', suffix='_reduce'), 64,
                      (3, 3), pad=(1, 1), name='in3a_3x3')
    pool = mx.sym.Pooling(data=prev, kernel=(3, 3), stride=(1, 1), pad=(1, 1), pool_type='avg',
                          name='avg_pool_in3a_pool')
    proj = conv_factory(pool, 32, (1, 1), name='in3a_proj')
    concat = mx.sym.Concat(*[c1, c3, proj], name='ch_concat_in3a_chconcat')
    r['plot_inception'] = mx.viz.plot_network(symbol=concat, shape=shape,
                                              node_attrs=attrs).source.rstrip('\n')
    net = mx.sym.Activation(data=mx.sym.FullyConnected(data=mx.sym.Variable('data'), name='fc1',
                                                       num_hidden=128), name='relu1',
                            act_type='relu')
    group = mx.sym.Group([mx.sym.SoftmaxOutput(data=net, name='softmax'),
                          mx.sym.LinearRegressionOutput(data=net, name='regression')])
    r['group_outputs'] = group.list_outputs()
    arg_shape, out_shape, _ = c.infer_shape(a=(2, 3), b=(2, 3))
    arg_type, out_type, _ = c.infer_type(a='float32', b='float32')
    r['infer'] = repr([{'input': dict(zip(c.list_arguments(), arg_shape)),
                        'output': dict(zip(c.list_outputs(), out_shape))},
                       {'input': dict(zip(c.list_arguments(), arg_type)),
                        'output': dict(zip(c.list_outputs(), out_type))}])
    ex = c.bind(ctx=mx.cpu(), args={'a': mx.nd.ones([2, 3]), 'b': mx.nd.ones([2, 3])})
    ex.forward()
    r['bind'] = 'number of outputs = %d\nthe first output = \n%s' % (
        len(ex.outputs), ex.outputs[0].asnumpy())
    ex = c.bind(ctx=mx.cpu(), args={'a': mx.nd.ones([3, 4]) * 2, 'b': mx.nd.ones([3, 4]) * 3})
    ex.forward()
    r['bind_34'] = repr(ex.outputs[0].asnumpy())
    ex = c.eval(ctx=mx.cpu(), a=mx.nd.ones([2, 3]), b=mx.nd.ones([2, 3]))
    r['eval'] = '%d %s' % (len(ex), ex[0].asnumpy())
    r['json'] = c.tojson()
    path = os.path.join(tmp, 'symbol-c.json')
    c.save(path)
    r['json_same'] = c.tojson() == mx.sym.load(path).tojson()
    data = mx.sym.Variable('data')
    arg, out, _ = mx.sym.cast(data=data, dtype='float16').infer_type(data='float32')
    arg2, out2, _ = mx.sym.cast(data=data, dtype='uint8').infer_type(data='int32')
    r['cast'] = repr([{'input': arg, 'output': out}, {'input': arg2, 'output': out2}])
    a, b = mx.sym.Variable('a'), mx.sym.Variable('b')
    b = a + a * a
    data = mx.nd.ones((2, 3)) * 2
    ex = b.bind(ctx=mx.cpu(), args={'a': data, 'b': data})
    ex.forward()
    r['shared'] = repr(ex.outputs[0].asnumpy())
    return r


def basic_ndarray_indexing(mx, tmp, files):
    """basic/ndarray_indexing.md"""
    nd = mx.nd
    r = []
    x = nd.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], dtype='int32')
    r.append(repr(x[5:]))
    x = nd.array([0, 1, 2, 3])
    r.append('%s %s' % (x, x[1:3]))
    x = nd.array([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])
    r.append('%s %s' % (x, x[1:3]))
    x[2] = 9.0
    r.append(str(x))
    x[0, 2] = 9.0
    r.append(str(x))
    x[1:2, 1:3] = 5.0
    r.append(str(x))
    x = nd.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], dtype='int32')
    r.append(repr(x[1:7:2]))
    r.append(repr(x[-2:10]))
    x = nd.array([[[1], [2], [3]], [[4], [5], [6]]], dtype='int32')
    r.append(repr(x[1:2]))
    x = nd.arange(16, dtype='int32').reshape((4, 4))
    r.append(str(x[1:4:2, 3:0:-1]))
    x[1:4:2, 3:0:-1] = [[16], [17]]
    r.append(str(x))
    x = nd.array([[1, 2], [3, 4], [5, 6]], dtype='int32')
    r.append(repr(x[[0, 1, 2], [0, 1, 0]]))
    x = nd.array([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]], dtype='int32')
    r.append(repr(x[[[0, 0], [3, 3]], [[0, 2], [0, 2]]]))
    r.append(repr(x[[[0], [3]], [[0, 2]]]))
    shape = (10, 20, 30, 40, 50)
    x = nd.arange(np.prod(shape), dtype='int32').reshape(shape)
    ind = nd.arange(24).reshape((2, 3, 4))
    r.append(repr(x[:, :, ind].shape))
    ind1 = [0, 1, 2, 3]
    ind2 = [[[0], [1], [2]], [[3], [4], [5]]]
    r.append(repr(x[:, :, ind1, ind2, :].shape))
    r.append(repr(x[:, :, ind1, :, ind2].shape))
    return {'shown': r}


def basic_reshape_transpose(mx, tmp, files):
    """basic/reshape_transpose.md, its NDArray parts (the rest is Gluon)"""
    input_data = mx.random.uniform(shape=(100, 20, 100))
    shapes = [input_data.shape, input_data.reshape(100, -1).shape]
    x = mx.nd.random.uniform(shape=(1, 3, 4, 64, 64))
    x = x.reshape(1, 3, -4, 2, 2, 0, 0)
    shapes.append(x.shape)
    x = x.transpose((0, 1, 4, 2, 5, 3))
    shapes.append(x.shape)
    shapes.append(x.reshape(0, 0, -3, -3).shape)
    v = mx.nd.arange(96).reshape(1, 3, 4, 2, 4)
    moved = v.reshape(1, 3, -4, 2, 2, 0, 0).transpose((0, 1, 4, 2, 5, 3)).reshape(0, 0, -3, -3)
    return {'shapes': [list(s) for s in shapes], 'values': moved.asnumpy().ravel().tolist()}


def _letters(path, n=480, seed=7):
    """letter-recognition.data's format: a capital letter, then 16 integer features."""
    rs = np.random.RandomState(seed)
    templates = rs.randint(0, 16, (26, 16))
    with open(path, 'w') as f:
        for letter in rs.randint(0, 26, n):
            feats = np.clip(templates[letter] + rs.randint(-1, 2, 16), 0, 15)
            f.write(','.join([chr(ord('A') + letter)] + [str(int(v)) for v in feats]) + '\n')


def basic_module(mx, tmp, files):
    """basic/module.md: the intermediate-level loop, fit, predict, score, checkpoints, resume"""
    np.random.seed(1234)
    fname = os.path.join(tmp, 'letter-recognition.data')
    _letters(fname)
    data = np.genfromtxt(fname, delimiter=',')[:, 1:]
    label = np.array([ord(line.split(',')[0]) - ord('A') for line in open(fname)])
    ntrain = int(data.shape[0] * 0.8)
    train_iter = mx.io.NDArrayIter(data[:ntrain, :], label[:ntrain], 32, shuffle=True)
    val_iter = mx.io.NDArrayIter(data[ntrain:, :], label[ntrain:], 32)
    net = mx.sym.Variable('data')
    net = mx.sym.FullyConnected(net, name='fc1', num_hidden=64)
    net = mx.sym.Activation(net, name='relu1', act_type='relu')
    net = mx.sym.FullyConnected(net, name='fc2', num_hidden=26)
    net = mx.sym.SoftmaxOutput(net, name='softmax')
    r = {}
    mod = mx.mod.Module(symbol=net, context=mx.cpu(), data_names=['data'],
                        label_names=['softmax_label'])
    mod.bind(data_shapes=train_iter.provide_data, label_shapes=train_iter.provide_label)
    mod.init_params(initializer=seeded_init(mx, 0.1))
    mod.init_optimizer(optimizer='sgd', optimizer_params=(('learning_rate', 0.1),))
    metric = mx.metric.create('acc')
    loop = []
    for epoch in range(3):
        train_iter.reset()
        metric.reset()
        for batch in train_iter:
            mod.forward(batch, is_train=True)
            mod.update_metric(metric, batch.label)
            mod.backward()
            mod.update()
        loop.append('Epoch %d, Training %s' % (epoch, metric.get()))
    r['loop'] = numbers(loop)
    train_iter.reset()
    mod = mx.mod.Module(symbol=net, context=mx.cpu(), data_names=['data'],
                        label_names=['softmax_label'])
    with capture_logs() as lines:
        mod.fit(train_iter, eval_data=val_iter, optimizer='sgd',
                optimizer_params={'learning_rate': 0.1}, eval_metric='acc', num_epoch=3,
                initializer=seeded_init(mx))
    r['fit'] = numbers(lines)
    y = mod.predict(val_iter)
    r['predict'] = [list(y.shape), y.asnumpy()[:2].tolist()]
    r['score'] = mod.score(val_iter, ['acc'])[0][1]
    prefix = os.path.join(tmp, 'mx_mlp')
    mod = mx.mod.Module(symbol=net)
    with capture_logs() as lines:
        mod.fit(train_iter, num_epoch=3, epoch_end_callback=mx.callback.do_checkpoint(prefix),
                initializer=seeded_init(mx))
    r['fit_checkpoint'] = numbers(lines)
    sym, arg_params, aux_params = mx.model.load_checkpoint(prefix, 3)
    r['same_json'] = sym.tojson() == net.tojson()
    mod.set_params(arg_params, aux_params)
    mod = mx.mod.Module(symbol=sym)
    with capture_logs() as lines:
        mod.fit(train_iter, num_epoch=5, arg_params=arg_params, aux_params=aux_params,
                begin_epoch=3)
    r['resume'] = numbers(lines)
    return r


def basic_data(mx, tmp, files):
    """basic/data.md: NDArrayIter, CSVIter, a DataIter of its own in fit, recordio, imdecode"""
    r = {}
    np.random.seed(42)
    data = np.random.rand(100, 3)
    label = np.random.randint(0, 10, (100,))
    r['ndarrayiter'] = [str([b.data, b.label, b.pad])
                        for b in mx.io.NDArrayIter(data=data, label=label, batch_size=30)]
    csv = os.path.join(tmp, 'data.csv')
    np.savetxt(csv, data, delimiter=',')
    r['csviter'] = [str([b.data, b.pad])
                    for b in mx.io.CSVIter(data_csv=csv, data_shape=(3,), batch_size=30)]

    class SimpleIter(mx.io.DataIter):
        def __init__(self, data_names, data_shapes, data_gen, label_names, label_shapes,
                     label_gen, num_batches=10):
            self._provide_data = list(zip(data_names, data_shapes))
            self._provide_label = list(zip(label_names, label_shapes))
            self.num_batches = num_batches
            self.data_gen, self.label_gen = data_gen, label_gen
            self.cur_batch = 0

        def __iter__(self):
            return self

        def reset(self):
            self.cur_batch = 0

        def __next__(self):
            return self.next()

        @property
        def provide_data(self):
            return self._provide_data

        @property
        def provide_label(self):
            return self._provide_label

        def next(self):
            if self.cur_batch < self.num_batches:
                self.cur_batch += 1
                d = [mx.nd.array(g(s[1])) for s, g in zip(self._provide_data, self.data_gen)]
                lab = [mx.nd.array(g(s[1])) for s, g in zip(self._provide_label,
                                                            self.label_gen)]
                return mx.io.DataBatch(d, lab)
            raise StopIteration
    net = mx.sym.Variable('data')
    net = mx.sym.FullyConnected(data=net, name='fc1', num_hidden=64)
    net = mx.sym.Activation(data=net, name='relu1', act_type='relu')
    net = mx.sym.FullyConnected(data=net, name='fc2', num_hidden=10)
    net = mx.sym.SoftmaxOutput(data=net, name='softmax')
    r['names'] = [net.list_arguments(), net.list_outputs()]
    it = SimpleIter(['data'], [(32, 100)], [lambda s: np.random.uniform(-1, 1, s)],
                    ['softmax_label'], [(32,)], [lambda s: np.random.randint(0, 10, s)])
    with capture_logs() as lines:
        mx.mod.Module(symbol=net).fit(it, num_epoch=3, initializer=seeded_init(mx))
    r['fit'] = numbers(lines)
    rec = os.path.join(tmp, 'tmp.rec')
    record = mx.recordio.MXRecordIO(rec, 'w')
    for i in range(5):
        record.write(bytes('record_%d' % i, 'utf-8'))
    record.close()
    record = mx.recordio.MXRecordIO(rec, 'r')
    items = []
    while True:
        item = record.read()
        if not item:
            break
        items.append(repr(item))
    record.close()
    idx = os.path.join(tmp, 'tmp.idx')
    record = mx.recordio.MXIndexedRecordIO(idx, rec, 'w')
    for i in range(5):
        record.write_idx(i, bytes('record_%d' % i, 'utf-8'))
    record.close()
    record = mx.recordio.MXIndexedRecordIO(idx, rec, 'r')
    items += [repr(record.read_idx(3)), repr(record.keys)]
    s1 = mx.recordio.pack(mx.recordio.IRHeader(flag=0, label=1.0, id=1, id2=0), b'data')
    s2 = mx.recordio.pack(mx.recordio.IRHeader(flag=3, label=[1.0, 2.0, 3.0], id=2, id2=0),
                          b'data')
    items += [repr(mx.recordio.unpack(s1)), repr(mx.recordio.unpack(s2))]
    r['recordio'] = items
    with open(os.path.join(files, 'tiny.jpg'), 'rb') as f:
        img = mx.image.imdecode(f.read())
    r['imdecode'] = [list(img.shape), str(img.dtype), float(img.asnumpy().mean())]
    return r


def linear_regression(mx, tmp, files):
    """python/linear-regression.md"""
    mx.random.seed(42)
    np.random.seed(42)
    train_data = np.random.uniform(0, 1, [100, 2])
    train_label = np.array([train_data[i][0] + 2 * train_data[i][1] for i in range(100)])
    eval_data = np.array([[7, 2], [6, 10], [12, 2]])
    eval_label = np.array([11, 26, 16])
    train_iter = mx.io.NDArrayIter(train_data, train_label, 1, shuffle=True,
                                   label_name='lin_reg_label')
    eval_iter = mx.io.NDArrayIter(eval_data, eval_label, 1, shuffle=False,
                                  label_name='lin_reg_label')
    X = mx.sym.Variable('data')
    Y = mx.symbol.Variable('lin_reg_label')
    fc = mx.sym.FullyConnected(data=X, name='fc1', num_hidden=1)
    lro = mx.sym.LinearRegressionOutput(data=fc, label=Y, name='lro')
    model = mx.mod.Module(symbol=lro, data_names=['data'], label_names=['lin_reg_label'])
    with capture_logs() as lines:
        model.fit(train_iter, eval_iter,
                  optimizer_params={'learning_rate': 0.01, 'momentum': 0.9}, num_epoch=3,
                  eval_metric='mse', batch_end_callback=mx.callback.Speedometer(1, 20),
                  initializer=seeded_init(mx))
    r = {'fit': numbers(lines), 'predict': model.predict(eval_iter).asnumpy().ravel().tolist()}
    metric = mx.metric.MSE()
    r['score'] = model.score(eval_iter, metric)[0][1]
    eval_iter = mx.io.NDArrayIter(eval_data, np.array([11.1, 26.1, 16.1]), 1, shuffle=False,
                                  label_name='lin_reg_label')
    r['score_shifted'] = model.score(eval_iter, metric)[0][1]
    return r


def python_mnist(mx, tmp, files):
    """python/mnist.md: the MLP and LeNet through fit, predict and score"""
    np.random.seed(0)
    mnist = synthetic_mnist(300, 100)
    mx.random.seed(42)
    batch_size = 100
    train_iter = mx.io.NDArrayIter(mnist['train_data'], mnist['train_label'], batch_size,
                                   shuffle=True)
    val_iter = mx.io.NDArrayIter(mnist['test_data'], mnist['test_label'], batch_size)
    data = mx.sym.flatten(data=mx.sym.var('data'))
    fc1 = mx.sym.FullyConnected(data=data, num_hidden=128)
    act1 = mx.sym.Activation(data=fc1, act_type='relu')
    fc2 = mx.sym.FullyConnected(data=act1, num_hidden=64)
    act2 = mx.sym.Activation(data=fc2, act_type='relu')
    mlp = mx.sym.SoftmaxOutput(data=mx.sym.FullyConnected(data=act2, num_hidden=10),
                               name='softmax')
    r = {}
    for name, net in (('mlp', mlp), ('lenet', None)):
        if net is None:
            data = mx.sym.var('data')
            conv1 = mx.sym.Convolution(data=data, kernel=(5, 5), num_filter=20)
            pool1 = mx.sym.Pooling(data=mx.sym.Activation(data=conv1, act_type='tanh'),
                                   pool_type='max', kernel=(2, 2), stride=(2, 2))
            conv2 = mx.sym.Convolution(data=pool1, kernel=(5, 5), num_filter=50)
            pool2 = mx.sym.Pooling(data=mx.sym.Activation(data=conv2, act_type='tanh'),
                                   pool_type='max', kernel=(2, 2), stride=(2, 2))
            fc1 = mx.symbol.FullyConnected(data=mx.sym.flatten(data=pool2), num_hidden=500)
            fc2 = mx.sym.FullyConnected(data=mx.sym.Activation(data=fc1, act_type='tanh'),
                                        num_hidden=10)
            net = mx.sym.SoftmaxOutput(data=fc2, name='softmax')
        model = mx.mod.Module(symbol=net, context=mx.cpu())
        with capture_logs() as lines:
            model.fit(train_iter, eval_data=val_iter, optimizer='sgd',
                      optimizer_params={'learning_rate': 0.1}, eval_metric='acc',
                      batch_end_callback=mx.callback.Speedometer(batch_size, 2), num_epoch=2,
                      initializer=seeded_init(mx))
        prob = model.predict(mx.io.NDArrayIter(mnist['test_data'], None, batch_size))
        acc = mx.metric.Accuracy()
        model.score(mx.io.NDArrayIter(mnist['test_data'], mnist['test_label'], batch_size), acc)
        r[name] = {'fit': numbers(lines), 'prob_shape': list(prob.shape),
                   'prob': prob.asnumpy()[:3].tolist(), 'acc': numbers([str(acc)])}
    return r


def predict_image(mx, tmp, files):
    """python/predict_image.md on a small network MXNet saved under resnet-18's names"""
    for name in ('resnet-18-0000.params', 'resnet-18-symbol.json', 'synset.txt'):
        shutil.copyfile(os.path.join(files, name), os.path.join(tmp, name))
    sym, arg_params, aux_params = mx.model.load_checkpoint(os.path.join(tmp, 'resnet-18'), 0)
    mod = mx.mod.Module(symbol=sym, context=mx.cpu(), label_names=None)
    mod.bind(for_training=False, data_shapes=[('data', (1, 3, 224, 224))],
             label_shapes=mod._label_shapes)
    mod.set_params(arg_params, aux_params, allow_missing=True)
    with open(os.path.join(tmp, 'synset.txt')) as f:
        labels = [line.rstrip() for line in f]
    Batch = namedtuple('Batch', ['data'])

    def get_image():
        img = mx.image.imread(os.path.join(files, 'tiny.jpg'))
        img = mx.image.imresize(img, 224, 224)
        return img.transpose((2, 0, 1)).expand_dims(axis=0).astype('float32')
    mod.forward(Batch([get_image()]))
    prob = np.squeeze(mod.get_outputs()[0].asnumpy())
    top = np.argsort(prob)[::-1][:5]
    r = {'top5': [labels[i] for i in top], 'probs': [float(prob[i]) for i in top]}
    all_layers = sym.get_internals()
    r['last_layers'] = all_layers.list_outputs()[-10:]
    fe_mod = mx.mod.Module(symbol=all_layers['flatten0_output'], context=mx.cpu(),
                           label_names=None)
    fe_mod.bind(for_training=False, data_shapes=[('data', (1, 3, 224, 224))])
    fe_mod.set_params(arg_params, aux_params)
    fe_mod.forward(Batch([get_image()]))
    features = fe_mod.get_outputs()[0]
    r['features'] = [list(features.shape), features.asnumpy().ravel()[:40].tolist()]
    return r


def python_kvstore(mx, tmp, files):
    """python/kvstore.md"""
    shown = []
    kv = mx.kv.create('local')
    shape = (2, 3)
    kv.init(3, mx.nd.ones(shape) * 2)
    a = mx.nd.zeros(shape)
    kv.pull(3, out=a)
    shown.append(str(a.asnumpy()))
    kv.push(3, mx.nd.ones(shape) * 8)
    kv.pull(3, out=a)
    shown.append(str(a.asnumpy()))
    contexts = [mx.cpu(i) for i in range(4)]
    kv.push(3, [mx.nd.ones(shape, ctx) for ctx in contexts])
    kv.pull(3, out=a)
    shown.append(str(a.asnumpy()))

    def update(key, input, stored):
        shown.append('update on key: %d' % key)
        stored += input * 2
    kv._set_updater(update)
    kv.pull(3, out=a)
    shown.append(str(a.asnumpy()))
    kv.push(3, mx.nd.ones(shape))
    kv.pull(3, out=a)
    shown.append(str(a.asnumpy()))
    b = [mx.nd.ones(shape, ctx) for ctx in contexts]
    kv.pull(3, out=b)
    shown.append(str(b[1].asnumpy()))
    keys = [5, 7, 9]
    kv.init(keys, [mx.nd.ones(shape)] * len(keys))
    kv.push(keys, [mx.nd.ones(shape)] * len(keys))
    b = [mx.nd.zeros(shape)] * len(keys)
    kv.pull(keys, out=b)
    shown.append(str(b[1].asnumpy()))
    b = [[mx.nd.ones(shape, ctx) for ctx in contexts]] * len(keys)
    kv.push(keys, b)
    kv.pull(keys, out=b)
    shown.append(str(b[1][1].asnumpy()))
    return {'shown': shown}


def sparse_csr(mx, tmp, files):
    """sparse/csr.md"""
    r = {}
    shape = (3, 4)
    a = mx.nd.sparse.csr_matrix(([7, 8, 9], [0, 2, 1], [0, 2, 2, 3]), shape=shape)
    b = mx.nd.sparse.csr_matrix((np.array([7, 8, 9]), np.array([0, 2, 1]),
                                 np.array([0, 2, 2, 3])), shape=shape)
    r['ab'] = repr({'a': a.asnumpy(), 'b': b.asnumpy()})
    big = mx.nd.round(mx.nd.random.uniform(low=0, high=1, shape=(1000, 100)))
    r['big'] = [str(big).splitlines()[-1], big.tostype('csr').stype]
    r['dtypes'] = repr((mx.nd.sparse.array(a).dtype, mx.nd.array(a, dtype=np.float16).dtype))
    r['parts'] = repr({'a.stype': a.stype, 'data': a.data, 'indices': a.indices,
                       'indptr': a.indptr})
    ones = mx.nd.ones((2, 2))
    csr = ones.tostype('csr')
    r['tostype'] = repr({'csr': csr, 'dense': csr.tostype('default')})
    csr = mx.nd.sparse.cast_storage(ones, 'csr')
    r['cast_storage'] = repr({'csr': csr, 'dense': mx.nd.sparse.cast_storage(csr, 'default')})
    a2 = mx.nd.ones((2, 2)).tostype('csr')
    b2 = a2.copy()
    c2 = mx.nd.sparse.zeros('csr', (2, 2))
    c2[:] = a2
    d2 = mx.nd.sparse.zeros('csr', (2, 2))
    a2.copyto(d2)
    r['copies'] = repr({'b is a': b2 is a2, 'b.asnumpy()': b2.asnumpy(),
                        'c.asnumpy()': c2.asnumpy(), 'd.asnumpy()': d2.asnumpy()})
    e = mx.nd.sparse.zeros('csr', (2, 2))
    f = mx.nd.sparse.zeros('csr', (2, 2))
    g = mx.nd.ones(e.shape)
    e[:] = g
    g.copyto(f)
    r['assign_stypes'] = repr({'e.stype': e.stype, 'f.stype': f.stype, 'g.stype': g.stype})
    s = mx.nd.array(np.arange(6).reshape(3, 2)).tostype('csr')
    r['slices'] = repr({'a': s, 'b': s[1:2].asnumpy(), 'c': s[:].asnumpy()})
    r['dot'] = repr({'out': mx.nd.sparse.dot(a, mx.nd.ones((4, 1)))})
    r['ops_stype'] = repr({'b.stype': (a * 2).stype,
                           'c.stype': (a + mx.nd.ones(shape=(3, 4))).stype})
    e = mx.nd.sparse.zeros('csr', a.shape)
    d = mx.nd.log(a)
    e = mx.nd.log(a, out=e)
    r['fallback'] = repr({'a.stype': a.stype, 'd.stype': d.stype, 'e.stype': e.stype})
    data = mx.nd.array(np.arange(36).reshape((9, 4))).tostype('csr')
    it = mx.io.NDArrayIter(data, np.ones([9, 1]), 3, last_batch_handle='discard')
    r['iter'] = repr([batch.data[0] for batch in it])
    path = os.path.join(tmp, 'data.t')
    with open(path, 'w') as fout:
        fout.write('1.0 0:1 2:2\n1.0 0:3 5:4\n1.0 2:5 8:6 9:7\n1.0 3:8\n-1 0:0.5 9:1.5\n'
                   '-2.0\n-3.0 0:-0.6 1:2.25 2:1.25\n-3.0 1:2 2:-1.25\n4 2:-1.2\n')
    train = mx.io.LibSVMIter(data_libsvm=path, data_shape=(10,), label_shape=(1,),
                             batch_size=3)
    r['libsvm'] = [str(train.getdata()) + str(train.getlabel()) for _ in train]
    return r


def sparse_row_sparse(mx, tmp, files):
    """sparse/row_sparse.md"""
    r = {}
    X = mx.nd.array([[1, 0]])
    W = mx.nd.array([[3, 4, 5], [6, 7, 8]])
    Y = mx.nd.dot(X, W)
    r['dense'] = repr({'X': X, 'W': W, 'Y': Y})
    r['grad_W'] = repr(mx.nd.dot(X, mx.nd.ones_like(Y), transpose_a=True))
    shape = (6, 2)
    a = mx.nd.sparse.row_sparse_array(([[1, 2], [3, 4]], [1, 4]), shape=shape)
    b = mx.nd.sparse.row_sparse_array((np.array([[1, 2], [3, 4]]), np.array([1, 4])),
                                      shape=shape)
    r['ab'] = repr({'a': a, 'b': b})
    r['dtypes'] = repr((mx.nd.sparse.array(a).dtype, mx.nd.array(a, dtype=np.float16).dtype))
    r['dense_a'] = repr(a.asnumpy())
    r['parts'] = repr({'a.stype': a.stype, 'data': a.data, 'indices': a.indices})
    ones = mx.nd.ones((2, 2))
    rsp = ones.tostype('row_sparse')
    r['tostype'] = repr({'rsp': rsp, 'dense': rsp.tostype('default')})
    a2 = mx.nd.ones((2, 2)).tostype('row_sparse')
    b2 = a2.copy()
    c2 = mx.nd.sparse.zeros('row_sparse', (2, 2))
    c2[:] = a2
    d2 = mx.nd.sparse.zeros('row_sparse', (2, 2))
    a2.copyto(d2)
    r['copies'] = repr({'b is a': b2 is a2, 'b.asnumpy()': b2.asnumpy(),
                        'c.asnumpy()': c2.asnumpy(), 'd.asnumpy()': d2.asnumpy()})
    rsp = mx.nd.sparse.row_sparse_array(([[1, 2], [3, 4], [5, 6]], [0, 2, 3]), shape=(5, 2))
    kept = mx.nd.sparse.retain(rsp, mx.nd.array([0, 1]))
    r['retain'] = repr({'rsp.asnumpy()': rsp.asnumpy(), 'rsp_retained': kept,
                        'rsp_retained.asnumpy()': kept.asnumpy()})
    lhs = mx.nd.sparse.csr_matrix(([7, 8, 9], [0, 2, 1], [0, 2, 2, 3]), shape=(3, 5))
    tdot = mx.nd.sparse.dot(lhs, mx.nd.ones((3, 2)), transpose_a=True)
    r['tdot'] = repr({'transpose_dot': tdot, 'transpose_dot.asnumpy()': tdot.asnumpy()})
    a = tdot.copy()
    r['ops_stype'] = repr({'b.stype': (a * 2).stype, 'c.stype': (a + mx.nd.ones((5, 2))).stype})
    e = mx.nd.sparse.zeros('row_sparse', a.shape)
    d = mx.nd.log(a)
    e = mx.nd.log(a, out=e)
    r['fallback'] = repr({'a.stype': a.stype, 'd.stype': d.stype, 'e.stype': e.stype})
    weight = mx.nd.ones((4, 2)).tostype('row_sparse')
    grad = mx.nd.sparse.row_sparse_array(([[1, 2], [4, 5]], [1, 2]), shape=(4, 2))
    sgd = mx.optimizer.SGD(learning_rate=0.01, momentum=0.01)
    momentum = sgd.create_state(0, weight)
    r['before'] = repr({'grad.asnumpy()': grad.asnumpy(), 'weight.asnumpy()': weight.asnumpy(),
                        'momentum.asnumpy()': momentum.asnumpy()})
    sgd.update(0, weight, grad, momentum)
    r['after'] = repr({'weight.asnumpy()': weight.asnumpy(),
                       'momentum.asnumpy()': momentum.asnumpy()})
    return r


def sparse_train(mx, tmp, files):
    """sparse/train.md: symbols with storage types, executors showing their outputs' storage
    types, a sparse linear regression trained by forward/backward/update"""
    np.random.seed(42)
    mx.random.seed(42)
    a = mx.sym.Variable('a')
    b = mx.sym.Variable('b', stype='csr')
    c = mx.sym.Variable('c', stype='row_sparse')
    r = {'vars': repr((a, b, c))}
    d = mx.sym.elemwise_add(a, a)
    e = mx.sym.sparse.negative(b)
    f = mx.sym.sparse.elemwise_add(c, c)
    r['ops'] = repr({'d': d, 'e': e, 'f': f})
    shape = (2, 2)
    b_exec = b.simple_bind(ctx=mx.cpu(), b=shape)
    c_exec = c.simple_bind(ctx=mx.cpu(), c=shape)
    b_exec.forward()
    c_exec.forward()
    r['bound'] = '%s %s' % (b_exec.outputs, c_exec.outputs)
    b_exec.arg_dict['b'][:] = mx.nd.ones(shape).tostype('csr')
    b_exec.forward()
    eval_b = b_exec.outputs[0]
    r['eval_b'] = repr({'eval_b': eval_b, 'eval_b.asnumpy()': eval_b.asnumpy()})
    add_exec = mx.sym.Group([d, e, f]).simple_bind(ctx=mx.cpu(), a=shape, b=shape, c=shape)
    add_exec.forward()
    r['add_stypes'] = repr({'dense_add.stype': add_exec.outputs[0].stype,
                            'csr_add.stype': add_exec.outputs[1].stype,
                            'rsp_add.stype': add_exec.outputs[2].stype})
    fallback = mx.sym.Group([mx.sym.elemwise_add(b, c), mx.sym.log(a)]).simple_bind(
        ctx=mx.cpu(), a=shape, b=shape, c=shape)
    fallback.forward()
    r['fallback'] = repr({'fallback_add': fallback.outputs[0],
                          'fallback_log': fallback.outputs[1]})
    data = mx.sym.var('data', stype='csr', shape=(32, 10000))
    weight = mx.sym.var('weight', stype='row_sparse', shape=(10000, 2))
    bias = mx.symbol.Variable('bias', shape=(2,))
    pred = mx.symbol.broadcast_add(mx.symbol.sparse.dot(data, weight), bias)
    output = mx.symbol.SoftmaxOutput(data=pred, label=mx.symbol.Variable('label'),
                                     name='output')
    exe = output.simple_bind(ctx=mx.cpu())
    r['big_bind'] = {k: list(v.shape) for k, v in exe.arg_dict.items()}
    feature_dimension = 100
    dense = np.random.uniform(size=(80, feature_dimension)).astype('float32')
    train_data = mx.nd.array(dense * (dense < 0.01)).tostype('csr')
    target_weight = mx.nd.arange(1, feature_dimension + 1).reshape((feature_dimension, 1))
    train_label = mx.nd.dot(train_data, target_weight)
    train_iter = mx.io.NDArrayIter(train_data, train_label, 1, last_batch_handle='discard',
                                   label_name='label')
    initializer = seeded_init(mx, 0.01)
    X = mx.sym.Variable('data', stype='csr')
    weight = mx.symbol.Variable('weight', stype='row_sparse', shape=(feature_dimension, 1),
                                init=initializer)
    bias = mx.symbol.Variable('bias', shape=(1,))
    pred = mx.sym.broadcast_add(mx.sym.sparse.dot(X, weight), bias)
    lro = mx.sym.LinearRegressionOutput(data=pred, label=mx.symbol.Variable('label'),
                                        name='lro')
    mod = mx.mod.Module(symbol=lro, data_names=['data'], label_names=['label'])
    mod.bind(data_shapes=train_iter.provide_data, label_shapes=train_iter.provide_label)
    mod.init_params(initializer=initializer)
    mod.init_optimizer(optimizer=mx.optimizer.SGD(learning_rate=0.05, rescale_grad=1.0,
                                                  momentum=0.9))
    metric = mx.metric.create('MSE')
    shown = []
    for epoch in range(2):
        train_iter.reset()
        metric.reset()
        for batch in train_iter:
            mod.forward(batch, is_train=True)
            mod.update_metric(metric, batch.label)
            mod.backward()
            mod.update()
        shown.append('Epoch %d, Metric = %s' % (epoch, metric.get()))
    r['train'] = numbers(shown)
    return r


def nlp_cnn(mx, tmp, files):
    """nlp/cnn.md: a sentence CNN bound by hand, trained with an updater and gradient clipping
    (sizes shrunk; its dropout-free branch, since Dropout's masks are each library's own)"""
    rs = np.random.RandomState(3)
    good, bad = ['good', 'great', 'fine', 'fun'], ['bad', 'dull', 'poor', 'flat']
    filler = ['the', 'film', 'is', 'a', 'story', 'and', 'it', 'was']

    def sentence(words):
        return [rs.choice(words if rs.rand() < 0.4 else filler) for _ in range(rs.randint(4, 9))]
    sentences = [sentence(good) for _ in range(100)] + [sentence(bad) for _ in range(100)]
    labels = np.array([1] * 100 + [0] * 100)
    longest = max(len(s) for s in sentences)
    sentences = [s + ['</s>'] * (longest - len(s)) for s in sentences]
    vocab = {w: i for i, w in enumerate(sorted(set(w for s in sentences for w in s)))}
    x = np.array([[vocab[w] for w in s] for s in sentences])
    np.random.seed(10)
    order = np.random.permutation(np.arange(len(labels)))
    x, y = x[order], labels[order]
    x_train, x_dev, y_train, y_dev = x[:-50], x[-50:], y[:-50], y[-50:]
    batch_size, num_embed, sentence_size = 25, 8, x_train.shape[1]
    input_x = mx.sym.Variable('data')
    input_y = mx.sym.Variable('softmax_label')
    embed = mx.sym.Embedding(data=input_x, input_dim=len(vocab), output_dim=num_embed,
                             name='vocab_embed')
    conv_input = mx.sym.Reshape(data=embed, shape=(batch_size, 1, sentence_size, num_embed))
    pooled = []
    for filter_size in [3, 4]:
        convi = mx.sym.Convolution(data=conv_input, kernel=(filter_size, num_embed),
                                   num_filter=6)
        pooled.append(mx.sym.Pooling(data=mx.sym.Activation(data=convi, act_type='relu'),
                                     pool_type='max',
                                     kernel=(sentence_size - filter_size + 1, 1), stride=(1, 1)))
    h_pool = mx.sym.Reshape(data=mx.sym.Concat(*pooled, dim=1), shape=(batch_size, 12))
    fc = mx.sym.FullyConnected(data=h_pool, weight=mx.sym.Variable('cls_weight'),
                               bias=mx.sym.Variable('cls_bias'), num_hidden=2)
    cnn = mx.sym.SoftmaxOutput(data=fc, label=input_y, name='softmax')
    arg_names = cnn.list_arguments()
    arg_shape, out_shape, _ = cnn.infer_shape(data=(batch_size, sentence_size))
    arg_arrays = [mx.nd.zeros(s) for s in arg_shape]
    args_grad = {n: mx.nd.zeros(s) for s, n in zip(arg_shape, arg_names)
                 if n not in ('softmax_label', 'data')}
    cnn_exec = cnn.bind(ctx=mx.cpu(), args=arg_arrays, args_grad=args_grad, grad_req='add')
    arg_dict = dict(zip(arg_names, cnn_exec.arg_arrays))
    initializer = seeded_init(mx, 0.1)
    blocks = []
    for i, name in enumerate(arg_names):
        if name in ('softmax_label', 'data'):
            continue
        initializer(mx.init.InitDesc(name), arg_dict[name])
        blocks.append((i, arg_dict[name], args_grad[name], name))
    opt = mx.optimizer.create('rmsprop')
    opt.lr = 0.0005
    updater = mx.optimizer.get_updater(opt)
    shown = []
    for iteration in range(2):
        correct = total = 0
        for begin in range(0, x_train.shape[0], batch_size):
            cnn_exec.arg_dict['data'][:] = x_train[begin:begin + batch_size]
            cnn_exec.arg_dict['softmax_label'][:] = y_train[begin:begin + batch_size]
            cnn_exec.forward(is_train=True)
            cnn_exec.backward()
            correct += sum(y_train[begin:begin + batch_size] ==
                           np.argmax(cnn_exec.outputs[0].asnumpy(), axis=1))
            total += batch_size
            norm = 0
            for idx, weight, grad, name in blocks:
                grad /= batch_size
                norm += mx.nd.norm(grad).asscalar() ** 2
            norm = np.sqrt(norm)
            for idx, weight, grad, name in blocks:
                if norm > 5.0:
                    grad *= 5.0 / norm
                updater(idx, grad, weight)
                grad[:] = 0.0
        dev_correct = 0
        for begin in range(0, x_dev.shape[0], batch_size):
            cnn_exec.arg_dict['data'][:] = x_dev[begin:begin + batch_size]
            cnn_exec.forward(is_train=False)
            dev_correct += sum(y_dev[begin:begin + batch_size] ==
                               np.argmax(cnn_exec.outputs[0].asnumpy(), axis=1))
        shown.append('Iter [%d] Training Accuracy: %.3f Dev Accuracy: %.3f'
                     % (iteration, correct * 100.0 / total, dev_correct * 100.0 / len(y_dev)))
    save = {('arg:%s' % k): v for k, v in cnn_exec.arg_dict.items()}
    mx.nd.save(os.path.join(tmp, 'cnn-0001.params'), save)
    return {'train': numbers(shown), 'cls_weight': cnn_exec.arg_dict['cls_weight'].asnumpy()
            .ravel().tolist(), 'saved': sorted(mx.nd.load(os.path.join(tmp, 'cnn-0001.params')))}


def unsupervised_gan(mx, tmp, files):
    """unsupervised_learning/gan.md: the DCGAN's two Modules, the discriminator's input
    gradients driving the generator (filters narrowed, two batches)"""
    np.random.seed(1)
    digits = synthetic_mnist(64, 64)
    X = np.concatenate([digits['train_data'], digits['test_data']])[:, 0]
    X = X[np.random.permutation(X.shape[0])]
    rows = np.arange(64) * 28 // 64
    X = np.asarray([x[np.ix_(rows, rows)] for x in X]).astype(np.float32) * 2.0 - 1.0
    X = np.tile(X.reshape((128, 1, 64, 64)), (1, 3, 1, 1))
    batch_size, Z = 64, 16
    image_iter = mx.io.NDArrayIter(X, batch_size=batch_size)
    eps, widths = 1e-5 + 1e-12, [16, 8, 8, 4]
    rand = mx.sym.Variable('rand')
    g = mx.sym.Deconvolution(rand, name='g1', kernel=(4, 4), num_filter=widths[0], no_bias=True)
    g = mx.sym.Activation(mx.sym.BatchNorm(g, name='gbn1', fix_gamma=True, eps=eps),
                          name='gact1', act_type='relu')
    for i, w in enumerate(widths[1:] + [3]):
        g = mx.sym.Deconvolution(g, name='g%d' % (i + 2), kernel=(4, 4), stride=(2, 2),
                                 pad=(1, 1), num_filter=w, no_bias=True)
        if i < 3:
            g = mx.sym.Activation(mx.sym.BatchNorm(g, name='gbn%d' % (i + 2), fix_gamma=True,
                                                   eps=eps), name='gact%d' % (i + 2),
                                  act_type='relu')
    generator_sym = mx.sym.Activation(g, name='gact5', act_type='tanh')
    d = mx.sym.Convolution(mx.sym.Variable('data'), name='d1', kernel=(4, 4), stride=(2, 2),
                           pad=(1, 1), num_filter=widths[3], no_bias=True)
    d = mx.sym.LeakyReLU(d, name='dact1', act_type='leaky', slope=0.2)
    for i, w in enumerate(reversed(widths[:3])):
        d = mx.sym.Convolution(d, name='d%d' % (i + 2), kernel=(4, 4), stride=(2, 2),
                               pad=(1, 1), num_filter=w, no_bias=True)
        d = mx.sym.LeakyReLU(mx.sym.BatchNorm(d, name='dbn%d' % (i + 2), fix_gamma=True,
                                              eps=eps), name='dact%d' % (i + 2),
                             act_type='leaky', slope=0.2)
    d = mx.sym.Flatten(mx.sym.Convolution(d, name='d5', kernel=(4, 4), num_filter=1,
                                          no_bias=True))
    discriminator_sym = mx.sym.LogisticRegressionOutput(data=d, label=mx.sym.Variable('label'),
                                                        name='dloss')
    adam = {'learning_rate': 0.0002, 'beta1': 0.5}
    generator = mx.mod.Module(symbol=generator_sym, data_names=('rand',), label_names=None)
    generator.bind(data_shapes=[('rand', (batch_size, Z, 1, 1))])
    generator.init_params(initializer=seeded_init(mx, 0.02))
    generator.init_optimizer(optimizer='adam', optimizer_params=adam)
    discriminator = mx.mod.Module(symbol=discriminator_sym, data_names=('data',),
                                  label_names=('label',))
    discriminator.bind(data_shapes=image_iter.provide_data,
                       label_shapes=[('label', (batch_size,))], inputs_need_grad=True)
    discriminator.init_params(initializer=seeded_init(mx, 0.02))
    discriminator.init_optimizer(optimizer='adam', optimizer_params=adam)
    shown = []
    image_iter.reset()
    for batch in image_iter:
        noise = mx.nd.array(np.random.normal(0, 1.0, size=(batch_size, Z, 1, 1)))
        generator.forward(mx.io.DataBatch([noise], []), is_train=True)
        outG = generator.get_outputs()
        label = mx.nd.zeros((batch_size,))
        discriminator.forward(mx.io.DataBatch(outG, [label]), is_train=True)
        discriminator.backward()
        gradD = [[grad.copyto(grad.context) for grad in grads]
                 for grads in discriminator._exec_group.grad_arrays]
        label[:] = 1
        batch.label = [label]
        discriminator.forward(batch, is_train=True)
        discriminator.backward()
        for gradsr, gradsf in zip(discriminator._exec_group.grad_arrays, gradD):
            for gradr, gradf in zip(gradsr, gradsf):
                gradr += gradf
        discriminator.update()
        discriminator.forward(mx.io.DataBatch(outG, [label]), is_train=True)
        discriminator.backward()
        diffD = discriminator.get_input_grads()
        generator.backward(diffD)
        generator.update()
        fake = outG[0].asnumpy()
        shown.append([float(fake.mean()), float(fake.std()),
                      float(np.abs(diffD[0].asnumpy()).sum()),
                      discriminator.get_outputs()[0].asnumpy()[:4].ravel().tolist()])
    return {'steps': shown}


def control_flow(mx, tmp, files):
    """control_flow/ControlFlowTutorial.md's loops without Gluon: each HybridBlock's
    hybrid_forward body run with F = mx.nd, and with F = mx.sym bound and run (what hybridize
    does): foreach as map and as scan, while_loop, and cond choosing per step"""
    data = mx.nd.arange(5)
    r = {'data': str(data)}

    def add1(x, _):
        return x + 1, []

    def total(x, state):
        return [], state + x

    def total2(x, state):
        return state + x, state + x

    def loop(F, d):
        def body(state, i):
            s = state + F.reshape(F.take(d, i), shape=(-1,))   # d[i]: a Symbol cannot take it
            return s, [s, i + 1]
        outs, states = F.contrib.while_loop(lambda state, i: i < 4, body,
                                            [F.zeros((1,)), F.zeros((1,))], max_iterations=5)
        # the 4 steps run: MXNet leaves the fifth row of the stacked outputs uninitialised
        return [F.slice_axis(outs, axis=0, begin=0, end=4)], states

    def skip(F, d, length):
        def body(x, states):
            i = states[0]
            out = F.contrib.cond(i < length, lambda: x * 2, lambda: x * 0)
            return out, [i + 1]
        return F.contrib.foreach(body, d, [F.zeros((1,))])

    programs = {
        'map': lambda F, d: F.contrib.foreach(add1, d, [])[0],
        'scan': lambda F, d: F.contrib.foreach(total, d, F.zeros((1,)))[1],
        'scan2': lambda F, d: list(F.contrib.foreach(total2, d, F.zeros((1,)))),
        'while': lambda F, d: list(loop(F, d)),
        'cond': lambda F, d: F.contrib.cond(F.sum(d) > 5, lambda: d * 2, lambda: d - 1),
    }
    # the tutorial's cond inside foreach runs imperatively (MXNet 1.9.1's shape inference
    # fails on it as a Symbol)
    r['skip_nd'] = [str(x) for x in skip(mx.nd, data.reshape((5, 1)), 3)[0:1]]
    for name, fn in programs.items():
        eager = fn(mx.nd, data)
        flat = []
        for item in (eager if isinstance(eager, list) else [eager]):
            flat.extend(item if isinstance(item, list) else [item])
        r[name + '_nd'] = [str(x) for x in flat]
        sym = fn(mx.sym, mx.sym.var('data'))
        flat = []
        for item in (sym if isinstance(sym, list) else [sym]):
            flat.extend(item if isinstance(item, list) else [item])
        group = mx.sym.Group(flat)
        # steps of shape (1,): a 0-d step is an unknown shape in MXNet 1.x's legacy mode
        exe = group.bind(mx.cpu(), {'data': data.reshape((5, 1)).copy()})
        r[name + '_sym'] = [group.list_outputs(), [str(o) for o in exe.forward()]]
    return r


def _fresh_names(program):
    """Run ``program`` under a new NameManager: the auto-names a notebook shows (``_plus0``,
    ``fullyconnected0``) count from zero as in a fresh process, whatever ran before."""
    def run(mx, tmp, files):
        with mx.name.NameManager():
            return program(mx, tmp, files)
    run.__name__ = program.__name__
    return run


PROGRAMS = {f.__name__: _fresh_names(f) for f in (control_flow, 
    basic_ndarray, basic_symbol, basic_ndarray_indexing, basic_reshape_transpose, basic_module,
    basic_data, linear_regression, python_mnist, predict_image, python_kvstore, sparse_csr,
    sparse_row_sparse, sparse_train, nlp_cnn, unsupervised_gan)}
