"""One compiled call per training step for a Module on several devices.

MXNet's data-parallel step with the kvstore updating (the default for several devices): every
device runs forward and backward on its slice; the store sums the devices' gradients, applies
the optimizer once to its own copy of each weight, and every device pulls the result. Here all
of that is one traced function: each device's deferred (forward, backward) step runs under its
own ``tf.device``, the sums, the optimizer step (``Optimizer._tf_update``, the same code the
eager path runs) and the copies back to every device follow in the same call. The store's
arrays and the optimizer states (keyed by parameter name, as MXNet's store keys them) are the
ones ``mx.kv`` and ``save_optimizer_states`` see.
"""
import numpy as np
import tensorflow as tf

from ..optimizer.optimizer import flatten_state
from ..profiler.recorder import span as _profile_span
from .train_step import _rebuild, _state_vars


class GroupUpdate:
    """Compiled forward+backward on every device + kvstore update, for an ExecutorGroup."""

    def __init__(self, group, kvstore):
        self.group = group
        self.kv = kvstore
        self.updater = kvstore._updater
        self.opt = self.updater.optimizer
        self._cache = {}
        self.trace_count = 0

    def _targets(self):
        """(name, arg position) of every parameter with a gradient (same position on every
        device: all executors bind the same symbol)."""
        exe = self.group.execs[0]
        out = []
        for name in self.group.param_names:
            pos = exe._arg_index[name]
            if exe._grad_vars[pos] is not None and exe._grad_req[name] != 'null':
                out.append((name, pos))
        return out

    def __call__(self, steps):
        """Run one step; ``steps`` are the executors' deferred (forward, backward) steps."""
        execs = self.group.execs
        targets = self._targets()
        names = [n for n, _ in targets]
        up = self.updater
        stored = [self.kv._stored(n) for n in names]
        for n, w in zip(names, stored):
            if n not in up.states:
                up.states[n] = self.opt.create_state_multi_precision(n, w)
                up.states_synced[n] = True
        opt = self.opt
        opt._set_current_context(stored[0].context.device_id if stored else 0)
        lrs, wds, ts, hnames, hvals, per_param = opt._step_scalars(names)
        pnames = tuple(sorted(per_param))
        pvals = np.asarray([per_param[n] for n in pnames], np.float64).reshape(
            len(pnames), len(names))
        states = [up.states[n] for n in names]
        heads = [None if s['head'] is None or all(h is None for h in s['head']) else s['head']
                 for s in steps]
        key = (opt._tf_structure(), tuple(hnames), pnames, tuple(names),
               tuple(tuple(id(a._s) for a in flatten_state(s)) for s in states),
               tuple(id(w._s) for w in stored), tuple(id(e) for e in execs),
               tuple(tuple(sorted(s['feeds'])) for s in steps), tuple(h is None for h in heads))
        entry = self._cache.get(key)
        if entry is None:
            entry = [self._build(targets, stored, states, hnames, pnames), None]
            self._cache = {key: entry}
        vec = np.concatenate([np.asarray(lrs, np.float64), np.asarray(wds, np.float64),
                              np.asarray(ts, np.float64), np.asarray(hvals, np.float64),
                              pvals.reshape(-1)])
        args = ([s['feeds'] for s in steps], [s['seed'] for s in steps], heads,
                tf.constant(vec))
        with _profile_span('forward_backward_update', execs[0]._ctx,
                           {'devices': len(execs)}):
            if entry[1] is None:  # first call traces; later calls skip tf.function's dispatch
                outs = entry[0](*args)
                entry[1] = entry[0].get_concrete_function(*args)
            else:
                outs = entry[1](*args)
        for exe, o in zip(execs, outs):
            exe.call_count += 1
            exe._set_outputs(o)
            exe._call_monitor()

    def _build(self, targets, stored, states, hnames, pnames):
        from ..executor import _as_storage_var
        execs = self.group.execs
        opt = self.opt
        master = [_as_storage_var(w, w.context) for w in stored]
        state_vars = [_state_vars(s, w.context) for s, w in zip(states, stored)]
        devices = [w.context.tf_device for w in stored]
        self_ = self

        n, nh = len(targets), len(hnames)

        def run(feeds, seeds, heads, vec):
            self_.trace_count += 1
            lrs, wds, ts = vec[0:n], vec[n:2 * n], vec[2 * n:3 * n]
            hpv = vec[3 * n:3 * n + nh]
            phv = tf.reshape(vec[3 * n + nh:], [len(pnames), n])
            outs, grads, auxs = [], [], []
            for exe, f, s, h in zip(execs, feeds, seeds, heads):
                with tf.device(exe._ctx.tf_device):
                    o, g, upd = exe._compute_grads(f, s, h)
                    exe._apply_updates(upd, aux=False)
                    final = exe._write_grads(g)
                outs.append(o)
                grads.append(final)
                auxs.append(upd)
            hp = {n: hpv[k] for k, n in enumerate(hnames)}
            for j, ((name, pos), st, svs, mvar, dev) in enumerate(
                    zip(targets, states, state_vars, master, devices)):
                with tf.device(dev):
                    summed = tf.add_n([tf.identity(g[pos]) for g in grads])
                    st_t = _rebuild(st, iter([v.read_value() for v in svs]))
                    hp_j = dict(hp)
                    hp_j.update({n: phv[k, j] for k, n in enumerate(pnames)})
                    new_w, new_st, _ = opt._tf_update(mvar.read_value(), summed, st_t, lrs[j],
                                                      wds[j], ts[j], hp_j)
                    new_w = tf.cast(new_w, mvar.dtype)
                    mvar.assign(new_w)
                    for v, t in zip(svs, flatten_state(new_st) if new_st is not None else []):
                        v.assign(tf.cast(t, v.dtype))
                for exe in execs:
                    with tf.device(exe._ctx.tf_device):
                        wvar = exe._arg_vars[pos]
                        wvar.assign(tf.cast(tf.identity(new_w), wvar.dtype))
            for exe, upd in zip(execs, auxs):
                with tf.device(exe._ctx.tf_device):
                    exe._apply_updates(upd, args=False)
            return outs
        return tf.function(run, autograph=False, reduce_retracing=False)
