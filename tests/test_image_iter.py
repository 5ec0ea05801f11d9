"""mx.image's augmenters, CreateAugmenter and ImageIter against MXNet 1.9.1
(tools/record_image_iter.py): with ``random`` and ``numpy.random`` seeded as MXNet's run was,
every augmenter, augmenter list and ImageIter epoch gives MXNet's pixels (within one grey
level: OpenCV's fixed-point resizes), labels, pads, orders and dumps()."""
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
A = np.load(os.path.join(HERE, 'cases.npz'))
with open(os.path.join(HERE, 'cases.json')) as _f:
    META = json.load(_f)
NAMES = ['img%d.%s' % (i, 'png' if i == 3 else 'jpg') for i in range(7)]


def seed(s):
    random.seed(s)
    np.random.seed(s)


def close(got, want, what, levels=1.0):
    """Equal up to ``levels`` grey levels (the colour augmenters scale pixels, so a one-level
    difference from a resize is scaled with them: 1.5 levels allowed after jitters)."""
    assert got.shape == want.shape, '%s: shape %s, MXNet %s' % (what, got.shape, want.shape)
    diff = np.abs(got.astype(np.float64) - want.astype(np.float64)).max() if got.size else 0
    assert diff <= levels, '%s: off by %g' % (what, diff)


def image(i):
    return mx.image.imread(os.path.join(IMAGES, NAMES[i]))


def augmenters():
    """The augmenters tools/record_image_iter.py recorded, built the same way."""
    I = mx.image  # noqa: E741
    mean, std = mx.nd.array([120.0, 110.0, 100.0]), mx.nd.array([50.0, 60.0, 70.0])
    eigval = np.array([55.46, 4.794, 1.148])
    eigvec = np.array([[-0.5675, 0.7192, 0.4009], [-0.5808, -0.0045, -0.8140],
                       [-0.5836, -0.6948, 0.4203]])
    return {
        'resize': I.ResizeAug(24), 'resize_interp1': I.ResizeAug(17, 1),
        'resize_interp9': I.ResizeAug(50, 9), 'force_resize': I.ForceResizeAug((20, 26)),
        'force_resize_interp10': I.ForceResizeAug((25, 15), 10),
        'random_crop': I.RandomCropAug((20, 18)),
        'random_crop_upsample': I.RandomCropAug((30, 30), 1),
        'random_sized_crop': I.RandomSizedCropAug((16, 16), 0.3, (0.75, 1.333)),
        'random_sized_crop_tuple': I.RandomSizedCropAug((12, 20), (0.5, 0.9), (0.5, 2.0), 3),
        'center_crop': I.CenterCropAug((20, 26)), 'hflip': I.HorizontalFlipAug(0.5),
        'cast': I.CastAug(), 'cast_float64': I.CastAug('float64'),
        'color_normalize': I.ColorNormalizeAug(mean, std),
        'color_normalize_np': I.ColorNormalizeAug(np.array([1.0, 2.0, 3.0]), None),
        'brightness': I.BrightnessJitterAug(0.3), 'contrast': I.ContrastJitterAug(0.3),
        'saturation': I.SaturationJitterAug(0.3), 'hue': I.HueJitterAug(0.3),
        'color_jitter': I.ColorJitterAug(0.2, 0.3, 0.4),
        'lighting': I.LightingAug(0.1, eigval, eigvec), 'random_gray': I.RandomGrayAug(0.5),
        'random_order': I.RandomOrderAug([I.BrightnessJitterAug(0.2), I.HorizontalFlipAug(0.5),
                                          I.ContrastJitterAug(0.2)]),
        'sequential': I.SequentialAug([I.ResizeAug(20), I.CenterCropAug((16, 16)),
                                       I.CastAug()]),
    }


def test_each_augmenter_draws_and_computes_as_mxnet():
    augs = augmenters()
    assert sorted(augs) == sorted(META['augmenters'])
    for name, aug in augs.items():
        info = META['augmenters'][name]
        src = image(info['image'])
        if info['dtype'] != 'uint8':                 # the recorder's 16 x 16 colour window
            src = src[8:24, 6:22].astype(info['dtype'])
        want = A['aug/' + name]
        for s in range(len(want)):
            seed(s)
            out = aug(src.copy()).asnumpy()
            close(out, want[s], '%s, seed %d' % (name, s))
            assert out.dtype.name == info['out_dtype'], name
        # dumps() after the runs: RandomOrderAug / ColorJitterAug show their shuffled order
        assert aug.dumps() == info['dumps'], name


