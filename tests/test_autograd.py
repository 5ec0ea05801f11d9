"""mx.autograd and NDArray gradients against MXNet 1.9.1.

The programs are in support/autograd_programs.py; tools/record_autograd.py ran them on MXNet 1.9.1
into tests/fixtures/autograd/ (cases.npz: the values; errors.json: what MXNet raised).
"""
import builtins
import json
import os
import re

import numpy as np
import pytest

import tfmod as mx
from support import autograd_programs as P

HERE = os.path.join(os.path.dirname(__file__), 'fixtures', 'autograd')
with np.load(os.path.join(HERE, 'cases.npz')) as _f:
    EXPECTED = {k: _f[k] for k in _f.files}
with open(os.path.join(HERE, 'errors.json')) as _f:
    ERRORS = json.load(_f)


@pytest.fixture(autouse=True)
def _clean_flags():
    yield
    mx.autograd.set_recording(False)
    mx.autograd.set_training(False)


@pytest.mark.parametrize('case', P.CASES)
def test_program_matches_mxnet(case):
    got = getattr(P, case)(mx)
    want = {k.split('/', 1)[1]: v for k, v in EXPECTED.items() if k.startswith(case + '/')}
    assert sorted(got) == sorted(want)
    for k, v in want.items():
        np.testing.assert_allclose(np.asarray(got[k]), v, rtol=1e-5, atol=1e-5,
                                   err_msg='%s: %s' % (case, k))


def _core(message):
    """MXNet's message without its 'Check failed: <condition>: ' prefix."""
    return re.sub(r'^MXNetError: Check failed: .*?\) ?: ', '', message)


@pytest.mark.parametrize('case', P.ERRORS)
def test_error_matches_mxnet(case):
    etype, message = ERRORS[case]
    expected = mx.base.MXNetError if etype == 'MXNetError' else getattr(builtins, etype)
    with pytest.raises(expected) as info:
        getattr(P, case)(mx)
    assert type(info.value).__name__ == etype
    assert _core(message)[:40] in str(info.value)


def test_example_from_the_issue():
    x = mx.nd.array([[1, 2], [3, 4]])
    x.attach_grad()
    with mx.autograd.record():
        y = (x * x).sum() + mx.nd.sin(x).sum()
    y.backward()
    xn = x.asnumpy()
    np.testing.assert_allclose(x.grad.asnumpy(), 2 * xn + np.cos(xn), rtol=1e-6)


def test_get_symbol_is_a_clear_error():
    x = mx.nd.array([1., 2.])
    x.attach_grad()
    with mx.autograd.record():
        y = x * 2
    with pytest.raises(mx.base.MXNetError, match='get_symbol'):
        mx.autograd.get_symbol(y)


@pytest.mark.parametrize('retain', [False, True])
def test_training_loop_keeps_only_the_current_step(retain):
    """Each record() block has its own tape, dropped once no array refers to it: a loop holds
    one step's computation, with or without retain_graph, and with or without backward."""
    import gc
    import weakref
    from tfmod.ndarray import tape
    w = mx.nd.array([0.5, -0.5])
    w.attach_grad()
    graphs = []
    for _ in range(4):
        with mx.autograd.record():
            pred = w * 2
            loss = ((pred / 2 - 1) ** 2).sum()
        graphs.append(weakref.ref(tape._ST.graph))
        loss.backward(retain_graph=retain)
        w[:] = w - 0.1 * w.grad     # outside record: allowed, as in MXNet
    del loss                        # a retained head keeps its graph, as in MXNet
    for _ in range(3):
        with mx.autograd.record():
            pred = w * 3            # recorded, never differentiated
        graphs.append(weakref.ref(tape._ST.graph))
    gc.collect()
    assert [g() is not None for g in graphs] == [False] * 6 + [True]
    np.testing.assert_allclose(w.asnumpy(), [1 - 0.5 * 0.8 ** 4, 1 - 1.5 * 0.8 ** 4], rtol=1e-6)


def test_history_spans_blocks_after_a_retained_backward():
    x = mx.nd.array([1., 2.])
    x.attach_grad()
    with mx.autograd.record():
        y = x * x
    y.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.asnumpy(), [2., 4.])
    with mx.autograd.record():
        z = (y * x).sum()       # d(x^3)/dx through both blocks
    z.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [3., 12.])


def test_write_outside_record_keeps_the_recorded_graph():
    x = mx.nd.array([1., 2.])
    x.attach_grad()
    with mx.autograd.record():
        y = x * 2
    y[:] = 0            # MXNet: the graph recorded for y stays
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [2., 2.])


def test_head_grad_shape_is_checked():
    x = mx.nd.array([1., 2.])
    x.attach_grad()
    with mx.autograd.record():
        y = x * 2
    with pytest.raises(mx.base.MXNetError, match='head gradient of shape'):
        y.backward(mx.nd.ones((3,)))


def test_recorded_write_into_executor_array_is_refused():
    """An executor's arrays are tf.Variables; an assignment has no gradient, so recording a
    write of a recorded value into one would silently cut the graph."""
    net = mx.sym.FullyConnected(mx.sym.Variable('data'), num_hidden=2, name='fc')
    exe = net.simple_bind(mx.cpu(), data=(1, 3))
    x = mx.nd.ones((2, 3))
    x.attach_grad()
    with mx.autograd.record():
        exe.arg_dict['fc_weight'][:] = 5          # a constant: fine, as in MXNet
        with pytest.raises(mx.base.MXNetError, match='executor array'):
            exe.arg_dict['fc_weight'][:] = x * 2
    np.testing.assert_allclose(exe.arg_dict['fc_weight'].asnumpy(), np.full((2, 3), 5.))
