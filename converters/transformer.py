"""Fused multi-head attention products of MXNet's contrib Transformer ops (GluonNLP BERT /
Transformer symbols): ``_contrib_interleaved_matmul_{selfatt,encdec}_{qk,valatt}``.

Layouts (seq-major, as MXNet): the self-attention projection ``queries_keys_values`` is
(T, B, heads * 3 * head_dim) with q, k, v INTERLEAVED PER HEAD -- the last axis reads
[q_0 k_0 v_0 q_1 k_1 v_1 ...], each block head_dim wide; encoder-decoder ``keys_values`` is
(T, B, heads * 2 * head_dim) with [k_h v_h] per head and ``queries`` (T, B, heads * head_dim).
Attention maps are (B * heads, Tq, Tk), batch-major then head. The qk products are scaled by
1/sqrt(head_dim). Gradients are TF's autodiff of these products (MXNet's backward kernels compute
the same; the value part of qkv gets a zero gradient from the qk op).
"""
import math

import tensorflow as tf

from .base import MXNetError
from .registry import op
from .dims import dims as _dims


def _shape(dims):
    """A reshape target from a list of ints / scalar tensors."""
    if all(isinstance(d, int) for d in dims):
        return dims
    return tf.stack([tf.cast(d, tf.int32) for d in dims])


def _check_3d(x, what, op_name):
    if x.shape.rank != 3:
        raise MXNetError('%s: input %s should be 3-D (seq_length, batch, proj_dim), got shape %s'
                         % (op_name, what, tuple(x.shape.as_list())))


def _head_dim(width, parts, heads, what, op_name):
    if heads <= 0:
        raise MXNetError('%s: heads must be positive, got %d' % (op_name, heads))
    if width is None:
        raise MXNetError('%s: the last dim of %s must be known' % (op_name, what))
    if width % (parts * heads):
        raise MXNetError('%s: %s.shape[2] = %d is not a multiple of %d * heads (heads=%d)'
                         % (op_name, what, width, parts, heads))
    return width // (parts * heads)


def _split_heads(x, heads, parts, hd, index):
    """(T, B, heads*parts*hd) -> part ``index`` as (B*heads, T, hd)."""
    t, b, _ = _dims(x)
    y = tf.reshape(x, _shape([t, b, heads, parts, hd]))[:, :, :, index, :]
    y = tf.transpose(y, [1, 2, 0, 3])
    return tf.reshape(y, _shape([b * heads, t, hd]))


def _merge_heads(y, heads, hd):
    """(B*heads, T, hd) -> (T, B, heads*hd)."""
    bh, t, _ = _dims(y)
    b = bh // heads
    y = tf.reshape(y, _shape([b, heads, t, hd]))
    y = tf.transpose(y, [2, 0, 1, 3])
    return tf.reshape(y, _shape([t, b, heads * hd]))


def _scale(hd, dtype):
    return tf.cast(tf.constant(1.0 / math.sqrt(float(hd)), tf.float32), dtype)


@op('_contrib_interleaved_matmul_selfatt_qk')
def selfatt_qk(ctx, p, queries_keys_values):
    """(T, B, heads*3*hd) -> (B*heads, T, T): q_i . k_j / sqrt(hd) per batch and head."""
    name = 'interleaved_matmul_selfatt_qk'
    _check_3d(queries_keys_values, 'queries_keys_values', name)
    hd = _head_dim(queries_keys_values.shape[2], 3, p.heads, 'queries_keys_values', name)
    q = _split_heads(queries_keys_values, p.heads, 3, hd, 0)
    k = _split_heads(queries_keys_values, p.heads, 3, hd, 1)
    return tf.matmul(q, k, transpose_b=True) * _scale(hd, q.dtype)


def _check_att(att, bh, tq, tk, op_name):
    if att.shape.rank != 3:
        raise MXNetError('%s: attention should be 3-D (batch*heads, seq_length, seq_length), '
                         'got shape %s' % (op_name, tuple(att.shape.as_list())))
    s = att.shape.as_list()
    for got, want, what in ((s[0], bh, 'attention.shape[0] (batch*heads)'),
                            (s[1], tq, 'attention.shape[1] (query length)'),
                            (s[2], tk, 'attention.shape[2] (key length)')):
        if got is not None and want is not None and got != want:
            raise MXNetError('%s: %s is %d, expected %d' % (op_name, what, got, want))


