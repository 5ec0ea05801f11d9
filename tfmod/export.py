"""Export to TensorFlow SavedModel (and from there to ONNX / TFLite).

``save_model(symbol_or_module, path, ...)`` and ``Module.export_savedmodel(path, ...)`` write a
SavedModel whose ``serving_default`` signature takes the data inputs by name (batch dimension
open) and returns the outputs by name. What is exported is the *inference* graph:

* loss layers become their inference form -- SoftmaxOutput -> softmax, LogisticRegressionOutput
  -> sigmoid, Linear/MAERegressionOutput, SVMOutput, MakeLoss, make_loss -> identity -- and their
  labels are pruned (they are not signature inputs);
* BatchNorm uses its moving statistics, Dropout is the identity;
* only the parameters the outputs need are saved, as ``tf.Variable``s of a ``tf.Module``:
  ``loaded.arg_params[name]`` (trainable) and ``loaded.aux_params[name]`` (BatchNorm statistics),
  also reachable as attributes (``loaded.fc1_weight``) and through ``loaded.variables`` /
  ``loaded.trainable_variables``.

For fine-tuning in TF the module is also callable: ``loaded({'data': x}, training=False)`` is the
serving computation; ``training=True`` is MXNet's training forward (batch statistics, which also
update the moving statistics as MXNet's momentum does; Dropout active), still with the loss
layers in their inference form, so a TF loss can be put on top. A graph that can serve but not
train here (SyncBatchNorm across ``ndev > 1`` devices) is exported without the training form,
with a warning saying why.

``precision='float16' | 'bfloat16'`` stores the parameters in that type and computes in it;
the signature still takes and returns float32 (index inputs -- Embedding's data, take's indices,
sequence lengths -- are not cast).
"""
import json
import os
import re
import subprocess
import sys
import warnings

import numpy as np
import tensorflow as tf

from tfmod_converters import dtypes as _dt
from tfmod_converters import registry
from tfmod_converters.graph import GraphFunction, scope_name
from tfmod_converters.infer import fmt, infer
from .base import MXNetError
from .export_names import NAME_MAP_FILE, unique_tf_names

__all__ = ['save_model', 'export_savedmodel', 'to_onnx', 'to_tflite', 'inference_forms']


# -- loss layers in inference ------------------------------------------------------------------
# Each loss op's registry entry carries its inference form (converters/registry.InferenceForm)
# and which inputs hold indices; converters/graph.GraphFunction applies them (inference_forms,
# compute_dtype), the same interpreter training runs.

def inference_forms():
    """{op name: what it exports as}, for documentation and tests."""
    return {name: od.inference.kind for name, od in sorted(registry.all_ops().items())
            if od.inference is not None}


_PRECISIONS = {None: None, 'float32': None, 'float16': tf.float16, 'bfloat16': tf.bfloat16}


# -- planning: which nodes, inputs and parameters a signature needs -------------------------------

def _parse_shape(shape, name):
    """A shape tuple with None for open dims (-1, None or 0 in the input)."""
    if isinstance(shape, str):
        s = shape.strip().strip('()[]')
        try:
            shape = [int(d) for d in re.split(r'[,x\s]+', s) if d]
        except ValueError:
            raise MXNetError('input %r: shape %r is not a list of integers' % (name, shape)) \
                from None
    try:
        return tuple(None if d is None or int(d) in (-1, 0) else int(d) for d in shape)
    except (TypeError, ValueError):
        raise MXNetError('input %r: shape %r is not a list of integers' % (name, shape)) from None


def _as_numpy(value, name):
    if hasattr(value, 'asnumpy'):
        return value.asnumpy()
    if isinstance(value, (tf.Tensor, tf.Variable)):
        return value.numpy()
    try:
        return np.asarray(value)
    except Exception:   # noqa: BLE001
        raise MXNetError('parameter %r: cannot read a value of type %s' % (name, type(value))) \
            from None


