"""The contrib ops of compact bilinear pooling: ``_contrib_count_sketch``, ``_contrib_fft`` and
``_contrib_ifft``.

MXNet 1.9.1 implements them on the GPU only (its CPU build refuses every call; shape inference
and symbol files work everywhere). tfmod runs them anywhere, with the semantics MXNet's GPU kernels
have and its GPU tests assert:

* ``fft``: real (N, d) or (N, C, H, d) float32 -> the FFT over the last axis, real and imaginary
  parts interleaved: (..., 2d); the gradient is the real part of the unnormalised inverse FFT of
  the (interleaved) head gradient.
* ``ifft``: interleaved complex (..., 2d) -> the real part of the unnormalised inverse FFT,
  (..., d) (``d * numpy.fft.ifft(z).real``); the gradient is the FFT of the head gradient,
  interleaved.
* ``count_sketch``: ``out[..., h[i]] += s[i] * data[..., i]`` for data (N, in_dim) or
  (N, C, H, in_dim) and hash rows h, s of shape (1, in_dim); ``h`` and ``s`` get no gradient.

``compute_size`` and ``processing_batch_size`` only batch MXNet's GPU work; they are accepted and
do not change results.
"""
import tensorflow as tf

from .base import MXNetError
from .registry import op


def _check(name, x, what):
    shape = x.shape.as_list()
    if len(shape) not in (2, 4):
        raise MXNetError('%s: %s must be 2-D or 4-D, got shape %s' % (name, what, tuple(shape)))
    if x.dtype != tf.float32:
        raise MXNetError('%s: %s must be float32 (MXNet runs it on cuFFT single-precision '
                         'complex numbers), got %s' % (name, what, x.dtype.name))
    return shape


def _interleave(z):
    """complex (..., d) -> real (..., 2d): re0, im0, re1, im1, ..."""
    pairs = tf.stack([tf.math.real(z), tf.math.imag(z)], -1)
    return tf.reshape(pairs, tf.concat([tf.shape(z)[:-1], [-1]], 0))


@op('_contrib_fft')
def contrib_fft(ctx, p, data):
    """FFT of real rows over the last axis, real and imaginary parts interleaved."""
    _check('_contrib_fft', data, 'data')
    return _interleave(tf.signal.fft(tf.complex(data, tf.zeros_like(data))))


@op('_contrib_ifft')
def contrib_ifft(ctx, p, data):
    """Real part of the unnormalised inverse FFT of interleaved complex rows."""
    shape = _check('_contrib_ifft', data, 'data')
    if shape[-1] is not None and shape[-1] % 2:
        raise MXNetError('_contrib_ifft: the last axis holds (real, imaginary) pairs and must be '
                         'even, got shape %s' % (tuple(shape),))
    pairs = tf.reshape(data, tf.concat([tf.shape(data)[:-1], [-1, 2]], 0))
    z = tf.complex(pairs[..., 0], pairs[..., 1])
    n = tf.cast(tf.shape(z)[-1], tf.float32)
    return tf.math.real(tf.signal.ifft(z)) * n


@op('_contrib_count_sketch')
def contrib_count_sketch(ctx, p, data, h, s):
    """Sum ``s[i] * data[..., i]`` into output column ``h[i]`` (of ``out_dim``)."""
    shape = data.shape.as_list()
    if len(shape) not in (2, 4):
        raise MXNetError('_contrib_count_sketch: data should be 2D or 4D, got shape %s'
                         % (tuple(shape),))
    for name, t in (('h', h), ('s', s)):
        ts = t.shape.as_list()
        if len(ts) != 2 or ts[1] != shape[-1]:
            raise MXNetError('_contrib_count_sketch: %s should be a 2-D tensor (1, %s) as long as '
                             'the last axis of data, got shape %s' % (name, shape[-1], tuple(ts)))
    if p.out_dim <= 0:
        raise MXNetError('_contrib_count_sketch: out_dim must be positive, got %d' % p.out_dim)
    idx = tf.cast(tf.reshape(tf.stop_gradient(h), [-1]), tf.int32)
    sign = tf.cast(tf.reshape(tf.stop_gradient(s), [-1, 1]), data.dtype)
    sketch = tf.one_hot(idx, p.out_dim, dtype=data.dtype) * sign      # (in_dim, out_dim)
    return tf.tensordot(data, sketch, [[len(shape) - 1], [0]])
