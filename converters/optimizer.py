"""MXNet's optimizer update ops (``sgd_update``, ``adam_update``, ...) and their kernels.

MXNet's own Optimizer classes call these ops imperatively
(``mx.nd.sgd_mom_update(w, g, mom, out=w, lr=...)``), and so do users' optimizer subclasses. The
states an op mutates (momentum, Adam's moments, the float32 master weight of the ``mp_`` ops) are
its auxiliary states, as MXNet declares them; the lowering returns the new weight and hands the
new states to ``ctx.update``, which ``mx.nd`` writes back into the arrays passed in.

The kernel functions take tensors already in the arithmetic dtype and scalars as tensors of it
(``None`` turns clipping off); tfmod's built-in optimizers call the same kernels inside their
compiled steps, so each update rule is written once (the multi-tensor ops, in
optimizer_multi.py, too). MXNet's rounding is kept: an op's ``float`` parameter is cast to the
array dtype first, and the products group as the C++ kernels write them. ``nag_mom_update``
called with ``out=weight`` reads the weight it just wrote when it updates the momentum (MXNet's
kernel is element-wise in place); other ``out`` arrays read the old weight, as in MXNet.
"""
import contextlib
import threading

import tensorflow as tf

from .base import MXNetError
from .registry import op


# -- kernels -----------------------------------------------------------------------------------

def clip(x, bound):
    """MXNet's ``clip::Map(x, bound)`` -- ``bound`` None leaves x unclipped."""
    if bound is None:
        return x
    return tf.minimum(tf.maximum(x, -bound), bound)


def _step(lr, rescale, grad, bound):
    """``lr * clip(rescale*g)``, or ``(lr*rescale) * g`` unclipped, as MXNet's kernels group."""
    if bound is None:
        return mul_once(lr, rescale) * grad
    return lr * clip(rescale * grad, bound)


def sgd(weight, grad, lr, wd, rescale, bound):
    """sgd_update: ``(1 - lr*wd)*w - lr*clip(rescale*g)``."""
    return (1 - mul_once(lr, wd)) * weight - _step(lr, rescale, grad, bound)


def sgd_mom(weight, grad, mom, lr, momentum, wd, rescale, bound):
    """sgd_mom_update -> (weight, mom): ``mom = momentum*mom - lr*wd*w - lr*clip(rescale*g)``."""
    mom = momentum * mom - mul_once(lr, wd) * weight - _step(lr, rescale, grad, bound)
    return weight + mom, mom


def nag_mom(weight, grad, mom, lr, momentum, wd, rescale, bound, in_place=True):
    """nag_mom_update -> (weight, mom). With ``in_place`` the momentum's decay term reads the
    new weight (MXNet's kernel with out=weight, and always in its float32 ``mp_`` form)."""
    g = clip(rescale * grad, bound)
    mom = momentum * mom
    new_w = weight - mom + (momentum + 1) * (mom - lr * (g + wd * weight))
    w_read = new_w if in_place else weight
    return new_w, mom - lr * (g + wd * w_read)


def adam(weight, grad, mean, var, lr, beta1, beta2, epsilon, wd, rescale, bound):
    """adam_update -> (weight, mean, var); weight decay joins the gradient before clipping."""
    g = clip(grad * rescale + weight * wd, bound)
    mean = beta1 * mean + (1 - beta1) * g
    var = beta2 * var + (1 - beta2) * g * g
    return weight - lr * mean / (tf.sqrt(var) + epsilon), mean, var


def rmsprop(weight, grad, n, lr, gamma1, epsilon, wd, rescale, bound, clip_weights):
    """rmsprop_update -> (weight, n)."""
    g = clip(rescale * grad + wd * weight, bound)
    n = (1 - gamma1) * (g * g) + gamma1 * n
    return clip(weight - lr * (g / tf.sqrt(n + epsilon)), clip_weights), n


