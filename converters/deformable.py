"""Deformable convolutions: ``_contrib_DeformableConvolution`` (DCN v1) and
``_contrib_ModulatedDeformableConvolution`` (DCN v2), 2-D, NCHW, as in GluonCV's deformable
detectors.

Each kernel tap (i, j) of output pixel (y, x) samples the input at
``(y*stride - pad + i*dilate + dy, x*stride - pad + j*dilate + dx)`` by bilinear interpolation,
with the offsets ``(dy, dx)`` read from channels ``2k`` and ``2k+1`` (k = i*kw + j) of the
offset input's block for the tap's deformable group; DCN v2 multiplies each sample by its mask
channel k. The sampled columns then meet the weights as a grouped convolution would.

MXNet's CPU kernels differ at the border, and both are kept:
- v1 samples only where ``0 <= h < H`` and ``0 <= w < W``; on the last row/column it does not
  interpolate past the edge (it clamps to that row/column);
- v2 samples where ``-1 < h < H`` and ``-1 < w < W``, neighbours outside the image reading 0.
Gradients are TF's derivatives of these samplers, which is what MXNet's backward kernels
compute away from measure-zero boundary points.
"""
import tensorflow as tf

from .base import MXNetError
from .registry import op
from . import conv as _conv


def _geometry(name, p, dshape):
    if len(p.kernel) != 2 or len(dshape) != 4:
        raise MXNetError('%s: only 2-D (NCHW) deformable convolution is implemented, got kernel '
                         '%s and data %s' % (name, tuple(p.kernel), tuple(dshape)))
    if p.layout not in (None, 'NCHW'):
        raise MXNetError('%s: layout %s is not supported (NCHW only)' % (name, p.layout))
    nd, stride, dilate, pad = _conv.geometry(p, name)
    n, c, h, w = dshape
    if c is not None:
        for what, g in (('num_group', p.num_group), ('num_deformable_group',
                                                     p.num_deformable_group)):
            if c % g:
                raise MXNetError('%s: %d input channels are not divisible by %s=%d'
                                 % (name, c, what, g))
    if p.num_filter % p.num_group:
        raise MXNetError('%s: num_filter=%d is not divisible by num_group=%d'
                         % (name, p.num_filter, p.num_group))
    out = [(s + 2 * q - (d * (k - 1) + 1)) // st + 1
           for s, q, d, k, st in zip((h, w), pad, dilate, p.kernel, stride)]
    return stride, dilate, pad, out


def _taps(size_out, stride, pad, dilate, k, dtype):
    """(k, size_out) base coordinates ``o*stride - pad + i*dilate``."""
    o = tf.range(size_out, dtype=dtype) * stride - pad
    return o[None, :] + tf.range(k, dtype=dtype)[:, None] * dilate


def _sample(data, hs, ws, mode):
    """Bilinear samples of data (N, G, Cg, H, W) at hs, ws (N, G, P) -> (N, G, Cg, P)."""
    h_size, w_size = data.shape[3], data.shape[4]
    hf, wf = tf.constant(h_size, hs.dtype), tf.constant(w_size, hs.dtype)
    h_low, w_low = tf.floor(hs), tf.floor(ws)
    if mode == 'clamp':
        inside = (hs >= 0) & (ws >= 0) & (hs < hf) & (ws < wf)
        h_edge, w_edge = h_low >= hf - 1, w_low >= wf - 1
        hs = tf.where(h_edge, h_low, hs)
        ws = tf.where(w_edge, w_low, ws)
        h_high = tf.where(h_edge, hf - 1, h_low + 1)
        w_high = tf.where(w_edge, wf - 1, w_low + 1)
    else:
        inside = (hs > -1) & (ws > -1) & (hs < hf) & (ws < wf)
        h_high, w_high = h_low + 1, w_low + 1
    lh, lw = hs - h_low, ws - w_low
    flat = tf.reshape(data, tf.concat([tf.shape(data)[:3], [h_size * w_size]], 0))

    def tap(hi, wi, weight):
        ok = inside & (hi >= 0) & (wi >= 0) & (hi <= hf - 1) & (wi <= wf - 1)
        idx = tf.cast(tf.clip_by_value(hi, 0, hf - 1) * wf + tf.clip_by_value(wi, 0, wf - 1),
                      tf.int32)
        vals = tf.gather(flat, idx, axis=3, batch_dims=2)       # (N, G, Cg, P)
        return vals * tf.expand_dims(tf.where(ok, weight, tf.zeros_like(weight)), 2)

    return (tap(h_low, w_low, (1 - lh) * (1 - lw)) + tap(h_low, w_high, (1 - lh) * lw) +
            tap(h_high, w_low, lh * (1 - lw)) + tap(h_high, w_high, lh * lw))


