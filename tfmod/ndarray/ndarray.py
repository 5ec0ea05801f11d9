"""NDArray: MXNet's mutable n-d array over eager TensorFlow tensors.

An NDArray is a window (whole, or a contiguous run of elements as MXNet's first-axis slices and
reshapes are) onto a :class:`Storage`. A Storage holds either an immutable eager tensor, replaced
on every write, or a ``tf.Variable`` (executors' parameters, gradients and aux states), assigned
on every write -- so ``exe.arg_dict['w'][:] = v`` changes what the next forward reads.

Executors may defer work (a training forward waits for its backward so both run as one compiled
call). Deferred work registers itself in ``_PENDING``; every read or write of any storage first
flushes it, so deferral is never observable.

Under ``mx.autograd.record()`` the tensors an array reads and writes go on a tf.GradientTape;
what autograd keeps per buffer and per variable is described in tape.py.
"""
import numbers
import threading

import numpy as np
import tensorflow as tf

from converters import dtypes as _dt
from converters.base import tf_message
from ..base import MXNetError
from ..context import Context, current_context
from .. import write_epoch as _write_epoch
from . import tape as _tape

_PENDING = []
_PENDING_LOCK = threading.RLock()


def flush_pending(keep=()):
    """Run every deferred executor computation (called before any array is read or written).
    ``keep``: executors whose deferred work may stay deferred (data-parallel siblings, which
    share no state with the caller). Each item is taken under a lock and run outside it, so
    Python code that TF runs on its own threads during the flush (Custom ops) can read arrays
    without deadlocking."""
    while _PENDING:
        with _PENDING_LOCK:
            todo = [p for p in _PENDING if p not in keep]
            if not todo:
                return
            item = todo[0]
            _PENDING.remove(item)
        item._flush()


def defer(obj):
    with _PENDING_LOCK:
        if obj not in _PENDING:
            _PENDING.append(obj)


def undefer(obj):
    with _PENDING_LOCK:
        if obj in _PENDING:
            _PENDING.remove(obj)


class Storage:
    """A mutable buffer: an eager tensor, or a tf.Variable, with fixed shape and dtype."""
    __slots__ = ('tensor', 'var', 'shape', 'dtype', 'ctx', 'deferred', 'ag', '__weakref__')

    def __init__(self, tensor=None, var=None, ctx=None, shape=None, dtype=None, deferred=False):
        self.tensor = tensor
        self.var = var
        # Deferred executor work can only change variables and executor outputs (deferred=True);
        # reading any other array never needs to run it.
        self.deferred = deferred
        src = var if var is not None else tensor
        self.shape = tuple(src.shape) if src is not None else tuple(shape)
        self.dtype = src.dtype.name if src is not None else _dt.canonical(dtype)
        self.ctx = ctx or current_context()
        # autograd: None, tape.VARIABLE, or (graph, tensor) when recorded (see tape.py)
        self.ag = _tape.tag_new(tensor) if tensor is not None else None

    def read(self):
        if _PENDING and (self.var is not None or self.deferred):
            flush_pending()
        if self.var is not None:
            return self.var.value()
        if self.tensor is None:
            raise MXNetError('array has no value yet (its executor has not run forward)')
        return self.tensor

    def write(self, value):
        if _PENDING and (self.var is not None or self.deferred):
            flush_pending()
        if self.var is not None:
            self.var.assign(value)
            _write_epoch.bump()
        else:
            self.tensor = value


def _prod(shape):
    n = 1
    for d in shape:
        n *= int(d)
    return n


def _as_tensor(value, dtype, ctx):
    """A value (NDArray, numpy, scalar, list) as a tensor of the given dtype on ctx."""
    if isinstance(value, NDArray):
        t = value._read()
    else:
        t = None
    with tf.device(ctx.tf_device):
        if t is None:
            t = tf.constant(np.asarray(value, dtype=_dt.to_np(dtype)))
        elif t.dtype.name != dtype:
            t = tf.cast(t, _dt.to_tf(dtype))
        else:
            t = tf.identity(t) if t.device != ctx.tf_device else t
    return t