def rmspropalex(weight, grad, n, gm, delta, lr, gamma1, gamma2, epsilon, wd, rescale, bound,
                clip_weights):
    """rmspropalex_update (centered RMSProp) -> (weight, n, g, delta)."""
    g = clip(rescale * grad + wd * weight, bound)
    n = (1 - gamma1) * g * g + gamma1 * n
    gm = (1 - gamma1) * g + gamma1 * gm
    delta = gamma2 * delta - (lr * g / tf.sqrt(n - gm * gm + epsilon))
    return clip(weight + delta, clip_weights), n, gm, delta


def ftrl(weight, grad, z, n, lr, lamda1, beta, wd, rescale, bound):
    """ftrl_update -> (weight, z, n)."""
    g = clip(grad * rescale, bound)
    z = z + (g - (tf.sqrt(n + tf.square(g)) - tf.sqrt(n)) * weight / lr)
    n = n + tf.square(g)
    mask = tf.cast(tf.abs(z) > lamda1, weight.dtype)
    return (tf.sign(z) * lamda1 - z) / ((beta + tf.sqrt(n)) / lr + wd) * mask, z, n


def signsgd(weight, grad, lr, wd):
    """signsgd_update: ``(1 - lr*wd)*w - lr*sign(g)`` (clip_gradient has no effect)."""
    return (1 - lr * wd) * weight - lr * tf.sign(grad)


def signum(weight, grad, mom, lr, momentum, wd, rescale, bound, wd_lh):
    """signum_update -> (weight, mom)."""
    mom = momentum * mom - (1 - momentum) * wd * weight - _step(1 - momentum, rescale, grad, bound)
    return (1 - lr * wd_lh) * weight + lr * tf.sign(mom), mom


def ftml(weight, grad, d, v, z, lr, beta1, beta2, epsilon, beta1_t, beta2_t, wd, rescale, bound):
    """ftml_update -> (weight, d, v, z); ``beta*_t`` are ``beta*`` to the power t."""
    g = clip(rescale * grad + wd * weight, bound)
    v = beta2 * v + (1 - beta2) * tf.square(g)
    d_t = (1 - beta1_t) / lr * (tf.sqrt(v / (1 - beta2_t)) + epsilon)
    z = beta1 * z + (1 - beta1) * g - (d_t - beta1 * d) * weight
    return -z / d_t, d_t, v, z


def adamw(weight, grad, mean, var, lr, beta1, beta2, epsilon, wd, eta, rescale, bound):
    """adamw_update -> (weight, scaled grad, mean, var): decoupled weight decay,
    ``w -= eta*(lr*mean/(sqrt(var) + eps) + wd*w)``."""
    g = clip(rescale * grad, bound)
    mean = beta1 * mean + (1 - beta1) * g
    var = beta2 * var + (1 - beta2) * tf.square(g)
    return weight - eta * (lr * mean / (tf.sqrt(var) + epsilon) + wd * weight), g, mean, var


def lamb_phase1(weight, grad, mean, var, beta1, beta2, epsilon, beta1_t, beta2_t, wd, rescale,
                bound, bias_correction):
    """lamb_update_phase1 -> (g, mean, var): the update direction before the trust ratio."""
    g = clip(grad * rescale, bound)
    mean = beta1 * mean + (1 - beta1) * g
    var = beta2 * var + (1 - beta2) * g * g
    if bias_correction:
        return (mean / (1 - beta1_t)) / (tf.sqrt(var / (1 - beta2_t)) + epsilon) + \
            wd * weight, mean, var
    return mean / (tf.sqrt(var) + epsilon) + wd * weight, mean, var


def sum_sq(x):
    """MXNet's float32 sum of squares; each square is rounded to x's dtype first (a float16
    product is a float16)."""
    return tf.reduce_sum(tf.cast(tf.square(x), tf.float32))


