"""Executor: one Symbol bound to shapes, its arrays held in ``tf.Variable``s, run by compiled calls.

Each bound executor keeps three compiled functions, each traced once: inference forward,
training forward, and training forward + backward. ``forward(is_train=True)`` does not run at
once: it is deferred until its outputs are read or ``backward()`` is called, so the usual
``forward(is_train=True); backward()`` is a single compiled call that computes outputs,
gradients and the new auxiliary states together. Deferred work is flushed before any array is
read or written (see ``ndarray.ndarray``), so the deferral is never visible.

MXNet's observable timing is kept: auxiliary states (BatchNorm's moving statistics) change in
backward, not forward; gradients are written or added per argument's grad_req.

Inference is *guarded*: it runs fast forms that can differ from MXNet only on NaNs (relu without
its NaN -> 0 pass) plus one flag, and reruns the exact graph when the flag is set (the flag sums
a relu's outputs, or, on kernels known to propagate NaN, tests for NaN the outputs the relus'
NaNs reach and the inputs of ops that could drop them: graph.nan_test_points); and it reads
convolution kernels from a cache kept in TF's layout, refreshed when weights may have changed.
"""
import threading

import numpy as np
import tensorflow as tf

from tfmod_converters import custom as _custom
from tfmod_converters import dtypes as _dt
from tfmod_converters import sparse as _sp
from tfmod_converters.graph import guard_flag, nan_propagation_verified
from tfmod_converters.infer import fmt
from .base import MXNetError
from .context import Context
from .ndarray import ndarray as _nd
from .ndarray.sparse_var import RowSparseVarNDArray
from .executor_stypes import output_stypes, shown_outputs
from . import random as _random
from . import write_epoch as _write_epoch
from .profiler.recorder import span as _profile_span
from .flat_call import flat_caller as _flat_caller
from .step_options import StepCall

_GRAD_REQS = ('write', 'add', 'null')


class _ZeroSeed:
    """The seed passed to graphs without randomness (one constant, made once)."""
    value = None

    @classmethod
    def get(cls):
        if cls.value is None:
            cls.value = tf.constant([0, 0], tf.int32)
        return cls.value


_ZERO_SEED = _ZeroSeed


def _as_storage_var(arr, ctx):
    """The tf.Variable behind an NDArray, promoting its storage in place so writes go through."""
    if not isinstance(arr, _nd.NDArray):
        raise MXNetError('expected an NDArray, got %r' % type(arr))
    if arr._off is not None:
        raise MXNetError('cannot bind a view (slice or reshape) of another array; pass a copy')
    s = arr._s
    if s.var is None:
        with tf.device(ctx.tf_device):
            s.var = tf.Variable(s.read(), trainable=False, shape=s.shape)
        s.tensor = None
    return s.var


def _new_array(shape, dtype, ctx):
    with tf.device(ctx.tf_device):
        var = tf.Variable(tf.zeros(shape, _dt.to_tf(dtype)), trainable=False)
    return _nd.NDArray(_nd.Storage(var=var, ctx=ctx))


def _new_grad(shape, dtype, ctx, row_sparse):
    """A gradient array: row_sparse (held in variables of open length, see
    ndarray/sparse_var.py) for a weight MXNet gives a row_sparse gradient, else dense."""
    if row_sparse:
        return RowSparseVarNDArray.zeros(shape, dtype, ctx)
    return _new_array(shape, dtype, ctx)


def _node_ctx(node, ctx, group2ctx):
    """Where MXNet puts a node's arrays: its ``ctx_group``'s context, else the executor's."""
    g = node.attrs.get('__ctx_group__') if group2ctx else None
    c = group2ctx.get(g) if g is not None else None
    if c is None:
        return ctx
    return c[0] if isinstance(c, (list, tuple)) else c


def _group_placement(symbol, group2ctx):
    if not group2ctx:
        return None
    placement = {}
    for node in symbol._order():
        if node.attrs.get('__ctx_group__') in group2ctx:
            placement[node.name] = _node_ctx(node, None, group2ctx).tf_device
    return placement


# What each compiled call computes, as mx.profiler names its records.
_CALL_NAMES = {'infer': 'forward', 'infer_exact': 'forward', 'train': 'forward_train',
               'train_bwd': 'forward_backward', 'infer_mon': 'forward_monitored',
               'train_mon': 'forward_train_monitored',
               'train_bwd_mon': 'forward_backward_monitored'}

def _cache_variable(var, fn):
    """A new variable holding fn(var), made eagerly on a helper thread: called while an
    inference call is traced, and a variable made inside the trace would make tf.function trace
    the whole graph a second time (it lifts variables made on a first call, and refuses them on
    later ones); the thread has none of the trace's scopes."""
    out = []

    def make():
        with tf.device(var.device):
            out.append(tf.Variable(fn(var.value()), trainable=False))
    t = threading.Thread(target=make, name='tfmod-weight-cache')
    t.start()
    t.join()
    if not out:
        raise MXNetError('could not cache a transformed copy of weight %r' % var.name)
    return out[0]


# Calls that assign no parameter (inference assigns only the fed arguments: see _infer).
_READ_ONLY = ('infer', 'infer_exact')
# Argument names whose transformed kernels some executor may cache.
_PREPARED_NAMES = set()


