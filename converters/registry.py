"""The op registry: one :class:`OpDef` per MXNet operator, looked up by name or alias.

An OpDef says everything the rest of tfmod needs to know about an op -- its attribute schema, its
inputs / auxiliary states / outputs as functions of the attributes, how to complete unknown input
shapes and dtypes (parameter-shape inference), and its TensorFlow lowering. Families register
their ops with the :func:`op` decorator from their own modules (``nn.py``, ``elemwise.py``...).

Attribute schemas, input names and aliases default to MXNet 1.9.1's own declarations, recorded
from the real library in ``signatures.json`` (see ``tools/record_op_signatures.py``).
"""
import collections
import json
import os

import numpy as np

from .attrs import Schema, to_attr_string
from .base import MXNetError

_SIGNATURES = None
_OPS = {}        # canonical name -> OpDef
_NAMES = {}      # every name (canonical or alias) -> OpDef


def signatures():
    """MXNet 1.9.1's declared ops: name -> {aliases, inputs, params, key_var_num_args, fluent}."""
    global _SIGNATURES
    if _SIGNATURES is None:
        path = os.path.join(os.path.dirname(__file__), 'signatures.json')
        with open(path) as f:
            _SIGNATURES = json.load(f)['ops']
    return _SIGNATURES


# Input slots that carry indices or lengths in any op (take's indices, SequenceMask's
# sequence_length, CTC's label lengths...): a reduced-precision export never casts them.
INDEX_SLOTS = frozenset({'indices', 'index', 'sequence_length', 'label', 'data_lengths',
                         'label_lengths'})

InferenceForm = collections.namedtuple('InferenceForm', 'kind lower float32', defaults=(False,))
InferenceForm.__doc__ = """What a loss op exports as: ``lower(ctx, p, data)``, its own forward
value over the data input alone (the labels are pruned from an exported graph). ``kind`` names it
('softmax', 'identity', 'sigmoid'); ``float32``: computed in float32 when the export's precision
is reduced."""


def _const(value):
    return lambda p: list(value)


class OpDef:
    """Everything tfmod knows about one MXNet op.

    lower(ctx, p, *inputs) -> tensor | tuple of tensors (all outputs, hidden ones included).
    infer_inputs(p, in_shapes, out_shapes) -> in_shapes with unknowns filled (None = unknown).
    infer_types(p, in_types, out_types) -> in_types with unknowns filled.
    infer_shape(p, in_shapes) -> out_shapes; optional, otherwise the lowering is traced abstractly.
    inference: an :class:`InferenceForm` (loss ops), what an exported inference graph computes.
    index_inputs: input names that carry indices or lengths (never cast to a lower precision).
    nan_propagates: see :func:`op`; read through :meth:`propagates_nan`.
    fluent: its names that are plain fluent methods of MXNet's NDArray and Symbol (recorded).
    """

    def __init__(self, name, lower, schema, inputs, aux, outputs, num_outputs, aliases,
                 infer_inputs, infer_types, infer_shape, loss, variadic, key_var_num_args,
                 hint, needs_head_grad, uses_rng, input_var_attrs, inference=None,
                 index_inputs=(), nan_propagates=False):
        self.name = name
        self.lower = lower
        self.schema = schema
        self._inputs = inputs
        self._aux = aux
        self._outputs = outputs
        self._num_outputs = num_outputs
        self.aliases = tuple(aliases)
        self.infer_inputs = infer_inputs
        self.infer_types = infer_types
        self.infer_shape = infer_shape
        self.loss = loss
        self.variadic = variadic
        self.key_var_num_args = key_var_num_args
        self.hint = hint or name.lower()
        self.needs_head_grad = needs_head_grad
        self.uses_rng = uses_rng
        self.input_var_attrs = input_var_attrs
        self.inference = inference
        self.index_inputs = INDEX_SLOTS | frozenset(index_inputs)
        self.nan_propagates = nan_propagates
        # the names MXNet's NDArray/Symbol have as plain fluent methods (``x.sum()``)
        self.fluent = tuple(signatures().get(name, {}).get('fluent', ()))
        self.infer_node = None
        # storage-type rule (converters/sparse.py): sparse(ctx, p, *inputs) -> outputs with
        # MXNet's storage types, or None for MXNet's dense fallback; sparse_dense: the rule is
        # also asked when every input is dense (cast_storage can make a sparse array)
        self.sparse = None
        self.sparse_dense = False

    def parse(self, attrs, node_name=''):
        return self.schema.parse(attrs, self.name, node_name)

    def input_names(self, p, num_inputs=None):
        """Names of the inputs (aux states included, in position order)."""
        if self.variadic:
            n = num_inputs
            if n is None and self.key_var_num_args:
                n = p.get(self.key_var_num_args)
            return ['arg%d' % i for i in range(n or 0)]
        return self._inputs(p)

    def assign_inputs(self, p, args, kwargs):
        """Match positional and keyword inputs of a (non-variadic) call to input_names
        -> ``(names, {name: value})``; too many or unknown inputs raise naming the op."""
        names = self.input_names(p)
        if len(args) > len(names):
            raise MXNetError('%s: too many positional inputs (%d); it takes %s'
                             % (self.name, len(args), ', '.join(names)))
        given = dict(zip(names, args))
        for k, v in kwargs.items():
            if k not in names:
                raise MXNetError('%s: unknown input %r; its inputs are %s'
                                 % (self.name, k, ', '.join(names)))
            given[k] = v
        return names, given

    def positional_slots(self):
        """(inputs, parameters) that MXNet's generated function for this op takes positionally,
        in declared order; None when it takes ``*data`` (an array list, or an op MXNet does not
        declare)."""
        sig = signatures().get(self.name)
        if sig is None or sig['variadic'] or self.variadic:
            return None
        return list(sig['inputs']), [n for n, _ in sig['params']]

    def split_call(self, called, args, kwargs, array_type, trailing):
        """MXNet's calling convention for the generated ``mx.sym.X`` / ``mx.nd.X``: positional
        arguments fill the op's declared inputs, then its parameters in declared order, then
        ``trailing`` (``('name', 'attr', 'out')`` for symbols, ``('out', 'name')`` for arrays) --
        except for ops taking an array list (``Concat``, ``add_n``...), where every positional
        argument is an input. -> ``(array args, kwargs)``; positional inputs and parameters
        move into ``kwargs`` under their names (a ``None`` input is left out), as in MXNet."""
        slots = self.positional_slots()
        if slots is None:
            for a in args:
                if not isinstance(a, array_type):
                    raise AssertionError('%s: positional arguments must be %s instances, but got '
                                         '%r' % (called, array_type.__name__, a))
            return list(args), kwargs
        inputs, params = slots
        slots = inputs + params + list(trailing)
        if len(args) > len(slots):
            raise TypeError('%s() takes from 0 to %d positional arguments but %d were given'
                            % (called, len(slots), len(args)))
        kwargs = dict(kwargs)
        for slot, value in zip(slots, args):
            if slot in kwargs:
                raise TypeError("%s() got multiple values for argument '%s'" % (called, slot))
            if slot in inputs:
                if value is None:
                    continue
                if not isinstance(value, array_type):
                    raise AssertionError('%s: argument %s must be %s instances, but got %r'
                                         % (called, slot, array_type.__name__, value))
            kwargs[slot] = value
        return [], kwargs

    def propagates_nan(self, p):
        """Does this op's inference lowering (attributes ``p``) turn every output element that a
        NaN input element influences into NaN? (graph.nan_test_points relies on it.)"""
        f = self.nan_propagates
        return bool(f(p) if callable(f) else f)

    def aux_names(self, p):
        """Which of input_names are auxiliary states (mutated, never differentiated)."""
        return self._aux(p)

    def output_names(self, p):
        """Names of the visible outputs; the JSON heads/list_outputs use them."""
        return self._outputs(p)

    def num_outputs(self, p):
        """All outputs, hidden ones included (node_row_ptr counts these)."""
        if self._num_outputs is None:
            return len(self._outputs(p))
        return self._num_outputs(p)

    def __repr__(self):
        return '<OpDef %s>' % self.name


