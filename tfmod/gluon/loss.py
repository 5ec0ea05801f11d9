"""``mx.gluon.loss``: MXNet 1.9.1's loss blocks, computed with ``mx.nd`` ops (so autograd
differentiates them) or, given Symbols, composed with ``mx.sym`` ops.

A loss call returns one value per sample: the elementwise loss, times ``weight`` and a
broadcast ``sample_weight``, averaged (or summed, for KLDivLoss and TripletLoss) over every axis
but ``batch_axis``. A user's subclass of :class:`Loss` writing ``hybrid_forward(F, pred, label)``
runs the same way.
"""
import numbers

import numpy as np

from ..base import MXNetError
from .. import ndarray as _nd_mod
from .. import symbol as _sym_mod
from ..symbol.symbol import Symbol
from .parameter import ParameterDict

__all__ = ['Loss', 'L2Loss', 'L1Loss', 'SigmoidBinaryCrossEntropyLoss', 'SigmoidBCELoss',
           'SoftmaxCrossEntropyLoss', 'SoftmaxCELoss', 'KLDivLoss', 'CTCLoss', 'HuberLoss',
           'HingeLoss', 'SquaredHingeLoss', 'LogisticLoss', 'TripletLoss', 'PoissonNLLLoss',
           'CosineEmbeddingLoss', 'SDMLLoss']


def _weighted(F, loss, weight=None, sample_weight=None):
    if sample_weight is not None:
        loss = F.broadcast_mul(loss, sample_weight)
    if weight is not None:
        if not isinstance(weight, numbers.Number):
            raise MXNetError('weight must be a number, got %r' % (weight,))
        loss = loss * weight
    return loss


def _reshape_like(F, x, y):
    """``x`` in ``y``'s shape (labels given flat for a (batch, 1) prediction)."""
    if F is _nd_mod:
        if x.size != y.size:
            raise MXNetError('label of shape %s cannot take the shape %s of the prediction'
                             % (x.shape, y.shape))
        return x.reshape(y.shape)
    return F.reshape_like(x, y)


def _per_sample(F, loss, batch_axis):
    return F.mean(loss, axis=batch_axis, exclude=True)


class Loss:
    """Base class of the losses: ``weight`` scales the loss, ``batch_axis`` is kept."""

    def __init__(self, weight, batch_axis, prefix=None, params=None, **kwargs):
        if kwargs:
            raise MXNetError('%s got unexpected arguments: %s'
                             % (type(self).__name__, ', '.join(sorted(kwargs))))
        self._weight = weight
        self._batch_axis = batch_axis
        self._prefix = prefix or ''
        self._params = ParameterDict(self._prefix, params)

    def __repr__(self):
        return '%s(batch_axis=%s, w=%s)' % (type(self).__name__, self._batch_axis, self._weight)

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, x, *args, **kwargs):
        """``hybrid_forward`` with ``F`` = ``mx.sym`` for Symbol inputs, else ``mx.nd``."""
        F = _sym_mod if isinstance(x, Symbol) else _nd_mod
        return self.hybrid_forward(F, x, *args, **kwargs)

    def hybrid_forward(self, F, x, *args, **kwargs):
        raise NotImplementedError

    # Block methods a training script calls on its loss
    def hybridize(self, active=True, **kwargs):
        """Accepted: the loss's ops run as they are."""

    def collect_params(self, select=None):
        return self._params

    @property
    def params(self):
        return self._params

    def initialize(self, *args, **kwargs):
        """A loss has no parameters to initialise."""

    def cast(self, dtype):
        """A loss has no parameters to cast."""