def lamb_trust_step(weight, u, lr, lower_bound, upper_bound, norm_of=None):
    """multi_lamb's second step: ``w - (lr * r1/r2) * u`` with r1 = ||norm_of|| (the weight by
    default; MXNet takes the float16 weight's norm under mixed precision) bounded, r2 = ||u||
    (norms from :func:`sum_sq`); a zero norm gives ratio 1."""
    r1 = tf.sqrt(sum_sq(weight if norm_of is None else norm_of))
    r2 = tf.sqrt(sum_sq(u))
    if lower_bound is not None:
        r1 = tf.maximum(r1, tf.cast(lower_bound, tf.float32))
    if upper_bound is not None:
        r1 = tf.minimum(r1, tf.cast(upper_bound, tf.float32))
    ok = tf.logical_and(tf.not_equal(r1, 0.), tf.not_equal(r2, 0.))
    r = tf.where(ok, r1 / tf.where(ok, r2, 1.), 1.)
    return weight - (lr * tf.cast(r, weight.dtype)) * u


def lamb_phase2(weight, g, r1, r2, lr, lower_bound, upper_bound):
    """lamb_update_phase2: ``w - lr * r1/r2 * g`` with r1 bounded; a zero norm gives ratio 1."""
    if lower_bound is not None:
        r1 = tf.maximum(r1, lower_bound)
    if upper_bound is not None:
        r1 = tf.minimum(r1, upper_bound)
    ok = tf.logical_and(tf.not_equal(r1, 0), tf.not_equal(r2, 0))
    lr = tf.where(ok, lr * r1 / tf.where(ok, r2, tf.ones_like(r2)), lr)
    return weight - lr * g


# -- the ops ---------------------------------------------------------------------------------

def k_param(value, dtype):
    """An op's ``float`` parameter as its kernel sees it: float32, then the array dtype."""
    return cast_once(cast_once(value, tf.float32), dtype)


_casts = threading.local()


@contextlib.contextmanager
def shared_casts(float32_of=()):
    """While a step over many parameters is traced: ``cast_once`` (so ``k_param``) builds the
    cast of a given scalar tensor to a dtype once, not once per parameter -- the shared
    hyper-parameters were cast per parameter, and every op costs tracing and Grappler time.
    ``float32_of``: (float64 scalar, its float32 cast) pairs the caller made in one op for a
    whole vector of scalars (a cast's value does not depend on how many elements it casts);
    the context yields those float64 scalars. ``mul_once`` shares scalar products alike."""
    prev = getattr(_casts, 'memo', None)
    pairs = list(float32_of)
    _casts.memo = {(t.ref(), tf.float32): t32 for t, t32 in pairs}
    try:
        yield [t for t, _ in pairs]
    finally:
        _casts.memo = prev


def cast_once(x, dtype):
    """``tf.cast(x, dtype)``, made once per (tensor, dtype) inside ``shared_casts``."""
    memo = getattr(_casts, 'memo', None)
    if memo is None or not isinstance(x, tf.Tensor) or x.dtype == dtype:
        return tf.cast(x, dtype)
    key = (x.ref(), tf.as_dtype(dtype))
    out = memo.get(key)
    if out is None:
        out = memo[key] = tf.cast(x, dtype)
    return out


def mul_once(a, b):
    """``a * b`` of two scalars, made once per pair inside ``shared_casts``: parameters that
    share a learning rate and a weight decay (the step passes them the same tensors) share
    ``lr * wd``, one op instead of one per parameter, with the same value."""
    memo = getattr(_casts, 'memo', None)
    if memo is None or not (isinstance(a, tf.Tensor) and isinstance(b, tf.Tensor)) or \
            a.shape.rank != 0 or b.shape.rank != 0:
        return a * b
    key = ('mul', a.ref(), b.ref())
    out = memo.get(key)
    if out is None:
        out = memo[key] = a * b
    return out


def k_bound(value, dtype):
    """A clip parameter: negative turns clipping off."""
    return None if value is None or value < 0 else k_param(value, dtype)


_BOUNDS = ('clip_gradient', 'clip_grad', 'clip_weights', 'lower_bound', 'upper_bound')


