"""One symbol using ops from every family of the beyond-corpus issue (support/all_families_net.py):
it loads from its own JSON, infers shapes, and runs forward and backward in one compiled call,
giving MXNet 1.9.1's loss and gradients (tools/record_all_families.py)."""
import json
import os

import numpy as np

import tfmod as mx
from support import all_families_net as F

F.define(mx)
REC = np.load(os.path.join(os.path.dirname(__file__), 'fixtures', 'all_families',
                           'all_families.npz'))


def test_every_family_loads_infers_and_trains():
    sym = mx.sym.load_json(F.build(mx, noise_out=True).tojson())
    ops = {n['op'] for n in json.loads(sym.tojson())['nodes']}
    for op in ('_contrib_BilinearResize2D', '_contrib_AdaptiveAvgPooling2D', '_contrib_ROIAlign',
               '_contrib_MultiBoxPrior', '_contrib_interleaved_matmul_selfatt_qk',
               '_contrib_interleaved_matmul_selfatt_valatt', '_contrib_div_sqrt_dim',
               'LayerNorm', 'SequenceMask', '_split_v2', '_random_uniform', 'Custom',
               'amp_cast', 'amp_multicast', '_copy', '_rnn_param_concat'):
        assert op in ops, op
    arg_shapes, out_shapes, _ = sym.infer_shape(**F.SHAPES)
    assert out_shapes == [(1,), (1,)] and None not in arg_shapes
    names = sym.list_arguments()
    ex = sym.simple_bind(mx.cpu(), grad_req={n: 'null' if n in F.NO_GRAD else 'write'
                                             for n in names}, **F.SHAPES)
    vals = F.inputs(names, arg_shapes)
    for n in names:
        ex.arg_dict[n][:] = vals[n]
    ex.forward(is_train=True)
    ex.backward()
    loss, noise = ex.outputs[0].asnumpy(), ex.outputs[1].asnumpy()
    assert 0 <= noise[0] <= 128 * 0.01          # 128 draws of uniform(0, 0.01)
    # The loss without the random draw: 128 values (|v| < 4) pass through float16 (amp_cast);
    # their half-ulp rounding (<= 2**-10) may differ with the draw, so up to 128 * 2**-10.
    np.testing.assert_allclose(loss - noise, REC['loss'] - REC['noise_sum'], rtol=0,
                               atol=128 * 2 ** -10)
    # Gradients do not depend on the draw; float32 through conv, resize, attention and
    # LayerNorm, where summation order differs: rtol 1e-4.
    for n in names:
        if n not in F.NO_GRAD:
            np.testing.assert_allclose(ex.grad_dict[n].asnumpy(), REC['grad/' + n], rtol=1e-4,
                                       atol=1e-5, err_msg=n)


def test_loss_only_graph_is_one_compiled_call():
    """Without the extra output, forward + backward is one fused call (same gradients)."""
    sym = mx.sym.load_json(F.build(mx).tojson())
    names = sym.list_arguments()
    arg_shapes, _, _ = sym.infer_shape(**F.SHAPES)
    ex = sym.simple_bind(mx.cpu(), grad_req={n: 'null' if n in F.NO_GRAD else 'write'
                                             for n in names}, **F.SHAPES)
    vals = F.inputs(names, arg_shapes)
    for n in names:
        ex.arg_dict[n][:] = vals[n]
    ex.forward(is_train=True)
    ex.backward()
    for n in ('img', 'seq', 'conv_weight', 'ln_gamma', 'w0'):
        np.testing.assert_allclose(ex.grad_dict[n].asnumpy(), REC['grad/' + n], rtol=1e-4,
                                   atol=1e-5, err_msg=n)
    assert ex.call_count == 1      # counted when the deferred step ran, on the first read
