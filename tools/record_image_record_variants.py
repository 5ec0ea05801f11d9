"""Record what MXNet 1.9.1's ImageRecordIter variants yield, for
tests/test_image_record_variants.py. Run from the repository root:

    /tmp/mxnet-oracle/bin/python tools/record_image_record_variants.py

Packs tests/fixtures/image_record/ids.rec/.idx (the seven images of that folder, record i with
label i and header id 10 * i + 3, so an index of ids differs from one of positions) and det.rec
(the same images with detection labels of one to three objects), then
iterates each case for two epochs, as gen_image_record.py does for ImageRecordIter, and writes
variants.json (cases, data types, batch counts; which arguments MXNet refuses) and variants.npz
(each batch's data, label, index and pad). Each case runs in its own process: MXNet 1.9.1's
iterators sometimes crash at interpreter exit.
"""
import json
import os
import subprocess
import sys

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures',
                    'image_record')
NAMES = ['img0.jpg', 'img1.jpg', 'img2.jpg', 'img3.png', 'img4.jpg', 'img5.jpg', 'img6.jpg']
NORM = dict(mean_r=123.0, mean_g=117.0, mean_b=104.0, std_r=58.0, std_g=57.0, std_b=57.5,
            scale=0.5)
CASES = [
    # (case, iterator, rec, index file, params)
    ('uint8_ignores_normalisation', 'ImageRecordUInt8Iter', 'images.rec', False, dict(
        data_shape=(3, 30, 30), batch_size=3, mirror=True, pad=5, dtype='float32', **NORM)),
    ('int8_saturates', 'ImageRecordInt8Iter', 'images.rec', False, dict(
        data_shape=(3, 18, 18), batch_size=4, mean_r=100.4, mean_g=30.5, mean_b=-20.5,
        std_r=2.0, scale=0.5, dtype='uint8', mirror=True)),
    ('int8_dtype_grayscale', 'ImageRecordIter', 'images.rec', False, dict(
        data_shape=(1, 16, 16), batch_size=7, dtype='int8', mean_r=60.5, std_r=3.0)),
    ('default_fill_value', 'ImageRecordIter', 'images.rec', False, dict(
        data_shape=(3, 34, 34), batch_size=7, pad=6)),
    ('v1_ids_normalised', 'ImageRecordIter_v1', 'ids.rec', False, dict(
        data_shape=(3, 16, 16), batch_size=3, mirror=True, **NORM)),
    ('v1_no_round_batch', 'ImageRecordIter_v1', 'ids.rec', False, dict(
        data_shape=(3, 16, 16), batch_size=4, round_batch=False, pad=2, fill_value=10)),
    ('v1_index_file', 'ImageRecordIter_v1', 'ids.rec', True, dict(
        data_shape=(3, 16, 16), batch_size=2)),
    ('uint8_v1_ignores_mirror', 'ImageRecordUInt8Iter_v1', 'ids.rec', False, dict(
        data_shape=(3, 16, 16), batch_size=2, mirror=True, rand_mirror=True, pad=3,
        fill_value=0, **NORM)),
    ('det_default', 'ImageDetRecordIter', 'det.rec', False, dict(
        data_shape=(3, 16, 16), batch_size=3)),
    ('det_normalised_padded', 'ImageDetRecordIter', 'det.rec', False, dict(
        data_shape=(3, 20, 24), batch_size=4, mean_r=10.0, mean_g=20.0, std_r=2.0, std_b=4.0,
        scale=0.5, label_pad_width=30, label_pad_value=-2.0, round_batch=False)),
    ('det_grayscale_nearest', 'ImageDetRecordIter', 'det.rec', False, dict(
        data_shape=(1, 12, 14), batch_size=7, inter_method=0)),
]
REFUSED = [
    # (iterator, rec, extra params): does MXNet raise?
    ('ImageRecordUInt8Iter_v1', 'images.rec', dict(dtype='uint8')),
    ('ImageRecordUInt8Iter_v1', 'images.rec', dict(dtype='float32')),
    ('ImageRecordIter', 'images.rec', dict(dtype='float16')),
    ('ImageRecordIter', 'images.rec', dict(dtype='int32')),
    ('ImageDetRecordIter', 'det.rec', dict(label_pad_width=5)),
]


