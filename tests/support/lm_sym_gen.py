"""The bucketing language model of MXNet's example/rnn/bucketing/lstm_bucketing.py, scaled
down as the fixtures recorded it (tests/fixtures/modules bucketing section, rnn_cells)."""
import tfmod as mx


def lm_stack():
    """Two LSTMCells of 8 units, MXNet's parameter prefixes."""
    stack = mx.rnn.SequentialRNNCell()
    for i in range(2):
        stack.add(mx.rnn.LSTMCell(num_hidden=8, prefix='lstm_l%d_' % i))
    return stack


def lm_sym_gen(stack=None):
    """sym_gen(seq_len) -> (symbol, data names, label names) unrolling ``stack``."""
    stack = stack or lm_stack()

    def sym_gen(seq_len):
        data = mx.sym.Variable('data')
        label = mx.sym.Variable('softmax_label')
        embed = mx.sym.Embedding(data=data, input_dim=20, output_dim=6, name='embed')
        stack.reset()
        outputs, _ = stack.unroll(seq_len, inputs=embed, merge_outputs=True)
        pred = mx.sym.Reshape(outputs, shape=(-1, 8))
        pred = mx.sym.FullyConnected(data=pred, num_hidden=20, name='pred')
        label = mx.sym.Reshape(label, shape=(-1,))
        pred = mx.sym.SoftmaxOutput(data=pred, label=label, name='softmax')
        return pred, ('data',), ('softmax_label',)
    return sym_gen
