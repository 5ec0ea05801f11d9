"""``mx.metric``: online evaluation metrics, as MXNet 1.9.1 has them.

Every metric computes on the host in numpy: ``update`` pulls each label and prediction
to a numpy array once (``NDArray.asnumpy()``; numpy arrays and anything with ``.numpy()``
are accepted too), and the arithmetic follows MXNet's python metrics, which also run in
numpy and accumulate in float64.  ``Perplexity``, ``Loss`` (and, as in MXNet, the per-batch
sums of ``CrossEntropy``/``NegativeLogLikelihood``/``MAE``/``MSE``/``RMSE``) reduce in the
input's float32 before the result is widened to a Python float.

Behaviour kept on purpose because MXNet 1.9.1 has it (see the fixtures README, Pitfalls
12-14):

* MAE/MSE/RMSE and the ``average='macro'`` F1/MCC/Pearson report the mean of per-batch
  values (``num_inst`` grows by one per batch).
* ``reset_local()`` clears only the local counters; ``get_global()`` keeps the rest.
* ``PearsonCorrelation(average='micro').get_global()`` is always 0.0 (global sums are never
  accumulated), and its running moments survive ``reset_local()``.
* ``TopKAccuracy`` with 1-D predictions does not add to the global sum.
* ``CompositeEvalMetric`` has no ``num_inst``/``sum_metric`` attributes of its own.
* ``CompositeEvalMetric.get_metric`` *returns* (does not raise) a ValueError when the
  index is out of range.
"""
import json
import math
import warnings
from collections import OrderedDict

import numpy as _np

from .base import MXNetError, string_types

__all__ = ['EvalMetric', 'CompositeEvalMetric', 'Accuracy', 'TopKAccuracy', 'F1', 'MCC',
           'Perplexity', 'MAE', 'MSE', 'RMSE', 'CrossEntropy', 'NegativeLogLikelihood',
           'PearsonCorrelation', 'PCC', 'Loss', 'Torch', 'Caffe', 'CustomMetric', 'np',
           'create', 'register', 'alias', 'check_label_shapes']


class _MetricAssertionError(MXNetError, AssertionError):
    """Raised where MXNet fails an ``assert``: catchable as AssertionError or MXNetError."""


def _assert(cond, msg=''):
    if not cond:
        raise _MetricAssertionError(msg)


# ----------------------------------------------------------------------------------------
# host-side helpers
# ----------------------------------------------------------------------------------------
def _is_array(x):
    """A single array (NDArray, numpy array, tensor), as opposed to a list of them."""
    if isinstance(x, _np.ndarray):
        return True
    return hasattr(x, 'shape') and (hasattr(x, 'asnumpy') or hasattr(x, 'numpy'))


def _host(x):
    """The value of one label/prediction as a numpy array."""
    if isinstance(x, _np.ndarray):
        return x
    if hasattr(x, 'asnumpy'):
        return x.asnumpy()
    if hasattr(x, 'numpy'):
        return _np.asarray(x.numpy())
    return _np.asarray(x)


def _as_float(x):
    """Widen a numpy scalar to a Python number (MXNet's numpy 1.x promotes to float64;
    numpy 2 would keep float32 when adding to a Python float)."""
    if isinstance(x, _np.floating):
        return float(x)
    if isinstance(x, _np.integer):
        return int(x)
    return x


def _float_array(a):
    if a.dtype.kind != 'f':
        return a.astype(_np.float32)
    return a


def check_label_shapes(labels, preds, wrap=False, shape=False):
    """Check that labels and predictions agree in length (or in shape if ``shape``).

    Raises MXNetError (a ValueError, as in MXNet) naming both. With ``wrap``, a single
    array is wrapped into a one-element list after the check.
    """
    if not shape:
        label_shape, pred_shape = len(labels), len(preds)
    else:
        label_shape, pred_shape = tuple(labels.shape), tuple(preds.shape)
    if label_shape != pred_shape:
        raise MXNetError("Shape of labels {} does not match shape of predictions {}"
                         .format(label_shape, pred_shape))
    if wrap:
        if _is_array(labels):
            labels = [labels]
        if _is_array(preds):
            preds = [preds]
    return labels, preds


