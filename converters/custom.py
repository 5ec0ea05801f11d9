"""Custom: operators written in Python by the user (MXNet's ``mx.operator.CustomOp``).

converters knows nothing of ``CustomOpProp`` or NDArrays, so the op is generic: a registry of
*providers* keyed by ``op_type`` (filled by ``tfmod.operator.register``). A node
``Custom(op_type='myop', k='v')`` asks its provider -- built once per node from the node's string
attributes, as MXNet builds one ``CustomOpProp(**kwargs)`` per node -- for everything:

``register_provider(op_type, factory)``; ``factory(**kwargs)`` (every attribute but op_type, as
strings) returns an object with

- ``list_arguments()``, ``list_outputs()``, ``list_auxiliary_states()``: name lists. The node's
  inputs are arguments + aux states, so left-out inputs become ``<node>_<arg>`` variables;
- ``infer_shape(arg_shapes) -> (arg_shapes, out_shapes, aux_shapes)``: shapes are tuples with
  ``None`` for an unknown dim, ``None`` for a wholly unknown shape (the provider translates to
  MXNet's ``[]`` / ``-1`` convention);
- ``infer_type(arg_types) -> (arg_types, out_types, aux_types)``: dtype names or None;
- ``backward_dependency() -> list of int``: MXNet's ``declare_backward_dependency`` result, in
  its numbering (out_grad 0..n_out-1, in_data next, out_data last);
- ``create_operator(device, in_shapes, in_types) -> op`` with
  ``op.forward(is_train, in_data, aux, out_shapes, out_types) -> (outputs, new_aux)`` and
  ``op.backward(out_grad, in_data, out_data, aux, in_shapes, in_types) -> (in_grads, new_aux)``
  on eager tensors; entries the op did not declare as backward dependencies are None.

The lowering runs forward as a ``tf.py_function`` inside the compiled graph and the backward as
another, wrapped by ``tf.custom_gradient``. The op instance is created on first run and kept by
the traced function, so state the user keeps on ``self`` between forward and backward (and
across batches) survives, as in MXNet's per-executor operator state. Aux states the forward
changes are written back with ``ctx.update``.

A Python exception in user code inside a compiled call comes out of TensorFlow as an
``OpError``; :func:`reraise` turns it back into the :class:`MXNetError` naming the op_type.
"""
import itertools
import re
import threading
import traceback

import tensorflow as tf
from tensorflow.python.eager import record as _tf_record

from .attrs import Param, Params, Schema, is_hidden, parse_str
from .base import MXNetError
from . import registry as _registry
from .registry import op

_PROVIDERS = {}
_LOCK = threading.Lock()


def register_provider(op_type, factory):
    """Make ``Custom(op_type=op_type, ...)`` nodes use ``factory(**kwargs)`` (replaces any)."""
    if not isinstance(op_type, str) or not op_type:
        raise MXNetError('custom operator name must be a non-empty string, got %r' % (op_type,))
    _PROVIDERS[op_type] = factory


def unregister_provider(op_type):
    _PROVIDERS.pop(op_type, None)


def get_provider(op_type):
    """The factory registered for ``op_type``, or None."""
    return _PROVIDERS.get(op_type)


def registered():
    """Every registered op_type."""
    return sorted(_PROVIDERS)


# -- errors from user code ------------------------------------------------------------------------

_ERRORS = {}
_ERR_IDS = itertools.count(1)
_ERR_TAG = re.compile(r'\[tfmod custom-op error #(\d+)\]')


def user_error(op_type, where, exc, node=None):
    """The MXNetError for an exception ``exc`` raised by user code (``where``: e.g.
    ``'CustomOp.forward'``), with the user's traceback as its cause."""
    if isinstance(exc, MXNetError) and getattr(exc, '_custom_op', None):
        return exc
    node_txt = ' (node %r)' % node if node else ''
    msg = 'Error in %s of custom operator %r%s: %s: %s' % (
        where, op_type, node_txt, type(exc).__name__, exc)
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    user = [f for f in frames if not f.filename.endswith(('converters/custom.py',
                                                            'tfmod/operator.py'))]
    if user:
        f = user[-1]
        msg += '\n  (raised at %s, line %d, in %s)' % (f.filename, f.lineno, f.name)
    err = MXNetError(msg)
    err._custom_op = op_type
    err.__cause__ = exc
    return err


