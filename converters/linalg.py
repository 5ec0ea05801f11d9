"""MXNet's ``_linalg_*`` operators (``mx.sym.linalg.*``): BLAS/LAPACK-style products and
factorizations, batched over all leading dims (the matrices are the trailing two), and
``khatri_rao`` (column-wise Kronecker product, no gradient, as in MXNet).

MXNet conventions kept here:
- trmm / trsm / potri read only the triangle of A that ``lower`` names (potri: always lower) and
  their gradient w.r.t. A lives on that triangle; potrf and syevd read the lower triangle of A.
- potrf returns the lower Cholesky factor; potri takes that factor and returns (L L^T)^-1.
- gemm / gemm2 ``axis`` names the row axis (columns stay last): a swapaxes/gemm/swapaxes.
- gelqf returns (Q, L) with A = L Q (LAPACK's signs: L's diagonal may be negative);
  syevd returns (U, lambda) with eigenvectors in the ROWS of U, eigenvalues ascending, and each
  row's largest-magnitude entry made positive.
- det / slogdet / sumlogdiag of a single matrix have shape (1,); det and slogdet also have
  hidden outputs (MXNet: LU factors and pivots for its backward; here same-shaped stand-ins).
- extracttrian / maketrian pack a lower triangle row by row, an upper one column by column.
"""
import numpy as np
import tensorflow as tf

from .attrs import Param, parse_int
from .base import MXNetError
from .registry import op


def _check_float(x, what):
    if x.dtype not in (tf.float32, tf.float64):
        raise MXNetError('%s: the operator supports float32 and float64 data types only, got %s'
                         % (what, x.dtype.name))


def _check_matrix(x, what, square=False):
    s = x.shape.as_list()
    if len(s) < 2:
        raise MXNetError('%s: input must have at least 2 dims, got shape %s' % (what, tuple(s)))
    if square and s[-1] is not None and s[-2] is not None and s[-1] != s[-2]:
        raise MXNetError('%s: input must be a tensor of square matrices, got shape %s'
                         % (what, tuple(s)))
    _check_float(x, what)
    return s


def _check_batch(a, b, what, skip=2):
    sa, sb = a.shape.as_list(), b.shape.as_list()
    if len(sa) != len(sb):
        raise MXNetError('%s: inputs must have the same number of dims, got %s and %s'
                         % (what, tuple(sa), tuple(sb)))
    for x, y in zip(sa[:-skip], sb[:-skip]):
        if x is not None and y is not None and x != y:
            raise MXNetError('%s: inputs must have the same shape on the leading dims, got %s '
                             'and %s' % (what, tuple(sa), tuple(sb)))


def _tri(a, lower):
    return tf.linalg.band_part(a, -1, 0) if lower else tf.linalg.band_part(a, 0, -1)


def _swap_perm(ndim, axis):
    perm = list(range(ndim))
    perm[axis], perm[ndim - 2] = perm[ndim - 2], perm[axis]
    return perm


def _row_axis(p, ndim, what):
    a = p.axis + ndim if p.axis < 0 else p.axis
    if not 0 <= a < ndim - 1:
        raise MXNetError('%s: invalid row axis (%d)' % (what, p.axis))
    return a


def _matmul(p, a, b, what):
    _check_matrix(a, what)
    _check_matrix(b, what)
    nd = a.shape.rank
    if b.shape.rank != nd:
        raise MXNetError('%s: inputs must have the same number of dims' % what)
    axis = _row_axis(p, nd, what)
    perm = _swap_perm(nd, axis) if axis != nd - 2 else None
    if perm is not None:
        a, b = tf.transpose(a, perm), tf.transpose(b, perm)
    _check_batch(a, b, what)
    ka = a.shape[-2] if p.transpose_a else a.shape[-1]
    kb = b.shape[-1] if p.transpose_b else b.shape[-2]
    if ka is not None and kb is not None and ka != kb:
        raise MXNetError('%s: incompatible matrix dimensions for multiplication: %s x %s '
                         '(transpose_a=%s, transpose_b=%s)' % (what, tuple(a.shape.as_list()),
                                                               tuple(b.shape.as_list()),
                                                               p.transpose_a, p.transpose_b))
    out = tf.linalg.matmul(a, b, transpose_a=p.transpose_a, transpose_b=p.transpose_b)
    return out, perm


def _gemm_out_shape(p, a, b):
    nd = len(a)
    axis = p.axis + nd if p.axis < 0 else p.axis
    if len(b) != nd or not 0 <= axis < nd - 1:
        return None
    out = list(a)
    out[axis] = a[nd - 1] if p.transpose_a else a[axis]
    out[nd - 1] = b[axis] if p.transpose_b else b[nd - 1]
    return tuple(out)