class NDArray:
    """An n-dimensional array on a device, mutable in place like MXNet's."""
    __slots__ = ('_s', '_off', '_shape', 'writable', '_grad', '_ag', '_nograd', '__weakref__')
    __array_priority__ = 1000.0

    def __init__(self, storage, offset=None, shape=None, writable=True):
        self._s = storage
        self._off = offset
        self._shape = tuple(shape) if shape is not None else None
        self.writable = writable
        self._grad = None
        self._ag = None         # tape.VarInfo once attach_grad/mark_variables made it a variable
        self._nograd = False    # detach(): reads stop gradients

    def _view(self, offset, shape):
        v = NDArray(self._s, offset, shape, self.writable)
        v._nograd = self._nograd
        return v

    # -- raw access -------------------------------------------------------------------------
    def _read(self):
        """The current value as an eager tf.Tensor."""
        t = self._s.read()
        if self._ag is not None:
            t = _tape.var_read(self, self._ag, t, _window)
        else:
            if self._s.ag is not None:
                _tape.reading(self._s, t)
            if self._off is not None:
                t = _window(self, t)
        return tf.stop_gradient(t) if self._nograd else t

    def _write(self, value, inplace=False, track=True):
        """Replace the whole (view) contents with ``value`` (broadcast and cast as needed).
        ``inplace``: the value was computed from this array (``+=``, ``out=`` an input), which
        autograd refuses while recording as MXNet does; ``track=False``: a state write an op
        makes (BatchNorm's moving stats), outside autograd."""
        if not self.writable:
            raise MXNetError('trying to write to a read-only NDArray')
        shape, dtype = self.shape, self._s.dtype
        with tf.device(self._s.ctx.tf_device):
            if isinstance(value, NDArray):
                t = value._read()
            elif isinstance(value, tf.Tensor):
                t = value
            else:
                t = tf.constant(np.asarray(value, dtype=_dt.to_np(dtype)))
            if t.dtype.name != dtype:
                t = tf.cast(t, _dt.to_tf(dtype))
            if tuple(t.shape) != shape:
                try:
                    t = tf.broadcast_to(t, shape)
                except (ValueError, tf.errors.InvalidArgumentError):
                    raise MXNetError('cannot assign a value of shape %s to an array of shape %s'
                                     % (tuple(t.shape), shape)) from None
            if self._off is None:
                new = t
            else:
                base = tf.reshape(self._s.read(), [-1])
                n = _prod(shape)
                new = tf.concat([base[:self._off], tf.reshape(t, [-1]), base[self._off + n:]], 0)
                new = tf.reshape(new, self._s.shape)
            if not track:
                self._s.write(tf.stop_gradient(new))
                return
            tag = _tape.check_write(self, new, inplace)
            self._s.write(new)
            if self._s.ag is not _tape.VARIABLE:
                self._s.ag = tag

    # -- properties -------------------------------------------------------------------------
    @property
    def shape(self):
        return self._s.shape if self._off is None else self._shape

    @property
    def dtype(self):
        return np.dtype(_dt.to_np(self._s.dtype)).type   # np.dtype: bfloat16 is a scalar type

    @property
    def context(self):
        return self._s.ctx

    ctx = context

    @property
    def size(self):
        return _prod(self.shape)

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def stype(self):
        return 'default'

    @property
    def handle(self):
        return self

    @property
    def T(self):
        if self.ndim > 2:
            raise MXNetError('Only 2D matrix is allowed to be transposed')
        return _wrap(tf.transpose(self._read()), self.context)

    @property
    def grad(self):
        return self._grad

    def __len__(self):
        return self.shape[0]

    def __repr__(self):
        shape = 'x'.join(str(d) for d in self.shape)
        return '\n%s\n<NDArray %s @%s>' % (str(self.asnumpy()), shape, self.context)

    def __bool__(self):
        n = self.size
        if n == 1:
            return bool(self.asnumpy().reshape(-1)[0])
        if n == 0:
            return False
        raise ValueError('The truth value of an NDArray with multiple elements is ambiguous.')

    def __hash__(self):
        return id(self)

    def __iter__(self):
        for i in range(self.shape[0]):
            yield self[i]

    def __getstate__(self):
        from .ndfile import encode_array
        return {'handle': bytearray(encode_array(self.asnumpy()))}

    def __setstate__(self, state):
        from .ndfile import decode_array
        arr = decode_array(bytes(state['handle']))
        other = array(arr, dtype=arr.dtype)
        self._s, self._off, self._shape, self.writable, self._grad = other._s, None, None, True, None
        self._ag, self._nograd = None, False

    def __getattr__(self, name):
        from .register import fluent, invoke
        op = fluent(name)
        if op is None:
            raise AttributeError("'NDArray' object has no attribute %r" % name)
        return lambda *args, **kwargs: invoke(op, (self,) + args, kwargs)

    # -- conversion -------------------------------------------------------------------------
    def asnumpy(self):
        return np.array(self._read().numpy(), copy=True)

    def asscalar(self):
        if self.shape != (1,) and self.size != 1:
            raise ValueError('The current array is not a scalar')
        return self.asnumpy().reshape(-1)[0]

    def __array__(self, dtype=None, copy=None):
        a = self.asnumpy()
        return a.astype(dtype) if dtype is not None else a

    def __float__(self):
        return float(self.asscalar())

    def __int__(self):
        return int(self.asscalar())

    def __index__(self):
        return int(self.asscalar())

    def wait_to_read(self):
        self._read()

    def wait_to_write(self):
        self._read()

    def copy(self):
        return self.copyto(self.context)

    def copyto(self, other):
        if isinstance(other, NDArray):
            if other is self:
                return other
            if other.shape != self.shape:
                raise MXNetError('copyto: shape mismatch %s vs %s' % (self.shape, other.shape))
            other._write(self._read())
            return other
        if isinstance(other, Context):
            with tf.device(other.tf_device):
                t = tf.identity(self._read())
            return NDArray(Storage(t, ctx=other))
        raise TypeError('copyto does not support type ' + str(type(other)))

    def as_in_context(self, context):
        if self.context == context:
            return self
        return self.copyto(context)

    as_in_ctx = as_in_context

    def astype(self, dtype, copy=True):
        name = _dt.canonical(dtype)
        if not copy and name == self._s.dtype:
            return self
        with tf.device(self.context.tf_device):
            return _wrap(tf.cast(self._read(), _dt.to_tf(name)), self.context)

    def tostype(self, stype):
        if stype != 'default':
            raise MXNetError('tfmod supports dense (default) storage only, not %r' % stype)
        return self

    def attach_grad(self, grad_req='write', stype=None):
        """Make this array a variable of autograd with a zero gradient buffer ``.grad``."""
        if stype not in (None, 'default'):
            raise MXNetError('attach_grad: tfmod supports dense (default) gradients only, not '
                             'stype=%r' % (stype,))
        _tape.mark(self, zeros(self.shape, self.context, dtype=self.dtype), grad_req)

    def backward(self, out_grad=None, retain_graph=False, train_mode=True):
        """Gradients of this array (recorded under autograd.record()) into the variables'
        ``.grad``; ``out_grad`` is the head gradient (ones by default)."""
        _tape.backward([self], None if out_grad is None else [out_grad], retain_graph,
                       train_mode, _window)

    def detach(self):
        """This array's data, with no autograd history: gradients stop here."""
        v = self._view(self._off, self._shape)
        v._nograd = True
        return v

    def reshape(self, *shape, **kwargs):
        """MXNet reshape (codes 0, -1, -2, -3, -4; ``reverse``); returns a view."""
        from converters.shape import reshape_shape
        if len(shape) == 1 and isinstance(shape[0], (list, tuple)):
            shape = tuple(shape[0])
        if 'shape' in kwargs:
            shape = tuple(kwargs.pop('shape'))
        reverse = kwargs.pop('reverse', False)
        if kwargs:
            raise TypeError('unexpected keyword arguments %s' % list(kwargs))
        new = reshape_shape(self.shape, shape, reverse)
        if _prod(new) != self.size:
            raise MXNetError('cannot reshape array of shape %s into %s' % (self.shape, new))
        return self._view(self._off or 0, new)

    def reshape_like(self, other):
        return self.reshape(other.shape)

    # -- indexing ---------------------------------------------------------------------------
    def _is_view_key(self, key):
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            return True
        return isinstance(key, slice) and key.step in (None, 1)

    def __getitem__(self, key):
        if isinstance(key, tuple) and len(key) == 1:
            key = key[0]
        if self.ndim and self._is_view_key(key):
            n0 = self.shape[0]
            inner = _prod(self.shape[1:])
            base = self._off or 0
            if isinstance(key, slice):
                start, stop, _ = key.indices(n0)
                stop = max(stop, start)
                return self._view(base + start * inner, (stop - start,) + self.shape[1:])
            i = int(key)
            if i < 0:
                i += n0
            if not 0 <= i < n0:
                raise IndexError('index %d is out of bounds for axis 0 with size %d'
                                 % (int(key), n0))
            shape = self.shape[1:] if self.ndim > 1 else (1,)
            return self._view(base + i * inner, shape)
        t = self._read()
        key = _convert_key(key)
        with tf.device(self.context.tf_device):
            if _is_basic(key):
                out = t[key]
            else:
                pos = np.arange(self.size).reshape(self.shape)[key]
                out = tf.reshape(tf.gather(tf.reshape(t, [-1]), pos.reshape(-1)), pos.shape)
        if out.shape.rank == 0:
            out = tf.reshape(out, [1])
        return _wrap(out, self.context)

    def __setitem__(self, key, value):
        if not self.writable:
            raise MXNetError('trying to write to a read-only NDArray')
        if isinstance(key, tuple) and len(key) == 1:
            key = key[0]
        if isinstance(key, slice) and key == slice(None):
            self._write(value)
            return
        if self.ndim and self._is_view_key(key):
            self[key]._write(value)
            return
        key = _convert_key(key)
        pos = np.arange(self.size).reshape(self.shape)[key]
        with tf.device(self.context.tf_device):
            if isinstance(value, NDArray):
                v = value._read()
            else:
                v = tf.constant(np.asarray(value, dtype=_dt.to_np(self._s.dtype)))
            v = tf.cast(v, _dt.to_tf(self._s.dtype))
            v = tf.reshape(tf.broadcast_to(v, pos.shape), [-1])
            flat = tf.reshape(self._read(), [-1])
            new = tf.tensor_scatter_nd_update(flat, pos.reshape(-1, 1), v)
            self._write(tf.reshape(new, self.shape), inplace=True)

    # -- arithmetic -------------------------------------------------------------------------
    def _binary(self, other, fn, reverse=False):
        a = self._read()
        with tf.device(self.context.tf_device):
            if isinstance(other, NDArray):
                b = other._read()
                if b.dtype != a.dtype:
                    raise MXNetError('operands have different dtypes: %s and %s'
                                     % (a.dtype.name, b.dtype.name))
            elif isinstance(other, numbers.Number):
                b = tf.constant(other, dtype=a.dtype) if not (
                    a.dtype.is_integer and isinstance(other, float)) else tf.constant(other)
                if b.dtype != a.dtype:
                    b = tf.cast(b, a.dtype)
            elif isinstance(other, np.ndarray):
                b = tf.constant(other.astype(a.dtype.as_numpy_dtype))
            else:
                return NotImplemented
            try:
                out = fn(b, a) if reverse else fn(a, b)
            except (tf.errors.InvalidArgumentError, ValueError) as e:
                raise MXNetError('operands of shapes %s and %s cannot be combined: %s'
                                 % (tuple(a.shape), tuple(b.shape), tf_message(e))) from None
        return _wrap(out, self.context)

    def _inplace(self, other, fn):
        res = self._binary(other, fn)
        if res is NotImplemented:
            return res
        self._write(res._read(), inplace=True)
        return self

    def __add__(self, o):
        return self._binary(o, tf.add)

    def __radd__(self, o):
        return self._binary(o, tf.add, True)

    def __iadd__(self, o):
        return self._inplace(o, tf.add)

    def __sub__(self, o):
        return self._binary(o, tf.subtract)

    def __rsub__(self, o):
        return self._binary(o, tf.subtract, True)

    def __isub__(self, o):
        return self._inplace(o, tf.subtract)

    def __mul__(self, o):
        return self._binary(o, tf.multiply)

    def __rmul__(self, o):
        return self._binary(o, tf.multiply, True)

    def __imul__(self, o):
        return self._inplace(o, tf.multiply)

    def __truediv__(self, o):
        return self._binary(o, _div)

    def __rtruediv__(self, o):
        return self._binary(o, _div, True)

    def __itruediv__(self, o):
        return self._inplace(o, _div)

    __div__, __rdiv__, __idiv__ = __truediv__, __rtruediv__, __itruediv__

    def __mod__(self, o):
        return self._binary(o, _mod)

    def __rmod__(self, o):
        return self._binary(o, _mod, True)

    def __imod__(self, o):
        return self._inplace(o, _mod)

    def __pow__(self, o):
        return self._binary(o, tf.pow)

    def __rpow__(self, o):
        return self._binary(o, tf.pow, True)

    def __neg__(self):
        return _wrap(tf.negative(self._read()), self.context)

    def __abs__(self):
        return _wrap(tf.abs(self._read()), self.context)

    def _compare(self, o, fn):
        return self._binary(o, lambda a, b: tf.cast(fn(a, b), a.dtype))

    def __eq__(self, o):
        if o is None:
            return False
        return self._compare(o, tf.equal)

    def __ne__(self, o):
        if o is None:
            return True
        return self._compare(o, tf.not_equal)

    def __gt__(self, o):
        return self._compare(o, tf.greater)

    def __ge__(self, o):
        return self._compare(o, tf.greater_equal)

    def __lt__(self, o):
        return self._compare(o, tf.less)

    def __le__(self, o):
        return self._compare(o, tf.less_equal)


