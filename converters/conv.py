"""Convolution and Deconvolution (1-, 2- and 3-D), lowered to TensorFlow's native conv kernels.

MXNet's data layout is channels-first (NCW/NCHW/NCDHW) with weights (num_filter, C/num_group,
*kernel) for Convolution and (C, num_filter/num_group, *kernel) for Deconvolution. TensorFlow's
CPU kernels want channels-last, so the data is transposed around the op (Grappler cancels the
back-to-back transposes between consecutive ops). Channels-last layouts (NHWC/NDHWC) run natively;
their weights follow MXNet's shape rule ConvertLayout(OIHW -> NHWC) = (O, *kernel, I), as on GPU.
(MXNet 1.9.1 itself refuses NHWC Convolution on CPU.)

1-D ops run as 2-D ops over a height-1 image. Grouped and dilated convolutions use TF's native
kernels where the build supports them (oneDNN CPU builds, GPUs), otherwise portable formulations
(one conv per group; dilation through tf.nn.convolution's space-to-batch).

Deconvolution quirks: ``no_bias`` defaults to True; output = (in-1)*s - 2p + d*(k-1) + 1 + adj, with
adj < stride; ``target_shape`` overrides pad/adj: t = natural - target, pad = ceil(t/2), adj = t%2.
"""
import tensorflow as tf

from .base import MXNetError
from . import conv_grad as _conv_grad
from . import fold as _fold
from . import layout as _layout
from .registry import op

try:  # oneDNN CPU kernels support grouped and dilated convolutions (and their gradients).
    from tensorflow.python.util import _pywrap_util_port as _port
    ONEDNN = bool(_port.IsMklEnabled())
except Exception:  # pragma: no cover - depends on the TF build
    ONEDNN = False

_FIRST = {1: 'NCW', 2: 'NCHW', 3: 'NCDHW'}


# ----------------------------------------------------------------------------- geometry helpers

def _tuple(value, nd, default, name, opname):
    v = tuple(value) if value else (default,) * nd
    if len(v) != nd:
        raise MXNetError('%s: %s must have the same number of dimensions as kernel, but kernel is '
                         'set to %s while %s is %s' % (opname, name, _fmt(nd), name, tuple(value)))
    return v


def _fmt(nd):
    return '%d-D' % nd


def geometry(p, opname):
    """(nd, stride, dilate, pad) with MXNet's defaults filled in; validates the kernel."""
    kernel = tuple(p.kernel)
    nd = len(kernel)
    if nd not in (1, 2, 3):
        raise MXNetError('%s: kernel must have 1, 2 or 3 dimensions, got kernel=%s'
                         % (opname, kernel))
    if any(k <= 0 for k in kernel):
        raise MXNetError('%s: incorrect kernel size: %s' % (opname, kernel))
    stride = _tuple(p.stride, nd, 1, 'stride', opname)
    dilate = _tuple(p.dilate, nd, 1, 'dilate', opname)
    pad = _tuple(p.pad, nd, 0, 'pad', opname)
    if any(s <= 0 for s in stride):
        raise MXNetError('%s: incorrect stride size: %s' % (opname, stride))
    if any(d <= 0 for d in dilate):
        raise MXNetError('%s: incorrect dilate size: %s' % (opname, dilate))
    return nd, stride, dilate, pad


def layout_of(p, nd, opname):
    """(layout, channels_last) for an nd-D kernel; MXNet's default is channels-first."""
    layout = p.layout or _FIRST[nd]
    if len(layout) != nd + 2:
        raise MXNetError('%s: layout %s does not fit a %d-D kernel %s (use %s)'
                         % (opname, layout, nd, tuple(p.kernel), _FIRST[nd]))
    return layout, layout != _FIRST[nd]


def to_last(x, nd, ctx=None):
    """NC* -> N*C (the tensor's channels-last twin when it has one, see layout.py)."""
    return _layout.channels_last(ctx, x, nd)


def to_first(x, nd, ctx=None):
    """N*C -> NC* (remembering x as the result's channels-last twin)."""
    return _layout.channels_first(ctx, x, nd)


def _shape(x):
    return x.shape.as_list()


def _batch(x):
    b = x.shape[0]
    return b if b is not None else tf.shape(x)[0]


