"""Record MXNet 1.9.1 cases for the ``_image_*`` operators (mx.sym.image / mx.nd.image,
converters/image_transforms.py).

    /tmp/mxnet-oracle/bin/python tools/oracle_ops/image_transforms.py [case,...]

Writes tests/fixtures/ops_by_family/image_transforms/ (corpus format, see
tests/fixtures/ops/README.md). uint8 and float inputs, HWC and NHWC (CHW / NCHW for normalize)
forms, every attribute. The random ops are recorded twice: with a degenerate range (min_factor ==
max_factor, alpha_std=0), compared exactly, and with a real range as ``deterministic: false``
cases whose one MXNet sample the test checks with the same property it checks tfmod's samples
with. Combinations MXNet refuses (wrong rank, channel count, crop out of bounds, bad sizes) are
listed under ``skipped`` in index.json with MXNet's error. uint8 resizes allow one grey level
(OpenCV's fixed-point arithmetic), as do uint8 contrast cases (MXNet sums the grey mean in
sequence, in float32).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _family_runner import main  # noqa: E402

ONE_LEVEL = {'rtol': 0.0, 'atol': 1.0}


def define(g):
    mx, V, N, U, I, C, case = g.mx, g.V, g.N, g.U, g.I, g.C, g.case
    Im = mx.sym.image
    G = 'image'

    def u8(*shape):
        return I(0, 256, *shape, dtype='uint8')

    def one(fn, **kw):
        return lambda: fn(V('data'), name='img', **kw)

    # ---- to_tensor: (N)HWC -> (N)CHW float32 / 255 (MXNet's gradient fails: forward only)
    case('to_tensor_uint8_hwc', one(Im.to_tensor), {'data': u8(4, 5, 3)}, group=G, tol='elem')
    case('to_tensor_uint8_nhwc', one(Im.to_tensor), {'data': u8(2, 4, 5, 3)}, group=G,
         tol='elem')
    case('to_tensor_float32_hwc_1ch', one(Im.to_tensor), {'data': U(0, 255, 3, 4, 1)}, group=G,
         tol='elem', backward=False)
    case('to_tensor_float32_nhwc', one(Im.to_tensor), {'data': U(0, 255, 2, 3, 4, 3)}, group=G,
         tol='elem', backward=False)
    case('to_tensor_float64_4ch', one(Im.to_tensor), {'data': U(0, 255, 3, 2, 4,
                                                                  dtype='float64')},
         group=G, tol='elem', backward=False, note='any channel count; float32 output')
    case('to_tensor_int32', one(Im.to_tensor), {'data': I(0, 300, 2, 3, 3, dtype='int32')},
         group=G, tol='elem')
    case('to_tensor_rank2', one(Im.to_tensor), {'data': u8(4, 5)}, group=G,
         expect_fail='rank 2')

    # ---- normalize: (N)CHW, mean/std of 1 or C entries
    case('normalize_chw_mean3_std3', one(Im.normalize, mean=(0.485, 0.456, 0.406),
                                         std=(0.229, 0.224, 0.225)),
         {'data': U(0, 1, 3, 4, 5)}, group=G, tol='elem')
    case('normalize_chw_mean1_std1', one(Im.normalize, mean=(0.5,), std=(0.25,)),
         {'data': U(0, 1, 3, 4, 5)}, group=G, tol='elem')
    case('normalize_nchw_mean3_std1', one(Im.normalize, mean=(0.1, 0.2, 0.3), std=(2.0,)),
         {'data': N(2, 3, 3, 4)}, group=G, tol='elem')
    case('normalize_1ch', one(Im.normalize, mean=(0.5,), std=(0.5,)), {'data': N(1, 4, 5)},
         group=G, tol='elem')
    case('normalize_nchw_1ch', one(Im.normalize, mean=(-1.0,), std=(3.0,)),
         {'data': N(2, 1, 3, 3)}, group=G, tol='elem')
    case('normalize_float64', one(Im.normalize, mean=(1.0, 2.0, 3.0), std=(0.5, 1.5, 2.5)),
         {'data': N(3, 3, 2, dtype='float64')}, group=G, tol='f64')
    case('normalize_uint8', one(Im.normalize, mean=(0.5,), std=(3.0,)),
         {'data': I(1, 256, 3, 4, 4, dtype='uint8')}, group=G, tol='move',
         note='computed in float32, stored truncated')
    case('normalize_default_mean', one(Im.normalize), {'data': U(0, 1, 3, 4, 5)}, group=G,
         expect_fail='the default mean has 4 entries')
    case('normalize_2ch', one(Im.normalize, mean=(0.5,), std=(0.5,)), {'data': N(2, 4, 5)},
         group=G, expect_fail='2 channels')
    case('normalize_mean2', one(Im.normalize, mean=(0.5, 0.1), std=(0.5,)),
         {'data': N(3, 4, 5)}, group=G, expect_fail='mean of 2 entries for 3 channels')
    case('normalize_rank5', one(Im.normalize, mean=(0.5,), std=(0.5,)),
         {'data': N(1, 3, 2, 2, 1)}, group=G, expect_fail='rank 5')

    # ---- resize: size int or (w, h), keep_ratio, interp (OpenCV codes 0-4)
    def rs(size, **kw):
        return one(Im.resize, size=size, **kw)
    case('resize_uint8_wh', rs((4, 3)), {'data': u8(6, 8, 3)}, group=G, tol='move',
         extra=ONE_LEVEL, backward=False, note='size (w, h) = (4, 3): output 3 x 4')
    case('resize_uint8_int', rs(5), {'data': u8(6, 8, 3)}, group=G, tol='move',
         extra=ONE_LEVEL, backward=False)
    case('resize_uint8_keep_ratio_wide', rs(4, keep_ratio=True), {'data': u8(6, 9, 3)},
         group=G, tol='move', extra=ONE_LEVEL, backward=False,
         note='short edge 4, long edge 9 * 4 // 6')
    case('resize_uint8_keep_ratio_tall', rs(5, keep_ratio=True), {'data': u8(7, 4, 1)},
         group=G, tol='move', extra=ONE_LEVEL, backward=False,
         note='short edge 5, long edge 7 * 5 // 4')
    case('resize_keep_ratio_ignored_for_wh', rs((5, 4), keep_ratio=True), {'data': u8(6, 9, 3)},
         group=G, tol='move', extra=ONE_LEVEL, backward=False)
    for interp in (0, 2, 3, 4):
        case('resize_uint8_interp%d_down' % interp, rs((5, 4), interp=interp),
             {'data': u8(8, 10, 3)}, group=G, tol='move', extra=ONE_LEVEL, backward=False)
        case('resize_uint8_interp%d_up' % interp, rs((7, 9), interp=interp),
             {'data': u8(4, 5, 3)}, group=G, tol='move', extra=ONE_LEVEL, backward=False)
    case('resize_uint8_nhwc', rs((3, 5)), {'data': u8(2, 6, 4, 3)}, group=G, tol='move',
         extra=ONE_LEVEL, backward=False)
    case('resize_float32_down', rs((4, 3)), {'data': U(0, 255, 7, 9, 3)}, group=G,
         tol='heavy', backward=False)
    case('resize_float32_up_bicubic', rs((9, 7), interp=2), {'data': U(0, 1, 4, 5, 1)},
         group=G, tol='heavy', backward=False)
    case('resize_float32_nhwc_area', rs(3, interp=3), {'data': U(0, 255, 2, 7, 6, 3)},
         group=G, tol='heavy', backward=False)
    case('resize_float64_lanczos', rs((6, 5), interp=4), {'data': N(4, 4, 3, dtype='float64')},
         group=G, tol='heavy', backward=False)
    case('resize_rank2', rs(3), {'data': u8(6, 8)}, group=G, expect_fail='rank 2')
    case('resize_size0', rs(0), {'data': u8(6, 8, 3)}, group=G, expect_fail='size 0')
    case('resize_size3', rs((2, 3, 4)), {'data': u8(6, 8, 3)}, group=G,
         expect_fail='size of 3 entries')
    case('resize_no_size', one(Im.resize), {'data': u8(6, 8, 3)}, group=G,
         expect_fail='size not given')
    case('resize_float16', rs(3), {'data': U(0, 1, 6, 8, 3, dtype='float16')}, group=G,
         expect_fail='float16')
    case('resize_interp9', rs(3, interp=9), {'data': u8(6, 8, 3)}, group=G,
         expect_fail='interp 9')

    # ---- crop: x, y, width, height
    def cr(x, y, w, h):
        return one(Im.crop, x=x, y=y, width=w, height=h)
    case('crop_uint8_hwc', cr(1, 2, 3, 2), {'data': u8(5, 6, 3)}, group=G, tol='move')
    case('crop_float32_nhwc_1ch', cr(2, 1, 4, 3), {'data': N(2, 5, 6, 1)}, group=G, tol='move',
         note='gradient: the head gradient placed in the window, zeros elsewhere')
    case('crop_whole', cr(0, 0, 6, 5), {'data': N(5, 6, 3)}, group=G, tol='move')
    case('crop_out_of_width', cr(4, 0, 3, 2), {'data': u8(5, 6, 3)}, group=G,
         expect_fail='x + width > W')
    case('crop_out_of_height', cr(0, 4, 3, 2), {'data': u8(5, 6, 3)}, group=G,
         expect_fail='y + height > H')
    case('crop_zero_width', cr(0, 0, 0, 2), {'data': u8(5, 6, 3)}, group=G,
         expect_fail='width 0')
    case('crop_2ch', cr(0, 0, 2, 2), {'data': u8(5, 6, 2)}, group=G, expect_fail='2 channels')
    case('crop_rank2', cr(0, 0, 2, 2), {'data': u8(5, 6)}, group=G, expect_fail='rank 2')

    # ---- flips (HWC of 1 or 3 channels only); gradient: the head gradient unchanged
    for name, fn in (('flip_left_right', Im.flip_left_right),
                     ('flip_top_bottom', Im.flip_top_bottom)):
        case(name + '_uint8', one(fn), {'data': u8(4, 6, 3)}, group=G, tol='move')
        case(name + '_float32_1ch', one(fn), {'data': N(4, 6, 1)}, group=G, tol='move',
             note="MXNet's gradient is the head gradient itself (_copy), not flipped")
    case('flip_left_right_nhwc', one(Im.flip_left_right), {'data': u8(2, 4, 6, 3)}, group=G,
         expect_fail='rank 4')
    case('flip_top_bottom_2ch', one(Im.flip_top_bottom), {'data': u8(4, 6, 2)}, group=G,
         expect_fail='2 channels')
    for name, fn in (('random_flip_left_right', Im.random_flip_left_right),
                     ('random_flip_top_bottom', Im.random_flip_top_bottom)):
        case(name, one(fn), {'data': u8(4, 6, 3)}, group=G, deterministic=False,
             note='either the input or its flip')

    # ---- colour: degenerate ranges compare exactly, real ranges by property
    def enh(fn, lo, hi):
        return one(fn, min_factor=lo, max_factor=hi)
    for name, fn in (('brightness', Im.random_brightness), ('contrast', Im.random_contrast),
                     ('saturation', Im.random_saturation), ('hue', Im.random_hue)):
        lvl = dict(extra=ONE_LEVEL) if name in ('contrast', 'hue') else {}
        f = {'brightness': 1.7, 'contrast': 0.6, 'saturation': 0.3, 'hue': 0.3}[name]
        case('random_%s_fixed_uint8' % name, enh(fn, f, f), {'data': u8(4, 5, 3)}, group=G,
             tol='move', **lvl)
        case('random_%s_fixed_float32' % name, enh(fn, f, f), {'data': U(0, 255, 4, 5, 3)},
             group=G, tol='elem' if name != 'hue' else 'heavy',
             note='gradient: the head gradient unchanged (_copy)')
        case('random_%s_range' % name, enh(fn, 0.5, 1.5) if name != 'hue' else enh(fn, 0.0, 0.4),
             {'data': u8(4, 5, 3)}, group=G, deterministic=False)
        case('random_%s_4d' % name, enh(fn, 1.0, 1.0), {'data': u8(2, 4, 5, 3)}, group=G,
             expect_fail='rank 4')
    case('random_brightness_fixed_float32_1ch', enh(Im.random_brightness, 0.4, 0.4),
         {'data': N(3, 4, 1, scale=50)}, group=G, tol='elem', note='float: no clamping')
    case('random_contrast_fixed_1ch', enh(Im.random_contrast, 1.5, 1.5),
         {'data': U(0, 255, 3, 4, 1)}, group=G, tol='elem')
    case('random_saturation_fixed_1ch', enh(Im.random_saturation, 0.2, 0.2),
         {'data': u8(3, 4, 1)}, group=G, tol='move', note='one channel: a copy')
    case('random_hue_fixed_wraps', enh(Im.random_hue, 0.9, 0.9), {'data': U(0, 255, 4, 5, 3)},
         group=G, tol='heavy')
    case('random_brightness_negative', enh(Im.random_brightness, -0.5, 1.0),
         {'data': u8(4, 5, 3)}, group=G, expect_fail='min_factor < 0')
    case('random_color_jitter_brightness', one(Im.random_color_jitter, brightness=0.4,
                                                contrast=0, saturation=0, hue=0),
         {'data': U(1, 255, 4, 5, 3)}, group=G, deterministic=False,
         note='brightness alone: out = in * (1 + U(-0.4, 0.4))')
    case('random_color_jitter_all', one(Im.random_color_jitter, brightness=0.3, contrast=0.3,
                                         saturation=0.3, hue=0.1),
         {'data': u8(4, 5, 3)}, group=G, deterministic=False)

    # ---- lighting (AlexNet PCA noise)
    case('adjust_lighting_uint8', one(Im.adjust_lighting, alpha=(0.1, -0.2, 0.3)),
         {'data': u8(4, 5, 3)}, group=G, tol='move')
    case('adjust_lighting_float32', one(Im.adjust_lighting, alpha=(-0.05, 0.5, 1.0)),
         {'data': U(0, 255, 3, 4, 3)}, group=G, tol='elem')
    case('adjust_lighting_alpha4', one(Im.adjust_lighting, alpha=(0.2, 0.1, -0.1, 5.0)),
         {'data': U(0, 255, 3, 4, 3)}, group=G, tol='elem', note='entries past the third unused')
    case('adjust_lighting_alpha1', one(Im.adjust_lighting, alpha=(0.2,)), {'data': u8(4, 5, 3)},
         group=G, expect_fail='one alpha')
    case('random_lighting_std0', one(Im.random_lighting, alpha_std=0.0), {'data': u8(4, 5, 3)},
         group=G, tol='move', note='alpha_std 0: unchanged')
    case('random_lighting', one(Im.random_lighting, alpha_std=0.1),
         {'data': U(0, 255, 4, 5, 3)}, group=G, deterministic=False,
         note='out - in is one RGB offset, EIG @ alpha')

    # ---- graphs as users save them: Gluon's ToTensor + Normalize in front of a network
    def gluon_pipeline():
        from mxnet.gluon import nn
        from mxnet.gluon.data.vision import transforms
        net = nn.HybridSequential(prefix='net_')
        with net.name_scope():
            net.add(transforms.ToTensor(), transforms.Normalize((0.4914, 0.4822, 0.4465),
                                                                (0.2023, 0.1994, 0.2010)),
                    nn.Conv2D(4, 3, in_channels=3), nn.Activation('relu'),
                    nn.Dense(5, in_units=4 * 6 * 4))
        net.initialize(mx.init.Xavier())
        net.hybridize()
        return net(V('data'))
    case('graph_gluon_to_tensor_normalize_net', gluon_pipeline, {'data': u8(2, 8, 6, 3)},
         op='graph', group=G, tol='heavy',
         note='a hybridized gluon HybridSequential of transforms.ToTensor, transforms.Normalize, '
              'Conv2D, Dense; NHWC uint8 images in')

    def sym_pipeline():
        x = Im.resize(V('data'), size=(6, 5), interp=0, name='resize')
        x = Im.to_tensor(x, name='tensor')
        x = Im.normalize(x, mean=(0.5, 0.4, 0.3), std=(0.2, 0.2, 0.25), name='norm')
        return mx.sym.FullyConnected(x, num_hidden=3, name='fc')
    case('graph_resize_to_tensor_normalize_fc', sym_pipeline, {'data': u8(2, 7, 9, 3)},
         op='graph', group=G, tol='heavy',
         note='resize (NHWC uint8, nearest) -> to_tensor -> normalize -> FullyConnected')


if __name__ == '__main__':
    sys.exit(main('image_transforms', define))