def _kp(p, dtype, *names):
    """The named parameters as kernel scalars (clip-like bounds: None when negative)."""
    return tuple(k_bound(getattr(p, n), dtype) if n in _BOUNDS else k_param(getattr(p, n), dtype)
                 for n in names)


def _check(name, weight, **others):
    ws = weight.shape.as_list()
    for what, t in others.items():
        if t.shape.as_list() != ws:
            raise MXNetError('%s: %s has shape %s, weight has %s'
                             % (name, what, tuple(t.shape.as_list()), tuple(ws)))


def _f32(name, **arrays):
    for what, t in arrays.items():
        if t.dtype != tf.float32:
            raise MXNetError('%s: %s must be float32, got %s' % (name, what, t.dtype.name))


def _in_place(ctx):
    return 'weight' in ctx.node.attrs.get('__inplace__', '').split(',')


def k_pow(base, t, dtype):
    """``power::Map(DType(base), DType(t))`` inside a kernel: a float parameter raised to the step
    count ``t`` (a number or a traced tensor) in double, then cast to the array dtype."""
    return tf.cast(tf.pow(tf.cast(tf.cast(base, tf.float32), tf.float64),
                          tf.cast(t, tf.float64)), dtype)


def _register(name, kernel, states, params):
    """Register ``name(weight, grad, *states)``: ``kernel(weight, grad, *states, *params)``
    returns the new weight (and the new states, written back in place)."""
    @op(name, aux=list(states))
    def lower(ctx, p, weight, grad, *st):
        _check(name, weight, grad=grad, **dict(zip(states, st)))
        res = kernel(weight, grad, *st, *_kp(p, weight.dtype, *params))
        if not states:
            return res
        for i, t in enumerate(res[1:]):
            ctx.update(2 + i, t)
        return res[0]
    lower.__name__ = name
    lower.__doc__ = 'MXNet\'s %s: %s' % (name, kernel.__doc__.split('\n')[0])
    return lower


_SGD_MOM = ('lr', 'momentum', 'wd', 'rescale_grad', 'clip_gradient')
_register('sgd_update', sgd, (), ('lr', 'wd', 'rescale_grad', 'clip_gradient'))
_register('sgd_mom_update', sgd_mom, ('mom',), _SGD_MOM)
_register('signsgd_update', signsgd, (), ('lr', 'wd'))
_register('signum_update', signum, ('mom',), _SGD_MOM + ('wd_lh',))
_register('adam_update', adam, ('mean', 'var'),
          ('lr', 'beta1', 'beta2', 'epsilon', 'wd', 'rescale_grad', 'clip_gradient'))
_register('rmsprop_update', rmsprop, ('n',),
          ('lr', 'gamma1', 'epsilon', 'wd', 'rescale_grad', 'clip_gradient', 'clip_weights'))
_register('rmspropalex_update', rmspropalex, ('n', 'g', 'delta'),
          ('lr', 'gamma1', 'gamma2', 'epsilon', 'wd', 'rescale_grad', 'clip_gradient',
           'clip_weights'))
_register('ftrl_update', ftrl, ('z', 'n'),
          ('lr', 'lamda1', 'beta', 'wd', 'rescale_grad', 'clip_gradient'))


@op('mp_sgd_update', aux=['weight32'])
def mp_sgd_update(ctx, p, weight, grad, weight32):
    _check('mp_sgd_update', weight, grad=grad, weight32=weight32)
    _f32('mp_sgd_update', weight32=weight32)
    w = sgd(weight32, tf.cast(grad, tf.float32),
            *_kp(p, tf.float32, 'lr', 'wd', 'rescale_grad', 'clip_gradient'))
    ctx.update(2, w)
    return tf.cast(w, weight.dtype)


@op('mp_sgd_mom_update', aux=['mom', 'weight32'])
def mp_sgd_mom_update(ctx, p, weight, grad, mom, weight32):
    _check('mp_sgd_mom_update', weight, grad=grad, mom=mom, weight32=weight32)
    _f32('mp_sgd_mom_update', mom=mom, weight32=weight32)
    w, m = sgd_mom(weight32, tf.cast(grad, tf.float32), mom, *_kp(p, tf.float32, *_SGD_MOM))
    ctx.update(2, m)
    ctx.update(3, w)
    return tf.cast(w, weight.dtype)


