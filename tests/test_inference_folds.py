"""Inference folds (converters/fold.py): a biased convolution's BatchNorm reads the convolution
before its bias, with the bias moved into the mean, so Grappler fuses the pair; the numbers
stay MXNet 1.9.1's (tests/fixtures/inference_folds, recorded by tools/record_inference_folds.py),
also after new parameters and statistics are set."""
import os

import numpy as np

import tfmod as mx
from support import inference_fold_net as F

HERE = os.path.join(os.path.dirname(__file__), 'fixtures', 'inference_folds')


def _load(ex, rec, k):
    for n in ex.arg_dict:
        if n != 'data':
            ex.arg_dict[n][:] = rec['p%d_%s' % (k, n)]
    for n in ex.aux_dict:
        ex.aux_dict[n][:] = rec['p%d_%s' % (k, n)]


def test_folded_inference_equals_mxnet_and_follows_new_values():
    rec = np.load(os.path.join(HERE, 'folds.npz'))
    sym = F.net(mx)
    ex = sym.simple_bind(mx.cpu(), data=F.SHAPE, grad_req='null')
    ex.arg_dict['data'][:] = rec['data']
    for k in (0, 1):            # the second set: new biases and moving statistics, same trace
        _load(ex, rec, k)
        out = ex.forward(is_train=False)[0].asnumpy()
        np.testing.assert_allclose(out, rec['out%d' % k], rtol=1e-5, atol=1e-5)
    graph = ex._compiled['infer']._list_all_concrete_functions()[0].graph
    bns = [op for op in graph.get_operations() if op.type == 'FusedBatchNormV3']
    assert len(bns) == 3
    assert [op.inputs[0].op.type for op in bns] == ['Conv2D'] * 3

