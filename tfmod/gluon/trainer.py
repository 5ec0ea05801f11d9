"""``mx.gluon.Trainer``: applies one of tfmod's optimizers to a set of gluon Parameters after
``autograd`` has filled their gradients, as MXNet 1.9.1's Trainer does.

Parameters are taken in sorted-name order from a dict (their position is the optimizer's
index, its ``param_dict`` gives each one's ``lr_mult``/``wd_mult``). ``step(batch_size)`` sets
``rescale_grad = scale / batch_size``, sums the gradients of parameters held on several
contexts (the kvstore MXNet would create, tfmod's ``mx.kv``), and updates every parameter whose
``grad_req`` is not 'null' through the optimizer's Updater -- one Updater per context (a
built-in optimizer's updates of all parameters are one compiled call: trainer_update.py), or the
kvstore's when updates happen there. A gradient no ``backward()`` wrote since the last step is
refused with MXNet's UserWarning unless ``ignore_stale_grad=True``, which skips it.
"""
from ..base import MXNetError
from .. import optimizer as opt
from .parameter import Parameter
from . import trainer_update

__all__ = ['Trainer']


class Trainer:
    """Applies an Optimizer (a name and its ``optimizer_params``, or an instance) to Parameters."""

    def __init__(self, params, optimizer, optimizer_params=None, kvstore='device',
                 compression_params=None, update_on_kvstore=None):
        if hasattr(params, 'keys') and hasattr(params, '__getitem__'):
            params = [params[k] for k in sorted(params.keys())]
        if not isinstance(params, (list, tuple)):
            raise MXNetError('First argument must be a list or dict of Parameters, got %s.'
                             % type(params))
        self._params = []
        self._param2idx = {}
        for i, param in enumerate(params):
            if not isinstance(param, Parameter):
                raise MXNetError('First argument must be a list or dict of Parameters, got list '
                                 'of %s.' % type(param))
            self._param2idx[param.name] = i
            self._params.append(param)
        self._compression_params = compression_params
        self._contexts = self._check_contexts()
        self._init_optimizer(optimizer, optimizer_params or {})
        self._scale = self._optimizer.rescale_grad
        self._kvstore_params = {'kvstore': kvstore, 'update_on_kvstore': update_on_kvstore}
        self._reset_kvstore()

    def _check_contexts(self):
        contexts = None
        for param in self._params:
            ctx = param.list_ctx()
            if contexts is not None and contexts != ctx:
                raise MXNetError('All Parameters must be initialized on the same set of contexts, '
                                 'but Parameter %s is initialized on %s while previous Parameters '
                                 'are initialized on %s.' % (param.name, ctx, contexts))
            contexts = ctx
        return contexts or []

    def _init_optimizer(self, optimizer, optimizer_params):
        param_dict = dict(enumerate(self._params))
        if isinstance(optimizer, opt.Optimizer):
            if optimizer_params:
                raise MXNetError('optimizer_params must be None if optimizer is an instance of '
                                 'Optimizer instead of str')
            self._optimizer = optimizer
            self._optimizer.param_dict = param_dict
        elif isinstance(optimizer, str):
            self._optimizer = opt.create(optimizer, param_dict=param_dict, **optimizer_params)
        else:
            raise MXNetError('optimizer must be an optimizer name (str) or an Optimizer, got %s'
                             % type(optimizer).__name__)
        self._updaters = [opt.get_updater(self._optimizer) for _ in self._contexts]
        self._compiled = [{} for _ in self._contexts]    # traced updates, per context

    # -- kvstore ------------------------------------------------------------------------------
    def _reset_kvstore(self):
        self._kv_initialized = False
        self._kvstore = None
        self._distributed = None
        self._update_on_kvstore = None
        self._params_to_init = list(self._params)

    def _init_kvstore(self):
        """The kvstore MXNet would use: none for one context and a non-dist type."""
        from ..module.module import _create_kvstore
        config = self._kvstore_params
        arg_arrays = {p.name: p.data(self._contexts[0]) for p in self._params
                      if not p._deferred_init}
        kvstore, update_on_kvstore = _create_kvstore(config['kvstore'], len(self._contexts),
                                                     arg_arrays)
        self._distributed = bool(kvstore) and 'dist' in kvstore.type
        if self._distributed and 'async' in kvstore.type:
            if config['update_on_kvstore'] is False:
                raise MXNetError('Please set update_on_kvstore=True when training in async '
                                 'mode.')
            update_on_kvstore = True
        if config['update_on_kvstore'] is not None:
            update_on_kvstore = config['update_on_kvstore']
        if kvstore:
            if self._compression_params:
                kvstore.set_gradient_compression(self._compression_params)
            if update_on_kvstore:
                kvstore.set_optimizer(self._optimizer)
            self._kvstore = kvstore
            self._update_on_kvstore = bool(update_on_kvstore)
        else:
            self._kvstore = None
            self._update_on_kvstore = None
        self._kv_initialized = True

    def _init_params(self):
        """Put the initialised parameters into the kvstore (deferred ones wait)."""
        waiting = []
        for param in self._params_to_init:
            if param._deferred_init:
                waiting.append(param)
            elif self._kvstore:
                arrays = param.list_data()
                self._kvstore.broadcast(self._param2idx[param.name], arrays[0], arrays)
        self._params_to_init = waiting

    def _ready(self):
        if not self._kv_initialized:
            self._init_kvstore()
        if self._params_to_init:
            self._init_params()

    # -- learning rate ----------------------------------------------------------------------------
    @property
    def learning_rate(self):
        return self._optimizer.learning_rate

    @property
    def optimizer(self):
        return self._optimizer

    def set_learning_rate(self, lr):
        """Set the optimizer's learning rate (refused when it has an lr_scheduler)."""
        self._optimizer.set_learning_rate(lr)

    # -- steps ------------------------------------------------------------------------------------
    def _check_and_rescale_grad(self, scale):
        if self._update_on_kvstore and self._distributed and self._kv_initialized \
                and self._optimizer.rescale_grad != scale:
            raise UserWarning('Possible change in the `batch_size` from previous `step` '
                              'detected. Optimizer gradient normalizing factor will not change '
                              'w.r.t new batch_size when update_on_kvstore=True and when '
                              'distributed kvstore is used.')
        self._optimizer.rescale_grad = scale

    def step(self, batch_size, ignore_stale_grad=False):
        """One update: gradients scaled by ``1/batch_size``, summed over contexts, applied."""
        self._check_and_rescale_grad(self._scale / batch_size)
        self._ready()
        self._allreduce_grads()
        self._update(ignore_stale_grad)

    def allreduce_grads(self):
        """Sum each parameter's gradients over its contexts (before a separate ``update``)."""
        self._ready()
        if self._kvstore and self._update_on_kvstore:
            raise MXNetError('allreduce_grads() when parameters are updated on kvstore is not '
                             'supported. Try setting `update_on_kvstore` to False when creating '
                             'trainer.')
        self._allreduce_grads()

    def _allreduce_grads(self):
        if not self._kvstore:
            return
        for i, param in enumerate(self._params):
            if param.grad_req == 'null':
                continue
            if self._update_on_kvstore:
                # contexts on one TF device share the pulled tensor; autograd still gives
                # each copy its own source (ndarray/tape.py var_read)
                self._kvstore.pushpull(i, param.list_grad(), out=param.list_data(), priority=-i)
            else:
                self._kvstore.pushpull(i, param.list_grad(), priority=-i)

    def update(self, batch_size, ignore_stale_grad=False):
        """The update half of ``step`` (after ``allreduce_grads``)."""
        self._ready()
        if self._kvstore and self._update_on_kvstore:
            raise MXNetError('update() when parameters are updated on kvstore is not supported. '
                             'Try setting `update_on_kvstore` to False when creating trainer.')
        self._check_and_rescale_grad(self._scale / batch_size)
        self._update(ignore_stale_grad)

    def _update(self, ignore_stale_grad=False):
        on_kv = bool(self._kvstore and self._update_on_kvstore)
        updates = [[] for _ in self._updaters]
        for i, param in enumerate(self._params):
            if param.grad_req == 'null':
                continue
            data = param.list_data()
            if not ignore_stale_grad:
                for arr in data:
                    if not arr._fresh_grad:
                        raise UserWarning(
                            'Gradient of Parameter `%s` on context %s has not been updated by '
                            'backward since last `step`. This could mean a bug in your model '
                            'that made it only use a subset of the Parameters (Blocks) for this '
                            'iteration. If you are intentionally only using a subset, call step '
                            'with ignore_stale_grad=True to suppress this warning and skip '
                            'updating of Parameters with stale gradient'
                            % (param.name, str(arr.context)))
            if on_kv:
                continue
            for upd, arr, grad in zip(updates, data, param.list_grad()):
                if not ignore_stale_grad or arr._fresh_grad:
                    upd.append((i, grad, arr))
                    arr._fresh_grad = False
        if on_kv:
            return
        for updater, upd, cache in zip(self._updaters, updates, self._compiled):
            if upd:
                idx, grads, weights = zip(*upd)
                trainer_update.update(updater, list(idx), list(grads), list(weights), cache)

    # -- states -----------------------------------------------------------------------------------
    def save_states(self, fname):
        """Write the optimizer states (momentum, ...) and update counts to ``fname`` (tfmod's
        non-pickle states format; the optimizer's settings are not stored)."""
        self._ready()
        if self._update_on_kvstore:
            self._kvstore.save_optimizer_states(fname)
            return
        from ..fileio import atomic_write
        from ..ndarray import ndarray as _nd
        _nd.flush_pending()
        data = self._updaters[0].get_states() if self._updaters else b''
        atomic_write(fname, data)

    def load_states(self, fname):
        """Read states that ``save_states`` wrote -- tfmod's, or MXNet's pickle (through a
        restricted unpickler; its dumped optimizer then replaces this one, as in MXNet)."""
        self._ready()
        if self._update_on_kvstore:
            self._kvstore.load_optimizer_states(fname)
            self._optimizer = self._kvstore._updater.optimizer
        else:
            from ..fileio import read_bytes
            states = read_bytes(fname)
            for updater in self._updaters:
                try:
                    updater.set_states(states)
                except MXNetError as e:
                    raise MXNetError('Trainer.load_states(%r): %s' % (fname, e)) from None
                updater.optimizer = self._updaters[0].optimizer
            if self._updaters:
                self._optimizer = self._updaters[0].optimizer
        self._optimizer.param_dict = dict(enumerate(self._params))


def __getattr__(attr):
    from . import absent
    return absent.name_getattr(__name__, attr)
