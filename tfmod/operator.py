"""``mx.operator``: operators written in Python (``CustomOp`` / ``CustomOpProp`` / ``register``).

As in MXNet, a ``CustomOpProp`` subclass registered under a name describes the op (its inputs,
outputs, auxiliary states, shape and type inference, backward dependencies) and creates the
``CustomOp`` doing the work with ``mx.nd``; ``mx.sym.Custom(..., op_type=name, **kwargs)`` and
``mx.nd.Custom`` use it, and so do ``Custom`` nodes in loaded symbol JSON files. The Prop is
built once per node with the node's attributes as **string** keyword arguments, as MXNet does.

The bridge to the converters (which never import tfmod) is a *provider* per op_type
(``converters.custom.register_provider``): :class:`_PropAdapter` answers the graph's questions in
its terms and :class:`_OpAdapter` runs the user's ``forward`` / ``backward`` on NDArrays
wrapping the eager tensors a ``tf.py_function`` hands it, inside the executor's compiled call.

MXNet details kept: ``infer_shape`` sees unknown shapes as ``[]`` and unknown dims as ``-1``;
``infer_type`` sees numpy types (None when unknown); ``create_operator`` gets the context, the
input shapes as lists and the dtypes as MXNet type codes; ``req`` is ``'write'``; ``in_data``
is read-only; arrays not declared by ``declare_backward_dependency`` are empty (shape ``()``,
reading them raises).
"""
import collections
import re
import warnings

import numpy as np
import tensorflow as tf

from tfmod_converters import custom as _custom
from tfmod_converters import dtypes as _dt
from tfmod_converters import registry as _registry
from .base import MXNetError
from .context import Context
from .ndarray import ndarray as _nd

__all__ = ['CustomOp', 'CustomOpProp', 'register', 'PythonOp', 'NumpyOp', 'NDArrayOp',
           'get_all_registered_operators', 'get_operator_arguments']


class CustomOp(object):
    """Base class for operators implemented in Python."""

    def __init__(self):
        pass

    def forward(self, is_train, req, in_data, out_data, aux):
        """Compute ``out_data`` from ``in_data`` (lists of NDArrays); ``req`` says how to write
        each output ('null', 'write', 'inplace', 'add'), see :meth:`assign`."""

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        """Compute ``in_grad`` (one NDArray per argument) from the declared dependencies."""

    def assign(self, dst, req, src):
        """Write ``src`` into ``dst`` as ``req`` says."""
        if req == 'null':
            return
        if req in ('write', 'inplace'):
            dst[:] = src
        elif req == 'add':
            dst[:] += src


class CustomOpProp(object):
    """Base class for the property class of a Python operator (its signature and inference).

    need_top_grad: whether backward uses the output gradients (False for loss layers); the
    default ``declare_backward_dependency`` uses it.
    """

    def __init__(self, need_top_grad=True):
        self.need_top_grad_ = need_top_grad

    def infer_shape(self, in_shape):
        """(in_shapes, out_shapes[, aux_shapes]); default: every output has in_shape[0]."""
        return in_shape, (in_shape[0],) * len(self.list_outputs()), ()

    def infer_type(self, in_type):
        """(in_types, out_types[, aux_types]) as numpy types; default: all in_type[0]."""
        return in_type, [in_type[0]] * len(self.list_outputs()), \
            [in_type[0]] * len(self.list_auxiliary_states())

    def infer_storage_type(self, in_stype):
        """Only dense ('default') storage exists in tfmod."""
        for i, stype in enumerate(in_stype):
            if stype != 'default':
                raise MXNetError("infer_storage_type: tfmod supports only 'default' storage, "
                                 "got %r for input %d" % (stype, i))
        return in_stype, ['default'] * len(self.list_outputs()), \
            ['default'] * len(self.list_auxiliary_states())

    def infer_storage_type_backward(self, ograd_stype, in_stype, out_stype, igrad_stype,
                                    aux_stype):
        lists = [ograd_stype, in_stype, out_stype, igrad_stype, aux_stype]
        return tuple(['default'] * len(x) for x in lists)

    def list_outputs(self):
        return ['output']

    def list_arguments(self):
        return ['data']

    def list_auxiliary_states(self):
        return []

    def declare_backward_dependency(self, out_grad, in_data, out_data):
        """Ids (from the three lists) of the arrays backward needs."""
        deps = []
        if self.need_top_grad_:
            deps.extend(out_grad)
        deps.extend(in_data)
        deps.extend(out_data)
        return deps

    def create_operator(self, ctx, in_shapes, in_dtypes):
        """The CustomOp doing the computation for these input shapes and dtype codes."""
        return CustomOp()


