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

Every computation on NDArrays is a registered op run eagerly by :func:`apply_op` -- the generated
``mx.nd.<op>`` functions (register.py) and NDArray's Python operators alike: ``a + b`` is
``broadcast_add``, ``a % 2`` is ``_mod_scalar``, ``2 - a`` is ``_rminus_scalar``, as in MXNet.
"""
import operator
import threading

import numpy as np
import tensorflow as tf

from tfmod_converters import dtypes as _dt
from tfmod_converters import registry
from tfmod_converters import sparse as _sparse
from tfmod_converters.base import tf_message
from tfmod_converters.graph import LowerContext, Node
from .. import rng as _rng
from ..base import MXNetError, numeric_types as _py_numbers
from ..context import Context, current_context
from .. import write_epoch as _write_epoch
from . import ndfile
from . import tape as _tape

numeric_types = _py_numbers + (np.generic,)   # MXNet counts numpy scalars as numbers

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
    _STYPES = {}    # storage type name -> NDArray subclass (the sparse ones, from sparse.py)

    def __init_subclass__(cls, stype=None, **kwargs):
        super().__init_subclass__(**kwargs)
        if stype is not None:
            NDArray._STYPES[stype] = cls

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

    @property
    def _fresh_grad(self):
        """Whether a backward() wrote this variable's gradient since the flag was last cleared
        (gluon's Trainer refuses to step on a stale gradient, as MXNet's does)."""
        return self._ag is not None and self._ag.fresh

    @_fresh_grad.setter
    def _fresh_grad(self, state):
        if self._ag is not None:
            self._ag.fresh = bool(state)

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
        return {'handle': bytearray(ndfile.encode_array(self.asnumpy()))}

    def __setstate__(self, state):
        arr = ndfile.decode_array(bytes(state['handle']))
        other = array(arr, dtype=arr.dtype)
        self._s, self._off, self._shape, self.writable, self._grad = other._s, None, None, True, None
        self._ag, self._nograd = None, False

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
        """A copy of this array in storage type ``stype`` ('default', 'csr', 'row_sparse')."""
        if stype == 'default':
            return self.copy()
        with tf.device(self.context.tf_device):
            return from_content(_sparse.cast(self._read(), stype), self.context)

    def _content(self):
        """What the registry's storage rules take: the dense tensor (sparse.py overrides)."""
        return self._read()

    def _file_value(self):
        """What ndfile writes for this array: its numpy value (sparse.py overrides)."""
        return self.asnumpy()

    @staticmethod
    def from_file_value(rec, ctx=None):
        """The sparse array of an ndfile SparseRecord."""
        return NDArray._STYPES[rec.stype].from_record(rec, ctx or current_context())

    def attach_grad(self, grad_req='write', stype=None):
        """Make this array a variable of autograd with a zero gradient buffer ``.grad``
        (row_sparse with ``stype='row_sparse'``: only the rows the ops touch are stored)."""
        if stype not in (None, 'default', 'row_sparse'):
            raise MXNetError('attach_grad: tfmod supports default and row_sparse gradients, not '
                             'stype=%r' % (stype,))
        _tape.mark(self, zeros(self.shape, self.context, dtype=self.dtype, stype=stype),
                   grad_req)

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
        from tfmod_converters.shape import reshape_shape
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

    def broadcast_to(self, shape):
        """``broadcast_to`` as MXNet's NDArray method runs it: a target of as many dimensions
        may be any sequence of ints (a numpy array too); fewer dimensions are first padded with
        leading 1s (the op then parses ``shape`` itself, so a numpy array is refused there, as
        in MXNet); an axis of size > 1 that would change raises a ValueError naming both
        shapes."""
        cur = self.shape
        err = ('operands could not be broadcast together with remapped shapes'
               '[original->remapped]: {} and requested shape {}'.format(cur, shape))
        if len(shape) < len(cur):
            raise ValueError(err)
        cur = (1,) * (len(shape) - len(cur)) + cur
        if any(c != int(s) and c != 1 for c, s in zip(cur, shape)):
            raise ValueError(err)
        if cur != self.shape:
            return _call('broadcast_to', [self.reshape(cur)], {'shape': shape})
        return _call('broadcast_to', [self], {'shape': tuple(int(d) for d in shape)})

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

    # -- arithmetic: MXNet's operators are its registered ops ----------------------------------
    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):      # commutes: MXNet calls self.__add__(other)
        return add(self, other)

    def __iadd__(self, other):
        return self._inplace(other, 'broadcast_add', '_plus_scalar', 'add to')

    def __sub__(self, other):
        return subtract(self, other)

    def __rsub__(self, other):
        return subtract(other, self)

    def __isub__(self, other):
        return self._inplace(other, 'broadcast_sub', '_minus_scalar', 'subtract from')

    def __mul__(self, other):
        return multiply(self, other)

    def __rmul__(self, other):
        return multiply(self, other)

    def __imul__(self, other):
        return self._inplace(other, 'broadcast_mul', '_mul_scalar', 'multiply to')

    def __truediv__(self, other):
        return divide(self, other)

    def __rtruediv__(self, other):
        return divide(other, self)

    def __itruediv__(self, other):
        return self._inplace(other, 'broadcast_div', '_div_scalar', 'divide from')

    __div__, __rdiv__, __idiv__ = __truediv__, __rtruediv__, __itruediv__

    def __mod__(self, other):
        return modulo(self, other)

    def __rmod__(self, other):
        return modulo(other, self)

    def __imod__(self, other):
        return self._inplace(other, 'broadcast_mod', '_mod_scalar', 'take modulo from')

    def __pow__(self, other):
        return power(self, other)

    def __rpow__(self, other):
        return power(other, self)

    def __neg__(self):
        return _call('_mul_scalar', [self], {'scalar': -1.0})

    def __abs__(self):
        return _call('abs', [self], {})

    def __eq__(self, other):
        return equal(self, other)

    def __ne__(self, other):
        return not_equal(self, other)

    def __gt__(self, other):
        return greater(self, other)

    def __ge__(self, other):
        return greater_equal(self, other)

    def __lt__(self, other):
        return lesser(self, other)

    def __le__(self, other):
        return lesser_equal(self, other)

    def _inplace(self, other, array_op, scalar_op, verb):
        """``self op= other`` as MXNet does it: the op writing into ``self`` (out=self)."""
        if not self.writable:
            raise ValueError('trying to %s a readonly NDArray' % verb)
        if isinstance(other, NDArray):
            return _call(array_op, [self, other], {}, out=self)
        if isinstance(other, numeric_types):
            return _call(scalar_op, [self], {'scalar': float(other)}, out=self)
        raise TypeError('type %s not supported' % str(type(other)))


