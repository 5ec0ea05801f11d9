"""The executors behind a Module: MXNet's DataParallelExecutorGroup.

One executor per context, each bound to its slice of the batch (``work_load_list`` decides the
split, uneven splits allowed, as MXNet's ``_split_input_slice``), each holding its own copy of
the parameters and auxiliary states. Arrays are exposed MXNet's way -- ``param_arrays[i]`` is
the list of per-device copies of parameter i. Contexts may repeat a device (every ``cpu(i)`` is
the host in MXNet): each still computes its own slice, so per-device BatchNorm statistics are
the same as MXNet's. Module's update sums the devices' gradients and keeps the copies equal.
"""
from collections import OrderedDict

import numpy as np
import tensorflow as tf

from ..base import MXNetError
from ..io import DataDesc
from ..ndarray import ndarray as _nd


def _desc_list(descs):
    return [d if isinstance(d, DataDesc) else DataDesc(*d) for d in descs] if descs else []


def split_input_slice(batch_size, work_load_list):
    """Slices of the batch per device, proportional to ``work_load_list`` (MXNet's rule)."""
    total = sum(work_load_list)
    nums = [round(w * batch_size / total) for w in work_load_list]
    if sum(nums) < batch_size:
        nums[-1] += batch_size - sum(nums)
    slices = []
    end = 0
    for n in nums:
        begin = int(min(end, batch_size))
        end = int(min(begin + n, batch_size))
        if begin >= end:
            raise MXNetError('Too many slices: batch size %d cannot be split over work loads %s '
                             'without empty parts' % (batch_size, list(work_load_list)))
        slices.append(slice(begin, end))
    return slices


def _slice_shape(desc, sl, axis):
    shape = list(desc.shape)
    if axis >= 0:
        shape[axis] = sl.stop - sl.start
    return DataDesc(desc.name, tuple(shape), desc.dtype, desc.layout)


