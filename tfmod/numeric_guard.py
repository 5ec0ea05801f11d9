"""``mx.callback.NumericGuard``: stop ``fit`` at the first batch whose parameters or outputs
hold a NaN or an infinity.

MXNet has no such check (a diverging run trains on NaNs to the end); this one is opt-in and
spelled as MXNet's other batch-end callbacks are::

    mod.fit(train, num_epoch=10, batch_end_callback=mx.callback.NumericGuard())

After each batch it reads one flag to the host: is the sum of all the elements of every
floating-point parameter, auxiliary state and output finite? With ``frequent=1`` the module's
compiled training step computes that flag itself from the second batch on (one sum per updated
weight, aux state and output inside the step, no call of its own); the step stops checking
when its flag goes unread for a call (the guard is no longer passed to ``fit``, or ``fit``
ended). Otherwise, and for modules without that step, one compiled function of the guard's
computes it. Only when it is not does it look closer
(eagerly, once) to write the error: ``MXNetError`` naming the epoch, the batch, the first
non-finite array (parameters in the symbol's argument order, then auxiliary states, then
outputs) and every other one.

The module comes from the batch-end record (``param.locals['self']``, as ``fit`` passes it);
a BucketingModule is checked through its current bucket's module, a SequentialModule through
each of its modules. The first executor's parameters are checked (the others hold copies),
every executor's outputs.
"""
import math
from collections import OrderedDict

import numpy as np
import tensorflow as tf

from .base import MXNetError

# compiled checks kept per parameter set; a few are enough (one per bound module in use)
_MAX_CHECKS = 8


def _is_float(dtype):
    return dtype.is_floating


def _module_arrays(mod, names, kinds, variables, outputs):
    """Append the arrays of ``mod`` (and of the modules it is made of) to the lists (outputs
    only when ``outputs`` is a list)."""
    group = getattr(mod, '_exec_group', None)
    if group is not None and getattr(group, 'execs', None):
        execs = group.execs
        exe = execs[0]
        for name in group.param_names:
            v = exe._arg_vars[exe._arg_index[name]]
            if _is_float(v.dtype):
                names.append(name)
                kinds.append('parameter')
                variables.append(v)
        for name, v in zip(exe._aux_names, exe._aux_vars):
            if _is_float(v.dtype):
                names.append(name)
                kinds.append('auxiliary state')
                variables.append(v)
        for k, e in enumerate(execs if outputs is not None else ()):
            for name, arr in zip(e._symbol.list_outputs(), e.outputs):
                s = arr._s
                if s.tensor is None and s.var is None:
                    continue            # no forward yet
                t = s.read()
                if _is_float(t.dtype):
                    outputs.append((name if len(execs) == 1 else
                                    '%s (device %d)' % (name, k), t))
    sub = getattr(mod, '_curr_module', None)          # BucketingModule
    if sub is not None:
        _module_arrays(sub, names, kinds, variables, outputs)
    for m in getattr(mod, '_modules', None) or ():     # SequentialModule
        _module_arrays(m, names, kinds, variables, outputs)


def _finite_total(arrays):
    """Traced: a scalar that is finite when every element of ``arrays`` is. One sum per array,
    added up: NaN and Inf carry through a sum, so a NaN/Inf anywhere makes the total non-finite
    (a non-finite total from finite values, an overflow, is settled by ``_exact_bad``). Sums
    stay in the arrays' float32/float64 (float16 and bfloat16 are summed in float32), and the
    finiteness test is left to the reader: the fewest ops, which is what the check costs inside
    a training step (one pass over each array, plus one op per array)."""
    sums = [tf.reduce_sum(a if a.dtype in (tf.float32, tf.float64) else tf.cast(a, tf.float32))
            for a in arrays]
    if not sums:
        return tf.constant(0.0)
    if any(t.dtype == tf.float64 for t in sums):
        sums = [tf.cast(t, tf.float64) for t in sums]
    return tf.add_n(sums)


def _is_bad(total):
    """Whether a total from ``_finite_total`` flags a NaN/Inf (the one host read)."""
    return not math.isfinite(float(total))


def _exact_bad(values):
    """Positions of the arrays holding a NaN/Inf (eager; run only when the sum was not
    finite)."""
    return [i for i, v in enumerate(values)
            if not bool(tf.reduce_all(tf.math.is_finite(v)).numpy())]


