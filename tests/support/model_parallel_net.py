"""The two-group model-parallel net (fc1 + relu1 in ctx_group 'dev1', fc2 + SoftmaxOutput in
'dev2'), written once for tests/test_multidevice.py and the MXNet programs
tools/record_model_parallel.py and tools/show_mxnet_backward_placement.py (``mx`` passed in)."""


def two_group_mlp(mx, prefix=''):
    """The net; ``prefix`` goes before the layer names (the recording uses mp_ so that its
    placement logs are distinct)."""
    data = mx.sym.Variable('data')
    with mx.AttrScope(ctx_group='dev1'):
        h = mx.sym.FullyConnected(data, num_hidden=8, name=prefix + 'fc1')
        h = mx.sym.Activation(h, act_type='relu', name=prefix + 'relu1')
    with mx.AttrScope(ctx_group='dev2'):
        h = mx.sym.FullyConnected(h, num_hidden=4, name=prefix + 'fc2')
        return mx.sym.SoftmaxOutput(h, name='softmax')
