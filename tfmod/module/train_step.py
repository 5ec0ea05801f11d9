"""Module's compiled update: forward + backward + every parameter update in one TF call.

When a Module's executor has a deferred (forward, backward) step and the optimizer is a built-in
one (its update is a TF function, ``Optimizer._tf_step``), ``Module.update()`` runs them together
as one traced function. Python's work per batch is the optimizer bookkeeping MXNet also does in
Python (update counts, learning-rate schedule) -- a few scalars per parameter -- and one call.
Without a deferred step (gradients already computed), the same update runs compiled on its own.

Traces are cached per (optimizer structure, hyper-parameter names, states version); learning
rates, weight decays, step counts, hyper-parameter values and per-parameter Python scalars
(``Optimizer._tf_param_hparams``: Nadam's m_schedule, SGLD's noise seeds) are float64 tensor
arguments, so schedules and changed hyper-parameters never retrace.
"""
import numpy as np
import tensorflow as tf

from converters import custom as _custom
from ..optimizer.optimizer import flatten_state
from ..ndarray import ndarray as _nd
from ..profiler.recorder import span as _profile_span


def _state_vars(state, ctx):
    from ..executor import _as_storage_var
    return [_as_storage_var(a, ctx) for a in flatten_state(state)]


def _rebuild(state, flat_iter):
    if state is None:
        return None
    if isinstance(state, (list, tuple)):
        return type(state)(_rebuild(s, flat_iter) for s in state)
    return next(flat_iter)