@op('_contrib_interleaved_matmul_selfatt_valatt')
def selfatt_valatt(ctx, p, queries_keys_values, attention):
    """attention (B*heads, T, T) times the values of qkv -> (T, B, heads*hd)."""
    name = 'interleaved_matmul_selfatt_valatt'
    _check_3d(queries_keys_values, 'queries_keys_values', name)
    s = queries_keys_values.shape.as_list()
    if s[2] is not None and s[2] % 3:
        raise MXNetError('%s: queries_keys_values.shape[2] should be a multiple of 3, got %d'
                         % (name, s[2]))
    hd = _head_dim(s[2], 3, p.heads, 'queries_keys_values', name)
    _check_att(attention, None if s[1] is None else s[1] * p.heads, s[0], s[0], name)
    v = _split_heads(queries_keys_values, p.heads, 3, hd, 2)
    return _merge_heads(tf.matmul(attention, v), p.heads, hd)


@op('_contrib_interleaved_matmul_encdec_qk')
def encdec_qk(ctx, p, queries, keys_values):
    """queries (Tq, B, heads*hd), keys_values (Tk, B, heads*2*hd) -> (B*heads, Tq, Tk)."""
    name = 'interleaved_matmul_encdec_qk'
    _check_3d(queries, 'queries', name)
    _check_3d(keys_values, 'keys_values', name)
    qs, ks = queries.shape.as_list(), keys_values.shape.as_list()
    if qs[2] is not None and ks[2] is not None and 2 * qs[2] != ks[2]:
        raise MXNetError('%s: keys_values.shape[2] should be equal to queries.shape[2] * 2, '
                         'got %d and %d' % (name, ks[2], qs[2]))
    if qs[1] is not None and ks[1] is not None and qs[1] != ks[1]:
        raise MXNetError('%s: queries.shape[1] should be equal to keys_values.shape[1], got %d '
                         'and %d' % (name, qs[1], ks[1]))
    hd = _head_dim(qs[2], 1, p.heads, 'queries', name)
    q = _split_heads(queries, p.heads, 1, hd, 0)
    k = _split_heads(keys_values, p.heads, 2, hd, 0)
    return tf.matmul(q, k, transpose_b=True) * _scale(hd, q.dtype)


@op('_contrib_interleaved_matmul_encdec_valatt')
def encdec_valatt(ctx, p, keys_values, attention):
    """attention (B*heads, Tq, Tk) times the values of keys_values -> (Tq, B, heads*hd)."""
    name = 'interleaved_matmul_encdec_valatt'
    _check_3d(keys_values, 'keys_values', name)
    ks = keys_values.shape.as_list()
    hd = _head_dim(ks[2], 2, p.heads, 'keys_values', name)
    _check_att(attention, None if ks[1] is None else ks[1] * p.heads, None, ks[0], name)
    v = _split_heads(keys_values, p.heads, 2, hd, 1)
    return _merge_heads(tf.matmul(attention, v), p.heads, hd)


# ----------------------------------------------------------------------------------------------
# The oneDNN-fused forms MXNet's ``optimize_for('MKLDNN')`` writes into exported BERT symbols:
# unquantized they compute exactly the interleaved products above.

def _not_quantized(p, what):
    if p.quantized:
        raise MXNetError('%s: quantized (int8) graphs are not supported by tfmod; export the '
                         'float model instead' % what)


@op('_sg_mkldnn_selfatt_qk')
def sg_selfatt_qk(ctx, p, queries_keys_values):
    """oneDNN-fused interleaved_matmul_selfatt_qk (float only)."""
    _not_quantized(p, '_sg_mkldnn_selfatt_qk')
    return selfatt_qk(ctx, p, queries_keys_values)


@op('_sg_mkldnn_selfatt_valatt')
def sg_selfatt_valatt(ctx, p, queries_keys_values, attention):
    """oneDNN-fused interleaved_matmul_selfatt_valatt (float only)."""
    _not_quantized(p, '_sg_mkldnn_selfatt_valatt')
    return selfatt_valatt(ctx, p, queries_keys_values, attention)