# ----------------------------------------------------------------------------------------
# registry
# ----------------------------------------------------------------------------------------
_REGISTRY = {}


def register(klass, name=None):
    """Register a metric class under ``name`` (default: its class name), lower-cased."""
    if not (isinstance(klass, type) and issubclass(klass, EvalMetric)):
        raise _MetricAssertionError('Can only register subclass of EvalMetric')
    key = (klass.__name__ if name is None else name).lower()
    old = _REGISTRY.get(key)
    if old is not None and old is not klass:
        warnings.warn('New metric %s.%s registered with name %s is overriding existing '
                      'metric %s.%s' % (klass.__module__, klass.__name__, key,
                                        old.__module__, old.__name__), UserWarning, stacklevel=2)
    _REGISTRY[key] = klass
    return klass


def alias(*aliases):
    """Class decorator registering the class under each of ``aliases``."""
    def deco(klass):
        for a in aliases:
            register(klass, a)
        return klass
    return deco


def _create_registered(*args, **kwargs):
    if args:
        spec, args = args[0], args[1:]
    else:
        spec = kwargs.pop('metric')
    if isinstance(spec, EvalMetric):
        _assert(not args and not kwargs,
                'metric is already an instance. Additional arguments are invalid')
        return spec
    if isinstance(spec, dict):
        return _create_registered(**spec)
    _assert(isinstance(spec, string_types), 'metric must be of string type')
    if spec.startswith('['):
        _assert(not args and not kwargs)
        spec, kwargs = json.loads(spec)
        return _create_registered(spec, **kwargs)
    if spec.startswith('{'):
        _assert(not args and not kwargs)
        return _create_registered(**json.loads(spec))
    key = spec.lower()
    if key not in _REGISTRY:
        raise _MetricAssertionError(
            '%s is not registered. Please register with metric.register first. '
            'Registered metrics: %s' % (key, ', '.join(sorted(_REGISTRY))))
    return _REGISTRY[key](*args, **kwargs)


def create(metric, *args, **kwargs):
    """Make a metric from a name (or alias), an EvalMetric instance, a list of those
    (-> CompositeEvalMetric), a config dict/JSON string, or a callable feval(label, pred)
    (-> CustomMetric). Extra arguments go to the constructor."""
    if callable(metric):
        return CustomMetric(metric, *args, **kwargs)
    if isinstance(metric, list):
        comp = CompositeEvalMetric()
        for child in metric:
            comp.add(create(child, *args, **kwargs))
        return comp
    return _create_registered(metric, *args, **kwargs)


# ----------------------------------------------------------------------------------------
# base class
# ----------------------------------------------------------------------------------------
class EvalMetric(object):
    """Base class of all metrics.

    Parameters
    ----------
    name : str
        Display name.
    output_names, label_names : list of str or None
        Which entries ``update_dict`` uses (None: all, in order).
    """

    def __init__(self, name, output_names=None, label_names=None, **kwargs):
        self.name = str(name)
        self.output_names = output_names
        self.label_names = label_names
        self._has_global_stats = kwargs.pop('has_global_stats', False)
        self._kwargs = kwargs
        self.reset()

    def __str__(self):
        return 'EvalMetric: {}'.format(dict(self.get_name_value()))

    def get_config(self):
        """The constructor arguments; ``create(**config)`` rebuilds the metric."""
        config = self._kwargs.copy()
        config.update({'metric': self.__class__.__name__, 'name': self.name,
                       'output_names': self.output_names, 'label_names': self.label_names})
        return config

    def update_dict(self, label, pred):
        """Update from name -> array mappings, selecting by output_names/label_names."""
        if self.output_names is not None:
            pred = [pred[n] for n in self.output_names]
        else:
            pred = list(pred.values())
        if self.label_names is not None:
            label = [label[n] for n in self.label_names]
        else:
            label = list(label.values())
        self.update(label, pred)

    def update(self, labels, preds):
        raise NotImplementedError()

    def reset(self):
        self.num_inst = 0
        self.sum_metric = 0.0
        self.global_num_inst = 0
        self.global_sum_metric = 0.0

    def reset_local(self):
        self.num_inst = 0
        self.sum_metric = 0.0

    def _add(self, value, count):
        """Accumulate into both the local and the global sums."""
        value = _as_float(value)
        count = _as_float(count)
        self.sum_metric += value
        self.global_sum_metric += value
        self.num_inst += count
        self.global_num_inst += count

    def get(self):
        if self.num_inst == 0:
            return (self.name, float('nan'))
        return (self.name, self.sum_metric / self.num_inst)

    def get_global(self):
        if not self._has_global_stats:
            return self.get()
        if self.global_num_inst == 0:
            return (self.name, float('nan'))
        return (self.name, self.global_sum_metric / self.global_num_inst)

    @staticmethod
    def _zip(name, value):
        if not isinstance(name, list):
            name = [name]
        if not isinstance(value, list):
            value = [value]
        return list(zip(name, value))

    def get_name_value(self):
        return self._zip(*self.get())

    def get_global_name_value(self):
        if not self._has_global_stats:
            return self.get_name_value()
        return self._zip(*self.get_global())


