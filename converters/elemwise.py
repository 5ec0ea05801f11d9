"""Element-wise unary math (exp, log, round, sigmoid, gamma, ...), one table row per op; the
parametrised ones (smooth_l1, hard_sigmoid, the contrib quadratic, ...) as their own lowerings.

MXNet 1.9.1 semantics kept here (checked with the oracle):

* ``round`` rounds halves away from zero, ``rint`` rounds halves DOWN (rint(0.5) = 0,
  rint(-0.5) = -1; not half-to-even), ``fix``/``trunc`` toward zero (Pitfall 15). The rounding
  family, ``sign`` and ``logical_not`` have zero gradients.
* Integer inputs keep their dtype: transcendental ops are computed in float64 and truncated
  back (``exp(int32 3) == 20``); abs/sign/square/negative/relu/logical_not/identity work on the
  integers directly and rounding ops are the identity.
* float16/bfloat16 inputs are computed in float32 and rounded back, as MXNet's half math is.
* Gradients are TF's where they equal MXNet's formulas; otherwise the row gives MXNet's
  derivative (cbrt, rcbrt, arccosh -- real for x < -1 --, erf/erfinv with MXNet's float32 pi)
  or the lowering builds it (hard_sigmoid: slope only strictly inside
  (0, 1); smooth_l1; the straight-through ``_contrib_*_ste``).
"""
import math

import numpy as np
import tensorflow as tf

from .attrs import Param, parse_bool, parse_float
from .binary import is_half, same_shape_inputs
from .registry import op

FLOAT, NATIVE, SAME = 'float', 'native', 'same'   # how integer inputs are handled


def _run(fn, grad, x):
    """fn(x); with ``grad`` (x, out) -> dout/dx, that is the gradient instead of TF's."""
    if grad is None:
        return fn(x)

    @tf.custom_gradient
    def f(v):
        out = fn(v)
        return out, lambda dy: dy * grad(v, out)
    return f(x)


def apply_unary(x, fn, ints=FLOAT, grad=None, wide=False):
    """Apply ``fn`` with MXNet's dtype handling (see the module doc). ``wide``: compute float32
    in float64 too, for ops TF lacks in exact form (gamma, cbrt)."""
    dt = x.dtype
    if dt.is_integer or dt == tf.bool:
        if ints == SAME:
            return x
        if ints == NATIVE:
            return fn(x)
        return tf.cast(_run(fn, grad, tf.cast(x, tf.float64)), dt)
    if ints != FLOAT:
        return _run(fn, grad, x)
    compute = tf.float64 if wide and dt in (tf.float16, tf.bfloat16, tf.float32) else \
        tf.float32 if is_half(dt) else None
    if compute is None:
        return _run(fn, grad, x)
    return tf.cast(_run(fn, grad, tf.cast(x, compute)), dt)


# ---------------------------------------------------------------------------------------------
# functions TF lacks in MXNet's form

def _zero_grad(fn):
    return lambda x: tf.stop_gradient(fn(x))


def trunc(x):
    return tf.where(x < 0, tf.math.ceil(x), tf.math.floor(x))


def round_half_away(x):
    t = trunc(x)
    return tf.where(tf.abs(x - t) >= 0.5, t + tf.sign(x), t)


def rint_half_down(x):
    f, c = tf.math.floor(x), tf.math.ceil(x)
    return tf.where(x - f <= c - x, f, c)


def _cbrt(x):
    return tf.sign(x) * tf.pow(tf.abs(x), tf.constant(1.0 / 3.0, x.dtype))


def _gamma(x):
    """tgamma: exp(lgamma) with the sign of Gamma for negative x; +-inf at +-0, nan at the
    negative-integer poles, exact factorials at small positive integers."""
    integral = tf.equal(x, tf.floor(x))
    pole = (x < 0) & integral
    zero = tf.equal(x, 0)
    safe = tf.where(pole | zero, tf.ones_like(x), x)       # keeps nan out of the gradient
    below = tf.math.floormod(tf.floor(-safe), 2.0) == 0    # Gamma < 0 on (-1,0), (-3,-2), ...
    sign = tf.where((safe < 0) & below, -tf.ones_like(x), tf.ones_like(x))
    val = tf.stop_gradient(sign) * tf.exp(tf.math.lgamma(safe))
    val = tf.where(integral & (safe <= 23), val + tf.stop_gradient(tf.round(val) - val), val)
    val = tf.where(zero, 1.0 / tf.where(zero, x, tf.ones_like(x)), val)
    return tf.where(pole, tf.where(pole, x, tf.ones_like(x)) * float('nan'), val)