def _kwargs(kw):
    out = {}
    for k, v in kw.items():
        if k == 'aug_list' and v == 'center_flip':
            v = [mx.image.CenterCropAug((16, 16)), mx.image.HorizontalFlipAug(0.5)]
        if isinstance(v, dict) and 'np' in v:
            v = np.array(v['np'])
        elif isinstance(v, dict) and 'nd' in v:
            v = mx.nd.array(v['nd'])
        elif isinstance(v, dict) and 'dict_items' in v:
            v = {key: item for key, item in v['dict_items']}
        elif k in ('path_imgrec', 'path_imgidx', 'path_imglist'):
            v = os.path.join(HERE, v)
        elif k == 'path_root':
            v = os.path.join(FIX, v)
        elif k == 'data_shape':
            v = tuple(v)
        out[k] = v
    return out


@pytest.mark.parametrize('name', sorted(META['create']))
def test_create_augmenter_pipelines(name):
    info = META['create'][name]
    seed(info['seed'])
    augs = mx.image.CreateAugmenter(**_kwargs(info['kwargs']))
    for i in range(7):
        x = image(i)
        for a in augs:
            x = a(x)
        # a normalised image is in units of std (~57 grey levels): one level is 1/40 of one
        std = 40.0 if info['kwargs'].get('std') is not None else 1.0
        close(x.asnumpy(), A['create/%s/%d' % (name, i)], '%s image %d' % (name, i), 1.5 / std)
    assert [a.dumps() for a in augs] == info['dumps']


def _seq(seq):
    return None if seq is None else [x if isinstance(x, str) else int(x) for x in seq]


@pytest.mark.parametrize('name', sorted(META['iters']))
def test_image_iter_epochs(name):
    info = META['iters'][name]
    kw = _kwargs(info['kwargs'])
    seed(info['seed'])
    it = mx.image.ImageIter(**kw)
    assert [[n, list(s)] for n, s in it.provide_data] == info['provide_data']
    assert [[n, list(s)] for n, s in it.provide_label] == info['provide_label']
    assert _seq(it.seq) == info['seq']
    if info['imgidx'] == 'absent':
        assert not hasattr(it, 'imgidx')
    else:
        assert _seq(it.imgidx) == info['imgidx']
    std = 40.0 if kw.get('std') else 1.0
    for epoch, pads in enumerate(info['epochs']):
        if epoch:
            it.reset()
        got = []
        for b, batch in enumerate(it):
            key = '%s/e%d/b%d' % (name, epoch, b)
            assert b < len(pads), '%s epoch %d: more batches than MXNet' % (name, epoch)
            close(batch.data[0].asnumpy(), A[key + '/data'], key, 1.5 / std)
            np.testing.assert_array_equal(batch.label[0].asnumpy(), A[key + '/label'], key)
            assert batch.label[0].dtype == np.float32 and batch.data[0].dtype == np.float32
            got.append(batch.pad)
        assert got == pads, '%s epoch %d' % (name, epoch)
    assert _seq(it.seq) == info['seq_after']


# MXNet raises AssertionError for some of these: tfmod raises MXNetError (a RuntimeError and a
# ValueError) naming the argument; where MXNet's type is a ValueError, RuntimeError, TypeError or
# FileNotFoundError, tfmod's error is one too.
_TFMOD_MESSAGE = {
    'no_source': 'path_imgrec, path_imglist or imglist', 'imglist_dict': 'imglist=dict',
    'label_dtype': 'uint8 label not supported', 'part_index': 'part_index 2',
    'shuffle_no_idx': 'path_imgidx', 'broken_image': 'Broken image filename: images.lst',
}


@pytest.mark.parametrize('name', sorted(k for k in META['errors']
                                        if not k.startswith('rotate_')))
def test_image_iter_bad_arguments(name):
    info = META['errors'][name]
    raised = {'AssertionError': MXNetError, 'ValueError': ValueError, 'TypeError': TypeError,
              'RuntimeError': RuntimeError, 'FileNotFoundError': FileNotFoundError}
    with pytest.raises(raised[info['raised']]) as e:
        mx.image.ImageIter(**_kwargs(info['kwargs'])).next()
    if info['raised'] == 'AssertionError':
        assert isinstance(e.value, MXNetError)
    if name in _TFMOD_MESSAGE:
        assert _TFMOD_MESSAGE[name] in str(e.value), str(e.value)
    elif info['raised'] == 'FileNotFoundError':
        assert 'no_such.jpg' in str(e.value)
    else:
        assert str(e.value) == info['message']


