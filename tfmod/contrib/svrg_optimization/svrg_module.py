"""SVRGModule: a Module trained with stochastic variance-reduced gradients (Johnson & Zhang,
2013), with MXNet 1.9.1's ``mxnet.contrib.svrg_optimization.svrg_module`` API and numbers.

Every ``update_freq`` epochs, ``update_full_grads`` snapshots the weights into an auxiliary
Module and averages its gradients over the whole training set. Each step then replaces the
batch gradient g(w) by g(w) - g(w_snapshot) + full_gradient before the optimizer applies it.

Parameters in ``fixed_param_names`` are left alone (MXNet 1.9.1 fails on them with an
operator error). As in MXNet: the full-gradient accumulators are created by ``init_optimizer``
and never cleared, so each snapshot's sum starts from the previous average; on several devices
the averages go through ``<name>_full`` kvstore keys, and ``init_optimizer`` pulls those (zero)
keys into the device weights (training then starts from zero weights, the snapshot from the
initial ones).
"""
import logging

from ...context import cpu
from ... import optimizer as _opt
from ...module import Module
from ...module.module import _create_kvstore
from ...ndarray import ndarray as _nd
from .svrg_optimizer import _SVRGOptimizer


class SVRGModule(Module):
    """A Module whose updates use SVRG; ``update_freq`` (a positive int) is the number of
    epochs between full-gradient snapshots. Other arguments are Module's."""

    def __init__(self, symbol, data_names=('data',), label_names=('softmax_label',),
                 logger=logging, context=cpu(), work_load_list=None, fixed_param_names=None,
                 state_names=None, group2ctxs=None, compression_params=None, update_freq=None):
        super().__init__(symbol, data_names=data_names, label_names=label_names, logger=logger,
                         context=context, work_load_list=work_load_list,
                         fixed_param_names=fixed_param_names, state_names=state_names,
                         group2ctxs=group2ctxs, compression_params=compression_params)
        if not isinstance(update_freq, int):
            raise TypeError('update_freq in SVRGModule must be an integer to represent the '
                            'frequency for calculating full gradients')
        if update_freq <= 0:
            raise ValueError('update_freq in SVRGModule must be a positive integer to represent '
                             'the frequency for calculating full gradients')
        self.update_freq = update_freq
        # the snapshot: same symbol and devices, weights set by update_full_grads
        self._mod_aux = Module(symbol, data_names, label_names, logger, context, work_load_list,
                               fixed_param_names, state_names, group2ctxs, compression_params)
        self._param_dict = None
        self._ctx_len = len(self._context)

    def _reset_bind(self):
        super()._reset_bind()
        self._mod_aux._reset_bind()

    def reshape(self, data_shapes, label_shapes=None):
        """Reshape both the module and its snapshot."""
        super().reshape(data_shapes, label_shapes=label_shapes)
        self._mod_aux.reshape(data_shapes, label_shapes=label_shapes)

    def bind(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False,
             force_rebind=False, shared_module=None, grad_req='write'):
        """Bind the module, and for training its snapshot too."""
        super().bind(data_shapes, label_shapes, for_training, inputs_need_grad, force_rebind,
                     shared_module, grad_req)
        if for_training:
            self._mod_aux.bind(data_shapes, label_shapes, for_training, inputs_need_grad,
                               force_rebind, shared_module, grad_req)

    # -- optimizer --------------------------------------------------------------------------------
    def init_optimizer(self, kvstore='local', optimizer='sgd',
                       optimizer_params=(('learning_rate', 0.01),), force_init=False):
        """Install an _SVRGOptimizer around ``optimizer``; with a kvstore, also create the
        ``<name>_full`` keys that accumulate full gradients across devices."""
        params = self.get_params()[0]
        self._param_dict = [{key: _nd.zeros(value.shape, ctx=self._context[i])
                             for key, value in params.items()} for i in range(self._ctx_len)]
        svrg_optimizer = self._create_optimizer(_SVRGOptimizer.__name__, default_opt=optimizer,
                                                kvstore=kvstore,
                                                optimizer_params=optimizer_params)
        super().init_optimizer(kvstore=kvstore, optimizer=svrg_optimizer,
                               optimizer_params=optimizer_params, force_init=force_init)
        if self._kvstore:
            for idx, param_on_devs in enumerate(self._exec_group.param_arrays):
                name = self._exec_group.param_names[idx]
                self._kvstore.init(name + '_full', _nd.zeros(self._arg_params[name].shape))
                if self._update_on_kvstore:
                    self._kvstore.pull(name + '_full', param_on_devs, priority=-idx)

    def _create_optimizer(self, optimizer, default_opt, kvstore, optimizer_params):
        """The _SVRGOptimizer, with Module's rescale_grad and parameter indices plus one index
        per ``<name>_full`` key."""
        batch_size = self._exec_group.batch_size
        kv_store, update_on_kvstore = _create_kvstore(kvstore, self._ctx_len, self._arg_params)
        if kv_store and 'dist' in kv_store.type and '_sync' in kv_store.type:
            batch_size *= kv_store.num_workers
        idx2name = {}
        if update_on_kvstore:
            idx2name.update(enumerate(self._exec_group.param_names))
        else:
            n = self._ctx_len
            for k in range(n):
                idx2name.update({i * n + k: name
                                 for i, name in enumerate(self._exec_group.param_names)})
        for key in self._param_dict[0]:
            idx2name[max(idx2name) + 1] = key + '_full'
        optimizer_params = dict(optimizer_params)
        optimizer_params.setdefault('rescale_grad', 1.0 / batch_size)
        optimizer_params['default_optimizer'] = default_opt
        optimizer_params['param_idx2name'] = idx2name
        return _opt.create(optimizer, **optimizer_params)

    # -- computation ------------------------------------------------------------------------------
    def forward(self, data_batch, is_train=None):
        """Forward the module, and with ``is_train`` the snapshot too."""
        super().forward(data_batch, is_train)
        if is_train:
            self._mod_aux.forward(data_batch, is_train)

    def backward(self, out_grads=None):
        """Backward through the module and (when bound) the snapshot."""
        super().backward(out_grads)
        if self._mod_aux.binded:
            self._mod_aux.backward(out_grads)

    def update(self):
        """Turn the gradients into SVRG gradients, then let the optimizer apply them."""
        self._update_svrg_gradients()
        super().update()

    def prepare(self, data_batch, sparse_row_id_fn=None):
        super().prepare(data_batch, sparse_row_id_fn=sparse_row_id_fn)
        self._mod_aux.prepare(data_batch, sparse_row_id_fn=sparse_row_id_fn)

    def update_full_grads(self, train_data):
        """Snapshot the current weights and average the snapshot's gradients over one pass
        of ``train_data`` (padding of the last batch discounted), per device."""
        param_names = self._exec_group.param_names
        arg, aux = self.get_params()
        self._mod_aux.set_params(arg_params=arg, aux_params=aux)
        train_data.reset()
        nbatch = 0
        padding = 0
        for batch in train_data:
            self._mod_aux.forward(batch, is_train=True)
            self._mod_aux.backward()
            nbatch += 1
            aux_grads = self._mod_aux._exec_group.grad_arrays
            for ctx in range(self._ctx_len):
                for index, name in enumerate(param_names):
                    if aux_grads[index][ctx] is not None:  # None: a fixed parameter
                        self._param_dict[ctx][name] = \
                            self._param_dict[ctx][name] + aux_grads[index][ctx]
            padding = batch.pad
        true_num_batch = nbatch - padding / train_data.batch_size
        for name in param_names:
            grad_list = []
            for i in range(self._ctx_len):
                self._param_dict[i][name] /= true_num_batch
                grad_list.append(self._param_dict[i][name])
            if self._kvstore:
                self._accumulate_kvstore(name, grad_list)

    def _accumulate_kvstore(self, key, value):
        """Sum the devices' full gradients in the kvstore's ``<key>_full``, then share out."""
        self._kvstore.push(key + '_full', value)
        self._kvstore._barrier()
        self._kvstore.pull(key + '_full', value)
        self._allocate_gradients(key, value)

    def _allocate_gradients(self, key, value):
        """Every device's full gradient for ``key``: the kvstore sum over the devices."""
        for i in range(self._ctx_len):
            self._param_dict[i][key] = value[i] / self._ctx_len

    def _svrg_grads_update_rule(self, g_curr_batch_curr_weight, g_curr_batch_special_weight,
                                g_special_weight_all_batch):
        """g(w) - g(w_snapshot) + full gradient, written into the first list's arrays."""
        for index, grad in enumerate(g_curr_batch_curr_weight):
            grad -= g_curr_batch_special_weight[index]
            grad += g_special_weight_all_batch[index]
        return g_curr_batch_curr_weight

    def _update_svrg_gradients(self):
        """Apply the SVRG rule to every parameter's gradient on every device, in place."""
        param_names = self._exec_group.param_names
        grads = self._exec_group.grad_arrays
        aux_grads = self._mod_aux._exec_group.grad_arrays
        for ctx in range(self._ctx_len):
            for index, name in enumerate(param_names):
                grad = grads[index][ctx]
                if grad is None:  # a fixed parameter
                    continue
                grad -= aux_grads[index][ctx]
                grad += self._param_dict[ctx][name]

    # -- training ---------------------------------------------------------------------------------
    def _fit_epoch_begin(self, epoch, train_data):
        """Module.fit's epochs with a full-gradient snapshot at the start of every
        ``update_freq``-th epoch (counted from epoch 0), as MXNet's SVRGModule.fit does."""
        if epoch % self.update_freq == 0:
            self.update_full_grads(train_data)
        train_data.reset()