def _check_data(opname, dshape, nd):
    if len(dshape) != nd + 2:
        names = {1: 'batch-num_filter-x', 2: 'batch-num_filter-y-x',
                 3: 'batch-num_filter-depth-y-x'}
        raise MXNetError('%s: input data should be %dD in %s (kernel=%d-D), got shape %s'
                         % (opname, nd + 2, names[nd], nd, tuple(dshape)))


def _channels_first_shape(shape, channels_last):
    """An N*C shape as N C * (for checks written in MXNet's standard layout)."""
    if shape is None or not channels_last:
        return shape
    return (shape[0], shape[-1]) + tuple(shape[1:-1])


def _channels_last_shape(shape, channels_last):
    if shape is None or not channels_last:
        return shape
    return (shape[0],) + tuple(shape[2:]) + (shape[1],)


def dilate_kernel(w, dilate):
    """Insert d-1 zeros between kernel taps: w (*k, I, O) -> (*(d*(k-1)+1), I, O)."""
    for axis, d in enumerate(dilate):
        if d == 1:
            continue
        k = w.shape[axis]
        w = tf.expand_dims(w, axis + 1)
        paddings = [[0, 0]] * len(w.shape)
        paddings[axis + 1] = [0, d - 1]
        w = tf.pad(w, paddings)
        shape = _shape(w)
        w = tf.reshape(w, shape[:axis] + [k * d] + shape[axis + 2:])
        w = w[(slice(None),) * axis + (slice(0, (k - 1) * d + 1),)]
    return w


# ----------------------------------------------------------------------------- convolution core

def _pad_spatial(x, pads):
    """Zero-pad the spatial dims of a channels-last tensor; pads: [(before, after)] per dim."""
    if not any(a or b for a, b in pads):
        return x
    return tf.pad(x, [[0, 0]] + [list(q) for q in pads] + [[0, 0]])


def _subsample(y, stride):
    if all(s == 1 for s in stride):
        return y
    return y[(slice(None),) + tuple(slice(None, None, s) for s in stride)]