def register(reg_name):
    """Decorator: register a CustomOpProp subclass as the custom operator ``reg_name``."""
    def do_register(prop_cls):
        def factory(**kwargs):
            return _PropAdapter(reg_name, prop_cls(**kwargs))
        factory.prop_cls = prop_cls
        _custom.register_provider(reg_name, factory)
        return prop_cls
    return do_register


# -- the provider bridge ---------------------------------------------------------------------------

def _to_mx_shape(s):
    """converters' shape (None unknown) -> what MXNet hands infer_shape: [] / -1 dims."""
    if s is None:
        return []
    return [-1 if d is None else int(d) for d in s]


def _from_mx_shape(s):
    if s is None:
        return None
    s = list(s)
    if not s:
        return None
    return tuple(None if d is None or int(d) < 0 else int(d) for d in s)


def _np_type(name):
    return None if name is None else _dt.to_np(name).type


def _dtype_name(t):
    if t is None or (isinstance(t, (int, np.integer)) and int(t) == -1):
        return None
    return _dt.canonical(t)


def _split3(ret, what):
    if len(ret) == 2:
        return list(ret[0]), list(ret[1]), []
    if len(ret) == 3:
        return list(ret[0]), list(ret[1]), list(ret[2])
    raise AssertionError('%s must return 2 or 3 lists' % what)


def _check_len(got, want, kind, what):
    if len(got) != want:
        raise AssertionError('%s Error: expecting %d entries in returned %s, got %d.'
                             % (what, want, kind, len(got)))


_DEV = re.compile(r'device:(CPU|GPU):(\d+)', re.I)


def _context_of(device):
    m = _DEV.search(device or '')
    if m is None:
        return Context('cpu', 0)
    return Context('gpu' if m.group(1).upper() == 'GPU' else 'cpu', int(m.group(2)))


class _PropAdapter(object):
    """A CustomOpProp seen through the converters' provider protocol."""

    def __init__(self, reg_name, prop):
        self.reg_name = reg_name
        self.prop = prop

    def list_arguments(self):
        return list(self.prop.list_arguments())

    def list_outputs(self):
        return list(self.prop.list_outputs())

    def list_auxiliary_states(self):
        return list(self.prop.list_auxiliary_states())

    def _infer(self, method, values, to_user, from_user, what, label):
        """Call the Prop's infer_shape / infer_type and check it returned one entry per
        argument, output and aux state."""
        ins, outs, auxs = _split3(getattr(self.prop, method)([to_user(v) for v in values]),
                                  method)
        _check_len(outs, len(self.list_outputs()), 'output ' + what, label)
        _check_len(ins, len(self.list_arguments()), 'input ' + what, label)
        _check_len(auxs, len(self.list_auxiliary_states()), 'aux state ' + what, label)
        return tuple([from_user(v) for v in part] for part in (ins, outs, auxs))

    def infer_shape(self, arg_shapes):
        return self._infer('infer_shape', arg_shapes, _to_mx_shape, _from_mx_shape, 'shapes',
                           'InferShape')

    def infer_type(self, arg_types):
        return self._infer('infer_type', arg_types, _np_type, _dtype_name, 'types',
                           'InferType')

    def backward_dependency(self):
        n_in, n_out = len(self.list_arguments()), len(self.list_outputs())
        out_grad = list(range(n_out))
        in_data = list(range(n_out, n_out + n_in))
        out_data = list(range(n_out + n_in, 2 * n_out + n_in))
        return list(self.prop.declare_backward_dependency(out_grad, in_data, out_data))

    def create_operator(self, device, in_shapes, in_types):
        ctx = _context_of(device)
        op = self.prop.create_operator(ctx, [list(s) for s in in_shapes],
                                       [_dt.code(t) for t in in_types])
        return _OpAdapter(self.reg_name, op, ctx)


