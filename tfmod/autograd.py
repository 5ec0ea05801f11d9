"""mx.autograd: MXNet's imperative differentiation of NDArray code, on tf.GradientTape.

``record()`` puts the ops run on NDArrays onto a persistent GradientTape (see
``tfmod/ndarray/tape.py``); ``backward()`` / ``grad()`` ask the tape for the gradients of the
heads with respect to the arrays marked by ``attach_grad`` / ``mark_variables``, and store them
by each variable's grad_req ('write', 'add', 'null') as MXNet does. ``is_training()`` is the
mode ``mx.nd.Dropout`` / ``mx.nd.BatchNorm`` and the other train-aware ops run in.
"""
import tensorflow as tf

from .base import MXNetError
from .ndarray import tape as _tape
from .ndarray.ndarray import NDArray, from_tensor, _window

__all__ = ['record', 'pause', 'train_mode', 'predict_mode', 'is_recording', 'is_training',
           'set_recording', 'set_training', 'mark_variables', 'backward', 'grad', 'get_symbol',
           'Function']


def set_recording(is_recording):  # pylint: disable=redefined-outer-name
    """Set the recording state; returns the previous one."""
    return _tape.set_recording(is_recording)


def set_training(train_mode):  # pylint: disable=redefined-outer-name
    """Set the training state (Dropout, BatchNorm...); returns the previous one."""
    return _tape.set_training(train_mode)


def is_recording():
    return _tape.is_recording()


def is_training():
    return _tape.is_training()


class _Scope:
    """A with-scope setting recording and/or training, restoring them on exit (None: keep)."""

    def __init__(self, is_record, train):
        self._record, self._train = is_record, train
        self._prev_record = self._prev_train = None

    def __enter__(self):
        if self._record is not None:
            self._prev_record = set_recording(self._record)
        if self._train is not None:
            self._prev_train = set_training(self._train)

    def __exit__(self, *exc):
        if self._record is not None and self._prev_record != self._record:
            set_recording(self._prev_record)
        if self._train is not None and self._prev_train != self._train:
            set_training(self._prev_train)


def record(train_mode=True):  # pylint: disable=redefined-outer-name
    """Scope recording the computation for gradients (in training mode by default)."""
    return _Scope(True, train_mode)


def pause(train_mode=False):  # pylint: disable=redefined-outer-name
    """Scope not recording (in predict mode by default)."""
    return _Scope(False, train_mode)


def train_mode():
    """Scope in training mode, recording state unchanged."""
    return _Scope(None, True)


def predict_mode():
    """Scope in predict mode, recording state unchanged."""
    return _Scope(None, False)


def _as_list(x, what):
    if isinstance(x, NDArray):
        return [x]
    if isinstance(x, (list, tuple)):
        return list(x)
    raise MXNetError('%s must be an NDArray or a list of NDArrays, got %s'
                     % (what, type(x).__name__))


def mark_variables(variables, gradients, grad_reqs='write'):
    """Mark arrays as variables whose gradients go into the given arrays (any arrays: this is
    ``attach_grad`` with your own gradient buffers)."""
    variables = _as_list(variables, 'variables')
    gradients = _as_list(gradients, 'gradients')
    if len(variables) != len(gradients):
        raise MXNetError('mark_variables: %d variables but %d gradients'
                         % (len(variables), len(gradients)))
    reqs = [grad_reqs] * len(variables) if isinstance(grad_reqs, str) else list(grad_reqs)
    if len(reqs) != len(variables):
        raise MXNetError('mark_variables: %d variables but %d grad_reqs'
                         % (len(variables), len(reqs)))
    for v, g, r in zip(variables, gradients, reqs):
        if tuple(g.shape) != tuple(v.shape):
            raise MXNetError('mark_variables: gradient of shape %s for a variable of shape %s'
                             % (g.shape, v.shape))
        _tape.mark(v, g, r)


def _heads(heads, head_grads):
    heads = _as_list(heads, 'heads')
    if head_grads is not None:
        head_grads = [head_grads] if isinstance(head_grads, NDArray) else list(head_grads)
    return heads, head_grads


