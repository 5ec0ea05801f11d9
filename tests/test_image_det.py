"""mx.image's detection pipeline against MXNet 1.9.1 (tools/record_image_det.py): with
``random`` and ``numpy.random`` seeded as MXNet's run was, the Det* augmenters,
CreateDetAugmenter and ImageDetIter epochs give MXNet's pixels (within a grey level: OpenCV's
fixed-point resizes), boxes, label shapes, pads and dumps()."""
import json
import os
import sys

import numpy as np
import pytest

import tfmod as mx
from tfmod.base import MXNetError

sys.path.insert(0, os.path.join(os.path.dirname(__file__), 'support'))
from image_det_cases import (FIXTURES as FIX, IMAGES, NAMES,  # noqa: E402
                             augmenters, bad_calls, boxes, raw_label, seed)

HERE = os.path.join(FIX, 'image_iter')
A = np.load(os.path.join(HERE, 'det_cases.npz'))
with open(os.path.join(HERE, 'det_cases.json')) as _f:
    META = json.load(_f)


def image(i):
    return mx.image.imread(os.path.join(IMAGES, NAMES[i]))


def close(got, want, what, levels=1.0):
    assert got.shape == want.shape, '%s: shape %s, MXNet %s' % (what, got.shape, want.shape)
    diff = np.abs(got.astype(np.float64) - want.astype(np.float64)).max() if got.size else 0
    assert diff <= levels, '%s: off by %g' % (what, diff)


def test_each_detection_augmenter():
    augs = augmenters(mx)
    assert sorted(n for n, _, _ in augs) == sorted(META['augmenters'])
    assert mx.image.det.CreateMultiRandCropAugmenter is mx.image.CreateMultiRandCropAugmenter
    for name, aug, dtype in augs:
        info = META['augmenters'][name]
        assert dtype == info['dtype'], name
        for s in range(4):
            seed(s)
            i = s + 1
            src = image(i) if info['dtype'] == 'uint8' else \
                image(i)[8:24, 6:22].astype(info['dtype'])
            out, lab = aug(src, boxes(i).copy())
            key = 'aug/%s/%d' % (name, s)
            close(out.asnumpy(), A[key + '/data'], key)
            np.testing.assert_allclose(np.asarray(lab), A[key + '/label'], rtol=0, atol=1e-6,
                                       err_msg=key)
        assert aug.dumps() == info['dumps'], name


@pytest.mark.parametrize('name', sorted(META['create']))
def test_create_det_augmenter(name):
    info = META['create'][name]
    kw = dict(info['kwargs'])
    for k in ('data_shape', 'area_range', 'aspect_ratio_range'):   # tuples (JSON made lists)
        if k in kw:
            kw[k] = tuple(kw[k])
    seed(info['seed'])
    augs = mx.image.CreateDetAugmenter(**kw)
    per_level = 40.0 if kw.get('std') else 1.0       # normalised pixels: units of ~57 levels
    for i in range(6):
        x, lab = image(i), boxes(i).copy()
        for a in augs:
            x, lab = a(x, lab)
        key = 'create/%s/%d' % (name, i)
        close(x.asnumpy(), A[key + '/data'], key, 1.5 / per_level)
        np.testing.assert_allclose(np.asarray(lab), A[key + '/label'], rtol=0, atol=1e-6,
                                   err_msg=key)
    assert [a.dumps() for a in augs] == info['dumps']


def _kwargs(kw):
    out = dict(kw, data_shape=tuple(kw['data_shape']))
    for k in ('path_imgrec', 'path_imgidx'):
        if k in out:
            out[k] = os.path.join(HERE, out[k])
    if 'path_root' in out:
        out['path_root'] = os.path.join(FIX, out['path_root'])
    return out


@pytest.mark.parametrize('name', sorted(META['iters']))
def test_image_det_iter_epochs(name):
    info = META['iters'][name]
    kw = _kwargs(info['kwargs'])
    seed(info['seed'])
    it = mx.image.ImageDetIter(**kw)
    assert list(it.label_shape) == info['label_shape']
    assert [[n, list(s)] for n, s in it.provide_label] == info['provide_label']
    assert [[n, list(s)] for n, s in it.provide_data] == info['provide_data']
    assert (None if it.seq is None else list(it.seq)) == info['seq']
    per_level = 40.0 if kw.get('std') else 1.0
    for epoch, pads in enumerate(info['epochs']):
        if epoch:
            it.reset()
        got = []
        for b, batch in enumerate(it):
            key = 'iter/%s/e%d/b%d' % (name, epoch, b)
            assert b < len(pads), key
            close(batch.data[0].asnumpy(), A[key + '/data'], key, 1.5 / per_level)
            np.testing.assert_allclose(batch.label[0].asnumpy(), A[key + '/label'], rtol=0,
                                       atol=1e-6, err_msg=key)
            got.append(batch.pad)
        assert got == pads, name


def test_sync_label_shape_and_reshape():
    seed(1)
    a = mx.image.ImageDetIter(2, (3, 16, 16), path_imgrec=os.path.join(HERE, 'det.rec'))
    b = mx.image.ImageDetIter(2, (3, 16, 16), imglist=[raw_label(0).tolist() + [NAMES[0]]],
                              path_root=IMAGES)
    sync = META['sync']
    assert [list(a.label_shape), list(b.label_shape)] == sync['before']
    assert a.sync_label_shape(b) is b
    batch = b.next()
    b.reshape(data_shape=(3, 12, 10))
    assert [list(a.label_shape), list(b.label_shape)] == sync['after']
    assert [list(a.provide_label[0][1]), list(b.provide_label[0][1])] == sync['provide_label']
    assert list(b.provide_data[0][1]) == sync['provide_data']
    close(batch.data[0].asnumpy(), A['sync/data'], 'sync data')
    np.testing.assert_allclose(batch.label[0].asnumpy(), A['sync/label'], atol=1e-6)

    bad = bad_calls(mx, a)
    assert sorted(bad) == sorted(META['errors'])
    # MXNet's TypeError for crop/pad ranges is its warnings.warn() misuse: tfmod names the range
    ours = {'multi_lengths': 'one length', 'crop_area_range': 'invalid area_range (0.5, 0.1)',
            'pad_area_range': 'invalid area_range (1.0, 0.9)', 'mean_ndarray': 'mean must be',
            'select_non_det': 'DetAugmenters only'}
    for name, call in bad.items():
        info = META['errors'][name]
        want = TypeError if info['raised'] == 'TypeError' and name not in ours else \
            RuntimeError if info['raised'] == 'RuntimeError' else \
            ValueError if info['raised'] == 'ValueError' else MXNetError
        with pytest.raises(want) as e:
            call()
        if name in ours:
            assert isinstance(e.value, MXNetError) and ours[name] in str(e.value), name
        else:
            assert str(e.value) == info['message'], name
