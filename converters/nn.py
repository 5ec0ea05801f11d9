"""Dense layers: FullyConnected, Embedding, and the contrib SparseEmbedding (the same lookup; its
eager weight gradient stays row_sparse)."""
import tensorflow as tf

from .base import MXNetError
from .registry import op
from .dims import prod as _prod


def _fc_inputs(p):
    return ['data', 'weight'] if p.no_bias else ['data', 'weight', 'bias']


def _fc_infer_inputs(p, ins, outs):
    """As MXNet: nothing until data's rank is known; then weight (num_hidden, in), bias, and
    data's batch dim from a known output."""
    data = ins[0]
    if data is None:
        return ins
    if p.flatten:
        k = None if any(d is None for d in data[1:]) else _prod(data[1:])
    else:
        k = data[-1]
    ins[1] = (p.num_hidden, k)
    if not p.no_bias:
        ins[2] = (p.num_hidden,)
    if outs and outs[0] is not None and data[0] is None and outs[0][0] is not None:
        ins[0] = (outs[0][0],) + tuple(data[1:])
    return ins


@op('FullyConnected', inputs=_fc_inputs, infer_inputs=_fc_infer_inputs, nan_propagates=True)
def fully_connected(ctx, p, data, weight, bias=None):
    """y = x W^T + b; ``flatten`` collapses all but the first axis, else acts on the last."""
    shape = data.shape.as_list()
    if p.flatten:
        x = tf.reshape(data, [-1, _prod(shape[1:])]) if len(shape) != 2 else data
        if getattr(ctx, 'prepare', None) is not None:
            # An inference call: the kernel transposed to (in, out) once per weight change
            # (LowerContext.prepared); Eigen's MatMul reads it ~25% faster than transpose_b
            # (784x512 at batch 128). Training keeps transpose_b: a transpose per step costs more.
            y = tf.matmul(x, ctx.prepared(1, ('transpose', 1, 0), tf.transpose, weight))
        else:
            y = tf.matmul(x, weight, transpose_b=True)
    else:
        y = tf.tensordot(data, weight, [[len(shape) - 1], [1]])
    if bias is not None:
        # BiasAdd (not AddV2): Grappler fuses MatMul + BiasAdd (+ Relu) into one kernel
        y = tf.nn.bias_add(y, bias) if y.dtype == bias.dtype and bias.shape.rank == 1 else y + bias
    return y


def _embedding_infer_inputs(p, ins, outs):
    ins[1] = (p.input_dim, p.output_dim)
    return ins


def _embedding_infer_types(p, ins, outs):
    """The weight takes the output's dtype, else ``dtype``; never the (integer) indices' dtype."""
    if ins[1] is None:
        ins[1] = outs[0] if outs and outs[0] is not None else p.dtype
    return ins


@op('Embedding', infer_inputs=_embedding_infer_inputs, infer_types=_embedding_infer_types,
    index_inputs=('data',))
def embedding(ctx, p, data, weight):
    """Rows of ``weight`` (input_dim, output_dim) picked by ``data`` (indices of any dtype,
    truncated, clipped to [0, input_dim-1]); out shape data.shape + (output_dim,). The weight
    gradient accumulates repeated indices; the indices get none."""
    wshape = weight.shape.as_list()
    if len(wshape) != 2 or any(a is not None and a != b
                               for a, b in zip(wshape, (p.input_dim, p.output_dim))):
        raise MXNetError('Embedding: weight shape %s, expected (input_dim, output_dim) = %s'
                         % (tuple(wshape), (p.input_dim, p.output_dim)))
    idx = data if data.dtype in (tf.int32, tf.int64) else tf.cast(data, tf.int32)
    idx = tf.clip_by_value(idx, tf.zeros([], idx.dtype), tf.cast(p.input_dim - 1, idx.dtype))
    return tf.gather(weight, idx)


# ------------------------------------------------------------------------------------------------
# SparseEmbedding (contrib).

def _sparse_embedding_infer_inputs(p, ins, outs):
    ins[1] = (p.input_dim, p.output_dim)
    return ins


@op('_contrib_SparseEmbedding', infer_inputs=_sparse_embedding_infer_inputs,
    infer_types=lambda p, ins, outs: [ins[0], ins[1] if ins[1] is not None else p.dtype])
def sparse_embedding(ctx, p, data, weight):
    """Embedding whose weight gradient MXNet keeps row_sparse (indices clipped to [0,
    input_dim - 1]): the gather's gradient is TF's IndexedSlices, which autograd stores in a
    row_sparse ``.grad``; a bound graph's gradients are dense."""
    return embedding(ctx, p, data, weight)
