"""The bucketed language model whose longer buckets add a layer the shorter ones lack, built
the same way on MXNet (tools/record_bucketing_multidevice.py) and on tfmod (test_bucketing.py)."""

V = 12      # vocabulary size


def extra_layer_gen(mx, extra_from, norm=False):
    """``sym_gen`` of buckets whose length >= extra_from add a hidden layer 'extra' (and with
    ``norm`` a LayerNorm 'extra_ln': parameters extra_ln_gamma/_beta)."""
    def gen(seq_len):
        data = mx.sym.Variable('data')
        h = mx.sym.Reshape(mx.sym.Embedding(data, input_dim=V, output_dim=5, name='embed'),
                           shape=(-1, 5))
        if seq_len >= extra_from:
            h = mx.sym.Activation(mx.sym.FullyConnected(h, num_hidden=5, name='extra'),
                                  act_type='tanh')
            if norm:
                h = mx.sym.LayerNorm(h, name='extra_ln')
        fc = mx.sym.FullyConnected(h, num_hidden=V, name='pred')
        label = mx.sym.Reshape(mx.sym.Variable('softmax_label'), shape=(-1,))
        return mx.sym.SoftmaxOutput(fc, label, name='softmax'), ('data',), ('softmax_label',)
    return gen
