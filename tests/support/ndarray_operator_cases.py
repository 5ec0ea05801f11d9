"""NDArray's Python operators over their edge cases -- array or number on either side, division
and modulo by zero, negative operands, int dtypes, broadcasting, in-place forms on arrays and
views -- written once for the recorder (tools/record_ndarray_operators.py, run by MXNet 1.9.1)
and the test (tests/test_ndarray_operators.py, run by tfmod); ``mx`` is the library under test.
"""
import operator

import numpy as np

BINARY = {'add': operator.add, 'sub': operator.sub, 'mul': operator.mul,
          'truediv': operator.truediv, 'mod': operator.mod, 'pow': operator.pow,
          'eq': operator.eq, 'ne': operator.ne, 'gt': operator.gt, 'ge': operator.ge,
          'lt': operator.lt, 'le': operator.le}
INPLACE = {'iadd': operator.iadd, 'isub': operator.isub, 'imul': operator.imul,
           'itruediv': operator.itruediv, 'imod': operator.imod}


def _operands(mx):
    f = mx.nd.array([[-7.5, -2, 0], [1, 3.25, 8]])
    return {
        'f': f,
        'g': mx.nd.array([[2, -3, 0], [-2, 0.5, 3]]),
        'row': mx.nd.array([[4, -1.5, 2]]),                        # (1, 3): broadcasts
        'col': mx.nd.array([[0], [-2]]),                           # (2, 1): broadcasts
        'i': mx.nd.array([[-7, -2, 0], [1, 3, 8]], dtype='int32'),
        'j': mx.nd.array([[2, -3, 0], [-2, 5, 3]], dtype='int32'),
        'l': mx.nd.array([[-9, 4, 7]], dtype='int64'),
        'd': mx.nd.array([[-7.5, 2], [0, 1e-3]], dtype='float64'),
        'e': mx.nd.array([[0.5, 0], [-3, 2]], dtype='float64'),
        'b8': mx.nd.array([[0, 2, -3]], dtype='int8'),
        'u8': mx.nd.array([[0, 2, 3]], dtype='uint8'),
    }


# (left, right): names of operands above, or numbers (a number on the left calls the r-op)
PAIRS = [('f', 'g'), ('f', 'row'), ('col', 'f'), ('f', 2.5), ('f', 0), ('f', -3),
         (2.5, 'f'), (0, 'f'), (-3, 'f'), ('i', 'j'), ('i', 3), ('i', 0), ('i', -2), ('i', 2.5),
         (5, 'i'), (-7, 'i'), ('l', 2), (3, 'l'), ('d', 'e'), ('d', 0), (1.5, 'd'),
         ('f', np.float32(2.0)), (np.int64(3), 'i'), (5, 'b8'), (-5, 'u8'), ('u8', 2)]
INPLACE_PAIRS = [('f', 'g'), ('f', 'row'), ('f', 2.5), ('f', 0), ('i', 'j'), ('i', 3),
                 ('i', 0), ('i', -2.5), ('d', 'e')]
# mismatched operands: the exception's type is what is compared
ERROR_PAIRS = [('f', 'i'), ('f', 'd'), ('f', 'col_t'), ('f', 'nparray'), ('f', 'none'),
               ('f', 'text'), ('nparray', 'f'), ('none', 'f')]


def _pick(ops, name):
    if not isinstance(name, str):
        return name
    extra = {'col_t': lambda: ops['g'].T, 'nparray': lambda: np.ones((2, 3), np.float32),
             'none': lambda: None, 'text': lambda: 'a'}
    return extra[name]() if name in extra else ops[name]


def _label(x):
    return x if isinstance(x, str) else '%s(%s)' % (type(x).__name__, x)


def cases(mx):
    """{case name: a call returning the NDArray to compare}; each call makes fresh operands."""
    out = {}
    for opname, fn in BINARY.items():
        for a, b in PAIRS + ERROR_PAIRS:
            out['%s %s %s' % (_label(a), opname, _label(b))] = \
                lambda fn=fn, a=a, b=b: _apply(mx, fn, a, b)
    for opname, fn in INPLACE.items():
        for a, b in INPLACE_PAIRS:
            out['%s %s %s' % (_label(a), opname, _label(b))] = \
                lambda fn=fn, a=a, b=b: _apply_inplace(mx, fn, a, b)
    for name in ('f', 'i', 'l', 'd'):
        out['neg %s' % name] = lambda name=name: -_operands(mx)[name]
        out['abs %s' % name] = lambda name=name: abs(_operands(mx)[name])
    out['view iadd'] = lambda: _view_iadd(mx)
    out['view imod'] = lambda: _view_imod(mx)
    return out


def _apply(mx, fn, a, b):
    ops = _operands(mx)
    return fn(_pick(ops, a), _pick(ops, b))


def _apply_inplace(mx, fn, a, b):
    """The in-place op must return the same array, changed."""
    ops = _operands(mx)
    x = _pick(ops, a)
    y = fn(x, _pick(ops, b))
    assert y is x
    return x


def _view_iadd(mx):
    """``+=`` on a first-axis view writes through to its base array."""
    base = _operands(mx)['f']
    v = base[1]
    v += 10
    return base


def _view_imod(mx):
    base = _operands(mx)['i']
    v = base[0:1]
    v %= 4
    return base