# ----------------------------------------------------------------------------------------
# composite
# ----------------------------------------------------------------------------------------
@register
@alias('composite')
class CompositeEvalMetric(EvalMetric):
    """Several metrics updated together; ``get`` returns ([names], [values])."""

    def __init__(self, metrics=None, name='composite', output_names=None, label_names=None):
        super(CompositeEvalMetric, self).__init__(name, output_names=output_names,
                                                  label_names=label_names,
                                                  has_global_stats=True)
        self.metrics = [create(m) for m in (metrics or [])]

    def add(self, metric):
        self.metrics.append(create(metric))

    def get_metric(self, index):
        try:
            return self.metrics[index]
        except IndexError:
            # MXNet 1.9.1 returns (not raises) this error.
            return ValueError('Metric index {} is out of range 0 and {}'.format(
                index, len(self.metrics)))

    def update_dict(self, labels, preds):  # pylint: disable=arguments-renamed
        if self.label_names is not None:
            labels = OrderedDict([kv for kv in labels.items() if kv[0] in self.label_names])
        if self.output_names is not None:
            preds = OrderedDict([kv for kv in preds.items() if kv[0] in self.output_names])
        for m in self.metrics:
            m.update_dict(labels, preds)

    def update(self, labels, preds):
        for m in self.metrics:
            m.update(labels, preds)

    def reset(self):
        # Called by EvalMetric.__init__ before ``metrics`` exists: then it does nothing,
        # so the composite itself never gets num_inst/sum_metric (as in MXNet).
        for m in getattr(self, 'metrics', ()):
            m.reset()

    def reset_local(self):
        for m in getattr(self, 'metrics', ()):
            m.reset_local()

    @staticmethod
    def _collect(pairs):
        names, values = [], []
        for name, value in pairs:
            names.extend(name if isinstance(name, list) else [name])
            values.extend(value if isinstance(value, list) else [value])
        return (names, values)

    def get(self):
        return self._collect(m.get() for m in self.metrics)

    def get_global(self):
        return self._collect(m.get_global() for m in self.metrics)

    def get_config(self):
        config = super(CompositeEvalMetric, self).get_config()
        config.update({'metrics': [m.get_config() for m in self.metrics]})
        return config


# ----------------------------------------------------------------------------------------
# classification
# ----------------------------------------------------------------------------------------
@register
@alias('acc')
class Accuracy(EvalMetric):
    """Fraction of samples whose predicted class equals the label.

    Predictions with the label's shape are taken as class indices; otherwise the class is
    the argmax over ``axis``.
    """

    def __init__(self, axis=1, name='accuracy', output_names=None, label_names=None):
        super(Accuracy, self).__init__(name, axis=axis, output_names=output_names,
                                       label_names=label_names, has_global_stats=True)
        self.axis = axis

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label, pred = _host(label), _host(pred)
            if pred.shape != label.shape:
                pred = _np.argmax(pred, axis=self.axis)
            pred = pred.astype(_np.int32).ravel()
            label = label.astype(_np.int32).ravel()
            check_label_shapes(label, pred)
            self._add(int((pred == label).sum()), len(pred))


