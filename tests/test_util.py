"""mx.util against MXNet 1.9.1 (tests/fixtures/ns_util/oracle.json, tools/record_ns_util.py):
the NumPy shape/array switches, decorators and scopes, the ufunc keyword checks, set_module,
the environment and GPU queries; and the absent mx.np / mx.npx namespaces."""
import json
import os

import pytest
import tensorflow as tf

import tfmod as mx
from tfmod_converters import shape_mode

from support import ns_util_programs as P
from conftest import FIXTURES

with open(os.path.join(FIXTURES, 'ns_util', 'oracle.json')) as _f:
    ORACLE = json.load(_f)
U = ORACLE['util']

# Names of MXNet's mx.util that tfmod does not provide (none: every one means something here).
LEFT_OUT = set()


def _matches(program):
    """Run one shared program with tfmod and compare every key it yields with MXNet's."""
    got = program(mx)
    assert got == {k: U[k] for k in got}


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
    _matches(P.set_np_shape_seq)
    with mx.util.np_shape(True):
        assert shape_mode.is_np_shape()         # the one flag shape inference reads
    shape_mode.set_np_shape(True)
    assert mx.util.is_np_shape()
    shape_mode.set_np_shape(False)


def test_np_shape_scopes_nest():
    _matches(P.np_shape_scopes)


def test_use_np_shape_on_function():
    _matches(P.use_np_shape_func)


def test_use_np_on_class_scopes_methods_statics_properties():
    _matches(P.use_np_class)


def test_decorators_refuse_non_callables():
    _matches(P.decorators_bad)


def test_np_array_scopes_nest_and_are_thread_local():
    _matches(P.np_array_scopes)


def test_set_np_and_reset_np():
    _matches(P.set_np_reset_np)


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
    _matches(P.ufunc_legal)


def test_wrap_np_ufuncs():
    _matches(P.wrap_np_ufuncs)


def test_set_module():
    _matches(P.set_module)


def test_getenv_setenv():
    _matches(P.getenv_setenv)
    mx.util.setenv('TFMOD_NSU_VAR', 'abc')
    assert os.environ['TFMOD_NSU_VAR'] == 'abc'      # the process environment itself
    mx.util.setenv('TFMOD_NSU_VAR', None)
    assert 'TFMOD_NSU_VAR' not in os.environ


def test_gpu_queries():
    n = len(tf.config.list_physical_devices('GPU'))
    assert mx.util.get_gpu_count() == n
    _matches(P.cuda_cc_cpu)
    with pytest.raises(mx.base.MXNetError, match=r'gpu\(%d\) is not available' % n):
        mx.util.get_cuda_compute_capability(mx.gpu(n))
    with pytest.raises(mx.base.MXNetError, match=r'get_gpu_memory: gpu\(%d\)' % n):
        mx.util.get_gpu_memory(n)
