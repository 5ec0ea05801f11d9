"""``mx.util``: MXNet 1.9.1's small helpers -- the NumPy shape/array switches, the ufunc keyword
checks, ``set_module``, GPU queries and the process environment.

NumPy *shape* semantics are real: the switch is ``converters.shape_mode`` (thread-local, as in
MXNet), which shape inference reads. NumPy *array* semantics (``mx.np`` ndarrays) do not exist in
tfmod: the flag is kept exactly as MXNet keeps it, so scopes, ``set_np()`` and classes decorated
with ``@use_np`` run unchanged, but nothing creates ``mx.np`` arrays; asking for the ``mx.np`` /
``mx.npx`` namespaces raises an ``MXNetError`` naming them (see ``missing_np_namespace``).
"""
import ctypes
import functools
import inspect
import logging
import os
import threading

from tfmod_converters import shape_mode
from .base import MXNetError

__all__ = ['get_gpu_count', 'get_gpu_memory', 'set_np_shape', 'is_np_shape', 'np_shape',
           'use_np_shape', 'set_module', 'np_array', 'is_np_array', 'use_np_array', 'use_np',
           'np_ufunc_legal_option', 'wrap_np_unary_func', 'wrap_np_binary_func', 'set_np',
           'reset_np', 'get_cuda_compute_capability', 'getenv', 'setenv']

# The NumPy ufunc keywords MXNet accepts (at their default values only).
_UFUNC_DEFAULTS = {'where': True, 'casting': 'same_kind', 'order': 'K', 'dtype': None,
                   'subok': True}
_CASTINGS = frozenset(['no', 'equiv', 'safe', 'same_kind', 'unsafe'])
_UFUNC_DTYPES = ('int8', 'uint8', 'int32', 'int64', 'float16', 'float32', 'float64')

_logged = {'shape': False, 'array': False}

_NP_SHAPE_MSG = ('NumPy-shape semantics has been activated in your code. This is required for '
                 'creating and manipulating scalar and zero-size tensors, which were not supported '
                 'in MXNet before, as in the official NumPy library. Please DO NOT manually '
                 'deactivate this semantics while using `mxnet.numpy` and `mxnet.numpy_extension` '
                 'modules.')
_NP_ARRAY_MSG = ('NumPy array semantics has been activated in your code. This allows you to use '
                 'operators from MXNet NumPy and NumPy Extension modules as well as MXNet NumPy '
                 '`ndarray`s.')


# ---- GPUs -------------------------------------------------------------------------------------

def _tf_gpus():
    import tensorflow as tf
    return tf.config.list_physical_devices('GPU')


def get_gpu_count():
    """Number of GPUs TensorFlow can see (MXNet: the CUDA devices it can see)."""
    return len(_tf_gpus())


def _gpu_index(device_id, what):
    gpus = _tf_gpus()
    device_id = int(device_id)
    if not 0 <= device_id < len(gpus):
        raise MXNetError('%s: gpu(%d) is not available: TensorFlow sees %d GPU(s)'
                         % (what, device_id, len(gpus)))
    return gpus[device_id]


def _cuda_driver():
    for name in ('libcuda.so.1', 'libcuda.so', 'libcuda.dylib', 'nvcuda.dll'):
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    raise MXNetError('get_gpu_memory: the CUDA driver library (libcuda) cannot be loaded')


def get_gpu_memory(gpu_dev_id):
    """``(free, total)`` bytes of GPU ``gpu_dev_id``, as the CUDA driver reports them.

    Asks the driver through the device's primary context (the one TensorFlow uses), so the
    numbers include what TensorFlow's allocator holds."""
    _gpu_index(gpu_dev_id, 'get_gpu_memory')
    cuda = _cuda_driver()
    dev, ctx = ctypes.c_int(), ctypes.c_void_p()
    free, total = ctypes.c_size_t(), ctypes.c_size_t()
    steps = [('cuInit', lambda: cuda.cuInit(0)),
             ('cuDeviceGet', lambda: cuda.cuDeviceGet(ctypes.byref(dev), int(gpu_dev_id))),
             ('cuDevicePrimaryCtxRetain',
              lambda: cuda.cuDevicePrimaryCtxRetain(ctypes.byref(ctx), dev)),
             ('cuCtxPushCurrent', lambda: cuda.cuCtxPushCurrent_v2(ctx))]
    for name, step in steps:
        ret = step()
        if ret != 0:
            raise MXNetError('get_gpu_memory: %s failed with CUDA error %d' % (name, ret))
    try:
        ret = cuda.cuMemGetInfo_v2(ctypes.byref(free), ctypes.byref(total))
    finally:
        cuda.cuCtxPopCurrent_v2(ctypes.byref(ctypes.c_void_p()))
        cuda.cuDevicePrimaryCtxRelease(dev)
    if ret != 0:
        raise MXNetError('get_gpu_memory: cuMemGetInfo failed with CUDA error %d' % ret)
    return free.value, total.value