def _window(arr, t):
    """``arr``'s part of its storage value ``t`` (all of it unless arr is a view)."""
    if arr._off is None:
        return t
    n = _prod(arr._shape)
    return tf.reshape(tf.reshape(t, [-1])[arr._off:arr._off + n], arr._shape)


def _div(a, b):
    if a.dtype.is_integer:
        return tf.cast(tf.truncatediv(a, b), a.dtype)
    return tf.divide(a, b)


def _mod(a, b):
    return tf.math.floormod(a, b)


def _convert_key(key):
    """NDArray keys to numpy, for indexing."""
    if isinstance(key, NDArray):
        return key.asnumpy().astype(np.int64)
    if isinstance(key, tuple):
        return tuple(_convert_key(k) for k in key)
    if isinstance(key, list):
        return np.asarray(key, dtype=np.int64)
    return key


def _is_basic(key):
    parts = key if isinstance(key, tuple) else (key,)
    for k in parts:
        if isinstance(k, (np.ndarray, list)):
            return False
    return True


def _wrap(t, ctx=None):
    """An NDArray owning tensor ``t``."""
    return NDArray(Storage(t, ctx=ctx or current_context()))


def from_tensor(t, ctx=None):
    return _wrap(t, ctx)


def from_variable(var, ctx=None):
    """An NDArray that reads and writes through to ``var``."""
    return NDArray(Storage(var=var, ctx=ctx or current_context()))