def _window(arr, t):
    """``arr``'s part of its storage value ``t`` (all of it unless arr is a view; a view of
    all of it, such as ``out[0:n]`` of an n-row output, costs no op)."""
    if arr._off is None or (arr._off == 0 and arr._shape == arr._s.shape):
        return t
    n = _prod(arr._shape)
    return tf.reshape(tf.reshape(t, [-1])[arr._off:arr._off + n], arr._shape)


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


def from_content(x, ctx=None):
    """An NDArray of a storage content: a dense tensor, or a converters.sparse csr/row_sparse
    content (wrapped by the NDArray subclass registered for its storage type)."""
    kind = _sparse.stype(x)
    if kind == 'default':
        return _wrap(x, ctx)
    return NDArray._STYPES[kind](x, ctx or current_context())


def from_variable(var, ctx=None):
    """An NDArray that reads and writes through to ``var``."""
    return NDArray(Storage(var=var, ctx=ctx or current_context()))


# -- running a registered op on NDArrays --------------------------------------------------------
_PARSED = {}


def parsed_params(od, str_attrs):
    """The op's parsed attributes for these attribute strings (cached: calls repeat)."""
    key = (od.name, tuple(sorted(str_attrs.items())))
    p = _PARSED.get(key)
    if p is None:
        p = od.parse(str_attrs, od.name.lower())
        if len(_PARSED) > 4096:
            _PARSED.clear()
        _PARSED[key] = p
    return p


