"""``mx.nd``: NDArray, creation functions, every registry op as an eager function, save/load."""
import sys
import types

from .ndarray import (NDArray, array, empty, zeros, ones, full, arange, zeros_like, ones_like,
                      concatenate, moveaxis, waitall, from_tensor)
from .saveload import save, load, load_frombuffer
from . import register as _register
from . import sparse
from .. import random  # noqa: F401  (mx.nd.random)
from .. import fluent as _fluent

_internal = types.ModuleType(__name__ + '._internal')
contrib = types.ModuleType(__name__ + '.contrib')
linalg = types.ModuleType(__name__ + '.linalg')
image = types.ModuleType(__name__ + '.image')       # mx.nd.image.to_tensor, .normalize, ...
for _m in (_internal, contrib, linalg, image):
    sys.modules[_m.__name__] = _m
_register.populate(globals(), _internal.__dict__, contrib.__dict__, linalg.__dict__,
                   sparse.__dict__, image.__dict__)


def onehot_encode(indices, out):
    """One-hot rows of ``indices`` written into ``out`` (MXNet's legacy helper)."""
    return _internal._onehot_encode(indices, out, out=out)


# creation functions win over the generated _zeros-style ops of the same public name
globals().update(zeros=zeros, ones=ones, full=full, arange=arange, array=array, empty=empty,
                 zeros_like=zeros_like if 'zeros_like' not in globals() else globals()['zeros_like'])


def split_v2(ary, indices_or_sections, axis=0, squeeze_axis=False):
    """Split along ``axis`` into ``sections`` equal parts or at ``indices`` (MXNet's helper:
    equal parts become explicit start indices)."""
    if isinstance(indices_or_sections, int):
        axis_size = ary.shape[axis]
        sections = indices_or_sections
        if axis_size % sections:
            raise ValueError('array split does not result in an equal division')
        indices = [i * (axis_size // sections) for i in range(sections)]
    elif isinstance(indices_or_sections, tuple):
        indices = [0] + list(indices_or_sections)
    else:
        raise ValueError('indices_or_sections must either int or tuple of ints')
    return _internal._split_v2(ary, indices, axis, squeeze_axis)


def _rescale_array(rescale_grad, like):
    if isinstance(rescale_grad, NDArray):
        return rescale_grad
    return full((1,), rescale_grad, ctx=like.context, dtype='float32')


def _adamw_update(weight, grad, mean, var, rescale_grad, lr, eta, beta1=0.9, beta2=0.999,
                  epsilon=1e-8, wd=0, clip_gradient=-1, out=None, name=None, **kwargs):
    """AdamW with decoupled weight decay; ``rescale_grad`` may be a number or an NDArray (a step
    whose rescale_grad is 0 or not finite is skipped, as in MXNet)."""
    return _internal._adamw_update(weight, grad, mean, var, _rescale_array(rescale_grad, weight),
                                   lr=lr, eta=eta, beta1=beta1, beta2=beta2, epsilon=epsilon,
                                   wd=wd, clip_gradient=clip_gradient, out=out, **kwargs)


def _mp_adamw_update(weight, grad, mean, var, weight32, rescale_grad, lr, eta, beta1=0.9,
                     beta2=0.999, epsilon=1e-8, wd=0, clip_gradient=-1, out=None, name=None,
                     **kwargs):
    """adamw_update with float32 states and master weight for a float16 weight."""
    return _internal._mp_adamw_update(weight, grad, mean, var, weight32,
                                      _rescale_array(rescale_grad, weight), lr=lr, eta=eta,
                                      beta1=beta1, beta2=beta2, epsilon=epsilon, wd=wd,
                                      clip_gradient=clip_gradient, out=out, **kwargs)


def _interleave(*lists):
    return [a for group in zip(*lists) for a in group]


def _multi_adamw_update(weights, grads, mean, var, rescale_grad, lrs, wds, etas, out=None,
                        name=None, size=0, **kwargs):
    """adamw_update over lists of tensors in one call."""
    return _internal._multi_adamw_update(
        *_interleave(weights, grads, mean, var), _rescale_array(rescale_grad, weights[0]),
        out=out, num_weights=size or len(weights), lrs=lrs, wds=wds, etas=etas, **kwargs)


def _multi_mp_adamw_update(weights, grads, mean, var, weights32, rescale_grad, lrs, wds, etas,
                           out=None, name=None, size=0, **kwargs):
    """mp_adamw_update over lists of tensors in one call."""
    return _internal._multi_mp_adamw_update(
        *_interleave(weights, grads, mean, var, weights32),
        _rescale_array(rescale_grad, weights[0]), out=out, num_weights=size or len(weights),
        lrs=lrs, wds=wds, etas=etas, **kwargs)


def _multi_lamb_update(weights, grads, mean, var, step_count, lrs, wds, out=None,
                       num_tensors=0, **kwargs):
    """LAMB over lists of tensors in one call (what MXNet's LAMB optimizer runs)."""
    return _internal._multi_lamb_update(
        *_interleave(weights, grads, mean, var), out=out,
        num_tensors=num_tensors or len(weights), step_count=step_count, learning_rates=lrs,
        wds=wds, **kwargs)


def _multi_mp_lamb_update(weights, grads, mean, var, weights32, step_count, lrs, wds, out=None,
                          num_tensors=0, **kwargs):
    """multi_lamb_update with float32 states and master weights."""
    return _internal._multi_mp_lamb_update(
        *_interleave(weights, grads, mean, var, weights32), out=out,
        num_tensors=num_tensors or len(weights), step_count=step_count, learning_rates=lrs,
        wds=wds, **kwargs)


_fluent.install(NDArray, globals())

# MXNet's Python-level functions over the ops (mx.nd.add, maximum, greater, eye, histogram...)
from .ndarray import (add, subtract, multiply, divide, true_divide, modulo, power,  # noqa: E402
                      maximum, minimum, equal, not_equal, greater, greater_equal, lesser,
                      lesser_equal, logical_and, logical_or, logical_xor)
from .helpers import (eye, linspace, histogram, from_numpy, isinf, isfinite, isnan,  # noqa: E402
                      rand_zipfian, NDARRAY_METHODS)
for _name, _method in NDARRAY_METHODS.items():
    if _name not in NDArray.__dict__:
        _method.__name__ = _method.__qualname__ = _name
        setattr(NDArray, _name, _method)
_register.populate_random(random.__dict__, _internal.__dict__)

# MXNet's Python wrappers in mx.nd.contrib
from . import control_flow as _control_flow  # noqa: E402
for _name, _fn in (('foreach', _control_flow.foreach), ('while_loop', _control_flow.while_loop),
                   ('cond', _control_flow.cond), ('isinf', isinf), ('isfinite', isfinite),
                   ('isnan', isnan), ('rand_zipfian', rand_zipfian),
                   ('adamw_update', _adamw_update), ('mp_adamw_update', _mp_adamw_update),
                   ('multi_adamw_update', _multi_adamw_update),
                   ('multi_mp_adamw_update', _multi_mp_adamw_update),
                   ('multi_lamb_update', _multi_lamb_update),
                   ('multi_mp_lamb_update', _multi_mp_lamb_update)):
    _fn.__name__ = _fn.__qualname__ = _name
    setattr(contrib, _name, _fn)
