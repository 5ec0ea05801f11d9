"""BucketingModule: one Module per bucket key, sharing parameters and optimizer (MXNet 1.9.1).

``sym_gen(bucket_key) -> (symbol, data_names, label_names)`` builds the network of one bucket
(typically an RNN unrolled to the bucket's sequence length); it runs inside a fresh
``mx.name.NameManager()``, so auto-generated node names restart for every bucket. ``bind`` binds
the default bucket; every other bucket is bound the first time a batch with its ``bucket_key``
arrives (``forward`` / ``prepare`` / ``switch_bucket``) and is reused afterwards: each bucket's
executor compiles its TF functions once.

Sharing. Parameters, their gradients, auxiliary states and state inputs live once: a new
bucket's Module binds its executor group over the pool of every array bound so far (the default
bucket's plus any parameter that only some buckets use; ``Module._bind_shared``), so the
same-named arrays of all buckets are literally the same ``tf.Variable``s. All buckets use the default bucket's optimizer, Updater
and optimizer states. ``rescale_grad`` is 1/batch -- the batch axis of the default bucket's data,
not batch x sequence length. Updater indices are global: a parameter keeps its index in every
bucket, so each bucket's compiled update (forward + backward + update in one call) reads and
writes the one set of optimizer states.

Differences from MXNet 1.9.1, all where MXNet fails:
* a parameter used by some buckets only (not the default) works -- MXNet crashed;
* a bucket whose parameter shape differs from the shared one, or whose sym_gen names do not
  match the batch, raises MXNetError naming the bucket, the names and the shapes;
* ``save_checkpoint`` writes exactly MXNet's files (``prefix-%04d.params``,
  ``prefix-<key>-symbol.json`` per bucket, ``prefix.buckets``), taking each bucket's symbol from
  its module (MXNet re-ran sym_gen outside a NameManager, so only auto-generated node names can
  differ); it can also write ``prefix-%04d.states``, and ``load`` read it back.
"""
import logging
import warnings
from collections import OrderedDict

import numpy as np

from ..base import MXNetError
from ..context import cpu
from ..initializer import InitDesc, Uniform
from ..io import DataDesc
from ..name import NameManager
from ..ndarray import ndarray as _nd
from .. import optimizer as opt
from .param_init import init_param
from ..checkpoint import check_states_pair, load_params, save_params_and_states
from .base_module import BaseModule, _module_input_names
from .module import Module
from .python_module import _check


def _names(descs):
    return [d.name if isinstance(d, DataDesc) else d[0] for d in (descs or [])]


def _fmt(shape):
    return '(%s)' % ', '.join(str(int(s)) for s in shape) if len(shape) != 1 else \
        '(%d,)' % int(shape[0])


class _BucketModule(Module):
    """The Module of one bucket: a Module whose update uses the global parameter indices."""

    def __init__(self, owner, symbol, data_names, label_names, **kwargs):
        super().__init__(symbol, data_names, label_names, **kwargs)
        self._owner = owner

    def _updater_keys(self):
        """The key hook of Module's training step: this bucket's parameters under their
        global indices, so every bucket updates (and shares) one optimizer state each."""
        group = self._exec_group
        cached = getattr(self, '_keys_cache', None)
        if cached is None or cached[0] is not group:
            index = self._owner._param_index
            cached = (group, [index[n] for n in group.param_names])
            self._keys_cache = cached
        return list(cached[1])


class _PoolExec:
    """The arrays all buckets share on one device, by name -- what
    ``simple_bind(shared_exec=...)`` reads."""

    def __init__(self):
        self.arg_dict = OrderedDict()
        self.grad_dict = {}
        self.aux_dict = OrderedDict()


class _PoolGroup:
    """Per device, the shared arrays (``execs[k]`` is what device k's executor shares)."""

    def __init__(self, num_device=1):
        self.execs = [_PoolExec() for _ in range(num_device)]

    def args(self, name):
        return [pe.arg_dict[name] for pe in self.execs]

    def auxs(self, name):
        return [pe.aux_dict[name] for pe in self.execs]


def _device_mean(arrays):
    """The value of a parameter held on several devices (their mean, as MXNet syncs it)."""
    if len(arrays) == 1:
        return arrays[0]
    total = arrays[0].asnumpy().astype(np.float64)
    for a in arrays[1:]:
        total = total + a.asnumpy()
    return _nd.array((total / len(arrays)).astype(arrays[0].asnumpy().dtype),
                     dtype=arrays[0].dtype)


