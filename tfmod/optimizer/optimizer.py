"""Optimizer base class, registry and Updater, with MXNet 1.9.1's bookkeeping.

Built-in optimizers describe one update as a pure TensorFlow function, ``_tf_step``. The same
function runs eagerly behind ``update()`` (Updater, KVStore, user calls) and, traced, inside the
Module's compiled training step, where forward, backward and every parameter update are one call.
A user's subclass that overrides ``update`` with its own ``mx.nd`` code keeps working through the
per-parameter path.

Bookkeeping follows MXNet: update counts per parameter index (``num_update`` drives the lr
scheduler and starts at 1), learning-rate and weight-decay multipliers from ``set_lr_mult`` /
``set_wd_mult`` / ``__lr_mult__`` / ``__wd_mult__`` symbol attributes, and the rule that, when
``param_idx2name`` is given, only ``*_weight`` and ``*_gamma`` parameters decay.
"""
import warnings

import numpy as np
import tensorflow as tf

from ..base import MXNetError
from ..ndarray import ndarray as _nd
from ..states_file import dumps_optimizer_states, loads_optimizer_states
from ..states_pickle import admit_optimizer


class Optimizer:
    """Base class of all optimizers (MXNet's constructor arguments and attributes)."""
    opt_registry = {}

    # Names of float attributes read per step by ``_tf_step`` (passed to compiled steps as
    # tensors, so changing them between steps needs no retrace).
    _tf_hparams = ()

    def __init__(self, rescale_grad=1., param_idx2name=None, wd=0., clip_gradient=None,
                 learning_rate=None, lr_scheduler=None, sym=None, begin_num_update=0,
                 multi_precision=False, param_dict=None):
        self.rescale_grad = rescale_grad
        self.lr_scheduler = lr_scheduler
        if self.lr_scheduler is None and learning_rate is None:
            learning_rate = 0.01
        self.lr = learning_rate
        if self.lr_scheduler is not None and learning_rate is not None:
            if self.lr_scheduler.base_lr != learning_rate:
                print(UserWarning('learning rate from ``lr_scheduler`` has been overwritten by '
                                  '``learning_rate`` in optimizer.'))
                self.lr_scheduler.base_lr = learning_rate
        self.wd = wd
        self.lr_mult = {}
        self.wd_mult = {}
        self.begin_num_update = begin_num_update
        self.num_update = begin_num_update
        self._all_index_update_counts = {0: {}}
        self._index_update_count = self._all_index_update_counts[0]
        self.clip_gradient = clip_gradient
        self.multi_precision = multi_precision
        self.aggregate_num = 0
        if param_idx2name is None:
            param_idx2name = {}
        if not isinstance(param_idx2name, dict):
            raise MXNetError('param_idx2name should be a dict of param indexes to names.')
        self.idx2name = param_idx2name.copy()
        self.sym_info = (sym.attr_dict(), sym.list_arguments()) if sym is not None else ()
        self.param_dict = param_dict if param_dict else {}
        self.set_lr_mult({})
        self.set_wd_mult({})

    # -- registry -------------------------------------------------------------------------------
    @staticmethod
    def register(klass):
        """Register an optimizer class under its lower-case name."""
        if not isinstance(klass, type):
            raise MXNetError('register expects a class')
        name = klass.__name__.lower()
        if name in Optimizer.opt_registry:
            warnings.warn('WARNING: New optimizer %s.%s is overriding existing optimizer %s.%s'
                          % (klass.__module__, klass.__name__,
                             Optimizer.opt_registry[name].__module__,
                             Optimizer.opt_registry[name].__name__))
        Optimizer.opt_registry[name] = klass
        admit_optimizer(klass)   # MXNet's dump_optimizer pickles may name it
        return klass

    @staticmethod
    def create_optimizer(name, **kwargs):
        """An optimizer by (case-insensitive) registered name."""
        if name.lower() in Optimizer.opt_registry:
            return Optimizer.opt_registry[name.lower()](**kwargs)
        raise MXNetError('Cannot find optimizer %s; registered optimizers are: %s'
                         % (name, ', '.join(sorted(Optimizer.opt_registry))))

    # -- learning rate / weight decay -------------------------------------------------------------
    @property
    def learning_rate(self):
        if self.lr_scheduler is not None:
            return self.lr_scheduler(self.num_update)
        return self.lr

    def set_learning_rate(self, lr):
        if self.lr_scheduler is not None:
            raise UserWarning('LRScheduler of the optimizer has already been defined. Note that '
                              'set_learning_rate can mutate the value of the learning rate of the '
                              'optimizer only when the LRScheduler of the optimizer is undefined.')
        self.lr = lr

    def set_lr_scale(self, args_lrscale):
        raise DeprecationWarning

    def set_lr_mult(self, args_lr_mult):
        """Per-parameter lr multipliers: symbol ``__lr_mult__`` attributes, then ``args_lr_mult``."""
        self.lr_mult = {}
        if self.sym_info:
            attr, arg_names = self.sym_info
            for name in arg_names:
                if name in attr and '__lr_mult__' in attr[name]:
                    self.lr_mult[name] = float(attr[name]['__lr_mult__'])
        self.lr_mult.update(args_lr_mult)

    # names whose weight decay stays on by default (MXNet's LARS decays only *_weight)
    _decayed_suffixes = ('_weight', '_gamma')

    def _decays_by_name(self, name):
        """Whether a parameter known by name keeps its weight decay by default (the rule
        set_wd_mult applies, and BucketingModule for parameters of later buckets)."""
        return name.endswith(self._decayed_suffixes)

    def set_wd_mult(self, args_wd_mult):
        """Per-parameter wd multipliers: 0 for names not ending in _decayed_suffixes (when names
        are known), symbol ``__wd_mult__`` attributes, then ``args_wd_mult``."""
        self.wd_mult = {}
        for n in self.idx2name.values():
            if not self._decays_by_name(n):
                self.wd_mult[n] = 0.0
        if self.sym_info:
            attr, arg_names = self.sym_info
            for name in arg_names:
                if name in attr and '__wd_mult__' in attr[name]:
                    self.wd_mult[name] = float(attr[name]['__wd_mult__'])
        self.wd_mult.update(args_wd_mult)

    def _set_current_context(self, device_id):
        if device_id not in self._all_index_update_counts:
            self._all_index_update_counts[device_id] = {}
        self._index_update_count = self._all_index_update_counts[device_id]

    def _update_count(self, index):
        if not isinstance(index, (list, tuple)):
            index = [index]
        counts = self._index_update_count
        for idx in index:
            if idx not in counts:
                counts[idx] = self.begin_num_update
            counts[idx] += 1
            if counts[idx] > self.num_update:
                self.num_update = counts[idx]

    def _base_lr(self):
        if self.lr_scheduler is not None:
            return self.lr_scheduler(self.num_update)
        return self.lr

    def _lr_mult_of(self, index):
        if index in self.param_dict:
            return self.param_dict[index].lr_mult
        if index in self.lr_mult:
            return self.lr_mult[index]
        if index in self.idx2name:
            return self.lr_mult.get(self.idx2name[index], 1.0)
        return 1.0

    def _wd_mult_of(self, index):
        if index in self.param_dict:
            return self.param_dict[index].wd_mult
        if index in self.wd_mult:
            return self.wd_mult[index]
        if index in self.idx2name:
            return self.wd_mult.get(self.idx2name[index], 1.0)
        return 1.0

    def _get_lrs(self, indices):
        lr = self._base_lr()
        return [lr * self._lr_mult_of(i) for i in indices]

    def _get_lr(self, index):
        return self._get_lrs([index])[0]

    def _get_wds(self, indices):
        return [self.wd * self._wd_mult_of(i) for i in indices]

    def _get_wd(self, index):
        return self._get_wds([index])[0]

    # -- states and updates ---------------------------------------------------------------------
    def create_state(self, index, weight):
        """The optimizer state for one weight: None, an NDArray, or a tuple of those."""
        return None

    def _state_stype(self, weight):
        """The storage type of the states MXNet makes for ``weight`` (row_sparse weights of a
        lazily updating optimizer get row_sparse states)."""
        if weight.stype == 'row_sparse' and self._lazy_for(None, weight):
            return 'row_sparse'
        return 'default'

    def _weight_stype(self, index, weight):
        """The storage type MXNet's weight has: the array's own, or the ``stype`` its symbol
        declares (a Module's device copy of a row_sparse weight is a dense array here)."""
        if weight.stype != 'default' or not self.sym_info or index not in self.idx2name:
            return weight.stype
        declared = self.sym_info[0].get(self.idx2name[index], {}).get('__storage_type__')
        return 'row_sparse' if declared == '1' else weight.stype

    def _lazy_for(self, index, weight):
        """Whether a row_sparse gradient updates only the rows it stores (MXNet's lazy update;
        otherwise it is read as the dense gradient). SGD and Adam follow ``lazy_update``."""
        return bool(getattr(self, 'lazy_update', False))

    def _sparse_rows(self, index, weight, grad):
        """The row ids a step touches when ``grad`` is row_sparse and updated lazily, or None."""
        if getattr(grad, 'stype', 'default') == 'row_sparse' and \
                self._lazy_for(index, weight):
            return grad._content()
        return None

    def create_state_multi_precision(self, index, weight):
        if self.multi_precision and weight.dtype == np.float16:
            master = weight.astype(np.float32)
            return (master,) + (self.create_state(index, master),)
        if weight.dtype == np.float16 and not self.multi_precision:
            warnings.warn('Accumulating with float16 in optimizer can lead to poor accuracy or '
                          'slow convergence. Consider using multi_precision=True option of the '
                          'optimizer')
        return self.create_state(index, weight)

    def _tf_step(self, weight, grad, state, lr, wd, t, hp):
        """One update on tensors -> (new_weight, new_state), ``state`` shaped like create_state's
        result with tensors for NDArrays. ``hp`` maps each name in ``_tf_hparams`` plus
        'rescale_grad' (and 'clip_gradient' when set), plus the per-parameter names of
        ``_tf_param_hparams``, to a scalar tensor. lr, wd, t and ``hp`` are float64 tensors
        holding the Python doubles MXNet computes with; a step casts them to the weight dtype
        where MXNet's kernel parameter (a C++ float) or NDArray scalar would be cast.

        A step may return (new_weight, new_state, new_grad) to also overwrite the gradient array
        (AdaDelta rescales the gradient in place in MXNet)."""
        raise NotImplementedError()

    def _tf_param_hparams(self, indices):
        """Per-parameter scalars computed in Python for one step: ``{name: [value per index]}``.

        Called once per step, after the update counts of ``indices`` advanced and the learning
        rates were read, with the indices in MXNet's update order. Optimizer-wide Python state
        that MXNet advances once per parameter update (Nadam's ``m_schedule``) advances here."""
        return {}

    def _clip_on(self):
        """Whether gradients are clipped (MXNet's kernels clip when clip_gradient > 0)."""
        return self.clip_gradient is not None and self.clip_gradient > 0

    def _tf_structure(self):
        """Hashable switches that change the shape of ``_tf_step`` (part of the trace key)."""
        return (self._clip_on(),)

    def hparam_values(self):
        names = ('rescale_grad',) + tuple(self._tf_hparams)
        vals = [float(getattr(self, n)) for n in names]
        if self._clip_on():
            names += ('clip_gradient',)
            vals.append(float(self.clip_gradient))
        return names, vals

    # Multi-precision state layout: MXNet's default is (float32 master copy, inner state); SGD,
    # NAG and LARS keep (inner state, master copy).
    _mp_master_last = False

    def _tf_update(self, weight, grad, state, lr, wd, t, hp):
        """``_tf_step`` for the compiled path, with multi_precision float16 weights stepped on
        their float32 master copy -> (new_weight, new_state, new_grad or None)."""
        if self.multi_precision and weight.dtype == tf.float16 and \
                isinstance(state, (tuple, list)) and len(state) == 2:
            inner, master = state if self._mp_master_last else (state[1], state[0])
            out = self._tf_step(master, tf.cast(grad, tf.float32), inner, lr, wd, t, hp)
            new_master, new_inner = out[0], out[1]
            new_state = (new_inner, new_master) if self._mp_master_last else \
                (new_master, new_inner)
            return tf.cast(new_master, weight.dtype), type(state)(new_state), None
        out = self._tf_step(weight, grad, state, lr, wd, t, hp)
        return out[0], out[1], (out[2] if len(out) > 2 else None)

    @classmethod
    def _is_builtin_update(cls):
        """True when updates come from ``_tf_step``: ``update`` and ``update_multi_precision``
        are tfmod's own (a user's subclass overriding them takes the per-parameter path)."""
        if cls._tf_step is Optimizer._tf_step:
            return False
        for meth in ('update', 'update_multi_precision'):
            owner = next(k for k in cls.__mro__ if meth in k.__dict__)
            if not owner.__module__.startswith('tfmod.optimizer'):
                return False
        return True

    def update(self, index, weight, grad, state):
        """Update one weight in place (eager): the built-in optimizers run ``_tf_step``."""
        if type(self)._tf_step is Optimizer._tf_step:
            raise NotImplementedError()
        if isinstance(index, (list, tuple)):
            self._update_index_list(index, weight, grad, state)
            return
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        t = self._index_update_count[index]
        names, vals = self.hparam_values()
        per_param = self._tf_param_hparams([index])
        dtype = weight._s.dtype
        with tf.device(weight.context.tf_device):
            hp = {n: tf.constant(v, tf.float64) for n, v in zip(names, vals)}
            hp.update({n: tf.constant(v[0], tf.float64) for n, v in per_param.items()})
            args = (tf.constant(lr, tf.float64), tf.constant(wd, tf.float64),
                    tf.constant(t, tf.float64), hp)
            rows = self._sparse_rows(index, weight, grad)
            if rows is not None:
                _lazy_update(self._tf_step, weight, rows, state, args)
                return
            w = weight._read()
            st = _map_state(state, lambda a: a._read())
            out = self._tf_step(w, grad._read(), st, *args)
        weight._write(tf.cast(out[0], dtype))
        _write_state(state, out[1])
        if len(out) > 2 and out[2] is not None:
            grad._write(out[2])

    # Optimizers whose result depends on MXNet's aggregated Updater calls (LARS tracks the
    # learning rate once per call of ``aggregate_num`` parameters) set this: the Updater then
    # hands them chunks, as MXNet's does, through ``_update_chunk``.
    _eager_aggregate = False

    def _step_scalars(self, indices):
        """MXNet's aggregated bookkeeping for one step of ``indices``: count them all, then
        read the learning rates and weight decays once -> (lrs, wds, update counts,
        hyper-parameter names, their values, per-parameter hyper-parameters)."""
        if indices:
            self._update_count(indices)
        lrs = self._get_lrs(indices)
        wds = self._get_wds(indices)
        ts = [self._index_update_count[i] for i in indices]
        names, vals = self.hparam_values()
        return lrs, wds, ts, names, vals, self._tf_param_hparams(indices)

    def _update_chunk(self, indices, weights, grads, states):
        """One aggregated (eager) update of several parameters (see _step_scalars)."""
        lrs, wds, ts, names, vals, per_param = self._step_scalars(indices)
        for j, (weight, grad, state) in enumerate(zip(weights, grads, states)):
            with tf.device(weight.context.tf_device):
                hp = {n: tf.constant(v, tf.float64) for n, v in zip(names, vals)}
                hp.update({n: tf.constant(v[j], tf.float64) for n, v in per_param.items()})
                args = (tf.constant(lrs[j], tf.float64), tf.constant(wds[j], tf.float64),
                        tf.constant(ts[j], tf.float64), hp)
                rows = self._sparse_rows(indices[j], weight, grad)
                if rows is not None:
                    _lazy_update(self._tf_update, weight, rows, state, args)
                    continue
                st = _map_state(state, lambda a: a._read())
                new_w, new_st, new_g = self._tf_update(weight._read(), grad._read(), st,
                                                       *args)
            weight._write(tf.cast(new_w, weight._s.dtype))
            _write_state(state, new_st)
            if new_g is not None:
                grad._write(new_g)

    # MXNet's SGD, LAMB and LARS also take lists: update([i, j], [wi, wj], [gi, gj], [si, sj])
    _takes_index_lists = False

    def _update_index_list(self, indices, weights, grads, states):
        """One aggregated update of the parameters ``indices`` (MXNet's call with lists, which
        its multi-tensor tests and aggregated Updater make); float16 weights step on their
        float32 master copies (_tf_update)."""
        if not self._takes_index_lists:
            raise AssertionError('%s updates one parameter index at a time (of MXNet\'s '
                                 'optimizers, SGD, LAMB and LARS take lists)'
                                 % type(self).__name__)
        self._update_chunk(list(indices), list(weights), list(grads), list(states))

    def update_multi_precision(self, index, weight, grad, state):
        if isinstance(index, (list, tuple)):
            self._update_index_list(index, weight, grad, state)
            return
        if self.multi_precision and weight.dtype == np.float16:
            master, inner = state[0], state[1]
            self.update(index, master, grad.astype(np.float32), inner)
            weight[:] = master.astype(np.float16)
        else:
            self.update(index, weight, grad, state)

    def __getstate__(self):
        ret = self.__dict__.copy()
        ret.pop('param_dict', None)
        return ret

    def __setstate__(self, state):
        self.__dict__ = state
        self.param_dict = {}