def _deform_conv(name, ctx, p, data, offset, mask, weight, bias, mode):
    dshape = data.shape.as_list()
    stride, dilate, pad, (ho, wo) = _geometry(name, p, dshape)
    c = dshape[1]
    kh, kw = p.kernel
    kk = kh * kw
    dg, g = p.num_deformable_group, p.num_group
    want = (2 * kk * dg, ho, wo)
    if tuple(offset.shape.as_list()[1:]) != want:
        raise MXNetError('%s: offset has shape %s, expected (batch,) + %s (2 * kernel taps * '
                         'num_deformable_group, output height, output width)'
                         % (name, tuple(offset.shape.as_list()), want))
    _conv._check_param_shape(name, 'weight', weight, (p.num_filter, c // g, kh, kw))
    dt = data.dtype
    ft = tf.float64 if dt == tf.float64 else tf.float32     # float16 computes in float32
    off = tf.reshape(tf.cast(offset, ft), [-1, dg, kk, 2, ho, wo])
    base_h = _taps(ho, stride[0], pad[0], dilate[0], kh, ft)             # (kh, ho)
    base_w = _taps(wo, stride[1], pad[1], dilate[1], kw, ft)             # (kw, wo)
    base_h = tf.reshape(tf.repeat(base_h, kw, axis=0), [1, 1, kk, ho, 1])
    base_w = tf.reshape(tf.tile(base_w, [kh, 1]), [1, 1, kk, 1, wo])
    hs = tf.reshape(base_h + off[:, :, :, 0], [-1, dg, kk * ho * wo])
    ws = tf.reshape(base_w + off[:, :, :, 1], [-1, dg, kk * ho * wo])
    x = tf.reshape(tf.cast(data, ft), [-1, dg, c // dg, dshape[2], dshape[3]])
    cols = _sample(x, hs, ws, mode)                                       # (N, dg, C/dg, P)
    if mask is not None:
        if tuple(mask.shape.as_list()[1:]) != (kk * dg, ho, wo):
            raise MXNetError('%s: mask has shape %s, expected (batch, %d, %d, %d)'
                             % (name, tuple(mask.shape.as_list()), kk * dg, ho, wo))
        m = tf.reshape(tf.cast(mask, ft), [-1, dg, 1, kk * ho * wo])
        cols = cols * m
    cols = tf.reshape(cols, [-1, g, (c // g) * kk, ho * wo])             # channel, then tap
    wmat = tf.reshape(tf.cast(weight, ft), [g, p.num_filter // g, (c // g) * kk])
    out = tf.reshape(tf.einsum('ngkp,gfk->ngfp', cols, wmat), [-1, p.num_filter, ho, wo])
    if bias is not None:
        _conv._check_param_shape(name, 'bias', bias, (p.num_filter,))
        out = out + tf.reshape(tf.cast(bias, ft), [1, -1, 1, 1])
    return tf.cast(out, dt)


def _inputs(extra):
    def fn(p):
        return ['data', 'offset'] + extra + ['weight'] + ([] if p.no_bias else ['bias'])
    return fn


def _infer(n_extra):
    def fn(p, ins, outs):
        data = ins[0]
        if data is None or len(data) != 4 or len(p.kernel) != 2:
            return ins
        ins = list(ins)
        c = data[1]
        widx = 2 + n_extra
        if ins[widx] is None and c is not None:
            ins[widx] = (p.num_filter, c // p.num_group) + tuple(p.kernel)
        if not p.no_bias and ins[widx + 1] is None:
            ins[widx + 1] = (p.num_filter,)
        return ins
    return fn


@op('_contrib_DeformableConvolution', inputs=_inputs([]), infer_inputs=_infer(0))
def deformable_convolution(ctx, p, data, offset, weight, bias=None):
    """DCN v1: bilinear samples at learned offsets, then a grouped convolution."""
    return _deform_conv('DeformableConvolution', ctx, p, data, offset, None, weight, bias,
                        'clamp')


@op('_contrib_ModulatedDeformableConvolution', inputs=_inputs(['mask']),
    infer_inputs=_infer(1))
def modulated_deformable_convolution(ctx, p, data, offset, mask, weight, bias=None):
    """DCN v2: DCN v1 with each sample scaled by its mask, zero outside the image."""
    return _deform_conv('ModulatedDeformableConvolution', ctx, p, data, offset, mask, weight,
                        bias, 'zero')
