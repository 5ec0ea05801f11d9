"""A model-parallel node's forward *and* backward ops on its ``ctx_group``'s device.

MXNet runs every backward node on its forward node's device (its profiler files each group's
``_backward_*`` ops under the group's device: tools/show_mxnet_backward_placement.py). TF's
GradientTape instead builds the gradient ops under whatever device scope is active when
``tape.gradient`` runs -- the executor's default context. So a placed node on a gradient path is lowered inside ``tf.custom_gradient``: its forward
runs under the node's device on an inner tape, and the gradient function differentiates that
inner tape inside the same device scope. The forward is not recomputed and the same TF gradient
functions run, so the numbers are those of the unplaced graph.
"""
import tensorflow as tf
from tensorflow.python.eager import record as _tf_record


def _floating(t):
    return t.dtype.is_floating or t.dtype.is_complex


def lower_on_device(lower, ctx, params, ins, dev):
    """``lower(ctx, params, *ins)`` with its forward and gradient ops on TF device ``dev``."""
    # the inputs a surrounding tape differentiates (not the data, labels or frozen parameters)
    wanted = [not ctx.no_grad and _floating(x) and _tf_record.should_record_backprop([x])
              for x in ins]
    if not any(wanted):     # inference, or off every gradient path: the forward alone
        with tf.device(dev):
            return lower(ctx, params, *ins)
    # Channels-last twins are tensors the wrapper neither receives nor returns: a gradient
    # through one would bypass the wrapper, so a placed node neither reads nor publishes them.
    ctx.layout = None
    ctx.unread = ()     # the wrapper returns tensors only: every output is built
    ctx.memo = None     # and its constants are its own, on its device
    single = []

    @tf.custom_gradient
    def node(*xs):
        wrt = [x for x, w in zip(xs, wanted) if w]
        with tf.device(dev):
            with tf.GradientTape(watch_accessed_variables=False) as tape:
                tape.watch(wrt)
                out = lower(ctx, params, *xs)
        single.append(not isinstance(out, (tuple, list)))
        outs = (out,) if single[0] else tuple(out)

        def grad(*dys):
            ys, gys = [], []
            for y, dy in zip(outs, dys):
                if dy is not None and _floating(y):
                    ys.append(y)
                    gys.append(tf.cast(dy, y.dtype))
            with tf.device(dev):
                gs = tape.gradient(ys, wrt, output_gradients=gys,
                                   unconnected_gradients=tf.UnconnectedGradients.ZERO) \
                    if ys else [tf.zeros_like(x) for x in wrt]
            it = iter(gs)
            return [next(it) if w else None for w in wanted]
        return outs, grad

    with tf.device(dev):    # the wrapper's identities too: no round trip through the default
        outs = node(*ins)
    return outs[0] if single[0] else tuple(outs)
