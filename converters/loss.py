"""Loss layers. Their gradients are MXNet's own (``tf.custom_gradient``) and ignore the head
gradient, exactly as MXNet's loss layers do; the forward output is the prediction."""
import tensorflow as tf

from .registry import op


def _softmax_infer_inputs(p, ins, outs):
    data = ins[0]
    if data is not None and ins[1] is None:
        if p.multi_output:
            ins[1] = (data[0],) + tuple(data[2:])
        else:
            ins[1] = tuple(data[:-1])
    return ins


def _onehot_like(label, depth, dtype):
    return tf.one_hot(tf.cast(label, tf.int32), depth, dtype=dtype)


@op('SoftmaxOutput', loss=True, infer_inputs=_softmax_infer_inputs)
def softmax_output(ctx, p, data, label):
    """softmax forward; backward grad_scale*(softmax - target) with MXNet's normalisations."""
    shape = data.shape.as_list()
    if p.multi_output:
        axis = 1
    elif p.preserve_shape:
        axis = len(shape) - 1
    else:
        axis = 1 if len(shape) > 1 else 0

    @tf.custom_gradient
    def fwd(x, lab):
        if p.multi_output or p.preserve_shape or len(shape) <= 2:
            out = tf.nn.softmax(x, axis=axis)
        else:
            flat = tf.reshape(x, [shape[0], -1])
            out = tf.reshape(tf.nn.softmax(flat, axis=1), tf.shape(x))

        def grad(dy):
            return _softmax_output_grad(p, out, lab, shape, axis), tf.zeros_like(lab)
        return out, grad
    return fwd(data, label)


def _softmax_output_grad(p, out, label, shape, axis):
    dtype = out.dtype
    k = shape[axis] if (p.multi_output or p.preserve_shape or len(shape) <= 2) else \
        int(tf.size(out) // shape[0]) if None in shape else _flat_k(shape)
    if p.multi_output:
        moved = tf.experimental.numpy.moveaxis(out, 1, -1)
        lab = label
    elif p.preserve_shape or len(shape) <= 2:
        moved = out
        lab = label
    else:
        moved = tf.reshape(out, [shape[0], -1])
        lab = tf.reshape(label, [-1])[:shape[0]]
    if label.shape.as_list() == out.shape.as_list():
        valid = tf.ones_like(moved[..., 0])
        g = moved - (tf.experimental.numpy.moveaxis(label, 1, -1) if p.multi_output else label)
    else:
        onehot = _onehot_like(lab, k, dtype)
        if p.smooth_alpha:
            a = p.smooth_alpha
            onehot = onehot * (1 - a) + (1 - onehot) * (a / (k - 1))
        g = moved - onehot
        valid = tf.ones_like(tf.cast(lab, dtype))
        if p.use_ignore:
            keep = tf.cast(tf.not_equal(tf.cast(lab, dtype), p.ignore_label), dtype)
            g = g * keep[..., None]
        if p.normalization == 'valid':
            valid = tf.cast(tf.not_equal(tf.cast(lab, dtype), p.ignore_label), dtype)
    if p.out_grad:
        g = g * moved
    scale = tf.constant(p.grad_scale, dtype)
    if p.normalization == 'batch':
        scale = scale / shape[0]
        if p.multi_output:
            scale = scale / _spatial(shape)
    elif p.normalization == 'valid':
        scale = scale / tf.maximum(tf.reduce_sum(valid), 1)
    elif p.multi_output:
        scale = scale / _spatial(shape)
    g = g * scale
    if p.multi_output:
        g = tf.experimental.numpy.moveaxis(g, -1, 1)
    elif not (p.preserve_shape or len(shape) <= 2):
        g = tf.reshape(g, shape)
    return g


def _flat_k(shape):
    n = 1
    for d in shape[1:]:
        n *= d
    return n


def _spatial(shape):
    n = 1
    for d in shape[2:]:
        n *= d
    return n