@register
@alias('top_k_accuracy', 'top_k_acc')
class TopKAccuracy(EvalMetric):
    """Fraction of samples whose label is among the ``top_k`` highest predictions."""

    def __init__(self, top_k=1, name='top_k_accuracy', output_names=None, label_names=None):
        super(TopKAccuracy, self).__init__(name, top_k=top_k, output_names=output_names,
                                           label_names=label_names, has_global_stats=True)
        self.top_k = top_k
        _assert(self.top_k > 1, 'Please use Accuracy if top_k is no more than 1')
        self.name += '_%d' % self.top_k

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            pred = _host(pred)
            _assert(pred.ndim <= 2, 'Predictions should be no more than 2 dims')
            order = _np.argpartition(pred.astype(_np.float32), -self.top_k)
            label = _host(label).astype(_np.int32)
            check_label_shapes(label, order)
            n = order.shape[0]
            if order.ndim == 1:
                # MXNet adds this case to the local sum only.
                self.sum_metric += int((order.ravel() == label.ravel()).sum())
            else:
                num_classes = order.shape[1]
                lab = label.ravel()
                for j in range(min(num_classes, self.top_k)):
                    hit = int((order[:, num_classes - 1 - j].ravel() == lab).sum())
                    self.sum_metric += hit
                    self.global_sum_metric += hit
            self.num_inst += n
            self.global_num_inst += n


class _BinaryClassificationMetrics(object):
    """Confusion counts (local since reset_local, global since reset) for binary metrics."""

    _FIELDS = ('true_positives', 'false_positives', 'false_negatives', 'true_negatives')

    def __init__(self):
        self.reset_stats()

    def update_binary_stats(self, label, pred):
        pred = _host(pred)
        label = _host(label).astype(_np.int32)
        pred_label = _np.argmax(pred, axis=1)
        check_label_shapes(label, pred)
        if len(_np.unique(label)) > 2:
            raise MXNetError('%s currently only supports binary classification.'
                             % self.__class__.__name__)
        pred_pos = pred_label == 1
        label_pos = label == 1
        counts = {'true_positives': int((pred_pos & label_pos).sum()),
                  'false_positives': int((pred_pos & ~label_pos).sum()),
                  'false_negatives': int((~pred_pos & label_pos).sum()),
                  'true_negatives': int((~pred_pos & ~label_pos).sum())}
        for f, c in counts.items():
            setattr(self, f, getattr(self, f) + c)
            setattr(self, 'global_' + f, getattr(self, 'global_' + f) + c)

    def _counts(self, use_global):
        p = 'global_' if use_global else ''
        return tuple(getattr(self, p + f) for f in self._FIELDS)   # tp, fp, fn, tn

    @staticmethod
    def _ratio(a, b):
        return float(a) / b if b > 0 else 0.

    def _precision(self, g):
        tp, fp, _, _ = self._counts(g)
        return self._ratio(tp, tp + fp)

    def _recall(self, g):
        tp, _, fn, _ = self._counts(g)
        return self._ratio(tp, tp + fn)

    def _fscore(self, g):
        p, r = self._precision(g), self._recall(g)
        return 2 * p * r / (p + r) if p + r > 0 else 0.

    precision = property(lambda self: self._precision(False))
    global_precision = property(lambda self: self._precision(True))
    recall = property(lambda self: self._recall(False))
    global_recall = property(lambda self: self._recall(True))
    fscore = property(lambda self: self._fscore(False))
    global_fscore = property(lambda self: self._fscore(True))
    total_examples = property(lambda self: sum(self._counts(False)))
    global_total_examples = property(lambda self: sum(self._counts(True)))

    def matthewscc(self, use_global=False):
        """Matthews correlation; zero factors of the denominator count as 1."""
        tp, fp, fn, tn = (float(c) for c in self._counts(use_global))
        if not (tp + fp + fn + tn):
            return 0.
        denom = 1.
        for t in (tp + fp, tp + fn, tn + fp, tn + fn):
            if t != 0.:
                denom *= t
        return (tp * tn - fp * fn) / math.sqrt(denom)

    def local_reset_stats(self):
        for f in self._FIELDS:
            setattr(self, f, 0)

    def reset_stats(self):
        for f in self._FIELDS:
            setattr(self, f, 0)
            setattr(self, 'global_' + f, 0)