def _gemm_infer_inputs(p, ins, outs):
    """As MXNet: C takes the product's shape (or the output's)."""
    if ins[2] is None:
        if ins[0] is not None and ins[1] is not None:
            ins[2] = _gemm_out_shape(p, ins[0], ins[1])
        elif outs and outs[0] is not None:
            ins[2] = outs[0]
    return ins


@op('_linalg_gemm', infer_inputs=_gemm_infer_inputs)
def linalg_gemm(ctx, p, A, B, C):
    """alpha * op(A) op(B) + beta * C."""
    prod, perm = _matmul(p, A, B, 'linalg_gemm')
    c = tf.transpose(C, perm) if perm is not None else C
    out = tf.cast(p.alpha, prod.dtype) * prod + tf.cast(p.beta, prod.dtype) * c
    return tf.transpose(out, perm) if perm is not None else out


@op('_linalg_gemm2')
def linalg_gemm2(ctx, p, A, B):
    """alpha * op(A) op(B)."""
    prod, perm = _matmul(p, A, B, 'linalg_gemm2')
    out = tf.cast(p.alpha, prod.dtype) * prod
    return tf.transpose(out, perm) if perm is not None else out


@op('_linalg_potrf')
def linalg_potrf(ctx, p, A):
    """Lower Cholesky factor L of the symmetric positive-definite A (A = L L^T)."""
    _check_matrix(A, 'linalg_potrf', square=True)
    return tf.linalg.cholesky(A)


@op('_linalg_potri')
def linalg_potri(ctx, p, A):
    """(L L^T)^-1 for the lower-triangular Cholesky factor L = tril(A)."""
    s = _check_matrix(A, 'linalg_potri', square=True)
    n = s[-1] if s[-1] is not None else tf.shape(A)[-1]
    eye = tf.eye(n, batch_shape=tf.shape(A)[:-2], dtype=A.dtype)
    return tf.linalg.cholesky_solve(_tri(A, True), eye)


def _check_triangular_shapes(p, A, B, what):
    _check_matrix(A, what, square=True)
    _check_matrix(B, what)
    _check_batch(A, B, what)
    n, bs = A.shape[-1], B.shape.as_list()
    k = bs[-1] if p.rightside else bs[-2]
    if n is not None and k is not None and n != k:
        raise MXNetError('%s: incompatible matrix dimensions: A %s, B %s (rightside=%s)'
                         % (what, tuple(A.shape.as_list()), tuple(bs), p.rightside))


@op('_linalg_trmm')
def linalg_trmm(ctx, p, A, B):
    """alpha * op(T) B (or alpha * B op(T) with ``rightside``), T the ``lower`` (else upper)
    triangle of A."""
    _check_triangular_shapes(p, A, B, 'linalg_trmm')
    t = _tri(A, p.lower)
    alpha = tf.cast(p.alpha, A.dtype)
    if p.rightside:
        return alpha * tf.linalg.matmul(B, t, transpose_b=p.transpose)
    return alpha * tf.linalg.matmul(t, B, transpose_a=p.transpose)


@op('_linalg_trsm')
def linalg_trsm(ctx, p, A, B):
    """X solving op(T) X = alpha B (X op(T) = alpha B with ``rightside``), T the ``lower``
    (else upper) triangle of A."""
    _check_triangular_shapes(p, A, B, 'linalg_trsm')
    rhs = tf.cast(p.alpha, A.dtype) * B
    t = _tri(A, p.lower)
    if not p.rightside:
        return tf.linalg.triangular_solve(t, rhs, lower=p.lower, adjoint=p.transpose)
    # X op(T) = R  <=>  op(T)^T X^T = R^T
    xt = tf.linalg.triangular_solve(t, tf.linalg.matrix_transpose(rhs), lower=p.lower,
                                    adjoint=not p.transpose)
    return tf.linalg.matrix_transpose(xt)


def _scalar_batch(x, ndim):
    """MXNet's legacy shape for per-matrix scalars: (1,) for a single matrix."""
    return tf.reshape(x, [1]) if ndim == 2 else x


@op('_linalg_sumlogdiag')
def linalg_sumlogdiag(ctx, p, A):
    """sum(log(diag(A))) per matrix."""
    s = _check_matrix(A, 'linalg_sumlogdiag', square=True)
    out = tf.reduce_sum(tf.math.log(tf.linalg.diag_part(A)), axis=-1)
    return _scalar_batch(out, len(s))


@op('_linalg_syrk')
def linalg_syrk(ctx, p, A):
    """alpha * A A^T (alpha * A^T A with ``transpose``)."""
    _check_matrix(A, 'linalg_syrk')
    prod = tf.linalg.matmul(A, A, transpose_a=p.transpose, transpose_b=not p.transpose)
    return tf.cast(p.alpha, A.dtype) * prod