# -- creation ---------------------------------------------------------------------------------
def array(source_array, ctx=None, dtype=None):
    """An NDArray copied from source; dtype defaults to float32 unless source is an NDArray."""
    ctx = ctx or current_context()
    if isinstance(source_array, NDArray):
        dtype = dtype or source_array.dtype
        return _wrap(_as_tensor(source_array, _dt.canonical(dtype), ctx), ctx)
    name = _dt.canonical(dtype or 'float32')
    try:
        a = np.asarray(source_array, dtype=_dt.to_np(name))
    except (TypeError, ValueError) as e:
        raise MXNetError('cannot make an NDArray from %r: %s' % (type(source_array), e)) from None
    if a.ndim == 0:
        a = a.reshape(1)
    with tf.device(ctx.tf_device):
        return _wrap(tf.constant(a), ctx)


def _shape_tuple(shape):
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def empty(shape, ctx=None, dtype='float32'):
    return zeros(shape, ctx, dtype)


def zeros(shape, ctx=None, dtype='float32', **kwargs):
    ctx = ctx or current_context()
    with tf.device(ctx.tf_device):
        return _wrap(tf.zeros(_shape_tuple(shape), _dt.to_tf(dtype or 'float32')), ctx)


def ones(shape, ctx=None, dtype='float32', **kwargs):
    ctx = ctx or current_context()
    with tf.device(ctx.tf_device):
        return _wrap(tf.ones(_shape_tuple(shape), _dt.to_tf(dtype or 'float32')), ctx)