class Executor:
    """A bound symbol: ``forward``, ``backward``, and its argument/gradient/aux arrays."""

    def __init__(self, symbol, ctx, arg_arrays, grad_arrays, aux_arrays, grad_req, group2ctx=None,
                 inferred=None):
        self._symbol = symbol
        self._ctx = ctx if isinstance(ctx, Context) else Context(ctx)
        self._group2ctx = group2ctx
        self._fn = symbol._graph_function(_group_placement(symbol, group2ctx))
        self._arg_names = self._fn.arg_names
        self._aux_names = self._fn.aux_names
        self.arg_arrays = list(arg_arrays)
        self.grad_arrays = list(grad_arrays)
        self.aux_arrays = list(aux_arrays)
        self._grad_req = dict(grad_req)
        self._arg_vars = [_as_storage_var(a, self._ctx) for a in self.arg_arrays]
        # row_sparse gradients (Embedding(sparse_grad=True) / SparseEmbedding weights): their
        # arrays hold (row ids, rows) variables, written with only the rows a batch touches
        self._rsp_grads = set()
        self._lookup_only = _sp.sparse_grad_weights(self._fn.order)
        self._grad_vars = []
        for i, (n, g) in enumerate(zip(self._arg_names, self.grad_arrays)):
            if isinstance(g, RowSparseVarNDArray):
                if self._grad_req[n] == 'add':
                    raise MXNetError("the row_sparse gradient of %r supports grad_req 'write' "
                                     "only, not 'add' (as MXNet's Embedding with sparse_grad)"
                                     % n)
                self._rsp_grads.add(i)
                self._grad_vars.append(g._var)
            else:
                self._grad_vars.append(None if g is None else _as_storage_var(g, self._ctx))
        self._aux_vars = [_as_storage_var(a, self._ctx) for a in self.aux_arrays]
        self._arg_index = {n: i for i, n in enumerate(self._arg_names)}
        self._aux_index = {n: i for i, n in enumerate(self._aux_names)}
        self._needs_head = self._fn.needs_head_grads()
        res = inferred  # the binder's shape inference, when it already ran one
        if res is None:
            res, _ = symbol._infer({n: a.shape for n, a in zip(self._arg_names,
                                                                self.arg_arrays)},
                                   {n: a._s.dtype for n, a in zip(self._arg_names,
                                                                  self.arg_arrays)})
        self._fn.set_inferred(res)
        heads = symbol._heads
        self._dense_outputs = [_nd.NDArray(_nd.Storage(ctx=_node_ctx(n, self._ctx, group2ctx),
                                                       shape=res.shape(n, k),
                                                       dtype=res.dtype(n, k) or 'float32',
                                                       deferred=True))
                               for n, k in heads]
        # what users read: csr / row_sparse where MXNet's storage inference says so
        self.outputs = list(self._dense_outputs)
        if any(n.attrs.get('__storage_type__', '0') not in ('0', 0)
               for n in symbol._order() if n.is_variable):
            self.outputs = shown_outputs(self._dense_outputs, output_stypes(symbol, res))
        self._pending = None
        self._last_train = None
        # Executors of the same data-parallel group: they share no state, so a forward here
        # need not run their deferred work first (their steps then fuse into one call).
        self._siblings = ()
        self._compiled = {}
        self._concrete = {}
        self._flat = {}             # inference keys of _concrete: their flat callers
        self._infer_names = None    # the argument names the inference call was traced with
        self._prep = {}             # (arg name, key) -> (cache variable, variable, fn)
        self._prep_refresh = None
        self._prep_epoch = None
        self.trace_count = 0
        self.call_count = 0
        self._monitor_callback = None
        self._monitor_all = False

    # -- construction -------------------------------------------------------------------------
    @staticmethod
    def _grad_req_dict(grad_req, arg_names):
        if isinstance(grad_req, str):
            reqs = {n: grad_req for n in arg_names}
        elif isinstance(grad_req, (list, tuple)):
            if len(grad_req) != len(arg_names):
                raise MXNetError('grad_req list has %d entries for %d arguments'
                                 % (len(grad_req), len(arg_names)))
            reqs = dict(zip(arg_names, grad_req))
        elif isinstance(grad_req, dict):
            reqs = {n: grad_req.get(n, 'null') for n in arg_names}
        else:
            raise MXNetError('grad_req must be a string, list or dict')
        for n, r in reqs.items():
            if r not in _GRAD_REQS:
                raise MXNetError("grad_req %r for argument %r is not one of 'write', 'add', "
                                 "'null'" % (r, n))
        return reqs

    @classmethod
    def simple_bind(cls, symbol, ctx, grad_req='write', type_dict=None, group2ctx=None,
                    shared_exec=None, shared_arg_names=None, shapes=None):
        ctx = ctx if isinstance(ctx, Context) else Context(ctx)
        shapes = {k: tuple(v) for k, v in (shapes or {}).items()}
        inputs = set(symbol.list_inputs())
        for k in shapes:
            if k not in inputs:
                raise MXNetError('simple_bind: %r is not an input of the symbol; its inputs '
                                 'are %s' % (k, sorted(inputs)))
        types = {k: _dt.canonical(v) for k, v in (type_dict or {}).items()}
        res, order = symbol._infer(shapes, types)
        from tfmod_converters.graph import classify_variables
        args_n, aux_n = classify_variables(order)
        missing = [n.name for n in args_n + aux_n if res.shape(n) is None or
                   None in res.shape(n)]
        if missing:
            raise MXNetError('simple_bind: cannot infer the shapes of %s from the given shapes '
                             '%s; pass them as keyword arguments' % (
                                 ', '.join(missing), {k: v for k, v in shapes.items()}))
        arg_names = [n.name for n in args_n]
        reqs = cls._grad_req_dict(grad_req, arg_names)
        rsp = {n for n in _sp.sparse_grad_weights(order) if reqs.get(n) == 'write'}
        shared = shared_exec.arg_dict if shared_exec is not None else {}
        shared_aux = shared_exec.aux_dict if shared_exec is not None else {}
        shared_grad = shared_exec.grad_dict if shared_exec is not None else {}
        args, grads, auxs = [], [], []
        for n in args_n:
            shape, dt = res.shape(n), res.dtype(n) or 'float32'
            cand = shared.get(n.name)
            if cand is not None and cand.shape == shape and (
                    shared_arg_names is None or n.name in shared_arg_names):
                args.append(cand)
                g = shared_grad.get(n.name)
                if reqs[n.name] != 'null':
                    same = g is not None and g.shape == shape and \
                        isinstance(g, RowSparseVarNDArray) == (n.name in rsp)
                    grads.append(g if same else _new_grad(shape, dt, _node_ctx(n, ctx, group2ctx),
                                                          n.name in rsp))
                else:
                    grads.append(None)
                continue
            place = _node_ctx(n, ctx, group2ctx)
            args.append(_new_array(shape, dt, place))
            grads.append(_new_grad(shape, dt, place, n.name in rsp)
                         if reqs[n.name] != 'null' else None)
        for n in aux_n:
            shape, dt = res.shape(n), res.dtype(n) or 'float32'
            cand = shared_aux.get(n.name)
            auxs.append(cand if cand is not None and cand.shape == shape
                        else _new_array(shape, dt, _node_ctx(n, ctx, group2ctx)))
        return cls(symbol, ctx, args, grads, auxs, reqs, group2ctx, inferred=res)

    @classmethod
    def bind(cls, symbol, ctx, args, args_grad=None, grad_req='write', aux_states=None,
             group2ctx=None, shared_exec=None):
        ctx = ctx if isinstance(ctx, Context) else Context(ctx)
        arg_names = symbol.list_arguments()
        aux_names = symbol.list_auxiliary_states()
        arg_list = cls._array_list(args, arg_names, 'args', required=True)
        reqs = cls._grad_req_dict(grad_req, arg_names)
        if args_grad is None:
            grad_list = [None] * len(arg_names)
            reqs = {n: 'null' for n in arg_names}
        else:
            grad_list = cls._array_list(args_grad, arg_names, 'args_grad', required=False)
            for i, n in enumerate(arg_names):
                if grad_list[i] is None:
                    reqs[n] = 'null'
                elif reqs[n] == 'null':
                    grad_list[i] = None
        aux_list = cls._array_list(aux_states or [], aux_names, 'aux_states', required=True)
        # check shapes are consistent with the graph
        shapes = {n: a.shape for n, a in zip(arg_names, arg_list)}
        res, order = symbol._infer(shapes, {n: a._s.dtype for n, a in zip(arg_names, arg_list)})
        from tfmod_converters.graph import classify_variables
        _, aux_n = classify_variables(order)
        for n, a in zip(aux_n, aux_list):
            want = res.shape(n)
            if want is not None and tuple(want) != a.shape:
                raise MXNetError('bind: auxiliary state %r has shape %s, the graph needs %s'
                                 % (n.name, fmt(a.shape), fmt(want)))
        for i, (n, g) in enumerate(zip(arg_names, grad_list)):
            if g is not None and g.shape != arg_list[i].shape:
                raise MXNetError('bind: gradient array for %r has shape %s, the argument %s'
                                 % (n, fmt(g.shape), fmt(arg_list[i].shape)))
        return cls(symbol, ctx, arg_list, grad_list, aux_list, reqs, group2ctx, inferred=res)

    @staticmethod
    def _array_list(arrays, names, what, required):
        if isinstance(arrays, dict):
            out = []
            for n in names:
                if n in arrays:
                    out.append(arrays[n])
                elif required:
                    raise MXNetError('bind: %s has no array for %r (needs %s)'
                                     % (what, n, ', '.join(names)))
                else:
                    out.append(None)
            return out
        arrays = list(arrays)
        if len(arrays) != len(names) and (required or arrays):
            raise MXNetError('bind: %s has %d arrays but the symbol needs %d (%s)'
                             % (what, len(arrays), len(names), ', '.join(names)))
        return arrays or [None] * len(names)

    # -- dictionaries ---------------------------------------------------------------------------
    @property
    def arg_dict(self):
        return dict(zip(self._arg_names, self.arg_arrays))

    @property
    def grad_dict(self):
        return dict(zip(self._arg_names, self.grad_arrays))

    @property
    def aux_dict(self):
        return dict(zip(self._aux_names, self.aux_arrays))

    @property
    def output_dict(self):
        return dict(zip(self._symbol.list_outputs(), self.outputs))

    @property
    def symbol(self):
        return self._symbol

    # -- compiled functions ---------------------------------------------------------------------
    def _values(self, feeds, lookups=False):
        """Current argument/aux values inside a traced function, fed names replaced: the graph
        computes from the fed tensors themselves, not from a read of the variables they are
        also assigned to (MXNet's arg_dict keeps the batch), so nothing waits on that copy.
        ``lookups`` (calls that take no gradient): a weight read only by sparse-gradient
        lookups is passed as its variable, so the lookups gather their rows from it
        (ResourceGather): once lazy updates have written it row by row, TF copies the whole
        table on every dense read (~50 ms for 1e6 x 16 float32)."""
        vals = dict(feeds)
        if lookups:
            for n in self._lookup_only:
                if n not in vals and n in self._arg_index:
                    vals[n] = self._arg_vars[self._arg_index[n]]
        # read on the variable's own device: a ctx_group's weights then stay on its device
        # instead of a round trip through the executor's default one
        for n, v in zip(self._arg_names, self._arg_vars):
            if n not in vals:
                with tf.device(v.device):
                    vals[n] = v.read_value()
        for n, v in zip(self._aux_names, self._aux_vars):
            with tf.device(v.device):
                vals[n] = v.read_value()
        return vals

    def _assign_feeds(self, feeds):
        for n, t in feeds.items():
            self._arg_vars[self._arg_index[n]].assign(t)

    def _apply_updates(self, updates, aux=True, args=True):
        for n, t in updates.items():
            if aux and n in self._aux_index:
                self._aux_vars[self._aux_index[n]].assign(t)
            elif args and n in self._arg_index:
                self._arg_vars[self._arg_index[n]].assign(t)

    def _forward_graph(self, feeds, is_train, seed, no_grad=False, guards=None, prepare=None,
                       check_outputs=False):
        self.trace_count += 1
        self._assign_feeds(feeds)
        vals = self._values(feeds, lookups=no_grad)
        outs, updates = self._fn(vals, is_train=is_train, seed=seed, no_grad=no_grad,
                                 guards=guards, prepare=prepare, check_outputs=check_outputs)
        return vals, outs, updates

    # -- the inference weight cache -----------------------------------------------------------
    # Kernels in the layout TF's ops want (a convolution's OIHW weight as HWIO) are kept in
    # variables of their own, recomputed by one compiled call when the write epoch says some
    # weight may have changed (tfmod/write_epoch.py), instead of on every inference call: a
    # ResNet-50 at batch 1 spent 40% of its time transposing weights.
    def _prepare_fn(self, feeds):
        """The ``prepare`` callback for one trace of an inference call (LowerContext.prepared);
        arguments fed by the call are transformed in the graph, as their values are new."""
        fed = set(feeds)

        def prepare(name, key, fn):
            _PREPARED_NAMES.add(name)
            if name in fed or name not in self._arg_index:
                return None
            entry = self._prep.get((name, key))
            if entry is None:
                var = self._arg_vars[self._arg_index[name]]
                entry = self._prep[(name, key)] = (_cache_variable(var, fn), var, fn)
                self._prep_refresh = None
            with tf.device(entry[0].device):
                return entry[0].read_value()
        return prepare

    def _refresh_prepared(self):
        """Recompute every cached kernel from its weight (one compiled call)."""
        self._build_refresh()
        with tf.device(self._ctx.tf_device):
            self._prep_refresh()

    def _build_refresh(self):
        """The compiled refresh of the cache's current entries, traced now (not run). A
        training executor builds it right after the inference trace that made the entries, so
        the first refresh -- after the next training step -- adds no trace then (a long fit
        traces nothing after its first epoch)."""
        if self._prep_refresh is None:
            entries = list(self._prep.values())

            def refresh():
                for cache, var, fn in entries:
                    with tf.device(cache.device):
                        cache.assign(fn(var.read_value()))
            with tf.device(self._ctx.tf_device):
                self._prep_refresh = tf.function(refresh, autograph=False) \
                    .get_concrete_function()

    def _compile(self, kind):
        fn = self._compiled.get(kind)
        if fn is not None:
            return fn
        if kind == 'infer':
            # guarded: fast forms (relu without its NaN -> 0 pass) plus one flag saying
            # whether they differed from MXNet's values, in which case 'infer_exact' reruns;
            # on kernels known to propagate NaN, relus leave the check to NaN tests of the
            # outputs their NaNs reach and of the inputs of ops that could drop them
            check = nan_propagation_verified(
                [self._ctx.tf_device] + list(self._fn.placement.values()))

            def run(feeds, seed):
                guards = []
                _, outs, _ = self._forward_graph(feeds, False, seed, no_grad=True, guards=guards,
                                                 prepare=self._prepare_fn(feeds),
                                                 check_outputs=check)
                flag = guard_flag(guards)
                return outs if flag is None else (outs, flag)
        elif kind == 'infer_exact':
            def run(feeds, seed):
                _, outs, _ = self._forward_graph(feeds, False, seed, no_grad=True,
                                                 prepare=self._prepare_fn(feeds))
                return outs
        elif kind == 'train':
            def run(feeds, seed):
                _, outs, updates = self._forward_graph(feeds, True, seed)
                self._apply_updates(updates, aux=False)
                return outs
        elif kind == 'train_bwd':
            def run(feeds, seed, head_grads):
                return self._train_backward(feeds, seed, head_grads)
        else:
            return self._compile_monitored(kind)
        fn = tf.function(run, autograph=False, reduce_retracing=False)
        self._compiled[kind] = fn
        return fn

    def _grad_targets(self):
        return [i for i, n in enumerate(self._arg_names)
                if self._grad_req[n] != 'null' and self._grad_vars[i] is not None]

    def _compute_grads(self, feeds, seed, head_grads, monitor=False, reads=None):
        """Traced: outputs, per-argument gradients and state updates of one training step.
        With ``monitor``, also the monitored tensors (forward list, backward list). ``reads``:
        a dict that receives the values the forward read, by name (a caller's later use of
        them needs no second read)."""
        self.trace_count += 1
        self._assign_feeds(feeds)
        targets = self._grad_targets()
        with tf.GradientTape(persistent=False, watch_accessed_variables=False) as tape:
            vals = self._values(feeds) if monitor else self._grad_values()
            if reads is not None:
                reads.update(vals)
            watched = []
            for i in targets:
                t = vals[self._arg_names[i]]
                if t.dtype.is_floating:
                    tape.watch(t)
                    watched.append(i)
            grad_args = {self._arg_names[i] for i in targets}
            res = self._fn(vals, is_train=True, seed=seed, internals=monitor,
                           aux_update_nodes=self._fn.nodes_needing_grad(grad_args))
            outs, updates = res[0], res[1]
        srcs, ograds = [], []
        last = {}
        for k, entry in enumerate(self._symbol._heads):
            last[(id(entry[0]), entry[1])] = k
        for k, o in enumerate(outs):
            if o.dtype == tf.bool or not (o.dtype.is_floating or o.dtype.is_integer):
                continue
            entry = self._symbol._heads[k]
            if last[(id(entry[0]), entry[1])] != k:
                continue  # MXNet uses only the last head gradient of a repeated output
            hg = head_grads[k] if head_grads is not None and head_grads[k] is not None \
                else tf.ones_like(o)
            srcs.append(o)
            ograds.append(tf.cast(hg, o.dtype))
        grads = {}
        if monitor:
            return self._monitored_grads(tape, vals, res[2], outs, updates, watched, srcs,
                                         ograds, seed)
        if watched and srcs:
            gs = tape.gradient(srcs, [vals[self._arg_names[i]] for i in watched],
                               output_gradients=ograds,
                               unconnected_gradients=tf.UnconnectedGradients.ZERO)
            grads = dict(zip(watched, gs))
        return outs, grads, updates

    def _grad_values(self):
        """Traced: ``_values`` for a training step, except that a weight read only by lookups
        and given a row_sparse gradient is passed as its variable: its lookups then read their
        rows from it (ResourceGather) and its gradient is an IndexedSlices of those rows. A
        dense read would copy the whole table once the variable has been updated row by row
        (TF copies on read a variable that sparse ops have written)."""
        rows = {self._arg_names[i] for i in self._rsp_grads} & self._lookup_only
        vals = {}
        for names, variables in ((self._arg_names, self._arg_vars),
                                 (self._aux_names, self._aux_vars)):
            for n, v in zip(names, variables):
                if n in rows:
                    vals[n] = v
                    continue
                with tf.device(v.device):
                    vals[n] = v.value()     # read_value's identity would be one more op
        return vals

    def _write_grads(self, grads):
        """Traced: store gradients per grad_req (write, or add to the stored value); returns
        the gradient each parameter's update uses (the accumulated one for 'add')."""
        final = {}
        for i in self._grad_targets():
            var = self._grad_vars[i]
            g = grads.get(i)
            if i in self._rsp_grads:
                # the rows a lookup touched (a gather's gradient is tf.IndexedSlices): ids
                # ascending, repeats summed -- never a table-sized tensor
                if isinstance(g, tf.IndexedSlices):
                    g = _sp.slices_to_rsp(g, var.shape)
                    g = _sp.make_rsp(g.indices, tf.cast(g.values, var.dtype), var.shape)
                else:
                    g = _sp.empty(_sp.RSP, var.shape, var.dtype) if g is None else \
                        _sp.dense_to_rsp(tf.cast(g, var.dtype))
                var.assign(g)
                final[i] = g
                continue
            g = tf.zeros(var.shape, var.dtype) if g is None else tf.cast(g, var.dtype)
            if self._grad_req[self._arg_names[i]] == 'add':
                var.assign_add(g)
                final[i] = var.read_value()
            else:
                var.assign(g)
                final[i] = g
        return final

    def _train_backward(self, feeds, seed, head_grads, monitor=False):
        if monitor:
            outs, grads, updates, mon = self._compute_grads(feeds, seed, head_grads, True)
        else:
            outs, grads, updates = self._compute_grads(feeds, seed, head_grads)
        self._apply_updates(updates, aux=False)
        self._write_grads(grads)
        self._apply_updates(updates, args=False)
        if monitor:
            return outs, mon
        return outs

    # -- running ----------------------------------------------------------------------------------
    def _feeds(self, kwargs):
        feeds = {}
        for name, value in kwargs.items():
            if name not in self._arg_index:
                raise MXNetError('forward: %r is not an argument of the symbol; its arguments are '
                                 '%s' % (name, ', '.join(self._arg_names)))
            arr = self.arg_arrays[self._arg_index[name]]
            if isinstance(value, _nd.NDArray):
                t = value._read()
            else:
                t = tf.constant(np.asarray(value, dtype=_dt.to_np(arr._s.dtype)))
            if tuple(t.shape) != arr.shape:
                raise MXNetError('forward: input %r has shape %s but the executor was bound with '
                                 '%s; use reshape' % (name, fmt(tuple(t.shape)), fmt(arr.shape)))
            if t.dtype.name != arr._s.dtype:
                t = tf.cast(t, _dt.to_tf(arr._s.dtype))
            feeds[name] = t
        return feeds

    def _set_outputs(self, outs):
        for arr, t in zip(self._dense_outputs, outs):
            arr._s.tensor = t

    def _run(self, kind, *args):
        """Call a compiled function: the first call per argument structure traces, later
        ones call its concrete function directly (skipping tf.function's dispatch)."""
        self.call_count += 1
        feeds, head = args[0], (args[2] if len(args) > 2 else None)
        key = (kind, tuple(sorted(feeds)), head is None)
        with _profile_span(_CALL_NAMES[kind], self._ctx, writes=kind not in _READ_ONLY), \
                tf.device(self._ctx.tf_device):
            try:
                flat = self._flat.get(key)
                if flat is not None:
                    return flat(args)
                cf = self._concrete.get(key)
                if cf is not None:
                    return cf(*args)
                fn = self._compile(kind)
                out = fn(*args)
                cf = self._concrete[key] = fn.get_concrete_function(*args)
                if kind in _READ_ONLY:
                    self._flat[key] = _flat_caller(cf, args)
                return out
            except tf.errors.OpError as e:
                _custom.reraise(e)  # a Custom op's Python error: the MXNetError it raised
                raise

    def forward(self, is_train=False, **kwargs):
        """Compute outputs; training forwards are deferred until read or backward()."""
        _nd.flush_pending(keep=self._siblings)
        feeds = self._feeds(kwargs)
        seed = _random.next_seed() if self._fn.uses_rng else _ZERO_SEED.get()
        if is_train:
            self._pending = {'stage': 'fwd', 'feeds': feeds, 'seed': seed}
            self._last_train = None
            _nd.defer(self)
        else:
            self._pending = None
            self._last_train = None
            if self._monitor_callback is not None and self._monitor_active():
                outs, (fwd, _) = self._run('infer_mon', feeds, seed)
                self._set_outputs(outs)
                self._report(fwd, None)
            else:
                self._set_outputs(self._infer(self._same_feeds(feeds), seed))
        return self.outputs

    def _infer(self, feeds, seed):
        """Inference outputs: the guarded call, rerun exactly in the rare case its guard
        says a fast form differed from MXNet's values (a NaN reached a relu)."""
        if self._prep and self._prep_epoch != _write_epoch.current():
            self._refresh_prepared()
        self._prep_epoch = _write_epoch.current()
        res = self._run('infer', feeds, seed)
        if self._prep and self._prep_refresh is None and self._grad_targets():
            self._build_refresh()
        if isinstance(res, tuple):      # (outputs list, flag); unguarded graphs give the list
            outs, flag = res
            res = self._run('infer_exact', feeds, seed) if bool(flag) else outs
        if not _PREPARED_NAMES.isdisjoint(feeds):
            _write_epoch.bump()         # a fed weight: other executors' caches of it are stale
        return res

    def _same_feeds(self, feeds):
        """Inference feeds completed to the names of the compiled inference call, when they
        are fewer (a batch without labels after ones with them): a left-out argument keeps its
        value, as in MXNet, and the call needs no second trace."""
        names = self._infer_names
        if names is None:
            self._infer_names = frozenset(feeds)
            return feeds
        if len(feeds) < len(names) and names.issuperset(feeds):
            feeds = dict(feeds)
            for n in names.difference(feeds):
                feeds[n] = self._arg_vars[self._arg_index[n]].value()
        return feeds

    def backward(self, out_grads=None, is_train=True):
        """Gradients of the last training forward into grad arrays; aux states updated."""
        pending_fwd = self._pending is not None and self._pending['stage'] == 'fwd'
        if not pending_fwd and self._last_train is None:
            raise MXNetError('backward() needs a forward(is_train=True) first')
        head = self._head_grads(out_grads)  # before the step is consumed: it may raise
        # head gradients that are this executor's own outputs ran its deferred forward
        pending_fwd = self._pending is not None and self._pending['stage'] == 'fwd'
        if pending_fwd:
            step = self._pending
            _nd.undefer(self)
            self._pending = None
        else:
            step = self._last_train
        self._pending = {'stage': 'bwd', 'feeds': step['feeds'], 'seed': step['seed'],
                         'head': head, 'monitored': step.get('monitored', False)}
        self._last_train = None
        _nd.defer(self)

    def _head_grads(self, out_grads):
        if out_grads is None:
            out_grads = []
        elif isinstance(out_grads, _nd.NDArray):
            out_grads = [out_grads]
        elif isinstance(out_grads, dict):
            names = self._symbol.list_outputs()
            out_grads = [out_grads.get(n) for n in names]
        out_grads = list(out_grads)
        head = []
        for k, need in enumerate(self._needs_head):
            g = out_grads[k] if k < len(out_grads) else None
            if g is None:
                if need:
                    raise MXNetError('Because the last operator is not Loss function, '
                                     'head_gradient is required when calling backward (output %d,'
                                     ' %s). If you are attempting to minimize the output as an '
                                     'objective, please modify your network and pass it through '
                                     'the make_loss symbol.' % (k, self._symbol.list_outputs()[k]))
                head.append(None)
                continue
            t = g._read() if isinstance(g, _nd.NDArray) else tf.constant(np.asarray(g))
            if tuple(t.shape) != self._dense_outputs[k].shape:
                raise MXNetError('backward: head gradient %d has shape %s, output is %s'
                                 % (k, fmt(tuple(t.shape)), fmt(self._dense_outputs[k].shape)))
            head.append(t)
        return head

    def _flush(self):
        """Run the deferred work (called by ndarray.flush_pending)."""
        p = self._pending
        self._pending = None
        if p is None:
            return
        with StepCall():    # a training call: the training step's Grappler options
            self._run_pending(p)

    def _run_pending(self, p):
        """A deferred training forward, or forward + backward, as one compiled call."""
        monitored = self._monitor_callback is not None and self._monitor_active()
        if p['stage'] == 'fwd':
            if monitored:
                outs, (fwd, _) = self._run('train_mon', p['feeds'], p['seed'])
                self._set_outputs(outs)
                self._report(fwd, None)
                p['monitored'] = True
            else:
                self._set_outputs(self._run('train', p['feeds'], p['seed']))
            self._last_train = p
        else:
            head = [h if h is not None else None for h in p['head']]
            if all(h is None for h in head):
                head = None
            if monitored:
                outs, (fwd, bwd) = self._run('train_bwd_mon', p['feeds'], p['seed'], head)
                self._set_outputs(outs)
                self._report(None if p.get('monitored') else fwd, bwd)
            else:
                self._set_outputs(self._run('train_bwd', p['feeds'], p['seed'], head))

    def take_pending_step(self):
        """The deferred (forward + backward) step, for a caller that fuses it further."""
        p = self._pending
        if p is None or p['stage'] != 'bwd':
            return None
        if self._monitor_callback is not None and self._monitor_active():
            return None     # run it here instead, so the monitor sees the internals
        _nd.undefer(self)
        self._pending = None
        return p

    # -- monitor ----------------------------------------------------------------------------------
    # MXNet calls the monitor callback with every op node's outputs as they are computed (and,
    # with monitor_all, its inputs first), forward nodes in graph order, then the backward nodes.
    # Here a monitored call is a second compiled function per kind that also returns those
    # tensors; it runs only while the callback is active (``callback.is_active()``, which
    # mx.monitor.Monitor sets between tic and toc), so the unmonitored path is unchanged.
    def set_monitor_callback(self, callback, monitor_all=False):
        """Install ``callback(name, NDArray)`` for every node output (and input, with
        ``monitor_all``). A callback with an ``is_active()`` attribute is only fed (and the
        internals only computed) while that returns True."""
        self._monitor_callback = callback
        self._monitor_all = bool(monitor_all)

    def _monitor_active(self):
        active = getattr(self._monitor_callback, 'is_active', None)
        return True if active is None else bool(active())

    def _call_monitor(self):
        """Heads only: for a step that ran fused elsewhere (take_pending_step returns None
        while a monitor is active, so this only serves a monitor switched on mid-step)."""
        if self._monitor_callback is None or not self._monitor_active():
            return
        for name, arr in zip(self._symbol.list_outputs(), self.outputs):
            self._monitor_callback(name, arr)

    def _entry_ref(self, src, k):
        """How to find input entry (src, k) among the traced values: ('val', variable name) or
        ('out', visible output name); None for a hidden output (not returned by internals)."""
        if src.is_variable:
            return ('val', src.name)
        names = src.output_names()
        return ('out', names[k]) if k < len(names) else None

    def _monitor_plan(self):
        """(forward, backward) entries in MXNet's callback order. Forward: (name, ref) for every
        op node's inputs (monitor_all: the variable's own name, then '<node>_<input>') and
        visible outputs. Backward: (name, node, input position) for every op node whose
        backward runs, in reverse order: '<node>_backward_output[i]' per non-aux input."""
        key = ('plan', self._monitor_all, tuple(self._grad_targets()))
        plan = self._compiled.get(key)
        if plan is not None:
            return plan
        fwd = []
        for node in self._fn.order:
            if node.is_variable:
                continue
            if self._monitor_all:
                in_names = node.input_names()
                for j, (src, k) in enumerate(node.inputs):
                    ref = self._entry_ref(src, k)
                    if ref is None:
                        continue
                    if src.is_variable:
                        fwd.append((src.name, ref))
                    label = in_names[j] if j < len(in_names) else 'input%d' % j
                    fwd.append(('%s_%s' % (node.name, label), ref))
            for oname in node.output_names():
                fwd.append((oname, ('out', oname)))
        bwd = []
        needed = self._fn.nodes_needing_grad({self._arg_names[i] for i in self._grad_targets()})
        for node in reversed(self._fn.order):
            if node.is_variable or node.name not in needed:
                continue
            if any(self._entry_ref(src, k) is None for src, k in node.inputs):
                continue        # fed by a hidden output, which internals do not return
            aux = set(node.aux_indices())
            js = [j for j in range(len(node.inputs)) if j not in aux]
            for pos, j in enumerate(js):
                name = '%s_backward_output' % node.name if len(js) == 1 else \
                    '%s_backward_output%d' % (node.name, pos)
                bwd.append((name, node, j))
        plan = (fwd, bwd)
        self._compiled[key] = plan
        return plan

    @staticmethod
    def _resolve(ref, vals, collected):
        return vals[ref[1]] if ref[0] == 'val' else collected[ref[1]]

    def _compile_monitored(self, kind):
        """'infer_mon' / 'train_mon' / 'train_bwd_mon': the plain kinds plus the monitored
        tensors, as ``(outputs, (forward list, backward list))``."""
        key = (kind, self._monitor_all, tuple(self._grad_targets()))
        fn = self._compiled.get(key)
        if fn is not None:
            return fn
        fwd_plan, _ = self._monitor_plan()
        if kind in ('infer_mon', 'train_mon'):
            is_train = kind == 'train_mon'

            def run(feeds, seed):
                self.trace_count += 1
                self._assign_feeds(feeds)
                vals = self._values(feeds)
                outs, updates, collected = self._fn(vals, is_train=is_train, seed=seed,
                                                    internals=True)
                if is_train:
                    self._apply_updates(updates, aux=False)
                fwd = [self._resolve(ref, vals, collected) for _, ref in fwd_plan]
                return outs, (fwd, [])
        elif kind == 'train_bwd_mon':
            def run(feeds, seed, head_grads):
                return self._train_backward(feeds, seed, head_grads, monitor=True)
        else:
            raise MXNetError('unknown executor function %r' % kind)
        fn = tf.function(run, autograph=False, reduce_retracing=False)
        self._compiled[key] = fn
        return fn

    def _monitored_grads(self, tape, vals, collected, outs, updates, watched, srcs, ograds,
                         seed):
        """Traced (monitored training step): the argument gradients, plus every monitored
        tensor. A backward node's outputs are the vector-Jacobian product of that node alone,
        with the total gradients of its outputs (what MXNet's ``<node>_backward`` computes)."""
        fwd_plan, bwd_plan = self._monitor_plan()
        nodes = []
        for _, node, _ in bwd_plan:
            if not nodes or nodes[-1] is not node:
                nodes.append(node)
        out_names = [n for node in nodes for n in node.output_names()
                     if collected[n].dtype.is_floating]
        grads, out_grads = {}, {}
        if srcs and (watched or out_names):
            gs = tape.gradient(srcs, [vals[self._arg_names[i]] for i in watched] +
                               [collected[n] for n in out_names], output_gradients=ograds,
                               unconnected_gradients=tf.UnconnectedGradients.ZERO)
            grads = dict(zip(watched, gs[:len(watched)]))
            out_grads = dict(zip(out_names, gs[len(watched):]))
        from tfmod_converters.graph import LowerContext
        node_grads = {}
        for node in nodes:
            ins = [tf.identity(self._resolve(self._entry_ref(src, k), vals, collected))
                   for src, k in node.inputs]
            floats = [t for t in ins if t.dtype.is_floating]
            ctx = LowerContext(True, node, seed, self._fn._index[id(node)],
                               self._fn._out_shapes.get(id(node)))
            with tf.GradientTape(watch_accessed_variables=False) as t2:
                for t in floats:
                    t2.watch(t)
                res = node.opdef.lower(ctx, node.params, *ins)
            res = res if isinstance(res, (tuple, list)) else (res,)
            ys, gys = [], []
            for name, y in zip(node.output_names(), res):
                if name in out_grads:
                    ys.append(y)
                    gys.append(tf.cast(out_grads[name], y.dtype))
            gi = t2.gradient(ys, floats, output_gradients=gys,
                             unconnected_gradients=tf.UnconnectedGradients.ZERO) \
                if ys and floats else [tf.zeros_like(t) for t in floats]
            by_id = {id(t): g for t, g in zip(floats, gi)}
            node_grads[id(node)] = [by_id.get(id(t)) for t in ins]
        fwd = [self._resolve(ref, vals, collected) for _, ref in fwd_plan]
        bwd = []
        for _, node, j in bwd_plan:
            g = node_grads[id(node)][j]
            if g is None:       # a non-float input (integer label): MXNet reports zeros
                g = tf.zeros(tf.shape(self._resolve(self._entry_ref(*node.inputs[j]), vals,
                                                    collected)), tf.float32)
            bwd.append(g)
        return outs, grads, updates, (fwd, bwd)

    def _report(self, fwd, bwd):
        """Feed the monitored tensors of one call to the callback, in plan order."""
        fwd_plan, bwd_plan = self._monitor_plan()
        cb = self._monitor_callback
        for plan, tensors in ((fwd_plan, fwd), (bwd_plan, bwd)):
            if tensors is None:
                continue
            for entry, t in zip(plan, tensors):
                cb(entry[0], _nd.from_tensor(t, self._ctx))

    # -- params -----------------------------------------------------------------------------------
    def check_param_names(self, arg_params, aux_params=None):
        """MXNet's ValueError for a given name this executor has no argument / aux state for."""
        for name in arg_params or {}:
            if name not in self._arg_index:
                raise ValueError('Find name "%s" that is not in the arguments' % name)
        for name in aux_params or {}:
            if name not in self._aux_index:
                raise ValueError('Find name %s that is not in the auxiliary states' % name)

    def copy_params_from(self, arg_params, aux_params=None, allow_extra_params=False):
        if not allow_extra_params:
            self.check_param_names(arg_params, aux_params)
        for name, array in arg_params.items():
            if name in self._arg_index:
                dst = self.arg_arrays[self._arg_index[name]]
                if tuple(array.shape) != dst.shape:
                    raise MXNetError('copy_params_from: %r has shape %s, executor needs %s'
                                     % (name, fmt(tuple(array.shape)), fmt(dst.shape)))
                dst[:] = array
        for name, array in (aux_params or {}).items():
            if name in self._aux_index:
                dst = self.aux_arrays[self._aux_index[name]]
                if tuple(array.shape) != dst.shape:
                    raise MXNetError('copy_params_from: %r has shape %s, executor needs %s'
                                     % (name, fmt(tuple(array.shape)), fmt(dst.shape)))
                dst[:] = array

    def reshape(self, partial_shaping=False, allow_up_sizing=False, **kwargs):
        """A new executor for new input shapes, sharing the arrays whose shapes stay the same."""
        _nd.flush_pending()
        shapes = {n: a.shape for n, a in zip(self._arg_names, self.arg_arrays)
                  if n not in kwargs}
        new_shapes = dict(kwargs)
        res, order = self._symbol._infer(new_shapes, {n: a._s.dtype for n, a in
                                                      zip(self._arg_names, self.arg_arrays)})
        from tfmod_converters.graph import classify_variables
        args_n, aux_n = classify_variables(order)
        args, grads, auxs = [], [], []
        for i, n in enumerate(args_n):
            shape = res.shape(n)
            old = self.arg_arrays[i]
            if shape is None or None in shape:
                raise MXNetError('reshape: cannot infer the shape of %r' % n.name)
            if tuple(shape) == old.shape:
                args.append(old)
                grads.append(self.grad_arrays[i])
                continue
            if n.name not in kwargs and not partial_shaping:
                raise MXNetError('reshape: the shape of %r would change from %s to %s; pass '
                                 'partial_shaping=True to allow it' % (n.name, fmt(old.shape),
                                                                      fmt(shape)))
            args.append(_new_array(shape, old._s.dtype, old.context))
            g = self.grad_arrays[i]
            grads.append(None if g is None else _new_grad(
                shape, old._s.dtype, old.context, isinstance(g, RowSparseVarNDArray)))
        for i, n in enumerate(aux_n):
            shape = res.shape(n)
            old = self.aux_arrays[i]
            if tuple(shape) == old.shape:
                auxs.append(old)
            elif partial_shaping:
                auxs.append(_new_array(shape, old._s.dtype, old.context))
            else:
                raise MXNetError('reshape: the shape of aux state %r would change' % n.name)
        del shapes
        return Executor(self._symbol, self._ctx, args, grads, auxs, self._grad_req,
                        self._group2ctx, inferred=res)

    def debug_str(self):
        return self._symbol.debug_str()
