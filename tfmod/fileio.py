"""Crash-safe file writing: write to a temporary name beside the target, then rename.

A crash or error mid-save leaves the previous file intact and no half-written file behind.
"""
import os
import tempfile

from .base import MXNetError


def atomic_write(path, data):
    """Write bytes ``data`` to ``path`` atomically."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    remove_stale_temps(directory, os.path.basename(path) + '.')
    try:
        fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), suffix='.tmp',
                                   dir=directory)
    except OSError as e:
        raise MXNetError('cannot write %s: %s' % (path, e.strerror)) from None
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise MXNetError('cannot write %s: %s' % (path, e.strerror)) from None
        raise


def remove_stale_temps(directory, base):
    """Delete the temporaries that killed saves of files named ``base*`` left behind."""
    prefix = '.' + base
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for n in names:
        if n.startswith(prefix) and n.endswith('.tmp'):
            try:
                os.unlink(os.path.join(directory, n))
            except OSError:
                pass


def read_bytes(path, what='file'):
    try:
        with open(path, 'rb') as f:
            return f.read()
    except OSError as e:
        raise MXNetError('cannot read %s %s: %s' % (what, path, e.strerror)) from None