def _record(err):
    """Keep ``err`` for :func:`reraise`; returns the tagged exception to raise inside TF."""
    with _LOCK:
        k = next(_ERR_IDS)
        _ERRORS[k] = err
        while len(_ERRORS) > 64:
            _ERRORS.pop(next(iter(_ERRORS)))
    tagged = MXNetError('[tfmod custom-op error #%d] %s' % (k, str(err).split('\n')[0]))
    return tagged


def custom_error(exc):
    """The MXNetError a Custom op's Python code raised, if the TF error ``exc`` (from running a
    compiled function) came from one; else None."""
    m = _ERR_TAG.search(str(exc))
    if m is None:
        return None
    with _LOCK:
        err = _ERRORS.pop(int(m.group(1)), None)
    if err is None:
        line = str(exc).split('\n')[0]
        err = MXNetError(line[line.find(']') + 1:].strip() or line)
    return err


def reraise(exc):
    """Raise the MXNetError behind ``exc`` if it came from a Custom op; else return (the caller
    re-raises ``exc``). For the code that runs compiled functions::

        except tf.errors.OpError as e:
            custom.reraise(e)
            raise
    """
    err = custom_error(exc)
    if err is not None:
        raise err.with_traceback(None) from err.__cause__


# -- attributes -----------------------------------------------------------------------------------

class CustomSchema(Schema):
    """``op_type`` plus any other attribute, kept as strings (the Prop's constructor kwargs)."""

    def __init__(self):
        super().__init__([Param('op_type', parse_str, required=True, type_str='string')])

    def parse(self, attrs, op_name, node_name=''):
        where = 'operator %s(name="%s")' % (op_name, node_name)
        op_type = attrs.get('op_type')
        if op_type is None:
            raise MXNetError('Required argument `op_type` is missing, in %s' % where)
        op_type = str(op_type)
        kwargs = {str(k): str(v) for k, v in attrs.items()
                  if k != 'op_type' and not is_hidden(k)}
        prop = CustomProp(op_type, kwargs, node_name)
        return Params({'op_type': op_type, 'kwargs': kwargs, 'prop': prop}, dict(attrs))


def _norm_shape(s):
    """A provider's shape -> tuple with None unknowns; None when wholly unknown (MXNet's [])."""
    if s is None or len(s) == 0:
        return None
    return tuple(None if d is None or int(d) < 0 else int(d) for d in s)