@op('nag_mom_update', aux=['mom'])
def nag_mom_update(ctx, p, weight, grad, mom):
    _check('nag_mom_update', weight, grad=grad, mom=mom)
    w, m = nag_mom(weight, grad, mom, *_kp(p, weight.dtype, *_SGD_MOM), _in_place(ctx))
    ctx.update(2, m)
    return w


@op('mp_nag_mom_update', aux=['mom', 'weight32'])
def mp_nag_mom_update(ctx, p, weight, grad, mom, weight32):
    _check('mp_nag_mom_update', weight, grad=grad, mom=mom, weight32=weight32)
    _f32('mp_nag_mom_update', mom=mom, weight32=weight32)
    w, m = nag_mom(weight32, tf.cast(grad, tf.float32), mom, *_kp(p, tf.float32, *_SGD_MOM),
                   True)
    ctx.update(2, m)
    ctx.update(3, w)
    return tf.cast(w, weight.dtype)


@op('ftml_update', aux=['d', 'v', 'z'])
def ftml_update(ctx, p, weight, grad, d, v, z):
    dt = weight.dtype
    _check('ftml_update', weight, grad=grad, d=d, v=v, z=z)
    lr, beta1, beta2 = _kp(p, dt, 'lr', 'beta1', 'beta2')
    w, d, v, z = ftml(weight, grad, d, v, z, lr, beta1, beta2,
                      tf.cast(p.epsilon, dt),   # a double field
                      k_pow(p.beta1, p.t, dt), k_pow(p.beta2, p.t, dt),
                      *_kp(p, dt, 'wd', 'rescale_grad', 'clip_grad'))
    for i, t in ((2, d), (3, v), (4, z)):
        ctx.update(i, t)
    return w


def _lamb1(p, dt, weight, grad, mean, var):
    beta1, beta2, eps = _kp(p, dt, 'beta1', 'beta2', 'epsilon')
    return lamb_phase1(weight, grad, mean, var, beta1, beta2, eps, k_pow(p.beta1, p.t, dt),
                       k_pow(p.beta2, p.t, dt),
                       *_kp(p, dt, 'wd', 'rescale_grad', 'clip_gradient'), p.bias_correction)


@op('lamb_update_phase1', aux=['mean', 'var'])
def lamb_update_phase1(ctx, p, weight, grad, mean, var):
    _check('lamb_update_phase1', weight, grad=grad, mean=mean, var=var)
    g, m, v = _lamb1(p, weight.dtype, weight, grad, mean, var)
    ctx.update(2, m)
    ctx.update(3, v)
    return g


def _ratio(r):
    return tf.reshape(r, [-1])[0]


@op('lamb_update_phase2')
def lamb_update_phase2(ctx, p, weight, g, r1, r2):
    _check('lamb_update_phase2', weight, g=g)
    return lamb_phase2(weight, g, _ratio(r1), _ratio(r2),
                       *_kp(p, weight.dtype, 'lr', 'lower_bound', 'upper_bound'))


def scale_ok(rescale):
    """MXNet skips an adamw step (nothing written) when rescale_grad is 0 or not finite."""
    r = tf.reshape(tf.cast(rescale, tf.float32), [-1])[0]
    return r, tf.logical_and(tf.math.is_finite(r), tf.not_equal(r, 0))


_ADAMW = ('lr', 'beta1', 'beta2', 'epsilon', 'wd', 'eta')