class _Plan:
    """One signature: its inputs, the parameters it needs and ``graph``, the training
    interpreter over ``heads`` with the loss layers in their inference forms (labels pruned)."""

    def __init__(self, symbol, inputs, params, outputs=None, input_dtypes=None):
        self.heads, self.output_names = _select_outputs(symbol, outputs)
        self.graph = GraphFunction(self.heads, inference_forms=True)
        full = self.graph.order
        self.order = self.graph.run_order
        needed = {id(n) for n in self.order}
        variables = {n.name for n in full if n.is_variable}
        used = [n for n in self.order if n.is_variable]
        real_inputs = [n.name for n in full if n.is_variable and n.name not in params]
        inputs = dict(inputs)
        bad = [k for k in inputs if k not in variables]
        if bad:
            raise MXNetError('%s %s not an input of the symbol; its inputs are: %s' % (
                ', '.join(repr(b) for b in bad), 'is' if len(bad) == 1 else 'are',
                ', '.join(real_inputs) or '(none)'))
        clash = [k for k in inputs if k in params]
        if clash:
            raise MXNetError('%s %s given both as a signature input and as a parameter'
                             % (', '.join(repr(c) for c in clash),
                                'is' if len(clash) == 1 else 'are'))
        missing = []
        for n in used:
            if n.name not in inputs and n.name not in params:
                missing.append(n.name)
        if missing:
            raise MXNetError(
                'the exported outputs (%s) need %s, which %s neither a signature input nor a '
                'parameter. Give %s shape as an input (--input NAME:SHAPE / input_shapes), or pass '
                'the parameter values. The symbol\'s inputs are: %s' % (
                    ', '.join(self.output_names), ', '.join(repr(m) for m in missing),
                    'is' if len(missing) == 1 else 'are',
                    'its' if len(missing) == 1 else 'their', ', '.join(real_inputs)))
        self.inputs = {}
        dtypes = dict(input_dtypes or {})
        for name, shape in inputs.items():
            node = next(n for n in full if n.is_variable and n.name == name)
            dt = dtypes.get(name) or node.attrs.get('__dtype__') or 'float32'
            self.inputs[name] = (_parse_shape(shape, name), _dt.canonical(dt))
        self.param_names = [n.name for n in used if n.name in params]
        # shapes of every node output, open dims as None (ops such as _zeros read them)
        shapes = {k: v[0] for k, v in self.inputs.items()}
        types = {k: v[1] for k, v in self.inputs.items()}
        for name in self.param_names:
            shapes[name] = tuple(params[name].shape)
            types[name] = _dt.canonical(params[name].dtype)
        try:
            res = infer(self.heads, shapes, types)
        except MXNetError as e:
            raise MXNetError('cannot infer the exported graph\'s shapes from the inputs %s: %s'
                             % (_fmt_inputs(self.inputs), e)) from None
        self.output_shapes = [res.shape(n, k) for n, k in self.heads]
        self.output_dtypes = [res.dtype(n, k) or 'float32' for n, k in self.heads]
        self.input_keys = unique_tf_names(self.inputs)
        self.pruned_inputs = [n.name for n in full if n.is_variable and n.name not in params
                              and id(n) not in needed]
        self.uses_rng = self.graph.uses_rng
        self.graph.set_inferred(res, self._open_dims(res, shapes, types))

    # Distinct sizes given to the open dims in two extra inference runs (see _open_dims).
    _PROBES = ((97, 101, 103, 107, 109, 113, 127, 131), (137, 139, 149, 151, 157, 163, 167, 173))

    def _open_dims(self, res, shapes, types):
        """{(node id, output, axis): (input, input axis)} for the open dims of creation ops.

        A creation op (``_zeros(shape=(0, 4))``, an RNN's begin state) takes its 0 dims from
        shape inference over the whole graph; with an open batch the size is only known at run
        time. Inferring twice more, with distinct sizes for the open input dims, shows which
        input dim each one follows; at run time it becomes ``tf.shape(input)[axis]``."""
        creators = [n for n in self.order if not n.is_variable and not n.inputs and
                    any(s is None or None in s
                        for s in (res.shape(n, k) for k in range(n.num_outputs())))]
        opened = [(name, ax) for name, (shape, _) in self.inputs.items()
                  for ax, d in enumerate(shape) if d is None]
        if not creators or not opened or len(opened) > len(self._PROBES[0]):
            return {}
        results = []
        for probe in self._PROBES:
            sh = dict(shapes)
            for j, (name, ax) in enumerate(opened):
                s = list(sh[name])
                s[ax] = probe[j]
                sh[name] = tuple(s)
            try:
                results.append(infer(self.heads, sh, types))
            except MXNetError:
                return {}
        found = {}
        for n in creators:
            for k in range(n.num_outputs()):
                s0, s1 = results[0].shape(n, k), results[1].shape(n, k)
                if s0 is None or s1 is None or len(s0) != len(s1):
                    continue
                for ax, (a, b) in enumerate(zip(s0, s1)):
                    for j, src in enumerate(opened):
                        if a == self._PROBES[0][j] and b == self._PROBES[1][j]:
                            found[(id(n), k, ax)] = src
        return found


