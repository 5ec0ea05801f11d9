"""The Python-level functions MXNet 1.9.1 defines in ``mxnet/symbol/symbol.py`` over its ops:
``pow``/``power``/``maximum``/``minimum``/``hypot`` (symbol-or-number operands, dispatched as
MXNet does, to the same op names it emits), ``eye``, ``linspace``, ``histogram``, and
``contrib.adamw_update`` / ``mp_adamw_update`` (which fail in MXNet 1.9.1). Thin calls of
registered ops; none defines an op of its own."""
import math
import numbers

import numpy as np

from ..base import MXNetError
from .register import _make_function
from .symbol import Symbol

_NUMBERS = numbers.Number


def _binary(name, array_op, scalar_op, rscalar_op, py_fn):
    array_fn, scalar_fn, rscalar_fn = (_make_function(n) for n in (array_op, scalar_op,
                                                                   rscalar_op))

    def fn(left, right):
        if isinstance(left, Symbol) and isinstance(right, Symbol):
            return array_fn(left, right)
        if isinstance(left, Symbol) and isinstance(right, _NUMBERS):
            return scalar_fn(left, scalar=right)
        if isinstance(left, _NUMBERS) and isinstance(right, Symbol):
            return rscalar_fn(right, scalar=left)
        if isinstance(left, _NUMBERS) and isinstance(right, _NUMBERS):
            return py_fn(left, right)
        raise TypeError('types (%s, %s) not supported' % (str(type(left)), str(type(right))))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = 'Element-wise %s of symbols and/or numbers (``%s``).' % (name, array_op)
    return fn


pow = _binary('pow', '_Power', '_PowerScalar', '_RPowerScalar', lambda b, e: b ** e)  # noqa: A001
power = _binary('power', '_Power', '_PowerScalar', '_RPowerScalar', lambda b, e: b ** e)
maximum = _binary('maximum', '_Maximum', '_MaximumScalar', '_MaximumScalar',
                  lambda a, b: a if a > b else b)
minimum = _binary('minimum', '_Minimum', '_MinimumScalar', '_MinimumScalar',
                  lambda a, b: a if a < b else b)
hypot = _binary('hypot', '_Hypot', '_HypotScalar', '_HypotScalar', np.hypot)


def eye(N, M=0, k=0, dtype=None, **kwargs):
    """A 2-D symbol with ones on the k-th diagonal (``_eye``)."""
    return _make_function('_eye')(N=N, M=M, k=k, dtype=dtype or 'float32', **kwargs)


def linspace(start, stop, num, endpoint=True, name=None, dtype=None):
    """``num`` evenly spaced values from start to stop (``_linspace``)."""
    return _make_function('_linspace')(start=start, stop=stop, num=num, endpoint=endpoint,
                                       name=name, dtype=dtype or 'float32')


def histogram(a, bins=10, range=None, **kwargs):  # noqa: A002  (MXNet's argument name)
    """(counts, bin edges) of ``a`` over ``bins`` edges (a Symbol) or a bin count over
    ``range`` (required in symbol mode, as in MXNet)."""
    hist = _make_function('_histogram')
    if isinstance(bins, Symbol):
        return hist(data=a, bins=bins, **kwargs)
    if isinstance(bins, int):
        if range is None:
            raise ValueError('null range is not supported in symbol mode')
        return hist(data=a, bin_cnt=bins, range=range, **kwargs)
    raise ValueError('bins argument should be either an integer or an NDArray')



def rand_zipfian(true_classes, num_sampled, range_max):
    """The graph of :func:`tfmod.ndarray.helpers.rand_zipfian`: (sampled classes, expected counts
    of ``true_classes``, expected counts of the samples), built from the same nodes as MXNet's."""
    from .random import uniform
    log_range = math.log(range_max + 1)
    rand = uniform(0, log_range, shape=(num_sampled,), dtype='float64')
    sampled_classes = (rand.exp() - 1).astype('int64') % range_max
    true_classes = true_classes.astype('float64')
    expected_count_true = ((true_classes + 2.0) / (true_classes + 1.0)).log() / log_range \
        * num_sampled
    sampled_cls_fp64 = sampled_classes.astype('float64')
    expected_prob_sampled = ((sampled_cls_fp64 + 2.0) / (sampled_cls_fp64 + 1.0)).log() / log_range
    return sampled_classes, expected_count_true, expected_prob_sampled * num_sampled


def _adamw_unbuildable(op_name):
    def fn(*args, **kwargs):
        raise MXNetError('Not enough argument to call operator %s: MXNet 1.9.1 cannot compose '
                         'this optimizer node into a symbol, so its mx.sym.contrib.%s fails on '
                         'every call; mx.nd.contrib.%s runs the update'
                         % (op_name, op_name[1:], op_name[1:]))
    fn.__name__ = fn.__qualname__ = op_name[1:]
    fn.__doc__ = ('MXNet 1.9.1\'s mx.sym.contrib.%s: raises MXNetError on every call, as MXNet '
                  'does (the node cannot be composed); use mx.nd.contrib.%s.'
                  % (op_name[1:], op_name[1:]))
    return fn


adamw_update = _adamw_unbuildable('_adamw_update')
mp_adamw_update = _adamw_unbuildable('_mp_adamw_update')