@register
class F1(EvalMetric):
    """Binary F1 (class 1 positive). ``average='macro'``: mean of per-batch F1;
    ``'micro'``: F1 of the pooled counts."""

    def __init__(self, name='f1', output_names=None, label_names=None, average='macro'):
        self.average = average
        self.metrics = _BinaryClassificationMetrics()
        EvalMetric.__init__(self, name=name, output_names=output_names,
                            label_names=label_names, has_global_stats=True)

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            self.metrics.update_binary_stats(label, pred)
        st = self.metrics
        if self.average == 'macro':
            self.sum_metric += st.fscore
            self.global_sum_metric += st.global_fscore
            self.num_inst += 1
            self.global_num_inst += 1
            st.reset_stats()
        else:
            self.sum_metric = st.fscore * st.total_examples
            self.global_sum_metric = st.global_fscore * st.global_total_examples
            self.num_inst = st.total_examples
            self.global_num_inst = st.global_total_examples

    def reset(self):
        self.sum_metric = 0.
        self.num_inst = 0
        self.global_num_inst = 0
        self.global_sum_metric = 0.0
        self.metrics.reset_stats()

    def reset_local(self):
        self.sum_metric = 0.
        self.num_inst = 0
        self.metrics.local_reset_stats()


@register
class MCC(EvalMetric):
    """Binary Matthews correlation coefficient; ``average`` as for F1."""

    def __init__(self, name='mcc', output_names=None, label_names=None, average='macro'):
        self._average = average
        self._metrics = _BinaryClassificationMetrics()
        EvalMetric.__init__(self, name=name, output_names=output_names,
                            label_names=label_names, has_global_stats=True)

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            self._metrics.update_binary_stats(label, pred)
        st = self._metrics
        if self._average == 'macro':
            self.sum_metric += st.matthewscc()
            self.global_sum_metric += st.matthewscc(use_global=True)
            self.num_inst += 1
            self.global_num_inst += 1
            st.reset_stats()
        else:
            self.sum_metric = st.matthewscc() * st.total_examples
            self.global_sum_metric = st.matthewscc(use_global=True) * st.global_total_examples
            self.num_inst = st.total_examples
            self.global_num_inst = st.global_total_examples

    def reset(self):
        self.sum_metric = 0.
        self.num_inst = 0.
        self.global_sum_metric = 0.
        self.global_num_inst = 0.
        self._metrics.reset_stats()

    def reset_local(self):
        self.sum_metric = 0.
        self.num_inst = 0.
        self._metrics.local_reset_stats()