def _fmt_inputs(inputs):
    return ', '.join('%s:%s' % (k, fmt(v[0])) for k, v in inputs.items())


def _select_outputs(symbol, outputs):
    """(heads, names): the symbol's outputs, or the named (possibly internal) outputs."""
    if outputs is None:
        heads = list(symbol._heads)
        names = symbol.list_outputs()
    else:
        if isinstance(outputs, str):
            outputs = [outputs]
        top = symbol.list_outputs()
        internals = symbol.get_internals()
        inames = internals.list_outputs()
        heads, names = [], []
        for want in outputs:
            if want in top:
                heads.append(symbol._heads[top.index(want)])
                names.append(want)
            elif want in inames:
                heads.append(internals._heads[inames.index(want)])
                names.append(want)
            elif want + '_output' in inames:
                heads.append(internals._heads[inames.index(want + '_output')])
                names.append(want + '_output')
            else:
                variables = set(symbol.list_inputs())
                cands = [n for n in inames if n not in variables]
                raise MXNetError('%r is not an output of the symbol. Outputs: %s; internal '
                                 'outputs: %s' % (want, ', '.join(top), ', '.join(cands)))
    keys, seen = [], {}
    for n in names:     # outputs may repeat (MXNet allows it); signature keys may not
        k = n
        if k in seen:
            seen[n] += 1
            k = '%s_%d' % (n, seen[n])
        else:
            seen[n] = 0
        keys.append(k)
    return heads, keys


# -- the exported object ----------------------------------------------------------------------------

_RESERVED = {'variables', 'trainable_variables', 'non_trainable_variables', 'submodules',
             'name', 'name_scope', 'arg_params', 'aux_params', 'signatures', 'names',
             'name_map', 'tfmod_names', 'tfmod_names_file'}


class _State:
    """Python-side state of an ExportedModel, kept out of TF's dependency tracking."""

    def __init__(self, plans, variables):
        self.plans = plans
        self.vars = variables