class L2Loss(Loss):
    """``weight/2 * (label - pred)^2``, averaged per sample."""

    def __init__(self, weight=1., batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = _weighted(F, F.square(label - pred), self._weight / 2, sample_weight)
        return _per_sample(F, loss, self._batch_axis)


class L1Loss(Loss):
    """``|label - pred|``, averaged per sample."""

    def __init__(self, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = _weighted(F, F.abs(label - pred), self._weight, sample_weight)
        return _per_sample(F, loss, self._batch_axis)


class SigmoidBinaryCrossEntropyLoss(Loss):
    """Binary cross-entropy on logits (stable form) or, ``from_sigmoid``, on probabilities;
    ``pos_weight`` scales the positive term."""

    def __init__(self, from_sigmoid=False, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._from_sigmoid = from_sigmoid

    def hybrid_forward(self, F, pred, label, sample_weight=None, pos_weight=None):
        label = _reshape_like(F, label, pred)
        if not self._from_sigmoid:
            softplus = F.Activation(-F.abs(pred), act_type='softrelu')
            if pos_weight is None:
                loss = F.relu(pred) - pred * label + softplus
            else:
                log_weight = 1 + F.broadcast_mul(pos_weight - 1, label)
                loss = pred - pred * label + log_weight * (softplus + F.relu(-pred))
        else:
            eps = 1e-12
            if pos_weight is None:
                loss = -(F.log(pred + eps) * label + F.log(1. - pred + eps) * (1. - label))
            else:
                loss = -(F.broadcast_mul(F.log(pred + eps) * label, pos_weight)
                         + F.log(1. - pred + eps) * (1. - label))
        loss = _weighted(F, loss, self._weight, sample_weight)
        return _per_sample(F, loss, self._batch_axis)


SigmoidBCELoss = SigmoidBinaryCrossEntropyLoss


class SoftmaxCrossEntropyLoss(Loss):
    """Cross-entropy of ``softmax(pred)`` (``from_logits``: pred is already a log-probability)
    against class indices (``sparse_label``) or a distribution over ``axis``."""

    def __init__(self, axis=-1, sparse_label=True, from_logits=False, weight=None,
                 batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._axis = axis
        self._sparse_label = sparse_label
        self._from_logits = from_logits

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        if not self._from_logits:
            pred = F.log_softmax(pred, self._axis)
        if self._sparse_label:
            loss = -F.pick(pred, label, axis=self._axis, keepdims=True)
        else:
            label = _reshape_like(F, label, pred)
            loss = -F.sum(pred * label, axis=self._axis, keepdims=True)
        loss = _weighted(F, loss, self._weight, sample_weight)
        return _per_sample(F, loss, self._batch_axis)


SoftmaxCELoss = SoftmaxCrossEntropyLoss


class KLDivLoss(Loss):
    """``label * (log(label) - pred)`` summed per sample; ``pred`` is log-probabilities unless
    ``from_logits=False``."""

    def __init__(self, from_logits=True, axis=-1, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._from_logits = from_logits
        self._axis = axis

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        if not self._from_logits:
            pred = F.log_softmax(pred, self._axis)
        loss = label * (F.log(label + 1e-12) - pred)
        loss = _weighted(F, loss, self._weight, sample_weight)
        return F.sum(loss, axis=self._batch_axis, exclude=True)


class CTCLoss(Loss):
    """Connectionist temporal classification (the ``CTCLoss`` op, blank = the last class)."""

    def __init__(self, layout='NTC', label_layout='NT', weight=None, **kwargs):
        if layout not in ('NTC', 'TNC'):
            raise MXNetError("CTCLoss: only 'NTC' and 'TNC' layouts for pred are supported. "
                             'Got: %s' % layout)
        if label_layout not in ('NT', 'TN'):
            raise MXNetError("CTCLoss: only 'NT' and 'TN' layouts for label are supported. "
                             'Got: %s' % label_layout)
        self._layout = layout
        self._label_layout = label_layout
        super().__init__(weight, label_layout.find('N'), **kwargs)

    def hybrid_forward(self, F, pred, label, pred_lengths=None, label_lengths=None,
                       sample_weight=None):
        if self._layout == 'NTC':
            pred = F.swapaxes(pred, 0, 1)
        if self._batch_axis == 1:
            label = F.swapaxes(label, 0, 1)
        args = [pred, label]
        if pred_lengths is not None:
            args.append(pred_lengths)
        if label_lengths is not None:
            args.append(label_lengths)
        loss = F.CTCLoss(*args, use_data_lengths=pred_lengths is not None,
                         use_label_lengths=label_lengths is not None, blank_label='last')
        return _weighted(F, loss, self._weight, sample_weight)


class HuberLoss(Loss):
    """Squared error below ``rho``, absolute error above (smooth L1)."""

    def __init__(self, rho=1, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._rho = rho

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = F.abs(label - pred)
        loss = F.where(loss > self._rho, loss - 0.5 * self._rho,
                       (0.5 / self._rho) * F.square(loss))
        loss = _weighted(F, loss, self._weight, sample_weight)
        return _per_sample(F, loss, self._batch_axis)


class HingeLoss(Loss):
    """``max(0, margin - pred * label)`` for labels in {-1, 1}."""

    def __init__(self, margin=1, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = _weighted(F, F.relu(self._margin - pred * label), self._weight, sample_weight)
        return _per_sample(F, loss, self._batch_axis)


class SquaredHingeLoss(Loss):
    """``max(0, margin - pred * label)^2`` for labels in {-1, 1}."""

    def __init__(self, margin=1, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = F.square(F.relu(self._margin - pred * label))
        loss = _weighted(F, loss, self._weight, sample_weight)
        return _per_sample(F, loss, self._batch_axis)


class LogisticLoss(Loss):
    """``log(1 + exp(-pred * label))``; labels 'signed' ({-1, 1}) or 'binary' ({0, 1})."""

    def __init__(self, weight=None, batch_axis=0, label_format='signed', **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        if label_format not in ('signed', 'binary'):
            raise MXNetError('label_format can only be signed or binary, recieved %s.'
                             % label_format)
        self._label_format = label_format

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        if self._label_format == 'signed':
            label = (label + 1.0) / 2.0
        loss = F.relu(pred) - pred * label + F.Activation(-F.abs(pred), act_type='softrelu')
        loss = _weighted(F, loss, self._weight, sample_weight)
        return _per_sample(F, loss, self._batch_axis)


class TripletLoss(Loss):
    """``max(0, |pos - pred|^2 - |neg - pred|^2 + margin)`` per sample."""

    def __init__(self, margin=1, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, pred, positive, negative):
        positive = _reshape_like(F, positive, pred)
        negative = _reshape_like(F, negative, pred)
        loss = F.sum(F.square(positive - pred) - F.square(negative - pred),
                     axis=self._batch_axis, exclude=True)
        loss = F.relu(loss + self._margin)
        return _weighted(F, loss, self._weight, None)


class PoissonNLLLoss(Loss):
    """Poisson negative log-likelihood, averaged over everything (one number, as MXNet's)."""

    def __init__(self, weight=None, from_logits=True, batch_axis=0, compute_full=False,
                 **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._from_logits = from_logits
        self._compute_full = compute_full

    def hybrid_forward(self, F, pred, target, sample_weight=None, epsilon=1e-08):
        target = _reshape_like(F, target, pred)
        if self._from_logits:
            loss = F.exp(pred) - target * pred
        else:
            loss = pred - target * F.log(pred + epsilon)
        if self._compute_full:
            stirling = target * F.log(target) - target + 0.5 * F.log(2 * target * np.pi)
            loss = loss + stirling * (target > 1)
        loss = _weighted(F, loss, self._weight, sample_weight)
        return F.mean(loss)


class CosineEmbeddingLoss(Loss):
    """``1 - cos(x1, x2)`` for label 1, ``max(0, cos(x1, x2) - margin)`` for label -1."""

    def __init__(self, weight=None, batch_axis=0, margin=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, input1, input2, label, sample_weight=None):
        input1 = _reshape_like(F, input1, input2)
        label = label.reshape((-1, 1))
        x_norm = F.norm(input1, axis=-1).reshape((-1, 1))
        y_norm = F.norm(input2, axis=-1).reshape((-1, 1))
        dot = F.sum(input1 * input2, axis=-1).reshape((-1, 1))
        eps = F.array([1e-12]) if F is _nd_mod else F.full((1, 1), 1e-12)
        cos = dot / F.broadcast_maximum(x_norm * y_norm, eps)
        zero = F.array([0]) if F is _nd_mod else F.zeros((1, 1))
        loss = (1 - cos) * (label == 1) + F.broadcast_maximum(
            zero, (label == -1) * (cos - self._margin))
        return _weighted(F, loss, self._weight, sample_weight)



class SDMLLoss(Loss):
    """Smoothed deep metric learning: row i of ``x1`` should be nearest to row i of ``x2``;
    KL divergence of the softmax over negative squared distances from smoothed one-hot labels
    (arrays only: the batch size must be known)."""

    def __init__(self, smoothing_parameter=0.3, weight=1., batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self.kl_loss = KLDivLoss(from_logits=True)
        self.smoothing_parameter = smoothing_parameter

    def hybrid_forward(self, F, x1, x2):
        if F is not _nd_mod:
            raise MXNetError('SDMLLoss takes NDArrays (it needs the batch size), not Symbols')
        if x1.shape != x2.shape or len(x1.shape) != 2:
            raise MXNetError('SDMLLoss: x1 and x2 must be (batch, dim) arrays of one shape, got '
                             '%s and %s' % (x1.shape, x2.shape))
        n, dim = x1.shape
        a = x1.expand_dims(1).broadcast_to((n, n, dim))
        b = x2.expand_dims(0).broadcast_to((n, n, dim))
        distances = ((a - b) ** 2).sum(axis=2)
        gold = F.eye(n, ctx=distances.context)
        s = self.smoothing_parameter
        labels = gold * (1 - s) + (1 - gold) * s / (n - 1)
        return self.kl_loss(F.log_softmax(-distances, axis=1), labels)


def __getattr__(attr):
    from . import absent
    return absent.name_getattr(__name__, attr)
