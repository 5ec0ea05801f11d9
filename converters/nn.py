"""Dense layers: FullyConnected, Embedding."""
import tensorflow as tf

from .base import MXNetError
from .registry import op


def _prod(xs):
    n = 1
    for x in xs:
        n *= x
    return n


def _fc_inputs(p):
    return ['data', 'weight'] if p.no_bias else ['data', 'weight', 'bias']


def _fc_infer_inputs(p, ins, outs):
    data = ins[0]
    if data is not None:
        if p.flatten:
            k = None if any(d is None for d in data[1:]) else _prod(data[1:])
        else:
            k = data[-1]
        ins[1] = (p.num_hidden, k)
    elif ins[1] is not None and outs[0] is not None:
        pass
    if not p.no_bias:
        ins[2] = (p.num_hidden,)
    return ins


@op('FullyConnected', inputs=_fc_inputs, infer_inputs=_fc_infer_inputs)
def fully_connected(ctx, p, data, weight, bias=None):
    """y = x W^T + b; ``flatten`` collapses all but the first axis, else acts on the last."""
    shape = data.shape.as_list()
    if p.flatten:
        x = tf.reshape(data, [-1, _prod(shape[1:])]) if len(shape) != 2 else data
        y = tf.matmul(x, weight, transpose_b=True)
    else:
        y = tf.tensordot(data, weight, [[len(shape) - 1], [1]])
    if bias is not None:
        y = y + bias
    return y