class ExportedModel(tf.Module):
    """The tf.Module written to the SavedModel: parameters as variables, and the computations.

    After ``tf.saved_model.load``: ``m.signatures['serving_default'](data=x)``,
    ``m({'data': x}, training=False)``, ``m.arg_params['fc1_weight']``, ``m.trainable_variables``.
    """
    # Plain attributes (not tf.Module's computed properties) so that they are saved and restored.
    variables = None
    trainable_variables = None

    def __init__(self, plans, arg_params, aux_params, precision=None, default='serving_default'):
        super().__init__(name='tfmod_export')
        self._default = default
        self._cdt = _PRECISIONS[precision]
        names = []
        for plan in plans.values():
            names.extend(n for n in plan.param_names if n not in names)
        self._var_names = unique_tf_names(names)
        args, auxs = {}, {}
        for name in names:
            is_aux = name in aux_params
            value = (aux_params if is_aux else arg_params)[name]
            t = tf.constant(value)
            if self._cdt is not None and t.dtype.is_floating:
                t = tf.cast(t, self._cdt)
            var = tf.Variable(t, trainable=not is_aux, name=self._var_names[name])
            (auxs if is_aux else args)[name] = var
        self.arg_params = args
        self.aux_params = auxs
        for name, var in list(args.items()) + list(auxs.items()):
            if name.isidentifier() and not name.startswith('_') and name not in _RESERVED \
                    and not hasattr(type(self), name):
                setattr(self, name, var)
        self.variables = list(args.values()) + list(auxs.values())
        self.trainable_variables = list(args.values())
        self._state = _State(plans, dict(args, **auxs))
        # the map, readable with plain TF: json.loads(loaded.tfmod_names.numpy())
        self.tfmod_names = tf.Variable(json.dumps(self.name_map(), sort_keys=True),
                                       trainable=False, name='tfmod_names')

    def name_map(self):
        """{'parameters': {MXNet name: TF variable name}, 'signatures': {signature:
        {'inputs': {MXNet name: signature input key}, 'outputs': {MXNet name: output key}}}}."""
        return {'parameters': dict(self._var_names),
                'signatures': {sig: {'inputs': dict(plan.input_keys),
                                     'outputs': {k: k for k in plan.output_names}}
                               for sig, plan in self._state.plans.items()}}

    def _values(self, plan, inputs):
        vals = {}
        for name in plan.param_names:
            vals[name] = self._state.vars[name].read_value()
        for name in plan.inputs:
            vals[name] = inputs[name]
        return vals

    def _finish(self, plan, outs):
        res = {}
        for key, t in zip(plan.output_names, outs):
            if self._cdt is not None and t.dtype == self._cdt:
                t = tf.cast(t, tf.float32)
            res[key] = t
        return res

    def _serve(self, plan):
        order = list(plan.inputs)

        def serve(*args):
            vals = self._values(plan, dict(zip(order, args)))
            outs, _ = plan.graph(vals, False, compute_dtype=self._cdt)
            return self._finish(plan, outs)
        return serve

    def input_specs(self, plan):
        """{MXNet input name: TensorSpec named by its signature key}."""
        return {name: tf.TensorSpec(shape, tf.as_dtype(dt), name=plan.input_keys[name])
                for name, (shape, dt) in plan.inputs.items()}

    def concrete_signatures(self):
        """{signature: concrete function}. The default signature is ``__call__``'s inference
        form itself: one trace serves both (a SavedModel stores that function once). The
        signature's input keys are the TensorSpecs' names (the TF forms of the MXNet names),
        not Python identifiers made from them."""
        out = {}
        for sig, plan in self._state.plans.items():
            if sig == self._default:
                out[sig] = self.__call__.get_concrete_function(self.input_specs(plan),
                                                               training=False)
                continue
            specs = list(self.input_specs(plan).values())
            fn = tf.function(self._serve(plan), input_signature=specs, autograph=False)
            out[sig] = fn.get_concrete_function()
        return out

    @tf.function(autograph=False)
    def __call__(self, inputs, training=False):
        plan = self._state.plans[self._default]
        vals = self._values(plan, inputs)
        seed = None
        if training and plan.uses_rng:
            seed = tf.random.uniform([2], 0, 2 ** 31 - 1, dtype=tf.int32)
        outs, updates = plan.graph(vals, bool(training), seed, compute_dtype=self._cdt)
        if training:
            for name, val in updates.items():
                var = self._state.vars.get(name)
                if var is not None:
                    var.assign(tf.cast(val, var.dtype))
        return self._finish(plan, outs)

    def trace_call(self):
        """Trace the training form of ``__call__`` (its inference form is the default
        signature, traced by concrete_signatures)."""
        specs = self.input_specs(self._state.plans[self._default])
        try:
            self.__call__.get_concrete_function(specs, training=True)
        except MXNetError as e:
            # a graph may serve but not train here (SyncBatchNorm across devices): the
            # SavedModel keeps its inference form and says what it left out
            warnings.warn('the SavedModel has no training form (training=True): %s' % e)


