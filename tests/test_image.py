"""mx.image against MXNet 1.9.1's OpenCV (tests/fixtures/image_ops/gen_image_ops.py, on the
images of tests/fixtures/image_record)."""
import os

import numpy as np
import pytest

import tfmod as mx
from tfmod.base import MXNetError

HERE = os.path.join(os.path.dirname(__file__), 'fixtures', 'image_ops')
IMAGES = os.path.join(os.path.dirname(__file__), 'fixtures', 'image_record')
A = np.load(os.path.join(HERE, 'cases.npz'))
JPG, PNG = os.path.join(IMAGES, 'img0.jpg'), os.path.join(IMAGES, 'img3.png')


def _within(got, want, levels, what):
    diff = np.abs(got.astype(np.int64) - want.astype(np.int64))
    assert got.shape == want.shape and got.dtype == want.dtype, what
    assert diff.max() <= levels, '%s: off by %d grey levels' % (what, diff.max())


def test_decoding_is_opencvs():
    with open(JPG, 'rb') as f:
        raw = f.read()
    _within(mx.image.imdecode(raw).asnumpy(), A['imdecode'], 0, 'imdecode')
    _within(mx.image.imdecode(raw, to_rgb=False).asnumpy(), A['imdecode_bgr'], 0, 'bgr')
    _within(mx.image.imdecode(raw, flag=0).asnumpy(), A['imdecode_gray'], 0, 'gray')
    _within(mx.image.imread(PNG).asnumpy(), A['imread_png'], 0, 'imread png')


@pytest.mark.parametrize('interp', range(5), ids=['nearest', 'bilinear', 'bicubic', 'area',
                                                  'lanczos'])
def test_imresize_is_opencvs_within_a_grey_level(interp):
    # nearest is exact; the other kernels differ from OpenCV's fixed-point arithmetic by one
    img = mx.image.imread(JPG)
    for w, h in ((17, 13), (45, 52), (30, 20)):
        _within(mx.image.imresize(img, w, h, interp=interp).asnumpy(),
                A['imresize_%d_%dx%d' % (interp, w, h)], 0 if interp == 0 else 1,
                'interp %d to %dx%d' % (interp, w, h))


def test_crops_and_borders():
    img = mx.image.imread(JPG)
    _within(mx.image.resize_short(img, 24).asnumpy(), A['resize_short'], 1, 'resize_short')
    crop, box = mx.image.center_crop(img, (20, 26))
    assert box == tuple(A['center_crop_box'])
    _within(crop.asnumpy(), A['center_crop'], 1, 'center_crop')
    for t in range(5):
        _within(mx.image.copyMakeBorder(img, 2, 3, 4, 1, type=t, value=7).asnumpy(),
                A['border_%d' % t], 0, 'border type %d' % t)
    _within(mx.image.copyMakeBorder(img, 1, 1, 2, 2, values=(1, 2, 3)).asnumpy(),
            A['border_values'], 0, 'border values')
    norm = mx.image.color_normalize(img.astype('float32'), mx.nd.array([1, 2, 3]),
                                    mx.nd.array([2, 2, 2]))
    np.testing.assert_allclose(norm.asnumpy(), (A['imdecode'] - [1, 2, 3]) / 2.0)


def test_bad_images_are_named(tmp_path):
    with pytest.raises(MXNetError, match='imdecode: cannot decode'):
        mx.image.imdecode(b'not an image')
    with pytest.raises(MXNetError, match='missing.jpg'):
        mx.image.imread(str(tmp_path / 'missing.jpg'))
    with pytest.raises(MXNetError, match='Unknown interp method 7'):
        mx.image.resize_short(mx.image.imread(JPG), 10, interp=7)