def get_cuda_compute_capability(ctx):
    """Compute capability of GPU context ``ctx`` as an int (``sm_70`` -> 70), from TensorFlow's
    device details."""
    if ctx.device_type != 'gpu':
        raise ValueError('Expecting a gpu context to get cuda compute capability, '
                         'while received ctx {}'.format(str(ctx)))
    import tensorflow as tf
    gpu = _gpu_index(ctx.device_id, 'get_cuda_compute_capability')
    cc = tf.config.experimental.get_device_details(gpu).get('compute_capability')
    if not cc:
        raise MXNetError('get_cuda_compute_capability: TensorFlow reports no compute capability '
                         'for gpu(%d)' % ctx.device_id)
    return int(cc[0]) * 10 + int(cc[1])


# ---- NumPy shape semantics (converters.shape_mode) ---------------------------------------------

def set_np_shape(active):
    """Turn NumPy shape semantics (0 is a real zero-size dimension, -1 unknown) on or off for
    this thread; returns the previous state. MXNet's global mode (``active=2``) is taken as on,
    for this thread only."""
    if active:
        if not _logged['shape']:
            logging.info(_NP_SHAPE_MSG)
            _logged['shape'] = True
    elif is_np_array():
        raise ValueError('Deactivating NumPy shape semantics while NumPy array semantics is still'
                         ' active is not allowed. Please consider calling `npx.reset_np()` to'
                         ' deactivate both of them.')
    return shape_mode.set_np_shape(bool(active))


def is_np_shape():
    """Whether NumPy shape semantics is on in this thread."""
    return shape_mode.is_np_shape()


class _NumpyShapeScope:
    """``with np_shape(active):`` -- set the shape semantics, restore the previous on exit."""

    def __init__(self, active):
        self._active = active
        self._prev = None

    def __enter__(self):
        if self._active is not None:
            self._prev = set_np_shape(self._active)

    def __exit__(self, ptype, value, trace):
        if self._active is not None and self._prev != self._active:
            set_np_shape(self._prev)


def np_shape(active=True):
    """A scope (``with`` statement) running its body with NumPy shape semantics on/off."""
    return _NumpyShapeScope(active)


def _decorate(func, scope, decorator_name):
    """Run ``func`` (or every method, static method and property of class ``func``) inside
    ``scope()``, as MXNet's ``use_np_*`` decorators do."""
    if inspect.isclass(func):
        def wanted(member):
            return (inspect.isfunction(member) or inspect.ismethod(member)
                    or isinstance(member, property))
        for name, member in inspect.getmembers(func, predicate=wanted):
            if isinstance(member, property):
                setattr(func, name, property(_decorate(member.__get__, scope, decorator_name),
                                             member.__set__, member.__delattr__, member.__doc__))
            else:
                setattr(func, name, _decorate(member, scope, decorator_name))
        return func
    if callable(func):
        @functools.wraps(func)
        def scoped(*args, **kwargs):
            with scope():
                return func(*args, **kwargs)
        return scoped
    raise TypeError('{} can only decorate classes and callable objects, while received a {}'
                    .format(decorator_name, str(type(func))))


def use_np_shape(func):
    """Decorator: run a function, or all methods/properties of a class, with NumPy shape
    semantics on."""
    return _decorate(func, np_shape, 'use_np_shape')


# ---- NumPy array semantics (a flag only: tfmod has no mx.np arrays) -----------------------------

class _NumpyArrayScope:
    """The thread's current NumPy-array setting, as a stack of scopes (MXNet's structure)."""
    _current = threading.local()

    def __init__(self, active):
        self._old_scope = None
        self._is_np_array = active

    def __enter__(self):
        if not hasattr(_NumpyArrayScope._current, 'value'):
            _NumpyArrayScope._current.value = _NumpyArrayScope(False)
        self._old_scope = _NumpyArrayScope._current.value
        _NumpyArrayScope._current.value = self
        return self

    def __exit__(self, ptype, value, trace):
        _NumpyArrayScope._current.value = self._old_scope


def np_array(active=True):
    """A scope (``with`` statement) with NumPy array semantics on/off. tfmod keeps the flag
    (``is_np_array()``) but has no ``mx.np`` arrays to create."""
    return _NumpyArrayScope(active)


def is_np_array():
    """Whether NumPy array semantics is on in this thread."""
    cur = getattr(_NumpyArrayScope._current, 'value', None)
    return cur._is_np_array if cur is not None else False


def use_np_array(func):
    """Decorator: run a function, or all methods/properties of a class, with the NumPy array
    flag on."""
    return _decorate(func, np_array, 'use_np_array')


