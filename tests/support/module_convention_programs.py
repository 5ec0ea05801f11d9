"""The networks and initializer cases of the module-conventions fixture, written once for the
recorder (tools/record_module_conventions.py, run by MXNet 1.9.1) and the tests
(tests/test_module_conventions.py, tests/test_init_conventions.py, run by tfmod), so they cannot
drift apart; ``mx`` is the library under test."""


def mlp(mx, loss=True):
    """fc1 -> tanh -> fc2, ending in SoftmaxOutput (``loss``) or a plain softmax."""
    data = mx.sym.Variable('data')
    h = mx.sym.FullyConnected(data, num_hidden=4, name='fc1')
    h = mx.sym.Activation(h, act_type='tanh', name='act')
    h = mx.sym.FullyConnected(h, num_hidden=3, name='fc2')
    if loss:
        return mx.sym.SoftmaxOutput(h, name='softmax')
    return mx.sym.softmax(h, name='softmax')


# -- which initializer rule each parameter gets -------------------------------------------------
SUFFIX_NAMES = ['p_weight', 'p_bias', 'p_gamma', 'p_beta', 'p_moving_mean', 'p_moving_var',
                'p_moving_inv_var', 'p_moving_avg', 'p_running_mean', 'p_running_var',
                'p_parameters', 'p_state', 'p_state_cell', 'p_min', 'p_max', 'pmin', 'p_other',
                'upsampling0_weight', 'stn_loc_weight', 'stn_loc_bias', 'p_weight_quantize']


def initializers(mx):
    """{name: initializer factory} run over every name suffix."""
    return {
        'uniform0.5': lambda: mx.init.Uniform(0.5), 'normal0.2': lambda: mx.init.Normal(0.2),
        'xavier': lambda: mx.init.Xavier(), 'constant3': lambda: mx.init.Constant(3.0),
        'zero': lambda: mx.init.Zero(), 'one': lambda: mx.init.One(),
        'msraprelu': lambda: mx.init.MSRAPrelu(),
    }


def suffix_case(mx, name, how):
    """(what the initializer is called with, the zero array it fills) for parameter ``name``:
    an InitDesc (``how='desc'``, what Module passes) or the plain str (MXNet's legacy path)."""
    shape = (6,) if name == 'stn_loc_bias' else (40, 30)
    return (mx.init.InitDesc(name) if how == 'desc' else name), mx.nd.zeros(shape)


def module_net(mx):
    """Every op-created parameter kind: BatchNorm's moving statistics, prelu's gamma,
    IdentityAttachKLSparseReg's moving_avg, UpSampling's bilinear weight, Variable(init=...)."""
    data = mx.sym.Variable('data')
    h = mx.sym.FullyConnected(data, num_hidden=8, name='fc')
    h = mx.sym.BatchNorm(h, name='bn')
    h = mx.sym.LeakyReLU(h, act_type='prelu', name='prelu')
    h = mx.sym.IdentityAttachKLSparseReg(h, name='kl')
    h = mx.sym.LayerNorm(h, name='ln')
    h = mx.sym.reshape(h, shape=(0, 2, 2, 2))
    h = mx.sym.InstanceNorm(h, name='inorm')
    h = mx.sym.Deconvolution(h, kernel=(2, 2), num_filter=2, no_bias=True, name='dc')
    h = mx.sym.UpSampling(h, scale=2, sample_type='bilinear', num_filter=2, name='up')
    c = mx.sym.Variable('c_weight', shape=(1, 2, 1, 1), init=mx.init.Constant(7.0))
    h = mx.sym.broadcast_mul(h, c)
    e = mx.sym.Embedding(mx.sym.Variable('idx'), input_dim=5, output_dim=3, name='emb')
    return mx.sym.Group([mx.sym.MakeLoss(h, name='l1'), mx.sym.MakeLoss(e, name='l2')])


def bound_module_net(mx, net):
    mod = mx.mod.Module(net, data_names=['data', 'idx'], label_names=None)
    mod.bind([('data', (4, 10)), ('idx', (4,))])
    return mod


