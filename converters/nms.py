"""Greedy non-maximum suppression and the batched tensor helpers the box families share
(boxes.py: SSD and box_nms; proposal.py: the RPN's Proposal).

Not an op family: it registers no op.

* Greedy NMS (``greedy_nms``) is exact but tiled: a ``tf.while_loop`` over tiles of up to 128
  score-sorted boxes, each tile first losing the boxes overlapped by kept boxes of earlier tiles
  and then resolving its own suppression chain by fixed-point iteration; vectorised over the
  batch. Sorting is stable (ties keep input order), as MXNet's ``std::stable_sort``.
"""
import numpy as np
import tensorflow as tf

INF = float('inf')


def mx_float(value, dtype):
    """A float32 MXNet parameter as a constant of ``dtype`` (MXNet compares in float32)."""
    return tf.constant(np.asarray(np.float32(value)).astype(dtype.as_numpy_dtype))


def true_div(x, y):
    """x / y that stays a true division in graph mode (grappler's constant folding turns a
    division by a constant into a multiplication by its rounded reciprocal, which moves floor /
    ceil decisions by one ulp); y is never 0 where this is used."""
    return tf.math.divide_no_nan(x, y)


def stop_grads(*xs):
    """The tensors with their gradients stopped."""
    return [tf.stop_gradient(x) for x in xs]


def expand(x, axis=1):
    """x with a new size-1 axis (for broadcasting pairwise comparisons)."""
    return tf.expand_dims(x, axis)


def first_true(mask, axis=-1):
    """Index of the first True along ``axis`` (the axis length if none); static length."""
    n = mask.shape[axis]
    shape = [1] * mask.shape.rank
    shape[axis] = n
    idx = tf.constant(np.arange(n, dtype=np.int32).reshape(shape))
    return tf.reduce_min(tf.where(mask, idx, n), axis=axis)


def stable_argsort(key):
    """Stable ascending argsort along the last axis."""
    return tf.argsort(key, axis=-1, direction='ASCENDING', stable=True)


def batch_gather(x, idx):
    """x[b, idx[b, ...]] for x (B, N, ...) and int idx (B, ...)."""
    return tf.gather(x, idx, batch_dims=1)


def greedy_nms(cand, feats, overlaps, max_keep=None):
    """Greedy NMS over boxes already in priority order, vectorised over the batch.

    cand (B, N) bool: the boxes taking part (N static); feats (B, N, K) their features;
    ``overlaps(a, b)`` -> bool, broadcasting feature tensors (..., K): does a kept box ``a``
    suppress a later box ``b``. Same result as the sequential greedy walk (keeping at most
    ``max_keep``), computed T boxes at a time: the pending boxes are kept compacted in priority
    order; each step resolves the first T of them (their own chain of suppressions iterated to
    its unique fixed point), drops the later pending boxes they overlap and re-compacts the rest.
    So the work follows the boxes still pending, as MXNet's loops do. Returns kept (B, N).
    """
    n, k = cand.shape[1], feats.shape[-1]
    bsz = cand.shape[0]
    T = max(1, min(n, 128, max(16, 2 ** 22 // max((bsz or 8) * n, 1))))
    tri = tf.constant(np.triu(np.ones((T, T), bool), 1))                     # i < j

    def compact(mask, pos, f):
        order, cnt = kept_first(mask)
        width = tf.reduce_max(cnt)
        live = tf.range(tf.shape(mask)[1])[None] < expand(cnt)
        pos = tf.where(live, batch_gather(pos, order), n)[:, :width]
        return pos, batch_gather(f, order)[:, :width]

    pos0 = tf.zeros_like(cand, tf.int32) + tf.constant(np.arange(n, dtype=np.int32)[None])
    pos0, f0 = compact(cand, pos0, feats)
    nk0 = tf.reduce_sum(tf.zeros_like(cand, tf.int32), axis=1)

    def body(pos, f, kept, nk):
        hp, hf = pos[:, :T], f[:, :T]                                         # (B, t)
        t = tf.shape(hp)[1]
        init = hp < n
        own = overlaps(expand(hf, 2), expand(hf, 1)) & tri[:t, :t]                  # (B, t, t)

        def step(keep, changed):
            new = init & ~tf.reduce_any(expand(keep, 2) & own, axis=1)
            return new, tf.reduce_any(tf.not_equal(new, keep))
        keep, _ = tf.while_loop(lambda kp, ch: ch, step, (init, tf.constant(True)),
                                maximum_iterations=T)
        if max_keep is not None:
            keep = keep & (tf.cumsum(tf.cast(keep, tf.int32), axis=1) + expand(nk) <= max_keep)
            nk = nk + tf.reduce_sum(tf.cast(keep, tf.int32), axis=1)
        brow = tf.zeros_like(hp) + expand(tf.range(tf.shape(hp)[0]))
        kept = kept + tf.scatter_nd(tf.stack([brow, hp], axis=-1), tf.cast(keep, tf.int32),
                                    tf.shape(kept))
        rp, rf = pos[:, T:], f[:, T:]
        sup = tf.reduce_any(expand(keep, 2) & overlaps(expand(hf, 2), expand(rf, 1)), axis=1)
        alive = (rp < n) & ~sup
        if max_keep is not None:
            alive = alive & expand(nk < max_keep)
        pos, f = compact(alive, rp, rf)
        return pos, f, kept, nk

    kept0 = tf.pad(tf.zeros_like(cand, tf.int32), [[0, 0], [0, 1]])           # column n: padding
    _, _, kept, _ = tf.while_loop(
        lambda pos, f, kp, c: tf.shape(pos)[1] > 0, body, (pos0, f0, kept0, nk0),
        shape_invariants=(tf.TensorShape([bsz, None]), tf.TensorShape([bsz, None, k]),
                          kept0.shape, nk0.shape))
    return kept[:, :n] > 0


def kept_first(mask):
    """(order, count): ``order`` lists the positions where mask is True first (stable)."""
    m = tf.cast(mask, tf.int32)
    return stable_argsort(1 - m), tf.reduce_sum(m, axis=-1)