@register
class Perplexity(EvalMetric):
    """exp(mean negative log-probability of the label), skipping ``ignore_label``.

    ``ignore_label`` is required (None counts every entry). The label is flattened, so
    predictions must have the label's entries along all axes but ``axis`` -- in practice
    2-D (N, C) predictions, as in MXNet 1.9.1.
    """

    def __init__(self, ignore_label, axis=-1, name='perplexity', output_names=None,
                 label_names=None):
        super(Perplexity, self).__init__(name, ignore_label=ignore_label,
                                         output_names=output_names, label_names=label_names,
                                         has_global_stats=True)
        self.ignore_label = ignore_label
        self.axis = axis

    def update(self, labels, preds):
        _assert(len(labels) == len(preds))
        loss = 0.
        num = 0
        for label, pred in zip(labels, preds):
            label, pred = _host(label), _float_array(_host(pred))
            _assert(label.size == pred.size / pred.shape[-1],
                    'shape mismatch: %s vs. %s' % (label.shape, pred.shape))
            label = label.reshape((label.size,))
            axis = self.axis % pred.ndim
            want = pred.shape[:axis] + pred.shape[axis + 1:]
            if want != label.shape:
                raise MXNetError('Shape inconsistent, Provided = [%d], inferred shape=[%s]'
                                 % (label.size, ','.join(str(d) for d in want)))
            idx = _np.clip(label.astype(_np.int32), 0, pred.shape[axis] - 1)
            picked = _np.take_along_axis(pred, _np.expand_dims(idx, axis), axis)
            picked = _np.squeeze(picked, axis)
            if self.ignore_label is not None:
                ignore = (label == self.ignore_label).astype(picked.dtype)
                num -= float(ignore.sum())
                picked = picked * (1 - ignore) + ignore
            one_e_10 = picked.dtype.type(1e-10)
            loss -= float(_np.log(_np.maximum(one_e_10, picked)).sum())
            num += picked.size
        self._add(loss, num)

    def get(self):
        if self.num_inst == 0:
            return (self.name, float('nan'))
        return (self.name, math.exp(self.sum_metric / self.num_inst))

    def get_global(self):
        if self.global_num_inst == 0:
            return (self.name, float('nan'))
        return (self.name, math.exp(self.global_sum_metric / self.global_num_inst))


# ----------------------------------------------------------------------------------------
# regression
# ----------------------------------------------------------------------------------------
def _as_columns(a):
    return a.reshape(a.shape[0], 1) if a.ndim == 1 else a


class _PerBatchRegression(EvalMetric):
    """Shared update for MAE/MSE/RMSE: one value per (label, pred) pair, num_inst += 1."""

    def __init__(self, name, output_names=None, label_names=None):
        super(_PerBatchRegression, self).__init__(name, output_names=output_names,
                                                  label_names=label_names,
                                                  has_global_stats=True)

    @staticmethod
    def _batch_value(diff):
        raise NotImplementedError()

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            diff = _as_columns(_host(label)) - _as_columns(_host(pred))
            self._add(self._batch_value(diff), 1)


@register
class MAE(_PerBatchRegression):
    """Mean absolute error (mean over batches of the per-batch mean)."""

    def __init__(self, name='mae', output_names=None, label_names=None):
        super(MAE, self).__init__(name, output_names=output_names, label_names=label_names)

    @staticmethod
    def _batch_value(diff):
        return _np.abs(diff).mean()


@register
class MSE(_PerBatchRegression):
    """Mean squared error (mean over batches of the per-batch mean)."""

    def __init__(self, name='mse', output_names=None, label_names=None):
        super(MSE, self).__init__(name, output_names=output_names, label_names=label_names)

    @staticmethod
    def _batch_value(diff):
        return (diff ** 2.0).mean()


@register
class RMSE(_PerBatchRegression):
    """Root mean squared error (mean over batches of the per-batch RMSE)."""

    def __init__(self, name='rmse', output_names=None, label_names=None):
        super(RMSE, self).__init__(name, output_names=output_names, label_names=label_names)

    @staticmethod
    def _batch_value(diff):
        return _np.sqrt((diff ** 2.0).mean())


class _LabelLogLoss(EvalMetric):
    """Shared update for CrossEntropy/NLL: -sum log(p[label] + eps), per sample."""

    def __init__(self, eps, name, output_names=None, label_names=None):
        super(_LabelLogLoss, self).__init__(name, eps=eps, output_names=output_names,
                                            label_names=label_names, has_global_stats=True)
        self.eps = eps

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label, pred = _host(label).ravel(), _host(pred)
            n = pred.shape[0]
            self._check_rows(label.shape[0], n)
            prob = pred[_np.arange(n, dtype=_np.int64), label.astype(_np.int64)]
            self._add((-_np.log(prob + self.eps)).sum(), n)

    @staticmethod
    def _check_rows(n_label, n_pred):
        _assert(n_label == n_pred)


@register
@alias('ce')
class CrossEntropy(_LabelLogLoss):
    """Cross-entropy of class-probability predictions against integer labels."""

    def __init__(self, eps=1e-12, name='cross-entropy', output_names=None, label_names=None):
        super(CrossEntropy, self).__init__(eps, name, output_names=output_names,
                                           label_names=label_names)


