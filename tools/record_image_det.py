"""Record MXNet 1.9.1's detection pipeline -- the Det* augmenters, CreateDetAugmenter,
CreateMultiRandCropAugmenter and ImageDetIter -- for tests/test_image_det.py. Run from the
repository root:

    /tmp/mxnet-oracle/bin/python tools/record_image_det.py

Packs the test images of tests/fixtures/image_record with box labels ([2, 5, (class, xmin,
ymin, xmax, ymax) per object]) into tests/fixtures/image_iter/det.rec/.idx, then records,
each after ``random.seed(s); np.random.seed(s)``: every detection augmenter on an (image,
label) pair, CreateDetAugmenter argument sets, ImageDetIter epochs, reshape and
sync_label_shape, and the errors bad labels and arguments raise. Writes det_cases.npz and
det_cases.json."""
import json
import os
import sys

import mxnet as mx
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
OUT = os.path.join(ROOT, 'tests', 'fixtures', 'image_iter')
sys.path.insert(0, os.path.join(ROOT, 'tests', 'support'))
from image_det_cases import IMAGES, NAMES, augmenters, bad_calls, boxes, raw_label, seed  # noqa


def write_files():
    rec = mx.recordio.MXIndexedRecordIO(os.path.join(OUT, 'det.idx'),
                                        os.path.join(OUT, 'det.rec'), 'w')
    for i, name in enumerate(NAMES):
        with open(os.path.join(IMAGES, name), 'rb') as f:
            raw = f.read()
        rec.write_idx(i, mx.recordio.pack(mx.recordio.IRHeader(0, raw_label(i), i, 0), raw))
    rec.close()


CREATE = {
    'plain': dict(data_shape=(3, 16, 16)),
    'typical': dict(data_shape=(3, 24, 24), resize=30, rand_crop=0.7, rand_pad=0.5,
                    rand_mirror=True, mean=True, std=True, brightness=0.1, contrast=0.1,
                    saturation=0.1, hue=0.1, pca_noise=0.1, rand_gray=0.2, inter_method=1,
                    min_object_covered=[0.1, 0.5], area_range=(0.2, 2.0)),
}

ITERS = {
    'rec_idx_shuffle': dict(batch_size=3, data_shape=(3, 20, 20), path_imgrec='det.rec',
                            path_imgidx='det.idx', shuffle=True, rand_crop=0.5, rand_pad=0.5,
                            rand_mirror=True),
    'rec_roll_over': dict(batch_size=4, data_shape=(3, 16, 16), path_imgrec='det.rec',
                          last_batch_handle='roll_over', mean=True, std=True),
    'imglist_discard': dict(batch_size=2, data_shape=(3, 16, 16),
                            imglist=[raw_label(i).tolist() + [NAMES[i]] for i in range(5)],
                            path_root=IMAGES, last_batch_handle='discard', rand_mirror=True,
                            label_name='boxes'),
}


def portable(kw):
    out = {}
    for k, v in kw.items():
        if k == 'path_root':
            v = os.path.basename(os.path.normpath(v))
        elif isinstance(v, tuple):
            v = list(v)
        out[k] = v
    return out


def resolve(kw):
    kw = dict(kw)
    for k in ('path_imgrec', 'path_imgidx'):
        if k in kw:
            kw[k] = os.path.join(OUT, kw[k])
    return kw


def main():
    write_files()
    arrays, meta = {}, {'mxnet_version': mx.__version__, 'augmenters': {}, 'create': {},
                        'iters': {}, 'errors': {},
                        'made_by': '/tmp/mxnet-oracle/bin/python tools/record_image_det.py'}
    imgs = [mx.image.imread(os.path.join(IMAGES, n)) for n in NAMES]
    for name, aug, dtype in augmenters(mx):
        for s in range(4):
            seed(s)
            i = s + 1
            src = imgs[i] if dtype == 'uint8' else imgs[i][8:24, 6:22].astype(dtype)
            out, lab = aug(src, boxes(i).copy())
            arrays['aug/%s/%d/data' % (name, s)] = out.asnumpy()
            arrays['aug/%s/%d/label' % (name, s)] = np.asarray(lab)
        meta['augmenters'][name] = {'dtype': dtype, 'dumps': aug.dumps()}
    for name, kw in CREATE.items():
        seed(11)
        augs = mx.image.CreateDetAugmenter(**kw)
        for i, img in enumerate(imgs[:6]):
            x, lab = img, boxes(i).copy()
            for a in augs:
                x, lab = a(x, lab)
            arrays['create/%s/%d/data' % (name, i)] = x.asnumpy()
            arrays['create/%s/%d/label' % (name, i)] = np.asarray(lab)
        meta['create'][name] = {'kwargs': portable(kw), 'seed': 11,
                                'dumps': [a.dumps() for a in augs]}
    for s, (name, kw) in enumerate(ITERS.items()):
        seed(30 + s)
        it = mx.image.ImageDetIter(**resolve(kw))
        info = {'kwargs': portable(kw), 'seed': 30 + s, 'label_shape': list(it.label_shape),
                'provide_data': [[n, list(sh)] for n, sh in it.provide_data],
                'provide_label': [[n, list(sh)] for n, sh in it.provide_label],
                'seq': None if it.seq is None else [x if isinstance(x, str) else int(x)
                                                    for x in it.seq],
                'epochs': []}
        for epoch in range(2):
            if epoch:
                it.reset()
            pads = []
            for b, batch in enumerate(it):
                key = 'iter/%s/e%d/b%d' % (name, epoch, b)
                arrays[key + '/data'] = batch.data[0].asnumpy()
                arrays[key + '/label'] = batch.label[0].asnumpy()
                pads.append(batch.pad)
            info['epochs'].append(pads)
        meta['iters'][name] = info
    # reshape / sync_label_shape
    seed(1)
    a = mx.image.ImageDetIter(2, (3, 16, 16), path_imgrec=os.path.join(OUT, 'det.rec'))
    b = mx.image.ImageDetIter(2, (3, 16, 16), imglist=[raw_label(0).tolist() + [NAMES[0]]],
                              path_root=IMAGES)
    before = [list(a.label_shape), list(b.label_shape)]
    a.sync_label_shape(b)
    batch = b.next()
    b.reshape(data_shape=(3, 12, 10))     # provide_data only: the augmenters keep their size
    arrays['sync/data'] = batch.data[0].asnumpy()
    arrays['sync/label'] = batch.label[0].asnumpy()
    meta['sync'] = {'before': before, 'after': [list(a.label_shape), list(b.label_shape)],
                    'provide_label': [list(a.provide_label[0][1]), list(b.provide_label[0][1])],
                    'provide_data': list(b.provide_data[0][1])}
    errors = bad_calls(mx, a)
    for name, call in errors.items():
        try:
            call()
            meta['errors'][name] = {'raised': None}
        except Exception as e:  # noqa: BLE001 -- recording whatever MXNet raises
            meta['errors'][name] = {'raised': type(e).__name__, 'message': str(e)}
    np.savez_compressed(os.path.join(OUT, 'det_cases.npz'), **arrays)
    with open(os.path.join(OUT, 'det_cases.json'), 'w') as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    print(len(arrays), 'arrays;', {k: v['raised'] for k, v in meta['errors'].items()})


if __name__ == '__main__':
    main()
