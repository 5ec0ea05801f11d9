"""MXNet's ``_image_*`` operators (mx.nd.image / mx.sym.image) against MXNet 1.9.1: the cases
recorded by tools/oracle_ops/image_transforms.py (tests/fixtures/ops_by_family/image_transforms).

Deterministic cases (the random ops with a degenerate range among them) replay through
tests/support/corpus.py. For a real range the fixture holds one MXNet sample: the test checks
that it and tfmod's samples satisfy what the range allows, and that tfmod's draws differ between
calls. Combinations MXNet refuses are in the fixture's ``skipped`` list with MXNet's error; tfmod
must raise ``MXNetError`` for each."""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from support import corpus

HERE, CASES = corpus.family('image_transforms')
with open(os.path.join(HERE, 'index.json')) as _f:
    _INDEX = json.load(_f)
DETERMINISTIC = [c['case'] for c in _INDEX['cases'] if c['deterministic']]
RANDOM = [c['case'] for c in _INDEX['cases'] if not c['deterministic']]
REFUSED = {s['case']: s['error'] for s in _INDEX['skipped']}


@pytest.mark.parametrize('case', DETERMINISTIC)
def test_case_matches_mxnet(case):
    corpus.run_case(case, HERE)


def test_symbol_json_round_trip():
    texts = {case: corpus.load_case(case, HERE)[0]['symbol'] for case in CASES}
    bad = [c for c, text in texts.items() if mx.sym.load_json(text).tojson() != text]
    assert not bad, bad


# ---- random ranges: what the range allows, for MXNet's recorded sample and tfmod's draws

def _gray_mean(x):
    return (x.astype(np.float32) @ np.float32([0.299, 0.587, 0.114])).mean()


# out(alpha) for a grid of alphas (first axis), as MXNet's kernels compute (uint8: truncated)
_MODELS = {
    'random_brightness_range': lambda x, a: x * a,
    'random_contrast_range': lambda x, a: x * a + (1 - a) * _gray_mean(x),
    'random_saturation_range': lambda x, a: x * a + (1 - a) * 0.114 * x[..., 2:3],
}


def _check_enhance(case, x, out, lo, hi):
    a = np.linspace(lo, hi, 2001, dtype=np.float32).reshape(-1, 1, 1, 1)
    model = np.trunc(np.clip(_MODELS[case](x.astype(np.float32), a), 0, 255))
    err = np.abs(model - out.astype(np.float32)).reshape(len(a), -1).max(1)
    assert err.min() <= 1, '%s: no factor in [%g, %g] gives this output' % (case, lo, hi)


def _hue_shift(x, out):
    """The hue rotation (in turns) taking x to out, from the well-saturated pixels."""
    import colorsys
    shifts = []
    for a, b in zip(x.reshape(-1, 3) / 255.0, out.reshape(-1, 3) / 255.0):
        ha, la, sa = colorsys.rgb_to_hls(*a)
        hb, lb, sb = colorsys.rgb_to_hls(*b)
        assert abs(la - lb) < 2.5 / 255, 'hue rotation changed lightness'
        if sa > 0.3 and max(a) - min(a) > 0.3:
            shifts.append((hb - ha) % 1.0)
    shifts = np.array(shifts)
    assert len(shifts) >= 5 and np.ptp(np.unwrap(shifts * 2 * np.pi)) < 0.05, shifts
    return float(np.median(shifts))


def _check_random(case, meta, x, out):
    """Does ``out`` lie in what the case's range allows for input ``x``?"""
    attrs = {k: float(v) for k, v in meta['attrs'].items()}
    assert out.shape == tuple(meta['output_shapes'][0])
    assert out.dtype == np.dtype(meta['output_dtypes'][0])
    if case.startswith('random_flip'):
        axis = 1 if 'left_right' in case else 0
        assert np.array_equal(out, x) or np.array_equal(out, np.flip(x, axis)), case
    elif case in _MODELS:
        _check_enhance(case, x, out, attrs['min_factor'], attrs['max_factor'])
    elif case == 'random_hue_range':
        shift = _hue_shift(x, out)
        assert attrs['min_factor'] - 0.01 <= shift <= attrs['max_factor'] + 0.01, shift
    elif case == 'random_color_jitter_brightness':      # float input: out = in * (1 + U(-b, b))
        ratio = out / x
        assert np.ptp(ratio) < 1e-5 and abs(ratio.mean() - 1) <= attrs['brightness'] + 1e-6
    elif case == 'random_color_jitter_all':
        assert out.min() >= 0 and out.max() <= 255 and not np.array_equal(out, x)
    elif case == 'random_lighting':                     # one RGB offset, EIG @ N(0, std) draws
        d = (out.astype(np.float64) - x).reshape(-1, 3)
        assert np.ptp(d, axis=0).max() < 1e-3, d
        eig = np.array([[55.46 * -0.5675, 4.794 * 0.7192, 1.148 * 0.4009],
                        [55.46 * -0.5808, 4.794 * -0.0045, 1.148 * -0.8140],
                        [55.46 * -0.5836, 4.794 * -0.6948, 1.148 * 0.4203]])
        alpha = np.linalg.solve(eig, d[0])
        assert np.abs(alpha).max() < 6 * attrs['alpha_std'], alpha
    else:
        raise AssertionError('no check for %s' % case)


