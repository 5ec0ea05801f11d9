"""Channels-last twins: fewer transposes around TF's channels-last kernels.

MXNet's data is channels-first (NCHW); TF's CPU convolution, pooling and fused BatchNorm kernels
want channels-last, so each such op transposes in and out. Within one graph call, an op that
produces its channels-first output by transposing a channels-last result records that result as
the output's *twin*; the next op that needs channels-last takes the twin instead of transposing
again, and element-wise ops (activations, same-shape arithmetic) and concatenations whose
inputs all have twins compute on the twins and record theirs. A channels-first tensor nothing
reads anymore is pruned by TF, so a conv -> BatchNorm -> relu -> pool chain transposes once in
and once out.

The twins live in ``ctx.layout`` (one dict per graph call, keyed by tensor reference); without it
(shape inference, eager calls) every helper simply transposes.
"""
import tensorflow as tf


def _to_last(nd):
    return [0] + list(range(2, nd + 2)) + [1]


def _to_first(nd):
    return [0, nd + 1] + list(range(1, nd + 1))


def _cache(ctx):
    return getattr(ctx, 'layout', None) if ctx is not None else None


def twin(ctx, x):
    """x's channels-last twin, or None."""
    return twin_in(_cache(ctx), x)


def twin_in(cache, x):
    """x's twin in one graph call's layout dict (``ctx.layout``), or None."""
    if cache is None or not isinstance(x, tf.Tensor):
        return None
    return cache.get(x.ref())


def transpose(ctx, x, perm):
    """tf.transpose(x, perm) with the permutation's constant made once per graph call
    (LowerContext.shared) rather than once per transpose."""
    shared = getattr(ctx, 'shared', None)
    if shared is not None:
        perm = shared(('perm',) + tuple(perm), lambda: tf.constant(perm, tf.int32))
    return tf.transpose(x, perm)


def channels_last(ctx, x, nd):
    """x (N, C, *S) as (N, *S, C): its twin when there is one, else a transpose."""
    t = twin(ctx, x)
    return t if t is not None else transpose(ctx, x, _to_last(nd))


def channels_first(ctx, y, nd):
    """y (N, *S, C) as (N, C, *S), remembering y as the result's twin."""
    x = transpose(ctx, y, _to_first(nd))
    cache = _cache(ctx)
    if cache is not None:
        cache[x.ref()] = y
    return x


def elementwise(ctx, fn, *inputs):
    """fn(*inputs) computed on the channels-last twins when every input has one (the result
    then has its own twin); None when they do not (the caller computes fn as usual)."""
    twins = [twin(ctx, x) for x in inputs]
    if not inputs or any(t is None for t in twins):
        return None
    nd = twins[0].shape.rank - 2
    return channels_first(ctx, fn(*twins), nd)


def concat(ctx, xs, axis):
    """tf.concat(xs, axis) of channels-first tensors computed on their channels-last twins when
    every input has one (the result then has its own twin); None when they do not."""
    twins = [twin(ctx, x) for x in xs]
    if not xs or any(t is None for t in twins):
        return None
    nd = twins[0].shape.rank - 2
    return channels_first(ctx, tf.concat(twins, _to_last(nd).index(axis)), nd)