def apply_op(od, p, inputs, out=None, ctx=None):
    """Run op ``od`` with parsed attributes ``p`` eagerly on the NDArrays ``inputs`` (in training
    mode when ``mx.autograd.is_training()``, as MXNet's imperative calls); what the op writes into
    its inputs (optimizer states, BatchNorm's fixed gamma) is stored back. Returns an NDArray or a
    list of them, or ``out`` (an NDArray or list) after writing the results into it."""
    ctx = inputs[0].context if inputs else (ctx or current_context())
    node = Node(od.name, od.name.lower(), _inplace_attrs(od, p, inputs, out))
    lctx = LowerContext(_tape.is_training(), node, _rng.next_seed() if od.uses_rng else None, 0)
    if od.sparse is not None and (od.sparse_dense or any(type(a) is not NDArray for a in inputs)):
        res = _run_storage_rule(od, lctx, p, inputs, ctx)
        if res is not None:
            for idx, value in lctx.updates:   # states a rule updates (sparse optimizer ops)
                inputs[idx]._write(value, track=False)
            if out is None:
                return res
            (out[0] if isinstance(out, (list, tuple)) else out)._write(res)
            return out
    if od.loss and od.infer_inputs is not None:
        # MXNet infers shapes on every imperative call; the loss lowerings would take a label
        # of another shape (reshaping or broadcasting it), so check it as bind does.
        od.infer_inputs(p, [tuple(a.shape) for a in inputs], [None] * len(od.output_names(p)))
    tensors = [a._read() for a in inputs]   # sparse inputs read dense: MXNet's storage fallback
    try:
        with tf.device(ctx.tf_device):
            res = od.lower(lctx, p, *tensors)
    except MXNetError:
        raise
    except (ValueError, TypeError, IndexError, tf.errors.OpError) as e:
        shapes = ', '.join(str(tuple(t.shape)) for t in tensors)
        raise MXNetError('Error in operator %s with inputs of shapes %s: %s'
                         % (od.name, shapes, tf_message(e))) from None
    for idx, value in lctx.updates:
        inputs[idx]._write(value, track=False)
    if not isinstance(res, (tuple, list)):
        res = (res,)
    nvis = len(od.output_names(p))
    outs = [_wrap(t, ctx) for t in res[:nvis]]
    if out is not None:
        targets = out if isinstance(out, (list, tuple)) else [out]
        for dst, src in zip(targets, outs):
            dst._write(src._read(), inplace=any(dst._s is a._s for a in inputs))
        return out
    return outs[0] if len(outs) == 1 else outs


def _run_storage_rule(od, lctx, p, inputs, ctx):
    """The op's storage-type rule on the inputs' contents -> an NDArray of MXNet's output storage
    type, or None where MXNet falls back to dense."""
    contents = [a._content() for a in inputs]
    try:
        with tf.device(ctx.tf_device):
            res = od.sparse(lctx, p, *contents)
    except MXNetError:
        raise
    except (ValueError, TypeError, IndexError, tf.errors.OpError) as e:
        shapes = ', '.join(str(a.shape) for a in inputs)
        raise MXNetError('Error in operator %s with inputs of shapes %s and storage types %s: %s'
                         % (od.name, shapes, ', '.join(a.stype for a in inputs),
                            tf_message(e))) from None
    return None if res is None else from_content(res, ctx)


def _inplace_attrs(od, p, inputs, out):
    """``{'__inplace__': 'weight'}`` when ``out`` is one of the inputs: kernels that read an
    input after writing their output (nag_mom_update) see their own write, as in MXNet."""
    first = out[0] if isinstance(out, (list, tuple)) and out else out
    if first is None or od.variadic:
        return None
    names = [n for n, a in zip(od.input_names(p), inputs) if a is first]
    return {'__inplace__': ','.join(names)} if names else None


_OPERATOR_OPS = {}


def _call(op_name, inputs, attrs, out=None):
    """Registered op ``op_name`` on NDArray ``inputs`` with keyword attributes ``attrs`` (the
    operators' few: a float ``scalar``, or none; their parsed form is cached per value)."""
    key = (op_name,) + tuple((k, repr(v)) for k, v in attrs.items())    # repr: -0.0, nan
    found = _OPERATOR_OPS.get(key)
    if found is None:
        od = registry.get(op_name)
        found = od, parsed_params(od, {k: registry.attr_string(k, v) for k, v in attrs.items()})
        if len(_OPERATOR_OPS) > 4096:
            _OPERATOR_OPS.clear()
        _OPERATOR_OPS[key] = found
    return apply_op(found[0], found[1], inputs, out)


# -- MXNet's element-wise functions over arrays and numbers (mx.nd.add...), NDArray's operators --

def _ufunc(lhs, rhs, array_op, py_fn, scalar_op, rscalar_op=None):
    """MXNet's dispatch: two numbers -> a number; array and number -> the scalar op (the
    reversed one, or the same when the op commutes, for number-first); two arrays -> broadcast."""
    if isinstance(lhs, numeric_types):
        if isinstance(rhs, numeric_types):
            return py_fn(lhs, rhs)
        return _call(rscalar_op or scalar_op, [rhs], {'scalar': float(lhs)})
    if isinstance(rhs, numeric_types):
        return _call(scalar_op, [lhs], {'scalar': float(rhs)})
    if isinstance(rhs, NDArray):
        if not isinstance(lhs, NDArray):    # refused as MXNet's generated op function does
            if lhs is None:
                raise MXNetError('%s: missing input lhs' % array_op)
            raise AssertionError('%s: argument lhs must be NDArray instances, but got %r'
                                 % (array_op, lhs))
        return _call(array_op, [lhs, rhs], {})
    raise TypeError('type %s not supported' % str(type(rhs)))


