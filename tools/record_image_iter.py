"""Record MXNet 1.9.1's Python image pipeline -- mx.image's augmenters, CreateAugmenter,
ImageIter, random_size_crop, imrotate/random_rotate -- for tests/test_image_iter.py. Run from
the repository root:

    /tmp/mxnet-oracle/bin/python tools/record_image_iter.py

Packs the test images of tests/fixtures/image_record into tests/fixtures/image_iter/ as a
.rec/.idx (one label per record) and a two-label .rec, writes an image list (.lst), then
records, each after ``random.seed(s); np.random.seed(s)`` (MXNet's augmenters draw only from
Python's ``random`` and ``numpy.random``): every augmenter alone, CreateAugmenter argument
sets, whole ImageIter epochs and the errors bad arguments raise. Arrays go to cases.npz, the
rest (dumps(), pads, .seq/.imgidx, error types and messages) to cases.json.
"""
import json
import os
import random

import mxnet as mx
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
OUT = os.path.join(ROOT, 'tests', 'fixtures', 'image_iter')
IMAGES = os.path.join(ROOT, 'tests', 'fixtures', 'image_record')
NAMES = ['img%d.%s' % (i, 'png' if i == 3 else 'jpg') for i in range(7)]


def seed(s):
    random.seed(s)
    np.random.seed(s)


def write_files():
    """images.rec/.idx (labels 10*i, keys 100+i), labels2.rec (two labels), images.lst."""
    rec = mx.recordio.MXIndexedRecordIO(os.path.join(OUT, 'images.idx'),
                                        os.path.join(OUT, 'images.rec'), 'w')
    rec2 = mx.recordio.MXRecordIO(os.path.join(OUT, 'labels2.rec'), 'w')
    with open(os.path.join(OUT, 'images.lst'), 'w') as lst:
        for i, name in enumerate(NAMES):
            with open(os.path.join(IMAGES, name), 'rb') as f:
                raw = f.read()
            rec.write_idx(100 + i, mx.recordio.pack(mx.recordio.IRHeader(0, 10.0 * i, i, 0), raw))
            rec2.write(mx.recordio.pack(mx.recordio.IRHeader(0, [i, 0.5 * i], i, 0), raw))
            lst.write('%d\t%d\t%d\t%s\n' % (i, i % 3, 3 * i, name))
    rec.close()
    rec2.close()


def aug_input(img, dtype):
    """The image an augmenter alone gets: whole for the geometric ones (uint8), a 16 x 16
    window for the colour ones (float32), to keep the fixture small."""
    return img if dtype == 'uint8' else img[8:24, 6:22].astype(dtype)