def pack():
    import mxnet as mx
    w = mx.recordio.MXIndexedRecordIO(os.path.join(HERE, 'ids.idx'),
                                      os.path.join(HERE, 'ids.rec'), 'w')
    for i, name in enumerate(NAMES):
        with open(os.path.join(HERE, name), 'rb') as f:
            img = f.read()
        w.write_idx(i, mx.recordio.pack(mx.recordio.IRHeader(0, float(i), 10 * i + 3, 0), img))
    w.close()
    # detection labels: [header width 2, object width 5, objects (class, x0, y0, x1, y1)...],
    # one to three objects a record
    w = mx.recordio.MXRecordIO(os.path.join(HERE, 'det.rec'), 'w')
    for i, name in enumerate(NAMES):
        with open(os.path.join(HERE, name), 'rb') as f:
            img = f.read()
        objs = [[i % 3, 0.1, 0.2, 0.5, 0.6]] + [[1, 0.3, 0.05 * i, 0.9, 0.8]] * (i % 3)
        label = [2.0, 5.0] + [float(v) for o in objs for v in o]
        w.write(mx.recordio.pack(mx.recordio.IRHeader(len(label), label, 10 * i + 3, 0), img))
    w.close()


def run_case(k, out):
    import mxnet as mx
    import numpy as np
    name, iterator, rec, idx, params = CASES[k]
    p = dict(params, path_imgrec=os.path.join(HERE, rec))
    if idx:
        p['path_imgidx'] = os.path.join(HERE, rec[:-4] + '.idx')
    it = getattr(mx.io, iterator)(**p)
    arrays, epochs = {}, []
    for epoch in range(2):
        n = 0
        for b in it:
            key = '%s/e%d/b%d' % (name, epoch, n)
            arrays[key + '/data'] = b.data[0].asnumpy()
            arrays[key + '/label'] = b.label[0].asnumpy()
            arrays[key + '/index'] = np.asarray(b.index, np.int64)
            arrays[key + '/pad'] = np.array(b.pad)
            n += 1
        epochs.append(n)
        it.reset()
    np.savez(out, **arrays)
    meta = {'case': name, 'iterator': iterator, 'rec': rec, 'index_file': idx,
            'params': params, 'batches': epochs,
            'provide_data': [[list(d.shape), np.dtype(d.dtype).name] for d in it.provide_data],
            'provide_label': [[list(d.shape), np.dtype(d.dtype).name] for d in it.provide_label]}
    print(json.dumps(meta), flush=True)
    os._exit(0)


def run_refused(k):
    import mxnet as mx
    iterator, rec, extra = REFUSED[k]
    try:
        next(getattr(mx.io, iterator)(path_imgrec=os.path.join(HERE, rec),
                                      data_shape=(3, 16, 16), batch_size=2, **extra))
        raised = False
    except mx.base.MXNetError:
        raised = True
    print(json.dumps({'iterator': iterator, 'rec': rec, 'params': extra,
                      'mxnet_raises': raised}), flush=True)
    os._exit(0)


def main():
    if len(sys.argv) > 1:
        if sys.argv[1] == 'case':
            return run_case(int(sys.argv[2]), sys.argv[3])
        return run_refused(int(sys.argv[2]))
    import mxnet as mx
    import numpy as np
    pack()
    cases, refused, arrays = [], [], {}
    tmp = os.path.join(HERE, '_case.npz')
    for k in range(len(CASES)):
        out = subprocess.run([sys.executable, __file__, 'case', str(k), tmp],
                             capture_output=True, text=True, check=True)
        cases.append(json.loads(out.stdout.strip().splitlines()[-1]))
        with np.load(tmp) as z:
            arrays.update({k2: z[k2] for k2 in z.files})
    os.remove(tmp)
    for k in range(len(REFUSED)):
        out = subprocess.run([sys.executable, __file__, 'refused', str(k)],
                             capture_output=True, text=True, check=True)
        refused.append(json.loads(out.stdout.strip().splitlines()[-1]))
    with open(os.path.join(HERE, 'variants.json'), 'w') as f:
        json.dump({'mxnet': mx.__version__, 'cases': cases, 'refused': refused,
                   'made_by': '/tmp/mxnet-oracle/bin/python '
                              'tools/record_image_record_variants.py'}, f, indent=1)
    np.savez_compressed(os.path.join(HERE, 'variants.npz'), **arrays)
    print(len(cases), 'cases,', len(arrays), 'arrays;', refused)


if __name__ == '__main__':
    main()