@pytest.mark.parametrize('case', RANDOM)
def test_random_range(case):
    meta, arrays = corpus.load_case(case, HERE)
    x = arrays['arg:data']
    _check_random(case, meta, x, arrays['out:0'])          # the property holds for MXNet's draw
    ex = corpus._bind(mx.sym.load_json(meta['symbol']), meta, arrays)
    draws = [ex.forward()[0].asnumpy() for _ in range(2 if 'flip' not in case else 24)]
    fn = getattr(mx.nd.image, meta['op'][len('_image_'):])
    kwargs = {k: float(v) for k, v in meta['attrs'].items()}
    draws += [fn(mx.nd.array(x, dtype=x.dtype), **kwargs).asnumpy() for _ in range(2)]
    for out in draws:
        _check_random(case, meta, x, out)
    if 'flip' in case:
        assert {np.array_equal(d, x) for d in draws} == {True, False}, 'never or always flipped'
    else:
        assert not np.array_equal(draws[0], draws[1]), 'two calls drew the same factor'


# ---- inputs MXNet refuses: (op, attributes, input shape, dtype, what tfmod's message says)
BAD = {
    'to_tensor_rank2': ('to_tensor', {}, (4, 5), 'uint8', r'_image_to_tensor: .*\(4, 5\)'),
    'normalize_default_mean': ('normalize', {}, (3, 4, 5), 'float32',
                               r'_image_normalize: invalid mean .*1 or 3 elements'),
    'normalize_2ch': ('normalize', dict(mean=(0.5,), std=(0.5,)), (2, 4, 5), 'float32',
                      r'_image_normalize: the channel dimension'),
    'normalize_mean2': ('normalize', dict(mean=(0.5, 0.1), std=(0.5,)), (3, 4, 5), 'float32',
                        r'_image_normalize: invalid mean'),
    'normalize_rank5': ('normalize', dict(mean=(0.5,), std=(0.5,)), (1, 3, 2, 2, 1), 'float32',
                        r'_image_normalize: input tensor must have shape'),
    'resize_rank2': ('resize', dict(size=3), (6, 8), 'uint8', r'_image_resize: .*3 or 4'),
    'resize_size0': ('resize', dict(size=0), (6, 8, 3), 'uint8',
                     r'_image_resize: size must be greater than 0'),
    'resize_size3': ('resize', dict(size=(2, 3, 4)), (6, 8, 3), 'uint8',
                     r'_image_resize: size must have 1 or 2'),
    'resize_no_size': ('resize', {}, (6, 8, 3), 'uint8', r'_image_resize: size must have 1 or 2'),
    'resize_float16': ('resize', dict(size=3), (6, 8, 3), 'float16',
                       r'_image_resize: data of type float16'),
    'resize_interp9': ('resize', dict(size=3, interp=9), (6, 8, 3), 'uint8',
                       r'_image_resize: interp must be 0-4'),
    'crop_out_of_width': ('crop', dict(x=4, y=0, width=3, height=2), (5, 6, 3), 'uint8',
                          r'_image_crop: x \+ width \(4 \+ 3\) .* width 6'),
    'crop_out_of_height': ('crop', dict(x=0, y=4, width=3, height=2), (5, 6, 3), 'uint8',
                           r'_image_crop: y \+ height \(4 \+ 2\) .* height 5'),
    'crop_zero_width': ('crop', dict(x=0, y=0, width=0, height=2), (5, 6, 3), 'uint8',
                        r'_image_crop: height and width must be greater than 0'),
    'crop_2ch': ('crop', dict(x=0, y=0, width=2, height=2), (5, 6, 2), 'uint8',
                 r'_image_crop: expects 1 or 3 channels'),
    'crop_rank2': ('crop', dict(x=0, y=0, width=2, height=2), (5, 6), 'uint8',
                   r'_image_crop: expects inputs of 3D'),
    'flip_left_right_nhwc': ('flip_left_right', {}, (2, 4, 6, 3), 'uint8',
                             r'_image_flip_left_right: input image must have shape'),
    'flip_top_bottom_2ch': ('flip_top_bottom', {}, (4, 6, 2), 'uint8',
                            r'_image_flip_top_bottom: the last dimension'),
    'random_brightness_negative': ('random_brightness', dict(min_factor=-0.5, max_factor=1.0),
                                   (4, 5, 3), 'uint8', r'_image_random_brightness: .*min_factor'),
    'adjust_lighting_alpha1': ('adjust_lighting', dict(alpha=(0.2,)), (4, 5, 3), 'uint8',
                               r'_image_adjust_lighting: alpha needs 3 values'),
}
for _name in ('brightness', 'contrast', 'saturation', 'hue'):
    BAD['random_%s_4d' % _name] = ('random_' + _name, dict(min_factor=1.0, max_factor=1.0),
                                   (2, 4, 5, 3), 'uint8', r'_image_random_%s: input image must '
                                   r'have shape \(height, width, channels\)' % _name)


