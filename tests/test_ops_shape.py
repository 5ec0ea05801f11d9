"""Shape / tensor-creation ops against MXNet 1.9.1 on cases the op corpus does not cover.

Expected values come from tests/fixtures/shape/cases.{json,npz}, recorded with the real MXNet
1.9.1 by tests/fixtures/shape/gen_cases.py (run with the oracle's python): slice bound rules,
negative axes, dtype quirks of Cast/arange/amp_multicast, and the inputs MXNet rejects.
Forward values run eagerly (mx.nd); gradients run through a bound Symbol executor.
"""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from tfmod_converters import MXNetError

HERE = os.path.join(os.path.dirname(__file__), 'fixtures', 'shape')
with open(os.path.join(HERE, 'cases.json')) as _f:
    CASES = {c['name']: c for c in json.load(_f)['cases']}
ARRAYS = dict(np.load(os.path.join(HERE, 'cases.npz')))


def _attrs(case):
    return dict(case['attrs'])


def _inputs(case):
    return [ARRAYS['%s/in%d' % (case['name'], i)] for i in range(case['n_inputs'])]


def _nd_fn(op):
    if op.startswith('_contrib_'):
        return getattr(mx.nd.contrib, op[len('_contrib_'):])
    return getattr(mx.nd._internal, op)


def _sym_fn(op):
    return getattr(mx.sym._internal, op)


OK = sorted(n for n, c in CASES.items() if not c['error'])
ERR = sorted(n for n, c in CASES.items() if c['error'])
GRAD = sorted(n for n, c in CASES.items() if c['grad'] and not c['error'])


@pytest.mark.parametrize('name', OK)
def test_forward_matches_mxnet(name):
    case = CASES[name]
    ins = [mx.nd.array(x, dtype=x.dtype) for x in _inputs(case)]
    out = _nd_fn(case['op'])(*ins, **_attrs(case))
    outs = out if isinstance(out, list) else [out]
    assert len(outs) == case['n_outputs']
    for k, o in enumerate(outs):
        want = ARRAYS['%s/out%d' % (name, k)]
        got = o.asnumpy()
        assert got.dtype == want.dtype, (name, k, got.dtype, want.dtype)
        assert got.shape == want.shape, (name, k, got.shape, want.shape)
        np.testing.assert_array_equal(got, want, err_msg='%s output %d' % (name, k))


@pytest.mark.parametrize('name', GRAD)
def test_gradient_matches_mxnet(name):
    case = CASES[name]
    ins = _inputs(case)
    names = ['x%d' % i for i in range(len(ins))]
    sym = _sym_fn(case['op'])(*[mx.sym.var(n) for n in names], **_attrs(case))
    args = {n: mx.nd.array(x) for n, x in zip(names, ins)}
    grads = {n: mx.nd.zeros(x.shape) for n, x in zip(names, ins)}
    ex = sym.bind(mx.cpu(), args, args_grad=grads)
    ex.forward(is_train=True)
    heads = [mx.nd.array(ARRAYS['%s/head%d' % (name, k)]) for k in range(case['n_outputs'])]
    ex.backward(heads)
    for i, n in enumerate(names):
        np.testing.assert_allclose(ex.grad_dict[n].asnumpy(), ARRAYS['%s/grad%d' % (name, i)],
                                   rtol=1e-6, atol=1e-6, err_msg='%s grad %s' % (name, n))


@pytest.mark.parametrize('name', ERR)
def test_rejected_like_mxnet(name):
    case = CASES[name]
    ins = [mx.nd.array(x, dtype=x.dtype) for x in _inputs(case)]
    with pytest.raises(MXNetError):
        out = _nd_fn(case['op'])(*ins, **_attrs(case))
        (out if isinstance(out, list) else [out])[0].asnumpy()


def test_slice_channel_output_names():
    # MXNet names SliceChannel outputs output0..N-1 even for num_outputs=1.
    s = mx.sym.SliceChannel(mx.sym.var('a'), num_outputs=1, name='sc')
    assert s.list_outputs() == ['sc_output0']
    s = mx.sym.split(mx.sym.var('a'), num_outputs=3, name='sp')
    assert s.list_outputs() == ['sp_output0', 'sp_output1', 'sp_output2']


def test_amp_multicast_names():
    # MXNet: inputs data_0.., outputs 'output' for one, output0.. for several.
    s = mx.sym.amp_multicast(mx.sym.var('a'), mx.sym.var('b'), num_outputs=2, name='m')
    assert s.list_outputs() == ['m_output0', 'm_output1']
    assert s.list_arguments() == ['a', 'b']
    assert mx.sym.amp_multicast(mx.sym.var('a'), num_outputs=1, name='n').list_outputs() == \
        ['n_output']


def test_concat_infers_non_concat_dims_only():
    # MXNet's ConcatShape fills an unknown input's other dims but never its concat-axis size.
    a, b = mx.sym.var('a'), mx.sym.var('b')
    c = mx.sym.Concat(a, b, dim=1)
    arg, out, _ = c.infer_shape_partial(a=(2, 3, 4))
    assert arg[0] == (2, 3, 4)
    assert tuple(arg[1]) in ((2, 0, 4), (2, None, 4))


def test_cast_gradient_to_int_passes_through():
    # Cast float32 -> int32: MXNet's gradient is the head gradient cast back (corpus
    # cast_f32_to_i32); checked on the op's own gradient function, independent of the executor.
    import tensorflow as tf
    from tfmod_converters.tensor import _cast_with_grad
    x = tf.constant([1.7, -2.5])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = _cast_with_grad(x, tf.int32)
    g = tape.gradient(y, x, output_gradients=tf.constant([3, -4], tf.int32))
    np.testing.assert_array_equal(y.numpy(), [1, -2])
    np.testing.assert_array_equal(g.numpy(), [3.0, -4.0])