def _exact_log(base):
    """log_base(x) = log(x)/ln(base), snapped to the integer k when base**k == x exactly (so
    log2(8) == 3, as C's log2 gives, also after truncation to an integer dtype)."""
    ln = math.log(base)

    def fn(x):
        y = tf.math.log(x) / ln
        k = tf.stop_gradient(tf.round(y))
        hit = tf.math.is_finite(y) & tf.equal(tf.pow(tf.constant(base, x.dtype), k), x)
        return tf.where(hit, y + tf.stop_gradient(k - y), y)
    return fn


def _logical_not(x):
    return tf.cast(tf.equal(x, tf.zeros_like(x)), x.dtype)


# MXNet's PI is a float32 constant; its degrees/radians factors and erf/erfinv derivative
# constants are float32 arithmetic on it (visible in float64 results).
_PI32 = np.float32(math.pi)
_DEG = float(np.float32(180.0) / _PI32)
_RAD = float(_PI32 / np.float32(180.0))
_ERF_C = 2.0 / float(np.sqrt(_PI32))
_ERFINV_C = 0.5 * float(np.sqrt(_PI32))

# name: (fn, integer handling, MXNet gradient (x, out) -> d out/dx or None for TF's, wide)
UNARY = {
    'exp': (tf.math.exp, FLOAT, None, False),
    'log': (tf.math.log, FLOAT, None, False),
    'log1p': (tf.math.log1p, FLOAT, None, False),
    'expm1': (tf.math.expm1, FLOAT, None, False),
    'log2': (_exact_log(2.0), FLOAT, None, False),
    'log10': (_exact_log(10.0), FLOAT, None, False),
    'sqrt': (tf.math.sqrt, FLOAT, None, False),
    'rsqrt': (tf.math.rsqrt, FLOAT, None, False),
    'cbrt': (_cbrt, FLOAT, lambda x, y: 1.0 / (3.0 * y * y), True),
    'rcbrt': (lambda x: 1.0 / _cbrt(x), FLOAT, lambda x, y: -1.0 / (3.0 * _cbrt(x) * x), True),
    'square': (tf.math.square, NATIVE, None, False),
    'reciprocal': (tf.math.reciprocal, FLOAT, None, False),
    'abs': (tf.math.abs, NATIVE, None, False),
    'sign': (tf.math.sign, NATIVE, None, False),
    'round': (_zero_grad(round_half_away), SAME, None, False),
    'rint': (_zero_grad(rint_half_down), SAME, None, False),
    'floor': (_zero_grad(tf.math.floor), SAME, None, False),
    'ceil': (_zero_grad(tf.math.ceil), SAME, None, False),
    'trunc': (_zero_grad(trunc), SAME, None, False),
    'fix': (_zero_grad(trunc), SAME, None, False),
    'sin': (tf.math.sin, FLOAT, None, False),
    'cos': (tf.math.cos, FLOAT, None, False),
    'tan': (tf.math.tan, FLOAT, None, False),
    'arcsin': (tf.math.asin, FLOAT, None, False),
    'arccos': (tf.math.acos, FLOAT, None, False),
    'arctan': (tf.math.atan, FLOAT, None, False),
    'sinh': (tf.math.sinh, FLOAT, None, False),
    'cosh': (tf.math.cosh, FLOAT, None, False),
    'tanh': (tf.math.tanh, FLOAT, None, False),
    'arcsinh': (tf.math.asinh, FLOAT, None, False),
    'arccosh': (tf.math.acosh, FLOAT, lambda x, y: 1.0 / tf.sqrt(x * x - 1.0), False),
    'arctanh': (tf.math.atanh, FLOAT, None, False),
    'sigmoid': (tf.math.sigmoid, FLOAT, None, False),
    'relu': (tf.nn.relu, NATIVE, None, False),
    'softsign': (tf.nn.softsign, FLOAT, None, False),
    'erf': (tf.math.erf, FLOAT, lambda x, y: _ERF_C * tf.exp(-(x * x)), False),
    'erfinv': (tf.math.erfinv, FLOAT, lambda x, y: _ERFINV_C * tf.exp(y * y), True),
    'gamma': (_gamma, FLOAT, None, True),
    'gammaln': (tf.math.lgamma, FLOAT, None, False),
    'negative': (tf.math.negative, NATIVE, None, False),
    'degrees': (lambda x: x * _DEG, FLOAT, None, False),
    'radians': (lambda x: x * _RAD, FLOAT, None, False),
    'logical_not': (_logical_not, NATIVE, None, False),
    '_copy': (tf.identity, NATIVE, None, False),
    # straight-through estimators: forward round / sign, gradient 1
    '_contrib_round_ste': (round_half_away, SAME, lambda x, y: tf.ones_like(x), False),
    '_contrib_sign_ste': (tf.math.sign, NATIVE, lambda x, y: tf.ones_like(x), False),
}


