"""``mx.library``: MXNet's loader of C++ extension libraries (custom operators, partitioners,
passes compiled against MXNet's ``lib_api.h``). Such libraries hold MXNet C++ code that cannot run
inside TensorFlow, so ``load`` checks the path as MXNet does and then refuses clearly. Python
custom operators (``mx.operator.CustomOp``) do work in tfmod."""
import os

from .base import MXNetError

__all__ = ['load', 'MXNetError']


def load(path, verbose=True):
    """Refuse to load the MXNet extension library at ``path`` (after MXNet's own path checks,
    with MXNet's messages)."""
    if not os.path.exists(path):
        raise MXNetError('load path %s does NOT exist' % path)
    if not os.path.isabs(path):
        raise MXNetError('load path %s is not an absolute path' % path)
    if os.path.splitext(path)[1] not in ('.so', '.dll'):
        raise MXNetError('load path %s is NOT a library file' % path)
    raise MXNetError('mx.library.load(%r): MXNet C++ extension libraries (custom ops, '
                     'partitioners and graph passes built against MXNet\'s lib_api.h) cannot be '
                     'loaded into tfmod, which runs on TensorFlow; port custom operators to '
                     'mx.operator.CustomOp (Python) instead' % path)