def backward(heads, head_grads=None, retain_graph=False, train_mode=True):  # noqa: pylint
    """Gradients of the heads into every marked variable's gradient buffer."""
    heads, head_grads = _heads(heads, head_grads)
    _tape.backward(heads, head_grads, retain_graph, train_mode, _window)


def grad(heads, variables, head_grads=None, retain_graph=None, create_graph=False,
         train_mode=True):  # pylint: disable=redefined-outer-name
    """Gradients of the heads with respect to ``variables``, returned as new arrays (the
    variables' ``.grad`` is left alone). ``create_graph=True`` records the gradient computation,
    so the returned arrays can be differentiated again."""
    heads, head_grads = _heads(heads, head_grads)
    if isinstance(variables, NDArray):
        variables = [variables]
    elif not variables:
        raise MXNetError('grad: variables cannot be an empty list')
    retain_graph = create_graph if retain_graph is None else retain_graph
    prev = set_training(train_mode)
    try:
        g, arrs, grads = _tape.gradients(heads, _tape.head_tensors(heads, head_grads),
                                         list(variables), retain_graph, create_graph, _window)
    finally:
        set_training(prev)
    out = []
    for a, d in zip(arrs, grads):
        if d is None:
            d = tf.zeros(a.shape, a._s.dtype)
        arr = from_tensor(d, a.context)
        if create_graph and arr._s.ag is None:
            arr._s.ag = (g, d)
        out.append(arr)
    return out


def get_symbol(x):
    """MXNet returns the recorded history as a Symbol. tfmod records on a TensorFlow tape, which
    keeps no MXNet operator graph, so this raises."""
    raise MXNetError('autograd.get_symbol: tfmod records computations on a TensorFlow '
                     'GradientTape, which keeps no MXNet operator graph to turn into a Symbol; '
                     'build the computation with mx.sym to get a Symbol')


class Function:
    """A computation with its own backward: subclass, define ``forward(*inputs)`` and
    ``backward(*output_grads)`` on NDArrays, call an instance once on the inputs.

    ``forward`` runs unrecorded; while recording, the outputs are linked to the inputs through
    ``tf.custom_gradient`` so that the tape calls ``backward`` for their gradients.
    """

    def __init__(self):
        self._used = False
        self.saved_tensors = ()

    def save_for_backward(self, *args):
        self.saved_tensors = args

    def forward(self, *inputs):
        raise NotImplementedError

    def backward(self, *output_grads):
        raise NotImplementedError

    def __call__(self, *inputs):
        assert not self._used, \
            'Each Function instance can only be called once. Please create another instance.'
        self._used = True
        prev = set_recording(False)
        try:
            outputs = self.forward(*inputs)
        finally:
            set_recording(prev)
        if not prev:
            return outputs
        single = isinstance(outputs, NDArray)
        outs = [outputs] if single else list(outputs)
        for o in outs:
            if not isinstance(o, NDArray):
                raise MXNetError('%s.forward must return NDArrays, not %s'
                                 % (type(self).__name__, type(o).__name__))
        in_t = [x._read() for x in inputs]
        out_t = [tf.stop_gradient(o._read()) for o in outs]
        linked = self._link(in_t, out_t, [o.context for o in outs])
        res = [from_tensor(t, o.context) for t, o in zip(linked, outs)]
        return res[0] if single else res

    def _link(self, in_t, out_t, ctxs):
        func = self

        @tf.custom_gradient
        def autograd_function(*ts):
            def grad_fn(*dys):
                prev = set_recording(False)
                try:
                    rets = func.backward(*[from_tensor(d, c) for d, c in zip(dys, ctxs)])
                finally:
                    set_recording(prev)
                rets = [rets] if isinstance(rets, NDArray) else list(rets)
                if len(rets) != len(in_t):
                    raise MXNetError('%s.backward must return exactly as many NDArrays as '
                                     'forward has arguments: expected %d, got %d'
                                     % (type(func).__name__, len(in_t), len(rets)))
                for r in rets:
                    if not isinstance(r, NDArray):
                        raise MXNetError('autograd.Function.backward must return NDArrays, '
                                         'not %s' % type(r).__name__)
                return [r._read() for r in rets]
            return list(out_t), grad_fn
        return autograd_function(*in_t)