def _binary(name, array_op, py_fn, scalar_op, rscalar_op=None):
    def fn(lhs, rhs):
        return _ufunc(lhs, rhs, array_op, py_fn, scalar_op, rscalar_op)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = 'Element-wise %s with broadcasting (``%s``); numbers allowed on either side.' \
        % (name, array_op)
    return fn


add = _binary('add', 'broadcast_add', operator.add, '_plus_scalar')
subtract = _binary('subtract', 'broadcast_sub', operator.sub, '_minus_scalar', '_rminus_scalar')
multiply = _binary('multiply', 'broadcast_mul', operator.mul, '_mul_scalar')
divide = _binary('divide', 'broadcast_div', operator.truediv, '_div_scalar', '_rdiv_scalar')
true_divide = _binary('true_divide', 'broadcast_div', operator.truediv, '_div_scalar',
                      '_rdiv_scalar')
modulo = _binary('modulo', 'broadcast_mod', operator.mod, '_mod_scalar', '_rmod_scalar')
power = _binary('power', 'broadcast_power', operator.pow, '_power_scalar', '_rpower_scalar')
maximum = _binary('maximum', 'broadcast_maximum', lambda x, y: x if x > y else y,
                  '_maximum_scalar')
minimum = _binary('minimum', 'broadcast_minimum', lambda x, y: x if x < y else y,
                  '_minimum_scalar')
equal = _binary('equal', 'broadcast_equal', lambda x, y: 1 if x == y else 0, '_equal_scalar')
not_equal = _binary('not_equal', 'broadcast_not_equal', lambda x, y: 1 if x != y else 0,
                    '_not_equal_scalar')
greater = _binary('greater', 'broadcast_greater', lambda x, y: 1 if x > y else 0,
                  '_greater_scalar', '_lesser_scalar')
greater_equal = _binary('greater_equal', 'broadcast_greater_equal',
                        lambda x, y: 1 if x >= y else 0, '_greater_equal_scalar',
                        '_lesser_equal_scalar')
lesser = _binary('lesser', 'broadcast_lesser', lambda x, y: 1 if x < y else 0, '_lesser_scalar',
                 '_greater_scalar')
lesser_equal = _binary('lesser_equal', 'broadcast_lesser_equal', lambda x, y: 1 if x <= y else 0,
                       '_lesser_equal_scalar', '_greater_equal_scalar')
logical_and = _binary('logical_and', 'broadcast_logical_and', lambda x, y: 1 if x and y else 0,
                      '_logical_and_scalar')
logical_or = _binary('logical_or', 'broadcast_logical_or', lambda x, y: 1 if x or y else 0,
                     '_logical_or_scalar')
logical_xor = _binary('logical_xor', 'broadcast_logical_xor',
                      lambda x, y: 1 if bool(x) ^ bool(y) else 0, '_logical_xor_scalar')


# -- creation ---------------------------------------------------------------------------------
def array(source_array, ctx=None, dtype=None):
    """An NDArray copied from source; dtype defaults to float32 unless source is an NDArray."""
    ctx = ctx or current_context()
    if isinstance(source_array, NDArray) and source_array.stype != 'default':
        return source_array.copyto(ctx).astype(dtype or source_array.dtype, copy=False)
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


def empty(shape, ctx=None, dtype='float32', stype=None):
    return zeros(shape, ctx, dtype, stype)


def zeros(shape, ctx=None, dtype='float32', stype=None, **kwargs):
    ctx = ctx or current_context()
    if stype not in (None, 'default'):
        if stype not in NDArray._STYPES:
            raise MXNetError("zeros: unknown storage type %r (expected 'default', 'csr' or "
                             "'row_sparse')" % (stype,))
        with tf.device(ctx.tf_device):
            return from_content(_sparse.empty(stype, _shape_tuple(shape),
                                              _dt.to_tf(dtype or 'float32')), ctx)
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
    if data is not None and data.stype != 'default':     # an empty array of the same storage
        return _filled_like(lambda *a: zeros(*a, stype=data.stype), data, out, kwargs)
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
