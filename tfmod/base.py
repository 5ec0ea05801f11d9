"""Basic types shared by tfmod modules; ``MXNetError`` is the converters' one error class."""
from tfmod_converters.base import MXNetError  # noqa: F401  (re-exported: mx.base.MXNetError)

string_types = (str,)
numeric_types = (float, int)
integer_types = (int,)


class _NullType:
    """Placeholder for arguments left unset (MXNet's ``_Null``)."""

    def __repr__(self):
        return '_Null'

    def __bool__(self):
        return False


_Null = _NullType()


class _OnlyInNDArray(MXNetError):
    """An operation that exists for dense NDArrays only, called on something else; the message
    names the function, the operator and the argument types, as MXNet's does."""
    _ENDING = ''

    def __init__(self, function, alias, *args):
        super().__init__()
        self.function = getattr(function, '__name__', str(function))
        self.alias = alias
        self.args = [str(type(a)) for a in args]

    def __str__(self):
        msg = 'Function %s' % self.function
        if self.alias:
            msg += ' (namely operator "%s")' % self.alias
        if self.args:
            msg += ' with arguments (%s)' % ', '.join(self.args)
        return msg + self._ENDING


class NotImplementedForSymbol(_OnlyInNDArray):
    """An NDArray-only operation (``bool(sym)``, ``sym.asnumpy()``...) called on a Symbol."""
    _ENDING = ' is not implemented for Symbol and only available in NDArray.'


class NotSupportedForSparseNDArray(_OnlyInNDArray):
    """An NDArray-only operation (reshape, views, element assignment...) called on a csr or
    row_sparse array."""
    _ENDING = ' is not supported for SparseNDArray and only available in NDArray.'


__all__ = ['MXNetError', 'NotImplementedForSymbol', 'NotSupportedForSparseNDArray', 'string_types', 'numeric_types',
           'integer_types', '_Null']
