"""The update half of ``gluon.Trainer.step`` as one compiled TF call per context.

MXNet's Updater applies the optimizer parameter by parameter; done eagerly here that is a few
TF ops per parameter per step, more time than a small net's forward and backward. For tfmod's
built-in optimizers the same ``Optimizer._tf_update`` code (what the eager Updater runs) is
traced once for the whole parameter list and called once per step: learning rates, weight
decays, update counts and hyper-parameters are float64 tensor arguments, so schedules and
``set_learning_rate`` never retrace. The Updater's state dict is the one filled, so
``save_states``/``load_states`` see the same states.

Anything else -- a user's own optimizer, optimizers whose results depend on MXNet's chunked
Updater calls (LARS), row_sparse arrays, float16 weights with multi_precision -- goes through
the Updater unchanged.
"""
import numpy as np
import tensorflow as tf

from ..optimizer.optimizer import flatten_state

_CACHE_MAX = 8


def _compilable(opt, weights, grads):
    if not type(opt)._is_builtin_update() or opt._eager_aggregate:
        return False
    for w, g in zip(weights, grads):
        if w.stype != 'default' or g.stype != 'default' or w._off is not None:
            return False
        if opt.multi_precision and w.dtype == np.float16:
            return False
    return True


def _rebuild(state, flat):
    if state is None:
        return None
    if isinstance(state, (list, tuple)):
        return type(state)(_rebuild(s, flat) for s in state)
    return next(flat)


def update(updater, indices, grads, weights, cache):
    """Apply ``updater``'s optimizer to the parameters ``indices`` (one context's arrays);
    ``cache`` (a dict the caller keeps) holds the traced calls."""
    opt = updater.optimizer
    if not _compilable(opt, weights, grads):
        updater(indices, grads, weights)
        return
    opt._set_current_context(weights[0].context.device_id)
    states = []
    for i, w in zip(indices, weights):
        if i not in updater.states:
            updater.states[i] = opt.create_state_multi_precision(i, w)
            updater.states_synced[i] = True
        elif not updater.states_synced[i]:
            updater.states[i] = updater.sync_state_context(updater.states[i], w.context)
            updater.states_synced[i] = True
        states.append(updater.states[i])
    lrs, wds, ts, hnames, hvals, per_param = opt._step_scalars(list(indices))
    pnames = tuple(sorted(per_param))
    flat_states = [flatten_state(s) for s in states]
    key = (id(opt), opt._tf_structure(), tuple(hnames), pnames, tuple(indices),
           tuple((w.shape, w._s.dtype) for w in weights),
           tuple(tuple((a.shape, a._s.dtype) for a in f) for f in flat_states),
           tuple(None if s is None else type(s) for s in states))
    fn = cache.pop(key, None)
    if fn is None:
        fn = _build(opt, states, hnames, pnames)
    cache[key] = fn
    while len(cache) > _CACHE_MAX:
        cache.pop(next(iter(cache)))
    scalars = np.concatenate([np.asarray(lrs, np.float64), np.asarray(wds, np.float64),
                              np.asarray(ts, np.float64), np.asarray(hvals, np.float64)] +
                             [np.asarray(per_param[n], np.float64) for n in pnames])
    with tf.device(weights[0].context.tf_device):
        new_w, new_s, new_g = fn([w._read() for w in weights], [g._read() for g in grads],
                                 [[a._read() for a in f] for f in flat_states],
                                 tf.constant(scalars))
    for w, t in zip(weights, new_w):
        w._write(t)
    for f, ts_ in zip(flat_states, new_s):
        for a, t in zip(f, ts_):
            a._write(t)
    for g, t in zip(grads, new_g):
        if t is not None:
            g._write(t)


def _build(opt, states, hnames, pnames):
    n = len(states)
    nh = len(hnames)

    def step(weights, grads, flat_states, scalars):
        lrs, wds, ts = scalars[:n], scalars[n:2 * n], scalars[2 * n:3 * n]
        hp = {name: scalars[3 * n + i] for i, name in enumerate(hnames)}
        at = 3 * n + nh
        per = {name: scalars[at + i * n:at + (i + 1) * n] for i, name in enumerate(pnames)}
        new_w, new_s, new_g = [], [], []
        for j in range(n):
            hp_j = dict(hp)
            hp_j.update({name: per[name][j] for name in pnames})
            st = _rebuild(states[j], iter(flat_states[j]))
            w, s, g = opt._tf_update(weights[j], grads[j], st, lrs[j], wds[j], ts[j], hp_j)
            new_w.append(tf.cast(w, weights[j].dtype))
            new_s.append([tf.cast(t, old.dtype) for t, old in
                          zip(flatten_state(s) if s is not None else [], flat_states[j])])
            new_g.append(None if g is None else tf.cast(g, grads[j].dtype))
        return new_w, new_s, new_g
    return tf.function(step, autograph=False)
