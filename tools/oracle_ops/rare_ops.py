"""Record MXNet 1.9.1 cases for rarely used ops that model files still carry (_rnn_param_concat,
reshape_like, batch_take, khatri_rao, _histogram, im2col, _eye, boolean_mask, ...; once the
family misc, still the label in its index.json).

    /tmp/mxnet-oracle/bin/python tools/oracle_ops/rare_ops.py [case,...]

Writes tests/fixtures/ops_by_family/rare_ops/ (corpus format, see tests/fixtures/ops/README.md).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _family_runner import main  # noqa: E402


def define(g):
    mx, V, N, U, I, C, case = g.mx, g.V, g.N, g.U, g.I, g.C, g.case
    S = mx.sym
    In = mx.sym._internal
    G = 'misc'

    # ---- _rnn_param_concat
    case('rnn_param_concat_dim0',
         lambda: In._rnn_param_concat(V('a'), V('b'), V('c'), dim=0, num_args=3, name='cat'),
         {'a': N(6), 'b': N(4), 'c': N(5)}, group=G, tol='move')
    case('rnn_param_concat_dim1',
         lambda: In._rnn_param_concat(V('a'), V('b'), dim=1, num_args=2, name='cat'),
         {'a': N(2, 3), 'b': N(2, 4)}, group=G, tol='move')

    def gluon(cell, **kw):
        def build():
            from mxnet.gluon import rnn
            net = getattr(rnn, cell)(4, prefix='rnn_', **kw)
            net.initialize()
            out = net(V('data'))
            return out[0] if isinstance(out, (list, tuple)) else out
        return build
    case('graph_gluon_lstm_bidir_2layer', gluon('LSTM', num_layers=2, bidirectional=True),
         {'data': N(5, 2, 3)}, op='graph', group=G,
         note='hybridized gluon.rnn.LSTM: Reshape(-1) of each parameter, _rnn_param_concat, RNN; '
              'the first layer i2h weights are declared (16, 0) and inferred through the concat')
    case('graph_gluon_gru', gluon('GRU', num_layers=1), {'data': N(4, 3, 5)}, op='graph',
         group=G, note='hybridized gluon.rnn.GRU')

    # ---- reshape_like
    case('reshape_like_all', lambda: S.reshape_like(V('lhs'), V('rhs'), name='rl'),
         {'lhs': N(6), 'rhs': N(3, 2)}, group=G, tol='move')
    case('reshape_like_ranges',
         lambda: S.reshape_like(V('lhs'), V('rhs'), lhs_begin=0, lhs_end=1, rhs_begin=0,
                                rhs_end=2, name='rl'),
         {'lhs': N(6, 2), 'rhs': N(3, 2, 4)}, group=G, tol='move', note='(6,2) -> (3,2,2)')
    case('reshape_like_negative',
         lambda: S.reshape_like(V('lhs'), V('rhs'), lhs_begin=-1, rhs_begin=1, name='rl'),
         {'lhs': N(3, 12), 'rhs': N(4, 2, 2, 3)}, group=G, tol='move',
         note='(3,12) -> (3,2,2,3)')
    case('reshape_like_int_rhs', lambda: S.reshape_like(V('lhs'), V('rhs'), name='rl'),
         {'lhs': N(2, 6), 'rhs': I(0, 5, 4, 3, dtype='int32')}, group=G, tol='move',
         note='rhs of another dtype only gives the shape')

    # ---- batch_take, khatri_rao, ravel / unravel
    case('batch_take', lambda: S.batch_take(V('a'), V('indices'), name='bt'),
         {'a': N(4, 3), 'indices': C([0, 2, 5, -1], dtype='int32')}, group=G, tol='move',
         backward=False, note='indices clipped to [0, 2]; MXNet registers no gradient')
    case('khatri_rao_2', lambda: S.khatri_rao(V('a'), V('b'), name='kr'),
         {'a': N(2, 3), 'b': N(4, 3)}, group=G, tol='elem', backward=False,
         note='MXNet registers no gradient')
    case('khatri_rao_3', lambda: S.khatri_rao(V('a'), V('b'), V('c'), name='kr'),
         {'a': N(2, 2), 'b': N(3, 2), 'c': N(2, 2)}, group=G, tol='elem', backward=False)
    case('ravel_multi_index', lambda: In._ravel_multi_index(V('data'), shape=(7, 6, 5), name='rv'),
         {'data': C([[3, 6, 0, 1], [4, 5, 2, 0], [1, 0, 4, 3]])}, group=G, tol='move',
         note='zero gradient')
    case('unravel_index', lambda: In._unravel_index(V('data'), shape=(7, 6, 5), name='uv'),
         {'data': C([22, 41, 37, 0, 209])}, group=G, tol='move')
    case('unravel_index_int64', lambda: In._unravel_index(V('data'), shape=(4, 3), name='uv'),
         {'data': C([0, 5, 11, 7], dtype='int64')}, group=G, tol='move')

    # ---- histogram
    case('histogram_bin_cnt',
         lambda: In._histogram(V('data'), bin_cnt=5, range=(-2.0, 2.0), name='h'),
         {'data': N(4, 25)}, group=G, tol='move', backward=False,
         note='values outside the range are ignored; counts int64')
    case('histogram_bins', lambda: In._histogram(V('data'), V('bins'), name='h'),
         {'data': N(50), 'bins': C([-1.0, -0.2, 0.0, 0.5, 2.0])}, group=G, tol='move',
         backward=False, note='explicit bin edges; the last bin is closed')
    case('histogram_edges_hit', lambda: In._histogram(V('data'), bin_cnt=4, range=(0, 4), name='h'),
         {'data': C([0, 1, 2, 3, 4, 4, 5, -1, 0.5, 3.99])}, group=G, tol='move', backward=False,
         note='values on edges go right, the max goes to the last bin')

    # ---- quadratic (_square_sum is not recorded: MXNet 1.9.1 runs it on row_sparse input only)
    case('quadratic', lambda: S.contrib.quadratic(V('data'), a=2.0, b=-1.5, c=0.5, name='q'),
         {'data': N(3, 4)}, group=G, tol='elem')
    case('quadratic_default', lambda: S.contrib.quadratic(V('data'), name='q'),
         {'data': N(3, 4)}, group=G, tol='elem', note='a=b=c=0')

    # ---- index_copy, index_array, boolean_mask
    case('index_copy', lambda: S.contrib.index_copy(V('old'), V('index'), V('new'), name='ic'),
         {'old': N(5, 3), 'index': C([0, 4, 2]), 'new': N(3, 3)}, no_grad=('index',), group=G,
         tol='move')
    case('index_copy_int_index',
         lambda: S.contrib.index_copy(V('old'), V('index'), V('new'), name='ic'),
         {'old': N(4, 2, 3), 'index': C([3, 1], dtype='int64'), 'new': N(2, 2, 3)}, group=G,
         tol='move')
    case('index_array', lambda: S.contrib.index_array(V('data'), name='ia'), {'data': N(3, 2)},
         group=G, tol='move', note='int64 output; zero gradient')
    case('index_array_axes', lambda: S.contrib.index_array(V('data'), axes=(1, 0), name='ia'),
         {'data': N(3, 2, 2)}, group=G, tol='move')
    case('index_array_neg_axes', lambda: S.contrib.index_array(V('data'), axes=(-1,), name='ia'),
         {'data': N(2, 3, 4)}, group=G, tol='move')
    # boolean_mask, _onehot_encode and fill_element_0index cannot be recorded as symbols
    # (no shape inference / NDArray-only functions): see tests/test_ops_rare.py.

    # ---- storage no-ops
    case('cast_storage_default', lambda: S.cast_storage(V('data'), stype='default', name='cs'),
         {'data': N(3, 4)}, group=G, tol='move')
    case('identity_with_attr_like_rhs',
         lambda: In._identity_with_attr_like_rhs(V('lhs'), V('rhs'), name='id'),
         {'lhs': N(3, 4), 'rhs': N(3, 4)}, group=G, tol='move')


    # ---- im2col / col2im
    case('im2col_2d', lambda: S.im2col(V('data'), kernel=(2, 3), stride=(1, 2), pad=(1, 0),
                                       name='ic'), {'data': N(2, 3, 4, 5)}, group=G, tol='move',
         note='gradient is col2im')
    case('im2col_2d_dilate', lambda: S.im2col(V('data'), kernel=(2, 2), dilate=(2, 1), name='ic'),
         {'data': N(1, 2, 5, 4)}, group=G, tol='move')
    case('im2col_1d', lambda: S.im2col(V('data'), kernel=(3,), stride=(2,), pad=(1,), name='ic'),
         {'data': N(2, 2, 7)}, group=G, tol='move')
    case('im2col_3d', lambda: S.im2col(V('data'), kernel=(2, 2, 2), name='ic'),
         {'data': N(1, 2, 3, 3, 4)}, group=G, tol='move')
    case('col2im_2d', lambda: S.col2im(V('data'), output_size=(4, 5), kernel=(2, 3),
                                       stride=(1, 2), pad=(1, 0), name='ci'),
         {'data': N(2, 18, 10)}, group=G, tol='elem', note='overlapping taps are summed')
    case('col2im_1d_dilate', lambda: S.col2im(V('data'), output_size=(6,), kernel=(2,),
                                              dilate=(2,), name='ci'),
         {'data': N(1, 6, 4)}, group=G, tol='elem')

    # ---- slice assignment, eye, SparseEmbedding
    case('slice_assign', lambda: In._slice_assign(V('lhs'), V('rhs'), begin=(1, None),
                                                  end=(3, None), step=(1, 2), name='sa'),
         {'lhs': N(4, 5), 'rhs': N(2, 3)}, group=G, tol='move', backward=False,
         note='MXNet registers no gradient')
    case('slice_assign_3d_negative', lambda: In._slice_assign(V('lhs'), V('rhs'), begin=(-1, 0),
                                                              end=(None, 2), step=(-2, 1),
                                                              name='sa'),
         {'lhs': N(5, 3, 2), 'rhs': N(3, 2, 2)}, group=G, tol='move', backward=False)
    case('slice_assign_scalar', lambda: In._slice_assign_scalar(V('data'), scalar=7.5,
                                                                begin=(0, 1), end=(None, 4),
                                                                step=(2, 2), name='sa'),
         {'data': N(5, 5)}, group=G, tol='move', backward=False)
    case('eye', lambda: In._eye(N=3, M=4, k=1, dtype='int32', name='eye'), {}, group=G,
         tol='move', backward=False)
    case('eye_square_neg_k', lambda: In._eye(N=4, k=-2, name='eye'), {}, group=G, tol='move',
         backward=False)
    case('sparse_embedding', lambda: S.contrib.SparseEmbedding(V('data'), V('weight'), input_dim=5,
                                                               output_dim=3, name='emb'),
         {'data': C([[0, 7], [-2, 1], [4, 3]])}, group=G, tol='move', backward=False,
         note="indices clipped; MXNet's dense executor cannot build the row_sparse backward")


    # ---- _contrib_allclose (forward only: MXNet gives it no gradient)
    def allclose(**kw):
        return lambda: mx.sym.contrib.allclose(V('a'), V('b'), name='ac', **kw)
    case('allclose_true', allclose(rtol=1e-3, atol=1e-4),
         {'a': C([[1.0, 2.0], [-3.0, 1e-5]]), 'b': C([[1.0005, 2.001], [-3.002, 0.0]])},
         group=G, tol='move', backward=False)
    case('allclose_false', allclose(), {'a': C([1.0, 2.0]), 'b': C([1.0, 2.0001])}, group=G,
         tol='move', backward=False)
    case('allclose_nan_equal', allclose(), {'a': C([1.0, float('nan')]),
                                            'b': C([1.0, float('nan')])},
         group=G, tol='move', backward=False)
    case('allclose_nan_not_equal', allclose(equal_nan=False),
         {'a': C([1.0, float('nan')]), 'b': C([1.0, float('nan')])}, group=G, tol='move',
         backward=False)

    # ---- IdentityAttachKLSparseReg
    def klreg(**kw):
        return lambda: mx.sym.IdentityAttachKLSparseReg(V('data'), name='kl', **kw)
    case('kl_sparse_reg', klreg(), {'data': U(0.1, 0.9, 4, 5)},
         aux={'kl_moving_avg': U(0.2, 0.8, 5)}, group=G,
         note='identity; backward adds the KL penalty of the updated moving average')
    case('kl_sparse_reg_params', klreg(sparseness_target=0.3, penalty=0.01, momentum=0.5),
         {'data': U(0.1, 0.9, 3, 8)}, aux={'kl_moving_avg': U(0.2, 0.8, 8)}, group=G,
         note='MXNet sizes moving_avg by data.shape[1]; its backward fails for data of more '
              'than 2 dims')


    # ---- _linspace (no inputs)
    case('linspace_endpoint', lambda: mx.sym._internal._linspace(start=-1.5, stop=2.25, num=7,
                                                                 name='ls'),
         {}, group=G, tol='move', backward=False)
    case('linspace_no_endpoint_f64', lambda: mx.sym._internal._linspace(
        start=3, stop=-1, num=6, endpoint=False, dtype='float64', name='ls'),
         {}, group=G, tol='move', backward=False)
    case('linspace_int32', lambda: mx.sym._internal._linspace(start=0, stop=10, num=4,
                                                              dtype='int32', name='ls'),
         {}, group=G, tol='move', backward=False, note='values truncated toward zero')


if __name__ == '__main__':
    sys.exit(main('misc', define, folder='rare_ops'))
