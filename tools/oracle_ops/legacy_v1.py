"""Record MXNet 1.9.1 cases for the MXNet 0.x operators Convolution_v1 and Pooling_v1 (old model
files still name them; BatchNorm_v1 is in norm_variants.py).

    /tmp/mxnet-oracle/bin/python tools/oracle_ops/legacy_v1.py [case,...]

Writes tests/fixtures/ops_by_family/legacy_v1/ (corpus format, see tests/fixtures/ops/README.md).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _family_runner import main  # noqa: E402


def define(g):
    mx, N, case = g.mx, g.N, g.case
    D = mx.sym.var('data')
    G = 'legacy_v1'

    def conv(**kw):
        return lambda: mx.sym.Convolution_v1(D, name='conv', **kw)
    case('conv_v1_3x3', conv(num_filter=4, kernel=(3, 3)), {'data': N(2, 3, 5, 5)}, group=G)
    case('conv_v1_stride_pad_dilate', conv(num_filter=2, kernel=(3, 3), stride=(2, 1),
                                           pad=(1, 2), dilate=(1, 2)),
         {'data': N(2, 3, 7, 6)}, group=G)
    case('conv_v1_groups_no_bias', conv(num_filter=4, kernel=(1, 3), num_group=2, no_bias=True),
         {'data': N(2, 4, 3, 5)}, group=G)
    case('conv_v1_3d', conv(num_filter=2, kernel=(2, 2, 2)), {'data': N(1, 2, 3, 3, 3)},
         group=G, expect_fail='3-D Convolution_v1')

    def pool(**kw):
        return lambda: mx.sym.Pooling_v1(D, name='pool', **kw)
    case('pool_v1_max', pool(kernel=(2, 2), stride=(2, 2), pool_type='max'),
         {'data': N(2, 3, 5, 5)}, group=G)
    case('pool_v1_avg_pad_full', pool(kernel=(3, 3), stride=(2, 2), pad=(1, 1),
                                      pool_type='avg', pooling_convention='full'),
         {'data': N(2, 2, 6, 6)}, group=G, note='avg divides by the padded window')
    case('pool_v1_sum', pool(kernel=(2, 3), pool_type='sum'), {'data': N(1, 2, 4, 5)}, group=G)
    case('pool_v1_global_avg', pool(kernel=(1, 1), global_pool=True, pool_type='avg'),
         {'data': N(2, 3, 4, 4)}, group=G)

    def graph():
        x = mx.sym.Convolution_v1(D, num_filter=4, kernel=(3, 3), pad=(1, 1), name='conv1')
        x = mx.sym.BatchNorm_v1(x, fix_gamma=False, name='bn1')
        x = mx.sym.Activation(x, act_type='relu', name='relu1')
        x = mx.sym.Pooling_v1(x, kernel=(2, 2), stride=(2, 2), pool_type='max', name='pool1')
        x = mx.sym.FullyConnected(x, num_hidden=3, name='fc')
        return mx.sym.SoftmaxOutput(x, name='softmax')
    case('graph_v1_convnet', graph, {'data': N(2, 3, 6, 6), 'softmax_label': g.I(0, 3, 2)},
         op='graph', group=G, loss_op=True, no_grad=('softmax_label',),
         note='a 2016-style MXNet convnet built from the _v1 operators')


if __name__ == '__main__':
    sys.exit(main('legacy_v1', define))
