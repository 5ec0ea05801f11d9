"""mx.image's detection pipeline against MXNet 1.9.1 (tools/record_image_det.py): with
``random`` and ``numpy.random`` seeded as MXNet's run was, the Det* augmenters,
CreateDetAugmenter and ImageDetIter epochs give MXNet's pixels (within a grey level: OpenCV's
fixed-point resizes), boxes, label shapes, pads and dumps()."""
import json
import os
import random

import numpy as np
import pytest

import tfmod as mx
from tfmod.base import MXNetError

FIX = os.path.join(os.path.dirname(__file__), 'fixtures')
HERE = os.path.join(FIX, 'image_iter')
IMAGES = os.path.join(FIX, 'image_record')
A = np.load(os.path.join(HERE, 'det_cases.npz'))
with open(os.path.join(HERE, 'det_cases.json')) as _f:
    META = json.load(_f)
NAMES = ['img%d.%s' % (i, 'png' if i == 3 else 'jpg') for i in range(7)]


def seed(s):
    random.seed(s)
    np.random.seed(s)


def boxes(i):
    """The recorder's boxes: 1-3 objects per image (image 6 also an empty one)."""
    rng = np.random.RandomState(100 + i)
    objs = []
    for k in range(1 + i % 3):
        x0, y0 = rng.uniform(0, 0.6, 2)
        w, h = rng.uniform(0.2, 0.4, 2)
        objs.append([k + i % 2, x0, y0, min(1.0, x0 + w), min(1.0, y0 + h)])
    if i == 6:
        objs.append([1, 0.5, 0.5, 0.4, 0.7])
    return np.array(objs, np.float32)


def raw_label(i):
    return np.concatenate([[2, 5], boxes(i).ravel()]).astype(np.float32)


def image(i):
    return mx.image.imread(os.path.join(IMAGES, NAMES[i]))


def close(got, want, what, levels=1.0):
    assert got.shape == want.shape, '%s: shape %s, MXNet %s' % (what, got.shape, want.shape)
    diff = np.abs(got.astype(np.float64) - want.astype(np.float64)).max() if got.size else 0
    assert diff <= levels, '%s: off by %g' % (what, diff)


def augmenters():
    I = mx.image  # noqa: E741
    return {
        'borrow': I.DetBorrowAug(I.BrightnessJitterAug(0.3)),
        'flip': I.DetHorizontalFlipAug(0.5),
        'crop': I.DetRandomCropAug(),
        'crop_tight': I.DetRandomCropAug(min_object_covered=0.7, aspect_ratio_range=1.0,
                                         area_range=(0.3, 0.8), min_eject_coverage=0.5,
                                         max_attempts=20),
        'pad': I.DetRandomPadAug(),
        'pad_number': I.DetRandomPadAug(aspect_ratio_range=(0.5, 2.0), area_range=2.5,
                                        pad_val=(10, 20, 30)),
        'select': I.DetRandomSelectAug([I.DetHorizontalFlipAug(1.0), I.DetRandomPadAug()],
                                       skip_prob=0.3),
        'multi_crop': I.det.CreateMultiRandCropAugmenter(
            min_object_covered=[0.1, 0.5, 0.9], area_range=[(0.1, 1.0), (0.3, 1.0), (0.5, 1.0)],
            skip_prob=0.2),
    }


def test_each_detection_augmenter():
    augs = augmenters()
    assert sorted(augs) == sorted(META['augmenters'])
    for name, aug in augs.items():
        info = META['augmenters'][name]
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

    bad = {
        'short_label': lambda: mx.image.ImageDetIter(
            1, (3, 16, 16), imglist=[[2, 5, 0, 0.1, 0.1, NAMES[0]]], path_root=IMAGES),
        'width_mismatch': lambda: mx.image.ImageDetIter(
            1, (3, 16, 16), imglist=[[2, 4, 0, 0.1, 0.1, 0.5, 0.5, 1, NAMES[0]]],
            path_root=IMAGES),
        'no_valid_box': lambda: mx.image.ImageDetIter(
            1, (3, 16, 16), imglist=[[2, 5, 0, 0.5, 0.5, 0.1, 0.1, NAMES[0]]],
            path_root=IMAGES),
        'reshape_fewer': lambda: a.reshape(label_shape=(1, 5)),
        'reshape_width': lambda: a.reshape(label_shape=(5, 6)),
        'reshape_rank': lambda: a.reshape(label_shape=(5,)),
        'borrow_non_augmenter': lambda: mx.image.DetBorrowAug(lambda x: x),
        'select_non_det': lambda: mx.image.DetRandomSelectAug([mx.image.CastAug()]),
        'multi_lengths': lambda: mx.image.CreateMultiRandCropAugmenter(
            min_object_covered=[0.1, 0.2], area_range=[(0.1, 1.0), (0.2, 1.0), (0.3, 1.0)]),
        'crop_area_range': lambda: mx.image.DetRandomCropAug(area_range=(0.5, 0.1)),
        'pad_area_range': lambda: mx.image.DetRandomPadAug(area_range=(1.0, 0.9)),
        'mean_ndarray': lambda: mx.image.CreateDetAugmenter((3, 16, 16),
                                                            mean=mx.nd.array([1, 2, 3])),
    }
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