def _scalar_repr(value):
    """An element of a tuple/list attribute as MXNet's frontend (numpy < 1.24) writes it:
    numpy scalars as plain numbers (``(0,)`` for ``(np.int64(0),)``, not numpy 2's repr)."""
    if isinstance(value, np.generic):
        return str(value)
    if isinstance(value, tuple):
        inner = ', '.join(_scalar_repr(v) for v in value)
        return '(%s,)' % inner if len(value) == 1 else '(%s)' % inner
    if isinstance(value, list):
        return '[%s]' % ', '.join(_scalar_repr(v) for v in value)
    return repr(value)


def attr_string(key, value):
    """The attribute string MXNet stores for keyword ``key=value`` of an op call: ``str(value)``
    with numpy scalars written as numbers, and dtypes by name (``np.float16`` -> 'float16')."""
    if key == 'dtype' and not isinstance(value, str):
        return np.dtype(value).name
    if isinstance(value, (tuple, list)):
        return _scalar_repr(value)
    return to_attr_string(value)


def _default_outputs(n):
    if n == 1:
        return ['output']
    return ['output%d' % i for i in range(n)]


def op(name, inputs=None, aux=(), outputs=None, num_outputs=None, aliases=None, params=None,
       extra_params=(), infer_inputs=None, infer_types=None, infer_shape=None, loss=False,
       variadic=None, hint=None, needs_head_grad=None, uses_rng=False, input_var_attrs=None,
       infer_node=None, inference=None, index_inputs=(), nan_propagates=False):
    """Register the decorated lowering as MXNet op ``name``.

    inputs/aux/outputs: a list, or a function of the parsed Params returning one. Defaults: the
    inputs MXNet declares, no aux, one output named 'output'. ``aliases`` defaults to every alias
    MXNet registers. ``params`` replaces, and ``extra_params`` extends, the recorded schema.
    ``loss=True`` marks ops whose gradient ignores head gradients (SoftmaxOutput, MakeLoss...).
    ``input_var_attrs(p, index)`` -> attrs MXNet stamps on a variable composed as input ``index``
    (BatchNorm's moving stats get ``__init__``), unless it already has an ``__init__``.
    ``infer_node(node, in_shapes, out_shapes)`` replaces infer_inputs for ops whose inference
    needs the node itself (control flow: the subgraphs it carries).
    ``inference``: a loss op's :class:`InferenceForm`, what it exports as (every loss op has one).
    ``index_inputs``: inputs besides :data:`INDEX_SLOTS` that hold indices (Embedding's data).
    ``nan_propagates``: True, or a function of the parsed Params, when the op's inference lowering
    makes NaN every output element that a NaN input element influences (TF's CPU kernels; each
    flagged op is checked in tests/test_nan_guard_propagation.py). A guarded inference call then
    tests a relu's NaNs where they reach the outputs through flagged ops, or where they enter an
    op that is not flagged (graph.nan_test_points). Default False: the op may turn a NaN into a
    number (max, comparisons, clip, casts to int).
    """
    sig = signatures().get(name)

    def wrap(fn):
        if sig is None and params is None:
            raise MXNetError('op %s is not an MXNet 1.9.1 op; give its params explicitly' % name)
        schema = Schema(params) if params is not None else Schema.from_mxnet(sig['params'])
        schema.add(*extra_params)
        schema.open = bool(sig and sig.get('open_attrs'))
        ins = inputs if inputs is not None else (sig['inputs'] if sig else ['data'])
        ins_fn = ins if callable(ins) else _const(ins)
        aux_fn = aux if callable(aux) else _const(aux)
        if outputs is None:
            n = num_outputs if isinstance(num_outputs, int) else 1
            outs_fn = _const(_default_outputs(n))
        else:
            outs_fn = outputs if callable(outputs) else _const(outputs)
        nout_fn = (lambda p, n=num_outputs: n) if isinstance(num_outputs, int) else num_outputs
        var = variadic if variadic is not None else bool(
            sig and sig['key_var_num_args']) or name in ('add_n',)
        kvna = sig['key_var_num_args'] if sig else ('num_args' if var else '')
        al = list(aliases) if aliases is not None else (sig['aliases'] if sig else [])
        od = OpDef(name, fn, schema, ins_fn, aux_fn, outs_fn, nout_fn, al,
                   infer_inputs, infer_types, infer_shape, loss, var, kvna, hint,
                   (not loss) if needs_head_grad is None else needs_head_grad, uses_rng,
                   input_var_attrs, inference, index_inputs, nan_propagates)
        od.infer_node = infer_node
        register(od)
        return fn
    return wrap