def use_np(func):
    """Decorator: ``use_np_shape(use_np_array(func))``."""
    return use_np_shape(use_np_array(func))


def _set_np_array(active):
    if active and not _logged['array']:
        logging.info(_NP_ARRAY_MSG)
        _logged['array'] = True
    prev = is_np_array()
    _NumpyArrayScope._current.value = _NumpyArrayScope(active)
    return prev


def set_np(shape=True, array=True):
    """Set NumPy shape and array semantics together (array semantics needs shape semantics)."""
    if not shape and array:
        raise ValueError('NumPy Shape semantics is required in using NumPy array semantics.')
    _set_np_array(array)
    set_np_shape(shape)


def reset_np():
    """Turn NumPy shape and array semantics off."""
    set_np(shape=False, array=False)


# ---- NumPy ufunc keyword checks ------------------------------------------------------------------

def np_ufunc_legal_option(key, value):
    """Whether ``key=value`` is a NumPy ufunc keyword with a value NumPy allows."""
    if key == 'where':
        return True
    if key == 'casting':
        return value in _CASTINGS
    if key == 'order':
        return isinstance(value, str)
    if key == 'dtype':
        import numpy as np
        allowed = set(_UFUNC_DTYPES) | {getattr(np, d) for d in _UFUNC_DTYPES}
        try:
            return value in allowed
        except TypeError:      # unhashable values are not dtypes
            return False
    if key == 'subok':
        return isinstance(value, bool)
    return False


def _check_ufunc_kwargs(func_name, kwargs, with_op_name):
    for key, value in kwargs.items():
        if key not in _UFUNC_DEFAULTS:
            raise TypeError("{} is an invalid keyword to function '{}'".format(key, func_name))
        if value != _UFUNC_DEFAULTS[key]:
            if np_ufunc_legal_option(key, value):
                tail = ' for operator {}'.format(func_name) if with_op_name else ''
                raise NotImplementedError('{}={} is not implemented yet{}'
                                          .format(key, str(value), tail))
            if with_op_name:
                raise TypeError('{}={} not understood for operator {}'
                                .format(key, value, func_name))
            raise TypeError('{} {} not understood'.format(key, value))


def wrap_np_unary_func(func):
    """Decorator for a ``func(x, out=None)`` ufunc: NumPy's other ufunc keywords are accepted at
    their defaults, refused otherwise (MXNet's messages)."""
    @functools.wraps(func)
    def wrapped(x, out=None, **kwargs):
        _check_ufunc_kwargs(func.__name__, kwargs, with_op_name=True)
        return func(x, out=out)
    return wrapped


def wrap_np_binary_func(func):
    """Decorator for a ``func(x1, x2, out=None)`` ufunc, as ``wrap_np_unary_func``."""
    @functools.wraps(func)
    def wrapped(x1, x2, out=None, **kwargs):
        _check_ufunc_kwargs(func.__name__, kwargs, with_op_name=False)
        return func(x1, x2, out=out)
    return wrapped


# ---- misc ----------------------------------------------------------------------------------------

def set_module(module):
    """Decorator setting ``__module__`` of a function or class (unchanged when None)."""
    def decorator(func):
        if module is not None:
            func.__module__ = module
        return func
    return decorator


def getenv(name):
    """The value of environment variable ``name``, or None."""
    return os.environ.get(name)


def setenv(name, value):
    """Set environment variable ``name`` (unset it when ``value`` is None) for this process and
    the native libraries in it."""
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


# ---- mx.np / mx.npx ------------------------------------------------------------------------------

_NP_NAMESPACES = {'np': 'mx.np', 'npx': 'mx.npx', 'numpy': 'mx.numpy',
                  'numpy_extension': 'mx.numpy_extension', 'np_symbol': 'mx.np_symbol',
                  'symbol_np': 'mx.symbol_np', 'ndarray_np': 'mx.ndarray_np'}


class NumpyInterfaceError(MXNetError, AttributeError):
    """Raised for MXNet's NumPy-array interface (``mx.np``, ``mx.npx``), which tfmod lacks. Also
    an AttributeError, so ``hasattr(mx, 'np')`` is False rather than an error."""


def missing_np_namespace(module_name, attr):
    """Module ``__getattr__`` body for ``tfmod``: explain the absent NumPy-interface namespaces,
    plain AttributeError for anything else."""
    if attr in _NP_NAMESPACES:
        raise NumpyInterfaceError(
            '%s (MXNet\'s NumPy-array interface) is not supported by tfmod: use mx.nd / mx.sym; '
            'mx.util.set_np() and @mx.use_np only set the NumPy shape semantics and the '
            'is_np_array() flag here' % _NP_NAMESPACES[attr])
    raise AttributeError('module %r has no attribute %r' % (module_name, attr))
