"""Tensor-scalar ops ``_*_scalar`` (what ``sym + 2``, ``2 - sym``, ``sym > 0.5`` ... compose to).

The scalar arrives as a string attribute ("2", "-1.0", parsed as a double); ``_r*`` variants
put the scalar on the left (``_rminus_scalar``: scalar - x). The math is ``binary.BINARY``.

dtype rules (MXNet 1.9.1's NumpyBinaryScalarType, checked with the oracle):
* the output has the input's dtype and the scalar is cast to it first -- for an integer input
  that truncates the scalar (``int32 x + 1.5`` adds 1);
* unless ``is_int`` is False (its default is True; the Symbol frontend never writes it) and the
  input is an integer: then the input is cast to float64 and the output is float64;
* a bool input gives int64 (is_int) or float64.
"""
import math

import tensorflow as tf

from .base import MXNetError
from .binary import BINARY, NAN_PROPAGATING, same_shape_inputs
from .registry import op

# op name -> (BINARY entry, scalar on the left?)
SCALAR = {
    '_plus_scalar': ('add', False), '_minus_scalar': ('sub', False),
    '_rminus_scalar': ('sub', True), '_mul_scalar': ('mul', False),
    '_div_scalar': ('div', False), '_rdiv_scalar': ('div', True),
    '_power_scalar': ('power', False), '_rpower_scalar': ('power', True),
    '_maximum_scalar': ('maximum', False), '_minimum_scalar': ('minimum', False),
    '_hypot_scalar': ('hypot', False),
    '_mod_scalar': ('mod', False), '_rmod_scalar': ('mod', True),
    '_equal_scalar': ('equal', False), '_not_equal_scalar': ('not_equal', False),
    '_greater_scalar': ('greater', False), '_greater_equal_scalar': ('greater_equal', False),
    '_lesser_scalar': ('lesser', False), '_lesser_equal_scalar': ('lesser_equal', False),
    '_logical_and_scalar': ('logical_and', False), '_logical_or_scalar': ('logical_or', False),
    '_logical_xor_scalar': ('logical_xor', False),
    '_scatter_plus_scalar': ('add', False), '_scatter_minus_scalar': ('sub', False),
}


def scalar_operands(data, scalar, is_int=True):
    """(data, scalar tensor) in MXNet's compute dtype for a tensor-scalar op."""
    dt = data.dtype
    if dt == tf.bool:
        data = tf.cast(data, tf.int64 if is_int else tf.float64)
    elif dt.is_integer and not is_int:
        data = tf.cast(data, tf.float64)
    dt = data.dtype
    if dt.is_integer:
        if not math.isfinite(scalar):
            raise MXNetError('scalar %r cannot be applied to an integer (%s) input'
                             % (scalar, dt.name))
        s = tf.constant(int(scalar), dt)      # C cast: truncation toward zero
    else:
        s = tf.constant(scalar, dt)
    return data, s


def _scalar_op(name, kind, reverse):
    fn = BINARY[kind]

    def lower(ctx, p, data):
        x, s = scalar_operands(data, p.scalar, p.is_int)
        return fn(s, x) if reverse else fn(x, s)
    lower.__name__ = name.strip('_')
    lower.__doc__ = 'MXNet %s: %s with the scalar on the %s.' % (
        name, kind, 'left' if reverse else 'right')
    return lower


for _name, (_kind, _rev) in SCALAR.items():
    op(_name, infer_inputs=same_shape_inputs, nan_propagates=_kind in NAN_PROPAGATING)(
        _scalar_op(_name, _kind, _rev))