def augmenters():
    """One entry per augmenter: (name, augmenter, image index, dtype of the input)."""
    A = mx.image
    mean, std = mx.nd.array([120.0, 110.0, 100.0]), mx.nd.array([50.0, 60.0, 70.0])
    eigval = np.array([55.46, 4.794, 1.148])
    eigvec = np.array([[-0.5675, 0.7192, 0.4009], [-0.5808, -0.0045, -0.8140],
                       [-0.5836, -0.6948, 0.4203]])
    return [
        ('resize', A.ResizeAug(24), 0, 'uint8'),
        ('resize_interp1', A.ResizeAug(17, 1), 1, 'uint8'),
        ('resize_interp9', A.ResizeAug(50, 9), 2, 'uint8'),
        ('force_resize', A.ForceResizeAug((20, 26)), 0, 'uint8'),
        ('force_resize_interp10', A.ForceResizeAug((25, 15), 10), 4, 'uint8'),
        ('random_crop', A.RandomCropAug((20, 18)), 0, 'uint8'),
        ('random_crop_upsample', A.RandomCropAug((30, 30), 1), 3, 'uint8'),
        ('random_sized_crop', A.RandomSizedCropAug((16, 16), 0.3, (0.75, 1.333)), 1, 'uint8'),
        ('random_sized_crop_tuple', A.RandomSizedCropAug((12, 20), (0.5, 0.9), (0.5, 2.0), 3),
         5, 'uint8'),
        ('center_crop', A.CenterCropAug((20, 26)), 0, 'uint8'),
        ('hflip', A.HorizontalFlipAug(0.5), 0, 'uint8'),
        ('cast', A.CastAug(), 0, 'uint8'),
        ('cast_float64', A.CastAug('float64'), 0, 'uint8'),
        ('color_normalize', A.ColorNormalizeAug(mean, std), 0, 'float32'),
        ('color_normalize_np', A.ColorNormalizeAug(np.array([1.0, 2.0, 3.0]), None), 0,
         'float32'),
        ('brightness', A.BrightnessJitterAug(0.3), 0, 'float32'),
        ('contrast', A.ContrastJitterAug(0.3), 0, 'float32'),
        ('saturation', A.SaturationJitterAug(0.3), 0, 'float32'),
        ('hue', A.HueJitterAug(0.3), 0, 'float32'),
        ('color_jitter', A.ColorJitterAug(0.2, 0.3, 0.4), 0, 'float32'),
        ('lighting', A.LightingAug(0.1, eigval, eigvec), 0, 'float32'),
        ('random_gray', A.RandomGrayAug(0.5), 0, 'float32'),
        ('random_order', A.RandomOrderAug([A.BrightnessJitterAug(0.2), A.HorizontalFlipAug(0.5),
                                           A.ContrastJitterAug(0.2)]), 0, 'float32'),
        ('sequential', A.SequentialAug([A.ResizeAug(20), A.CenterCropAug((16, 16)),
                                        A.CastAug()]), 1, 'uint8'),
    ]


DETERMINISTIC = {'resize', 'resize_interp1', 'resize_interp9', 'force_resize', 'center_crop',
                 'cast', 'cast_float64', 'color_normalize', 'color_normalize_np', 'sequential'}

CREATE = {
    'plain': dict(data_shape=(3, 16, 16)),
    'typical': dict(data_shape=(3, 24, 24), resize=28, rand_crop=True, rand_mirror=True,
                    mean=True, std=True, brightness=0.1, contrast=0.1, saturation=0.1, hue=0.1,
                    pca_noise=0.1, rand_gray=0.2, inter_method=1),
    'rand_resize': dict(data_shape=(3, 20, 20), rand_crop=True, rand_resize=True,
                        rand_mirror=True, inter_method=10, brightness=0.3),
    'arrays': dict(data_shape=(3, 18, 14), resize=22, mean=np.array([100.0, 110.0, 120.0]),
                   std=mx.nd.array([40.0]), saturation=0.25, inter_method=9),
}

ITERS = {
    'rec_idx_pad': dict(batch_size=3, data_shape=(3, 16, 16), path_imgrec='images.rec',
                        path_imgidx='images.idx'),
    'rec_idx_shuffle_discard': dict(batch_size=3, data_shape=(3, 16, 16),
                                    path_imgrec='images.rec', path_imgidx='images.idx',
                                    shuffle=True, last_batch_handle='discard'),
    'rec_roll_over': dict(batch_size=3, data_shape=(3, 16, 16), path_imgrec='images.rec',
                          last_batch_handle='roll_over', rand_crop=True, rand_mirror=True),
    'rec_noidx_pad': dict(batch_size=4, data_shape=(3, 12, 14), path_imgrec='images.rec',
                          resize=20),
    'rec_parts': dict(batch_size=2, data_shape=(3, 16, 16), path_imgrec='images.rec',
                      path_imgidx='images.idx', num_parts=2, part_index=1, shuffle=True),
    'rec_augment': dict(batch_size=4, data_shape=(3, 20, 20), path_imgrec='images.rec',
                        path_imgidx='images.idx', shuffle=True, resize=24, rand_crop=True,
                        rand_mirror=True, mean=True, std=True, brightness=0.1, contrast=0.1,
                        saturation=0.1, hue=0.1, pca_noise=0.1, rand_gray=0.2,
                        data_name='img', label_name='lab'),
    'rec_label2': dict(batch_size=3, data_shape=(3, 16, 16), path_imgrec='labels2.rec',
                       label_width=2),
    'lst_label2_int': dict(batch_size=3, data_shape=(3, 16, 16), path_imglist='images.lst',
                           path_root=IMAGES, label_width=2, dtype='int32', shuffle=True,
                           last_batch_handle='roll_over'),
    'imglist_shuffle': dict(batch_size=2, data_shape=(3, 16, 16),
                            imglist=[[float(i), n] for i, n in enumerate(NAMES)],
                            path_root=IMAGES, shuffle=True, rand_crop=True),
    'imglist_multi': dict(batch_size=4, data_shape=(3, 16, 16), label_width=2,
                          imglist=[[i, 2.0 * i, n] for i, n in enumerate(NAMES[:5])],
                          path_root=IMAGES, dtype='float64', num_parts=2, part_index=0),
    'aug_list_uint8': dict(batch_size=3, data_shape=(3, 16, 16), path_imgrec='images.rec',
                           path_imgidx='images.idx', aug_list='center_flip', shuffle=True),
    'imglist_array_label': dict(batch_size=2, data_shape=(3, 16, 16), label_width=3,
                                imglist=[[[1, 2, 3], NAMES[0]], [np.array([4, 5, 6]), NAMES[1]],
                                         [[7, 8, 9], NAMES[2]]],
                                path_root=IMAGES, last_batch_handle='discard'),
}