def load_src(mx):
    return {'fc_weight': mx.nd.full((8, 10), 0.5), 'arg:bn_gamma': mx.nd.full((8,), 2.0),
            'aux:bn_moving_var': mx.nd.full((8,), 3.0)}


def module_initializers(mx):
    """{tag: initializer factory, or None for init_params' default}."""
    return {
        'default': None, 'xavier': lambda: mx.init.Xavier(), 'one': lambda: mx.init.One(),
        'mixed': lambda: mx.init.Mixed(['.*gamma', 'fc.*', '.*'], [mx.init.Constant(2.0),
                                                                   mx.init.Normal(0.3),
                                                                   mx.init.Uniform(0.1)]),
        'load': lambda: mx.init.Load(load_src(mx), default_init=mx.init.Uniform(0.2)),
    }


def fused_rnn_cases(mx):
    """(fixture key, the RNN module's state_names, initializer): plain initializers refuse a
    fused RNN op's parameters (and its states when they are not listed as states)."""
    return [('rnn_uniform', ['rnn_state', 'rnn_state_cell'], mx.init.Uniform(0.1)),
            ('rnn_state_as_param', None,
             mx.init.Mixed(['.*parameters', '.*'], [mx.init.One(), mx.init.Uniform(0.1)]))]


def fused_rnn_module(mx, state_names):
    data = mx.sym.Variable('data')
    rnn = mx.sym.RNN(data, state_size=3, num_layers=1, mode='lstm', name='rnn')
    mod = mx.mod.Module(rnn, data_names=['data'], label_names=None, state_names=state_names)
    mod.bind([('data', (2, 4, 5))])
    return mod


# -- layouts: TNC data over two devices ----------------------------------------------------------
LAYOUT_TAGS = ('plain', 'out_tnc')


def tnc_module(mx, tag):
    """A FullyConnected over (T=3, N=4, C=5) 'TNC' data on two devices, bound with input
    gradients; its output carries ``__layout__='TNC'`` for tag 'out_tnc'."""
    data = mx.sym.Variable('data')
    attr = {'__layout__': 'TNC'} if tag == 'out_tnc' else None
    out = mx.sym.FullyConnected(data, num_hidden=2, flatten=False, name='fc', attr=attr)
    mod = mx.mod.Module(out, data_names=['data'], label_names=None,
                        context=[mx.cpu(0), mx.cpu(1)])
    mod.bind(data_shapes=[mx.io.DataDesc('data', (3, 4, 5), layout='TNC')],
             inputs_need_grad=True)
    return mod


# -- group2ctxs: where each group's arrays live --------------------------------------------------
def ctx_group_net(mx):
    data = mx.sym.Variable('data')
    with mx.AttrScope(ctx_group='dev1'):
        h = mx.sym.FullyConnected(data, num_hidden=4, name='fc1')
        h = mx.sym.BatchNorm(h, name='bn1')
    with mx.AttrScope(ctx_group='dev2'):
        h = mx.sym.FullyConnected(h, num_hidden=3, name='fc2')
        return mx.sym.SoftmaxOutput(h, name='softmax')


def ctx_group_cases(mx):
    """{tag: (context, group2ctxs)}."""
    return {
        'one_ctx': ([mx.cpu(0)], {'dev1': mx.cpu(1), 'dev2': mx.cpu(2)}),
        'one_ctx_lists': ([mx.cpu(0)], {'dev1': [mx.cpu(1)], 'dev2': [mx.cpu(2)]}),
        'two_ctx': ([mx.cpu(0), mx.cpu(1)], {'dev1': [mx.cpu(2), mx.cpu(3)],
                                             'dev2': [mx.cpu(1), mx.cpu(0)]})}


def placement(mod):
    """Each executor's arrays' contexts: what the fixture records."""
    return [{'arg': {k: str(v.context) for k, v in e.arg_dict.items()},
             'grad': {k: str(v.context) for k, v in e.grad_dict.items() if v is not None},
             'aux': {k: str(v.context) for k, v in e.aux_dict.items()},
             'out': [str(o.context) for o in e.outputs]} for e in mod._exec_group.execs]