def _map_state(state, fn):
    if state is None:
        return None
    if isinstance(state, (list, tuple)):
        return type(state)(_map_state(s, fn) for s in state)
    return fn(state)


def _lazy_update(step, weight, rows, state, args):
    """``step`` applied to the rows a row_sparse gradient ``rows`` stores, the weight's and
    states' other rows kept (MXNet's lazy update); written in place, so a step costs the rows
    it touches."""
    ids = rows.indices
    w_rows = _gather_rows(weight, ids)
    out = step(w_rows, tf.cast(rows.values, w_rows.dtype),
               _map_state(state, lambda a: _gather_rows(a, ids)), *args)
    _scatter_rows(weight, ids, out[0])

    def scatter(old, new):
        if old is None:
            return
        if isinstance(old, (list, tuple)):
            for o, n in zip(old, new):
                scatter(o, n)
            return
        _scatter_rows(old, ids, new)
    scatter(state, out[1])


def _plain_variable(arr):
    """The tf.Variable behind ``arr`` when it is a whole dense array outside autograd; a plain
    tensor's storage (an optimizer state) becomes a variable, so rows are written in place."""
    if type(arr) is not _nd.NDArray or arr._off is not None or arr._ag is not None or \
            arr._s.ag is not None:
        return None
    _nd.flush_pending()
    st = arr._s
    if st.var is None and not st.deferred and st.tensor is not None:
        with tf.device(st.ctx.tf_device):
            st.var = tf.Variable(st.tensor, trainable=False)
        st.tensor = None
    return st.var


