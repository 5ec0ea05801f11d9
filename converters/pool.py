"""Pooling (max/avg/sum/lp, 1-3-D, global, valid/full conventions) and UpSampling.

Pooling runs TF's native pooling kernels on channels-last data (channels-first input is
transposed around the op). MXNet's exact semantics (Pitfall 8 of the corpus):

- out = floor((in + 2p - k)/s) + 1 ('valid') or ceil(...) + 1 ('full'); a 'full' window may lie
  entirely in the padding/overhang and is kept: max gives the dtype's lowest finite value
  (-FLT_MAX), avg/sum give 0. 'same' is unusable in MXNet 1.9.1 and is refused.
- avg divisor: with count_include_pad (default True) the window clipped to [-p, in+p) (explicit
  padding counts, the ceil overhang does not); without it, the number of in-range cells.
- lp: (sum x^p)^(1/p) with x^p taken literally (p=1 is a plain sum, p=3 keeps signs; cube root of
  negatives is negative); gradient x^(p-1)/y^(p-1) and 0 where y == 0. Only p in 1, 2, 3.
- max gradients go to the first maximum of each window (TF's MaxPoolGrad does the same).
- MXNet's oneDNN build gives max pooling a hidden workspace output (2 outputs in symbol JSON's
  node_row_ptr) when a kernel is given and the layout is channels-first.

UpSampling: 'nearest' repeats pixels (several inputs are each scaled to scale x the first one's
size, then concatenated on channels or summed); 'bilinear' is a depthwise Deconvolution with a
learnable weight (C, 1, 2s - s%2, 2s - s%2), stride s, pad ceil((s-1)/2).
"""
import numpy as np
import tensorflow as tf

from . import conv as _conv
from .base import MXNetError
from . import registry
from .registry import op

_FIRST = {1: 'NCW', 2: 'NCHW', 3: 'NCDHW'}
_LAST = {1: 'NWC', 2: 'NHWC', 3: 'NDHWC'}


def _shape(x):
    return x.shape.as_list()


def _pool_layout(p, ndim):
    nd = ndim - 2
    layout = p.layout or _FIRST.get(nd)
    if layout is None or len(layout) != ndim:
        raise MXNetError('Pooling: layout %s does not fit %d-D input data' % (layout, ndim))
    return layout, layout == _LAST[nd]


def _pool_outputs(p):
    """MXNet (oneDNN build) adds a hidden workspace output for max pooling with a kernel."""
    if p.pool_type == 'max' and 1 <= len(p.kernel or ()) <= 3 and \
            (p.layout is None or p.layout in ('NCW', 'NCHW', 'NCDHW')):
        return 2
    return 1


def _check_p(p):
    if p.pool_type != 'lp':
        return 1
    if p.p_value is None:
        raise MXNetError('Pooling: pool_type=lp needs p_value')
    if p.p_value not in (1, 2, 3):
        raise MXNetError('Pooling: p value of %d is not supported yet (only 1, 2, 3)' % p.p_value)
    return p.p_value


@tf.custom_gradient
def _root2(s):
    y = tf.sqrt(s)

    def grad(g):
        return tf.where(tf.equal(y, 0), tf.zeros_like(g), g / (2 * y))
    return y, grad


@tf.custom_gradient
def _root3(s):
    y = tf.sign(s) * tf.pow(tf.abs(s), tf.constant(1.0 / 3.0, s.dtype))

    def grad(g):
        return tf.where(tf.equal(y, 0), tf.zeros_like(g), g / (3 * y * y))
    return y, grad


def _power(x, pv):
    return x if pv == 1 else (x * x if pv == 2 else x * x * x)


def _root(s, pv):
    return s if pv == 1 else (_root2(s) if pv == 2 else _root3(s))


def _lowest(dtype):
    return dtype.min


def _native_max_ok(x):
    # MaxPool3D has no float64 kernel; max_pool (1-/2-D) handles half, float, double.
    return not (len(x.shape) == 5 and x.dtype == tf.float64)


