"""BaseModule: the module interface and the loops built on it (fit, score, predict).

Same members, argument names, order and defaults as MXNet 1.9.1's BaseModule, so subclasses and
keyword calls from existing code keep working. One deliberate difference: ``score`` leaves out
the padded rows of a last, partial batch; MXNet 1.9.1 counted them (a known bug).
"""
import logging
import time
import warnings

import numpy as np

from ..base import MXNetError
from ..io import DataBatch, DataIter
from ..batch_end_param import BatchEndParam
from ..checkpoint import save_params_file, split_params
from ..ndarray import ndarray as _nd


def _as_list(obj):
    if isinstance(obj, (list, tuple)):
        return obj
    return [obj]


def _check_input_names(symbol, names, typename, throw):
    """Every name must be an argument of the symbol (MXNet warns or raises)."""
    args = symbol.list_arguments()
    for name in names:
        if name in args:
            continue
        candidates = [a for a in args if not a.endswith(('_weight', '_bias', '_gamma', '_beta'))]
        msg = ("You created Module with Module(..., %s_names=%s) but input with name '%s' is "
               "not found in symbol.list_arguments(). Did you mean one of:\n\t%s"
               % (typename, str(names), name, '\n\t'.join(candidates)))
        if throw:
            raise MXNetError(msg)
        warnings.warn(msg)


def _module_input_names(symbol, data_names, label_names, state_names, fixed_param_names):
    """Module's and BucketingModule's name lists as lists, each checked against the symbol:
    unknown data/state/fixed names raise, an unknown label name only warns (as in MXNet)."""
    lists = [list(n) if n is not None else []
             for n in (data_names, label_names, state_names, fixed_param_names)]
    for names, kind, throw in zip(lists, ('data', 'label', 'state', 'fixed_param'),
                                  (True, False, True, True)):
        _check_input_names(symbol, names, kind, throw)
    return lists


def _check_names_match(data_names, data_shapes, name, throw):
    actual = [x[0] for x in data_shapes]
    if sorted(data_names) != sorted(actual):
        msg = "Data provided by %s_shapes don't match names specified by %s_names (%s vs. %s)" % (
            name, name, str(data_shapes), str(data_names))
        if throw:
            raise MXNetError(msg)
        warnings.warn(msg)


def _parse_data_desc(data_names, label_names, data_shapes, label_shapes):
    from ..io import DataDesc
    data_shapes = [x if isinstance(x, DataDesc) else DataDesc(*x) for x in data_shapes]
    _check_names_match(data_names, data_shapes, 'data', True)
    if label_shapes is not None:
        label_shapes = [x if isinstance(x, DataDesc) else DataDesc(*x) for x in label_shapes]
        _check_names_match(label_names, label_shapes, 'label', False)
    else:
        _check_names_match(label_names, [], 'label', False)
    return data_shapes, label_shapes


def _batch_outputs(outputs, pad):
    """One batch's outputs for predict, padded rows dropped: new arrays over the immutable
    tensors the executor produced (the next batch replaces the executor's, not these), so no
    per-batch copy is made."""
    res = []
    for out in outputs:
        t = out._read()
        if pad:
            t = t[0:out.shape[0] - pad]
        res.append(_nd.from_tensor(t, out.context))
    return res