@op('_linalg_gelqf', num_outputs=2)
def linalg_gelqf(ctx, p, A):
    """LQ factorization A = L Q of a full-rank (m, n) A with m <= n: outputs (Q (m, n) with
    orthonormal rows, L (m, m) lower triangular), from the QR factorization of A^T."""
    s = _check_matrix(A, 'linalg_gelqf')
    if s[-2] is not None and s[-1] is not None and s[-2] > s[-1]:
        raise MXNetError('linalg_gelqf: input must have shape (x, y) with x <= y, got %s'
                         % (tuple(s),))
    q, r = tf.linalg.qr(tf.linalg.matrix_transpose(A), full_matrices=False)
    return tf.linalg.matrix_transpose(q), tf.linalg.matrix_transpose(r)


def _syevd_grad(u, lam, du, dlam):
    """MXNet's syevd backward: dA = U^T Y U with Y_ii = dlam_i and, for i != j,
    Y_ij = (X_ij - X_ji) / (2 max(|lam_i - lam_j|, eps)) * sign, X = dU U^T -- the symmetric
    part of the unconstrained gradient."""
    x = tf.linalg.matmul(du, u, transpose_b=True)
    eps = 1e-30 if u.dtype == tf.float32 else 1e-100
    diff = lam[..., :, None] - lam[..., None, :]                 # lam_i - lam_j
    denom = 2.0 * tf.maximum(tf.abs(diff), eps)
    sign = tf.where(diff < 0, -tf.ones_like(diff), tf.ones_like(diff))
    y = (x - tf.linalg.matrix_transpose(x)) / denom * sign
    y = tf.linalg.set_diag(y, dlam)
    return tf.linalg.matmul(u, tf.linalg.matmul(y, u), transpose_a=True)


@op('_linalg_syevd', num_outputs=2)
def linalg_syevd(ctx, p, A):
    """Symmetric eigendecomposition from A's lower triangle: (U, lambda) with U A = diag(lambda)
    U, lambda ascending, eigenvectors as rows of U, each row's largest |entry| positive. The
    gradient is MXNet's symmetric one (TF's own would sit on the lower triangle)."""
    _check_matrix(A, 'linalg_syevd', square=True)

    @tf.custom_gradient
    def syevd(a):
        lam, v = tf.linalg.eigh(a)
        u = tf.linalg.matrix_transpose(v)
        pick = tf.argmax(tf.abs(u), axis=-1)
        lead = tf.gather(u, pick, axis=-1, batch_dims=u.shape.rank - 1)
        u = u * tf.where(lead < 0, -tf.ones_like(lead), tf.ones_like(lead))[..., None]

        def grad(du, dlam):
            du = tf.zeros_like(u) if du is None else du
            dlam = tf.zeros_like(lam) if dlam is None else dlam
            return _syevd_grad(u, lam, du, dlam)
        return (u, lam), grad
    return syevd(A)


@op('_linalg_inverse')
def linalg_inverse(ctx, p, A):
    """A^-1 per matrix."""
    _check_matrix(A, 'linalg_inverse', square=True)
    return tf.linalg.inv(A)


def _lu_hidden(A):
    """Stand-ins for MXNet's hidden det/slogdet outputs (its LU factors and pivots, used only by
    its own backward and never visible): A itself and identity pivots 1..n (int32), of MXNet's
    shapes and dtypes. (tf.linalg.lu fails on singular matrices, which MXNet accepts.)"""
    a = tf.stop_gradient(A)
    n = tf.shape(A)[-1]
    piv = tf.broadcast_to(tf.range(1, n + 1, dtype=tf.int32), tf.shape(A)[:-1])
    return tf.identity(a), tf.ensure_shape(piv, A.shape[:-1])


@op('_linalg_det', num_outputs=3, outputs=['output0'])
def linalg_det(ctx, p, A):
    """det(A) per matrix (+ the two hidden outputs, see _lu_hidden)."""
    s = _check_matrix(A, 'linalg_det', square=True)
    lu, piv = _lu_hidden(A)
    return _scalar_batch(tf.linalg.det(A), len(s)), lu, piv


@op('_linalg_slogdet', num_outputs=4, outputs=['output0', 'output1'])
def linalg_slogdet(ctx, p, A):
    """(sign(det A), log|det A|) per matrix; no gradient through the sign (+ the two hidden
    outputs, see _lu_hidden). A singular matrix gives sign 0 and -inf."""
    s = _check_matrix(A, 'linalg_slogdet', square=True)
    sign, logdet = tf.linalg.slogdet(A)
    lu, piv = _lu_hidden(A)
    return (_scalar_batch(tf.stop_gradient(sign), len(s)), _scalar_batch(logdet, len(s)), lu,
            piv)


