"""Eager op functions ``mx.nd.<Op>`` generated from the converters registry.

Each runs the op's TF lowering directly on the input tensors (in training mode when
``mx.autograd.is_training()``, as MXNet's imperative calls), so ``mx.nd.X`` and the graph node
``X`` share one definition.
"""
import tensorflow as tf

from converters import registry
from converters.base import tf_message
from converters.graph import LowerContext, Node
from ..base import MXNetError
from ..context import current_context
from .. import rng as _rng
from .ndarray import NDArray, from_tensor
from . import tape as _tape

_PARSED = {}


def _params(od, str_attrs):
    key = (od.name, tuple(sorted(str_attrs.items())))
    p = _PARSED.get(key)
    if p is None:
        p = od.parse(str_attrs, od.name.lower())
        if len(_PARSED) > 4096:
            _PARSED.clear()
        _PARSED[key] = p
    return p


def invoke(op_name, args, kwargs):
    """Run one op eagerly on NDArrays, called as MXNet's generated ``mx.nd.<op_name>`` is
    (parameters may follow the inputs positionally); returns an NDArray or a list of them."""
    od = registry.lookup(op_name)
    args, kwargs = od.split_call(op_name, args, dict(kwargs), NDArray, ('out', 'name'))
    out = kwargs.pop('out', None)
    kwargs.pop('name', None)
    ctx_arg = kwargs.pop('ctx', None)
    nd_kwargs, attrs = {}, {}
    input_names = set(registry.signatures().get(od.name, {}).get('inputs', ()))
    for k, v in kwargs.items():
        if isinstance(v, NDArray):
            nd_kwargs[k] = v
        elif v is not None or k not in input_names:
            attrs[k] = v
    args = list(args)
    if od.key_var_num_args and od.key_var_num_args not in attrs:
        attrs[od.key_var_num_args] = len(args) + len(nd_kwargs)
    str_attrs = {k: registry.attr_string(k, v) for k, v in attrs.items()}
    p = _params(od, str_attrs)
    if od.variadic:
        inputs = args or list(nd_kwargs.values())
    else:
        names, given = od.assign_inputs(p, args, nd_kwargs)
        missing = [n for n in names if n not in given]
        if missing:
            raise MXNetError('%s: missing input(s) %s' % (op_name, ', '.join(missing)))
        inputs = [given[n] for n in names]
    ctx = inputs[0].context if inputs else (ctx_arg or current_context())
    node = Node(od.name, od.name.lower(), _inplace_attrs(od, p, inputs, out))
    lctx = LowerContext(_tape.is_training(), node, _rng.next_seed() if od.uses_rng else None, 0)
    tensors = [a._read() for a in inputs]
    try:
        with tf.device(ctx.tf_device):
            res = od.lower(lctx, p, *tensors)
    except MXNetError:
        raise
    except (ValueError, TypeError, IndexError, tf.errors.OpError) as e:
        shapes = ', '.join(str(tuple(t.shape)) for t in tensors)
        raise MXNetError('Error in operator %s with inputs of shapes %s: %s'
                         % (od.name, shapes, tf_message(e))) from None
    _write_back(inputs, lctx.updates)
    if not isinstance(res, (tuple, list)):
        res = (res,)
    nvis = len(od.output_names(p))
    outs = [from_tensor(t, ctx) for t in res[:nvis]]
    if out is not None:
        targets = out if isinstance(out, (list, tuple)) else [out]
        for dst, src in zip(targets, outs):
            dst._write(src._read(), inplace=any(dst._s is a._s for a in inputs))
        return out
    return outs[0] if len(outs) == 1 else outs


def _inplace_attrs(od, p, inputs, out):
    """``{'__inplace__': 'weight'}`` when ``out`` is one of the inputs: kernels that read an
    input after writing their output (nag_mom_update) see their own write, as in MXNet."""
    first = out[0] if isinstance(out, (list, tuple)) and out else out
    if first is None or od.variadic:
        return None
    names = [n for n, a in zip(od.input_names(p), inputs) if a is first]
    return {'__inplace__': ','.join(names)} if names else None


def _write_back(inputs, updates):
    """Store what the op writes into its inputs -- the states an optimizer update mutates,
    BatchNorm's fixed gamma (set to 1), a Custom op's aux -- into the arrays passed in, as
    MXNet's imperative calls do."""
    for idx, value in updates:
        inputs[idx]._write(value, track=False)


def _make_function(called):
    od = registry.get(called)

    def fn(*args, **kwargs):
        return invoke(called, args, kwargs)
    fn.__name__ = called
    fn.__qualname__ = called
    fn.__doc__ = 'Eager MXNet operator %s (tfmod).' % od.name
    return fn


def populate(namespace, internal, contrib, linalg=None):
    for called in sorted(registry.all_names()):
        fn = _make_function(called)
        internal[called] = fn
        if called.startswith('_contrib_'):
            contrib[called[len('_contrib_'):]] = fn
        elif called.startswith('_linalg_') and linalg is not None:
            linalg[called[len('_linalg_'):]] = fn
        elif not called.startswith('_'):
            namespace.setdefault(called, fn)


def populate_random(random_ns, internal):
    """The generated ``_random_<dist>_like`` ops as ``mx.nd.random.<dist>_like``, as MXNet
    exposes them (its hand-written samplers own the other ``_random_*`` names)."""
    for called in list(internal):
        if called.startswith('_random_') and called.endswith('_like'):
            random_ns.setdefault(called[len('_random_'):], internal[called])
