"""Record MXNet 1.9.1 cases for the deformable convolutions of converters/deformable.py.

    /tmp/mxnet-oracle/bin/python tools/oracle_ops/deformable.py [case,...]

Writes tests/fixtures/ops_by_family/deformable/ (corpus format, see tests/fixtures/ops/README.md).
Offsets are drawn so that samples land inside, on and beyond the image border (both MXNet
kernels treat the border differently), but not on exact integers (where the derivative is
undefined).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _family_runner import main  # noqa: E402


def define(g):
    mx, N, U, case = g.mx, g.N, g.U, g.case
    V = mx.sym.var
    G = 'deformable'

    def off(*shape, scale=1.3):
        return N(*shape, scale=scale, away=0.05)

    def dcn(**kw):
        return lambda: mx.sym.contrib.DeformableConvolution(V('data'), V('offset'), name='dcn',
                                                            **kw)
    case('dcn_3x3_pad1', dcn(num_filter=4, kernel=(3, 3), pad=(1, 1)),
         {'data': N(2, 3, 5, 5), 'offset': off(2, 18, 5, 5)}, group=G)
    case('dcn_zero_offset_equals_conv', dcn(num_filter=2, kernel=(3, 3)),
         {'data': N(1, 2, 5, 6), 'offset': U(0, 0, 1, 18, 3, 4)},
         group=G, note='zero offsets: an ordinary convolution')
    case('dcn_stride_dilate_groups', dcn(num_filter=4, kernel=(3, 3), stride=(2, 2), pad=(2, 2),
                                         dilate=(2, 2), num_group=2, num_deformable_group=2),
         {'data': N(2, 4, 7, 7), 'offset': off(2, 36, 4, 4, scale=2.0)}, group=G)
    case('dcn_no_bias_1x3', dcn(num_filter=3, kernel=(1, 3), pad=(0, 1), no_bias=True),
         {'data': N(1, 2, 4, 5), 'offset': off(1, 6, 4, 5, scale=3.0)}, group=G,
         note='large offsets: many samples beyond the border read 0')

    def mdcn(**kw):
        return lambda: mx.sym.contrib.ModulatedDeformableConvolution(
            V('data'), V('offset'), V('mask'), name='mdcn', **kw)
    case('mdcn_3x3_pad1', mdcn(num_filter=4, kernel=(3, 3), pad=(1, 1)),
         {'data': N(2, 3, 5, 5), 'offset': off(2, 18, 5, 5), 'mask': U(0, 1, 2, 9, 5, 5)},
         group=G, backward=False,
         note="forward only: MXNet's CPU backward is 'only implemented in GPU'")
    case('mdcn_groups_stride', mdcn(num_filter=4, kernel=(3, 3), stride=(2, 2), pad=(1, 1),
                                    num_group=2, num_deformable_group=2),
         {'data': N(2, 4, 6, 6), 'offset': off(2, 36, 3, 3, scale=2.0),
          'mask': U(0, 1, 2, 18, 3, 3)}, group=G, backward=False,
         note="forward only: MXNet's CPU backward is 'only implemented in GPU'")

    def graph():
        x = mx.sym.Convolution(V('data'), num_filter=4, kernel=(3, 3), pad=(1, 1), name='c1')
        o = mx.sym.Convolution(x, num_filter=18, kernel=(3, 3), pad=(1, 1), name='offset_conv')
        y = mx.sym.contrib.DeformableConvolution(x, o, num_filter=4, kernel=(3, 3), pad=(1, 1),
                                                 name='dcn')
        return mx.sym.Activation(y, act_type='relu', name='relu')
    case('graph_offsets_from_conv', graph, {'data': N(2, 3, 6, 6, scale=0.3)}, op='graph',
         group=G, note='offsets predicted by a convolution, as deformable detectors do; small '
                       'data keeps the float32 noise of the summed weight gradients (both '
                       "MXNet's and ours, against float64) under the tolerance")


if __name__ == '__main__':
    sys.exit(main('deformable', define))