@op('_adamw_update', aux=['mean', 'var'])
def adamw_update(ctx, p, weight, grad, mean, var, rescale_grad):
    """``mx.nd.contrib.adamw_update``. MXNet also leaves the rescaled, clipped gradient in
    ``grad``; so does this. A skipped step returns the weight unchanged."""
    dt = weight.dtype
    _check('adamw_update', weight, grad=grad, mean=mean, var=var)
    r, ok = scale_ok(rescale_grad)
    w, g, m, v = adamw(weight, grad, mean, var, *_kp(p, dt, *_ADAMW), tf.cast(r, dt),
                       *_kp(p, dt, 'clip_gradient'))
    for i, new, old in ((1, g, grad), (2, m, mean), (3, v, var)):
        ctx.update(i, tf.where(ok, new, old))
    return tf.where(ok, w, weight)


@op('_mp_adamw_update', aux=['mean', 'var', 'weight32'])
def mp_adamw_update(ctx, p, weight, grad, mean, var, weight32, rescale_grad):
    """``mx.nd.contrib.mp_adamw_update``: float32 states and master weight."""
    _check('mp_adamw_update', weight, grad=grad, mean=mean, var=var, weight32=weight32)
    _f32('mp_adamw_update', mean=mean, var=var, weight32=weight32)
    f = tf.float32
    r, ok = scale_ok(rescale_grad)
    w, _, m, v = adamw(weight32, tf.cast(grad, f), mean, var, *_kp(p, f, *_ADAMW), r,
                       *_kp(p, f, 'clip_gradient'))
    for i, new, old in ((2, m, mean), (3, v, var), (4, w, weight32)):
        ctx.update(i, tf.where(ok, new, old))
    return tf.where(ok, tf.cast(w, weight.dtype), weight)


@op('mp_lamb_update_phase1', aux=['mean', 'var'])
def mp_lamb_update_phase1(ctx, p, weight, grad, mean, var, weight32):
    """lamb_update_phase1 in float32 on the master weight; returns float32 g."""
    _check('mp_lamb_update_phase1', weight, grad=grad, mean=mean, var=var, weight32=weight32)
    _f32('mp_lamb_update_phase1', mean=mean, var=var, weight32=weight32)
    g, m, v = _lamb1(p, tf.float32, weight32,
                     tf.cast(grad, tf.float32), mean, var)
    ctx.update(2, m)
    ctx.update(3, v)
    return g


@op('mp_lamb_update_phase2')
def mp_lamb_update_phase2(ctx, p, weight, g, r1, r2, weight32):
    """``weight32 - lr*ratio*g`` cast to the weight dtype (weight32 itself is not written,
    as in MXNet)."""
    _check('mp_lamb_update_phase2', weight, g=g, weight32=weight32)
    _f32('mp_lamb_update_phase2', g=g, weight32=weight32)
    w = lamb_phase2(weight32, g, _ratio(r1), _ratio(r2),
                    *_kp(p, tf.float32, 'lr', 'lower_bound', 'upper_bound'))
    return tf.cast(w, weight.dtype)

def _finite(name, p, data):
    if not p.init_output:
        raise MXNetError('%s: init_output=False (accumulating into an existing output) is not '
                         'supported by tfmod' % name)
    oks = [tf.reduce_all(tf.math.is_finite(tf.cast(d, tf.float32))) for d in data]
    return tf.reshape(tf.cast(tf.reduce_all(tf.stack(oks)), tf.float32), [1])


@op('all_finite')
def all_finite(ctx, p, data):
    """[1.0] when every element is finite, else [0.0] (float32)."""
    return _finite('all_finite', p, [data])


@op('multi_all_finite', variadic=True)
def multi_all_finite(ctx, p, *data):
    """all_finite over every input array at once."""
    if len(data) != p.num_arrays:
        raise MXNetError('multi_all_finite: num_arrays=%d but %d arrays given'
                         % (p.num_arrays, len(data)))
    return _finite('multi_all_finite', p, data)


@op('reset_arrays', variadic=True, aux=lambda p: ['arg%d' % i for i in range(p.num_arrays)],
    outputs=[], num_outputs=0)
def reset_arrays(ctx, p, *data):
    """Sets every input array to zeros in place; no outputs."""
    for i, d in enumerate(data):
        ctx.update(i, tf.zeros_like(d))
    return ()
