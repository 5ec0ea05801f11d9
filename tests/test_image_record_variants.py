"""mx.io's ImageRecordIter variants (ImageRecordUInt8Iter, ImageRecordInt8Iter,
ImageRecordIter_v1, ImageRecordUInt8Iter_v1, ImageDetRecordIter without random augmentations),
ImageRecordIter's int8 data and its default fill_value, against MXNet 1.9.1's batches
(tools/record_image_record_variants.py); and MXDataIter, the class MXNet gives all of them."""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from tfmod.base import MXNetError

HERE = os.path.join(os.path.dirname(__file__), 'fixtures', 'image_record')
with open(os.path.join(HERE, 'variants.json')) as _f:
    RECORDED = json.load(_f)
CASES = RECORDED['cases']
ARRAYS = np.load(os.path.join(HERE, 'variants.npz'))
RESIZED_BILINEAR = {'default_fill_value', 'det_default', 'det_normalised_padded'}


def _iter(case, **extra):
    params = dict(case['params'], **extra)
    params['path_imgrec'] = os.path.join(HERE, case['rec'])
    if case['index_file']:
        params['path_imgidx'] = os.path.join(HERE, case['rec'][:-4] + '.idx')
    return getattr(mx.io, case['iterator'])(**params)


@pytest.mark.parametrize('case', CASES, ids=[c['case'] for c in CASES])
def test_batches_match_mxnet(case):
    it = _iter(case)
    assert [[list(d.shape), np.dtype(d.dtype).name] for d in it.provide_data] == \
        case['provide_data']
    assert [[list(d.shape), np.dtype(d.dtype).name] for d in it.provide_label] == \
        case['provide_label']
    # JPEGs decode to OpenCV's pixels; resizing (an image smaller than the crop after padding,
    # the detection iterator's resize to data_shape) uses OpenCV's bilinear kernel, within a
    # grey level of its fixed-point arithmetic; without it the values are MXNet's
    p = case['params']
    stds = [p.get(k, 1.0) for k in ('std_r', 'std_g', 'std_b')]
    grey = p.get('scale', 1.0) / min([s for s in stds if s > 0] + [1.0])
    exact_share = 0.8 if case['case'] in RESIZED_BILINEAR else 0.99
    for epoch, n in enumerate(case['batches']):
        got = 0
        for b in it:
            key = '%s/e%d/b%d' % (case['case'], epoch, got)
            data = b.data[0].asnumpy()
            assert data.dtype == ARRAYS[key + '/data'].dtype, key
            want = ARRAYS[key + '/data'].astype(np.float64)
            np.testing.assert_allclose(data.astype(np.float64), want, rtol=0,
                                       atol=1.0001 * grey, err_msg=key)
            assert np.mean(np.isclose(data, want, rtol=1e-6, atol=1e-6)) > exact_share, key
            np.testing.assert_array_equal(b.label[0].asnumpy(), ARRAYS[key + '/label'])
            np.testing.assert_array_equal(np.asarray(b.index, np.int64),
                                          ARRAYS[key + '/index'], err_msg=key)
            assert b.pad == int(ARRAYS[key + '/pad']), key
            got += 1
        assert got == n, 'epoch %d: %d batches, MXNet gave %d' % (epoch, got, n)
        it.reset()


def test_the_recorded_cases_show_what_each_variant_changes():
    """The fixture itself: int8 saturates at both ends, the v1 index holds header ids
    (10 * i + 3; without round_batch the unfilled slots keep the previous batch's records), the
    default fill_value is 255, and UInt8Iter_v1's batches are those of mirror=False; a
    detection label row is [channels, height, width, label length, label..., padding]."""
    int8 = ARRAYS['int8_saturates/e0/b0/data']
    assert int8.min() == -128 or int8.max() == 127
    assert ARRAYS['v1_ids_normalised/e0/b1/index'].tolist() == [33, 43, 53]
    assert ARRAYS['v1_no_round_batch/e0/b1/index'].tolist() == [43, 53, 63, 33]
    assert int(ARRAYS['v1_no_round_batch/e0/b1/pad']) == 1
    det = ARRAYS['det_normalised_padded/e0/b0/label']     # record 0: one object
    assert det.shape == (4, 34) and det[1, 3] == 12
    np.testing.assert_allclose(det[0, :11], [3, 20, 24, 7, 2, 5, 0, 0.1, 0.2, 0.5, 0.6],
                               rtol=1e-6)
    assert (det[0, 11:] == -2).all()
    corners = ARRAYS['default_fill_value/e0/b0/data'][:, :, 0, 0]      # 6 of 7 are padding
    assert (corners == 255).all(axis=1).sum() == 6
    plain = _iter(next(c for c in CASES if c['case'] == 'uint8_v1_ignores_mirror'),
                  mirror=False, rand_mirror=False)
    np.testing.assert_array_equal(next(plain).data[0].asnumpy(),
                                  ARRAYS['uint8_v1_ignores_mirror/e0/b0/data'])


@pytest.mark.parametrize('rec', RECORDED['refused'],
                         ids=['%s-%s' % (r['iterator'], r['params']) for r in RECORDED['refused']])
def test_refuses_what_mxnet_refuses(rec):
    assert rec['mxnet_raises']
    (arg, _), = rec['params'].items()
    with pytest.raises(MXNetError, match=arg):
        next(getattr(mx.io, rec['iterator'])(path_imgrec=os.path.join(HERE, rec['rec']),
                                             data_shape=(3, 16, 16), batch_size=2,
                                             **rec['params']))


def test_variants_prefetch_and_name_themselves_in_errors():
    it = mx.io.ImageRecordInt8Iter(path_imgrec=os.path.join(HERE, 'multilabel.rec'),
                                   data_shape=(3, 16, 16), batch_size=2)
    assert it._prefetcher is not None
    with pytest.raises(MXNetError, match='ImageRecordInt8Iter: .* record 0 provides a '
                                         '2-dimensional label'):
        next(it)
    with pytest.raises(MXNetError, match='ImageRecordIter_v1: Required parameter data_shape'):
        mx.io.ImageRecordIter_v1(path_imgrec=os.path.join(HERE, 'images.rec'), batch_size=2)
    with pytest.raises(MXNetError, match='ImageDetRecordIter: rand_mirror_prob=0.5 is not '
                                         'supported'):
        mx.io.ImageDetRecordIter(path_imgrec=os.path.join(HERE, 'det.rec'),
                                 data_shape=(3, 16, 16), batch_size=2, rand_mirror_prob=0.5)


def test_mxdata_iter_is_the_base_of_the_cxx_iterators():
    """In MXNet every C++ iterator (ImageRecordIter and its variants, CSVIter, ...) is an
    MXDataIter; NDArrayIter, written in Python, is not. MXDataIter wraps a C++ handle, which
    tfmod has not: constructing it raises (MXNet 1.9.1 crashes)."""
    it = mx.io.ImageRecordUInt8Iter_v1(path_imgrec=os.path.join(HERE, 'images.rec'),
                                       data_shape=(3, 16, 16), batch_size=2, prefetch_buffer=0)
    assert isinstance(it, mx.io.MXDataIter) and isinstance(it, mx.io.DataIter)
    assert issubclass(mx.io.CSVIter, mx.io.MXDataIter)
    assert issubclass(mx.io.MNISTIter, mx.io.MXDataIter)
    assert not isinstance(mx.io.NDArrayIter(np.zeros((4, 2)), batch_size=2), mx.io.MXDataIter)
    with pytest.raises(MXNetError, match='MXDataIter: tfmod has no C.. iterator handles'):
        mx.io.MXDataIter(None)