def _write_all(arrays, value):
    for a in arrays:
        a[:] = value


class BucketingModule(BaseModule):
    """Modules for variable-length inputs: one per bucket key, all sharing parameters.

    ``sym_gen(bucket_key)`` returns ``(symbol, data_names, label_names)``; batches carry a
    ``bucket_key`` (and ``provide_data`` / ``provide_label``) choosing the bucket."""

    def __init__(self, sym_gen, default_bucket_key=None, logger=logging, context=cpu(),
                 work_load_list=None, fixed_param_names=None, state_names=None, group2ctxs=None,
                 compression_params=None):
        super().__init__(logger=logger)
        _check(default_bucket_key is not None, 'BucketingModule needs a default_bucket_key')
        self._default_bucket_key = default_bucket_key
        self._sym_gen = sym_gen
        symbol, data_names, label_names = self._call_sym_gen(default_bucket_key)
        data_names, label_names, state_names, fixed_param_names = _module_input_names(
            symbol, data_names, label_names, state_names, fixed_param_names)
        self._compression_params = compression_params
        self._fixed_param_names = fixed_param_names
        self._state_names = state_names
        self._context = context
        self._work_load_list = work_load_list
        self._group2ctxs = group2ctxs
        self._buckets = OrderedDict()
        self._curr_module = None
        self._curr_bucket_key = None
        self._params_dirty = False
        self._monitor = None
        self._grad_req = None
        self._arg_params = None      # host copies, shared with every bucket's Module
        self._aux_params = None
        self._pool = _PoolGroup()
        self._param_index = OrderedDict()   # parameter name -> Updater index, for all buckets
        self._param_attrs = {}
        self._init_spec = None       # how init_params ran, for parameters of later buckets
        self._opt_name_rules = True  # the optimizer applies its by-name weight-decay rule

    # -- helpers ----------------------------------------------------------------------------------
    def _call_sym_gen(self, *args, **kwargs):
        with NameManager():
            return self._sym_gen(*args, **kwargs)

    def _new_module(self, bucket_key, symbol, data_names, label_names):
        try:
            return _BucketModule(self, symbol, data_names, label_names, logger=self.logger,
                                 context=self._context, work_load_list=self._work_load_list,
                                 fixed_param_names=self._fixed_param_names,
                                 state_names=self._state_names, group2ctxs=self._group2ctxs,
                                 compression_params=self._compression_params)
        except MXNetError as e:
            raise MXNetError('BucketingModule: bucket %r: %s' % (bucket_key, e)) from None

    def _reset_bind(self):
        """Forget the bound buckets. Parameter indices are kept, so optimizer states stay
        valid."""
        self.binded = False
        self._buckets = OrderedDict()
        self._curr_module = None
        self._curr_bucket_key = None
        self._pool = _PoolGroup()

    def _default_module(self):
        return self._buckets[self._default_bucket_key]

    def _require_bound(self, call, need_params=True, need_opt=False):
        ok = self.binded and (self.params_initialized or not need_params) and \
            (self.optimizer_initialized or not need_opt)
        if not ok:
            what = 'bind()' + (', init_params()' if need_params else '') + \
                (', init_optimizer()' if need_opt else '')
            self._require(False, call, what)

    def _dirty(self):
        return self._params_dirty or any(m._params_dirty for m in self._buckets.values())

    @staticmethod
    def _check_batch_names(bucket_key, module, data_shapes, label_shapes):
        given = _names(data_shapes)
        if sorted(given) != sorted(module.data_names):
            raise MXNetError('BucketingModule: bucket %r: sym_gen returned data_names %s but the '
                             'batch provides data %s' % (bucket_key, list(module.data_names),
                                                         given))
        given = _names(label_shapes)
        if given and sorted(given) != sorted(module.label_names):
            raise MXNetError('BucketingModule: bucket %r: sym_gen returned label_names %s but the '
                             'batch provides labels %s' % (bucket_key, list(module.label_names),
                                                           given))

    # -- names and shapes -------------------------------------------------------------------------
    @property
    def data_names(self):
        if self.binded:
            return self._curr_module.data_names
        _, data_names, _ = self._call_sym_gen(self._default_bucket_key)
        return data_names

    @property
    def output_names(self):
        if self.binded:
            return self._curr_module.output_names
        symbol, _, _ = self._call_sym_gen(self._default_bucket_key)
        return symbol.list_outputs()

    @property
    def data_shapes(self):
        self._require_bound('data_shapes', need_params=False)
        return self._curr_module.data_shapes

    @property
    def label_shapes(self):
        self._require_bound('label_shapes', need_params=False)
        return self._curr_module.label_shapes

    @property
    def output_shapes(self):
        self._require_bound('output_shapes', need_params=False)
        return self._curr_module.output_shapes

    @property
    def symbol(self):
        """The symbol of the current bucket."""
        self._require_bound('symbol', need_params=False)
        return self._curr_module.symbol

    def _metric_label_names(self):
        return self._curr_module.label_names if self._curr_module is not None else []

    # -- parameters -------------------------------------------------------------------------------
    @staticmethod
    def _host_entry(host, name, like):
        arr = host.get(name)
        if arr is None:
            arr = _nd.zeros(like.shape, dtype=like.dtype)
            host[name] = arr
        return arr

    def _sync_host(self):
        """Copy the shared device arrays into the host dicts (MXNet's sync from devices; several
        devices' copies are averaged)."""
        pool = self._pool
        for name in self._param_index:
            if name in pool.execs[0].arg_dict:
                arrays = pool.args(name)
                self._host_entry(self._arg_params, name, arrays[0])[:] = _device_mean(arrays)
        for name in pool.execs[0].aux_dict:
            arrays = pool.auxs(name)
            self._host_entry(self._aux_params, name, arrays[0])[:] = _device_mean(arrays)
        for mod in self._buckets.values():
            mod._params_dirty = False
        self._params_dirty = False

    def get_params(self):
        """(arg_params, aux_params) of all buckets' parameters, as host copies."""
        if not self.params_initialized:
            self._require(False, 'get_params', 'bind() and init_params()')
        if self.binded and self._dirty():
            self._sync_host()
        return (self._arg_params, self._aux_params)

    def init_params(self, initializer=Uniform(0.01), arg_params=None, aux_params=None,
                    allow_missing=False, force_init=False, allow_extra=False):
        """Initialise the shared parameters: values from ``arg_params`` / ``aux_params`` first,
        else ``initializer``. Parameters of buckets bound later are initialised the same way
        when they appear."""
        if self.params_initialized and not force_init:
            return
        _check(self.binded, 'call bind before initializing the parameters')
        if self.params_initialized and self._dirty():
            self._sync_host()
        spec = (initializer, arg_params, aux_params, allow_missing)
        pool = self._pool
        params = [n for n in self._param_index if n in pool.execs[0].arg_dict]
        for name in sorted(params):
            self._init_value(self._arg_params, name, pool.args(name)[0], spec, aux=False)
        for name in sorted(pool.execs[0].aux_dict):
            self._init_value(self._aux_params, name, pool.auxs(name)[0], spec, aux=True)
        for name in params:
            _write_all(pool.args(name), self._arg_params[name])
        for name in pool.execs[0].aux_dict:
            _write_all(pool.auxs(name), self._aux_params[name])
        self._init_spec = spec
        self._params_dirty = False
        for mod in self._buckets.values():
            if mod.binded:
                mod.params_initialized = True
                mod._params_dirty = False
        self.params_initialized = True

    def _init_value(self, host, name, like, spec, aux):
        """Set host[name] from the given params or the initializer (Module's rules)."""
        initializer, arg_params, aux_params, allow_missing = spec
        init_param(InitDesc(name, self._param_attrs.get(name)), self._host_entry(host, name, like),
                   aux_params if aux else arg_params, initializer, allow_missing,
                   'aux_params' if aux else 'arg_params')

    def set_params(self, arg_params, aux_params, allow_missing=False, force_init=True,
                   allow_extra=False):
        """Assign parameter values (values for buckets not bound yet are kept for them). With
        ``allow_missing`` MXNet hands the call to the current bucket's Module, so a name it does
        not have is a ValueError unless ``allow_extra``."""
        if self.params_initialized and not force_init:
            warnings.warn('Parameters already initialized and force_init=False. set_params call '
                          'ignored.', stacklevel=2)
            return
        if allow_missing and not allow_extra and self.binded:
            self._curr_module._exec_group.execs[0].check_param_names(arg_params, aux_params)
        self.init_params(initializer=None, arg_params=arg_params, aux_params=aux_params,
                         allow_missing=allow_missing, force_init=True, allow_extra=allow_extra)

    def get_states(self, merge_multi_context=True):
        self._require_bound('get_states')
        return self._curr_module.get_states(merge_multi_context=merge_multi_context)

    def set_states(self, states=None, value=None):
        self._require_bound('set_states')
        self._curr_module.set_states(states, value)

    # -- binding ----------------------------------------------------------------------------------
    def bind(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False,
             force_rebind=False, shared_module=None, grad_req='write'):
        """Bind the default bucket (``data_shapes`` / ``label_shapes`` are its shapes); other
        buckets bind when their first batch comes, with the same for_training,
        inputs_need_grad and grad_req. A rebind keeps the parameters and the optimizer."""
        if self.params_initialized:
            arg_params, aux_params = self.get_params()
        old_default = self._buckets.get(self._default_bucket_key)
        if force_rebind:
            self._reset_bind()
        if self.binded:
            self.logger.warning('Already bound, ignoring bind()')
            return
        _check(shared_module is None, 'shared_module for BucketingModule is not supported')
        key = self._default_bucket_key
        module = self._buckets.get(key)
        if module is None:
            symbol, data_names, label_names = self._call_sym_gen(key)
            module = self._new_module(key, symbol, data_names, label_names)
        self._check_batch_names(key, module, data_shapes, label_shapes)
        module.bind(data_shapes, label_shapes, for_training, inputs_need_grad,
                    force_rebind=False, shared_module=None, grad_req=grad_req)
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        self._grad_req = grad_req
        buckets = OrderedDict([(key, module)])
        buckets.update((k, m) for k, m in self._buckets.items() if k != key)
        self._buckets = buckets
        self._curr_module = module
        self._curr_bucket_key = key
        self._arg_params = module._arg_params
        self._aux_params = module._aux_params
        self._pool = _PoolGroup(len(module._exec_group.execs))
        self._adopt(key, module)
        if self._monitor is not None:
            module.install_monitor(self._monitor)
        if old_default is not None and old_default is not module and \
                old_default.optimizer_initialized:
            module.borrow_optimizer(old_default)     # rebound: same optimizer and states
        self.binded = True
        if self.params_initialized:
            self.set_params(arg_params, aux_params)

    def _adopt(self, bucket_key, module):
        """Check a freshly bound bucket shares every array it should; add its new arrays to the
        pool (and give new parameters their values once the parameters are initialised)."""
        execs = module._exec_group.execs
        pool = self._pool
        if len(execs) != len(pool.execs):
            raise MXNetError('BucketingModule: bucket %r has %d devices, the shared parameters '
                             '%d' % (bucket_key, len(execs), len(pool.execs)))
        # 1. nothing that should be shared may have been bound separately
        for exe, pe in zip(execs, pool.execs):
            for kind, names, mine, shared_dict in (
                    ('parameter', module._param_names, exe.arg_dict, pe.arg_dict),
                    ('auxiliary state', module._aux_names, exe.aux_dict, pe.aux_dict)):
                for name in names:
                    shared = shared_dict.get(name)
                    arr = mine[name]
                    if shared is not None and arr is not shared:
                        raise MXNetError(
                            'BucketingModule: bucket %r: %s %r has shape %s, but the %s shared '
                            'by all buckets has shape %s' % (
                                bucket_key, kind, name, _fmt(arr.shape), kind,
                                _fmt(shared.shape)))
        # 2. add what is new
        attrs = module.symbol.attr_dict()
        first = pool.execs[0]
        new_params = [n for n in module._exec_group.param_names if n not in first.arg_dict]
        new_aux = [n for n in module._aux_names if n not in first.aux_dict]
        for exe, pe in zip(execs, pool.execs):
            for name in module._exec_group.param_names:
                pe.arg_dict.setdefault(name, exe.arg_dict[name])
                g = exe.grad_dict.get(name)
                if g is not None:
                    pe.grad_dict.setdefault(name, g)
            for name in module._state_names:    # states are shared when their shapes agree
                pe.arg_dict.setdefault(name, exe.arg_dict[name])
            for name in module._aux_names:
                pe.aux_dict.setdefault(name, exe.aux_dict[name])
        for name in new_params:
            if name not in self._param_index:
                self._param_index[name] = len(self._param_index)
            self._param_attrs.setdefault(name, attrs.get(name))
        for name in new_aux:
            self._param_attrs.setdefault(name, attrs.get(name))
        if module is self._buckets.get(self._default_bucket_key) or not (new_params or new_aux):
            return
        # a parameter the default bucket does not have: give it its value now
        if self.params_initialized:
            spec = self._init_spec or (Uniform(0.01), None, None, False)
            try:
                for name in new_params:
                    self._init_new(self._arg_params, name, pool.args(name), spec, aux=False)
                for name in new_aux:
                    self._init_new(self._aux_params, name, pool.auxs(name), spec, aux=True)
            except MXNetError as e:
                raise MXNetError('BucketingModule: bucket %r introduces parameters %s: %s'
                                 % (bucket_key, new_params + new_aux, e)) from None
        if self.optimizer_initialized:
            self._register_with_optimizer(new_params)

    def _init_new(self, host, name, device_arrays, spec, aux):
        if not (name in host and tuple(host[name].shape) == tuple(device_arrays[0].shape)):
            host.pop(name, None)    # (a value already there: e.g. from a loaded checkpoint)
            self._init_value(host, name, device_arrays[0], spec, aux)
        _write_all(device_arrays, host[name])

    def _register_with_optimizer(self, names):
        """Tell the shared optimizer (and kvstore) about parameters that appeared after it was
        made, with the lr/wd multiplier rules Module applied to the default bucket's."""
        default = self._default_module()
        optimizer = default._optimizer
        if optimizer is None:
            return
        n = len(default._exec_group.execs)
        kv = default._kvstore
        for name in names:
            if name not in self._pool.execs[0].arg_dict:
                continue
            idx = self._param_index[name]
            for k in range(n):
                optimizer.idx2name.setdefault(idx * n + k, name)
            if self._opt_name_rules and not optimizer._decays_by_name(name):
                optimizer.wd_mult.setdefault(name, 0.0)
            if optimizer.sym_info:
                attr = self._param_attrs.get(name) or {}
                if '__lr_mult__' in attr:
                    optimizer.lr_mult.setdefault(name, float(attr['__lr_mult__']))
                if '__wd_mult__' in attr:
                    optimizer.wd_mult[name] = float(attr['__wd_mult__'])
            if kv is not None and name not in default._exec_group.param_names:
                try:
                    kv.init(name, self._arg_params[name])
                except MXNetError:
                    pass        # already in the store (an earlier rebind)

    def switch_bucket(self, bucket_key, data_shapes, label_shapes=None):
        """Make ``bucket_key`` the current bucket, binding it first if it is new."""
        self._switch(bucket_key, data_shapes, label_shapes)

    def _switch(self, bucket_key, data_shapes, label_shapes=None, batch=None):
        _check(self.binded, 'call bind before switching bucket')
        if bucket_key is None:
            bucket_key = self._default_bucket_key
        module = self._buckets.get(bucket_key)
        if module is None or not module.binded:
            self._bind_bucket(bucket_key, module, data_shapes, label_shapes, batch)
        self._curr_module = self._buckets[bucket_key]
        self._curr_bucket_key = bucket_key

    def _bind_bucket(self, bucket_key, module, data_shapes, label_shapes, batch):
        if module is None:
            symbol, data_names, label_names = self._call_sym_gen(bucket_key)
            module = self._new_module(bucket_key, symbol, data_names, label_names)
        if data_shapes is None and batch is not None and batch.data is not None:
            data_shapes = [DataDesc(n, d.shape) for n, d in zip(module.data_names, batch.data)]
            if label_shapes is None and batch.label:
                label_shapes = [DataDesc(n, d.shape) for n, d in zip(module.label_names,
                                                                     batch.label)]
        if data_shapes is None:
            raise MXNetError('BucketingModule: bucket %r is not bound yet; its data shapes are '
                             'needed (the batch has no provide_data)' % (bucket_key,))
        self._check_batch_names(bucket_key, module, data_shapes, label_shapes)
        curr = self._curr_module
        default = self._default_module()
        module._bind_shared(data_shapes, label_shapes, curr.for_training, curr.inputs_need_grad,
                            self._grad_req, self._pool, (self._arg_params, self._aux_params),
                            default if default.optimizer_initialized else None)
        self._adopt(bucket_key, module)
        if self._monitor is not None:
            module.install_monitor(self._monitor)
        self._buckets[bucket_key] = module

    def prepare(self, data_batch, sparse_row_id_fn=None):
        """Bind the batch's bucket if it is new (the current bucket stays current)."""
        self._require_bound('prepare')
        original = self._curr_bucket_key
        self._switch(data_batch.bucket_key, data_batch.provide_data, data_batch.provide_label,
                     batch=data_batch)
        self._curr_module.prepare(data_batch, sparse_row_id_fn=sparse_row_id_fn)
        self._switch(original, None, None)

    # -- optimizer --------------------------------------------------------------------------------
    def init_optimizer(self, kvstore='local', optimizer='sgd',
                       optimizer_params=(('learning_rate', 0.01),), force_init=False):
        """One optimizer (made by the default bucket's Module: rescale_grad = 1/batch), one
        Updater (or kvstore) for all buckets."""
        self._require_bound('init_optimizer')
        if self.optimizer_initialized and not force_init:
            self.logger.warning('optimizer already initialized, ignoring.')
            return
        if self._dirty():
            self._sync_host()
        self._opt_name_rules = not (isinstance(optimizer, opt.Optimizer) and
                                    not optimizer.idx2name)
        default = self._default_module()
        default.init_optimizer(kvstore, optimizer, optimizer_params, force_init=force_init)
        for mod in self._buckets.values():
            if mod is not default and mod.binded:
                mod.borrow_optimizer(default)
        self.optimizer_initialized = True
        self._register_with_optimizer(list(self._param_index))

    def save_optimizer_states(self, fname):
        """The shared optimizer states (tfmod's safe format)."""
        self._require_bound('save_optimizer_states', need_opt=True)
        self._default_module().save_optimizer_states(fname)

    def load_optimizer_states(self, fname):
        self._require_bound('load_optimizer_states', need_opt=True)
        self._default_module().load_optimizer_states(fname)

    # -- computation ------------------------------------------------------------------------------
    def forward(self, data_batch, is_train=None):
        """Switch to the batch's bucket (binding it if new) and run forward."""
        self._require_bound('forward')
        self._switch(data_batch.bucket_key, data_batch.provide_data, data_batch.provide_label,
                     batch=data_batch)
        self._curr_module.forward(data_batch, is_train=is_train)

    def backward(self, out_grads=None):
        self._require_bound('backward')
        self._curr_module.backward(out_grads=out_grads)

    def update(self):
        """Update the shared parameters from the current bucket's gradients."""
        self._require_bound('update', need_opt=True)
        self._params_dirty = True
        self._curr_module.update()

    def get_outputs(self, merge_multi_context=True):
        self._require_bound('get_outputs')
        return self._curr_module.get_outputs(merge_multi_context=merge_multi_context)

    def get_input_grads(self, merge_multi_context=True):
        self._require_bound('get_input_grads')
        _check(self.inputs_need_grad, 'get_input_grads needs bind(inputs_need_grad=True)')
        return self._curr_module.get_input_grads(merge_multi_context=merge_multi_context)

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        self._require_bound('update_metric')
        self._curr_module.update_metric(eval_metric, labels, pre_sliced)

    def install_monitor(self, mon):
        """Install ``mon`` on every bucket's executors, present and future."""
        self._require_bound('install_monitor', need_params=False)
        self._monitor = mon
        for mod in self._buckets.values():
            if mod.binded:
                mod.install_monitor(mon)

    # -- checkpoints ------------------------------------------------------------------------------
    def save_checkpoint(self, prefix, epoch, remove_amp_cast=False, save_optimizer_states=False):
        """MXNet 1.9.1's bucketing checkpoint: ``prefix-%04d.params`` (the shared parameters),
        ``prefix-<key>-symbol.json`` for every bucket, ``prefix.buckets`` (the keys, an int32
        array saved with nd.save); with ``save_optimizer_states`` also ``prefix-%04d.states``."""
        _check(len(self._buckets) > 0, 'Empty BucketingModule cannot be saved')
        keys = list(self._buckets.keys())
        for k in keys:
            if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
                raise MXNetError('BucketingModule.save_checkpoint: MXNet stores bucket keys as '
                                 'int32; bucket key %r is not an integer' % (k,))
        param_name = '%s-%04d.params' % (prefix, epoch)
        for key, mod in self._buckets.items():
            mod.symbol.save('%s-%s-symbol.json' % (prefix, key), remove_amp_cast=remove_amp_cast)
        from ..ndarray import save as nd_save
        nd_save('%s.buckets' % prefix, _nd.array(np.asarray(keys, dtype=np.int32),
                                                 dtype=np.int32))
        # states first, params last, the states recording the params they belong to
        state_name = '%s-%04d.states' % (prefix, epoch) if save_optimizer_states else None
        if save_optimizer_states:
            self._require_bound('save_optimizer_states', need_opt=True)
        states = self._default_module()._optimizer_states_bytes() \
            if save_optimizer_states else None
        arg_params, aux_params = self.get_params()
        save_params_and_states(param_name, arg_params, aux_params, state_name, states)
        logging.info('Saved checkpoint to "%s"', param_name)
        if save_optimizer_states:
            logging.info('Saved optimizer state to "%s"', state_name)

    @staticmethod
    def load(prefix, epoch, sym_gen=None, default_bucket_key=None, load_optimizer_states=False,
             **kwargs):
        """A BucketingModule from ``save_checkpoint``'s files (MXNet's or tfmod's). Each saved
        bucket gets its saved symbol and sym_gen's data/label names; ``bind`` next. With
        ``load_optimizer_states``, ``prefix-%04d.states`` is applied by ``init_optimizer``."""
        from ..ndarray import load as nd_load
        from ..symbol import load as sym_load
        _check(sym_gen is not None, 'sym_gen is required for loading BucketingModule')
        _check(default_bucket_key is not None,
               'default_bucket_key is required for loading BucketingModule')
        saved = nd_load('%s.buckets' % prefix)
        saved = saved[0] if isinstance(saved, list) else list(saved.values())[0]
        keys = [int(k) for k in saved.asnumpy().astype('int32').reshape(-1)]
        mod = BucketingModule(sym_gen, default_bucket_key, **kwargs)
        for key in keys:
            _, data_names, label_names = mod._call_sym_gen(key)
            symbol = sym_load('%s-%s-symbol.json' % (prefix, key))
            mod._buckets[key] = mod._new_module(key, symbol, data_names, label_names)
        if default_bucket_key not in mod._buckets:
            symbol, data_names, label_names = mod._call_sym_gen(default_bucket_key)
            mod._buckets[default_bucket_key] = mod._new_module(default_bucket_key, symbol,
                                                               data_names, label_names)
        arg_params, aux_params = load_params(prefix, epoch)
        mod._adopt_loaded(arg_params, aux_params)
        if load_optimizer_states:
            mod._default_module()._preload_opt_states = '%s-%04d.states' % (prefix, epoch)
            check_states_pair(mod._default_module()._preload_opt_states)
        return mod

    @staticmethod
    def load_dict(sym_dict=None, sym_gen=None, default_bucket_key=None, arg_params=None,
                  aux_params=None, **kwargs):
        """A BucketingModule from ``{bucket_key: symbol}`` and shared arg/aux params."""
        for what, val in (('sym_dict', sym_dict), ('arg_params', arg_params),
                          ('aux_params', aux_params), ('default_bucket_key', default_bucket_key)):
            _check(val is not None, '%s needs to be provided for BucketingModule.load_dict'
                   % what)
        mod = BucketingModule(sym_gen, default_bucket_key, **kwargs)
        for key, loaded in sym_dict.items():
            _, data_names, label_names = mod._call_sym_gen(key)
            mod._buckets[key] = mod._new_module(key, loaded, data_names, label_names)
        if default_bucket_key not in mod._buckets:
            raise MXNetError('sym_dict has no symbol for the default bucket %r'
                             % (default_bucket_key,))
        mod._adopt_loaded(arg_params, aux_params)
        return mod

    def _adopt_loaded(self, arg_params, aux_params):
        default = self._default_module()
        default._arg_params = arg_params
        default._aux_params = aux_params
        default.params_initialized = True
        self._arg_params = arg_params
        self._aux_params = aux_params
        self._curr_module = default
        self._curr_bucket_key = self._default_bucket_key
        self._init_spec = (None, arg_params, aux_params, False)
        self.params_initialized = True