def _gather_rows(arr, ids):
    var = _plain_variable(arr)
    return var.sparse_read(ids) if var is not None else tf.gather(arr._read(), ids)


def _scatter_rows(arr, ids, new):
    var = _plain_variable(arr)
    if var is not None:
        var.scatter_nd_update(ids[:, None], tf.cast(new, var.dtype))
    else:
        old = arr._read()
        arr._write(tf.tensor_scatter_nd_update(old, ids[:, None], tf.cast(new, old.dtype)))


def _write_state(state, new):
    if state is None:
        return
    if isinstance(state, (list, tuple)):
        for s, n in zip(state, new):
            _write_state(s, n)
        return
    state._write(tf.cast(new, state._s.dtype))


def flatten_state(state):
    """NDArrays of a state in order (None entries skipped)."""
    if state is None:
        return []
    if isinstance(state, (list, tuple)):
        out = []
        for s in state:
            out.extend(flatten_state(s))
        return out
    return [state]


register = Optimizer.register
create = Optimizer.create_optimizer


class Updater:
    """Applies an optimizer to (index, grad, weight), creating states on first use."""

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.states = {}
        self.states_synced = {}
        self.aggregate_updates = optimizer.aggregate_num > 0

    def __call__(self, index, grad, weight):
        if not isinstance(index, (list, tuple)):
            indices, grads, weights = [index], [grad], [weight]
        else:
            indices, grads, weights = list(index), list(grad), list(weight)
        if weights:
            self.optimizer._set_current_context(weights[0].context.device_id)
        for i, idx in enumerate(indices):
            if idx not in self.states:
                self.states[idx] = self.optimizer.create_state_multi_precision(idx, weights[i])
                self.states_synced[idx] = True
            elif not self.states_synced[idx]:
                self.states[idx] = self.sync_state_context(self.states[idx], weights[i].context)
                self.states_synced[idx] = True
        opt = self.optimizer
        if self.aggregate_updates and opt._eager_aggregate and type(opt)._is_builtin_update():
            # MXNet's aggregated Updater: per dtype, chunks of aggregate_num parameters
            groups = {}
            for i, w, g in zip(indices, weights, grads):
                groups.setdefault(w.dtype, []).append((i, w, g))
            for group in groups.values():
                for s in range(0, len(group), opt.aggregate_num):
                    idx, ws, gs = zip(*group[s:s + opt.aggregate_num])
                    opt._update_chunk(list(idx), list(ws), list(gs),
                                      [self.states[i] for i in idx])
            return
        for i, w, g in zip(indices, weights, grads):
            self.optimizer.update_multi_precision(i, w, g, self.states[i])

    def sync_state_context(self, state, context):
        if isinstance(state, _nd.NDArray):
            return state.as_in_context(context)
        if isinstance(state, (tuple, list)):
            synced = [self.sync_state_context(i, context) for i in state]
            return tuple(synced) if isinstance(state, tuple) else synced
        return state

    def set_states(self, states):
        """Load states from ``get_states`` bytes (tfmod's safe format or an MXNet pickle)."""
        states = loads_optimizer_states(states)
        if isinstance(states, tuple) and len(states) == 2:
            self.states, optimizer = states
            if optimizer is not None:
                self.optimizer = optimizer
        else:
            self.states = states
        counts = getattr(states, 'counts', None)
        if counts:  # tfmod's files: continue where training stopped (MXNet restarts counts)
            opt = self.optimizer
            opt.num_update = max(opt.num_update, counts[0])
            for dev, table in counts[1].items():
                opt._all_index_update_counts.setdefault(dev, {}).update(table)
            opt._index_update_count = opt._all_index_update_counts.setdefault(0, {})
        self.states_synced = dict.fromkeys(self.states.keys(), False)

    def get_states(self, dump_optimizer=False):
        """The states (and update counts) as bytes in tfmod's safe (non-pickle) format."""
        opt = self.optimizer
        return dumps_optimizer_states(self.states, opt if dump_optimizer else None,
                                      (opt.num_update, opt._all_index_update_counts))


def get_updater(optimizer):
    return Updater(optimizer)

