"""One symbol using ops from every family of the beyond-corpus issue, built with ``mx`` passed
in (MXNet 1.9.1 or tfmod): tools/record_all_families.py records MXNet's numbers for it and
tests/test_ops_all_families.py compares tfmod's. No tfmod import here.
"""
import numpy as np

SHAPES = dict(img=(2, 3, 8, 8), seq=(5, 2, 3 * 2 * 4), lengths=(2,), rois=(3, 5))
NO_GRAD = ('lengths', 'rois')


def define(mx):
    """Register the Custom op the net uses with ``mx`` (MXNet or tfmod)."""

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


def build(mx, noise_out=False):
    """The net; with ``noise_out`` also the (gradient-blocked) sum of its random noise, so the
    loss can be compared without the random draw."""
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
    halves = mx.sym.split_v2(masked, 2, axis=-1)    # MXNet's Python wrapper takes no name
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
    out = mx.sym.MakeLoss(loss, name='loss')
    if noise_out:
        return mx.sym.Group([out, mx.sym.BlockGrad(mx.sym.sum(noise), name='noise_sum')])
    return out


def inputs(arg_names, arg_shapes):
    """The seeded argument values, in argument order."""
    rng = np.random.RandomState(0)
    vals = {n: rng.uniform(-1, 1, s).astype(np.float32) for n, s in zip(arg_names, arg_shapes)}
    vals['lengths'] = np.array([5, 3], np.float32)
    vals['rois'] = np.array([[0, 0, 0, 4, 4], [1, 1, 1, 6, 5], [0, 2, 2, 7, 7]], np.float32)
    return vals