def _same_ok(n, dk, s, q):
    """Does TF's 'SAME' padding give exactly MXNet's symmetric padding q for this dim?"""
    if n is None:
        return False
    out = (n + 2 * q - dk) // s + 1
    total = max((out - 1) * s + dk - n, 0)
    return -(-n // s) == out and total // 2 == q


def _padded(x, kernel, stride, dilate, pad, explicit=False):
    """(x, padding) for a channels-last conv: 'SAME' when it equals MXNet's padding (no copy,
    oneDNN pads natively); else, with ``explicit`` (Conv2D), TF's explicit padding list, which
    pads inside the kernel (bitwise the same values and gradients as a Pad op, 9-15% less CPU
    for ResNet's stride-2 3x3 convolutions -- a ResNet-20 training step 0.94x the CPU time --
    and Grappler still fuses it with BiasAdd, FusedBatchNorm and Relu); else the input
    zero-padded by a Pad op and 'VALID'."""
    spatial = _shape(x)[1:-1]
    if any(pad) and all(_same_ok(n, d * (k - 1) + 1, s, q)
                        for n, k, s, d, q in zip(spatial, kernel, stride, dilate, pad)):
        return x, 'SAME'
    if explicit and any(pad):
        return x, [[0, 0]] + [[q, q] for q in pad] + [[0, 0]]
    return _pad_spatial(x, [(q, q) for q in pad]), 'VALID'


def _conv_plain(x, w, stride, dilate, pad):
    """Conv of channels-last x (N,*S,C) with w (*k, C/g, F), nd 2 or 3 (grouped only in 2-D)."""
    nd = len(stride)
    kernel = _shape(w)[:nd]
    dilated = any(d != 1 for d in dilate)
    # TF's static shape function for Conv3D swaps the H and W dilations: 3-D stays portable.
    if not dilated or (ONEDNN and nd == 2):
        # 3-D convolutions have no explicit padding mode in TF
        x, padding = _padded(x, kernel, stride, dilate, pad, explicit=nd == 2)
        strides = [1] + list(stride) + [1]
        if nd == 2 and not dilated and not ONEDNN:
            return _conv_grad.conv2d(x, w, stride, pad, padding)
        if nd == 2:
            return tf.nn.conv2d(x, w, strides, padding, dilations=list(dilate))
        return tf.nn.conv3d(x, w, strides, padding, dilations=[1] + list(dilate) + [1])
    # Portable dilation: space-to-batch at stride 1, then keep every stride-th output.
    x = _pad_spatial(x, [(q, q) for q in pad])
    y = tf.nn.convolution(x, w, strides=1, padding='VALID', dilations=list(dilate))
    return _subsample(y, stride)


def _conv_depthwise(x, w, stride, dilate, pad, mult):
    """Depthwise 2-D conv: x (N,H,W,C), w (kh,kw,1,C*mult) in MXNet's channel order c*mult+m."""
    kh, kw, _, f = _shape(w)
    c = f // mult
    wd = tf.reshape(w, [kh, kw, c, mult])
    if any(d != 1 for d in dilate):
        x = _pad_spatial(x, [(q, q) for q in pad])
        y = tf.nn.depthwise_conv2d(x, wd, [1, 1, 1, 1], 'VALID', dilations=list(dilate))
        return _subsample(y, stride)
    if stride[0] != stride[1] and not ONEDNN:
        # TF's portable depthwise kernel wants equal strides.
        x = _pad_spatial(x, [(q, q) for q in pad])
        return _subsample(tf.nn.depthwise_conv2d(x, wd, [1, 1, 1, 1], 'VALID'), stride)
    # no explicit padding: Grappler's shape inference aborts the process on an explicitly padded
    # DepthwiseConv2dNative under TF_ENABLE_ONEDNN_OPTS=1 (TF 2.21)
    x, padding = _padded(x, (kh, kw), stride, dilate, pad)
    return tf.nn.depthwise_conv2d(x, wd, [1] + list(stride) + [1], padding)


def conv_nd(x, w, stride, dilate, pad, groups):
    """MXNet convolution on channels-last x (N,*S,C) with w (*k, C/groups, F) -> (N,*S',F)."""
    nd = len(stride)
    if nd == 1:
        # The dummy height-1 dim copies the stride: no effect there, but equal strides keep the
        # portable depthwise kernels usable.
        y = conv_nd(tf.expand_dims(x, 1), tf.expand_dims(w, 0), tuple(stride) * 2,
                    (1,) + tuple(dilate), (0,) + tuple(pad), groups)
        return tf.squeeze(y, 1)
    c = _shape(x)[-1]
    f = _shape(w)[-1]
    if groups == 1:
        return _conv_plain(x, w, stride, dilate, pad)
    if nd == 2 and groups == c:
        return _conv_depthwise(x, w, stride, dilate, pad, f // groups)
    if nd == 2 and ONEDNN:
        # TF infers the groups from the filter's input depth.
        return _conv_plain(x, w, stride, dilate, pad)
    xs = tf.split(x, groups, axis=-1)
    ws = tf.split(w, groups, axis=-1)
    return tf.concat([_conv_plain(a, b, stride, dilate, pad) for a, b in zip(xs, ws)], -1)


# ----------------------------------------------------------------------------- Convolution

def _conv_inputs(p):
    return ['data', 'weight'] if p.no_bias else ['data', 'weight', 'bias']


def _check_groups(opname, p, c):
    g = p.num_group
    if g <= 0:
        raise MXNetError('%s: num_group must be positive, got %d' % (opname, g))
    if c is not None and c % g:
        raise MXNetError('%s: input channels (%d) must be divisible by num_group (%d)'
                         % (opname, c, g))
    if p.num_filter % g:
        raise MXNetError('%s: num_filter (%d) must be divisible by num_group (%d)'
                         % (opname, p.num_filter, g))


def _conv_infer_inputs(p, ins, outs):
    nd, stride, dilate, pad = geometry(p, 'Convolution')
    _, last = layout_of(p, nd, 'Convolution')
    data = ins[0]
    if data is None:
        return ins
    _check_data('Convolution', data, nd)
    d = list(_channels_first_shape(tuple(data), last))
    c = d[1]
    _check_groups('Convolution', p, c)
    wshape = (p.num_filter, None if c is None else c // p.num_group) + tuple(p.kernel)
    if last:
        wshape = (wshape[0],) + wshape[2:] + (wshape[1],)
    ins[1] = wshape
    if not p.no_bias:
        ins[2] = (p.num_filter,)
    # Back-fill unknown data dims from a known output: batch always, spatial dims at stride 1.
    out = _channels_first_shape(outs[0], last) if outs else None
    if out is not None and any(x is None for x in d):
        if d[0] is None:
            d[0] = out[0]
        for i in range(nd):
            if d[2 + i] is None and out[2 + i] is not None and stride[i] == 1:
                d[2 + i] = out[2 + i] + dilate[i] * (p.kernel[i] - 1) - 2 * pad[i]
        ins[0] = _channels_last_shape(tuple(d), last)
    return ins


def _check_param_shape(opname, name, tensor, expected):
    got = tuple(_shape(tensor))
    if len(got) != len(expected) or any(a is not None and a != b for a, b in zip(got, expected)):
        raise MXNetError('%s: %s has shape %s, expected %s' % (opname, name, got, tuple(expected)))


@op('Convolution', inputs=_conv_inputs, infer_inputs=_conv_infer_inputs, nan_propagates=True)
def convolution(ctx, p, data, weight, bias=None):
    """N-D convolution (cross-correlation) with MXNet's stride/pad/dilate/num_group semantics."""
    nd, stride, dilate, pad = geometry(p, 'Convolution')
    _, last = layout_of(p, nd, 'Convolution')
    dshape = _shape(data)
    _check_data('Convolution', dshape, nd)
    c = dshape[-1] if last else dshape[1]
    _check_groups('Convolution', p, c)
    spatial = dshape[1:-1] if last else dshape[2:]
    for i, s in enumerate(spatial):
        dk = dilate[i] * (p.kernel[i] - 1) + 1
        if s is not None and dk > s + 2 * pad[i]:
            raise MXNetError('Convolution: kernel size exceeds input: dilated kernel %d vs padded '
                             'input %d in spatial dim %d' % (dk, s + 2 * pad[i], i))
    cg = c // p.num_group if c is not None else None
    if last:
        _check_param_shape('Convolution', 'weight', weight,
                           (p.num_filter,) + tuple(p.kernel) + (cg,))
        x = data
    else:
        _check_param_shape('Convolution', 'weight', weight,
                           (p.num_filter, cg) + tuple(p.kernel))
        x = to_last(data, nd, ctx)
    # the kernel as TF wants it (*k, C, F): cached across inference calls (LowerContext.prepared)
    perm = list(range(1, nd + 2)) + [0] if last else list(range(2, nd + 2)) + [1, 0]
    if ctx.prepare is None:     # (the shared permutation belongs to this call's graph)
        w = _layout.transpose(ctx, weight, perm)
    else:
        w = ctx.prepared(1, ('transpose',) + tuple(perm), lambda t: tf.transpose(t, perm),
                         weight)
    y = conv_nd(x, w, stride, dilate, pad, p.num_group)
    if bias is not None:
        _check_param_shape('Convolution', 'bias', bias, (p.num_filter,))
        # BiasAdd (not AddV2): Grappler fuses Conv2D + BiasAdd (+ Relu) into one kernel
        if y.dtype == bias.dtype:
            plain, y = y, tf.nn.bias_add(y, bias)
            _fold.remember_bias(ctx, y, plain, bias)
        else:
            y = y + bias
    return y if last else to_first(y, nd, ctx)


@op('Convolution_v1', inputs=_conv_inputs, infer_inputs=_conv_infer_inputs)
def convolution_v1(ctx, p, data, weight, bias=None):
    """MXNet 0.x Convolution (old model files): Convolution's attributes and arithmetic; 2-D
    only, as MXNet ("Volume convolution is not implemented")."""
    if len(p.kernel) != 2:
        raise MXNetError('Convolution_v1 "%s": only 2-D kernels are implemented (MXNet has no '
                         'volume or 1-D Convolution_v1), got kernel %s'
                         % (ctx.name if ctx else '', tuple(p.kernel)))
    return convolution(ctx, p, data, weight, bias)


# ----------------------------------------------------------------------------- Deconvolution

def deconv_pad_adj(p, nd, stride, dilate, spatial, opname='Deconvolution'):
    """(pad, adj) per dim; target_shape (if any entry is nonzero) overrides pad and adj."""
    pad = _tuple(p.pad, nd, 0, 'pad', opname)
    adj = _tuple(p.adj, nd, 0, 'adj', opname)
    target = tuple(p.target_shape or ())
    if target and any(t != 0 for t in target):
        if len(target) != nd:
            raise MXNetError('%s: target_shape %s must have %d dimensions'
                             % (opname, target, nd))
        pad, adj = [], []
        for i in range(nd):
            if spatial[i] is None:
                pad.append(None)
                adj.append(None)
                continue
            natural = stride[i] * (spatial[i] - 1) + dilate[i] * (p.kernel[i] - 1) + 1
            if natural < target[i]:
                raise MXNetError('%s: too big target shape %s for input spatial shape %s'
                                 % (opname, target, tuple(spatial)))
            t = natural - target[i]
            pad.append((t + 1) // 2)
            adj.append(t % 2)
        pad, adj = tuple(pad), tuple(adj)
    for i in range(nd):
        if adj[i] is not None and adj[i] > stride[i] - 1:
            raise MXNetError('%s: adj (%d) must be smaller than stride (%d) in dim %d%s'
                             % (opname, adj[i], stride[i], i,
                                ' (implied by target_shape)' if target else ''))
    return pad, adj


def _deconv_out_size(n, k, s, d, pd, a):
    if n is None or pd is None:
        return None
    return s * (n - 1) + d * (k - 1) + 1 - 2 * pd + a


def _conv_transpose_plain(x, w, out_spatial, full_spatial, stride, pad):
    """Transposed conv of channels-last x with w (*k, F, C) (kernel already dilated).

    The result has spatial size ``full_spatial`` (= natural + adj) before cropping ``pad`` cells
    from the front of each dim and keeping ``out_spatial`` cells.
    """
    nd = len(stride)
    n = _batch(x)
    f = _shape(w)[-2]
    if nd == 2:
        # Explicit padding (p, p): the exact adjoint of the padded forward conv, no crop needed.
        oshape = _out_shape(n, out_spatial, f)
        padding = [[0, 0]] + [[q, q] for q in pad] + [[0, 0]] if any(pad) else 'VALID'
        y = tf.nn.conv2d_transpose(x, w, oshape, [1] + list(stride) + [1], padding)
        if not isinstance(n, int):
            y = tf.ensure_shape(y, [None] + list(out_spatial) + [f])
        return y
    oshape = _out_shape(n, full_spatial, f)
    y = tf.nn.conv3d_transpose(x, w, oshape, [1] + list(stride) + [1], 'VALID')
    if not isinstance(n, int):
        y = tf.ensure_shape(y, [None] + list(full_spatial) + [f])
    return y[(slice(None),) + tuple(slice(pad[i], pad[i] + out_spatial[i]) for i in range(nd))]


def _out_shape(n, spatial, f):
    if isinstance(n, int):
        return [n] + list(spatial) + [f]
    return tf.stack([n] + [tf.constant(s) for s in spatial] + [tf.constant(f)])


def _deconv_depthwise(x, w, out_spatial, full_spatial, stride, pad):
    """Transposed conv where each output channel f reads input channels f*mult .. f*mult+mult-1.

    x (N,H,W,C), w (kh,kw,F,mult) in depthwise-filter form; the adjoint of a depthwise conv.
    """
    n = _batch(x)
    f = _shape(w)[2]
    sizes = _out_shape(n, full_spatial, f)
    y = tf.nn.depthwise_conv2d_backprop_input(sizes, w, x, [1] + list(stride) + [1], 'VALID')
    if not isinstance(n, int):
        y = tf.ensure_shape(y, [None] + list(full_spatial) + [f])
    return y[(slice(None),) + tuple(slice(pad[i], pad[i] + out_spatial[i]) for i in range(2))]


def deconv_filter(weight, dilate):
    """MXNet's deconvolution weight (C, F/g, *k) as TF's transposed-conv filter (*k', F/g, C),
    k' the dilated kernel: a function of the weight alone (cached by inference calls)."""
    nd = len(dilate)
    return dilate_kernel(tf.transpose(weight, list(range(2, nd + 2)) + [1, 0]), dilate)


def deconv_nd(x, w, kernel, stride, dilate, pad, adj, groups, num_filter):
    """MXNet deconvolution of channels-last x (N,*S,C) with filter w = deconv_filter(weight,
    dilate) (*k', F/g, C)."""
    nd = len(stride)
    if nd == 1:
        y = deconv_nd(tf.expand_dims(x, 1), tf.expand_dims(w, 0), (1,) + tuple(kernel),
                      tuple(stride) * 2, (1,) + tuple(dilate), (0,) + tuple(pad),
                      (0,) + tuple(adj), groups, num_filter)
        return tf.squeeze(y, 1)
    spatial = _shape(x)[1:-1]
    c = _shape(x)[-1]
    natural = [stride[i] * (spatial[i] - 1) + dilate[i] * (kernel[i] - 1) + 1 for i in range(nd)]
    out = [natural[i] - 2 * pad[i] + adj[i] for i in range(nd)]
    if any(o <= 0 for o in out):
        raise MXNetError('Deconvolution: output size %s is not positive (pad %s too large)'
                         % (tuple(out), tuple(pad)))
    full = [natural[i] + adj[i] for i in range(nd)]
    fg = num_filter // groups
    if groups == 1:
        return _conv_transpose_plain(x, w, out, full, stride, pad)
    if nd == 2 and fg == 1 and (stride[0] == stride[1] or ONEDNN):
        # Output channel f reads input channels f*mult..: (*k, 1, C) -> (*k, F, mult).
        mult = c // groups
        wd = tf.reshape(w, _shape(w)[:nd] + [groups, mult])
        return _deconv_depthwise(x, wd, out, full, stride, pad)
    xs = tf.split(x, groups, axis=-1)
    ws = tf.split(w, groups, axis=-1)
    return tf.concat([_conv_transpose_plain(a, b, out, full, stride, pad)
                      for a, b in zip(xs, ws)], -1)


def _deconv_infer_inputs(p, ins, outs):
    nd, stride, dilate, _ = geometry(p, 'Deconvolution')
    _, last = layout_of(p, nd, 'Deconvolution')
    data = ins[0]
    if data is None:
        return ins
    _check_data('Deconvolution', data, nd)
    d = _channels_first_shape(tuple(data), last)
    _check_groups('Deconvolution', p, d[1])
    wshape = (d[1], p.num_filter // p.num_group) + tuple(p.kernel)
    if last:
        wshape = (wshape[0],) + wshape[2:] + (wshape[1],)
    ins[1] = wshape
    if not p.no_bias:
        ins[2] = (p.num_filter,)
    return ins


@op('Deconvolution', inputs=_conv_inputs, infer_inputs=_deconv_infer_inputs, nan_propagates=True)
def deconvolution(ctx, p, data, weight, bias=None):
    """Transposed convolution (the gradient of Convolution w.r.t. its data), MXNet semantics."""
    nd, stride, dilate, _ = geometry(p, 'Deconvolution')
    _, last = layout_of(p, nd, 'Deconvolution')
    dshape = _shape(data)
    _check_data('Deconvolution', dshape, nd)
    c = dshape[-1] if last else dshape[1]
    _check_groups('Deconvolution', p, c)
    spatial = dshape[1:-1] if last else dshape[2:]
    if any(s is None for s in spatial):
        raise MXNetError('Deconvolution: spatial input dims must be known, got %s'
                         % (tuple(dshape),))
    pad, adj = deconv_pad_adj(p, nd, stride, dilate, spatial)
    fg = p.num_filter // p.num_group
    if last:
        _check_param_shape('Deconvolution', 'weight', weight, (c,) + tuple(p.kernel) + (fg,))
        x = data
    else:
        _check_param_shape('Deconvolution', 'weight', weight, (c, fg) + tuple(p.kernel))
        x = to_last(data, nd, ctx)

    def tf_filter(wt):
        if last:    # (C, *k, F/g) -> (C, F/g, *k)
            wt = tf.transpose(wt, [0, nd + 1] + list(range(1, nd + 1)))
        return deconv_filter(wt, dilate)
    # cached across inference calls (LowerContext.prepared), as Convolution's kernel
    w = ctx.prepared(1, ('deconv_filter', last) + tuple(dilate), tf_filter, weight)
    y = deconv_nd(x, w, tuple(p.kernel), stride, dilate, pad, adj, p.num_group, p.num_filter)
    target = tuple(p.target_shape or ())
    if target and any(t != 0 for t in target):
        got = _shape(y)[1:-1]
        for i, t in enumerate(target):
            if t and got[i] != t:
                raise MXNetError('Deconvolution: target_shape %s was not reasonable, please set '
                                 'it carefully (output would be %s)' % (target, tuple(got)))
    if bias is not None:
        _check_param_shape('Deconvolution', 'bias', bias, (p.num_filter,))
        y = y + bias
    return y if last else to_first(y, nd, ctx)
