"""``mx.monitor`` / ``mx.mon``: statistics of node outputs, weights and gradients for debugging.

A :class:`Monitor` installed on executors (``Module.install_monitor``) collects
``(step, name, stat)`` every ``interval`` batches, between ``tic()`` and ``toc()``: first every
op node's outputs whose name matches ``pattern`` (forward in graph order, then backward nodes
``<node>_backward_output[i]``; with ``monitor_all`` also each node's inputs), then the
arguments and auxiliary states. The executor computes those internal tensors only on the
batches where the monitor is active.
"""
import logging
import math
import re

from .ndarray import ndarray as _nd


def _default_stat(x):
    """MXNet's default statistic: ``norm(x) / sqrt(x.size)`` (a (1,) NDArray)."""
    from .ndarray import norm
    return norm(x) / math.sqrt(x.size)


class Monitor:
    """Monitor inputs, outputs, weights and gradients (MXNet's ``mx.monitor.Monitor``).

    interval: batches between collections; stat_func: NDArray -> NDArray (or a list of them),
    default ``norm(x)/sqrt(size)``; pattern: regular expression (``re.match``) the names must
    match; sort: sort the results by name; monitor_all: also monitor node inputs.
    """

    def __init__(self, interval, stat_func=None, pattern='.*', sort=False, monitor_all=False):
        if stat_func is None:
            stat_func = _default_stat
        self.stat_func = stat_func
        self.interval = interval
        self.activated = False
        self.queue = []
        self.step = 0
        self.exes = []
        self.re_prog = re.compile(pattern)
        self.sort = sort
        self.monitor_all = monitor_all

        def stat_helper(name, array):
            """The executor callback: queue the statistic of a matching tensor."""
            if not self.activated or not self.re_prog.match(name):
                return
            self.queue.append((self.step, name, self.stat_func(array)))
        # executors compute their internals only while this says so
        stat_helper.is_active = lambda: self.activated
        self.stat_helper = stat_helper

    def install(self, exe):
        """Install the callback on an executor (several executors may share a monitor)."""
        exe.set_monitor_callback(self.stat_helper, self.monitor_all)
        self.exes.append(exe)

    def tic(self):
        """Start collecting for this batch (every ``interval`` batches); call before forward."""
        if self.step % self.interval == 0:
            _nd.flush_pending()     # earlier deferred work belongs to an earlier batch
            self.queue = []
            self.activated = True
        self.step += 1

    def toc(self):
        """Stop collecting; return ``[(step, name, stat string)]`` for this batch."""
        if not self.activated:
            return []
        _nd.flush_pending()         # deferred forward/backward still report to this batch
        for exe in self.exes:
            for name, array in zip(exe._symbol.list_arguments(), exe.arg_arrays):
                if self.re_prog.match(name):
                    self.queue.append((self.step, name, self.stat_func(array)))
            for name, array in zip(exe._symbol.list_auxiliary_states(), exe.aux_arrays):
                if self.re_prog.match(name):
                    self.queue.append((self.step, name, self.stat_func(array)))
        self.activated = False
        if self.sort:
            self.queue.sort(key=lambda x: x[1])
        res = []
        for n, k, v_list in self.queue:
            if isinstance(v_list, _nd.NDArray):
                v_list = [v_list]
            if not isinstance(v_list, list):
                raise TypeError('stat_func must return an NDArray or a list of NDArrays, got %r'
                                % type(v_list))
            s = ''
            for v in v_list:
                if not isinstance(v, _nd.NDArray):
                    raise TypeError('stat_func must return NDArrays, got %r' % type(v))
                if v.shape == (1,):
                    s += str(v.asscalar()) + '\t'
                else:
                    s += str(v.asnumpy()) + '\t'
            res.append((n, k, s))
        self.queue = []
        return res

    def toc_print(self):
        """Stop collecting and log the results (``Batch: <step> <name> <stat>``)."""
        for n, k, v in self.toc():
            logging.info('Batch: {:7d} {:30s} {:s}'.format(n, k, v))
