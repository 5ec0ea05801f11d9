"""mx.profiler's bad-input errors: MXNetError, and also the built-in type MXNet 1.9.1 raises
there (its Python layer indexes dicts and asserts), so code catching either keeps working."""
from ..base import MXNetError


class ProfilerKeyError(MXNetError, KeyError):
    """An unknown state / profile_process name (MXNet: KeyError)."""

    def __str__(self):   # KeyError would quote the message
        return str(self.args[0]) if self.args else ''


class ProfilerAssertionError(MXNetError, AssertionError):
    """A bad dumps() argument (MXNet: AssertionError)."""