# unary ops whose TF function gives NaN for NaN (registered ``nan_propagates``; sign, round
# and the like are left out: a NaN's rounding is the kernel's choice)
_NAN_PROPAGATING = frozenset({'exp', 'log', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'abs',
                              'negative', 'tanh', 'sigmoid', 'softsign', '_copy'})


def _unary(name, fn, ints, grad, wide):
    def lower(ctx, p, data):
        return apply_unary(data, fn, ints, grad, wide)
    lower.__name__ = name.strip('_')
    lower.__doc__ = 'MXNet unary op %s.' % name
    return lower


for _name, _row in UNARY.items():
    op(_name, infer_inputs=same_shape_inputs, nan_propagates=_name in _NAN_PROPAGATING)(
        _unary(_name, *_row))


# ---------------------------------------------------------------------------------------------
# unary ops with parameters

@op('hard_sigmoid', infer_inputs=same_shape_inputs)
def hard_sigmoid(ctx, p, data):
    """clip(alpha*x + beta, 0, 1); the gradient is alpha only where 0 < alpha*x+beta < 1
    (MXNet excludes the boundaries, TF's clip would include them)."""
    alpha, beta = float(np.float32(p.alpha)), float(np.float32(p.beta))   # float params

    def fn(x):
        y = x * alpha + beta
        return tf.where((y > 0) & (y < 1), y, tf.stop_gradient(tf.clip_by_value(y, 0.0, 1.0)))
    return apply_unary(data, fn)


# smooth_l1 parses MXNet's scalar-op params (scalar default 1, is_int), not its declared list.
_SCALAR_PARAMS = (Param('scalar', parse_float, default=1.0, type_str='double'),
                  Param('is_int', parse_bool, default=True, type_str='boolean'))


@op('smooth_l1', infer_inputs=same_shape_inputs, extra_params=_SCALAR_PARAMS)
def smooth_l1(ctx, p, data):
    """0.5*(sigma*x)^2 if |x| <= 1/sigma^2, else |x| - 0.5/sigma^2 (sigma = scalar);
    gradient sigma^2*x inside, sign(x) outside."""
    def fn(x):
        bsq = tf.constant(p.scalar, x.dtype) ** 2
        ibsq = 1.0 / bsq
        return tf.where(x > ibsq, x - 0.5 * ibsq,
                        tf.where(x < -ibsq, -x - 0.5 * ibsq, 0.5 * x * x * bsq))
    return apply_unary(data, fn)


@op('_contrib_gradientmultiplier', infer_inputs=same_shape_inputs)
def gradient_multiplier(ctx, p, data):
    """Identity forward; the gradient is multiplied by ``scalar``."""
    if not data.dtype.is_floating:
        return tf.identity(data)
    return _run(tf.identity, lambda x, y: tf.constant(p.scalar, x.dtype), data)


@op('_contrib_div_sqrt_dim', infer_inputs=same_shape_inputs)
def div_sqrt_dim(ctx, p, data):
    """data / sqrt(size of the last axis) (transformer attention scaling)."""
    d = data.shape[-1]
    if data.dtype.is_integer:        # MXNet casts sqrt(d) to the integer dtype
        if d is None:
            root = tf.cast(tf.sqrt(tf.cast(tf.shape(data)[-1], tf.float64)), data.dtype)
        else:
            root = tf.constant(int(math.sqrt(d)), data.dtype)
        return tf.truncatediv(data, root)
    if d is None:
        return data / tf.cast(tf.sqrt(tf.cast(tf.shape(data)[-1], tf.float64)), data.dtype)
    return data / tf.constant(math.sqrt(d), data.dtype)


# ------------------------------------------------------------------------------------------------
# contrib quadratic.

@op('_contrib_quadratic')
def quadratic(ctx, p, data):
    """a * x^2 + b * x + c elementwise."""
    dt = data.dtype
    return (tf.cast(p.a, dt) * data + tf.cast(p.b, dt)) * data + tf.cast(p.c, dt)