class CustomProp:
    """One node's provider, with caches for the queries asked on every inference pass."""

    def __init__(self, op_type, kwargs, node_name=''):
        self.op_type = op_type
        self.kwargs = dict(kwargs)
        self.node_name = node_name
        self._factory = None
        self._impl = None
        self._shapes = {}
        self._types = {}
        self._deps = None
        self._lists = {}
        self._ops = {}
        self.impl  # noqa: B018  -- fail now (as MXNet does at node creation) if unregistered

    @property
    def impl(self):
        f = _PROVIDERS.get(self.op_type)
        if f is None:
            raise MXNetError('Cannot find custom operator %s (register it with '
                             '@mx.operator.register(%r) before use)' % (self.op_type, self.op_type))
        if f is not self._factory:
            try:
                impl = f(**self.kwargs)
            except MXNetError:
                raise
            except Exception as e:  # noqa: BLE001 -- any user error becomes an MXNetError
                raise user_error(self.op_type, 'CustomOpProp.__init__', e, self.node_name) \
                    from e
            self._factory, self._impl = f, impl
            self._shapes.clear()
            self._types.clear()
            self._deps = None
            self._lists.clear()
            self._ops.clear()
        return self._impl

    def _call(self, method, *args):
        try:
            return getattr(self.impl, method)(*args)
        except MXNetError:
            raise
        except Exception as e:  # noqa: BLE001
            name = 'declare_backward_dependency' if method == 'backward_dependency' else method
            raise user_error(self.op_type, 'CustomOpProp.' + name, e, self.node_name) from e

    def _list(self, method):
        self.impl  # noqa: B018
        names = self._lists.get(method)
        if names is None:
            names = [str(n) for n in self._call(method)]
            self._lists[method] = names
        return list(names)

    def arguments(self):
        return self._list('list_arguments')

    def outputs(self):
        return self._list('list_outputs')

    def auxiliary_states(self):
        return self._list('list_auxiliary_states')

    def counts(self):
        return len(self.arguments()), len(self.outputs()), len(self.auxiliary_states())

    def infer_shape(self, arg_shapes, strict=True):
        """(arg_shapes, out_shapes, aux_shapes), cached; None if it failed and not ``strict``."""
        key = tuple(None if s is None else tuple(s) for s in arg_shapes)
        self.impl  # noqa: B018  (re-registration clears the caches)
        if key in self._shapes:
            return self._shapes[key]
        try:
            res = self._call('infer_shape', [None if s is None else tuple(s) for s in key])
        except MXNetError:
            if strict:
                raise
            return None
        res = tuple([_norm_shape(s) for s in part] for part in res)
        self._shapes[key] = res
        return res

    def infer_type(self, arg_types, strict=True):
        key = tuple(arg_types)
        self.impl  # noqa: B018
        if key in self._types:
            return self._types[key]
        try:
            res = self._call('infer_type', list(key))
        except MXNetError:
            if strict:
                raise
            return None
        self._types[key] = res
        return res

    def out_types(self, arg_types):
        res = self.infer_type(arg_types)
        outs = list(res[1])
        aux = list(res[2])
        fallback = next((t for t in arg_types if t is not None), 'float32')
        return [t or fallback for t in outs], [t or fallback for t in aux]

    def backward_dependency(self):
        """Asked once per node, as MXNet does when it parses the node."""
        self.impl  # noqa: B018
        if self._deps is None:
            self._deps = [int(i) for i in self._call('backward_dependency')]
        return self._deps

    def operator(self, device, in_shapes, in_types):
        """The op instance for this node on ``device`` with these input shapes and dtypes:
        created on first use and kept (MXNet keeps one per bound executor), so what the user
        stores on ``self`` in forward is there in backward and in later batches."""
        self.impl  # noqa: B018
        key = (device, tuple(tuple(s) for s in in_shapes), tuple(in_types))
        opi = self._ops.get(key)
        if opi is None:
            try:
                opi = self.impl.create_operator(device, [list(s) for s in in_shapes],
                                                list(in_types))
            except MXNetError:
                raise
            except Exception as e:  # noqa: BLE001
                raise user_error(self.op_type, 'CustomOpProp.create_operator', e,
                                 self.node_name) from e
            self._ops[key] = opi
        return opi


# -- registry entry -------------------------------------------------------------------------------

def _inputs(p):
    return p.prop.arguments() + p.prop.auxiliary_states()


def _aux(p):
    return p.prop.auxiliary_states()


def _outputs(p):
    return p.prop.outputs()


def _complete(infer, values):
    """Known argument/aux entries from the Prop's ``infer`` (infer_shape or infer_type). With
    some argument unknown, the user's code may fail on the unknown entry: that just means no
    information yet."""
    nargs = len(infer.__self__.arguments())
    args = list(values[:nargs])
    if all(v is None for v in args):
        return values
    res = infer(args, strict=all(v is not None for v in args))
    if res is None:
        return values
    new_args, _, new_aux = res
    out = list(values)
    for i, v in enumerate(list(new_args)[:nargs]):
        if v is not None:
            out[i] = v
    for j, v in enumerate(list(new_aux)[:len(values) - nargs]):
        if v is not None:
            out[nargs + j] = v
    return out


def _infer_inputs(p, in_shapes, out_shapes):
    return _complete(p.prop.infer_shape, in_shapes)


def _infer_shape(p, in_shapes):
    prop = p.prop
    args = list(in_shapes[:len(prop.arguments())])
    res = prop.infer_shape(args, strict=all(_known(s) for s in args))
    if res is None:
        return [None] * len(prop.outputs())
    return list(res[1])


def _infer_types(p, in_types, out_types):
    return _complete(p.prop.infer_type, in_types)


def _static(t):
    try:
        return tuple(t.shape.as_list())
    except ValueError:
        return None


def _known(s):
    return s is not None and all(d is not None for d in s)


