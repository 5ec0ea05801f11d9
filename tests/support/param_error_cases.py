"""The set_params / init_params calls whose exceptions MXNet 1.9.1 defines, written once for the
recorder (tools/record_module_conventions.py, run by MXNet) and the test
(tests/test_module_conventions.py, run by tfmod); ``mx`` is the library under test."""


def param_error_cases(mx, bucketing=False):
    """-> (module, its arg and aux params, the params without bn_beta, {case name: call}); with
    ``bucketing`` the module is a BucketingModule of the same net (MXNet's hands the calls to
    its current Module)."""
    data = mx.sym.Variable('data')
    net = mx.sym.FullyConnected(data, num_hidden=4, name='fc')
    net = mx.sym.BatchNorm(net, name='bn')
    if bucketing:
        mod = mx.mod.BucketingModule(lambda key: (net, ('data',), None), default_bucket_key=3)
    else:
        mod = mx.mod.Module(net, label_names=None)
    mod.bind([('data', (2, 3))])
    mod.init_params()
    a, x = mod.get_params()
    a = {k: v.copy() for k, v in a.items()}
    x = {k: v.copy() for k, v in x.items()}
    extra_a = dict(a, extra=mx.nd.ones((2,)))
    extra_x = dict(x, extra_aux=mx.nd.ones((2,)))
    missing_a = {k: v for k, v in a.items() if k != 'bn_beta'}
    cases = {
        'set_params_missing_arg': lambda: mod.set_params(missing_a, x),
        'set_params_missing_aux': lambda: mod.set_params(a, {}),
        'set_params_aux_none': lambda: mod.set_params(a, None),
        'set_params_extra_arg': lambda: mod.set_params(extra_a, x),
        'set_params_extra_aux': lambda: mod.set_params(a, extra_x),
        'set_params_extra_arg_allow_missing': lambda: mod.set_params(extra_a, x,
                                                                      allow_missing=True),
        'set_params_extra_aux_allow_missing': lambda: mod.set_params(a, extra_x,
                                                                      allow_missing=True),
        'set_params_extra_allow_missing_allow_extra': lambda: mod.set_params(
            extra_a, extra_x, allow_missing=True, allow_extra=True),
        'set_params_missing_allow_missing': lambda: mod.set_params(missing_a, x,
                                                                    allow_missing=True),
        'init_params_extra_arg': lambda: mod.init_params(arg_params=extra_a, aux_params=x,
                                                         force_init=True),
        'init_params_missing_arg': lambda: mod.init_params(arg_params=missing_a, aux_params=x,
                                                           force_init=True),
        'init_params_missing_allow_missing': lambda: mod.init_params(
            arg_params=missing_a, aux_params=x, allow_missing=True, force_init=True),
        'init_params_none_initializer_missing': lambda: mod.init_params(
            initializer=None, arg_params=missing_a, aux_params=x, allow_missing=True,
            force_init=True),
        'init_params_none_initializer_no_aux': lambda: mod.init_params(
            initializer=None, arg_params=a, allow_missing=True, force_init=True),
    }
    return mod, a, x, missing_a, cases