def _bucket_signature(key):
    return 'bucket_' + re.sub(r'[^A-Za-z0-9_]', '_', str(key)).strip('_')


# -- public entry points ------------------------------------------------------------------------

def _split_params(arg_params, aux_params):
    args = {k: _as_numpy(v, k) for k, v in (arg_params or {}).items()}
    auxs = {k: _as_numpy(v, k) for k, v in (aux_params or {}).items()}
    return args, auxs


def _write(plans, args, auxs, path, precision):
    model = ExportedModel(plans, args, auxs, precision)
    options = tf.saved_model.SaveOptions()
    # Traced under the save context tf.saved_model.save uses, so that save finds them in
    # tf.function's cache instead of tracing every function a second time.
    with _save_context(options):
        sigs = model.concrete_signatures()
        model.trace_call()
    for sig, fn in sigs.items():
        _check_portable(plans[sig], fn)
        _check_kernels(plans[sig], fn, run=precision is not None)
    _quiet_save(model, path, sigs, options)
    names = model.name_map()
    _write_name_map(path, names)
    info = {'path': os.path.abspath(path), 'precision': precision or 'float32',
            'signatures': {sig: {'inputs': {k: [(-1 if d is None else d) for d in v[0]]
                                            for k, v in p.inputs.items()},
                                 'outputs': list(p.output_names)}
                           for sig, p in plans.items()},
            'input_dtypes': {sig: {k: v[1] for k, v in p.inputs.items()}
                             for sig, p in plans.items()},
            'output_shapes': {sig: {k: [(-1 if d is None else d) for d in (s or ())]
                                    for k, s in zip(p.output_names, p.output_shapes)}
                              for sig, p in plans.items()},
            'output_dtypes': {sig: {k: (_dt.canonical(t) if precision is None or
                                        not _dt.is_float(t) else 'float32')
                                    for k, t in zip(p.output_names, p.output_dtypes)}
                              for sig, p in plans.items()},
            'pruned_inputs': {sig: list(p.pruned_inputs) for sig, p in plans.items()},
            'parameters': {'arg': sorted(model.arg_params), 'aux': sorted(model.aux_params)},
            'names': names}
    return info


def _write_name_map(path, names):
    """The name map as a file too, ``assets/tfmod_names.json``: found without TF (next to an
    ONNX or TFLite file made from the SavedModel, for instance)."""
    assets = os.path.join(path, 'assets')
    os.makedirs(assets, exist_ok=True)
    with open(os.path.join(assets, NAME_MAP_FILE), 'w') as f:
        json.dump(names, f, indent=1, sort_keys=True)


_PYTHON_OPS = ('PyFunc', 'PyFuncStateless', 'EagerPyFunc')


def _mx_node_of(plan, tf_name):
    parts = tf_name.split('/')
    for node in plan.order:
        if not node.is_variable and scope_name(node.name) in parts:
            return node
    return None


def _check_portable(plan, fn):
    """A graph that calls back into Python (mx.operator.CustomOp) cannot be saved: name it."""
    bad = {}
    for op in fn.graph.get_operations():
        if op.type in _PYTHON_OPS:
            node = _mx_node_of(plan, op.name)
            key = (node.op, node.name) if node is not None else (op.type, op.name)
            bad[key] = True
    if bad:
        raise MXNetError('cannot export: %s run%s Python code inside the graph, which a '
                         'SavedModel cannot carry' % (
                             ', '.join('operator %r (%s)' % (n, o) for o, n in bad),
                             's' if len(bad) == 1 else ''))


def _save_context(options):
    try:
        from tensorflow.python.saved_model.save_context import save_context
    except ImportError:         # a TF without it only traces twice
        import contextlib
        return contextlib.nullcontext()
    return save_context(options)


