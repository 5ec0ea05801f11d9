"""Record MXNet 1.9.1 cases for the _linalg_* ops (converters/linalg.py).

    /tmp/mxnet-oracle/bin/python tools/oracle_ops/linalg.py [case,...]

Writes tests/fixtures/ops_by_family/linalg/ (corpus format, see tests/fixtures/ops/README.md).
Inputs are well conditioned (SPD matrices, triangles with a dominant diagonal, distinct
eigenvalues) so that the recorded gradients are stable.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _family_runner import main  # noqa: E402


def define(g):
    mx, V, N, case, Gen = g.mx, g.V, g.N, g.case, g.Gen
    L = mx.sym.linalg
    G = 'linalg'
    A, B, C = V('A'), V('B'), V('C')

    def spd(*shape, dtype='float32'):
        def f(r):
            x = r.standard_normal(shape)
            m = np.matmul(x, np.swapaxes(x, -1, -2)) + shape[-1] * np.eye(shape[-1])
            return m.astype(dtype)
        return Gen(f)

    def tri_ok(*shape):
        """Random full matrices whose diagonal is kept away from zero (any triangle is fine)."""
        def f(r):
            x = r.standard_normal(shape) * 0.5
            d = np.sign(r.standard_normal(shape[:-1])) * r.uniform(1.5, 2.5, shape[:-1])
            idx = np.arange(shape[-1])
            x[..., idx, idx] = d
            return x.astype('float32')
        return Gen(f)

    def pos_tri(*shape):
        def f(r):
            x = r.standard_normal(shape) * 0.5
            idx = np.arange(shape[-1])
            x[..., idx, idx] = r.uniform(1.0, 2.0, shape[:-1])
            return x.astype('float32')
        return Gen(f)

    # ---- gemm / gemm2
    case('gemm', lambda: L.gemm(A, B, C, alpha=1.5, beta=0.5, name='la'),
         {'A': N(2, 3), 'B': N(3, 4), 'C': N(2, 4)}, group=G)
    case('gemm_transposed', lambda: L.gemm(A, B, C, transpose_a=True, transpose_b=True,
                                           alpha=2.0, beta=-1.0, name='la'),
         {'A': N(3, 2), 'B': N(4, 3), 'C': N(2, 4)}, group=G)
    case('gemm_batch', lambda: L.gemm(A, B, C, transpose_b=True, name='la'),
         {'A': N(2, 3, 2, 4), 'B': N(2, 3, 5, 4), 'C': N(2, 3, 2, 5)}, group=G)
    case('gemm_axis1', lambda: L.gemm(A, B, C, axis=1, name='la'),
         {'A': N(2, 3, 4, 5), 'B': N(2, 5, 4, 2), 'C': N(2, 3, 4, 2)}, group=G,
         note='rows on axis 1, columns last')
    case('gemm2', lambda: L.gemm2(A, B, alpha=0.5, name='la'), {'A': N(3, 4), 'B': N(4, 2)},
         group=G)
    case('gemm2_transposed_batch', lambda: L.gemm2(A, B, transpose_a=True, name='la'),
         {'A': N(2, 4, 3), 'B': N(2, 4, 5)}, group=G)
    case('gemm2_axis0', lambda: L.gemm2(A, B, axis=0, transpose_b=True, name='la'),
         {'A': N(3, 2, 4), 'B': N(5, 2, 4)}, group=G, note='rows on axis 0')
    case('gemm2_f64', lambda: L.gemm2(A, B, name='la'),
         {'A': N(3, 4, dtype='float64'), 'B': N(4, 2, dtype='float64')}, group=G, tol='f64')

    # ---- Cholesky family
    case('potrf', lambda: L.potrf(A, name='la'), {'A': spd(3, 3)}, group=G)
    case('potrf_batch_f64', lambda: L.potrf(A, name='la'), {'A': spd(2, 4, 4, dtype='float64')},
         group=G, tol='f64')
    case('potri', lambda: L.potri(A, name='la'), {'A': pos_tri(3, 3)}, group=G,
         note='full input: only the lower triangle is read')
    case('potri_batch', lambda: L.potri(A, name='la'), {'A': pos_tri(2, 3, 3)}, group=G)
    case('sumlogdiag', lambda: L.sumlogdiag(A, name='la'), {'A': spd(3, 3)}, group=G)
    case('sumlogdiag_batch', lambda: L.sumlogdiag(A, name='la'), {'A': spd(2, 3, 3)}, group=G)

    # ---- triangular products and solves
    for nm, kw in (('', {}), ('_upper', dict(lower=False)), ('_transpose', dict(transpose=True)),
                   ('_rightside', dict(rightside=True)),
                   ('_right_upper_t', dict(rightside=True, lower=False, transpose=True))):
        bshape = (2, 3) if kw.get('rightside') else (3, 2)
        case('trmm' + nm, lambda kw=kw: L.trmm(A, B, alpha=1.5, name='la', **kw),
             {'A': tri_ok(3, 3), 'B': N(*bshape)}, group=G,
             note='full A: only the selected triangle is read')
        case('trsm' + nm, lambda kw=kw: L.trsm(A, B, alpha=0.5, name='la', **kw),
             {'A': tri_ok(3, 3), 'B': N(*bshape)}, group=G)
    case('trsm_batch', lambda: L.trsm(A, B, name='la'), {'A': tri_ok(2, 3, 3), 'B': N(2, 3, 4)},
         group=G)
    case('syrk', lambda: L.syrk(A, alpha=0.5, name='la'), {'A': N(2, 3)}, group=G)
    case('syrk_transpose_batch', lambda: L.syrk(A, transpose=True, name='la'),
         {'A': N(2, 3, 4)}, group=G)

    # ---- factorizations
    case('gelqf', lambda: L.gelqf(A, name='la'), {'A': N(2, 3)}, group=G,
         note='outputs (Q, L): A = L Q, LAPACK signs')
    case('gelqf_batch', lambda: L.gelqf(A, name='la'), {'A': N(2, 3, 5)}, group=G)
    case('gelqf_square', lambda: L.gelqf(A, name='la'), {'A': N(3, 3)}, group=G)

    def sym_distinct(*shape):
        def f(r):
            n = shape[-1]
            q, _ = np.linalg.qr(r.standard_normal(shape))
            lam = np.sort(r.uniform(-3, 3, shape[:-1]), axis=-1) + np.arange(n) * 1.0
            m = np.matmul(q * lam[..., None, :], np.swapaxes(q, -1, -2))
            return ((m + np.swapaxes(m, -1, -2)) / 2).astype('float32')
        return Gen(f)
    case('syevd', lambda: L.syevd(A, name='la'), {'A': sym_distinct(3, 3)},
         group=G, note='outputs (U, lambda); rows of U are eigenvectors')
    case('syevd_batch', lambda: L.syevd(A, name='la'),
         {'A': sym_distinct(2, 4, 4)}, group=G)
    case('inverse', lambda: L.inverse(A, name='la'), {'A': tri_ok(3, 3)}, group=G)
    case('inverse_batch', lambda: L.inverse(A, name='la'), {'A': spd(2, 3, 3)}, group=G)
    case('det', lambda: L.det(A, name='la'), {'A': tri_ok(3, 3)}, group=G,
         note='hidden outputs LU, pivots')
    case('det_batch', lambda: L.det(A, name='la'), {'A': tri_ok(2, 2, 3, 3)}, group=G)
    case('slogdet', lambda: L.slogdet(A, name='la'), {'A': tri_ok(3, 3)}, group=G)
    case('slogdet_batch', lambda: L.slogdet(A, name='la'), {'A': tri_ok(4, 3, 3)}, group=G,
         note='mixed signs')

    # ---- diagonals and triangles
    case('extractdiag', lambda: L.extractdiag(A, name='la'), {'A': N(3, 3)}, group=G, tol='move')
    case('extractdiag_offset', lambda: L.extractdiag(A, offset=1, name='la'), {'A': N(2, 4, 4)},
         group=G, tol='move')
    case('extractdiag_neg_offset', lambda: L.extractdiag(A, offset=-2, name='la'),
         {'A': N(4, 4)}, group=G, tol='move')
    case('makediag', lambda: L.makediag(A, name='la'), {'A': N(3)}, group=G, tol='move')
    case('makediag_offset_batch', lambda: L.makediag(A, offset=-1, name='la'), {'A': N(2, 3)},
         group=G, tol='move')
    for nm, kw in (('', {}), ('_upper', dict(lower=False)), ('_offset1', dict(offset=1)),
                   ('_offset_m2', dict(offset=-2)),
                   ('_offset1_lowerflag', dict(offset=1, lower=True))):
        case('extracttrian' + nm, lambda kw=kw: L.extracttrian(A, name='la', **kw),
             {'A': N(2, 4, 4)}, group=G, tol='move')
    for nm, kw, m in (('', {}, 6), ('_upper', dict(lower=False), 6),
                      ('_offset1', dict(offset=1), 6),
                      ('_offset_m2', dict(offset=-2), 3)):
        case('maketrian' + nm, lambda kw=kw: L.maketrian(A, name='la', **kw),
             {'A': N(2, m)}, group=G, tol='move')


if __name__ == '__main__':
    sys.exit(main('linalg_extra', define, folder='linalg'))