class CompiledUpdate:
    """Compiled (forward +) backward + optimizer update for one executor and one Updater."""

    def __init__(self, executor, updater, param_names):
        self.exe = executor
        self.updater = updater
        self.opt = updater.optimizer
        self.param_names = list(param_names)
        self._cache = {}
        self._plan_cache = None
        self.trace_count = 0

    def _targets(self):
        """(updater index, arg position) of every parameter that has a gradient."""
        exe = self.exe
        out = []
        for idx, name in enumerate(self.param_names):
            pos = exe._arg_index[name]
            if exe._grad_vars[pos] is not None and exe._grad_req[name] != 'null':
                out.append((idx, pos))
        return out

    def _ensure_states(self, targets):
        up = self.updater
        created = False
        for idx, pos in targets:
            if idx not in up.states:
                up.states[idx] = self.opt.create_state_multi_precision(
                    idx, self.exe.arg_arrays[pos])
                up.states_synced[idx] = True
                created = True
            elif not up.states_synced.get(idx, True):
                up.states[idx] = up.sync_state_context(up.states[idx], self.exe._ctx)
                up.states_synced[idx] = True
                created = True
        return created

    def _plan(self):
        """(targets, indices, states, state-storage ids), cached until the Updater's states
        change (first use creates them; set_states replaces them)."""
        up = self.updater
        plan = self._plan_cache
        if plan is not None and plan[0] is up.states and \
                all(up.states_synced.get(i, True) for i in plan[2]):
            return plan[1:]
        targets = self._targets()
        self._ensure_states(targets)
        indices = [i for i, _ in targets]
        states = [up.states[i] for i in indices]
        sids = tuple(tuple(id(a._s) for a in flatten_state(st)) for st in states)
        self._plan_cache = (up.states, targets, indices, states, sids)
        return targets, indices, states, sids

    def __call__(self, step=None):
        """Run the update (fused with ``step`` -- a deferred forward+backward -- when given)."""
        exe = self.exe
        targets, indices, states, sids = self._plan()
        opt = self.opt
        opt._set_current_context(exe._ctx.device_id)
        if indices:
            opt._update_count(indices)
        counts = opt._index_update_count
        lrs = opt._get_lrs(indices)  # before _tf_param_hparams, which may read them (LARS)
        wds = opt._get_wds(indices)
        names, vals = opt.hparam_values()
        per_param = opt._tf_param_hparams(indices)
        pnames = tuple(sorted(per_param))
        # One float64 vector (the Python doubles MXNet computes with; each step casts where
        # MXNet does): lrs, wds, step counts, hyper-parameters, per-parameter scalars.
        vec = np.concatenate([np.asarray(lrs, np.float64), np.asarray(wds, np.float64),
                              np.asarray([counts[i] for i in indices], np.float64),
                              np.asarray(vals, np.float64)] +
                             [np.asarray(per_param[n], np.float64) for n in pnames])
        head = None
        if step is not None:
            head = step['head']
            head = None if head is None or all(h is None for h in head) else head
        key = (step is not None, opt._tf_structure(), tuple(names), pnames, tuple(indices), sids,
               None if step is None else (tuple(sorted(step['feeds'])), head is None))
        entry = self._cache.get(key)
        if entry is None:
            entry = [self._build(step is not None, targets, states, names, pnames), None]
            self._cache[key] = entry
        exe.call_count += 1
        args = (tf.constant(vec),) if step is None else \
            (step['feeds'], step['seed'], head, tf.constant(vec))
        with _profile_span('update' if step is None else 'forward_backward_update', exe._ctx), \
                tf.device(exe._ctx.tf_device):
            try:
                if entry[1] is None:  # first call traces; later calls skip tf.function dispatch
                    outs = entry[0](*args)
                    entry[1] = entry[0].get_concrete_function(*args)
                else:
                    outs = entry[1](*args)
            except tf.errors.OpError as e:
                _custom.reraise(e)  # a Custom op's Python error: the MXNetError it raised
                raise
        if step is not None:
            exe._set_outputs(outs)
            exe._call_monitor()

    def _build(self, fused, targets, states, names, pnames=()):
        exe = self.exe
        opt = self.opt
        state_vars = [_state_vars(s, exe._ctx) for s in states]
        self_ = self

        n, h = len(targets), len(names)

        def unpack(vec):
            lrs, wds, ts = vec[0:n], vec[n:2 * n], vec[2 * n:3 * n]
            hpv = vec[3 * n:3 * n + h]
            phv = tf.reshape(vec[3 * n + h:], [len(pnames), n])
            return lrs, wds, ts, hpv, phv

        def apply_updates(grads, lrs, wds, ts, hpv, phv):
            hp = {n: hpv[k] for k, n in enumerate(names)}
            for j, ((idx, pos), st, svs) in enumerate(zip(targets, states, state_vars)):
                wvar = exe._arg_vars[pos]
                g = grads[pos]
                st_t = _rebuild(st, iter([v.read_value() for v in svs]))
                hp_j = dict(hp)
                hp_j.update({n: phv[k, j] for k, n in enumerate(pnames)})
                new_w, new_st, new_g = opt._tf_update(wvar.read_value(), g, st_t, lrs[j], wds[j],
                                                      ts[j], hp_j)
                wvar.assign(tf.cast(new_w, wvar.dtype))
                for v, t in zip(svs, flatten_state(new_st) if new_st is not None else []):
                    v.assign(tf.cast(t, v.dtype))
                if new_g is not None:  # an in-place gradient rescale (AdaDelta)
                    gvar = exe._grad_vars[pos]
                    gvar.assign(tf.cast(new_g, gvar.dtype))

        if fused:
            def run(feeds, seed, head, vec):
                self_.trace_count += 1
                lrs, wds, ts, hpv, phv = unpack(vec)
                outs, grads, updates = exe._compute_grads(feeds, seed, head)
                exe._apply_updates(updates, aux=False)
                final = exe._write_grads(grads)
                apply_updates(final, lrs, wds, ts, hpv, phv)
                exe._apply_updates(updates, args=False)
                return outs
        else:
            def run(vec):
                self_.trace_count += 1
                lrs, wds, ts, hpv, phv = unpack(vec)
                grads = {pos: exe._grad_vars[pos].read_value() for _, pos in targets}
                apply_updates(grads, lrs, wds, ts, hpv, phv)
                return tf.constant(0)
        return tf.function(run, autograph=False, reduce_retracing=False)


def flush_others(exe):
    """Flush deferred work of every executor but ``exe``."""
    others = [p for p in _nd._PENDING if p is not exe]
    for p in others:
        _nd.undefer(p)
        p._flush()
