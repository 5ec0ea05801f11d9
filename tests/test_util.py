"""mx.util against MXNet 1.9.1 (tests/fixtures/ns_util/oracle.json, tools/record_ns_util.py):
the NumPy shape/array switches, decorators and scopes, the ufunc keyword checks, set_module,
the environment and GPU queries; and the absent mx.np / mx.npx namespaces."""
import json
import os
import threading

import pytest
import tensorflow as tf

import tfmod as mx
from converters import shape_mode

from conftest import FIXTURES

with open(os.path.join(FIXTURES, 'ns_util', 'oracle.json')) as _f:
    ORACLE = json.load(_f)
U = ORACLE['util']

# Names of MXNet's mx.util that tfmod does not provide (none: every one means something here).
LEFT_OUT = set()


def outcome(fn, *args, **kwargs):
    try:
        return ['ok', fn(*args, **kwargs)]
    except Exception as e:  # noqa: BLE001
        return ['raise', type(e).__name__, str(e)]


def in_thread(fn):
    out = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join()
    return out[0]


@pytest.fixture(autouse=True)
def _reset_np():
    mx.util.reset_np()
    yield
    mx.util.reset_np()


def test_public_names_match_mxnet():
    for name in ORACLE['public_api']['util']:
        if name not in LEFT_OUT:
            assert callable(getattr(mx.util, name)), name
    for name in ORACLE['top_level_from_util']:
        assert getattr(mx, name) is getattr(mx.util, name), name


def test_set_np_shape_is_the_converters_switch_and_thread_local():
    u = mx.util
    seq = [u.set_np_shape(True), u.set_np_shape(True), u.is_np_shape(),
           in_thread(u.is_np_shape), u.set_np_shape(False), u.is_np_shape()]
    assert seq == U['set_np_shape_seq']
    with u.np_shape(True):
        assert shape_mode.is_np_shape()         # the one flag shape inference reads
    shape_mode.set_np_shape(True)
    assert u.is_np_shape()
    shape_mode.set_np_shape(False)


def test_np_shape_scopes_nest():
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
    assert seq == U['np_shape_scopes']


def test_use_np_shape_on_function():
    u = mx.util

    @u.use_np_shape
    def f_shape(a, b=2):
        """doc of f_shape"""
        return [u.is_np_shape(), u.is_np_array(), a + b]
    assert [f_shape(1), f_shape.__name__, f_shape.__doc__, u.is_np_shape()] == \
        U['use_np_shape_func']


def test_use_np_on_class_scopes_methods_statics_properties():
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
    assert [c.seen_init, c.method(), C.static(), c.prop,
            [u.is_np_shape(), u.is_np_array()]] == U['use_np_class']


def test_decorators_refuse_non_callables():
    assert outcome(mx.util.use_np_shape, 3) == U['use_np_shape_bad']
    assert outcome(mx.util.use_np_array, 'x') == U['use_np_array_bad']
    assert outcome(mx.util.use_np, None) == U['use_np_bad']


def test_np_array_scopes_nest_and_are_thread_local():
    u = mx.util
    seq = []
    with u.np_array(True):
        seq.append(u.is_np_array())
        with u.np_array(False):
            seq.append(u.is_np_array())
        seq.append(u.is_np_array())
        seq.append(in_thread(u.is_np_array))
    seq.append(u.is_np_array())
    assert seq == U['np_array_scopes']


def test_set_np_and_reset_np():
    u = mx.util
    assert outcome(u.set_np, shape=False, array=True) == U['set_np_shape_false_array']
    u.set_np()
    assert [u.is_np_shape(), u.is_np_array()] == U['after_set_np']
    assert outcome(u.set_np_shape, False) == U['deactivate_shape_with_array']
    u.reset_np()
    assert [u.is_np_shape(), u.is_np_array()] == U['after_reset_np']
    u.set_np(array=False)
    assert [u.is_np_shape(), u.is_np_array()] == U['after_set_np_array_false']


def test_module_training_runs_under_use_np():
    """A Module-era script whose classes are decorated with @mx.use_np keeps working (the
    array flag changes nothing in tfmod; MXNet itself fails here, in its numpy initializer)."""
    import numpy as np

    @mx.use_np
    class Trainer:
        def run(self):
            x = np.arange(12, dtype='float32').reshape(6, 2)
            it = mx.io.NDArrayIter(x, np.zeros(6, 'float32'), batch_size=3)
            net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(mx.sym.var('data'), num_hidden=2,
                                                             name='fc'), name='softmax')
            mod = mx.mod.Module(net)
            mod.fit(it, num_epoch=1)
            return mx.is_np_array(), mod.get_params()[0]['fc_weight'].shape
    assert Trainer().run() == (True, (2, 2))


def test_np_namespaces_fail_clearly():
    for attr in ('np', 'npx', 'numpy'):
        with pytest.raises(mx.base.MXNetError, match=r'mx\.%s .*not supported by tfmod' % attr):
            getattr(mx, attr)
        assert not hasattr(mx, attr)            # also an AttributeError
    with pytest.raises(AttributeError, match='no_such_thing'):
        mx.no_such_thing        # noqa: B018


def test_np_ufunc_legal_option():
    import numpy as np
    for key, value, legal in U['ufunc_legal']:
        assert mx.util.np_ufunc_legal_option(key, value) == legal, (key, value)
    assert [mx.util.np_ufunc_legal_option('dtype', d) for d in
            (np.float32, np.int8, np.int16, np.bool_)] == U['ufunc_legal_np_dtypes']


def test_wrap_np_ufuncs():
    def neg(x, out=None):
        return ['neg', x, out]

    def add(x1, x2, out=None):
        return ['add', x1, x2, out]
    wu, wb = mx.util.wrap_np_unary_func(neg), mx.util.wrap_np_binary_func(add)
    for kw, expected in U['wrap_unary']:
        assert outcome(wu, 5, **kw) == expected, kw
    for kw, expected in U['wrap_binary']:
        assert outcome(wb, 1, 2, **kw) == expected, kw
    assert [wu.__name__, wb.__name__] == U['wrap_names']
    assert [wu(1, out=3), wb(1, 2, out=4)] == U['wrap_out']


def test_set_module():
    def g():
        pass
    assert [mx.util.set_module('mxnet.numpy')(g).__module__,
            mx.util.set_module(None)(g).__module__] == U['set_module']


def test_getenv_setenv():
    u = mx.util
    u.setenv('TFMOD_NSU_VAR', 'abc')
    seen = [u.getenv('TFMOD_NSU_VAR')]
    assert os.environ['TFMOD_NSU_VAR'] == 'abc'      # the process environment itself
    u.setenv('TFMOD_NSU_VAR', None)
    seen += [u.getenv('TFMOD_NSU_VAR'), u.getenv('TFMOD_NSU_NEVER_SET')]
    assert seen == U['env']


def test_gpu_queries():
    n = len(tf.config.list_physical_devices('GPU'))
    assert mx.util.get_gpu_count() == n
    assert outcome(mx.util.get_cuda_compute_capability, mx.cpu()) == U['cuda_cc_cpu']
    with pytest.raises(mx.base.MXNetError, match=r'gpu\(%d\) is not available' % n):
        mx.util.get_cuda_compute_capability(mx.gpu(n))
    with pytest.raises(mx.base.MXNetError, match=r'get_gpu_memory: gpu\(%d\)' % n):
        mx.util.get_gpu_memory(n)