def test_every_refusal_is_recorded():
    assert set(BAD) == set(REFUSED)


@pytest.mark.parametrize('case', sorted(BAD))
def test_bad_input_raises(case):
    fn, attrs, shape, dtype, message = BAD[case]
    assert REFUSED[case]                       # MXNet 1.9.1 refused this combination
    with pytest.raises(mx.base.MXNetError, match=message):
        getattr(mx.nd.image, fn)(mx.nd.zeros(shape, dtype=dtype), **attrs).asnumpy()
    sym = getattr(mx.sym.image, fn)(mx.sym.var('data'), **attrs)
    with pytest.raises(mx.base.MXNetError, match=message):
        sym.simple_bind(mx.cpu(), data=shape, type_dict={'data': dtype}).forward()[0].asnumpy()


SINGLE = [c for c in DETERMINISTIC if not c.startswith('graph_')]


def test_eager_calls_match_mxnet():
    # mx.nd.image.<op>(data, **attrs) on every single-op case: the same numbers as the graph
    for case in SINGLE:
        meta, arrays = corpus.load_case(case, HERE)
        x = arrays['arg:data']
        out = getattr(mx.nd.image, meta['op'][len('_image_'):])(
            mx.nd.array(x, dtype=x.dtype), **meta['attrs'])
        corpus.close(out.asnumpy(), arrays['out:0'], meta, case)
        assert out.dtype == arrays['out:0'].dtype, case


def test_positional_parameters_and_modules():
    # MXNet's generated functions take parameters positionally after the input, as its docs'
    # examples call them: crop(image, x, y, width, height), resize(image, size, keep_ratio)
    import tfmod.ndarray.image
    import tfmod.symbol.image
    assert tfmod.ndarray.image is mx.nd.image and tfmod.symbol.image is mx.sym.image
    meta, arrays = corpus.load_case('crop_uint8_hwc', HERE)
    x = mx.nd.array(arrays['arg:data'], dtype='uint8')
    np.testing.assert_array_equal(mx.nd.image.crop(x, 1, 2, 3, 2).asnumpy(), arrays['out:0'])
    meta, arrays = corpus.load_case('resize_uint8_keep_ratio_wide', HERE)
    x = mx.nd.array(arrays['arg:data'], dtype='uint8')
    assert mx.nd.image.resize(x, 4, True).shape == (4, 6, 3)
    from tfmod_converters import registry     # MXNet 1.9.1's op list (signatures.json)
    mxnet_names = sorted(n[len('_image_'):] for n in registry.signatures()
                         if n.startswith('_image_'))
    assert len(mxnet_names) == 15
    for space in (mx.nd.image, mx.sym.image):
        assert sorted(n for n in dir(space) if not n.startswith('_')) == mxnet_names
    with mx.name.NameManager():              # nodes named by the short name, as in MXNet
        assert mx.sym.image.to_tensor(mx.sym.var('data')).name == 'to_tensor0'


# ---- where MXNet leaves the output unwritten, tfmod gives the input's values

def test_odd_flip_keeps_the_middle():
    # MXNet 1.9.1 swaps pairs and never writes the middle column / row of an odd size
    x = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    out = mx.nd.image.flip_left_right(mx.nd.array(x, dtype='uint8')).asnumpy()
    np.testing.assert_array_equal(out, x[:, ::-1])
    y = np.arange(3 * 2 * 1, dtype=np.float32).reshape(3, 2, 1)
    np.testing.assert_array_equal(mx.nd.image.flip_top_bottom(mx.nd.array(y)).asnumpy(), y[::-1])


def test_unwritten_outputs_are_the_input():
    x = mx.nd.array(np.arange(12).reshape(2, 2, 3) * 10.0)
    g = mx.nd.array(np.arange(4).reshape(2, 2, 1) * 10.0)
    for out, src in ((mx.nd.image.random_hue(g, 0.1, 0.2), g),
                     (mx.nd.image.adjust_lighting(g, alpha=(0.1, 0.2, 0.3)), g),
                     (mx.nd.image.random_lighting(g, 0.1), g),
                     (mx.nd.image.random_color_jitter(x, 0, 0, 0, 0), x),
                     (mx.nd.image.random_color_jitter(x, -0.1, 0, 0, 0), x)):
        np.testing.assert_array_equal(out.asnumpy(), src.asnumpy())


