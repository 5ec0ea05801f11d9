"""oneDNN-fused float graphs (``_sg_mkldnn_conv`` / ``_sg_mkldnn_fully_connected`` nodes, as
MXNet writes them after get_backend_symbol('MKLDNN')) load by inlining the subgraph each node
carries; tests/fixtures/fused_onednn holds such a graph and MXNet 1.9.1's output."""
import json
import os

import numpy as np
import pytest

import tfmod as mx

HERE = os.path.join(os.path.dirname(__file__), 'fixtures', 'fused_onednn')


def _load_text():
    with open(os.path.join(HERE, 'fused-symbol.json')) as f:
        return f.read()


def test_fused_graph_runs_as_mxnet_ran_it():
    sym = mx.sym.load_json(_load_text())
    assert sym.list_arguments() == ['data', 'conv_weight', 'conv_bias', 'bn_gamma', 'bn_beta',
                                    'conv2_weight', 'fc_weight', 'fc_bias']
    assert sym.list_auxiliary_states() == ['bn_moving_mean', 'bn_moving_var']
    vals = np.load(os.path.join(HERE, 'fused.npz'))
    ex = sym.simple_bind(mx.cpu(), data=(2, 3, 5, 5), grad_req='null')
    for n, a in list(ex.arg_dict.items()) + list(ex.aux_dict.items()):
        a[:] = vals[n]
    out = ex.forward(is_train=False)[0].asnumpy()
    np.testing.assert_allclose(out, vals['out'], rtol=1e-5, atol=1e-5)
    # the loaded graph is the unfused one: plain ops MXNet (and tfmod) read back
    ops = [n['op'] for n in json.loads(sym.tojson())['nodes'] if n['op'] != 'null']
    assert ops == ['Convolution', 'BatchNorm', 'Activation', 'Convolution', 'elemwise_add',
                   'FullyConnected', 'Activation']


def test_quantized_fusion_is_refused_by_name():
    doc = json.loads(_load_text())
    for n in doc['nodes']:
        if n['op'] == '_sg_mkldnn_conv':
            n.setdefault('attrs', {})['quantized'] = 'true'
            break
    with pytest.raises(mx.base.MXNetError, match=r"'sg_mkldnn_conv_bn_act_0'.*quantized"):
        mx.sym.load_json(json.dumps(doc))
