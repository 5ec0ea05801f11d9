"""Variable-length sequence ops: SequenceMask, SequenceLast, SequenceReverse.

The time axis is ``axis`` (0: TNC, 1: NTC -- SequenceReverse only supports 0, as in MXNet) and the
batch axis is the other of the first two. ``sequence_length`` (shape (batch,), any dtype, float32
by default) is only an input when ``use_sequence_length=True``; lengths are truncated to integers
and never receive a gradient. Lengths beyond the time dimension are clipped (MXNet reads out of
bounds there), as are lengths < 1 for SequenceLast.
"""
import tensorflow as tf

from .base import MXNetError
from .registry import op


def _seq_inputs(p):
    return ['data', 'sequence_length'] if p.use_sequence_length else ['data']


def _seq_infer_inputs(p, ins, outs):
    data = ins[0]
    if p.use_sequence_length and data is not None and len(data) >= 2 and ins[1] is None:
        ins[1] = (data[1 if p.axis == 0 else 0],)
    return ins


def _check_axis(p, data, name, allowed=(0, 1)):
    if p.axis not in allowed:
        raise MXNetError('%s: axis must be %s, got %d' % (
            name, ' or '.join(str(a) for a in allowed), p.axis))
    ndim = len(data.shape)
    need = 2 if p.use_sequence_length else p.axis + 1
    if ndim < need:
        raise MXNetError('%s: data must have at least %d dimensions, got shape %s'
                         % (name, need, tuple(data.shape.as_list())))


def _lengths(seq_len):
    """Integer lengths from any dtype (float lengths truncate toward zero, as MXNet's cast)."""
    return tf.cast(tf.reshape(seq_len, [-1]), tf.int32)


def _time_len(data, axis):
    t = data.shape.as_list()[axis]
    return t if t is not None else tf.shape(data)[axis]


@op('SequenceMask', inputs=_seq_inputs, infer_inputs=_seq_infer_inputs)
def sequence_mask(ctx, p, data, sequence_length=None):
    """Set steps t >= length[b] to ``value``; identity without use_sequence_length."""
    _check_axis(p, data, 'SequenceMask')
    if not p.use_sequence_length:
        return tf.identity(data)
    lens = _lengths(sequence_length)
    steps = tf.range(_time_len(data, p.axis), dtype=tf.int32)
    if p.axis == 0:
        mask = steps[:, None] < lens[None, :]          # (T, B)
    else:
        mask = lens[:, None] > steps[None, :]          # (B, T)
    ndim = len(data.shape)
    mask = tf.reshape(mask, tf.concat([tf.shape(mask), tf.ones([ndim - 2], tf.int32)], 0))
    fill = tf.cast(p.value, data.dtype)
    return tf.where(mask, data, tf.zeros_like(data) + fill)


@op('SequenceLast', inputs=_seq_inputs, infer_inputs=_seq_infer_inputs)
def sequence_last(ctx, p, data, sequence_length=None):
    """The step length[b]-1 of each sequence (the last step without use_sequence_length);
    the time axis is removed."""
    _check_axis(p, data, 'SequenceLast')
    if not p.use_sequence_length:
        return tf.gather(data, _time_len(data, p.axis) - 1, axis=p.axis)
    t = _time_len(data, p.axis)
    lens = _lengths(sequence_length)
    idx = tf.clip_by_value(lens - 1, 0, t - 1)
    b = tf.range(tf.shape(idx)[0], dtype=tf.int32)
    pairs = tf.stack([idx, b] if p.axis == 0 else [b, idx], axis=1)
    return tf.gather_nd(data, pairs)


@op('SequenceReverse', inputs=_seq_inputs, infer_inputs=_seq_infer_inputs)
def sequence_reverse(ctx, p, data, sequence_length=None):
    """Reverse the first length[b] steps of each sequence, leaving the padding in place."""
    _check_axis(p, data, 'SequenceReverse', allowed=(0,))
    if not p.use_sequence_length:
        return tf.reverse(data, [0])
    t = _time_len(data, 0)
    lens = tf.clip_by_value(_lengths(sequence_length), 0, t)
    return tf.reverse_sequence(data, lens, seq_axis=0, batch_axis=1)