class ExecutorGroup:
    """Executors for a list of contexts, with Module's view of data, labels, params, states."""

    def __init__(self, symbol, contexts, workload, data_shapes, label_shapes, param_names,
                 for_training, inputs_need_grad, shared_group=None, logger=None,
                 fixed_param_names=None, grad_req='write', state_names=None, group2ctxs=None):
        self.symbol = symbol
        self.contexts = list(contexts)
        self.workload = list(workload)
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
        # An output's batch axis comes from its ``__layout__`` attribute (axis 0 without one),
        # not from the data's layout: MXNet merges outputs and splits out_grads along it.
        self.output_layouts = [DataDesc.get_batch_axis(symbol[i].attr('__layout__'))
                               for i in range(len(self.output_names))]
        self.grad_req = grad_req
        self.execs = []
        self._bind(data_shapes, label_shapes, shared_group)

    @property
    def num_device(self):
        return len(self.contexts)

    def _reqs(self):
        """grad_req per argument: params per grad_req (fixed ones null), data only when
        inputs_need_grad, labels and states null; everything null for inference."""
        g = self.grad_req
        inputs = set(self.data_names) | set(self.label_names)
        reqs = {}
        for i, n in enumerate(self.arg_names):
            if not self.for_training:
                reqs[n] = 'null'
            elif n in self.param_names:
                if n in self.fixed_param_names:
                    reqs[n] = 'null'
                elif isinstance(g, str):
                    reqs[n] = g
                elif isinstance(g, dict):
                    reqs[n] = g.get(n, 'write')
                else:
                    reqs[n] = list(g)[i]
            elif n in self.data_names and self.inputs_need_grad:
                reqs[n] = 'write'
            elif n in inputs or n in self.state_names:
                reqs[n] = 'null'
            else:
                reqs[n] = g if isinstance(g, str) else 'null'
        return reqs

    def _set_shapes(self, data_shapes, label_shapes):
        self.data_shapes = _desc_list(data_shapes)
        self.label_shapes = _desc_list(label_shapes) if label_shapes else None
        self.data_names = [d.name for d in self.data_shapes]
        self.label_names = [d.name for d in self.label_shapes] if self.label_shapes else []
        self.data_layouts = [DataDesc.get_batch_axis(d.layout) for d in self.data_shapes]
        self.label_layouts = [DataDesc.get_batch_axis(d.layout)
                              for d in (self.label_shapes or [])]
        axis = self.data_layouts[0] if self.data_layouts else 0
        self.batch_size = self.data_shapes[0].shape[axis] if self.data_shapes else 0
        self.slices = split_input_slice(self.batch_size, self.workload)

    def _device_shapes(self, k):
        sl = self.slices[k]
        data = [_slice_shape(d, sl, a) for d, a in zip(self.data_shapes, self.data_layouts)]
        label = [_slice_shape(d, sl, a) for d, a in
                 zip(self.label_shapes or [], self.label_layouts)]
        return data, label

    def _bind(self, data_shapes, label_shapes, shared_group):
        self._set_shapes(data_shapes, label_shapes)
        reqs = self._reqs()
        execs = []
        for k, ctx in enumerate(self.contexts):
            data, label = self._device_shapes(k)
            shapes = {d.name: d.shape for d in data + label}
            types = {d.name: np.dtype(d.dtype).name for d in data + label}
            shared = shared_group.execs[k] if shared_group is not None and \
                k < len(shared_group.execs) else None
            try:
                exe = self.symbol.simple_bind(ctx, grad_req=reqs, type_dict=types,
                                              group2ctx=self._group2ctx(k), shared_exec=shared,
                                              **shapes)
            except MXNetError as e:
                raise MXNetError('Module bind failed for data shapes %s, label shapes %s: %s'
                                 % ([(d.name, d.shape) for d in self.data_shapes],
                                    [(d.name, d.shape) for d in (self.label_shapes or [])],
                                    e)) from None
            execs.append(exe)
        self.execs = execs
        self._collect_arrays()

    def _group2ctx(self, k):
        g = self.group2ctxs
        if not g:
            return None
        if isinstance(g, (list, tuple)):
            return g[k]
        return {name: (c[k] if isinstance(c, (list, tuple)) else c) for name, c in g.items()}

    def _collect_arrays(self):
        ex = self.execs
        for e in ex:
            e._siblings = tuple(ex)
        self.param_arrays = [[e.arg_dict[n] for e in ex] for n in self.param_names]
        if self.for_training:
            self.grad_arrays = [[e.grad_dict[n] for e in ex] if ex[0].grad_dict.get(n)
                                is not None else [None] * len(ex) for n in self.param_names]
        else:
            self.grad_arrays = []
        self.aux_arrays = [[e.aux_dict[n] for e in ex] for n in self.aux_names]
        self.data_arrays = [[(self.slices[k], e.arg_dict[n]) for k, e in enumerate(ex)]
                            for n in self.data_names]
        self.label_arrays = [[(self.slices[k], e.arg_dict[n]) for k, e in enumerate(ex)]
                             for n in self.label_names]
        self.state_arrays = [[e.arg_dict[n] for e in ex] for n in self.state_names]
        self.input_grad_arrays = [[e.grad_dict[n] for e in ex] for n in self.data_names] \
            if self.inputs_need_grad else []

    def reshape(self, data_shapes, label_shapes):
        """Rebind for new input shapes, sharing every array whose shape does not change."""
        data_shapes = _desc_list(data_shapes)
        label_shapes = _desc_list(label_shapes) if label_shapes else None
        if data_shapes == self.data_shapes and label_shapes == self.label_shapes:
            return
        old = self.execs
        old_shapes = (self.data_shapes, self.label_shapes)
        self._set_shapes(data_shapes, label_shapes)
        execs = []
        try:
            for k, e in enumerate(old):
                data, label = self._device_shapes(k)
                shapes = {d.name: d.shape for d in data + label}
                execs.append(e.reshape(partial_shaping=False, allow_up_sizing=True, **shapes))
        except Exception:
            self._set_shapes(*old_shapes)  # a failed reshape leaves the group as it was
            raise
        self.execs = execs
        self._collect_arrays()

    # -- params ---------------------------------------------------------------------------------
    def set_params(self, arg_params, aux_params, allow_extra=False):
        for exe in self.execs:
            exe.copy_params_from(arg_params, aux_params, allow_extra_params=allow_extra)

    def get_params(self, arg_params, aux_params):
        """Copy the devices' values into the given dicts' arrays; with several devices the copies
        are averaged, as MXNet does (so per-device BatchNorm statistics are averaged)."""
        for name, block in zip(self.param_names, self.param_arrays):
            arg_params[name][:] = _mean(block)
        for name, block in zip(self.aux_names, self.aux_arrays):
            aux_params[name][:] = _mean(block)

    # -- running --------------------------------------------------------------------------------
    def _slice(self, arr, k, axis):
        sl = self.slices[k]
        if self.num_device == 1 or axis < 0:
            return arr
        if axis == 0:
            return arr[sl.start:sl.stop]
        from ..ndarray.register import invoke
        return invoke('slice_axis', (arr,), {'axis': axis, 'begin': sl.start, 'end': sl.stop})

    def _split(self, arr, axis):
        """``arr`` cut into every device's slice along ``axis``: one split op for all devices
        (reading n first-axis views would cost n slicing ops per array per batch)."""
        n = self.num_device
        if n == 1 or axis < 0:
            return [arr] * n
        sizes = [sl.stop - sl.start for sl in self.slices]
        if not isinstance(arr, _nd.NDArray) or arr.ndim <= axis or \
                arr.shape[axis] != sum(sizes):
            return [self._slice(arr, k, axis) for k in range(n)]
        parts = tf.split(arr._read(), sizes, axis=axis)
        return [_nd.from_tensor(t, arr.context) for t in parts]

    def _feeds(self, data_batch):
        """Every device's inputs, {name: array} per device."""
        feeds = [{} for _ in range(self.num_device)]
        data = data_batch.data if data_batch.data is not None else []
        if len(data) != len(self.data_names):
            raise MXNetError('the batch has %d data arrays but the module expects %d (%s)'
                             % (len(data), len(self.data_names), ', '.join(self.data_names)))
        for name, arr, axis in zip(self.data_names, data, self.data_layouts):
            for f, part in zip(feeds, self._split(arr, axis)):
                f[name] = part
        labels = getattr(data_batch, 'label', None) or []   # a batch may have no .label
        if self.label_names and labels:
            if len(labels) != len(self.label_names):
                raise MXNetError('the batch has %d label arrays but the module expects %d (%s)'
                                 % (len(labels), len(self.label_names),
                                    ', '.join(self.label_names)))
            for name, arr, axis in zip(self.label_names, labels, self.label_layouts):
                for f, part in zip(feeds, self._split(arr, axis)):
                    f[name] = part
        return feeds

    def forward(self, data_batch, is_train=None):
        if is_train is None:
            is_train = self.for_training
        for exe, feeds in zip(self.execs, self._feeds(data_batch)):
            exe.forward(is_train=is_train, **feeds)

    def backward(self, out_grads=None):
        if not self.for_training:
            raise MXNetError('re-bind with for_training=True to run backward')
        for k, exe in enumerate(self.execs):
            og = None
            if out_grads is not None:
                if isinstance(out_grads, _nd.NDArray):
                    out_grads = [out_grads]
                og = [self._slice(g, k, axis) for g, axis in zip(out_grads, self.output_layouts)]
            exe.backward(out_grads=og)

    def get_outputs(self, merge_multi_context=True, begin=0, end=None):
        outs = [[e.outputs[i] for e in self.execs]
                for i in range(len(self.execs[0].outputs))][begin:end]
        if merge_multi_context:
            return _merge(outs, self.output_layouts[begin:end])
        return outs

    def get_output_shapes(self):
        """(name, shape) of each output for the whole batch (its batch axis scaled up)."""
        shapes = []
        for name, out, axis in zip(self.output_names, self.execs[0].outputs,
                                   self.output_layouts):
            shape = list(out.shape)
            if axis >= 0:
                shape[axis] = self.batch_size
            shapes.append((name, tuple(shape)))
        return shapes

    def get_states(self, merge_multi_context=True):
        if merge_multi_context:
            raise AssertionError('merge_multi_context=True is not supported for get_states yet.')
        return [list(a) for a in self.state_arrays]

    def set_states(self, states=None, value=None):
        if states is not None:
            if value is not None:
                raise MXNetError('Only one of states & value can be specified.')
            for dst, src in zip(self.state_arrays, states):
                if not isinstance(src, (list, tuple)):
                    raise AttributeError("'NDArray' object has no attribute 'start': states must "
                                         "be a list (per state) of lists (per device)")
                for d, s in zip(dst, src):
                    d[:] = s
        else:
            if value is None:
                raise MXNetError('At least one of states & value must be specified.')
            for dst in self.state_arrays:
                for d in dst:
                    d[:] = value

    def get_input_grads(self, merge_multi_context=True):
        if not self.inputs_need_grad:
            raise MXNetError('bind with inputs_need_grad=True to get input gradients')
        if merge_multi_context:
            return _merge(self.input_grad_arrays, self.data_layouts)
        return [list(g) for g in self.input_grad_arrays]

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        """Feed every device's outputs and its label slice to the metric (MXNet: per device)."""
        for k, exe in enumerate(self.execs):
            if pre_sliced:
                labels_k = labels[k]
            else:
                labels_k = [self._slice(lab, k, axis) for lab, axis in
                            zip(labels or [], self.label_layouts or [0] * len(labels or []))]
            labels_ = OrderedDict(zip(self.label_names, labels_k))
            preds = OrderedDict(zip(self.output_names, exe.outputs))
            eval_metric.update_dict(labels_, preds)

    def install_monitor(self, mon):
        for exe in self.execs:
            mon.install(exe)


def _merge(blocks, axes):
    """Each block's per-device arrays joined along its batch axis (the first device's array
    when there is no batch axis), as MXNet's _merge_multi_context."""
    out = []
    for block, axis in zip(blocks, axes):
        if len(block) == 1 or axis < 0:
            out.append(block[0])
        else:
            out.append(_nd.concatenate(list(block), axis=axis))
    return out


def _mean(block):
    if len(block) == 1:
        return block[0]
    total = block[0].asnumpy().astype(np.float64)
    for b in block[1:]:
        total = total + b.asnumpy()
    return (total / len(block)).astype(block[0].asnumpy().dtype)