def _missing_kernels(fn):
    """Op types in ``fn`` (and the functions it calls) with no kernel registered on this
    machine's devices for their attribute values: a static check, nothing runs."""
    from tensorflow.python.framework import kernels
    devices = {'CPU', 'DEFAULT'} | {d.device_type for d in tf.config.list_physical_devices()}
    gdef = fn.graph.as_graph_def()
    lib = {f.signature.name for f in gdef.library.function}
    nodes = list(gdef.node) + [n for f in gdef.library.function for n in f.node_def]
    cache, missing = {}, {}
    for node in nodes:
        if node.op in lib or node.op in missing:
            continue
        if node.op not in cache:
            cache[node.op] = [k for k in kernels.get_registered_kernels_for_op(node.op).kernel
                              if k.device_type in devices]
        ok = False
        for k in cache[node.op]:
            if all(_allowed(node.attr[c.name], c) for c in k.constraint if c.name in node.attr):
                ok = True
                break
        if not ok:
            missing[node.op] = node.name
    return missing


def _allowed(value, constraint):
    allowed = set(constraint.allowed_values.list.type)
    if not allowed:
        return True
    kind = value.WhichOneof('value')
    if kind == 'type':
        return value.type in allowed
    if kind == 'list':
        return all(t in allowed for t in value.list.type)
    return True


def _check_kernels(plan, fn, run=False):
    """Before saving: an op TF has no kernel for on this machine (float16 3-D pooling on
    CPU...) is an export error naming the MXNet node. The registry is checked statically; the
    signature is also run once on zeros (which takes as long as a forward pass) when the static
    check finds a gap, or ``run`` asks (reduced precision: kernels may refuse a type at run
    time)."""
    if run or _missing_kernels(fn):
        _smoke_run(plan, fn)


def _smoke_run(plan, fn):
    """Run a signature once on zeros (open dims = 2): a kernel TF lacks on this machine is an
    export error naming the MXNet node."""
    feeds = [tf.zeros([2 if d is None else d for d in shape], tf.as_dtype(dt))
             for shape, dt in plan.inputs.values()]
    try:
        fn(*feeds)
    except (tf.errors.InvalidArgumentError, tf.errors.NotFoundError,
            tf.errors.UnimplementedError) as e:
        msg = str(e)
        if 'No OpKernel' not in msg and 'Could not find device' not in msg and \
                'not supported' not in msg.lower():
            return      # a data-dependent failure on zeros says nothing about the export
        where = ''
        m = re.search(r'\{\{node ([^}]+)\}\}', msg)
        node = _mx_node_of(plan, m.group(1)) if m else None
        if node is not None:
            where = ' (operator %r, %s)' % (node.name, node.op)
        first = msg.strip().splitlines()[0] if msg.strip() else type(e).__name__
        raise MXNetError('the exported graph cannot run on this machine%s: %s' % (where, first)) \
            from None


def save_model(symbol_or_module, path, arg_params=None, aux_params=None, input_shapes=None,
               outputs=None, precision=None, input_dtypes=None, **kwargs):
    """Write a SavedModel for a Symbol (with its parameters) or a Module.

    Symbol: ``input_shapes`` maps each signature input to its shape (-1 or None: open
    dimension); ``arg_params`` / ``aux_params`` (NDArrays or numpy arrays) hold every other
    argument and auxiliary state the outputs need (labels of loss layers are not needed).
    Module: see :func:`export_savedmodel`; the params come from the module.
    ``outputs``: names of outputs to export (the symbol's own, or internal ones such as
    ``'fc1_output'``); default: the symbol's outputs. Returns a dict describing the export.
    """
    from .symbol import Symbol
    from .module.base_module import BaseModule
    if isinstance(symbol_or_module, BaseModule):
        if arg_params is not None or aux_params is not None:
            raise MXNetError('save_model: a module exports its own parameters; do not pass '
                             'arg_params / aux_params with a module')
        return export_savedmodel(symbol_or_module, path, input_shapes=input_shapes,
                                 outputs=outputs, precision=precision,
                                 input_dtypes=input_dtypes, **kwargs)
    if kwargs:
        raise TypeError('save_model: unexpected arguments %s' % ', '.join(sorted(kwargs)))
    if not isinstance(symbol_or_module, Symbol):
        raise MXNetError('save_model: expected a Symbol or a Module, got %s'
                         % type(symbol_or_module).__name__)
    _check_precision(precision)
    sym = symbol_or_module
    args, auxs = _split_params(arg_params, aux_params)
    if not input_shapes:
        free = [n for n in sym.list_arguments() if n not in args]
        raise MXNetError('save_model: give input_shapes for the signature inputs (the symbol\'s '
                         'inputs without parameter values are: %s)' % ', '.join(free))
    params = dict(args, **auxs)
    plan = _Plan(sym, input_shapes, params, outputs, input_dtypes)
    return _write({'serving_default': plan}, args, auxs, path, precision)


