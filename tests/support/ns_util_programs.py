"""The mx.util programs whose results MXNet 1.9.1 defines, written once for the recorder
(tools/record_ns_util.py, run by MXNet) and the test (tests/test_util.py, run by tfmod), so the
two cannot drift apart; ``mx`` is the library under test. Each program returns
{fixture key: result}; they leave the np switches as they found them off."""
import threading

import numpy as np


def outcome(fn, *args, **kwargs):
    """['ok', value] or ['raise', exception type name, message]."""
    try:
        return ['ok', fn(*args, **kwargs)]
    except Exception as e:  # noqa: BLE001 -- recording whatever the library raises
        return ['raise', type(e).__name__, str(e)]


def in_thread(fn):
    out = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join()
    return out[0]


def set_np_shape_seq(mx):
    u = mx.util
    return {'set_np_shape_seq': [u.set_np_shape(True), u.set_np_shape(True), u.is_np_shape(),
                                 in_thread(u.is_np_shape), u.set_np_shape(False),
                                 u.is_np_shape()]}


def np_shape_scopes(mx):
    u = mx.util
    seq = []
    with u.np_shape(True):
        seq.append(u.is_np_shape())
        with u.np_shape(False):
            seq.append(u.is_np_shape())
            with u.np_shape(None):
                seq.append(u.is_np_shape())
        seq.append(u.is_np_shape())
    seq.append(u.is_np_shape())
    return {'np_shape_scopes': seq}


def use_np_shape_func(mx):
    u = mx.util

    @u.use_np_shape
    def f_shape(a, b=2):
        """doc of f_shape"""
        return [u.is_np_shape(), u.is_np_array(), a + b]
    return {'use_np_shape_func': [f_shape(1), f_shape.__name__, f_shape.__doc__,
                                  u.is_np_shape()]}


def use_np_class(mx):
    u = mx.util

    @u.use_np
    class C:
        def __init__(self):
            self.seen_init = [u.is_np_shape(), u.is_np_array()]

        def method(self):
            return [u.is_np_shape(), u.is_np_array()]

        @staticmethod
        def static():
            return [u.is_np_shape(), u.is_np_array()]

        @property
        def prop(self):
            return [u.is_np_shape(), u.is_np_array()]
    c = C()
    return {'use_np_class': [c.seen_init, c.method(), C.static(), c.prop,
                             [u.is_np_shape(), u.is_np_array()]]}


def decorators_bad(mx):
    u = mx.util
    return {'use_np_shape_bad': outcome(u.use_np_shape, 3),
            'use_np_array_bad': outcome(u.use_np_array, 'x'),
            'use_np_bad': outcome(u.use_np, None)}


def np_array_scopes(mx):
    u = mx.util
    seq = []
    with u.np_array(True):
        seq.append(u.is_np_array())
        with u.np_array(False):
            seq.append(u.is_np_array())
        seq.append(u.is_np_array())
        seq.append(in_thread(u.is_np_array))
    seq.append(u.is_np_array())
    return {'np_array_scopes': seq}


def set_np_reset_np(mx):
    u = mx.util
    r = {'set_np_shape_false_array': outcome(u.set_np, shape=False, array=True)}
    u.set_np()
    r['after_set_np'] = [u.is_np_shape(), u.is_np_array()]
    r['deactivate_shape_with_array'] = outcome(u.set_np_shape, False)
    u.reset_np()
    r['after_reset_np'] = [u.is_np_shape(), u.is_np_array()]
    u.set_np(array=False)
    r['after_set_np_array_false'] = [u.is_np_shape(), u.is_np_array()]
    u.reset_np()
    return r


def ufunc_legal(mx):
    u = mx.util
    cases = [('where', False), ('where', None), ('casting', 'no'), ('casting', 'unsafe'),
             ('casting', 'bogus'), ('order', 'C'), ('order', 1), ('dtype', 'float32'),
             ('dtype', 'int16'), ('dtype', 'float64'), ('dtype', 'bool'), ('dtype', None),
             ('subok', False), ('subok', 1), ('out', None), ('axis', 0)]
    return {'ufunc_legal': [[k, v, u.np_ufunc_legal_option(k, v)] for k, v in cases],
            'ufunc_legal_np_dtypes': [u.np_ufunc_legal_option('dtype', d) for d in
                                      (np.float32, np.int8, np.int16, np.bool_)]}


def wrap_np_ufuncs(mx):
    u = mx.util

    def neg(x, out=None):
        return ['neg', x, out]

    def add(x1, x2, out=None):
        return ['add', x1, x2, out]
    wu, wb = u.wrap_np_unary_func(neg), u.wrap_np_binary_func(add)
    kw_cases = [{}, {'casting': 'same_kind', 'where': True, 'order': 'K', 'dtype': None,
                     'subok': True}, {'casting': 'unsafe'}, {'casting': 'bogus'},
                {'dtype': 'float32'}, {'dtype': 'int16'}, {'order': 'C'}, {'axis': 1},
                {'subok': False}, {'where': False}]
    return {'wrap_unary': [[kw, outcome(wu, 5, **kw)] for kw in kw_cases],
            'wrap_binary': [[kw, outcome(wb, 1, 2, **kw)] for kw in kw_cases],
            'wrap_names': [wu.__name__, wb.__name__],
            'wrap_out': [wu(1, out=3), wb(1, 2, out=4)]}


def set_module(mx):
    def g():
        pass
    return {'set_module': [mx.util.set_module('mxnet.numpy')(g).__module__,
                           mx.util.set_module(None)(g).__module__]}


def getenv_setenv(mx):
    u = mx.util
    u.setenv('TFMOD_NSU_VAR', 'abc')
    env = [u.getenv('TFMOD_NSU_VAR')]
    u.setenv('TFMOD_NSU_VAR', None)
    env.append(u.getenv('TFMOD_NSU_VAR'))
    env.append(u.getenv('TFMOD_NSU_NEVER_SET'))
    return {'env': env}


def cuda_cc_cpu(mx):
    return {'cuda_cc_cpu': outcome(mx.util.get_cuda_compute_capability, mx.cpu())}


# in the order the recorder runs them
UTIL_PROGRAMS = (set_np_shape_seq, np_shape_scopes, use_np_shape_func, use_np_class,
                 decorators_bad, np_array_scopes, set_np_reset_np, ufunc_legal, wrap_np_ufuncs,
                 set_module, getenv_setenv, cuda_cc_cpu)
