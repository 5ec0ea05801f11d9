"""Basic types shared by tfmod modules; ``MXNetError`` is the converters' one error class."""
from converters.base import MXNetError  # noqa: F401  (re-exported: mx.base.MXNetError)

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

__all__ = ['MXNetError', 'string_types', 'numeric_types', 'integer_types', '_Null']
