"""PythonModule and PythonLossModule: modules computing in plain Python (MXNet 1.9.1's API).

A PythonModule has no parameters and no optimizer; subclasses write ``forward``, ``backward``,
``get_outputs``, ``get_input_grads`` and ``_compute_output_shapes``. PythonLossModule is the usual
one: the last stage of a SequentialModule, passing its input through as output and computing the
gradient of a loss with a Python ``grad_func(scores, labels)`` (numpy or NDArray result).

Where MXNet 1.9.1 ``assert``s, the error raised here is both an ``AssertionError`` and an
``MXNetError``, so code catching either keeps working. One deliberate difference: MXNet's
``bind`` never sets ``binded`` and ``init_params`` never sets ``params_initialized``, so a
PythonModule on its own could not ``score`` or ``predict``; here they are set.
"""
import logging

from ..base import MXNetError
from .base_module import BaseModule


class ModuleAssertionError(MXNetError, AssertionError):
    """Raised where MXNet's module code fails an ``assert``: catchable as either class."""


def _check(cond, msg):
    if not cond:
        raise ModuleAssertionError(msg)


class PythonModule(BaseModule):
    """A module implemented in Python: no parameters, no optimizer.

    ``data_names``, ``label_names`` and ``output_names`` are lists of strings (``label_names``
    may be None for a module that takes no labels)."""

    def __init__(self, data_names, label_names, output_names, logger=logging):
        super().__init__(logger=logger)
        if isinstance(data_names, tuple):
            data_names = list(data_names)
        if isinstance(label_names, tuple):
            label_names = list(label_names)
        self._data_names = data_names
        self._label_names = label_names
        self._output_names = output_names
        self._data_shapes = None
        self._label_shapes = None
        self._output_shapes = None

    # -- names and shapes -------------------------------------------------------------------------
    @property
    def data_names(self):
        return self._data_names

    @property
    def output_names(self):
        return self._output_names

    @property
    def data_shapes(self):
        return self._data_shapes

    @property
    def label_shapes(self):
        return self._label_shapes

    @property
    def output_shapes(self):
        return self._output_shapes

    def _metric_label_names(self):
        return list(self._label_names or [])

    # -- parameters: there are none ---------------------------------------------------------------
    def get_params(self):
        return (dict(), dict())

    def init_params(self, initializer=None, arg_params=None, aux_params=None,
                    allow_missing=False, force_init=False, allow_extra=False):
        """Nothing to initialise."""
        self.params_initialized = True

    def update(self):
        """Nothing to update."""

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        """Feed ``labels`` and this module's outputs to ``eval_metric`` (when bound with
        labels)."""
        if self._label_shapes is None:
            return
        if pre_sliced:
            raise RuntimeError('PythonModule does not support presliced labels')
        eval_metric.update(labels, self.get_outputs())

    # -- setup ------------------------------------------------------------------------------------
    def bind(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False,
             force_rebind=False, shared_module=None, grad_req='write'):
        """Record the shapes; the outputs' shapes come from ``_compute_output_shapes``."""
        if self.binded and not force_rebind:
            self.logger.warning('Already bound, ignoring bind()')
            return
        _check(grad_req == 'write', 'Python module only support write gradient')
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        _check(len(data_shapes) == len(self._data_names),
               'PythonModule.bind: %d data shapes for data names %s'
               % (len(data_shapes), self._data_names))
        given = [x[0] for x in data_shapes]
        _check(given == self._data_names,
               'PythonModule.bind: data shapes are named %s but the module expects %s'
               % (given, self._data_names))
        self._data_shapes = data_shapes
        self._label_shapes = label_shapes
        if label_shapes is not None:
            _check(self._label_names is not None,
                   'PythonModule.bind: label shapes given to a module without label names')
            given = [x[0] for x in label_shapes]
            _check(len(self._label_names) == len(label_shapes) and given == self._label_names,
                   'PythonModule.bind: label shapes are named %s but the module expects %s'
                   % (given, self._label_names))
        self._output_shapes = self._compute_output_shapes()
        self.binded = True

    def _compute_output_shapes(self):
        """The list of (name, shape) of the outputs, from ``self._data_shapes`` and
        ``self._label_shapes``."""
        raise NotImplementedError()

    def init_optimizer(self, kvstore='local', optimizer='sgd',
                       optimizer_params=(('learning_rate', 0.01),), force_init=False):
        """No parameters, so no optimizer."""


class PythonLossModule(PythonModule):
    """A loss in Python: the output is the input scores; ``backward`` computes
    ``grad_func(scores, labels)`` as the gradient of the scores. Its output is named
    ``<name>_output``."""

    def __init__(self, name='pyloss', data_names=('data',), label_names=('softmax_label',),
                 logger=logging, grad_func=None):
        super().__init__(data_names, label_names, [name + '_output'], logger=logger)
        self._name = name
        _check(len(data_names) == 1, 'PythonLossModule takes exactly one data input')
        _check(len(label_names) == 1, 'PythonLossModule takes exactly one label input')
        self._scores = None
        self._labels = None
        self._scores_grad = None
        if grad_func is not None:
            _check(callable(grad_func), 'grad_func must be callable')
        self._grad_func = grad_func

    def _compute_output_shapes(self):
        return [(self._name + '_output', self._data_shapes[0][1])]

    def forward(self, data_batch, is_train=None):
        """Keep the scores (and, when training, the labels) for backward."""
        self._scores = data_batch.data[0]
        if is_train is None:
            is_train = self.for_training
        if is_train:
            self._labels = data_batch.label[0]

    def get_outputs(self, merge_multi_context=True):
        _check(merge_multi_context is True, 'PythonLossModule has one device: '
               'merge_multi_context must be True')
        return [self._scores]

    def backward(self, out_grads=None):
        """The gradient of the scores, from ``grad_func``."""
        _check(out_grads is None, 'For a loss module, out_grads should be None')
        _check(self.for_training, 'PythonLossModule.backward needs bind(for_training=True)')
        self._backward_impl()

    def _backward_impl(self):
        """``self._scores_grad = grad_func(scores, labels)``; subclasses without a grad_func
        override this."""
        from ..ndarray import ndarray as _nd
        if self._grad_func is None:
            raise NotImplementedError()
        grad = self._grad_func(self._scores, self._labels)
        if not isinstance(grad, _nd.NDArray):
            grad = _nd.array(grad)
        self._scores_grad = grad

    def get_input_grads(self, merge_multi_context=True):
        _check(merge_multi_context is True, 'PythonLossModule has one device: '
               'merge_multi_context must be True')
        return [self._scores_grad]

    def install_monitor(self, mon):
        raise NotImplementedError()