ERRORS = {
    'no_source': dict(batch_size=2, data_shape=(3, 16, 16)),
    'imglist_dict': dict(batch_size=2, data_shape=(3, 16, 16), imglist={0: [1.0, NAMES[0]]},
                         path_root=IMAGES),
    'shape_len2': dict(batch_size=2, data_shape=(16, 16), path_imgrec='images.rec'),
    'shape_1chan': dict(batch_size=2, data_shape=(1, 16, 16), path_imgrec='images.rec'),
    'label_dtype': dict(batch_size=2, data_shape=(3, 16, 16), path_imgrec='images.rec',
                        dtype='uint8'),
    'part_index': dict(batch_size=2, data_shape=(3, 16, 16), path_imgrec='images.rec',
                       path_imgidx='images.idx', num_parts=2, part_index=2),
    'shuffle_no_idx': dict(batch_size=2, data_shape=(3, 16, 16), path_imgrec='images.rec',
                           shuffle=True),
    'missing_file': dict(batch_size=2, data_shape=(3, 16, 16),
                         imglist=[[0.0, 'no_such.jpg']], path_root=IMAGES),
    'broken_image': dict(batch_size=2, data_shape=(3, 16, 16),
                         imglist=[[0.0, 'images.lst']], path_root=OUT),
    'unknown_kwarg': dict(batch_size=2, data_shape=(3, 16, 16), path_imgrec='images.rec',
                          rand_crops=True),
}


def resolve(kw):
    kw = dict(kw)
    if kw.get('aug_list') == 'center_flip':      # a user's own list, no CastAug: uint8 rows
        kw['aug_list'] = [mx.image.CenterCropAug((16, 16)), mx.image.HorizontalFlipAug(0.5)]
    for k in ('path_imgrec', 'path_imgidx', 'path_imglist'):
        if k in kw:
            kw[k] = os.path.join(OUT, kw[k])
    return kw


def portable(kw):
    """The kwargs as tests rebuild them: file names relative to the fixture folders."""
    out = {}
    for k, v in kw.items():
        if k == 'path_root':
            v = os.path.basename(os.path.normpath(v))
        elif k == 'imglist' and isinstance(v, dict):
            v = {'dict_items': [[key, list(item)] for key, item in v.items()]}
        elif k == 'imglist':
            v = [[np.asarray(x).tolist() if not isinstance(x, str) else x for x in item]
                 for item in v]
        elif isinstance(v, tuple):
            v = list(v)
        elif isinstance(v, np.ndarray):
            v = {'np': v.tolist()}
        elif isinstance(v, mx.nd.NDArray):
            v = {'nd': v.asnumpy().tolist()}
        out[k] = v
    return out


