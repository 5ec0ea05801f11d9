"""ccSGD (a deprecated alias of SGD) and MXNet's ``Test`` optimizer."""
from .optimizer import Optimizer, register
from .sgd import SGD
from ._kernels import zeros_state


@register  # pylint: disable=invalid-name
class ccSGD(SGD):
    """[DEPRECATED] Same as `SGD`. Left here for backward compatibility."""


@register
class Test(Optimizer):
    """The Test optimizer: w += rescale_grad*grad; the state mirrors the weight.

    Like MXNet's, its update neither counts updates nor reads the learning rate; it runs eagerly
    (the per-parameter path)."""

    def create_state(self, index, weight):
        return zeros_state(weight)  # a copy of the weight, after each update

    def update(self, index, weight, grad, state):
        weight[:] = weight + grad * self.rescale_grad
        state[:] = weight
