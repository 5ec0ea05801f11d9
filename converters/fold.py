"""Inference folds: a convolution's bias folded into the BatchNorm that reads its output.

Grappler's remapper fuses Conv2D + FusedBatchNorm (+ Relu) into one kernel, and Conv2D + BiasAdd
into another, but has no pattern for Conv2D + BiasAdd + FusedBatchNorm: a biased convolution
(Gluon's default ``use_bias=True``, e.g. the 1x1 convolutions of every ResNet v1 bottleneck)
keeps its BatchNorm as a separate pass over the activations. In an inference call
BN(conv(x) + b) = BN'(conv(x)) with BN' using moving_mean - b, so a convolution records its
channels-last output's pre-bias form here and BatchNorm lowers to that form with the shifted
mean (the moving statistics are read in the call, so nothing goes stale when they change).

The records live in the call's ``ctx.layout`` dict (one per graph call, see layout.py) under
keys of their own; without it (shape inference, eager calls, placed nodes) nothing is folded.
"""
import tensorflow as tf


def _cache(ctx):
    return getattr(ctx, 'layout', None) if ctx is not None else None


def remember_bias(ctx, biased, plain, bias):
    """Note that ``biased`` is ``plain + bias`` (channels-last, bias over the last axis); only
    in inference calls, where nothing differentiates through the fold."""
    cache = _cache(ctx)
    if cache is not None and ctx.no_grad:
        cache[('bias', biased.ref())] = (plain, bias)


def pre_bias(ctx, x):
    """(plain, bias) when ``x`` is a recorded ``plain + bias``, else None."""
    cache = _cache(ctx)
    if cache is None or not ctx.no_grad or not isinstance(x, tf.Tensor):
        return None
    return cache.get(('bias', x.ref()))