def _max_pool_slices(x, kernel, stride):
    """Max over kernel offsets of strided slices (VALID); any dtype, first-max gradients."""
    nd = len(kernel)
    spatial = _shape(x)[1:-1]
    out = [(spatial[i] - kernel[i]) // stride[i] + 1 for i in range(nd)]
    y = None
    for offs in np.ndindex(*kernel):
        sl = tuple(slice(o, o + (n - 1) * s + 1, s) for o, n, s in zip(offs, out, stride))
        v = x[(slice(None),) + sl]
        y = v if y is None else tf.maximum(y, v)
    return y


def _sum_pool(x, kernel, stride):
    """Window sums (VALID) via TF's average pooling kernel times the window size."""
    k = int(np.prod(kernel))
    y = tf.nn.avg_pool(x, list(kernel), list(stride), 'VALID')
    return y if k == 1 else y * tf.constant(k, x.dtype)


def _global_pool(x, p, pv):
    nd = len(x.shape) - 2
    axes = list(range(1, nd + 1))
    spatial = _shape(x)[1:-1]
    if p.pool_type == 'max':
        if None not in spatial and _native_max_ok(x):
            # A real pool (not reduce_max) so ties send the gradient to the first maximum.
            return tf.nn.max_pool(x, spatial, spatial, 'VALID')
        return tf.reduce_max(x, axes, keepdims=True)
    if p.pool_type == 'avg':
        return tf.reduce_mean(x, axes, keepdims=True)
    if p.pool_type == 'sum':
        return tf.reduce_sum(x, axes, keepdims=True)
    return _root(tf.reduce_sum(_power(x, pv), axes, keepdims=True), pv)


def _avg_scale(spatial, kernel, stride, pad, out, include_pad):
    """Per-window factor k/divisor (numpy, spatial-shaped) turning a mean of k cells into
    MXNet's average; None when it is 1 everywhere."""
    k = float(np.prod(kernel))
    div = np.ones(out)
    for i in range(len(kernel)):
        start = np.arange(out[i]) * stride[i] - pad[i]
        if include_pad:
            cnt = np.minimum(start + kernel[i], spatial[i] + pad[i]) - start
        else:
            cnt = np.minimum(start + kernel[i], spatial[i]) - np.maximum(start, 0)
        shape = [1] * len(kernel)
        shape[i] = out[i]
        div = div * np.maximum(cnt, 0).reshape(shape)
    scale = np.where(div > 0, k / np.where(div > 0, div, 1), 0.0)
    if np.all(scale == 1.0):
        return None
    return scale


def _onednn_avg_backward(p, dtype, kernel, stride, pad, out, include):
    """Does MXNet 1.9.1 (oneDNN build) run this avg pooling's backward through oneDNN?

    Its backward checks oneDNN's symmetric-padding condition on the *output* gradient's shape
    instead of the input's, so in 'full' mode with an overhang the forward runs MXNet's own kernel
    (divisor: the window clipped to [-p, in+p)) while the backward runs oneDNN's
    avg-include-padding (divisor: the whole kernel). Seen in the corpus case pool2d_avg_full.
    """
    return (p.pooling_convention == 'full' and include and
            dtype in (tf.float32, tf.bfloat16) and
            (p.layout is None or p.layout in ('NCW', 'NCHW', 'NCDHW')) and
            all((o + 2 * q - k) % s == 0 for o, q, k, s in zip(out, pad, kernel, stride)))


def _same_pads(spatial, kernel, stride, out, pads):
    """Are TF's 'SAME' output sizes and (before, after) paddings exactly ``out`` and
    ``pads`` (MXNet's padding plus the 'full' convention's overhang) in every spatial dim?"""
    for i, (n, k, s) in enumerate(zip(spatial, kernel, stride)):
        o = -(-n // s)
        total = max((o - 1) * s + k - n, 0)
        if o != out[i] or [total // 2, total - total // 2] != list(pads[i + 1]):
            return False
    return True


def pool_nd(x, p):
    """MXNet Pooling on channels-last x (N, *S, C)."""
    nd = len(x.shape) - 2
    pv = _check_p(p)
    if p.global_pool:
        return _global_pool(x, p, pv)
    kernel = tuple(p.kernel or ())
    if not kernel:
        raise MXNetError('Pooling: kernel must be given unless global_pool=True')
    if len(kernel) != nd:
        raise MXNetError('Pooling: a %d-D kernel %s needs %d-D input data, got %d-D'
                         % (len(kernel), kernel, len(kernel) + 2, nd + 2))
    stride = _conv._tuple(p.stride, nd, 1, 'stride', 'Pooling')
    pad = _conv._tuple(p.pad, nd, 0, 'pad', 'Pooling')
    if any(s <= 0 for s in stride) or any(k <= 0 for k in kernel):
        raise MXNetError('Pooling: kernel and stride must be positive, got kernel=%s stride=%s'
                         % (kernel, stride))
    spatial = _shape(x)[1:-1]
    if any(n is None for n in spatial):
        raise MXNetError('Pooling: spatial input dims must be known, got %s' % (_shape(x),))
    out, extra = [], []
    for i in range(nd):
        span = spatial[i] + 2 * pad[i] - kernel[i]
        if span < 0:
            raise MXNetError('Pooling: kernel size (%d) exceeds input (%d padded to %d)'
                             % (kernel[i], spatial[i], spatial[i] + 2 * pad[i]))
        if p.pooling_convention == 'full':
            o = -(-span // stride[i]) + 1
        else:
            o = span // stride[i] + 1
        out.append(o)
        # cells needed past the right padding by the last window (ceil overhang)
        extra.append(max((o - 1) * stride[i] + kernel[i] - spatial[i] - 2 * pad[i], 0))
    pads = [[0, 0]] + [[pad[i], pad[i] + extra[i]] for i in range(nd)] + [[0, 0]]
    padded = any(pad) or any(extra)
    if p.pool_type == 'max':
        if padded and _native_max_ok(x) and _same_pads(spatial, kernel, stride, out, pads):
            # TF's 'SAME' max pooling skips the padding as -inf padding would: no padded copy
            return tf.nn.max_pool(x, list(kernel), list(stride), 'SAME')
        if padded:
            x = tf.pad(x, pads, constant_values=_lowest(x.dtype))
        if _native_max_ok(x):
            return tf.nn.max_pool(x, list(kernel), list(stride), 'VALID')
        return _max_pool_slices(x, kernel, stride)
    base = _power(x, pv) if p.pool_type == 'lp' else x
    if padded:
        base = tf.pad(base, pads)
    if p.pool_type == 'avg':
        y = tf.nn.avg_pool(base, list(kernel), list(stride), 'VALID')
        include = True if p.count_include_pad is None else p.count_include_pad
        scale = _avg_scale(spatial, kernel, stride, pad, out, include)
        if scale is None:
            return y
        scaled = y * tf.constant(scale[..., None], y.dtype)
        if _onednn_avg_backward(p, x.dtype, kernel, stride, pad, out, include):
            # MXNet's forward divides by the clipped window, its oneDNN backward by the kernel.
            return y + tf.stop_gradient(scaled - y)
        return scaled
    y = _sum_pool(base, kernel, stride)
    return y if p.pool_type == 'sum' else _root(y, pv)


@op('Pooling', num_outputs=_pool_outputs, nan_propagates=lambda p: p.pool_type in ('avg', 'sum'))
def pooling(ctx, p, data):
    """N-D pooling with MXNet's conventions; see the module docstring for the quirks."""
    ndim = len(data.shape)
    if ndim not in (3, 4, 5):
        raise MXNetError('Pooling: input data should be 3D (batch, channel, x), 4D (batch, '
                         'channel, y, x) or 5D (batch, channel, d, y, x), got shape %s'
                         % (tuple(_shape(data)),))
    if p.pooling_convention == 'same':
        raise MXNetError("Pooling: pooling_convention='same' is not usable in MXNet 1.9.1 "
                         "(its shape check fails for every input); use 'valid' or 'full'")
    _, last = _pool_layout(p, ndim)
    nd = ndim - 2
    x = data if last else _conv.to_last(data, nd, ctx)
    y = pool_nd(x, p)
    y = y if last else _conv.to_first(y, nd, ctx)
    if _pool_outputs(p) == 2:
        return y, y
    return y


@op('Pooling_v1')
def pooling_v1(ctx, p, data):
    """MXNet 0.x Pooling (max/avg/sum; old model files): Pooling with its other attributes at
    their defaults, except that avg divides every window sum by the whole kernel area, also
    where a 'full' window overhangs the input."""
    raw = {k: v for k, v in p.raw.items() if not k.startswith('__')}
    if p.pool_type == 'avg':
        raw['pool_type'] = 'sum'
    full = registry.get('Pooling').parse(raw, ctx.name if ctx else '')
    y = pooling(ctx, full, data)
    y = y[0] if isinstance(y, tuple) else y
    if p.pool_type == 'avg':
        area = int(np.prod(data.shape.as_list()[2:] if p.global_pool else p.kernel))
        y = y / tf.constant(area, y.dtype)
    return y


# ----------------------------------------------------------------------------- UpSampling

def _up_inputs(p):
    if p.sample_type == 'bilinear':
        return ['data', 'weight']
    return ['arg%d' % i for i in range(p.num_args)]


def _bilinear_kernel(scale):
    return 2 * scale - scale % 2


def _up_infer_inputs(p, ins, outs):
    if p.sample_type == 'bilinear':
        data = ins[0]
        if data is not None:
            if len(data) != 4:
                raise MXNetError('UpSamplingBilinear: input data should be 4D in (batch, '
                                 'channel, y, x), got %s' % (tuple(data),))
            k = _bilinear_kernel(p.scale)
            ins[1] = (data[1], 1, k, k)
    return ins


def _upsample_nearest(x, s):
    """(N, C, H, W) -> (N, C, H*s, W*s) by pixel repetition (gradient: window sums)."""
    if s == 1:
        return x
    n, c, h, w = _shape(x)
    y = tf.reshape(x, [-1, c, h, 1, w, 1])
    y = tf.broadcast_to(y, tf.stack([tf.shape(y)[0], c, h, s, w, s]))
    return tf.reshape(y, [-1, c, h * s, w * s])


@op('UpSampling', inputs=_up_inputs, infer_inputs=_up_infer_inputs, variadic=False,
    input_var_attrs=lambda p, i: {'__init__': '["bilinear", {}]'} if i == 1 else {})
def upsampling(ctx, p, *inputs):
    """Nearest (multi-input concat/sum) or bilinear (learnable depthwise deconv) upsampling."""
    if p.scale < 1:
        raise MXNetError('UpSampling: scale must be >= 1, got %d' % p.scale)
    for t in inputs[:1] if p.sample_type == 'bilinear' else inputs:
        if len(t.shape) != 4:
            raise MXNetError('UpSampling: input data should be 4D in (batch, channel, y, x), '
                             'got shape %s' % (tuple(_shape(t)),))
    if p.sample_type == 'bilinear':
        data, weight = inputs
        c = _shape(data)[1]
        k = _bilinear_kernel(p.scale)
        if p.num_filter != c:
            raise MXNetError('UpSampling: bilinear needs num_filter equal to the number of '
                             'channels (%s), got num_filter=%d' % (c, p.num_filter))
        _conv._check_param_shape('UpSampling', 'weight', weight, (c, 1, k, k))
        pad = p.scale // 2  # = ceil((scale - 1) / 2)
        x = _conv.to_last(data, 2)
        w = ctx.prepared(1, ('deconv_filter', False, 1, 1),
                         lambda t: _conv.deconv_filter(t, (1, 1)), weight)
        y = _conv.deconv_nd(x, w, (k, k), (p.scale,) * 2, (1, 1), (pad, pad), (0, 0), c, c)
        return _conv.to_first(y, 2)
    if len(inputs) != p.num_args:
        raise MXNetError('UpSampling: num_args=%d but %d inputs given'
                         % (p.num_args, len(inputs)))
    h0, w0 = _shape(inputs[0])[2:]
    oh, ow = h0 * p.scale, w0 * p.scale
    ups = []
    for i, t in enumerate(inputs):
        h, w = _shape(t)[2:]
        if oh % h or ow % w or oh // h != ow // w:
            raise MXNetError('UpSamplingNearest: input %d of spatial size (%d, %d) cannot be '
                             'scaled to the output size (%d, %d)' % (i, h, w, oh, ow))
        ups.append(_upsample_nearest(t, oh // h))
    if len(ups) == 1:
        return ups[0]
    if p.multi_input_mode == 'sum':
        chans = {_shape(u)[1] for u in ups}
        if len(chans) != 1:
            raise MXNetError('UpSampling: number of channels must be the same when '
                             'multi_input_mode==sum, got %s' % sorted(chans))
        return tf.add_n(ups)
    return tf.concat(ups, axis=1)
