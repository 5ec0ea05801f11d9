"""One compiled training step for a module's executors on 1..n devices, on tf.distribute.

MXNet's data-parallel step: every device runs forward and backward on its slice of the batch,
the gradients are summed, the optimizer updates each parameter once, and every device gets the
new weight. Here that whole step -- forward, backward, the sum and every parameter update -- is
one traced function run on a ``tf.distribute`` strategy:

* the replicas are the executors (one per context); ``strategy.run`` computes each replica's
  forward and backward on its own slice (slices may be uneven: work_load_list);
* the gradients are summed with the strategy's cross-device reduction
  (``extended.reduce_to``: TF's GPU choice (NCCL) on GPUs, a reduction to one device on CPUs)
  onto the device of the weight the optimizer updates, as MXNet's kvstore reduces onto its own
  copy;
* the optimizer step (``Optimizer._tf_update``, the code the eager path runs) then runs once per
  parameter, and the new weight is copied to every other replica (MXNet's pull).

One device is the one-replica case of the same code (TF's default strategy). Several contexts on
distinct TF devices use a ``MirroredStrategy`` over them. A worker of a multi-worker job
(``kvstore='dist_sync'``) runs the same local part, then sums its gradients with the other
workers' in one all-reduce on the job's ``MultiWorkerMirroredStrategy`` (``kvstore/collective``),
then the same update: every worker applies it to its own copy. MXNet also accepts a context list that
names one device twice (``[cpu(0), cpu(0)]``), which no TF strategy can hold: those replicas run
one after the other in the same traced function and are summed with ``tf.add_n``.

Who owns the updated weight and under which key its optimizer state lives is the caller's
choice: the kvstore's own copy keyed by name (MXNet's update on the store), or the executor's
weight keyed by the updater index (one device without a store; BucketingModule passes its global
parameter indices, so all buckets share one state per parameter).

With ``TFMOD_JIT_COMPILE=1`` a one-device step is compiled by XLA (xla_option.py).

Traces are cached per (optimizer structure, hyper-parameter names, states, replicas, feeds);
learning rates, weight decays, step counts, hyper-parameter values and per-parameter Python
scalars (``Optimizer._tf_param_hparams``) are one float64 tensor argument, so schedules and
changed hyper-parameters never retrace.
"""
import math

import numpy as np
import tensorflow as tf

from tfmod_converters import custom as _custom
from tfmod_converters import optimizer as _opk
from tfmod_converters import sparse as _sp
from ..kvstore import collective as _collective
from ..flat_call import flat_caller as _flat_caller
from ..numeric_guard import _finite_total
from ..optimizer.optimizer import flatten_state
from ..profiler.recorder import span as _profile_span
from ..step_options import StepCall
from .. import xla_option as _xla

_STRATEGIES = {}


def strategy_for(devices):
    """The tf.distribute strategy over ``devices`` (TF device names, one per replica): the
    default strategy for one, a MirroredStrategy (made once per device tuple) for several
    distinct ones, None when a device repeats (no TF strategy holds one device twice)."""
    devices = tuple(devices)
    if len(devices) == 1:
        return tf.distribute.get_strategy()
    if len(set(devices)) < len(devices):
        return None
    s = _STRATEGIES.get(devices)
    if s is None:
        # GPUs: TF's choice (NCCL all-reduce). CPUs: a reduction onto the destination's
        # device -- TF's CPU default, collective ops, keys its groups per process and clashes
        # between strategies over different device sets.
        gpus = all(':GPU:' in d.upper() for d in devices)
        s = tf.distribute.MirroredStrategy(
            devices=list(devices),
            cross_device_ops=None if gpus else tf.distribute.ReductionToOneDevice())
        _STRATEGIES[devices] = s
    return s


def _state_vars(state, ctx):
    from ..executor import _as_storage_var
    return [_as_storage_var(a, ctx) for a in flatten_state(state)]


def _rebuild(state, flat_iter):
    if state is None:
        return None
    if isinstance(state, (list, tuple)):
        return type(state)(_rebuild(s, flat_iter) for s in state)
    return next(flat_iter)


