"""The two optimizers SVRGModule installs (MXNet 1.9.1's ``svrg_optimizer``).

``_AssignmentOptimizer`` writes the pushed value into the weight: pushing each device's full
gradient to a ``<name>_full`` key of the kvstore thus stores their sum. ``_SVRGOptimizer`` routes
an update by parameter name: ``*_full`` keys to the assignment, everything else to the user's
optimizer (created here from its name and parameters, or given as an instance).
"""
from ... import optimizer as _opt
from ...optimizer import Optimizer


@_opt.register
class _AssignmentOptimizer(Optimizer):
    """weight := grad (accumulates full gradients in the kvstore; for SVRGModule only)."""

    def update(self, index, weight, grad, state):
        weight[:] = grad


@_opt.register
class _SVRGOptimizer(Optimizer):
    """Wraps ``default_optimizer`` (name or Optimizer) and an ``_AssignmentOptimizer``; the
    parameter's name (from ``param_idx2name``) picks which one updates it."""

    # the constructor arguments of the Optimizer base class; the rest go to default_optimizer
    _BASE_PARAMS = ('rescale_grad', 'param_idx2name', 'wd', 'clip_gradient', 'learning_rate',
                    'lr_scheduler', 'sym', 'begin_num_update', 'multi_precision', 'param_dict')

    def __init__(self, default_optimizer, **kwargs):
        super().__init__(**self._check_params(**kwargs))
        if isinstance(default_optimizer, str):
            self.default_opt = _opt.create(default_optimizer, **kwargs)
        else:
            self.default_opt = default_optimizer
        self.aux_opt = _opt.create(_AssignmentOptimizer.__name__)

    @staticmethod
    def _check_params(**kwargs):
        """The keyword arguments the Optimizer base class takes."""
        return {k: v for k, v in kwargs.items() if k in _SVRGOptimizer._BASE_PARAMS}

    def _check_index(self, index):
        """The parameter name of ``index`` (an int from idx2name, or already a name)."""
        if index in self.idx2name.values():
            return index
        return self.idx2name[index]

    def update(self, index, weight, grad, state):
        if 'full' in self._check_index(index):
            self.aux_opt.update(index, weight, grad, state)
        else:
            self.default_opt.update(index, weight, grad, state)

    def create_state(self, index, weight):
        if 'full' in self._check_index(index):
            return self.aux_opt.create_state(index, weight)
        return self.default_opt.create_state(index, weight)