@register
@alias('nll_loss')
class NegativeLogLikelihood(_LabelLogLoss):
    """Negative log-likelihood of the labelled class."""

    def __init__(self, eps=1e-12, name='nll-loss', output_names=None, label_names=None):
        super(NegativeLogLikelihood, self).__init__(eps, name, output_names=output_names,
                                                    label_names=label_names)

    @staticmethod
    def _check_rows(n_label, n_pred):
        _assert(n_label == n_pred, (n_label, n_pred))


@register
@alias('pearsonr')
class PearsonCorrelation(EvalMetric):
    """Pearson correlation of flattened labels and predictions.

    ``average='macro'``: mean of per-batch correlations. ``'micro'``: one correlation from
    running moments (MXNet's batched update; its ``get_global`` returns 0.0).
    """

    def __init__(self, name='pearsonr', output_names=None, label_names=None, average='macro'):
        self.average = average
        super(PearsonCorrelation, self).__init__(name, output_names=output_names,
                                                 label_names=label_names,
                                                 has_global_stats=True)
        if self.average == 'micro':
            self.reset_micro()

    def reset_micro(self):
        self._sse_p = 0
        self._mean_p = 0
        self._sse_l = 0
        self._mean_l = 0
        self._pred_nums = 0
        self._label_nums = 0
        self._conv = 0

    def reset(self):
        EvalMetric.reset(self)
        if self.average == 'micro':
            self.reset_micro()

    @staticmethod
    def update_variance(new_values, count, mean, m_2):
        """Fold a batch into (count, mean, sum of squared deviations)."""
        count += len(new_values)
        delta = new_values - mean
        mean += _np.sum(delta / count)
        m_2 += _np.sum(delta * (new_values - mean))
        return count, mean, m_2

    def update_cov(self, label, pred):
        self._conv = self._conv + _np.sum((label - self._mean_l) * (pred - self._mean_p))

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label, pred = _host(label), _host(pred)
            check_label_shapes(label, pred, False, True)
            label = label.ravel().astype(_np.float64)
            pred = pred.ravel().astype(_np.float64)
            if self.average == 'macro':
                self._add(_np.corrcoef(pred, label)[0, 1], 1)
            else:
                self.global_num_inst += 1
                self.num_inst += 1
                # Order matters (MXNet's): the label moments move first, then the
                # co-moment uses the new label mean and the old prediction mean.
                self._label_nums, self._mean_l, self._sse_l = self.update_variance(
                    label, self._label_nums, self._mean_l, self._sse_l)
                self.update_cov(label, pred)
                self._pred_nums, self._mean_p, self._sse_p = self.update_variance(
                    pred, self._pred_nums, self._mean_p, self._sse_p)

    def get(self):
        if self.num_inst == 0:
            return (self.name, float('nan'))
        if self.average == 'macro':
            return (self.name, self.sum_metric / self.num_inst)
        n = self._label_nums
        r = self._conv / ((n - 1) * _np.sqrt(self._sse_p / (n - 1))
                          * _np.sqrt(self._sse_l / (n - 1)))
        return (self.name, _as_float(r))