def _zeros_for_none(dys, outs):
    return [tf.zeros_like(o) if d is None else d for d, o in zip(dys, outs)]


class _Runner:
    """The Python side of one lowered Custom node: creates the op on first run (per input
    shapes/dtypes), runs forward and backward, and turns user errors into tagged ones."""

    def __init__(self, prop, node_name, is_train, nargs, nout, naux, in_types, out_types,
                 aux_types):
        self.prop = prop
        self.node_name = node_name
        self.is_train = bool(is_train)
        self.nargs, self.nout, self.naux = nargs, nout, naux
        self.in_types = list(in_types)
        self.out_types = list(out_types)
        self.aux_types = list(aux_types)
        self._last = None        # (op, in_shapes) of the latest forward, for its backward

    def out_shapes(self, arg_shapes):
        res = self.prop.infer_shape(arg_shapes)
        outs = list(res[1])
        if len(outs) != self.nout or not all(_known(s) for s in outs):
            raise MXNetError('custom operator %r: infer_shape gave output shapes %s for input '
                             'shapes %s' % (self.prop.op_type, outs, arg_shapes))
        return outs

    def forward(self, device, tensors):
        shapes = [tuple(int(d) for d in t.shape) for t in tensors]
        opi = self.prop.operator(device, shapes, self.in_types)
        out_shapes = self.out_shapes(shapes[:self.nargs])
        try:
            outs, aux = opi.forward(self.is_train, list(tensors[:self.nargs]),
                                    list(tensors[self.nargs:]), out_shapes, self.out_types)
        except Exception as e:  # noqa: BLE001 -- any user error becomes an MXNetError
            if getattr(e, '_custom_op', None):
                raise
            raise user_error(self.prop.op_type, 'CustomOp.forward', e, self.node_name) from e
        self._last = (opi, shapes)
        return list(outs), list(aux)

    def backward(self, deps, declared, aux):
        if self._last is None:
            raise MXNetError('custom operator %r: backward before forward' % self.prop.op_type)
        opi, shapes = self._last
        nargs, nout = self.nargs, self.nout
        out_grad, in_data, out_data = [None] * nout, [None] * nargs, [None] * nout
        for i, t in zip(deps, declared):
            if i < nout:
                out_grad[i] = t
            elif i < nout + nargs:
                in_data[i - nout] = t
            else:
                out_data[i - nout - nargs] = t
        try:
            grads, _ = opi.backward(out_grad, in_data, out_data, list(aux), shapes[:nargs],
                                    self.in_types[:nargs])
        except Exception as e:  # noqa: BLE001
            if getattr(e, '_custom_op', None):
                raise
            raise user_error(self.prop.op_type, 'CustomOp.backward', e, self.node_name) from e
        return list(grads)


def _device_of(tensors):
    for t in tensors:
        d = getattr(t, 'device', '')
        if d:
            return d
    return ''


@op('Custom', inputs=_inputs, aux=_aux, outputs=_outputs, params=(), variadic=False,
    num_outputs=lambda p: len(p.prop.outputs()), infer_inputs=_infer_inputs,
    infer_shape=_infer_shape, infer_types=_infer_types, needs_head_grad=False)