def _lazy_step(opt, wvar, state_vars, state, g, args):
    """MXNet's lazy update in the compiled step: the optimizer's step on the rows row_sparse
    gradient ``g`` stores, read from and scattered into the weight's and states' variables
    (the other rows untouched, nothing table-sized made) -> the new rows."""
    ids = g.indices
    st_rows = _rebuild(state, iter([v.sparse_read(ids) for v in state_vars]))
    w_rows = wvar.sparse_read(ids)
    new_w, new_st, _ = opt._tf_update(w_rows, tf.cast(g.values, w_rows.dtype), st_rows, *args)
    new_w = tf.cast(new_w, wvar.dtype)
    wvar.scatter_nd_update(ids[:, None], new_w)
    for v, t in zip(state_vars, flatten_state(new_st) if new_st is not None else []):
        v.scatter_nd_update(ids[:, None], tf.cast(t, v.dtype))
    return new_w


class _Replicas:
    """Runs a per-replica function and sums per-replica values: on a strategy, or (devices
    repeated) one replica after the other."""

    def __init__(self, execs):
        self.devices = [e._ctx.tf_device for e in execs]
        self.strategy = strategy_for(self.devices)

    def run(self, fn):
        """``fn(k)`` on replica ``k``, for every k -> list of its results, one per replica."""
        s = self.strategy
        if s is None:
            out = []
            for k, dev in enumerate(self.devices):
                with tf.device(dev):
                    out.append(fn(k))
            return out

        def per_replica():
            rid = tf.distribute.get_replica_context().replica_id_in_sync_group
            return fn(int(tf.get_static_value(rid)))
        with s.scope():
            res = s.run(per_replica)
        if len(self.devices) == 1:
            return [res]
        # PerReplica leaves -> one structure per replica
        leaves = tf.nest.flatten(res, expand_composites=False)
        local = [s.experimental_local_results(v) for v in leaves]
        return [tf.nest.pack_sequence_as(res, [v[k] for v in local])
                for k in range(len(self.devices))]

    def sum_to(self, per_replica, dests, rows=None):
        """Sum each target's per-replica gradients onto the device of its destination
        variable (``per_replica[k][j]``: replica k's gradient of target j); ``rows[j]`` says
        target j's gradients are row_sparse contents, summed as such."""
        n = len(self.devices)
        if n == 1:
            return list(per_replica[0])
        s = self.strategy
        out = []
        for j, d in enumerate(dests):
            parts = [g[j] for g in per_replica]
            if rows is not None and rows[j]:
                out.append(_rows_sum(parts, d))
            elif s is None:
                with tf.device(d.device):
                    out.append(tf.add_n([tf.identity(g) for g in parts]))
            else:
                out.append(self._reduce(parts, d))
        return out

    def _reduce(self, parts, dest):
        """The strategy's sum of one parameter's per-replica gradients onto ``dest``'s device
        (one reduction per parameter: batch_reduce_to would only warn, on every trace, that the
        destinations differ from the replicas' devices)."""
        from tensorflow.python.distribute import values as _values
        s = self.strategy
        with s.scope():
            r = s.extended.reduce_to(tf.distribute.ReduceOp.SUM,
                                     _values.PerReplica(tuple(parts)), dest)
        return s.experimental_local_results(r)[0] \
            if isinstance(r, _values.DistributedValues) else r


def _rows_sum(parts, dest):
    """The sum of several replicas' row_sparse gradients on ``dest``'s device: their rows
    concatenated, then repeated rows summed (a kvstore's row_sparse sum), never dense."""
    with tf.device(dest.device):
        both = tf.IndexedSlices(tf.concat([tf.identity(p.values) for p in parts], 0),
                                tf.concat([tf.identity(p.indices) for p in parts], 0))
        return _sp.slices_to_rsp(both, tuple(dest.shape))


def _distinct(values):
    """(the distinct values in order of first appearance, each value's position among them).
    The positions are part of the trace key: they change only when values that were equal
    stop being so (or the reverse), e.g. learning rates with different lr_mult at a base rate
    of exactly 0 -- one more trace then, never a wrong value."""
    seen, out, of = {}, [], []
    for v in values:
        key = (v, math.copysign(1.0, v))       # 0.0 and -0.0 apart
        k = seen.get(key)
        if k is None:
            k = seen[key] = len(out)
            out.append(v)
        of.append(k)
    return out, tuple(of)


