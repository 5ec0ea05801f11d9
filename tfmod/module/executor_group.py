"""The executors behind a Module: MXNet's DataParallelExecutorGroup interface.

Arrays are exposed MXNet's way -- ``param_arrays[i]`` is the list of per-device copies of
parameter i -- so Module code is the same for one device or several. This group runs one device;
data-parallel groups over several devices share this interface.
"""
from collections import OrderedDict

import numpy as np

from ..base import MXNetError
from ..io import DataDesc
from ..ndarray import ndarray as _nd


def _desc_list(descs):
    return [d if isinstance(d, DataDesc) else DataDesc(*d) for d in descs] if descs else []


class ExecutorGroup:
    """One executor for one device, with Module's view of data, labels, params and states."""

    def __init__(self, symbol, contexts, workload, data_shapes, label_shapes, param_names,
                 for_training, inputs_need_grad, shared_group=None, logger=None,
                 fixed_param_names=None, grad_req='write', state_names=None, group2ctxs=None):
        if len(contexts) != 1:
            raise MXNetError('this executor group runs one device; got %s' % (contexts,))
        self.symbol = symbol
        self.contexts = contexts
        self.workload = workload
        self.param_names = list(param_names)
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        self.logger = logger
        self.fixed_param_names = list(fixed_param_names or [])
        self.state_names = list(state_names or [])
        self.group2ctxs = group2ctxs
        self.arg_names = symbol.list_arguments()
        self.aux_names = symbol.list_auxiliary_states()
        self.output_names = symbol.list_outputs()
        self.grad_req = self._grad_req_dict(grad_req)
        self.execs = []
        self._bind(data_shapes, label_shapes, shared_group)

    def _grad_req_dict(self, grad_req):
        data_names = set()
        reqs = {}
        if isinstance(grad_req, str):
            for n in self.arg_names:
                if n in self.param_names:
                    reqs[n] = 'null' if n in self.fixed_param_names else grad_req
                elif n in self.state_names:
                    reqs[n] = 'null'
                else:
                    reqs[n] = None  # data/label: decided at bind time
        elif isinstance(grad_req, (list, tuple)):
            reqs = dict(zip(self.arg_names, grad_req))
        elif isinstance(grad_req, dict):
            for n in self.arg_names:
                if n in self.param_names:
                    reqs[n] = 'null' if n in self.fixed_param_names else grad_req.get(n, 'write')
                else:
                    reqs[n] = grad_req.get(n)
        else:
            raise MXNetError('grad_req must be a string, list or dict')
        del data_names
        return reqs

    def _bind(self, data_shapes, label_shapes, shared_group):
        self.data_shapes = _desc_list(data_shapes)
        self.label_shapes = _desc_list(label_shapes) if label_shapes else None
        self.data_names = [d.name for d in self.data_shapes]
        self.label_names = [d.name for d in self.label_shapes] if self.label_shapes else []
        self.data_layouts = [DataDesc.get_batch_axis(d.layout) for d in self.data_shapes]
        self.label_layouts = [DataDesc.get_batch_axis(d.layout)
                              for d in (self.label_shapes or [])]
        axis = self.data_layouts[0] if self.data_layouts else 0
        self.batch_size = self.data_shapes[0].shape[axis] if self.data_shapes else 0
        input_names = set(self.data_names) | set(self.label_names)
        reqs = {}
        for n in self.arg_names:
            r = self.grad_req.get(n)
            if n in input_names:
                r = ('write' if self.inputs_need_grad and n in self.data_names else 'null') \
                    if r is None else r
            elif r is None:
                r = 'null'
            if not self.for_training:
                r = 'null'
            reqs[n] = r
        shapes = {d.name: d.shape for d in self.data_shapes + (self.label_shapes or [])}
        types = {d.name: np.dtype(d.dtype).name for d in self.data_shapes +
                 (self.label_shapes or [])}
        shared = shared_group.execs[0] if shared_group is not None else None
        ctx = self.contexts[0]
        try:
            exe = self.symbol.simple_bind(ctx, grad_req=reqs, type_dict=types,
                                          group2ctx=self._group2ctx(), shared_exec=shared,
                                          **shapes)
        except MXNetError as e:
            raise MXNetError('Module bind failed for data shapes %s, label shapes %s: %s'
                             % ([(d.name, d.shape) for d in self.data_shapes],
                                [(d.name, d.shape) for d in (self.label_shapes or [])], e)) \
                from None
        self._reqs = reqs
        self.execs = [exe]
        self._collect_arrays()

    def _group2ctx(self):
        g = self.group2ctxs
        if not g:
            return None
        if isinstance(g, (list, tuple)):
            g = g[0]
        return g

    def _collect_arrays(self):
        exe = self.execs[0]
        self.param_arrays = [[exe.arg_dict[n]] for n in self.param_names]
        self.grad_arrays = [[exe.grad_dict[n]] if exe.grad_dict.get(n) is not None else [None]
                            for n in self.param_names] if self.for_training else []
        self.aux_arrays = [[exe.aux_dict[n]] for n in self.aux_names]
        self.data_arrays = [[(slice(0, self.batch_size), exe.arg_dict[n])]
                            for n in self.data_names]
        self.label_arrays = [[(slice(0, self.batch_size), exe.arg_dict[n])]
                             for n in self.label_names]
        self.state_arrays = [[exe.arg_dict[n]] for n in self.state_names]
        self.input_grad_arrays = [[exe.grad_dict[n]] for n in self.data_names] \
            if self.inputs_need_grad else []

    def reshape(self, data_shapes, label_shapes):
        """Rebind for new input shapes, sharing every array whose shape does not change."""
        data_shapes = _desc_list(data_shapes)
        label_shapes = _desc_list(label_shapes) if label_shapes else None
        if data_shapes == self.data_shapes and label_shapes == self.label_shapes:
            return
        old = self.execs[0]
        shapes = {d.name: d.shape for d in data_shapes + (label_shapes or [])}
        exe = old.reshape(partial_shaping=False, allow_up_sizing=True, **shapes)
        self.data_shapes = data_shapes
        self.label_shapes = label_shapes
        self.data_names = [d.name for d in data_shapes]
        self.label_names = [d.name for d in label_shapes] if label_shapes else []
        axis = DataDesc.get_batch_axis(data_shapes[0].layout) if data_shapes else 0
        self.batch_size = data_shapes[0].shape[axis] if data_shapes else 0
        self.execs = [exe]
        self._collect_arrays()

    # -- params ---------------------------------------------------------------------------------
    def set_params(self, arg_params, aux_params, allow_extra=False):
        for exe in self.execs:
            exe.copy_params_from(arg_params, aux_params, allow_extra_params=allow_extra)

    def get_params(self, arg_params, aux_params):
        """Copy the device values into the given dicts' arrays (MXNet's sync from devices)."""
        for name, block in zip(self.param_names, self.param_arrays):
            arg_params[name][:] = block[0]
        for name, block in zip(self.aux_names, self.aux_arrays):
            aux_params[name][:] = block[0]

    # -- running --------------------------------------------------------------------------------
    def _feeds(self, data_batch):
        feeds = {}
        data = data_batch.data if data_batch.data is not None else []
        if len(data) != len(self.data_names):
            raise MXNetError('the batch has %d data arrays but the module expects %d (%s)'
                             % (len(data), len(self.data_names), ', '.join(self.data_names)))
        for name, arr in zip(self.data_names, data):
            feeds[name] = arr
        labels = data_batch.label if data_batch.label is not None else []
        if self.label_names and labels:
            if len(labels) != len(self.label_names):
                raise MXNetError('the batch has %d label arrays but the module expects %d (%s)'
                                 % (len(labels), len(self.label_names),
                                    ', '.join(self.label_names)))
            for name, arr in zip(self.label_names, labels):
                feeds[name] = arr
        return feeds

    def forward(self, data_batch, is_train=None):
        if is_train is None:
            is_train = self.for_training
        self.execs[0].forward(is_train=is_train, **self._feeds(data_batch))

    def backward(self, out_grads=None):
        if not self.for_training:
            raise MXNetError('re-bind with for_training=True to run backward')
        self.execs[0].backward(out_grads=out_grads)

    def get_outputs(self, merge_multi_context=True, begin=0, end=None):
        outs = self.execs[0].outputs[begin:end]
        if merge_multi_context:
            return list(outs)
        return [[o] for o in outs]

    def get_states(self, merge_multi_context=True):
        if merge_multi_context:
            raise AssertionError('merge_multi_context=True is not supported for get_states')
        return [[a] for a in [arr[0] for arr in self.state_arrays]]

    def set_states(self, states=None, value=None):
        if states is not None:
            if value is not None:
                raise MXNetError('Only one of states & value can be specified.')
            for dst, src in zip(self.state_arrays, states):
                if not isinstance(src, (list, tuple)):
                    raise AssertionError('states must be a list of lists of NDArrays (one per '
                                         'device)')
                dst[0][:] = src[0]
        else:
            if value is None:
                raise MXNetError('At least one of states & value must be specified.')
            for dst in self.state_arrays:
                dst[0][:] = value

    def get_input_grads(self, merge_multi_context=True):
        if not self.inputs_need_grad:
            raise MXNetError('bind with inputs_need_grad=True to get input gradients')
        grads = [g[0] for g in self.input_grad_arrays]
        return grads if merge_multi_context else [[g] for g in grads]

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        if pre_sliced:
            labels = labels[0]
        labels_ = OrderedDict(zip(self.label_names, labels or []))
        preds = OrderedDict(zip(self.output_names, self.execs[0].outputs))
        eval_metric.update_dict(labels_, preds)

    def install_monitor(self, mon):
        for exe in self.execs:
            mon.install(exe)

    def flush(self):
        _nd.flush_pending()