def _check_precision(precision):
    if precision not in _PRECISIONS:
        raise MXNetError('precision must be float32, float16 or bfloat16, not %r' % (precision,))


def _module_inputs(mod, input_shapes, open_batch):
    """Signature inputs of a bound Module: data (and state) names with their bound shapes,
    the batch axis (from the DataDesc layout) open."""
    if input_shapes:
        return {k: _parse_shape(v, k) for k, v in dict(input_shapes).items()}, {}
    if not mod.binded:
        raise MXNetError('export_savedmodel: the module is not bound; bind it, or give '
                         'input_shapes={name: shape} for %s' % ', '.join(mod.data_names))
    from .io import DataDesc
    shapes, dtypes = {}, {}
    for desc in mod.data_shapes:
        shape = list(desc.shape)
        axis = DataDesc.get_batch_axis(getattr(desc, 'layout', None))
        if open_batch and 0 <= axis < len(shape):
            shape[axis] = None
        shapes[desc.name] = tuple(shape)
        dtypes[desc.name] = _dt.canonical(getattr(desc, 'dtype', None) or 'float32')
    states = list(getattr(mod, '_state_names', None) or [])
    if states:
        exe = mod._exec_group.execs[0]
        for name in states:
            arr = exe.arg_dict[name]
            shapes[name] = tuple(arr.shape)
            dtypes[name] = _dt.canonical(arr.dtype)
    return shapes, dtypes


def _module_params(mod):
    if mod.binded and mod.params_initialized:
        return mod.get_params()
    if mod.params_initialized and getattr(mod, '_arg_params', None) is not None:
        return mod._arg_params, mod._aux_params or {}
    raise MXNetError('export_savedmodel: the module has no parameters yet; call '
                     'init_params() (or load them) first')


def export_savedmodel(mod, path, input_shapes=None, outputs=None, precision=None,
                      input_dtypes=None, bucket_key=None, all_buckets=True, open_batch=True):
    """Write ``mod`` (a Module or BucketingModule) as a SavedModel at ``path``.

    Signature inputs are the module's data names (and state names) with the bound shapes, the
    batch axis open; ``input_shapes`` ({name: shape}, -1 for an open dim) replaces them.
    Labels are not inputs: loss layers export as their inference form. A BucketingModule
    exports its default bucket (or ``bucket_key``) as ``serving_default``; with
    ``all_buckets`` (and no ``bucket_key``) every other bound bucket becomes a signature
    ``bucket_<key>``, all sharing the same variables. Returns a dict describing the export.
    """
    from .module.module import Module
    _check_precision(precision)
    if isinstance(mod, Module):
        targets = [('serving_default', mod)]
    elif hasattr(mod, '_buckets') and hasattr(mod, '_default_bucket_key'):
        if not mod.binded:
            raise MXNetError('export_savedmodel: bind the BucketingModule first')
        buckets = mod._buckets
        key = mod._default_bucket_key if bucket_key is None else bucket_key
        if key not in buckets:
            raise MXNetError('export_savedmodel: bucket %r is not bound; bound buckets: %s'
                             % (key, ', '.join(repr(k) for k in buckets)))
        targets = [('serving_default', buckets[key])]
        if bucket_key is None and all_buckets:
            targets += [(_bucket_signature(k), m) for k, m in buckets.items() if k != key]
    else:
        raise MXNetError('export_savedmodel supports Module and BucketingModule, not %s'
                         % type(mod).__name__)
    inputs = [_module_inputs(m, input_shapes if sig == 'serving_default' else None, open_batch)
              for sig, m in targets]
    args, auxs = _split_params(*_module_params(mod))
    params = dict(args, **auxs)
    plans = {}
    for (sig, m), (shapes, dtypes) in zip(targets, inputs):
        dtypes.update(input_dtypes or {})
        plans[sig] = _Plan(m.symbol, shapes, params, outputs, dtypes)
    return _write(plans, args, auxs, path, precision)


