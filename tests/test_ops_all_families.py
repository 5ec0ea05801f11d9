"""One symbol using ops from every family of the beyond-corpus issue: it loads from its own
JSON, infers shapes, and runs forward and backward in one compiled call."""
import numpy as np

import tfmod as mx


class _Scale(mx.operator.CustomOp):
    def forward(self, is_train, req, in_data, out_data, aux):
        self.assign(out_data[0], req[0], in_data[0] * 2)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        self.assign(in_grad[0], req[0], out_grad[0] * 2)


@mx.operator.register('tfmod_all_families_scale')
class _ScaleProp(mx.operator.CustomOpProp):
    def list_arguments(self):
        return ['data']

    def infer_shape(self, in_shape):
        return in_shape, [in_shape[0]], []

    def create_operator(self, ctx, shapes, dtypes):
        return _Scale()


def build():
    img = mx.sym.Variable('img')                 # (N, 3, 8, 8)
    seq = mx.sym.Variable('seq')                 # (T, N, 3*H*D) interleaved q/k/v
    lengths = mx.sym.Variable('lengths')         # (N,)
    rois = mx.sym.Variable('rois')               # (R, 5)
    # detection / segmentation family
    feat = mx.sym.Convolution(img, num_filter=4, kernel=(3, 3), pad=(1, 1), name='conv')
    up = mx.sym.contrib.BilinearResize2D(feat, height=16, width=16, name='resize')
    pooled = mx.sym.contrib.AdaptiveAvgPooling2D(up, output_size=(4, 4), name='adapt')
    aligned = mx.sym.contrib.ROIAlign(feat, rois, pooled_size=(2, 2), spatial_scale=1.0,
                                      name='roialign')
    anchors = mx.sym.contrib.MultiBoxPrior(feat, sizes=(0.5, 0.25), ratios=(1, 2),
                                           name='prior')
    # transformer family
    qk = mx.sym.contrib.interleaved_matmul_selfatt_qk(seq, heads=2, name='qk')
    att = mx.sym.softmax(mx.sym.contrib.div_sqrt_dim(qk), axis=-1, name='att')
    ctxv = mx.sym.contrib.interleaved_matmul_selfatt_valatt(seq, att, heads=2, name='valatt')
    normed = mx.sym.LayerNorm(ctxv, name='ln')
    masked = mx.sym.SequenceMask(normed, sequence_length=lengths, use_sequence_length=True,
                                 name='mask')
    halves = mx.sym.split_v2(masked, 2, axis=-1)   # MXNet's split_v2 takes no name
    # random ops as graph nodes, amp casts, copies, the RNN parameter concat, a Custom op
    noise = mx.sym.random.uniform(0, 0.01, shape=(2, 4, 4, 4), name='noise')
    scaled = mx.sym.Custom(pooled, op_type='tfmod_all_families_scale', name='custom')
    mixed = mx.sym.amp_cast(scaled + noise, dtype='float16', name='to16')
    back = mx.sym.amp_multicast(mixed, mx.sym.identity(pooled), num_outputs=2, name='mcast')
    params = mx.sym._internal._rnn_param_concat(
        mx.sym.Variable('w0', shape=(6,)), mx.sym.Variable('w1', shape=(4,)), num_args=2,
        dim=0, name='pcat')
    loss = (mx.sym.sum(back[0]) + mx.sym.sum(mx.sym._internal._copy(aligned)) +
            mx.sym.sum(halves[0]) * mx.sym.sum(halves[1]) + mx.sym.sum(params) +
            mx.sym.sum(mx.sym.BlockGrad(anchors)))
    return mx.sym.MakeLoss(loss, name='loss')


def test_every_family_loads_infers_and_trains():
    sym = mx.sym.load_json(build().tojson())
    ops = {n['op'] for n in __import__('json').loads(sym.tojson())['nodes']}
    for op in ('_contrib_BilinearResize2D', '_contrib_AdaptiveAvgPooling2D', '_contrib_ROIAlign',
               '_contrib_MultiBoxPrior', '_contrib_interleaved_matmul_selfatt_qk',
               '_contrib_interleaved_matmul_selfatt_valatt', '_contrib_div_sqrt_dim',
               'LayerNorm', 'SequenceMask', '_split_v2', '_random_uniform', 'Custom',
               'amp_cast', 'amp_multicast', '_copy', '_rnn_param_concat'):
        assert op in ops, op
    shapes = dict(img=(2, 3, 8, 8), seq=(5, 2, 3 * 2 * 4), lengths=(2,), rois=(3, 5))
    arg_shapes, out_shapes, _ = sym.infer_shape(**shapes)
    assert out_shapes == [(1,)] and None not in arg_shapes
    ex = sym.simple_bind(mx.cpu(), grad_req={n: 'null' if n in ('lengths', 'rois') else 'write'
                                             for n in sym.list_arguments()}, **shapes)
    rng = np.random.RandomState(0)
    for name, arr in ex.arg_dict.items():
        arr[:] = rng.uniform(-1, 1, arr.shape)
    ex.arg_dict['lengths'][:] = [5, 3]
    ex.arg_dict['rois'][:] = [[0, 0, 0, 4, 4], [1, 1, 1, 6, 5], [0, 2, 2, 7, 7]]
    ex.forward(is_train=True)
    ex.backward()
    assert np.isfinite(ex.outputs[0].asnumpy()).all()
    for name in ('img', 'seq', 'conv_weight', 'ln_gamma', 'w0'):
        g = ex.grad_dict[name].asnumpy()
        assert np.isfinite(g).all() and np.abs(g).sum() > 0, name
    assert ex.call_count == 1