class _Check:
    """The compiled check for one set of variables; outputs are its arguments, so each output
    signature (one per bucket) is traced once and then called as a concrete function."""

    def __init__(self, variables):
        self.variables = variables          # kept alive: the cache key is their ids
        self.trace_count = 0

        def run(outs):
            self.trace_count += 1
            return _finite_total([v.read_value() for v in variables] + list(outs))
        # XLA: one fused pass over memory, and about half the CPU time of a plain call
        self._fn = tf.function(run, autograph=False, jit_compile=True)
        self._concrete = {}

    def __call__(self, outs):
        key = tuple((tuple(t.shape), t.dtype) for t in outs)
        cf = self._concrete.get(key)
        if cf is None:
            cf = self._fn.get_concrete_function(list(outs))
            self._concrete[key] = cf
        return cf(list(outs))


class NumericGuard:
    """Batch-end callback raising ``MXNetError`` at the first batch after which a parameter,
    auxiliary state or (with ``check_outputs``) output is NaN or infinite.

    ``frequent``: check every ``frequent`` batches and the last batch of each epoch (1: every
    batch; a larger value lowers the cost and reports the first checked batch that is bad).
    """

    def __init__(self, check_outputs=True, frequent=1):
        frequent = int(frequent)
        if frequent < 1:
            raise MXNetError('NumericGuard: frequent must be >= 1, got %r' % (frequent,))
        self.check_outputs = bool(check_outputs)
        self.frequent = frequent
        self._checks = OrderedDict()

    @property
    def trace_count(self):
        """How many times the compiled checks were traced (one per parameter set and output
        signature)."""
        return sum(c.trace_count for c in self._checks.values())

    def _check_for(self, variables):
        key = tuple(id(v) for v in variables)
        chk = self._checks.get(key)
        if chk is None:
            chk = _Check(variables)
            self._checks[key] = chk
            while len(self._checks) > _MAX_CHECKS:
                self._checks.popitem(last=False)
        return chk

    def __call__(self, param):
        loc = param.locals if isinstance(param.locals, dict) else {}
        if param.nbatch % self.frequent and not loc.get('end_of_batch'):
            return
        mod = loc.get('self')
        if mod is None or not hasattr(mod, 'get_params'):
            raise MXNetError('NumericGuard: the batch-end record carries no module in '
                             "locals['self']; pass it as batch_end_callback to Module.fit")
        fused = _fused_flag(mod) if self.frequent == 1 else _NO_FLAG
        if fused is False:
            return          # the training step's own check (its one host read): all finite
        names, kinds, variables = [], [], []
        outputs = [] if self.check_outputs else None
        _module_arrays(mod, names, kinds, variables, outputs)
        outputs = outputs or []
        if not variables and not outputs:
            return
        if fused is _NO_FLAG:
            chk = self._check_for(variables)
            if not _is_bad(chk([t for _, t in outputs])):   # the one host read
                return
        values = [v.read_value() for v in variables] + [t for _, t in outputs]
        bad = _exact_bad(values)
        if not bad:             # finite values whose sum overflowed
            return
        names = names + [n for n, _ in outputs]
        kinds = kinds + ['output'] * len(outputs)
        raise MXNetError(_message(param.epoch, param.nbatch, names, kinds, values, bad))


_NO_FLAG = object()


def _fused_flag(mod):
    """Whether the batch's compiled training step found a NaN/Inf (True/False), or _NO_FLAG
    when it did not check: the first time, the step of a Module (or of a BucketingModule's
    current bucket) is asked to check from its next call on -- the same sums inside the step
    cost less than a call of their own -- and other modules keep the separate check. Reading
    the flag clears it, which keeps the step checking (see TrainStep.check_finite)."""
    sub = getattr(mod, '_curr_module', None)
    step = getattr(sub if sub is not None else mod, '_train_step', None)
    if step is None or not hasattr(step, 'check_finite'):
        return _NO_FLAG
    if not step.check_finite:
        step.check_finite = True
        return _NO_FLAG
    flag, step.last_bad = step.last_bad, None
    return _NO_FLAG if flag is None else _is_bad(flag)


def _describe(kind, name, value):
    a = np.asarray(value.numpy(), dtype=np.float64)
    return "%s '%s' (%d NaN, %d Inf of %d values)" % (
        kind, name, int(np.isnan(a).sum()), int(np.isinf(a).sum()), a.size)


def _message(epoch, nbatch, names, kinds, values, bad):
    first = bad[0]
    others = ['%s %s' % (kinds[i], names[i]) for i in bad[1:]]
    msg = 'NumericGuard: %s became non-finite at epoch %d, batch %d' % (
        _describe(kinds[first], names[first], values[first]), epoch, nbatch)
    if others:
        msg += '; also non-finite: %s' % ', '.join(others)
    return msg
