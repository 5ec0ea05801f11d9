"""SequentialModule: modules chained output-to-input -- MXNet 1.9.1's API and behaviour.

``seq.add(m1).add(m2, take_labels=True, auto_wiring=True)``: forward feeds each module's outputs
to the next as its data; backward runs the modules in reverse, each one's input gradients being
the previous one's head gradients; update and init_optimizer go to every module (each has its own
optimizer, with ``rescale_grad`` 1/batch).

MXNet 1.9.1 behaviour kept on purpose (see the fixtures README, section 9 and Pitfall 17):
``bind`` never sets the container's ``inputs_need_grad`` (nor ``for_training``), so
``seq.get_input_grads()`` always fails its assertion -- read the first module's
``get_input_grads()`` instead; ``label_shapes`` is what was passed to ``bind`` (or None when no
module takes labels).
"""
import copy
import logging

from ..initializer import Uniform
from .base_module import BaseModule
from .python_module import ModuleAssertionError, _check


class SequentialModule(BaseModule):
    """A container of modules run one after the other."""

    META_TAKE_LABELS = 'take_labels'
    META_AUTO_WIRING = 'auto_wiring'

    def __init__(self, logger=logging):
        super().__init__(logger=logger)
        self._modules = []
        self._metas = []
        self._label_shapes = None
        self._data_shapes = None
        self._meta_keys = {getattr(SequentialModule, x) for x in dir(SequentialModule)
                           if x.startswith('META_')}

    def add(self, module, **kwargs):
        """Append ``module``. Keyword flags: ``take_labels`` (the module gets the labels and
        feeds the metric), ``auto_wiring`` (rename the previous outputs to this module's data
        names). Returns self, for chaining. Adding unbinds the container."""
        for key in kwargs:
            _check(key in self._meta_keys, 'Unknown meta "%s", a typo?' % key)
        self._modules.append(module)
        self._metas.append(kwargs)
        self.binded = False
        self.params_initialized = False
        self.optimizer_initialized = False
        return self

    # -- names and shapes -------------------------------------------------------------------------
    @property
    def data_names(self):
        return self._modules[0].data_names if self._modules else []

    @property
    def output_names(self):
        return self._modules[-1].output_names if self._modules else []

    @property
    def data_shapes(self):
        _check(self.binded, 'SequentialModule.data_shapes needs bind() first')
        return self._modules[0].data_shapes

    @property
    def label_shapes(self):
        _check(self.binded, 'SequentialModule.label_shapes needs bind() first')
        return self._label_shapes

    @property
    def output_shapes(self):
        _check(self.binded, 'SequentialModule.output_shapes needs bind() first')
        return self._modules[-1].output_shapes

    def _metric_label_names(self):
        return [x[0] for x in (self._label_shapes or [])]

    def _takes_labels(self, i_layer):
        return bool(self._metas[i_layer].get(SequentialModule.META_TAKE_LABELS, False))

    # -- parameters -------------------------------------------------------------------------------
    def get_params(self):
        """The union of the modules' parameters."""
        _check(self.binded and self.params_initialized,
               'SequentialModule.get_params needs bind() and init_params() first')
        arg_params, aux_params = {}, {}
        for module in self._modules:
            arg, aux = module.get_params()
            arg_params.update(arg)
            aux_params.update(aux)
        return (arg_params, aux_params)

    def init_params(self, initializer=Uniform(0.01), arg_params=None, aux_params=None,
                    allow_missing=False, force_init=False, allow_extra=False):
        """Initialise every module's parameters from the same arguments; two modules may not
        share a parameter name."""
        if self.params_initialized and not force_init:
            return
        _check(self.binded, 'call bind before initializing the parameters')
        for module in self._modules:
            module.init_params(initializer=initializer, arg_params=arg_params,
                               aux_params=aux_params, allow_missing=allow_missing,
                               force_init=force_init, allow_extra=allow_extra)
        arg_owner, aux_owner = {}, {}
        for i_layer, module in enumerate(self._modules):
            arg, aux = module.get_params()
            for known, names in ((arg_owner, arg.keys()), (aux_owner, aux.keys())):
                for name in names:
                    if name in known:
                        j = known[name]
                        raise ModuleAssertionError(
                            'Duplicated parameter names: name "%s" in layer %d (%s) is already '
                            'used in layer %d (%s).' % (name, i_layer, type(module), j,
                                                        type(self._modules[j])))
                    known[name] = i_layer
        self.params_initialized = True

    # -- setup ------------------------------------------------------------------------------------
    def bind(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False,
             force_rebind=False, shared_module=None, grad_req='write'):
        """Bind each module to the previous one's output shapes. Every module after the first
        is bound with ``inputs_need_grad`` when training (backward needs its input
        gradients)."""
        if self.binded and not force_rebind:
            self.logger.warning('Already bound, ignoring bind()')
            return
        if inputs_need_grad:
            _check(for_training is True, 'inputs_need_grad=True requires for_training=True')
        _check(shared_module is None, 'Shared module is not supported')
        _check(len(self._modules) > 0, 'Attempting to bind an empty SequentialModule')
        self._label_shapes = label_shapes
        my_data_shapes = data_shapes
        anybody_ever_needs_label = False
        for i_layer, module in enumerate(self._modules):
            if self._takes_labels(i_layer):
                my_label_shapes = label_shapes
                anybody_ever_needs_label = True
            else:
                my_label_shapes = None
            my_inputs_need_grad = bool(inputs_need_grad or (for_training and i_layer > 0))
            if self._metas[i_layer].get(SequentialModule.META_AUTO_WIRING, False):
                data_names = module.data_names
                _check(len(data_names) == len(my_data_shapes),
                       'auto_wiring: layer %d (%s) has data names %s but the previous layer '
                       'gives %d outputs' % (i_layer, type(module).__name__, list(data_names),
                                             len(my_data_shapes)))
                my_data_shapes = [(new_name, shape) for (new_name, (_, shape))
                                  in zip(data_names, [(x[0], x[1]) for x in my_data_shapes])]
            module.bind(data_shapes=my_data_shapes, label_shapes=my_label_shapes,
                        for_training=for_training, inputs_need_grad=my_inputs_need_grad,
                        force_rebind=force_rebind, shared_module=None, grad_req=grad_req)
            my_data_shapes = module.output_shapes
        if not anybody_ever_needs_label:
            self._label_shapes = None
        self.binded = True

    def init_optimizer(self, kvstore='local', optimizer='sgd',
                       optimizer_params=(('learning_rate', 0.01),), force_init=False):
        """Each module gets its own optimizer from the same arguments."""
        _check(self.binded and self.params_initialized,
               'SequentialModule.init_optimizer needs bind() and init_params() first')
        if self.optimizer_initialized and not force_init:
            self.logger.warning('optimizer already initialized, ignoring.')
            return
        for module in self._modules:
            module.init_optimizer(kvstore=kvstore, optimizer=optimizer,
                                  optimizer_params=optimizer_params, force_init=force_init)
        self.optimizer_initialized = True

    # -- computation ------------------------------------------------------------------------------
    def forward(self, data_batch, is_train=None):
        """Run each module on the previous one's outputs (every module sees the labels)."""
        _check(self.binded and self.params_initialized,
               'SequentialModule.forward needs bind() and init_params() first')
        data_batch = copy.copy(data_batch)
        for i_layer, module in enumerate(self._modules):
            module.forward(data_batch, is_train=is_train)
            if i_layer + 1 == len(self._modules):
                break
            data_batch.data = module.get_outputs()
            if hasattr(data_batch, 'provide_data'):
                data_names = [x[0] for x in module.output_shapes]
                _check(len(data_names) == len(data_batch.data),
                       'layer %d returned %d outputs for %d output names'
                       % (i_layer, len(data_batch.data), len(data_names)))
                data_batch.provide_data = [(name, x.shape) for name, x in
                                           zip(data_names, data_batch.data)]

    def backward(self, out_grads=None):
        """Backward through the modules in reverse order."""
        _check(self.binded and self.params_initialized,
               'SequentialModule.backward needs bind() and init_params() first')
        for i_layer in reversed(range(len(self._modules))):
            module = self._modules[i_layer]
            module.backward(out_grads=out_grads)
            if i_layer == 0:
                break
            out_grads = module.get_input_grads()

    def update(self):
        _check(self.binded and self.params_initialized and self.optimizer_initialized,
               'SequentialModule.update needs bind(), init_params() and init_optimizer() first')
        for module in self._modules:
            module.update()

    def get_outputs(self, merge_multi_context=True):
        _check(self.binded and self.params_initialized,
               'SequentialModule.get_outputs needs bind() and init_params() first')
        return self._modules[-1].get_outputs(merge_multi_context=merge_multi_context)

    def get_input_grads(self, merge_multi_context=True):
        """Fails as in MXNet 1.9.1: ``bind`` never sets the container's ``inputs_need_grad``.
        Use ``seq._modules[0].get_input_grads()``."""
        _check(self.binded and self.params_initialized and self.inputs_need_grad,
               'SequentialModule.get_input_grads: inputs_need_grad is never set on a '
               'SequentialModule (as in MXNet 1.9.1); read the first module\'s '
               'get_input_grads() instead')
        return self._modules[0].get_input_grads(merge_multi_context=merge_multi_context)

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        """Every module added with ``take_labels=True`` updates the metric with its outputs."""
        _check(self.binded and self.params_initialized,
               'SequentialModule.update_metric needs bind() and init_params() first')
        for i_layer, module in enumerate(self._modules):
            if self._takes_labels(i_layer):
                module.update_metric(eval_metric, labels, pre_sliced)

    def install_monitor(self, mon):
        _check(self.binded, 'SequentialModule.install_monitor needs bind() first')
        for module in self._modules:
            module.install_monitor(mon)