def _attach():
    from .module.base_module import BaseModule

    def method(self, path, input_shapes=None, outputs=None, precision=None, input_dtypes=None,
               bucket_key=None, all_buckets=True, open_batch=True):
        return export_savedmodel(self, path, input_shapes, outputs, precision, input_dtypes,
                                 bucket_key, all_buckets, open_batch)
    method.__name__ = 'export_savedmodel'
    method.__doc__ = export_savedmodel.__doc__
    BaseModule.export_savedmodel = method


_attach()


# -- ONNX and TFLite ----------------------------------------------------------------------------

def to_onnx(saved_model_dir, onnx_path, opset=None, signature='serving_default'):
    """Convert a SavedModel to ONNX with tf2onnx (``pip install 'tfmod[onnx]'``); run in a
    subprocess (tfmod/tools/tf2onnx_run.py: tf2onnx's own command line with its memory fixed
    for large graphs with loops). Returns ``onnx_path``."""
    import importlib.util
    if importlib.util.find_spec('tf2onnx') is None:
        raise MXNetError('ONNX export needs tf2onnx: pip install "tfmod[onnx]" (or tf2onnx)')
    runner = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'tools', 'tf2onnx_run.py')
    cmd = [sys.executable, runner, '--saved-model', saved_model_dir,
           '--signature_def', signature, '--output', onnx_path]
    if opset:
        cmd += ['--opset', str(opset)]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2')
    # tf2onnx deep-copies the whole graph, weights included, before each of its optimizers
    # (a dozen, applied until nothing changes) so that it can skip one that fails; with
    # TF2ONNX_CATCH_ERRORS set it does not (tf2onnx 1.17 turns the copies off whenever the
    # variable is set). Only if that run fails is the conversion repeated in the careful mode.
    proc = subprocess.run(cmd, capture_output=True, text=True,
                          env=dict(env, TF2ONNX_CATCH_ERRORS='False'))
    if proc.returncode != 0:
        env.pop('TF2ONNX_CATCH_ERRORS', None)
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0 or not os.path.exists(onnx_path):
        tail = [ln for ln in (proc.stderr or '').strip().splitlines()
                if 'Error' in ln or 'error' in ln][-3:]
        raise MXNetError('tf2onnx failed to convert %s:\n  %s' % (
            saved_model_dir, '\n  '.join(tail) or (proc.stderr or '').strip()[-500:]))
    return onnx_path


def to_tflite(saved_model_dir, tflite_path, signature='serving_default'):
    """Convert a SavedModel to a TFLite flatbuffer with TF's own converter. Returns the path."""
    try:
        conv = tf.lite.TFLiteConverter.from_saved_model(saved_model_dir,
                                                        signature_keys=[signature])
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS,
                                          tf.lite.OpsSet.SELECT_TF_OPS]
        data = conv.convert()
    except Exception as e:   # noqa: BLE001 -- the converter raises many kinds
        msg = str(e).strip().splitlines()
        raise MXNetError('TFLite conversion of %s failed: %s'
                         % (saved_model_dir, msg[0] if msg else type(e).__name__)) from None
    with open(tflite_path, 'wb') as f:
        f.write(data)
    return tflite_path


def _quiet_save(model, path, sigs, options=None):
    """tf.saved_model.save without TF's INFO/notice chatter (asset paths, renamed captures)."""
    import logging as _logging
    loggers = [tf.get_logger(), _logging.getLogger('absl')]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(_logging.ERROR)
    try:
        tf.saved_model.save(model, path, signatures=sigs, options=options)
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)