def run_iter(name, kw, arrays, meta, s):
    seed(s)
    it = mx.image.ImageIter(**resolve(kw))
    info = {'kwargs': portable(kw), 'seed': s,
            'provide_data': [[n, list(sh)] for n, sh in it.provide_data],
            'provide_label': [[n, list(sh)] for n, sh in it.provide_label],
            'seq': None if it.seq is None else [str(x) if isinstance(x, str) else int(x)
                                                for x in it.seq],
            'imgidx': ('absent' if not hasattr(it, 'imgidx') else
                       None if it.imgidx is None else list(it.imgidx)),
            'epochs': []}
    for epoch in range(2):
        if epoch:
            it.reset()
        pads = []
        for b, batch in enumerate(it):
            key = '%s/e%d/b%d' % (name, epoch, b)
            arrays[key + '/data'] = batch.data[0].asnumpy()
            arrays[key + '/label'] = batch.label[0].asnumpy()
            pads.append(batch.pad)
            info['label_dtype'] = str(batch.label[0].dtype.__name__ if hasattr(
                batch.label[0].dtype, '__name__') else batch.label[0].dtype)
            info['data_dtype'] = np.dtype(batch.data[0].dtype).name
        info['epochs'].append(pads)
    info['seq_after'] = None if it.seq is None else [str(x) if isinstance(x, str) else int(x)
                                                     for x in it.seq]
    meta['iters'][name] = info


FIT = dict(batch_size=3, data_shape=(3, 12, 12), path_root=IMAGES,
           imglist=[[float(i % 3), n] for i, n in enumerate(NAMES)], shuffle=True,
           rand_crop=True, rand_mirror=True, mean=True, std=True, brightness=0.2)


def fit_net():
    data = mx.sym.Variable('data')
    net = mx.sym.Convolution(data, num_filter=4, kernel=(3, 3), name='c1')
    net = mx.sym.Activation(net, act_type='relu')
    net = mx.sym.FullyConnected(mx.sym.flatten(net), num_hidden=3, name='fc')
    return mx.sym.SoftmaxOutput(net, name='softmax')


def fit_params():
    rng = np.random.RandomState(7)
    return {'c1_weight': rng.normal(0, 0.1, (4, 3, 3, 3)), 'c1_bias': np.zeros(4),
            'fc_weight': rng.normal(0, 0.1, (3, 400)), 'fc_bias': np.zeros(3)}


def fit_module(arrays, meta):
    """Module.fit over a shuffling, augmenting ImageIter (2 epochs, the last batch padded):
    the parameters after training."""
    seed(5)
    it = mx.image.ImageIter(**resolve(FIT))
    mod = mx.mod.Module(fit_net())
    mod.fit(it, num_epoch=2, optimizer='sgd', optimizer_params={'learning_rate': 0.1},
            arg_params={k: mx.nd.array(v) for k, v in fit_params().items()},
            eval_metric='acc')
    args, _ = mod.get_params()
    for k, v in args.items():
        arrays['fit/' + k] = v.asnumpy()
    meta['fit'] = {'kwargs': portable(FIT), 'seed': 5}