@op('_linalg_extractdiag')
def linalg_extractdiag(ctx, p, A):
    """The ``offset``-th diagonal of each square matrix."""
    s = _check_matrix(A, 'linalg_extractdiag', square=True)
    if s[-1] is not None and abs(p.offset) >= s[-1]:
        raise MXNetError('linalg_extractdiag: offset %d is out of range for %dx%d matrices'
                         % (p.offset, s[-1], s[-1]))
    return tf.linalg.diag_part(A, k=p.offset)


def _vector_size(A, name):
    """The (known) last dim of a float input of at least one dim: the vectors it packs."""
    if A.shape.rank < 1:
        raise MXNetError('%s: input must have at least 1 dim' % name)
    _check_float(A, name)
    n = A.shape[-1]
    if n is None:
        raise MXNetError('%s: the last dim of the input must be known' % name)
    return n


@op('_linalg_makediag')
def linalg_makediag(ctx, p, A):
    """Square matrices of size n + |offset| with A (..., n) on the ``offset``-th diagonal."""
    n = _vector_size(A, 'linalg_makediag')
    m = n + abs(p.offset)
    return tf.linalg.diag(A, k=p.offset, num_rows=m, num_cols=m)


def _trian_index(n, offset, lower):
    """Flat (row * n + col) positions of the triangle in MXNet's packing order: a lower triangle
    row by row, an upper one column by column."""
    r, c = np.indices((n, n))
    if offset > 0 or (offset == 0 and not lower):
        mask = c - r >= offset
        return (r * n + c).T[mask.T]
    mask = r - c >= -offset
    return (r * n + c)[mask]


@op('_linalg_extracttrian')
def linalg_extracttrian(ctx, p, A):
    """The triangle of each square matrix (lower/upper w.r.t. the ``offset``-th diagonal: upper
    for offset > 0, lower for offset < 0, ``lower`` for 0), packed as _trian_index says."""
    s = _check_matrix(A, 'linalg_extracttrian', square=True)
    n = s[-1]
    if n is None:
        raise MXNetError('linalg_extracttrian: the matrix size must be known')
    if abs(p.offset) >= n:
        raise MXNetError('linalg_extracttrian: offset %d is out of range for %dx%d matrices'
                         % (p.offset, n, n))
    flat = tf.reshape(A, tf.concat([tf.shape(A)[:-2], [n * n]], 0))
    return tf.gather(flat, _trian_index(n, p.offset, p.lower), axis=-1)


@op('_linalg_maketrian')
def linalg_maketrian(ctx, p, A):
    """Inverse of extracttrian: square matrices with A (..., m) unpacked into the triangle and
    zeros elsewhere (size n + |offset| where m = n (n + 1) / 2)."""
    m = _vector_size(A, 'linalg_maketrian')
    k = int(round((np.sqrt(8 * m + 1) - 1) / 2))
    if k * (k + 1) // 2 != m:
        raise MXNetError('linalg_maketrian: the last dim (%d) is not a triangular number' % m)
    n = k + abs(p.offset)
    pos = _trian_index(n, p.offset, p.lower)
    index = np.full(n * n, m, dtype=np.int64)      # m -> the appended zero
    index[pos] = np.arange(m)
    padded = tf.concat([A, tf.zeros_like(A[..., :1])], axis=-1)
    out = tf.gather(padded, index, axis=-1)
    return tf.reshape(out, tf.concat([tf.shape(A)[:-1], [n, n]], 0))


# ------------------------------------------------------------------------------------------------
# khatri_rao.

@op('khatri_rao', extra_params=(Param('num_args', parse_int, required=True,
                                                type_str='int, required'),))
def khatri_rao(ctx, p, *args):
    """Column-wise Kronecker product of (M_i, N) matrices -> (prod M_i, N); no gradient."""
    if not args:
        raise MXNetError('khatri_rao needs at least one input')
    cols = None
    for a in args:
        s = a.shape.as_list()
        if len(s) != 2:
            raise MXNetError('khatri_rao: inputs must be matrices, got shape %s' % (tuple(s),))
        if cols is not None and s[1] is not None and cols != s[1]:
            raise MXNetError('khatri_rao: all inputs must have the same number of columns '
                             '(%d vs %d)' % (cols, s[1]))
        cols = s[1] if cols is None else cols
    out = tf.stop_gradient(args[0])
    for a in args[1:]:
        prod = out[:, None, :] * tf.stop_gradient(a)[None, :, :]
        rows = [out.shape[0], a.shape[0]]
        n = rows[0] * rows[1] if None not in rows else -1
        out = tf.reshape(prod, [n, -1 if cols is None else cols])
    return out