class TrainStep:
    """Compiled (forward + backward on every replica +) gradient sum + one optimizer update.

    ``execs``: the replicas' executors (same symbol); ``updater``: the Updater whose optimizer
    and states are used; ``keys``: each of ``param_names``' key in the updater (its index, or
    its name for a kvstore); ``store``: ``key -> NDArray`` the weight the optimizer updates
    (a kvstore's copy), or None to update the (single) executor's own weight.
    """

    def __init__(self, execs, updater, param_names, keys, store=None, cluster=None):
        self.execs = list(execs)
        self.cluster = cluster
        if store is None and len(self.execs) != 1:
            raise ValueError('TrainStep without a store updates one executor, got %d'
                             % len(self.execs))
        self.updater = updater
        self.opt = updater.optimizer
        self.param_names = list(param_names)
        self.keys = list(keys)
        self.store = store
        self._replicas = None
        self._cache = {}
        self.trace_count = 0
        # NumericGuard's check fused into the step: when set, each fused call leaves in
        # last_bad a scalar tensor (not read here), non-finite exactly when an updated weight,
        # an aux state or an output holds NaN/Inf (or their sum overflowed). The guard reads
        # and clears it after every batch; a flag still unread at the next call means no guard
        # is listening any more, and the check switches itself off.
        self.check_finite = False
        self.last_bad = None

    @property
    def exe(self):
        return self.execs[0]

    def _targets(self):
        """(updater key, arg position) of every parameter with a gradient (same position on
        every replica: all executors bind the same symbol)."""
        exe = self.execs[0]
        out = []
        for key, name in zip(self.keys, self.param_names):
            pos = exe._arg_index[name]
            if exe._grad_vars[pos] is not None and exe._grad_req[name] != 'null':
                out.append((key, pos))
        return out

    def _weight(self, key, pos):
        return self.store(key) if self.store is not None else self.execs[0].arg_arrays[pos]

    def _states(self, targets):
        up = self.updater
        for key, pos in targets:
            if key not in up.states:
                up.states[key] = self.opt.create_state_multi_precision(
                    key, self._weight(key, pos))
                up.states_synced[key] = True
            elif not up.states_synced.get(key, True):
                up.states[key] = up.sync_state_context(up.states[key],
                                                       self._weight(key, pos).context)
                up.states_synced[key] = True
        return [up.states[k] for k, _ in targets]

    def __call__(self, steps=None):
        """Run one step. ``steps``: every replica's deferred (forward, backward) step, fused
        into the call; None when the gradients are already in the grad arrays."""
        execs = self.execs
        targets = self._targets()
        keys = [k for k, _ in targets]
        states = self._states(targets)
        weights = [self._weight(k, p) for k, p in targets]
        opt = self.opt
        ctx = weights[0].context if weights else execs[0]._ctx
        opt._set_current_context(ctx.device_id)
        lrs, wds, ts, hnames, hvals, per_param = opt._step_scalars(keys)
        # one column per distinct learning rate and weight decay, so the parameters sharing
        # them share their scalar ops (converters/optimizer.py mul_once)
        lrs, lr_of = _distinct(lrs)
        wds, wd_of = _distinct(wds)
        # row_sparse gradients updated lazily (their rows only), as the eager path decides
        lazy = tuple(pos in execs[0]._rsp_grads and opt._lazy_for(k, w)
                     for (k, pos), w in zip(targets, weights))
        pnames = tuple(sorted(per_param))
        pvals = np.asarray([per_param[n] for n in pnames], np.float64).reshape(
            len(pnames), len(keys))
        fused = steps is not None
        heads = None
        if fused:
            heads = [None if s['head'] is None or all(h is None for h in s['head'])
                     else s['head'] for s in steps]
        if self.check_finite and self.last_bad is not None:
            self.check_finite = False       # the last flag was never read: the guard is gone
        # outputs are in the check only when forward/backward is fused into the call
        check = self.check_finite and self.cluster is None and fused
        # XLA only when the user asks (TFMOD_JIT_COMPILE=1) and for one device's step
        jit = self.cluster is None and len(execs) == 1 and _xla.step_jit()
        key = (fused, check, jit, lazy, opt._tf_structure(), tuple(hnames), pnames, tuple(keys),
               lr_of, wd_of,
               tuple(tuple(id(a._s) for a in flatten_state(s)) for s in states),
               tuple(id(w._s) for w in weights), tuple(id(e) for e in execs),
               None if not fused else (tuple(tuple(sorted(s['feeds'])) for s in steps),
                                       tuple(h is None for h in heads)))
        entry = self._cache.get(key)
        if entry is None:
            # [the tf.function, its concrete function, a flat caller of that (or None)]
            entry = [self._build(fused, targets, states, weights, hnames, pnames, lazy, check,
                                 (lr_of, wd_of), jit), None, None]
            self._cache[key] = entry
        with tf.device('/CPU:0'):   # a constant made without a device scope costs ~8 µs more
            vec = tf.constant(np.concatenate([
                np.asarray(lrs, np.float64), np.asarray(wds, np.float64),
                np.asarray(ts, np.float64), np.asarray(hvals, np.float64), pvals.reshape(-1)]))
        args = (vec,) if not fused else (
            [s['feeds'] for s in steps], [s['seed'] for s in steps], heads, vec)
        for e in execs:
            e.call_count += 1
        attrs = {'devices': len(execs)} if len(execs) > 1 else None
        with _profile_span('forward_backward_update' if fused else 'update', execs[0]._ctx,
                           attrs), tf.device(execs[0]._ctx.tf_device), StepCall():
            try:
                if entry[1] is None:  # first call traces; later calls skip tf.function dispatch
                    try:
                        outs = entry[0](*args)
                    except tf.errors.OpError as e:
                        if not jit or not _xla.is_compile_error(e):
                            raise
                        # XLA refused the graph (nothing ran): the same step without it
                        _xla.warn_fallback(e)
                        entry[0] = self._build(fused, targets, states, weights, hnames, pnames,
                                               lazy, check, (lr_of, wd_of), False)
                        outs = entry[0](*args)
                    concrete = getattr(entry[0], 'get_concrete_function', None)
                    entry[1] = entry[0] if concrete is None else concrete(*args)
                    # and, without head gradients (whose shapes nothing else checks), its
                    # signature binding: the executors checked the feeds, the key fixes the rest
                    entry[2] = None if concrete is None or (fused and any(
                        h is not None for h in heads)) else _flat_caller(entry[1], args)
                elif entry[2] is not None:
                    outs = entry[2](args)
                else:
                    outs = entry[1](*args)
            except tf.errors.OpError as e:
                _custom.reraise(e)  # a Custom op's Python error: the MXNetError it raised
                raise
        self.last_bad = None
        if check:
            outs, self.last_bad = outs
        if fused:
            for exe, o in zip(execs, outs):
                exe._set_outputs(o)
                exe._call_monitor()

    def _build(self, fused, targets, states, weights, hnames, pnames, lazy, check, columns,
               jit=False):
        from ..executor import _as_storage_var
        execs = self.execs
        opt = self.opt
        if self._replicas is None:
            self._replicas = _Replicas(execs)
        replicas = self._replicas
        masters = [_as_storage_var(w, w.context) for w in weights]
        state_vars = [_state_vars(s, w.context) for s, w in zip(states, weights)]
        own = self.store is None      # the executor's weight is the one updated
        n, nh = len(targets), len(hnames)
        lr_of, wd_of = columns
        n_lr, n_wd = max(lr_of, default=-1) + 1, max(wd_of, default=-1) + 1
        sparse = [pos in execs[0]._rsp_grads for _, pos in targets]
        self_ = self
        # The updated weights' values as the forward read them, when the update may use those
        # reads (one read op fewer per parameter): one replica updating its own weights, and
        # only weights the forward does not write itself (BatchNorm's fixed gamma). Filled by
        # each trace's forward, read by its update.
        fwd_reads = {}

        def replica_grads(k, feeds, seeds, heads):
            exe = execs[k]
            if not fused:
                return (), [exe._grad_vars[pos].read_value() for _, pos in targets]
            fwd_reads.clear()
            outs, grads, upd = exe._compute_grads(feeds[k], seeds[k], heads[k],
                                                  reads=fwd_reads if own else None)
            for name in upd:
                fwd_reads.pop(name, None)
            exe._apply_updates(upd, aux=False)
            final = exe._write_grads(grads)
            exe._apply_updates(upd, args=False)
            return outs, [final[pos] for _, pos in targets]

        def local_grads(feeds, seeds, heads):
            """Every local replica's forward/backward; their gradients summed per parameter."""
            res = replicas.run(lambda k: replica_grads(k, feeds, seeds, heads))
            return [r[0] for r in res], replicas.sum_to([r[1] for r in res], masters, sparse)

        def update(summed, vec):
            """The optimizer step on each parameter's owned weight; replicas get the result."""
            with _opk.shared_casts(_scalars(vec)) as cols:
                return updates(summed, cols)

        def _scalars(vec):
            """The step's scalars, each a tensor of its own from one op (not a slice op per
            scalar), paired with their float32 casts (one op), which k_param then reuses."""
            cols = tf.unstack(vec)
            return list(zip(cols, tf.unstack(tf.cast(vec, tf.float32))))

        def updates(summed, cols):
            lrs = [cols[i] for i in lr_of]
            wds = [cols[n_lr + i] for i in wd_of]
            at = n_lr + n_wd
            ts = cols[at:at + n]
            hp = {name: cols[at + n + i] for i, name in enumerate(hnames)}
            at += n + nh
            phv = [cols[at + i * n:at + (i + 1) * n] for i in range(len(pnames))]
            updated = []
            for j, ((_, pos), st, svs, mvar, g) in enumerate(
                    zip(targets, states, state_vars, masters, summed)):
                with tf.device(mvar.device):
                    hp_j = dict(hp)
                    hp_j.update({name: phv[i][j] for i, name in enumerate(pnames)})
                    if isinstance(g, tf.IndexedSlices) and not lazy[j]:
                        # a gather's gradient (rows repeat: summed), or a row_sparse one that
                        # a non-lazy update reads dense, as MXNet's does
                        g = tf.convert_to_tensor(g)
                    if isinstance(g, tf.IndexedSlices):
                        ids = g.indices
                        new_w = _lazy_step(opt, mvar, svs, st, g, (lrs[j], wds[j], ts[j], hp_j))
                        new_g = None
                    else:
                        ids = None
                        # value(): a read op without read_value's identity (already on the
                        # variable's device), one op fewer to trace per read
                        st_t = _rebuild(st, iter([v.value() for v in svs]))
                        w_t = fwd_reads.get(execs[0]._arg_names[pos]) if own else None
                        if not isinstance(w_t, tf.Tensor) or w_t.dtype != mvar.dtype:
                            w_t = mvar.value()
                        new_w, new_st, new_g = opt._tf_update(w_t, g, st_t,
                                                              lrs[j], wds[j], ts[j], hp_j)
                        new_w = tf.cast(new_w, mvar.dtype)
                        mvar.assign(new_w, read_value=False)
                        for v, t in zip(svs, flatten_state(new_st) if new_st is not None
                                        else []):
                            v.assign(tf.cast(t, v.dtype), read_value=False)
                    updated.append(new_w)
                if own:
                    if new_g is not None:  # an in-place gradient rescale (AdaDelta)
                        gvar = execs[0]._grad_vars[pos]
                        gvar.assign(tf.cast(new_g, gvar.dtype))
                    continue
                for exe in execs:   # every replica pulls the new weight (its changed rows)
                    wvar = exe._arg_vars[pos]
                    if wvar is not mvar:
                        with tf.device(wvar.device):
                            if ids is None:
                                wvar.assign(tf.identity(new_w))
                            else:
                                wvar.scatter_nd_update(ids[:, None], tf.identity(new_w))
            return updated

        def compiled(fn):
            return tf.function(fn, autograph=False, reduce_retracing=False, jit_compile=jit)

        if self.cluster is None:
            def step(feeds, seeds, heads, vec):
                self_.trace_count += 1
                outs, summed = local_grads(feeds, seeds, heads)
                updated = update(summed, vec)
                res = outs if fused else tf.constant(0)
                if not check:
                    return res
                aux = [v.read_value() for e in execs for v in e._aux_vars
                       if v.dtype.is_floating]
                flat = [t for o in (outs if fused else ()) for t in tf.nest.flatten(o)
                        if t.dtype.is_floating]
                return res, _finite_total(updated + aux + flat)
            if fused:
                return compiled(step)
            return compiled(lambda vec: step(None, None, None, vec))

        # several workers: the local step, then the sum over the workers by one shared
        # collective (the same for every bucket and trace, so workers whose buckets or traces
        # come in different orders still meet in it), then the update
        def traced_local(feeds, seeds, heads):
            self_.trace_count += 1
            return local_grads(feeds, seeds, heads)
        grads_fn, update_fn = compiled(traced_local), compiled(update)

        def run(*args):
            feeds, seeds, heads, vec = args if fused else (None, None, None) + args
            outs, summed = grads_fn(feeds, seeds, heads)
            update_fn(_collective.all_sum(summed), vec)
            return outs
        return run
