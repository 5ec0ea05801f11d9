"""A 2-D convolution's gradient as forward convolutions, where TF's CPU backprop kernels are slow.

Without oneDNN, TF's CPU ``Conv2DBackpropFilter`` / ``Conv2DBackpropInput`` run several times
slower than the forward ``Conv2D`` on the same sizes for small channel counts, and the filter
gradient's time varies 3x with the process's memory layout (a ResNet's 32x32x16 3x3 layer:
6-21 ms of CPU a batch of 32, the forward 3.4 ms). Both gradients are convolutions themselves,
and TF's forward kernel (Eigen's spatial convolution) runs them fast:

* the filter gradient of a stride-s convolution is the convolution of the input, its channels
  as the batch and its batch as the channels, with the output gradient as the filter, dilated
  by s;
* the input gradient at stride 1 is the convolution of the output gradient, padded by
  kernel - 1 - pad, with the kernel flipped and its in/out channels swapped.

Which form runs is chosen per layer by its sizes, from per-kernel CPU timings on a 2-core x86
machine (``benchmarks/bench_conv_grad.py``): the filter form at stride 1 for kernels larger than
1x1 on batches of 8 or more (1.0-2.9x less CPU; 1x1 and strided ones are slower that way), the
input form at stride 1 for 1x1-3x3 kernels with 16 or more channels in and out (1.0-2.0x;
5x5 kernels and few channels are slower). Elsewhere, and for other dtypes than float32 (which
were not measured; float16 would round differently), TF's own gradient runs. The values are the
same sums in another order (float32 rounding differs in the last bits).
"""
import tensorflow as tf
try:    # TF's tape API (private), as activation.py's relu uses it
    from tensorflow.python.eager import record as _record
except ImportError:  # pragma: no cover - another TF layout: TF's own gradient
    _record = None


def _filter_form(n, kernel, stride):
    return stride == (1, 1) and kernel != (1, 1) and n is not None and n >= 8


def _input_form(channels, kernel, stride, pad):
    return (stride == (1, 1) and all(k <= 3 for k in kernel)
            and all(q <= k - 1 for q, k in zip(pad, kernel))
            and all(c is not None and c >= 16 for c in channels))


def _filter_grad(x, dy, kernel, stride, pad):
    """dL/dw (kh, kw, C, F) of conv(x (N,H,W,C)) from dy (N,Ho,Wo,F), as one forward conv."""
    xt = tf.transpose(x, [3, 1, 2, 0])          # (C, H, W, N): channels as the batch
    ft = tf.transpose(dy, [1, 2, 0, 3])         # (Ho, Wo, N, F): the output gradient as filter
    out = tf.nn.conv2d(xt, ft, 1, [[0, 0], [pad[0], pad[0]], [pad[1], pad[1]], [0, 0]],
                       dilations=list(stride))
    return tf.transpose(out[:, :kernel[0], :kernel[1], :], [1, 2, 0, 3])


def _input_grad(w, dy, kernel, pad):
    """dL/dx (N,H,W,C) of a stride-1 conv with w (kh, kw, C, F), as one forward conv."""
    wf = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2])
    q = [k - 1 - p for k, p in zip(kernel, pad)]
    return tf.nn.conv2d(dy, wf, 1, [[0, 0], [q[0], q[0]], [q[1], q[1]], [0, 0]])


def _raw_padding(padding):
    if isinstance(padding, str):
        return {'padding': padding}
    return {'padding': 'EXPLICIT', 'explicit_paddings': [q for pair in padding for q in pair]}


# False: TF's own gradients everywhere (read when a step is traced; for A/B measurements)
ENABLED = True


def conv2d(x, w, stride, pad, padding):
    """``tf.nn.conv2d(x, w, stride, padding)`` (x channels-last, w (kh, kw, C, F), no dilation,
    ``padding`` the same as MXNet's symmetric ``pad``); under a tape that watches x or w (a
    training step), its gradient recorded on that tape in the forms chosen above."""
    strides = [1] + list(stride) + [1]
    if not ENABLED or _record is None or not _record.should_record_backprop([x, w]):
        return tf.nn.conv2d(x, w, strides, padding)
    kernel = tuple(w.shape[:2])
    n, c, f = x.shape[0], w.shape[2], w.shape[3]
    filter_form = _filter_form(n, kernel, tuple(stride))
    input_form = _input_form((c, f), kernel, tuple(stride), tuple(pad))
    if not (filter_form or input_form) or None in kernel or x.dtype != tf.float32:
        return tf.nn.conv2d(x, w, strides, padding)
    need_x = _record.should_record_backprop([x])
    need_w = _record.should_record_backprop([w])
    with _record.stop_recording():
        y = tf.nn.conv2d(x, w, strides, padding)
    raw = _raw_padding(padding)

    def grad(dy):
        dx = dw = None
        if need_x:
            dx = _input_grad(w, dy, kernel, pad) if input_form else \
                tf.raw_ops.Conv2DBackpropInput(input_sizes=tf.shape(x), filter=w,
                                               out_backprop=dy, strides=strides, **raw)
        if need_w:
            dw = _filter_grad(x, dy, kernel, stride, pad) if filter_form else \
                tf.raw_ops.Conv2DBackpropFilter(input=x, filter_sizes=tf.shape(w),
                                                out_backprop=dy, strides=strides, **raw)
        return [dx, dw]
    _record.record_operation('Conv2D_tfmod', [y], [x, w], grad)
    return y