class BaseModule:
    """The interface every module implements, and the training/evaluation loops."""

    def __init__(self, logger=logging):
        self.logger = logger
        self.binded = False
        self.for_training = False
        self.inputs_need_grad = False
        self.params_initialized = False
        self.optimizer_initialized = False
        self._symbol = None
        self._total_exec_bytes = 0

    # -- high-level API ---------------------------------------------------------------------------
    def forward_backward(self, data_batch):
        """forward(is_train=True) then backward()."""
        self.forward(data_batch, is_train=True)
        self.backward()

    def score(self, eval_data, eval_metric, num_batch=None, batch_end_callback=None,
              score_end_callback=None, reset=True, epoch=0, sparse_row_id_fn=None):
        """Evaluate ``eval_metric`` over ``eval_data``; returns get_name_value().

        Padded rows of a partial last batch are left out (MXNet 1.9.1 counted them)."""
        from .. import metric as _metric
        self._require(self.binded and self.params_initialized, 'score',
                      'bind() and init_params()')
        if reset:
            eval_data.reset()
        if not isinstance(eval_metric, _metric.EvalMetric):
            eval_metric = _metric.create(eval_metric)
        eval_metric.reset()
        actual_num_batch = 0
        for nbatch, eval_batch in enumerate(eval_data):
            if num_batch is not None and nbatch == num_batch:
                break
            self.prepare(eval_batch, sparse_row_id_fn=sparse_row_id_fn)
            self.forward(eval_batch, is_train=False)
            self._update_metric_unpadded(eval_metric, eval_batch)
            if batch_end_callback is not None:
                params = BatchEndParam(epoch=epoch, nbatch=nbatch, eval_metric=eval_metric,
                                       locals=locals())
                for callback in _as_list(batch_end_callback):
                    callback(params)
            actual_num_batch += 1
        if score_end_callback:
            params = BatchEndParam(epoch=epoch, nbatch=actual_num_batch, eval_metric=eval_metric,
                                   locals=locals())
            for callback in _as_list(score_end_callback):
                callback(params)
        return eval_metric.get_name_value()

    def _update_metric_unpadded(self, eval_metric, batch):
        if isinstance(batch, list):
            self.update_metric(eval_metric, [b.label for b in batch], pre_sliced=True)
            return
        # a user's own batch class may have no pad (nce-loss's SimpleBatch): MXNet's fit and
        # score never read it
        pad = getattr(batch, 'pad', 0) or 0
        if not pad:
            self.update_metric(eval_metric, batch.label)
            return
        from collections import OrderedDict
        outs = self.get_outputs()
        n = outs[0].shape[0] - pad
        preds = OrderedDict((name, o[0:n]) for name, o in zip(self.output_names, outs))
        labels = OrderedDict((name, lab[0:n]) for name, lab in
                             zip(self._metric_label_names(), batch.label or []))
        eval_metric.update_dict(labels, preds)

    def _metric_label_names(self):
        return self.label_names if hasattr(self, 'label_names') else []

    def iter_predict(self, eval_data, num_batch=None, reset=True, sparse_row_id_fn=None):
        """Yield (outputs without padded rows, batch index, batch) per batch."""
        self._require(self.binded and self.params_initialized, 'iter_predict',
                      'bind() and init_params()')
        if reset:
            eval_data.reset()
        for nbatch, eval_batch in enumerate(eval_data):
            if num_batch is not None and nbatch == num_batch:
                break
            self.prepare(eval_batch, sparse_row_id_fn=sparse_row_id_fn)
            self.forward(eval_batch, is_train=False)
            pad = eval_batch.pad or 0
            outputs = self.get_outputs()
            if pad:
                outputs = [out[0:out.shape[0] - pad] for out in outputs]
            yield (outputs, nbatch, eval_batch)

    def predict(self, eval_data, num_batch=None, merge_batches=True, reset=True,
                always_output_list=False, sparse_row_id_fn=None):
        """Outputs over ``eval_data`` (a DataIter, or an NDArray / numpy array of data)."""
        self._require(self.binded and self.params_initialized, 'predict',
                      'bind() and init_params()')
        if isinstance(eval_data, (_nd.NDArray, np.ndarray)):
            if isinstance(eval_data, np.ndarray):
                eval_data = _nd.array(eval_data)
            self.forward(DataBatch([eval_data]))
            return self.get_outputs()[0]
        if not isinstance(eval_data, DataIter):
            raise MXNetError('eval_data must be of type NDArray or DataIter')
        if reset:
            eval_data.reset()
        output_list = []
        for nbatch, eval_batch in enumerate(eval_data):
            if num_batch is not None and nbatch == num_batch:
                break
            self.prepare(eval_batch, sparse_row_id_fn=sparse_row_id_fn)
            self.forward(eval_batch, is_train=False)
            output_list.append(_batch_outputs(self.get_outputs(), eval_batch.pad or 0))
        if not output_list:
            return output_list
        if merge_batches:
            num_outputs = len(output_list[0])
            for out in output_list:
                if len(out) != num_outputs:
                    raise MXNetError('Cannot merge batches, as num of outputs is not the same in '
                                     'mini-batches. Maybe bucketing is used?')
            merged = [_nd.concatenate([out[i] for out in output_list])
                      for i in range(num_outputs)]
            if num_outputs == 1 and not always_output_list:
                return merged[0]
            return merged
        return output_list

    def fit(self, train_data, eval_data=None, eval_metric='acc', epoch_end_callback=None,
            batch_end_callback=None, kvstore='local', optimizer='sgd',
            optimizer_params=(('learning_rate', 0.01),), eval_end_callback=None,
            eval_batch_end_callback=None, initializer=None, arg_params=None, aux_params=None,
            allow_missing=False, force_rebind=False, force_init=False, begin_epoch=0,
            num_epoch=None, validation_metric=None, monitor=None, sparse_row_id_fn=None):
        """Train: bind, init params and optimizer, then per epoch forward/backward/update every
        batch, log ``Epoch[%d] Train-<metric>``, ``Time cost`` and ``Validation-<metric>``."""
        from .. import metric as _metric
        from ..initializer import Uniform
        if num_epoch is None:
            raise MXNetError('please specify number of epochs (num_epoch)')
        if initializer is None:
            initializer = Uniform(0.01)
        self.bind(data_shapes=train_data.provide_data, label_shapes=train_data.provide_label,
                  for_training=True, force_rebind=force_rebind)
        if monitor is not None:
            self.install_monitor(monitor)
        self.init_params(initializer=initializer, arg_params=arg_params, aux_params=aux_params,
                         allow_missing=allow_missing, force_init=force_init)
        self.init_optimizer(kvstore=kvstore, optimizer=optimizer,
                            optimizer_params=optimizer_params)
        if validation_metric is None:
            validation_metric = eval_metric
        if not isinstance(eval_metric, _metric.EvalMetric):
            eval_metric = _metric.create(eval_metric)
        for epoch in range(begin_epoch, num_epoch):
            tic = time.time()
            eval_metric.reset()
            self._fit_epoch_begin(epoch, train_data)
            nbatch = 0
            data_iter = iter(train_data)
            end_of_batch = False
            try:
                next_data_batch = next(data_iter)
            except StopIteration:
                next_data_batch = None
            if not self._all_workers_have(next_data_batch is not None):
                raise MXNetError('train_data yielded no batch in epoch %d%s' % (
                    epoch, '' if next_data_batch is None else ' on another worker'))
            eval_name_vals = []
            while not end_of_batch:
                data_batch = next_data_batch
                if monitor is not None:
                    monitor.tic()
                self.forward_backward(data_batch)
                self.update()
                if isinstance(data_batch, list):
                    self.update_metric(eval_metric, [db.label for db in data_batch],
                                       pre_sliced=True)
                else:
                    self.update_metric(eval_metric, data_batch.label)
                try:
                    next_data_batch = next(data_iter)
                    self.prepare(next_data_batch, sparse_row_id_fn=sparse_row_id_fn)
                except StopIteration:
                    end_of_batch = True
                end_of_batch = not self._all_workers_have(not end_of_batch)
                if monitor is not None:
                    monitor.toc_print()
                if end_of_batch:
                    eval_name_vals = eval_metric.get_global_name_value()
                if batch_end_callback is not None:
                    params = BatchEndParam(epoch=epoch, nbatch=nbatch, eval_metric=eval_metric,
                                           locals=locals())
                    for callback in _as_list(batch_end_callback):
                        callback(params)
                nbatch += 1
            for name, val in eval_name_vals:
                self.logger.info('Epoch[%d] Train-%s=%f', epoch, name, val)
            toc = time.time()
            self.logger.info('Epoch[%d] Time cost=%.3f', epoch, (toc - tic))
            arg_params_, aux_params_ = self.get_params()
            self.set_params(arg_params_, aux_params_)
            if epoch_end_callback is not None:
                for callback in _as_list(epoch_end_callback):
                    callback(epoch, self.symbol, arg_params_, aux_params_)
            if eval_data:
                res = self.score(eval_data, validation_metric,
                                 score_end_callback=eval_end_callback,
                                 batch_end_callback=eval_batch_end_callback, epoch=epoch)
                for name, val in res:
                    self.logger.info('Epoch[%d] Validation-%s=%f', epoch, name, val)
            train_data.reset()

    def _all_workers_have(self, flag):
        """``flag`` on every worker of a multi-worker job (fit's "another batch?", so that all
        workers end an epoch at the same step when their data differ in length); ``flag``
        itself otherwise."""
        agree = getattr(getattr(self, '_kvstore', None), '_all_have', None)
        return flag if agree is None else agree(flag)

    def _fit_epoch_begin(self, epoch, train_data):
        """Hook at the start of each ``fit`` epoch, before its first batch (SVRGModule takes
        its full-gradient snapshot here); nothing by default."""

    # -- symbol / names ---------------------------------------------------------------------------
    @property
    def data_names(self):
        raise NotImplementedError()

    @property
    def output_names(self):
        raise NotImplementedError()

    @property
    def data_shapes(self):
        raise NotImplementedError()

    @property
    def label_shapes(self):
        raise NotImplementedError()

    @property
    def output_shapes(self):
        raise NotImplementedError()

    @property
    def symbol(self):
        return self._symbol

    # -- parameters -------------------------------------------------------------------------------
    def get_params(self):
        raise NotImplementedError()

    def init_params(self, initializer=None, arg_params=None, aux_params=None,
                    allow_missing=False, force_init=False, allow_extra=False):
        raise NotImplementedError()

    def set_params(self, arg_params, aux_params, allow_missing=False, force_init=True,
                   allow_extra=False):
        """Assign parameter values (init_params with the given values and no initializer)."""
        self.init_params(initializer=None, arg_params=arg_params, aux_params=aux_params,
                         allow_missing=allow_missing, force_init=force_init,
                         allow_extra=allow_extra)

    def save_params(self, fname):
        """Write ``arg:``/``aux:`` parameters in MXNet's .params format."""
        arg_params, aux_params = self.get_params()
        save_params_file(fname, arg_params, aux_params)

    def load_params(self, fname):
        """Load parameters written by save_params (or MXNet)."""
        from ..ndarray import load
        arg_params, aux_params = split_params(load(fname), fname)
        self.set_params(arg_params, aux_params)

    def get_states(self, merge_multi_context=True):
        self._require(self.binded and self.params_initialized, 'get_states',
                      'bind() and init_params()')
        return []

    def set_states(self, states=None, value=None):
        self._require(self.binded and self.params_initialized, 'set_states',
                      'bind() and init_params()')

    def install_monitor(self, mon):
        raise NotImplementedError()

    def prepare(self, data_batch, sparse_row_id_fn=None):
        """Hook run before each batch (BucketingModule switches buckets here)."""

    # -- computation ------------------------------------------------------------------------------
    def forward(self, data_batch, is_train=None):
        raise NotImplementedError()

    def backward(self, out_grads=None):
        raise NotImplementedError()

    def get_outputs(self, merge_multi_context=True):
        raise NotImplementedError()

    def get_input_grads(self, merge_multi_context=True):
        raise NotImplementedError()

    def update(self):
        raise NotImplementedError()

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        raise NotImplementedError()

    # -- setup ------------------------------------------------------------------------------------
    def bind(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False,
             force_rebind=False, shared_module=None, grad_req='write'):
        raise NotImplementedError()

    def init_optimizer(self, kvstore='local', optimizer='sgd',
                       optimizer_params=(('learning_rate', 0.01),), force_init=False):
        raise NotImplementedError()

    # -- helpers ----------------------------------------------------------------------------------
    def _require(self, cond, call, what):
        if not cond:
            missing = []
            if not self.binded:
                missing.append('bind()')
            if not self.params_initialized:
                missing.append('init_params()')
            if not self.optimizer_initialized and 'init_optimizer' in what:
                missing.append('init_optimizer()')
            raise MXNetError('%s() needs %s first (missing: %s)'
                             % (call, what, ', '.join(missing) or what))