def test_random_size_crop():
    img = image(1)
    for s in range(4):
        seed(s)
        out, box = mx.image.random_size_crop(img, (16, 12), 0.2, (0.6, 1.6), interp=1)
        assert list(box) == META['rotate']['random_size_crop/%d' % s]
        close(out.asnumpy(), A['random_size_crop/%d' % s], 'random_size_crop seed %d' % s)
    seed(5)              # no draw fits: the centre crop, after ten draws
    out, box = mx.image.random_size_crop(image(0), (10, 10), 0.9, (9.0, 10.0))
    assert list(box) == META['rotate']['random_size_crop/fallback']
    close(out.asnumpy(), A['random_size_crop/fallback'], 'fallback')


def test_imrotate_and_random_rotate():
    chw = image(0).astype('float32').transpose((2, 0, 1))
    batch = mx.nd.stack(*[im.astype('float32').transpose((2, 0, 1))
                          for im in (image(0), mx.nd.flip(image(0), axis=0))])
    got = {'imrotate/single': mx.image.imrotate(chw, 30),
           'imrotate/zoom_in': mx.image.imrotate(chw, -45, zoom_in=True),
           'imrotate/zoom_out': mx.image.imrotate(chw, 60, zoom_out=True),
           'imrotate/batch': mx.image.imrotate(batch, mx.nd.array([15, -100])),
           'imrotate/batch_scalar': mx.image.imrotate(batch, 90)}
    seed(3)
    got['random_rotate/single'] = mx.image.random_rotate(chw, (-30, 30))
    got['random_rotate/batch'] = mx.image.random_rotate(batch, (-90, 90), zoom_out=True)
    for k, v in got.items():       # bilinear sampling in float32: MXNet's within 1e-3 levels
        np.testing.assert_allclose(v.asnumpy(), A[k], atol=2e-3, rtol=0, err_msg=k)
    bad = {'both_zooms': lambda: mx.image.imrotate(chw, 10, zoom_in=True, zoom_out=True),
           'uint8': lambda: mx.image.imrotate(image(0).transpose((2, 0, 1)), 10),
           'ndim2': lambda: mx.image.imrotate(chw[0], 10),
           'vector_for_single': lambda: mx.image.imrotate(chw, mx.nd.array([10])),
           'count': lambda: mx.image.imrotate(batch, mx.nd.array([10, 20, 30]))}
    for name, call in bad.items():
        info = META['errors']['rotate_' + name]
        with pytest.raises((TypeError, ValueError)) as e:
            call()
        assert isinstance(e.value, TypeError if info['raised'] == 'TypeError' else MXNetError)
        assert str(e.value) == info['message'], name


def test_module_fit_over_an_augmenting_image_iter():
    # two epochs of sgd over a shuffled, cropped, mirrored, jittered ImageIter whose last batch
    # is padded: the parameters MXNet's Module.fit reached from the same start
    rng = np.random.RandomState(7)
    start = {'c1_weight': rng.normal(0, 0.1, (4, 3, 3, 3)), 'c1_bias': np.zeros(4),
             'fc_weight': rng.normal(0, 0.1, (3, 400)), 'fc_bias': np.zeros(3)}
    data = mx.sym.Variable('data')
    net = mx.sym.Convolution(data, num_filter=4, kernel=(3, 3), name='c1')
    net = mx.sym.Activation(net, act_type='relu')
    net = mx.sym.FullyConnected(mx.sym.flatten(net), num_hidden=3, name='fc')
    net = mx.sym.SoftmaxOutput(net, name='softmax')
    info = META['fit']
    seed(info['seed'])
    it = mx.image.ImageIter(**_kwargs(info['kwargs']))
    mod = mx.mod.Module(net)
    mod.fit(it, num_epoch=2, optimizer='sgd', optimizer_params={'learning_rate': 0.1},
            arg_params={k: mx.nd.array(v) for k, v in start.items()}, eval_metric='acc')
    args, _ = mod.get_params()
    for k in start:
        np.testing.assert_allclose(args[k].asnumpy(), A['fit/' + k], rtol=1e-3, atol=1e-4,
                                   err_msg=k)
        assert np.abs(args[k].asnumpy() - start[k]).max() > 1e-3, k     # it did train


def test_copy_make_border_takes_opencvs_isolated_flag():
    # DetRandomPadAug pads with type 16 (BORDER_CONSTANT | BORDER_ISOLATED), as MXNet's
    for t in (16, 17, 18, 19, 20):
        out = mx.image.copyMakeBorder(image(3), 2, 1, 3, 4, type=t, values=(7, 8, 9))
        np.testing.assert_array_equal(out.asnumpy(), A['border/%d' % t], err_msg=str(t))
    with pytest.raises(MXNetError, match='got 5'):
        mx.image.copyMakeBorder(image(3), 1, 1, 1, 1, type=5)
