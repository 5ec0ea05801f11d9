"""``mx.model.FeedForward``: MXNet's pre-Module estimator API (deprecated in MXNet, still in
1.9.1 and in old scripts), run on tfmod's Module machinery.

It keeps FeedForward's own rules: numpy inputs become NDArrayIters of ``numpy_batch_size``
(shuffled, ``roll_over`` for training); parameters are initialised by calling the initializer
with each name, keeping given ``arg_params``/``aux_params``; a string optimizer is created with
``rescale_grad = 1/batch_size`` and the symbol's names; ``epoch_size`` caps the batches of an
epoch, the data iterator being reset only when it runs out; its log lines ("Resetting Data
Iterator", "Time cost") and callbacks are MXNet's; ``predict`` returns numpy arrays without the
padded rows. ``score`` leaves padded rows out as tfmod's Module.score does (MXNet counts them).
"""
import logging
import time
import warnings

import numpy as np

from . import io, metric as _metric, optimizer as _opt
from .base import MXNetError
from .batch_end_param import BatchEndParam
from .callback import LogValidationMetricsCallback
from .checkpoint import load_checkpoint, save_checkpoint
from .context import Context, cpu
from .initializer import Uniform
from .ndarray import ndarray as _nd
from .symbol import Symbol


def _callbacks(callbacks, *args):
    if callbacks is None:
        return
    for cb in callbacks if isinstance(callbacks, (list, tuple)) else [callbacks]:
        cb(*args)