def test_crop_at_negative_offset_refused():
    # MXNet 1.9.1 reads outside the image (garbage values); tfmod refuses it
    with pytest.raises(mx.base.MXNetError, match='_image_crop: x and y must not be negative'):
        mx.nd.image.crop(mx.nd.zeros((4, 4, 3)), -1, 0, 2, 2)


def test_color_jitter_is_the_fixed_adjustments_in_its_drawn_order():
    # the lowering with a given seed against the MXNet-checked single adjustments, composed in
    # the order and with the factors that seed draws (brightness, contrast, saturation: 1 + U;
    # hue: U), for seeds giving several orders
    import tensorflow as tf
    from tfmod_converters import registry

    class Ctx:
        def __init__(self, base):
            self.base = base

        def seed(self, k=0):
            return tf.constant([self.base, k], tf.int32)
    od = registry.get('_image_random_color_jitter')
    amounts = dict(brightness=0.3, contrast=0.4, saturation=0.5, hue=0.2)
    p = od.parse({k: str(v) for k, v in amounts.items()})
    x = np.random.RandomState(3).uniform(20, 230, (4, 5, 3)).astype(np.float32)
    orders = set()
    for base in range(8):
        ctx = Ctx(base)
        got = od.lower(ctx, p, tf.constant(x)).numpy()
        order = np.argsort(tf.random.stateless_uniform([4], ctx.seed(0)).numpy(), kind='stable')
        orders.add(tuple(order))
        want = mx.nd.array(x)
        for k in order:
            name = ('brightness', 'contrast', 'saturation', 'hue')[k]
            u = tf.random.stateless_uniform([], ctx.seed(k + 1)).numpy()
            f = np.float32(-amounts[name]) + np.float32(2 * amounts[name]) * u
            f = f % 1.0 if name == 'hue' else 1 + f    # a hue turn of -f is one of 1 - f
            want = getattr(mx.nd.image, 'random_' + name)(want, float(f), float(f))
        np.testing.assert_allclose(got, want.asnumpy(), rtol=1e-4, atol=1e-3)
    assert len(orders) >= 4


def test_to_tensor_and_resize_gradients_refused():
    # MXNet 1.9.1 registers a copy of the head gradient, which fails (the shapes differ):
    # asking for these gradients raises; a network behind them still trains its weights
    x = mx.nd.ones((2, 3, 3))
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.image.to_tensor(x)
    with pytest.raises(mx.base.MXNetError, match='_image_to_tensor has no gradient'):
        y.backward()
    ex = mx.sym.image.resize(mx.sym.var('data'), size=2).simple_bind(mx.cpu(), data=(3, 3, 3))
    ex.forward(is_train=True)
    with pytest.raises(mx.base.MXNetError, match='_image_resize has no gradient'):
        ex.backward([mx.nd.ones((2, 2, 3))])
        ex.grad_dict['data'].asnumpy()          # (a backward call may run when read)
    net = mx.sym.FullyConnected(mx.sym.image.to_tensor(mx.sym.var('data')), num_hidden=2,
                                name='fc')
    ex = net.simple_bind(mx.cpu(), data=(3, 2, 3), grad_req={'data': 'null', 'fc_weight': 'write',
                                                             'fc_bias': 'write'})
    ex.arg_dict['data'][:] = 255.0
    ex.forward(is_train=True)
    ex.backward([mx.nd.ones((3, 2))])
    np.testing.assert_allclose(ex.grad_dict['fc_weight'].asnumpy(), np.full((2, 6), 3.0))


def test_gluon_export_with_transforms_predicts_mxnets_numbers():
    # net.export() of transforms.ToTensor + Normalize + Conv2D + Dense
    # (tools/record_image_transforms_export.py): the checkpoint loads into a Module that takes
    # NHWC uint8 images and predicts MXNet 1.9.1's outputs
    root = os.path.join(os.path.dirname(HERE), os.pardir, 'image_transforms_export')
    io = np.load(os.path.join(root, 'io.npz'))
    sym, args, aux = mx.model.load_checkpoint(os.path.join(root, 'transforms_net'), 0)
    assert {'_image_to_tensor', '_image_normalize'} <= {
        n['op'] for n in json.loads(sym.tojson())['nodes']}
    mod = mx.mod.Module(sym, data_names=['data'], label_names=None, context=mx.cpu())
    mod.bind([mx.io.DataDesc('data', io['images'].shape, dtype='uint8')], for_training=False)
    mod.set_params(args, aux)
    mod.forward(mx.io.DataBatch([mx.nd.array(io['images'], dtype='uint8')]), is_train=False)
    np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), io['out'], rtol=1e-4,
                               atol=1e-5)