class _LocalStorage(_nd.Storage):
    """Storage for the arrays handed to user code inside a compiled call. It never flushes
    deferred executor work: that may only happen on the thread that started the call."""
    __slots__ = ()

    def read(self):
        if self.tensor is None:
            raise MXNetError('array has no value')
        return self.tensor

    def write(self, value):
        self.tensor = value


class _UndeclaredStorage(_nd.Storage):
    """An array backward did not declare as a dependency: MXNet hands an empty array."""
    __slots__ = ()

    def read(self):
        raise MXNetError('Shape is unknown: this array was not declared as a backward '
                         'dependency (see CustomOpProp.declare_backward_dependency)')

    def write(self, value):
        raise MXNetError('cannot write an array not declared as a backward dependency')


def _wrap(t, ctx, writable):
    return _nd.NDArray(_LocalStorage(t, ctx=ctx), writable=writable)


def _alloc(shape, dtype, ctx):
    with tf.device(ctx.tf_device):
        t = tf.zeros(shape, _dt.to_tf(dtype))
    return _nd.NDArray(_LocalStorage(t, ctx=ctx))


def _undeclared(ctx):
    return _nd.NDArray(_UndeclaredStorage(ctx=ctx, shape=(), dtype='float32'), writable=False)


_WARNED = set()


class _OpAdapter(object):
    """Runs a CustomOp's forward/backward on eager tensors via NDArrays."""

    def __init__(self, reg_name, op, ctx):
        self.reg_name = reg_name
        self.op = op
        self.ctx = ctx

    def forward(self, is_train, in_data, aux, out_shapes, out_types):
        ctx = self.ctx
        ins = [_wrap(t, ctx, False) for t in in_data]
        outs = [_alloc(s, d, ctx) for s, d in zip(out_shapes, out_types)]
        auxs = [_wrap(t, ctx, True) for t in aux]
        with ctx:
            self.op.forward(is_train=is_train, req=['write'] * len(outs), in_data=ins,
                            out_data=outs, aux=auxs)
        return [o._read() for o in outs], [a._read() for a in auxs]

    def backward(self, out_grad, in_data, out_data, aux, in_shapes, in_types):
        ctx = self.ctx

        def wrap(ts):
            return [_undeclared(ctx) if t is None else _wrap(t, ctx, False) for t in ts]
        grads = [_alloc(s, d, ctx) for s, d in zip(in_shapes, in_types)]
        auxs = [_wrap(t, ctx, True) for t in aux]
        before = [a._s.tensor for a in auxs]
        with ctx:
            self.op.backward(req=['write'] * len(grads), out_grad=wrap(out_grad),
                             in_data=wrap(in_data), out_data=wrap(out_data), in_grad=grads,
                             aux=auxs)
        if any(a._s.tensor is not b for a, b in zip(auxs, before)) and \
                self.reg_name not in _WARNED:
            _WARNED.add(self.reg_name)
            warnings.warn('custom operator %r changed an auxiliary state in backward; tfmod '
                          'keeps only the changes forward makes' % self.reg_name)
        return [g._read() for g in grads], [a._read() for a in auxs]


register('custom_op')(CustomOpProp)


# -- deprecated PythonOp / NumpyOp / NDArrayOp, built on Custom -----------------------------------

