"""MNISTIter over a tiny synthetic MNIST, and the MXDataIter accessors of the C++ iterators.

tools/record_module_conventions.py wrote the idx files (image i is a ramp offset by 25*i, label
i) and recorded what MXNet 1.9.1's MNISTIter returned over three epochs for each configuration:
labels (which identify the images) per batch, per-image pixel sums, shapes and pads.
"""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from conftest import FIXTURES

DIR = os.path.join(FIXTURES, 'module_conventions')
REC = json.load(open(os.path.join(DIR, 'mnist.json')))
IMG, LBL = (os.path.join(DIR, f) for f in REC['files'])
CONFIGS = sorted(k for k, v in REC.items() if isinstance(v, dict) and 'epochs' in v)


@pytest.mark.parametrize('tag', CONFIGS)
def test_batches_and_epoch_order_match_mxnet(tag):
    want = REC[tag]
    it = mx.io.MNISTIter(image=IMG, label=LBL, silent=True, **want['kwargs'])
    assert [[d.name, list(d.shape)] for d in it.provide_data] == want['provide_data']
    assert [[d.name, list(d.shape)] for d in it.provide_label] == want['provide_label']
    for epoch in want['epochs']:     # shuffled once at load: every epoch replays the order
        got = list(it)
        assert len(got) == len(epoch)
        for b, w in zip(got, epoch):
            assert b.pad == w['pad'] and list(b.data[0].shape) == w['shape']
            np.testing.assert_array_equal(b.label[0].asnumpy(), w['label'])
            sums = b.data[0].asnumpy().reshape(b.data[0].shape[0], -1).sum(axis=1)
            np.testing.assert_allclose(sums, w['sums'], rtol=1e-6)
        it.reset()


def test_pixels_scaled_by_one_over_256_and_accessors():
    it = mx.io.MNISTIter(image=IMG, label=LBL, batch_size=3, shuffle=False, flat=True,
                         silent=True)
    assert it.iter_next()
    data, label = it.getdata(), it.getlabel()
    assert isinstance(data, mx.nd.NDArray) and type(data).__name__ == REC['getdata_type']
    assert isinstance(label, mx.nd.NDArray) and type(label).__name__ == REC['getlabel_type']
    assert data.dtype == np.float32 and label.dtype == np.float32
    np.testing.assert_allclose(data.asnumpy(), REC['first_batch_flat'], atol=1e-6)
    assert it.getpad() == REC['getpad']
    np.testing.assert_array_equal(it.getindex(), np.zeros(3, dtype=np.uint64))


def test_bad_arguments_are_named():
    with pytest.raises(mx.base.MXNetError, match='nope'):
        mx.io.MNISTIter(image=IMG + '.nope', label=LBL)
    with pytest.raises(mx.base.MXNetError, match='part_index'):
        mx.io.MNISTIter(image=IMG, label=LBL, num_parts=2, part_index=2)
    with pytest.raises(mx.base.MXNetError, match='batch_size'):
        mx.io.MNISTIter(image=IMG, label=LBL, batch_size=11, silent=True)
    with pytest.raises(mx.base.MXNetError, match='dtype'):
        mx.io.MNISTIter(image=IMG, label=LBL, dtype='uint8')


def test_module_trains_on_mnist_iter():
    it = mx.io.MNISTIter(image=IMG, label=LBL, batch_size=5, flat=True, silent=True)
    data = mx.sym.Variable('data')
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(data, num_hidden=10, name='fc'),
                               name='softmax')
    mod = mx.mod.Module(net)
    mod.fit(it, num_epoch=2, optimizer_params={'learning_rate': 0.1})
    assert mod.predict(it).shape == (10, 10)


def test_csv_iter_returns_one_ndarray(tmp_path):
    csv = tmp_path / 'tiny.csv'
    np.savetxt(str(csv), np.arange(12, dtype=np.float32).reshape(4, 3), delimiter=',')
    it = mx.io.CSVIter(data_csv=str(csv), data_shape=(3,), batch_size=2)
    assert it.iter_next()
    assert type(it.getdata()).__name__ == REC['csv_getdata_type']
    assert type(it.getlabel()).__name__ == REC['csv_getlabel_type']
    np.testing.assert_array_equal(it.getdata().asnumpy(), REC['csv_getdata'])
    np.testing.assert_array_equal(it.getlabel().asnumpy(), REC['csv_getlabel'])
    assert it.getpad() == REC['csv_getpad']
    b = it.next()
    assert isinstance(b.data, list) and len(b.data) == 1 and len(b.label) == 1


def test_load_line_as_mxnet_logs_it(caplog):
    """The lines MXNet 1.9.1's C++ logger printed (to stderr) for these two iterators."""
    import logging
    with caplog.at_level(logging.INFO):
        mx.io.MNISTIter(image=IMG, label=LBL, batch_size=3, shuffle=True)
        mx.io.MNISTIter(image=IMG, label=LBL, batch_size=3, shuffle=False, flat=True)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith('MNISTIter')]
    assert lines == ['MNISTIter: load 10 images, shuffle=1, shape=[3,1,28,28]',
                     'MNISTIter: load 10 images, shuffle=0, shape=(3,784)']


def test_image_record_iter_returns_one_ndarray():
    it = mx.io.ImageRecordIter(path_imgrec=os.path.join(FIXTURES, 'image_record', 'images.rec'),
                               data_shape=(3, 8, 8), batch_size=2, resize=8)
    it.reset()
    assert it.iter_next()
    assert type(it.getdata()).__name__ == REC['rec_getdata_type']
    assert type(it.getlabel()).__name__ == REC['rec_getlabel_type']
    assert [list(it.getdata().shape), list(it.getlabel().shape)] == REC['rec_shapes']


def test_load_line_leaves_the_root_logger_unconfigured(tmp_path):
    """A script that makes its MNISTIter before ``logging.basicConfig(level=DEBUG)`` (MXNet's
    stochastic-depth/sd_mnist.py) still gets fit's INFO lines: making the iterator configures
    no root handler."""
    import subprocess
    import sys
    code = ('import logging, tfmod as mx\n'
            'mx.io.MNISTIter(image=%r, label=%r, batch_size=3)\n'
            'assert logging.getLogger().handlers == []\n'
            'logging.basicConfig(level=logging.DEBUG)\n'
            'logging.info("after")\n' % (IMG, LBL))
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         cwd=os.path.join(os.path.dirname(__file__), os.pardir))
    assert out.returncode == 0, out.stderr
    assert 'INFO:root:after' in out.stderr
