"""``mx.AttrScope``: attributes attached to every symbol created inside the scope."""
import threading

from .base import MXNetError


class AttrScope:
    """``with mx.AttrScope(ctx_group='dev1'):`` -- values must be strings, as in MXNet."""
    _current = threading.local()

    def __init__(self, **kwargs):
        self._old_scope = None
        for value in kwargs.values():
            if not isinstance(value, str):
                raise MXNetError('Attributes need to be string')
        self._attr = kwargs

    def get(self, attr):
        """The scope's attributes updated with ``attr`` (the symbol's own win)."""
        if self._attr:
            ret = self._attr.copy()
            if attr:
                ret.update(attr)
            return ret
        return dict(attr) if attr else {}

    def __enter__(self):
        self._old_scope = current()
        attr = self._old_scope._attr.copy()
        attr.update(self._attr)
        self._attr = attr
        AttrScope._current.value = self
        return self

    def __exit__(self, ptype, value, trace):
        AttrScope._current.value = self._old_scope


def current():
    if not hasattr(AttrScope._current, 'value'):
        AttrScope._current.value = AttrScope()
    return AttrScope._current.value