def custom(ctx, p, *inputs):
    """Run the user's Python forward (and, under a gradient, backward) inside the graph."""
    prop = p.prop
    nargs, nout, naux = prop.counts()
    if len(inputs) != nargs + naux:
        raise MXNetError('custom operator %r takes %d inputs (%s), got %d'
                         % (prop.op_type, nargs + naux,
                            ', '.join(prop.arguments() + prop.auxiliary_states()), len(inputs)))
    aux_in = list(inputs[nargs:])
    in_types = [t.dtype.name for t in inputs]
    out_types, _ = prop.out_types(in_types[:nargs])
    aux_types = [t.dtype.name for t in aux_in]
    static = [_static(t) for t in inputs]
    out_static = [None] * nout
    if all(_known(s) for s in static[:nargs]):
        out_static = list(prop.infer_shape(static[:nargs])[1])
    elif ctx.out_shapes:
        out_static = list(ctx.out_shapes)[:nout]
    runner = _Runner(prop, ctx.name, ctx.is_train, nargs, nout, naux, in_types, out_types,
                     aux_types)

    if tf.executing_eagerly():              # mx.nd.Custom: no graph, call the op directly
        if _tf_record.should_record_backprop(list(inputs[:nargs])):
            return _eager_taped(runner, list(inputs), nargs, nout, prop.backward_dependency())
        outs, _ = runner.forward(_device_of(inputs), list(inputs))
        return tuple(outs)
    if not tf.inside_function():
        # a scratch graph for shape/dtype inference: only the static signature matters
        return tuple(tf.compat.v1.placeholder(tf.as_dtype(dt), s)
                     for dt, s in zip(out_types, out_static))

    tout = [tf.as_dtype(t) for t in out_types] + [tf.as_dtype(t) for t in aux_types]

    def fwd_py(*ts):
        try:
            outs, new_aux = runner.forward(_device_of(ts), list(ts))
            return list(outs) + list(new_aux)
        except MXNetError as e:
            raise _record(e) from None

    def run_forward(xs):
        res = tf.py_function(fwd_py, list(xs), tout, name='Custom_%s' % _safe(prop.op_type))
        res = list(res)
        for t, s in zip(res[:nout], out_static):
            if s is not None:
                t.set_shape(s)
        for t, a in zip(res[nout:], aux_in):
            t.set_shape(a.shape)
        return res[:nout], res[nout:]

    if not ctx.is_train:
        outs, _ = run_forward(inputs)
        return tuple(outs)

    deps = prop.backward_dependency()
    arg_dtypes = [tf.as_dtype(t) for t in in_types[:nargs]]

    def bwd_py(*ts):
        try:
            nd_ = len(deps)
            return runner.backward(deps, list(ts[:nd_]), list(ts[nd_:]))
        except MXNetError as e:
            raise _record(e) from None

    @tf.custom_gradient
    def with_grad(*xs):
        outs, new_aux = run_forward(xs)

        def grad(*dys):
            dys = _zeros_for_none(list(dys[:nout]), outs)
            declared = []
            for i in deps:
                if i < nout:
                    declared.append(dys[i])
                elif i < nout + nargs:
                    declared.append(xs[i - nout])
                else:
                    declared.append(outs[i - nout - nargs])
            # after this node's forward even when backward declares no forward output (the
            # op may keep state on self between the two)
            with tf.control_dependencies(list(outs) + list(new_aux)):
                gs = tf.py_function(bwd_py, declared + list(xs[nargs:]), arg_dtypes,
                                    name='Custom_%s_backward' % _safe(prop.op_type))
            result = []
            for g, x in zip(gs, xs[:nargs]):
                g.set_shape(x.shape)
                result.append(g if x.dtype.is_floating else None)
            return result + [None] * naux
        return tuple(outs) + tuple(new_aux), grad

    res = with_grad(*inputs)
    outs, new_aux = list(res[:nout]), list(res[nout:])
    for j, t in enumerate(new_aux):
        ctx.update(nargs + j, tf.stop_gradient(t))
    return tuple(outs)


def _eager_taped(runner, inputs, nargs, nout, deps):
    """mx.nd.Custom on inputs a GradientTape watches (mx.autograd.record()): the forward runs
    unrecorded, as MXNet runs it, and the tape's gradient is the op's own backward."""
    aux = inputs[nargs:]

    @tf.custom_gradient
    def custom(*xs):
        with _tf_record.stop_recording():
            outs, _ = runner.forward(_device_of(inputs), list(xs) + aux)
        outs = list(outs)

        def grad(*dys):
            dys = _zeros_for_none(list(dys[:nout]), outs)
            declared = [dys[i] if i < nout else xs[i - nout] if i < nout + nargs
                        else outs[i - nout - nargs] for i in deps]
            gs = runner.backward(deps, declared, aux)
            return [g if x.dtype.is_floating else None for g, x in zip(gs, xs)]
        return tuple(outs), grad
    return tuple(custom(*inputs[:nargs]))


def _safe(name):
    return re.sub(r'[^A-Za-z0-9_.\-/]', '_', name) or 'op'


# The recorded schema knows only op_type; a Custom node takes any other attribute too.
_registry.get('Custom').schema = CustomSchema()