class FeedForward:
    """Model class of MXNet for training and predicting feedforward nets (deprecated in MXNet
    in favour of ``mx.mod.Module``; provided for the scripts that still use it)."""

    def __init__(self, symbol, ctx=None, num_epoch=None, epoch_size=None, optimizer='sgd',
                 initializer=Uniform(0.01), numpy_batch_size=128, arg_params=None,
                 aux_params=None, allow_extra_params=False, begin_epoch=0, **kwargs):
        warnings.warn('mxnet.model.FeedForward has been deprecated. Please use '
                      'mxnet.mod.Module instead.', DeprecationWarning, stacklevel=2)
        if isinstance(symbol, Symbol):
            self.symbol, self.sym_gen = symbol, None
        elif callable(symbol):
            raise MXNetError('FeedForward: a symbol generator (bucketing) is not supported by '
                             'tfmod; use mx.mod.BucketingModule')
        else:
            raise MXNetError('FeedForward: symbol must be a Symbol, got %s'
                             % type(symbol).__name__)
        self.arg_params, self.aux_params = arg_params, aux_params
        self.allow_extra_params = allow_extra_params
        if allow_extra_params:
            args, auxs = set(symbol.list_arguments()), set(symbol.list_auxiliary_states())
            if self.arg_params:
                self.arg_params = {k: v for k, v in self.arg_params.items() if k in args}
            if self.aux_params:
                self.aux_params = {k: v for k, v in self.aux_params.items() if k in auxs}
        if ctx is None:
            ctx = [cpu()]
        elif isinstance(ctx, Context):
            ctx = [ctx]
        self.ctx = list(ctx)
        self.num_epoch, self.epoch_size = num_epoch, epoch_size
        self.kwargs = kwargs.copy()
        self.optimizer, self.initializer = optimizer, initializer
        self.numpy_batch_size = numpy_batch_size
        self.begin_epoch = begin_epoch
        self._pred = None

    def __getstate__(self):
        state = self.__dict__.copy()
        state['_pred'] = None
        return state

    # -- inputs ----------------------------------------------------------------------------------
    def _init_iter(self, X, y, is_train):
        if isinstance(X, (np.ndarray, _nd.NDArray)):
            if y is None:
                if is_train:
                    raise MXNetError('FeedForward: y must be specified when X is numpy.ndarray')
                y = np.zeros(X.shape[0])
            if not isinstance(y, (np.ndarray, _nd.NDArray)):
                raise MXNetError('FeedForward: y must be ndarray when X is numpy.ndarray')
            if X.shape[0] != y.shape[0]:
                raise MXNetError('FeedForward: the numbers of data points (%d) and labels (%d) '
                                 'are not equal' % (X.shape[0], y.shape[0]))
            if y.ndim == 2 and y.shape[1] == 1:
                y = y.reshape(-1)
            if y.ndim != 1:
                raise MXNetError('FeedForward: label must be 1D or 2D (with 2nd dimension '
                                 'being 1)')
            bs = min(X.shape[0], self.numpy_batch_size)
            if is_train:
                return io.NDArrayIter(X, y, bs, shuffle=True, last_batch_handle='roll_over')
            return io.NDArrayIter(X, y, bs, shuffle=False)
        if not isinstance(X, io.DataIter):
            raise MXNetError('FeedForward: X must be DataIter, NDArray or numpy.ndarray, got %s'
                             % type(X).__name__)
        return X

    def _init_eval_iter(self, eval_data):
        if eval_data is None:
            return None
        if isinstance(eval_data, (tuple, list)) and len(eval_data) == 2:
            if eval_data[0] is None:
                raise MXNetError('FeedForward: eval data is None')
            if eval_data[1] is None and isinstance(eval_data[0], io.DataIter):
                return eval_data[0]
            data = np.array(eval_data[0]) if isinstance(eval_data[0], list) else eval_data[0]
            label = np.array(eval_data[1]) if isinstance(eval_data[1], list) else eval_data[1]
            return self._init_iter(data, label, is_train=True)
        if not isinstance(eval_data, io.DataIter):
            raise MXNetError('FeedForward: eval data must be DataIter, or NDArray/numpy.ndarray'
                             '/list pair (i.e. tuple/list of length 2)')
        return eval_data

    def _init_params(self, inputs):
        """Parameters by name (MXNet's initializer(name, array) calls), given ones kept."""
        shapes = {d.name: d.shape for d in inputs}
        arg_shapes, _, aux_shapes = self.symbol.infer_shape(**shapes)
        arg_types, _, aux_types = self.symbol.infer_type(
            **{d.name: d.dtype for d in inputs})
        args = {}
        for name, s, t in zip(self.symbol.list_arguments(), arg_shapes, arg_types):
            if name not in shapes:
                args[name] = self._param(name, s, t, self.arg_params)
        auxs = {name: self._param(name, s, t, self.aux_params)
                for name, s, t in zip(self.symbol.list_auxiliary_states(), aux_shapes, aux_types)}
        self.arg_params, self.aux_params = args, auxs
        return list(args)

    def _param(self, name, shape, dtype, given):
        arr = _nd.zeros(shape, dtype=dtype)
        if given and name in given:
            arr[:] = given[name]
        else:
            self.initializer(name, arr)
        return arr

    # -- training --------------------------------------------------------------------------------
    def fit(self, X, y=None, eval_data=None, eval_metric='acc', epoch_end_callback=None,
            batch_end_callback=None, kvstore='local', logger=None, work_load_list=None,
            monitor=None, eval_end_callback=LogValidationMetricsCallback(),
            eval_batch_end_callback=None):
        """Train on X (a DataIter, or numpy data with labels y) for epochs begin_epoch ..
        num_epoch - 1."""
        from .module import Module
        logger = logger or logging
        data = self._init_iter(X, y, is_train=True)
        eval_data = self._init_eval_iter(eval_data)
        if self.num_epoch is None:
            raise MXNetError('FeedForward.fit: num_epoch is not set')
        inputs = [d if isinstance(d, io.DataDesc) else io.DataDesc(*d)
                  for d in list(data.provide_data) + list(data.provide_label)]
        param_names = self._init_params(inputs)
        if not isinstance(eval_metric, _metric.EvalMetric):
            eval_metric = _metric.create(eval_metric)
        if isinstance(self.optimizer, str):
            idx2name = {i * len(self.ctx) + k: n for i, n in enumerate(param_names)
                        for k in range(len(self.ctx))}
            optimizer = _opt.create(self.optimizer, rescale_grad=1.0 / data.batch_size,
                                    sym=self.symbol, param_idx2name=idx2name, **self.kwargs)
        else:
            optimizer = self.optimizer
        mod = Module(self.symbol, data_names=[d.name for d in data.provide_data],
                     label_names=[d[0] for d in data.provide_label], context=self.ctx,
                     work_load_list=work_load_list, logger=logger)
        mod.bind(data.provide_data, data.provide_label, for_training=True)
        mod.set_params(self.arg_params, self.aux_params)
        if monitor is not None:
            mod.install_monitor(monitor)
        mod.init_optimizer(kvstore=kvstore, optimizer=optimizer)
        data.reset()
        for epoch in range(self.begin_epoch, self.num_epoch):
            tic = time.time()
            eval_metric.reset()
            nbatch = 0
            while True:
                do_reset = True
                for batch in data:
                    if monitor is not None:
                        monitor.tic()
                    mod.forward_backward(batch)
                    mod.update()
                    if monitor is not None:
                        monitor.toc_print()
                    mod.update_metric(eval_metric, batch.label)
                    nbatch += 1
                    _callbacks(batch_end_callback, BatchEndParam(epoch, nbatch, eval_metric,
                                                                 locals()))
                    if self.epoch_size is not None and nbatch >= self.epoch_size:
                        do_reset = False
                        break
                if do_reset:
                    logger.info('Epoch[%d] Resetting Data Iterator', epoch)
                    data.reset()
                if self.epoch_size is None or nbatch >= self.epoch_size:
                    break
            logger.info('Epoch[%d] Time cost=%.3f', epoch, time.time() - tic)
            self.arg_params, self.aux_params = mod.get_params()
            _callbacks(epoch_end_callback, epoch, self.symbol, self.arg_params, self.aux_params)
            if eval_data:
                eval_metric.reset()
                eval_data.reset()
                total = 0
                for i, batch in enumerate(eval_data):
                    mod.forward(batch, is_train=False)
                    mod.update_metric(eval_metric, batch.label)
                    _callbacks(eval_batch_end_callback, BatchEndParam(epoch, i, eval_metric,
                                                                      locals()))
                    total += 1
                _callbacks(eval_end_callback, BatchEndParam(epoch, total, eval_metric,
                                                            locals()))
                eval_data.reset()
        self._pred = None

    # -- inference -------------------------------------------------------------------------------
    def _predictor(self, it):
        from .module import Module
        if self.arg_params is None:
            raise MXNetError('FeedForward: the model has no parameters yet (fit it, or load '
                             'it with FeedForward.load)')
        shapes = [d if isinstance(d, io.DataDesc) else io.DataDesc(*d) for d in it.provide_data]
        key = tuple((d.name, tuple(d.shape)) for d in shapes)
        if self._pred is None or self._pred[0] != key:
            names = [d.name for d in shapes]
            labels = [n for n in self.symbol.list_arguments()
                      if n.endswith('label') and n not in names]   # FeedForward's rule
            mod = Module(self.symbol, data_names=names, label_names=labels,
                         context=self.ctx[0])
            mod.bind(shapes, for_training=False)
            mod.set_params(self.arg_params, self.aux_params, allow_missing=False,
                           allow_extra=True)
            self._pred = (key, mod)
        return self._pred[1]

    def predict(self, X, num_batch=None, return_data=False, reset=True):
        """Outputs for X as numpy arrays (one array per output, padded rows left out); with
        return_data also the data and labels read."""
        X = self._init_iter(X, None, is_train=False)
        if reset:
            X.reset()
        mod = self._predictor(X)
        outs, datas, labels = None, [], []
        for i, batch in enumerate(X):
            if num_batch is not None and i == num_batch:
                break
            mod.forward(batch, is_train=False)
            real = X.batch_size - (batch.pad or 0)
            got = [o[0:real].asnumpy() for o in mod.get_outputs()]
            outs = [[g] for g in got] if outs is None else [o + [g] for o, g in zip(outs, got)]
            if return_data:
                datas.append([d[0:real].asnumpy() for d in batch.data])
                labels.append([lb[0:real].asnumpy() for lb in (batch.label or [])])
        if outs is None:
            raise MXNetError('FeedForward.predict: the data iterator gave no batch')
        outputs = [np.concatenate(o) for o in outs]
        outputs = outputs[0] if len(outputs) == 1 else outputs
        if not return_data:
            return outputs
        data = [np.concatenate(parts) for parts in zip(*datas)]
        label = [np.concatenate(parts) for parts in zip(*labels)]
        return (outputs, data[0] if len(data) == 1 else data,
                label[0] if len(label) == 1 else label)

    def score(self, X, eval_metric='acc', num_batch=None, batch_end_callback=None,
              reset=True):
        """The metric's value over X (padded rows left out, see the module docstring)."""
        if not isinstance(eval_metric, _metric.EvalMetric):
            eval_metric = _metric.create(eval_metric)
        X = self._init_iter(X, None, is_train=False)
        if reset:
            X.reset()
        mod = self._predictor(X)
        for i, batch in enumerate(X):
            if num_batch is not None and i == num_batch:
                break
            mod.forward(batch, is_train=False)
            real = X.batch_size - (batch.pad or 0)
            eval_metric.update([lb[0:real] for lb in batch.label],
                               [o[0:real] for o in mod.get_outputs()])
            _callbacks(batch_end_callback, BatchEndParam(0, i, eval_metric, locals()))
        return eval_metric.get()[1]

    # -- files -----------------------------------------------------------------------------------
    def save(self, prefix, epoch=None, remove_amp_cast=True):
        """``prefix-symbol.json`` and ``prefix-%04d.params`` (epoch: num_epoch by default)."""
        if epoch is None:
            epoch = self.num_epoch
        if epoch is None:
            raise MXNetError('FeedForward.save: give an epoch (num_epoch is not set)')
        save_checkpoint(prefix, epoch, self.symbol, self.arg_params, self.aux_params,
                        remove_amp_cast=remove_amp_cast)

    @staticmethod
    def load(prefix, epoch, ctx=None, **kwargs):
        """A FeedForward from a checkpoint, ready to predict or to continue fitting."""
        symbol, arg_params, aux_params = load_checkpoint(prefix, epoch)
        return FeedForward(symbol, ctx=ctx, arg_params=arg_params, aux_params=aux_params,
                           begin_epoch=epoch, **kwargs)

    @staticmethod
    def create(symbol, X, y=None, ctx=None, num_epoch=None, epoch_size=None, optimizer='sgd',
               initializer=Uniform(0.01), eval_data=None, eval_metric='acc',
               epoch_end_callback=None, batch_end_callback=None, kvstore='local', logger=None,
               work_load_list=None, eval_end_callback=LogValidationMetricsCallback(),
               eval_batch_end_callback=None, **kwargs):
        """Construct a FeedForward and fit it in one call."""
        model = FeedForward(symbol, ctx=ctx, num_epoch=num_epoch, epoch_size=epoch_size,
                            optimizer=optimizer, initializer=initializer, **kwargs)
        model.fit(X, y, eval_data=eval_data, eval_metric=eval_metric,
                  epoch_end_callback=epoch_end_callback, batch_end_callback=batch_end_callback,
                  kvstore=kvstore, logger=logger, work_load_list=work_load_list,
                  eval_end_callback=eval_end_callback,
                  eval_batch_end_callback=eval_batch_end_callback)
        return model
