"""Record MXNet 1.9.1 cases for the BatchNorm variants of converters/norm_variants.py.

    /tmp/mxnet-oracle/bin/python tools/oracle_ops/norm_variants.py [case,...]

Writes tests/fixtures/ops_by_family/norm_variants/ (corpus format, tests/fixtures/ops/README.md).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _family_runner import main  # noqa: E402


def define(g):
    mx, N, U, case = g.mx, g.N, g.U, g.case
    D = mx.sym.var('data')
    G = 'norm_variants'

    def params(prefix, c=3):
        return {prefix + '_gamma': U(0.5, 1.5, c), prefix + '_beta': N(c, scale=0.5)}

    def aux(prefix, c=3):
        return {prefix + '_moving_mean': N(c, scale=0.3), prefix + '_moving_var': U(0.5, 2.0, c)}

    # ---- BatchNorm_v1
    def v1(**kw):
        return lambda: mx.sym.BatchNorm_v1(D, name='bn', **kw)
    case('bn_v1_default', v1(), {'data': N(4, 3, 3, 3, mean=0.5)}, params('bn'), aux('bn'),
         group=G, note='fix_gamma=True: gamma used as 1, zero gradient')
    case('bn_v1_fix_gamma_false', v1(fix_gamma=False, momentum=0.8),
         {'data': N(4, 3, 3, 3, mean=0.5)}, params('bn'), aux('bn'), group=G)
    case('bn_v1_output_mean_var', v1(fix_gamma=False, output_mean_var=True, eps=0.01),
         {'data': N(5, 3)}, params('bn'), aux('bn'), group=G,
         note='outputs (output, mean, var): the variance, not the inverse std')
    case('bn_v1_use_global_stats', v1(fix_gamma=False, use_global_stats=True),
         {'data': N(4, 3, 2, 2)}, params('bn'), aux('bn'), group=G)

    # ---- _contrib_SyncBatchNorm (one device)
    def sync(**kw):
        return lambda: mx.sym.contrib.SyncBatchNorm(D, name='sbn', key='sbn_key', **kw)
    case('sync_bn_default', sync(), {'data': N(4, 3, 3, 3, mean=0.5)}, params('sbn'),
         aux('sbn'), group=G)
    case('sync_bn_fix_gamma_false', sync(fix_gamma=False, momentum=0.7, eps=1e-5),
         {'data': N(4, 3, 3, 3, mean=0.5)}, params('sbn'), aux('sbn'), group=G)
    # (output_mean_var is checked in tests/test_ops_norm_variants.py: outside training MXNet
    # leaves the mean/var outputs unwritten, so an inference replay would compare garbage)
    case('sync_bn_use_global_stats_ndev4', sync(fix_gamma=False, use_global_stats=True, ndev=4),
         {'data': N(4, 3, 2, 2)}, params('sbn'), aux('sbn'), group=G,
         note='global statistics need no synchronisation, whatever ndev')

    # ---- _contrib_BatchNormWithReLU
    def bnrelu(**kw):
        return lambda: mx.sym.contrib.BatchNormWithReLU(D, name='bnr', **kw)
    case('bn_relu_default', bnrelu(), {'data': N(4, 3, 3, 3)}, params('bnr'), aux('bnr'),
         group=G)
    case('bn_relu_fix_gamma_false', bnrelu(fix_gamma=False, momentum=0.5),
         {'data': N(4, 3, 2, 2, mean=0.2)}, params('bnr'), aux('bnr'), group=G,
         note='MXNet runs this op only through oneDNN: 4-D data, channel axis 1')
    case('bn_relu_output_mean_var', bnrelu(fix_gamma=False, output_mean_var=True),
         {'data': N(5, 3, 2, 2)}, params('bnr'), aux('bnr'), group=G)

    # ---- a graph: conv + SyncBatchNorm + relu + pooling, as GluonCV exports them
    def graph():
        x = mx.sym.Convolution(D, num_filter=4, kernel=(3, 3), pad=(1, 1), name='conv')
        x = mx.sym.contrib.SyncBatchNorm(x, fix_gamma=False, key='k0', ndev=8, name='syncbn')
        x = mx.sym.Activation(x, act_type='relu', name='relu')
        return mx.sym.Pooling(x, kernel=(2, 2), stride=(2, 2), pool_type='max', name='pool')
    case('graph_conv_syncbn_ndev8_inference', graph, {'data': N(2, 3, 6, 6)}, op='graph',
         group=G, deterministic=False,
         note='a GluonCV-style SyncBatchNorm (ndev=8) model, inference only: training waits '
              'for 8 devices in MXNet')


if __name__ == '__main__':
    sys.exit(main('norm_variants', define))