def storage_rule(*names, dense_inputs=False):
    """Attach the decorated storage-type rule (see converters/sparse.py) to the ops ``names``,
    which must be registered already."""
    def wrap(fn):
        for n in names:
            od = lookup(n)
            od.sparse = fn
            od.sparse_dense = dense_inputs
        return fn
    return wrap


def register(opdef):
    if opdef.name in _OPS:
        raise MXNetError('op %s registered twice' % opdef.name)
    _OPS[opdef.name] = opdef
    _NAMES[opdef.name] = opdef
    for a in opdef.aliases:
        _NAMES.setdefault(a, opdef)
    return opdef


def get(name):
    """The OpDef for an op name or alias; None if tfmod does not implement it."""
    return _NAMES.get(name)


def lookup(name, node_name=None):
    od = _NAMES.get(name)
    if od is None:
        where = ' (node %r)' % node_name if node_name else ''
        known = ' MXNet 1.9.1 has this op, but tfmod does not implement it yet.' \
            if name in signatures() or any(name in s['aliases'] for s in signatures().values()) \
            else ' No such op exists in MXNet 1.9.1.'
        raise MXNetError('Unknown operator %s%s.%s' % (name, where, known))
    return od


def all_ops():
    """Canonical name -> OpDef for every implemented op."""
    return dict(_OPS)


def all_names():
    """Every implemented name, aliases included."""
    return dict(_NAMES)


# the namespaces MXNet files its generated functions under, by name prefix
_NAMESPACE_PREFIXES = (('_contrib_', 'contrib'), ('_linalg_', 'linalg'), ('_sparse_', 'sparse'),
                       ('_image_', 'image'))


def namespace_entries():
    """``(called, namespace, short)`` for every implemented name, as MXNet files its generated
    functions for ``mx.sym`` and ``mx.nd``: ``_contrib_X`` as ``contrib.X``, ``_linalg_X`` as
    ``linalg.X``, ``_sparse_X`` as ``sparse.X``, ``_image_X`` as ``image.X``, public names at
    the top level ('' namespace); other underscored names only in ``_internal`` (namespace
    None). Every name is also in ``_internal``; ``_random_<dist>_like`` also in ``random`` (as
    ``<dist>_like``)."""
    out = []
    for called in sorted(_NAMES):
        for prefix, ns in _NAMESPACE_PREFIXES:
            if called.startswith(prefix):
                out.append((called, ns, called[len(prefix):]))
                break
        else:
            out.append((called, None if called.startswith('_') else '', called))
        if called.startswith('_random_') and called.endswith('_like'):
            out.append((called, 'random', called[len('_random_'):]))
    return out