def full(shape, val, ctx=None, dtype='float32', out=None):
    ctx = ctx or current_context()
    with tf.device(ctx.tf_device):
        t = tf.fill(_shape_tuple(shape), tf.constant(val, _dt.to_tf(dtype or 'float32')))
    if out is not None:
        out._write(t)
        return out
    return _wrap(t, ctx)


def arange(start, stop=None, step=1.0, repeat=1, infer_range=None, ctx=None, dtype='float32'):
    if stop is None:
        start, stop = 0, start
    a = np.arange(start, stop, step, dtype=np.float64).astype(_dt.to_np(dtype))
    if repeat > 1:
        a = np.repeat(a, repeat)
    return array(a, ctx, dtype)


def _filled_like(make, data, out, kwargs):
    # MXNet's zeros_like/ones_like have no parameter struct: other attributes (Gluon passes
    # dtype=...) are accepted and ignored, and the result keeps ``data``'s dtype.
    res = make(data.shape, data.context, data.dtype)
    if out is not None:
        out[:] = res
        return out
    return res


def zeros_like(data=None, out=None, name=None, **kwargs):
    return _filled_like(zeros, data, out, kwargs)


def ones_like(data=None, out=None, name=None, **kwargs):
    return _filled_like(ones, data, out, kwargs)


def concatenate(arrays, axis=0, always_copy=True):
    with tf.device(arrays[0].context.tf_device):
        return _wrap(tf.concat([a._read() for a in arrays], axis), arrays[0].context)


def moveaxis(tensor, source, destination):
    return _wrap(tf.experimental.numpy.moveaxis(tensor._read(), source, destination),
                 tensor.context)


def waitall():
    """Wait for all pending work (runs deferred executor calls)."""
    flush_pending()