class PythonOp(object):
    """Deprecated base of NumpyOp / NDArrayOp (use CustomOp). ``op(*symbols)`` makes a symbol."""
    _counter = 0

    def __init__(self, need_top_grad=True):
        self.info_ = None
        self.need_top_grad_ = need_top_grad
        warnings.warn('PythonOp has been deprecated. Please use CustomOp')

    def __call__(self, *args, **kwargs):
        return self.get_symbol(*args, **kwargs)

    def get_symbol(self, *args, **kwargs):
        """A ``Custom`` symbol running this op (registered under a private op_type)."""
        from . import symbol
        op_type = self.info_
        if op_type is None:
            PythonOp._counter += 1
            op_type = '_python_op_%s_%d' % (type(self).__name__, PythonOp._counter)
            legacy = self

            def factory(**_kwargs):
                return _PropAdapter(op_type, _LegacyProp(legacy))
            _custom.register_provider(op_type, factory)
            self.info_ = op_type
        return symbol.Custom(*args, op_type=op_type, **kwargs)

    def forward(self, in_data, out_data):
        out_data[0][:] = in_data[0]

    def backward(self, out_grad, in_data, out_data, in_grad):
        in_grad[0][:] = 1.0

    def infer_shape(self, in_shape):
        return in_shape, [in_shape[0]]

    def list_outputs(self):
        return ['output']

    def list_arguments(self):
        return ['data']

    def need_top_grad(self):
        return self.need_top_grad_

    def declare_backward_dependency(self, out_grad, in_data, out_data):
        deps = []
        if self.need_top_grad():
            deps.extend(out_grad)
        deps.extend(in_data)
        deps.extend(out_data)
        return deps


class NumpyOp(PythonOp):
    """Deprecated: forward/backward on numpy arrays (write outputs in place)."""


class NDArrayOp(PythonOp):
    """Deprecated: forward/backward on NDArrays."""


class _LegacyProp(CustomOpProp):
    def __init__(self, legacy):
        super(_LegacyProp, self).__init__(need_top_grad=legacy.need_top_grad())
        self.legacy = legacy

    def list_arguments(self):
        return self.legacy.list_arguments()

    def list_outputs(self):
        return self.legacy.list_outputs()

    def infer_shape(self, in_shape):
        ret = self.legacy.infer_shape(in_shape)
        return ret[0], ret[1], []

    def declare_backward_dependency(self, out_grad, in_data, out_data):
        return self.legacy.declare_backward_dependency(out_grad, in_data, out_data)

    def create_operator(self, ctx, in_shapes, in_dtypes):
        return _LegacyOp(self.legacy)


class _LegacyOp(CustomOp):
    def __init__(self, legacy):
        super(_LegacyOp, self).__init__()
        self.legacy = legacy
        self.numpy = isinstance(legacy, NumpyOp)

    def _np(self, arrays, writable):
        out = []
        for a in arrays:
            try:
                out.append(a.asnumpy())
            except MXNetError:
                out.append(np.zeros((0,), np.float32))
        return out

    def forward(self, is_train, req, in_data, out_data, aux):
        if not self.numpy:
            self.legacy.forward(in_data=in_data, out_data=out_data)
            return
        ins = self._np(in_data, False)
        outs = [np.zeros(o.shape, o.dtype) for o in out_data]
        self.legacy.forward(in_data=ins, out_data=outs)
        for dst, src in zip(out_data, outs):
            dst[:] = src

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        if not self.numpy:
            self.legacy.backward(out_grad=out_grad, in_data=in_data, out_data=out_data,
                                 in_grad=in_grad)
            return
        grads = [np.zeros(g.shape, g.dtype) for g in in_grad]
        self.legacy.backward(out_grad=self._np(out_grad, False), in_data=self._np(in_data, False),
                             out_data=self._np(out_data, False), in_grad=grads)
        for dst, src in zip(in_grad, grads):
            dst[:] = src


# -- registry introspection -----------------------------------------------------------------------

def get_all_registered_operators():
    """Every operator name tfmod implements (aliases included)."""
    return sorted(_registry.all_names())


OperatorArguments = collections.namedtuple('OperatorArguments', ['narg', 'names', 'types'])


def get_operator_arguments(op_name):
    """(narg, names, types) of an operator's parameters, as MXNet declares them."""
    sig = _registry.signatures().get(op_name)
    if sig is None:
        od = _registry.get(op_name)
        sig = _registry.signatures().get(od.name) if od is not None else None
    if sig is None:
        raise MXNetError('Operator %s is not registered' % op_name)
    inputs = [(n, 'NDArray-or-Symbol') for n in sig.get('inputs', [])]
    params = [(n, t) for n, t in sig.get('params', [])]
    allp = inputs + params
    return OperatorArguments(len(allp), [n for n, _ in allp], [t for _, t in allp])
