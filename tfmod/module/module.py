"""Module: a Symbol bound to devices, trained by an optimizer -- MXNet 1.9.1's Module API.

With a built-in optimizer, ``forward_backward`` + ``update`` is one compiled TF call per batch on
one device or several (train_step.py); the executors defer their forward and backward until the
update, or until something reads their results.
"""
import logging
import os
import warnings

import numpy as np

from ..base import MXNetError
from ..context import Context, cpu
from ..initializer import InitDesc, Uniform
from ..io import DataDesc
from ..ndarray import ndarray as _nd
from .. import optimizer as opt
from .base_module import BaseModule, _module_input_names, _parse_data_desc
from .executor_group import ExecutorGroup
from .param_init import init_param
from .sparse_params import SparseParams, all_rows_sparse, full_rows, row_sparse_grad
from .train_step import TrainStep
from ..kvstore.kvstore import KVStore as _KVStore
from ..checkpoint import check_states_pair, load_checkpoint, save_params_and_states
from ..states_file import (check_states_for_weights, index_named_states,
                           load_optimizer_states_file, loads_optimizer_states,
                           name_positional_states, save_optimizer_states_file)


def _create_kvstore(kvstore, num_device, arg_params):
    """(kvstore or None, update_on_kvstore) as MXNet decides them: no store for one device and a
    non-dist type; updates on the store unless MXNET_UPDATE_ON_KVSTORE=0 or, for 'local', a
    parameter has more than 16M elements."""
    if kvstore is None:
        return None, False
    if isinstance(kvstore, str) and num_device == 1 and 'dist' not in kvstore:
        return None, False
    from .. import kvstore as kvs
    update_on_kvstore = bool(int(os.getenv('MXNET_UPDATE_ON_KVSTORE', '1')))
    if isinstance(kvstore, kvs.KVStore):
        kv = kvstore
    elif isinstance(kvstore, str):
        kv = kvs.create(kvstore)
        if kvstore == 'local':
            max_size = max(int(np.prod(p.shape)) for p in arg_params.values()) \
                if arg_params else 0
            if max_size > 1024 * 1024 * 16:
                update_on_kvstore = False
    else:
        raise MXNetError('kvstore must be KVStore, str or None')
    return kv, update_on_kvstore and kv.is_capable(kvs.KVStore.OPTIMIZER)