@register
class PCC(EvalMetric):
    """Multiclass Matthews correlation (Pearson on the K x K confusion matrix); the
    matrix grows as larger class indices appear."""

    def __init__(self, name='pcc', output_names=None, label_names=None,
                 has_global_stats=True):
        self.k = 2
        super(PCC, self).__init__(name=name, output_names=output_names,
                                  label_names=label_names, has_global_stats=has_global_stats)

    def _grow(self, inc):
        pad = ((0, inc), (0, inc))
        self.lcm = _np.pad(self.lcm, pad, 'constant', constant_values=0)
        self.gcm = _np.pad(self.gcm, pad, 'constant', constant_values=0)
        self.k += inc

    @staticmethod
    def _calc_mcc(cmat):
        n = cmat.sum()
        x = cmat.sum(axis=1)
        y = cmat.sum(axis=0)
        cov_xx = _np.sum(x * (n - x))
        cov_yy = _np.sum(y * (n - y))
        if cov_xx == 0 or cov_yy == 0:
            return float('nan')
        cov_xy = _np.sum(cmat.diagonal() * n - x * y)
        return float(cov_xy / (cov_xx * cov_yy) ** 0.5)

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label, pred = _host(label).astype(_np.int32), _host(pred)
            if pred.shape != label.shape:
                pred = pred.argmax(axis=1)
            else:
                pred = pred.astype(_np.int32)
            n = int(max(pred.max(), label.max()))
            if n >= self.k:
                self._grow(n + 1 - self.k)
            bcm = _np.zeros((self.k, self.k))
            _np.add.at(bcm, (pred.ravel(), label.ravel()), 1)
            self.lcm += bcm
            self.gcm += bcm
        self.num_inst += 1
        self.global_num_inst += 1

    @property
    def sum_metric(self):
        return self._calc_mcc(self.lcm) * self.num_inst

    @property
    def global_sum_metric(self):
        return self._calc_mcc(self.gcm) * self.global_num_inst

    def reset(self):
        self.global_num_inst = 0.
        self.gcm = _np.zeros((self.k, self.k))
        self.reset_local()

    def reset_local(self):
        self.num_inst = 0.
        self.lcm = _np.zeros((self.k, self.k))


@register
class Loss(EvalMetric):
    """Mean of the prediction entries (for outputs that already are losses); labels are
    ignored."""

    def __init__(self, name='loss', output_names=None, label_names=None):
        super(Loss, self).__init__(name, output_names=output_names, label_names=label_names,
                                   has_global_stats=True)

    def update(self, _, preds):
        if _is_array(preds):
            preds = [preds]
        for pred in preds:
            pred = _host(pred)
            self._add(pred.sum(), pred.size)


@register
class Torch(Loss):
    """Dummy metric for torch criterions."""

    def __init__(self, name='torch', output_names=None, label_names=None):
        super(Torch, self).__init__(name, output_names=output_names, label_names=label_names)


@register
class Caffe(Loss):
    """Dummy metric for caffe criterions."""

    def __init__(self, name='caffe', output_names=None, label_names=None):
        super(Caffe, self).__init__(name, output_names=output_names, label_names=label_names)


# ----------------------------------------------------------------------------------------
# custom
# ----------------------------------------------------------------------------------------
@register
class CustomMetric(EvalMetric):
    """A metric from ``feval(label, pred)`` on numpy arrays, returning either a value
    (averaged per call) or a ``(sum_metric, num_inst)`` tuple."""

    def __init__(self, feval, name=None, allow_extra_outputs=False, output_names=None,
                 label_names=None):
        if name is None:
            name = getattr(feval, '__name__', type(feval).__name__)
            if '<' in name:
                name = 'custom(%s)' % name
        super(CustomMetric, self).__init__(name, feval=feval,
                                           allow_extra_outputs=allow_extra_outputs,
                                           output_names=output_names, label_names=label_names,
                                           has_global_stats=True)
        self._feval = feval
        self._allow_extra_outputs = allow_extra_outputs

    def update(self, labels, preds):
        if not self._allow_extra_outputs:
            labels, preds = check_label_shapes(labels, preds, True)
        elif _is_array(labels) or _is_array(preds):
            labels = [labels] if _is_array(labels) else labels
            preds = [preds] if _is_array(preds) else preds
        for pred, label in zip(preds, labels):
            reval = self._feval(_host(label), _host(pred))
            if isinstance(reval, tuple):
                value, count = reval
                self._add(value, count)
            else:
                self._add(reval, 1)

    def get_config(self):
        raise NotImplementedError('CustomMetric cannot be serialized')


def np(numpy_feval, name=None, allow_extra_outputs=False):  # pylint: disable=invalid-name
    """Make a CustomMetric from ``numpy_feval(label, pred) -> float`` (numpy inputs)."""
    def feval(label, pred):
        return numpy_feval(label, pred)
    feval.__name__ = getattr(numpy_feval, '__name__', type(numpy_feval).__name__)
    return CustomMetric(feval, name, allow_extra_outputs)
