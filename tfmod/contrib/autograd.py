"""``mx.contrib.autograd``: MXNet's pre-1.0 autograd API, which 1.x still ships and older scripts
use (``train_section``, ``compute_gradient``, ``grad_and_loss``). Here it is a thin layer over
``mx.autograd``: one flag for training and recording together, as the old API had."""
import functools

from .. import autograd as _ag
from ..ndarray import NDArray, zeros_like

mark_variables = _ag.mark_variables


def set_is_training(is_train):
    """Turn recording and training on or off together; returns the previous training state."""
    prev = _ag.set_training(is_train)
    _ag.set_recording(is_train)
    return bool(prev)


class TrainingStateScope:
    """A with-scope in which recording and training are both ``enter_state``."""

    def __init__(self, enter_state):
        self._enter_state = enter_state
        self._prev = None

    def __enter__(self):
        self._prev = set_is_training(self._enter_state)

    def __exit__(self, ptype, value, trace):
        if self._prev != self._enter_state:
            set_is_training(self._prev)


def train_section():
    """Record and train inside the scope (``with train_section(): y = f(x)``)."""
    return TrainingStateScope(True)


def test_section():
    """Neither record nor train inside the scope (testing, updates inside a train_section)."""
    return TrainingStateScope(False)


def backward(outputs, out_grads=None, retain_graph=False):
    """Gradients of ``outputs`` (a list or tuple of NDArrays) into the marked variables."""
    assert isinstance(outputs, (list, tuple)), 'outputs must be a list or tuple of NDArrays'
    if out_grads is not None:
        assert len(out_grads) == len(outputs), 'outputs and out_grads must have the same length'
    _ag.backward(list(outputs), head_grads=out_grads, retain_graph=retain_graph)


def compute_gradient(outputs):
    """Deprecated in MXNet too: ``backward(outputs)``."""
    backward(outputs)


def grad_and_loss(func, argnum=None):
    """``func`` -> a function returning (gradients of the chosen arguments, func's value)."""
    @functools.wraps(func)
    def wrapped(*args):
        variables = args
        if argnum is not None:
            argnum_ = argnum if isinstance(argnum, list) else [argnum]
            variables = [args[i] for i in argnum_]
        for x in variables:
            assert isinstance(x, NDArray), 'type of autograd input should NDArray.'
        grads = [zeros_like(x) for x in variables]
        mark_variables(variables, grads)
        with train_section():
            outputs = func(*args)
        compute_gradient([outputs] if isinstance(outputs, NDArray) else outputs)
        return grads, outputs
    return wrapped


def grad(func, argnum=None):
    """``func`` -> a function returning the gradients of the chosen arguments."""
    grad_with_loss_func = grad_and_loss(func, argnum)

    @functools.wraps(grad_with_loss_func)
    def wrapped(*args):
        return grad_with_loss_func(*args)[0]
    return wrapped