class Module(BaseModule):
    """A module over one Symbol: bind, init_params, init_optimizer, forward/backward/update."""

    def __init__(self, symbol, data_names=('data',), label_names=('softmax_label',),
                 logger=logging, context=cpu(), work_load_list=None, fixed_param_names=None,
                 state_names=None, group2ctxs=None, compression_params=None):
        super().__init__(logger=logger)
        if isinstance(context, Context):
            context = [context]
        self._context = list(context)
        if work_load_list is None:
            work_load_list = [1] * len(self._context)
        if len(work_load_list) != len(self._context):
            raise MXNetError('work_load_list has %d entries for %d contexts'
                             % (len(work_load_list), len(self._context)))
        self._work_load_list = work_load_list
        self._group2ctxs = group2ctxs
        self._symbol = symbol
        data_names, label_names, state_names, fixed_param_names = _module_input_names(
            symbol, data_names, label_names, state_names, fixed_param_names)
        arg_names = symbol.list_arguments()
        input_names = data_names + label_names + state_names
        self._param_names = [x for x in arg_names if x not in input_names]
        self._fixed_param_names = fixed_param_names
        self._aux_names = symbol.list_auxiliary_states()
        self._data_names = data_names
        self._label_names = label_names
        self._state_names = state_names
        self._output_names = symbol.list_outputs()
        self._arg_params = None
        self._aux_params = None
        self._params_dirty = False
        self._compression_params = compression_params
        self._optimizer = None
        self._kvstore = None
        self._update_on_kvstore = None
        self._updater = None
        self._preload_opt_states = None
        self._grad_req = None
        self._exec_group = None
        self._data_shapes = None
        self._label_shapes = None
        self._train_step = None
        # row_sparse parameters and gradients (sparse_params.py, read from the symbol on first
        # use); the last batch's inputs give the rows a row_sparse gradient holds
        self._sparse_facts = None
        self._sparse_inputs = {}

    @property
    def _sparse(self):
        if self._sparse_facts is None:
            self._sparse_facts = SparseParams(self._symbol, self._param_names)
        return self._sparse_facts

    @staticmethod
    def load(prefix, epoch, load_optimizer_states=False, **kwargs):
        """A Module from ``prefix-symbol.json`` + ``prefix-%04d.params`` (+ ``.states``)."""
        sym, args, auxs = load_checkpoint(prefix, epoch)
        mod = Module(symbol=sym, **kwargs)
        mod._arg_params = args
        mod._aux_params = auxs
        mod.params_initialized = True
        if load_optimizer_states:
            mod._preload_opt_states = '%s-%04d.states' % (prefix, epoch)
            check_states_pair(mod._preload_opt_states)   # a mismatched pair fails at load
        return mod

    def save_checkpoint(self, prefix, epoch, save_optimizer_states=False, remove_amp_cast=True):
        """``prefix-symbol.json``, ``prefix-%04d.params`` and optionally ``.states``; the
        ``.states`` (written first) records the ``.params`` (written last) it belongs to."""
        self._symbol.save('%s-symbol.json' % prefix, remove_amp_cast=remove_amp_cast)
        param_name = '%s-%04d.params' % (prefix, epoch)
        state_name = '%s-%04d.states' % (prefix, epoch) if save_optimizer_states else None
        states = self._optimizer_states_bytes() if save_optimizer_states else None
        arg_params, aux_params = self.get_params()
        save_params_and_states(param_name, arg_params, aux_params, state_name, states)
        logging.info('Saved checkpoint to "%s"', param_name)
        if save_optimizer_states:
            logging.info('Saved optimizer state to "%s"', state_name)

    def _reset_bind(self):
        self.binded = False
        self._exec_group = None
        self._data_shapes = None
        self._label_shapes = None
        self._train_step = None

    # -- properties -------------------------------------------------------------------------------
    @property
    def data_names(self):
        return self._data_names

    @property
    def label_names(self):
        return self._label_names

    @property
    def output_names(self):
        return self._output_names

    @property
    def data_shapes(self):
        self._require(self.binded, 'data_shapes', 'bind()')
        return self._data_shapes

    @property
    def label_shapes(self):
        self._require(self.binded, 'label_shapes', 'bind()')
        return self._label_shapes

    @property
    def output_shapes(self):
        self._require(self.binded, 'output_shapes', 'bind()')
        return self._exec_group.get_output_shapes()

    # -- parameters -------------------------------------------------------------------------------
    def get_params(self):
        self._require(self.binded and self.params_initialized, 'get_params',
                      'bind() and init_params()')
        if self._params_dirty:
            self._sync_params_from_devices()
        if not self._sparse.row_sparse:
            return (self._arg_params, self._aux_params)
        # MXNet keeps a Variable(stype='row_sparse') weight row_sparse in get_params (and so in
        # save_checkpoint's file); tfmod holds it dense
        args = dict(self._arg_params)
        for name in self._sparse.row_sparse:
            args[name] = all_rows_sparse(args[name])
        return (args, self._aux_params)

    def init_params(self, initializer=Uniform(0.01), arg_params=None, aux_params=None,
                    allow_missing=False, force_init=False, allow_extra=False):
        """Initialise parameters from given values, else by ``initializer``. Values missing from
        given dicts need ``allow_missing``; a dict not given at all is left to the initializer
        (an explicit ``initializer=None`` then raises TypeError, as in MXNet)."""
        if self.params_initialized and not force_init:
            warnings.warn('Parameters already initialized and force_init=False. init_params call '
                          'ignored.', stacklevel=2)
            return
        self._require(self.binded, 'init_params', 'bind()')

        attrs = self._symbol.attr_dict()
        for name, arr in sorted(self._arg_params.items()):
            init_param(InitDesc(name, attrs.get(name, None)), arr, arg_params, initializer,
                       allow_missing, 'arg_params')
        for name, arr in sorted(self._aux_params.items()):
            init_param(InitDesc(name, attrs.get(name, None)), arr, aux_params, initializer,
                       allow_missing, 'aux_params')
        # Given params that the module does not have are ignored, as in MXNet.
        self.params_initialized = True
        self._params_dirty = False
        self._exec_group.set_params(self._arg_params, self._aux_params, allow_extra=True)

    def set_params(self, arg_params, aux_params, allow_missing=False, force_init=True,
                   allow_extra=False):
        """Assign parameter values. With ``allow_missing`` the given values go straight to the
        devices (names not given keep their values; unknown names raise ValueError unless
        ``allow_extra``), as in MXNet."""
        if not allow_missing:
            self.init_params(initializer=None, arg_params=arg_params, aux_params=aux_params,
                             allow_missing=allow_missing, force_init=force_init,
                             allow_extra=allow_extra)
            return
        if self.params_initialized and not force_init:
            warnings.warn('Parameters already initialized and force_init=False. set_params call '
                          'ignored.', stacklevel=2)
            return
        self._require(self.binded, 'set_params', 'bind()')
        self._exec_group.set_params(arg_params, aux_params, allow_extra=allow_extra)
        self._params_dirty = True
        self.params_initialized = True

    def _sync_params_from_devices(self):
        self._exec_group.get_params(self._arg_params, self._aux_params)
        if self._kvstore and self._update_on_kvstore:   # row_sparse weights: the store's rows
            for name in self._sparse.row_sparse:
                whole = _sparse_zeros(self._arg_params[name])
                self._kvstore.row_sparse_pull(name, whole, row_ids=full_rows(whole))
                self._arg_params[name][:] = whole.tostype('default')
        self._params_dirty = False

    # -- binding ----------------------------------------------------------------------------------
    def bind(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False,
             force_rebind=False, shared_module=None, grad_req='write'):
        """Bind the symbol to data/label shapes (lists of DataDesc or (name, shape))."""
        if force_rebind:
            self._reset_bind()
        if self.binded:
            self.logger.warning('Already bound, ignoring bind()')
            return
        if shared_module is None:
            self._bind_shared(data_shapes, label_shapes, for_training, inputs_need_grad,
                              grad_req)
            return
        if not (isinstance(shared_module, Module) and shared_module.binded and
                shared_module.params_initialized):
            raise MXNetError('shared_module must be a bound Module with initialized params')
        self._bind_shared(data_shapes, label_shapes, for_training, inputs_need_grad, grad_req,
                          shared_module._exec_group,
                          (shared_module._arg_params, shared_module._aux_params),
                          shared_module if shared_module.optimizer_initialized else None)

    def _bind_shared(self, data_shapes, label_shapes, for_training, inputs_need_grad, grad_req,
                     shared_group=None, shared_params=None, optimizer_from=None):
        """bind's work, with what is shared given directly (see _bind_group)."""
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        self._grad_req = grad_req
        if not for_training and inputs_need_grad:
            raise MXNetError('inputs_need_grad=True requires for_training=True')
        self._data_shapes, self._label_shapes = _parse_data_desc(
            self.data_names, self.label_names, data_shapes, label_shapes)
        self._bind_group(shared_group, shared_params, optimizer_from)

    def _bind_group(self, shared_group=None, shared_params=None, optimizer_from=None):
        """Make the executor group for the parsed shapes. ``shared_group``: whose arrays (by
        name, per device) the executors reuse; ``shared_params``: the (arg, aux) dicts to share;
        ``optimizer_from``: a module whose optimizer/kvstore/updater this one borrows -- what
        ``bind(shared_module=...)`` passes, and BucketingModule for its buckets (its pool of
        every bucket's arrays, its own parameter dicts, the default bucket's optimizer)."""
        self._exec_group = ExecutorGroup(
            self._symbol, self._context, self._work_load_list, self._data_shapes,
            self._label_shapes, self._param_names, self.for_training, self.inputs_need_grad,
            shared_group, logger=self.logger, fixed_param_names=self._fixed_param_names,
            grad_req=self._grad_req, state_names=self._state_names, group2ctxs=self._group2ctxs)
        if shared_params is not None:
            self.params_initialized = True
            self._arg_params, self._aux_params = shared_params
        elif self.params_initialized:
            self._exec_group.set_params(self._arg_params, self._aux_params, allow_extra=True)
        else:
            self._arg_params = {name: _nd.zeros(arr[0].shape, dtype=arr[0].dtype)
                                for name, arr in zip(self._param_names,
                                                     self._exec_group.param_arrays)}
            self._aux_params = {name: _nd.zeros(arr[0].shape, dtype=arr[0].dtype)
                                for name, arr in zip(self._aux_names,
                                                     self._exec_group.aux_arrays)}
        if optimizer_from is not None:
            self.borrow_optimizer(optimizer_from)
        self.binded = True

    def reshape(self, data_shapes, label_shapes=None):
        """Rebind for new input shapes (parameters are shared)."""
        self._require(self.binded, 'reshape', 'bind()')
        data_shapes, label_shapes = _parse_data_desc(
            self.data_names, self.label_names, data_shapes, label_shapes)
        self._exec_group.reshape(data_shapes, label_shapes)  # raises before changing anything
        self._data_shapes, self._label_shapes = data_shapes, label_shapes
        self._train_step = None

    # -- optimizer --------------------------------------------------------------------------------
    def init_optimizer(self, kvstore='local', optimizer='sgd',
                       optimizer_params=(('learning_rate', 0.01),), force_init=False):
        """Create the optimizer (rescale_grad = 1/batch when given by name) and its updater."""
        self._require(self.binded and self.params_initialized, 'init_optimizer',
                      'bind() and init_params()')
        if self.optimizer_initialized and not force_init:
            self.logger.warning('optimizer already initialized, ignoring...')
            return
        if self._params_dirty:
            self._sync_params_from_devices()
        kvstore, update_on_kvstore = _create_kvstore(kvstore, len(self._context),
                                                     self._arg_params)
        batch_size = self._exec_group.batch_size
        if kvstore and 'dist' in kvstore.type and '_sync' in kvstore.type:
            batch_size *= kvstore.num_workers
        rescale_grad = 1.0 / batch_size
        idx2name = {}
        if update_on_kvstore:
            idx2name.update(enumerate(self._exec_group.param_names))
        else:
            n = len(self._context)
            for k in range(n):
                idx2name.update({i * n + k: name
                                 for i, name in enumerate(self._exec_group.param_names)})
        if isinstance(optimizer, str):
            optimizer_params = dict(optimizer_params)
            if 'rescale_grad' not in optimizer_params:
                optimizer_params['rescale_grad'] = rescale_grad
            optimizer = opt.create(optimizer, sym=self.symbol, param_idx2name=idx2name,
                                   **optimizer_params)
        else:
            if not isinstance(optimizer, opt.Optimizer):
                raise MXNetError('optimizer must be a name or an mx.optimizer.Optimizer')
            if optimizer.rescale_grad != rescale_grad:
                warnings.warn('Optimizer created manually outside Module but rescale_grad is not '
                              'normalized to 1.0/batch_size/num_workers (%s vs. %s). Is this '
                              'intended?' % (optimizer.rescale_grad, rescale_grad), stacklevel=2)
            if not optimizer.idx2name:
                optimizer.idx2name = idx2name.copy()
        self._optimizer = optimizer
        self._kvstore = kvstore
        self._update_on_kvstore = update_on_kvstore
        self._updater = None
        self._train_step = None
        if kvstore:
            if self._compression_params:
                kvstore.set_gradient_compression(self._compression_params)
            if update_on_kvstore:
                kvstore.set_optimizer(self._optimizer)
            for idx, name in enumerate(self._exec_group.param_names):
                if name in self._sparse.row_sparse:   # pulled by prepare(), row by row
                    kvstore.init(name, self._arg_params[name].tostype('row_sparse'))
                    continue
                kvstore.init(name, self._arg_params[name])
                if update_on_kvstore:
                    kvstore.pull(name, self._exec_group.param_arrays[idx], priority=-idx)
        if not update_on_kvstore:
            self._updater = opt.get_updater(optimizer)
        self.optimizer_initialized = True
        if self._preload_opt_states is not None:
            self.load_optimizer_states(self._preload_opt_states)
            self._preload_opt_states = None

    def borrow_optimizer(self, shared_module):
        """Use another module's optimizer, kvstore and updater."""
        if not shared_module.optimizer_initialized:
            raise MXNetError('the shared module has no optimizer yet')
        self._optimizer = shared_module._optimizer
        self._kvstore = shared_module._kvstore
        self._update_on_kvstore = shared_module._update_on_kvstore
        self._updater = shared_module._updater
        self._train_step = None
        self.optimizer_initialized = True

    def prepare(self, data_batch, sparse_row_id_fn=None):
        """Pull the rows of each row_sparse weight that ``sparse_row_id_fn(data_batch)`` names
        ({name: row ids}) from the kvstore into the devices (MXNet's prepare): only when the
        store updates the weights."""
        if not self.binded:
            raise MXNetError('prepare() needs bind() first')
        if sparse_row_id_fn is None:
            return
        if not self._kvstore or not self._update_on_kvstore:
            warnings.warn(UserWarning('Parameters are not updated in the KVStore. No need to '
                                      'call sparse_row_id_fn.'), stacklevel=2)
            return
        row_ids = sparse_row_id_fn(data_batch)
        if not isinstance(row_ids, dict):
            raise MXNetError('Expected dict output from sparse_row_id_fn, got %s'
                             % type(row_ids).__name__)
        group = self._exec_group
        for name, rows in row_ids.items():
            if name not in group.param_names:
                raise MXNetError('sparse_row_id_fn: %r is not a parameter of the module' % name)
            if name not in self._sparse.row_sparse:
                warnings.warn(UserWarning("%s.stype is not 'row_sparse'. No need to perform "
                                          'row_sparse_pull.' % name), stacklevel=2)
                continue
            idx = group.param_names.index(name)
            for arr in group.param_arrays[idx]:   # the device's weight holds just these rows
                pulled = _sparse_zeros(arr)
                self._kvstore.row_sparse_pull(name, pulled, row_ids=rows, priority=-idx)
                arr[:] = pulled.tostype('default')

    # -- computation ------------------------------------------------------------------------------
    def forward(self, data_batch, is_train=None):
        """Forward; a batch whose size differs from the bound one reshapes first (as MXNet)."""
        self._require(self.binded and self.params_initialized, 'forward',
                      'bind() and init_params()')
        curr = tuple(i.shape for i in self._data_shapes)
        if isinstance(data_batch, list):
            raise MXNetError('a list of batches needs a multi-device module')
        if data_batch.data is None:
            raise MXNetError('forward: the batch has no data')
        new = tuple(i.shape for i in data_batch.data)
        if curr != new:
            if getattr(data_batch, 'provide_data', None):
                new_dshape = data_batch.provide_data
            else:
                new_dshape = [DataDesc(i.name, shape, i.dtype, i.layout)
                              for i, shape in zip(self._data_shapes, new)]
            if getattr(data_batch, 'provide_label', None):
                new_lshape = data_batch.provide_label
            elif getattr(data_batch, 'label', None):
                new_lshape = [DataDesc(i.name, j.shape, i.dtype, i.layout)
                              for i, j in zip(self._label_shapes, data_batch.label)]
            else:
                new_lshape = None
            bound = [(d.name, d.shape) for d in self._data_shapes]
            try:
                self.reshape(new_dshape, new_lshape)
            except MXNetError as e:
                raise MXNetError('forward: the batch (data %s) does not fit the module bound '
                                 'with %s and cannot be reshaped to it: %s'
                                 % ([tuple(d.shape) for d in data_batch.data], bound, e)) \
                    from None
        if self._sparse:
            # by the bound shapes' order, as the executors are fed (an iterator's provide_data
            # may order the inputs differently from the Module's data_names)
            group = self._exec_group
            self._sparse_inputs = dict(zip(group.data_names, data_batch.data or []))
            self._sparse_inputs.update(zip(group.label_names, data_batch.label or []))
        self._exec_group.forward(data_batch, is_train)

    def backward(self, out_grads=None):
        self._require(self.binded and self.params_initialized, 'backward',
                      'bind() and init_params()')
        self._exec_group.backward(out_grads=out_grads)

    def update(self):
        """Apply the optimizer to the gradients of the last backward."""
        self._require(self.binded and self.params_initialized and self.optimizer_initialized,
                      'update', 'bind(), init_params() and init_optimizer()')
        self._params_dirty = True
        if self._compiled_step():
            return
        _nd.flush_pending()
        if self._update_on_kvstore:
            self._update_with_kvstore()
        else:
            self._update_per_param()

    def _updater_keys(self):
        """Each parameter's index in the Updater (BucketingModule's buckets use the global
        indices of their parameters: the key hook of the shared step)."""
        return list(range(len(self._exec_group.param_names)))

    def _step_for(self):
        """The compiled step for the current executors and optimizer, or None when this
        configuration takes the per-parameter path: a Python optimizer, a kvstore whose push
        is overridden, or several devices with the updates done per device."""
        group = self._exec_group
        if self._sparse and not self._sparse_compiles():
            return None     # row_sparse weights or dense-computed gradients: the eager path
        if self._update_on_kvstore:
            kv = self._kvstore
            if kv._updater is None or type(kv).push is not _KVStore.push:
                return None
            updater, keys, store = kv._updater, list(group.param_names), kv._stored
            cluster = kv._strategy
            if cluster is not None and self._sparse:
                return None     # several workers sum row_sparse gradients densely (kvstore)
        elif self._kvstore is None and len(group.execs) == 1:
            updater, keys, store = self._updater, self._updater_keys(), None
            cluster = None
        else:
            return None
        if updater is None or not type(updater.optimizer)._is_builtin_update():
            return None
        st = self._train_step
        if st is None or st.updater is not updater or st.store != store or \
                st.keys != keys or len(st.execs) != len(group.execs) or \
                any(a is not b for a, b in zip(st.execs, group.execs)):
            st = TrainStep(group.execs, updater, group.param_names, keys, store, cluster)
            self._train_step = st
        return st

    def _sparse_compiles(self):
        """Whether the compiled step takes this sparse module: no row_sparse weights (their
        rows come from prepare's pulls) and every row_sparse gradient the executor's own."""
        group = self._exec_group
        return not self._sparse.row_sparse and all(
            g is None or g.stype == 'row_sparse'
            for name, grads in zip(group.param_names, group.grad_arrays)
            if name in self._sparse.grads for g in grads)

    def _compiled_step(self):
        """Run the update as one compiled call (fused with every device's deferred
        forward+backward when they all have one); False when it takes the eager path."""
        st = self._step_for()
        if st is None:
            return False
        execs = self._exec_group.execs
        steps = [e.take_pending_step() for e in execs]
        if any(s is None for s in steps):
            # a monitor is active, or the gradients are already computed: run the pending
            # work as it is, then update from the grad arrays
            for e, s in zip(execs, steps):
                if s is not None:
                    e._pending = s
                    _nd.defer(e)
            steps = None
        _nd.flush_pending()
        st(steps)
        return True

    def _update_per_param(self):
        """The per-parameter path (a user's own optimizer in mx.nd, or several devices without
        the store updating): MXNet's _update_params, with updater index key * devices + k."""
        n = len(self._context)
        updates = [[] for _ in range(n)]
        for key, name, arg_list, grad_list in zip(self._updater_keys(),
                                                  self._exec_group.param_names,
                                                  self._exec_group.param_arrays,
                                                  self._exec_group.grad_arrays):
            if grad_list[0] is None:
                continue
            grad_list = self._sparse_grads(name, grad_list)
            if self._kvstore:
                self._kvstore.pushpull(name, grad_list, priority=-key)
            for k, (w, g) in enumerate(zip(arg_list, grad_list)):
                updates[k].append((key * n + k, g, w, name in self._sparse.row_sparse))
        for dev_updates in updates:
            if dev_updates:
                # a row_sparse weight is updated as one, as in MXNet: the optimizers' rules
                # differ for it (Ftrl's lazy update keeps the rows the gradient lacks)
                i, g, w, rsp = zip(*dev_updates)
                ws = [all_rows_sparse(a) if r else a for a, r in zip(w, rsp)]
                self._updater(list(i), list(g), ws)
                for a, b, r in zip(w, ws, rsp):
                    if r:
                        a[:] = b.tostype('default')

    def _update_with_kvstore(self):
        """MXNet's _update_params_on_kvstore: the store sums the gradients, applies the
        optimizer to its copy of each weight, and every device pulls the result."""
        kv = self._kvstore
        for index, (arg_list, grad_list) in enumerate(zip(self._exec_group.param_arrays,
                                                          self._exec_group.grad_arrays)):
            if grad_list[0] is None:
                continue
            name = self._exec_group.param_names[index]
            if name in self._sparse.row_sparse:   # pushed only: prepare() pulls its rows
                kv.push(name, self._sparse_grads(name, grad_list), priority=-index)
                continue
            kv.pushpull(name, self._sparse_grads(name, grad_list), out=arg_list,
                        priority=-index)

    def _sparse_grads(self, name, grad_list):
        """``grad_list`` as row_sparse gradients holding the rows the last batch touched, when
        MXNet's gradient of ``name`` is row_sparse (sparse_params.py); else as it is."""
        if name not in self._sparse.grads or all(g.stype == 'row_sparse' for g in grad_list):
            return grad_list    # not row_sparse in MXNet, or already (the executor's own)
        rows = self._sparse.rows(name, self._sparse_inputs, grad_list)
        return [row_sparse_grad(g, rows) for g in grad_list]

    def get_outputs(self, merge_multi_context=True):
        self._require(self.binded and self.params_initialized, 'get_outputs',
                      'bind() and init_params()')
        return self._exec_group.get_outputs(merge_multi_context=merge_multi_context)

    def get_input_grads(self, merge_multi_context=True):
        self._require(self.binded and self.params_initialized and self.inputs_need_grad,
                      'get_input_grads', 'bind(inputs_need_grad=True) and init_params()')
        return self._exec_group.get_input_grads(merge_multi_context=merge_multi_context)

    def get_states(self, merge_multi_context=True):
        self._require(self.binded and self.params_initialized, 'get_states',
                      'bind() and init_params()')
        return self._exec_group.get_states(merge_multi_context=merge_multi_context)

    def set_states(self, states=None, value=None):
        self._require(self.binded and self.params_initialized, 'set_states',
                      'bind() and init_params()')
        self._exec_group.set_states(states, value)

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        self._exec_group.update_metric(eval_metric, labels, pre_sliced)

    def install_monitor(self, mon):
        self._require(self.binded, 'install_monitor', 'bind()')
        self._exec_group.install_monitor(mon)

    # -- optimizer states -------------------------------------------------------------------------
    def save_optimizer_states(self, fname):
        """Write the optimizer states in tfmod's safe (non-pickle) format, atomically."""
        save_optimizer_states_file(fname, self._optimizer_states_bytes())

    def _optimizer_states_bytes(self):
        self._require(self.optimizer_initialized, 'save_optimizer_states', 'init_optimizer()')
        _nd.flush_pending()
        if self._update_on_kvstore:
            if self._kvstore._updater is None:
                raise MXNetError('Cannot save states for distributed training (no updater set)')
            return self._kvstore._updater.get_states()
        return self._updater.get_states()

    def load_optimizer_states(self, fname):
        """Load optimizer states written by tfmod or (pickle, read safely) by MXNet; states
        that do not fit their weights are refused here, naming the parameter."""
        self._require(self.optimizer_initialized, 'load_optimizer_states', 'init_optimizer()')
        check_states_pair(fname)
        group = self._exec_group
        if self._update_on_kvstore:
            updater = self._kvstore._updater
            before = (updater.states, updater.states_synced) if updater is not None else None
            self._kvstore.load_optimizer_states(fname)
            if updater is not None:  # by position: pre-0.12, or one device
                name_positional_states(updater, group.param_names)
                weights = {n: (n, group.param_arrays[i][0])
                           for i, n in enumerate(group.param_names)}
        else:
            updater = self._updater
            before = (updater.states, updater.states_synced)
            data = load_optimizer_states_file(fname)
            updater.set_states(loads_optimizer_states(data, fname))
            # a kvstore-written file (by name) resumed here, keyed index * num_device + k
            index_named_states(updater, group.param_names, len(self._context))
            weights = {i * len(self._context) + k: (n, w)
                       for i, (n, ws) in enumerate(zip(group.param_names, group.param_arrays))
                       for k, w in enumerate(ws)}
        if updater is not None:
            try:
                check_states_for_weights(updater.states, updater.optimizer, weights, fname)
            except MXNetError:
                updater.states, updater.states_synced = before
                raise
        self._train_step = None


def _sparse_zeros(like):
    """A row_sparse array of zeros shaped as ``like`` (the ``out`` of a row_sparse_pull)."""
    from ..ndarray.sparse import zeros
    return zeros('row_sparse', like.shape, like.context, dtype=like.dtype)