def main():
    os.makedirs(OUT, exist_ok=True)
    write_files()
    arrays, meta = {}, {'mxnet_version': mx.__version__, 'augmenters': {}, 'create': {},
                        'iters': {}, 'errors': {}, 'rotate': {},
                        'made_by': '/tmp/mxnet-oracle/bin/python tools/record_image_iter.py'}
    imgs = [mx.image.imread(os.path.join(IMAGES, n)) for n in NAMES]
    for name, aug, i, dtype in augmenters():
        outs = []
        for s in range(1 if name in DETERMINISTIC else 3):
            seed(s)
            outs.append(aug(aug_input(imgs[i], dtype)).asnumpy())
        arrays['aug/' + name] = np.stack(outs)
        meta['augmenters'][name] = {'image': i, 'dtype': dtype, 'dumps': aug.dumps(),
                                    'out_dtype': outs[0].dtype.name}
    for name, kw in CREATE.items():
        seed(11)
        augs = mx.image.CreateAugmenter(**kw)
        for i, img in enumerate(imgs):
            x = img
            for a in augs:
                x = a(x)
            arrays['create/%s/%d' % (name, i)] = x.asnumpy()
        meta['create'][name] = {'kwargs': portable(kw), 'seed': 11,
                                'dumps': [a.dumps() for a in augs]}
    for s, (name, kw) in enumerate(ITERS.items()):
        run_iter(name, kw, arrays, meta, 20 + s)
    for name, kw in ERRORS.items():
        seed(0)
        try:
            it = mx.image.ImageIter(**resolve(kw))
            it.next()
            meta['errors'][name] = {'kwargs': portable(kw), 'raised': None}
        except Exception as e:  # noqa: BLE001 -- recording whatever MXNet raises
            meta['errors'][name] = {'kwargs': portable(kw), 'raised': type(e).__name__,
                                    'message': str(e)}
    # random_size_crop and the rotations
    for s in range(4):
        seed(s)
        out, box = mx.image.random_size_crop(imgs[1], (16, 12), 0.2, (0.6, 1.6), interp=1)
        arrays['random_size_crop/%d' % s] = out.asnumpy()
        meta['rotate']['random_size_crop/%d' % s] = list(box)
    seed(5)
    out, box = mx.image.random_size_crop(imgs[0], (10, 10), 0.9, (9.0, 10.0))   # falls back
    arrays['random_size_crop/fallback'] = out.asnumpy()
    meta['rotate']['random_size_crop/fallback'] = list(box)
    chw = imgs[0].astype('float32').transpose((2, 0, 1))
    batch = mx.nd.stack(*[im.astype('float32').transpose((2, 0, 1))
                          for im in (imgs[0], mx.nd.flip(imgs[0], axis=0))])   # 2 x 40 x 30
    arrays['imrotate/single'] = mx.image.imrotate(chw, 30).asnumpy()
    arrays['imrotate/zoom_in'] = mx.image.imrotate(chw, -45, zoom_in=True).asnumpy()
    arrays['imrotate/zoom_out'] = mx.image.imrotate(chw, 60, zoom_out=True).asnumpy()
    arrays['imrotate/batch'] = mx.image.imrotate(batch, mx.nd.array([15, -100])).asnumpy()
    arrays['imrotate/batch_scalar'] = mx.image.imrotate(batch, 90).asnumpy()
    for t in (16, 17, 18, 19, 20):     # OpenCV's BORDER_ISOLATED flag on each border type
        arrays['border/%d' % t] = mx.image.copyMakeBorder(imgs[3], 2, 1, 3, 4, type=t,
                                                          values=(7, 8, 9)).asnumpy()
    seed(3)
    arrays['random_rotate/single'] = mx.image.random_rotate(chw, (-30, 30)).asnumpy()
    arrays['random_rotate/batch'] = mx.image.random_rotate(batch, (-90, 90),
                                                           zoom_out=True).asnumpy()
    for name, call in [
            ('both_zooms', lambda: mx.image.imrotate(chw, 10, zoom_in=True, zoom_out=True)),
            ('uint8', lambda: mx.image.imrotate(imgs[0].transpose((2, 0, 1)), 10)),
            ('ndim2', lambda: mx.image.imrotate(chw[0], 10)),
            ('vector_for_single', lambda: mx.image.imrotate(chw, mx.nd.array([10]))),
            ('count', lambda: mx.image.imrotate(batch, mx.nd.array([10, 20, 30])))]:
        try:
            call()
            meta['errors']['rotate_' + name] = {'raised': None}
        except Exception as e:  # noqa: BLE001
            meta['errors']['rotate_' + name] = {'raised': type(e).__name__, 'message': str(e)}
    fit_module(arrays, meta)
    np.savez_compressed(os.path.join(OUT, 'cases.npz'), **arrays)
    with open(os.path.join(OUT, 'cases.json'), 'w') as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    print(len(arrays), 'arrays;', {k: v['raised'] for k, v in meta['errors'].items()})


if __name__ == '__main__':
    main()
