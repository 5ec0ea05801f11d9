"""Crash-safe file writing: write to a temporary name beside the target, then rename.

A crash or error mid-save leaves the previous file intact and no half-written file behind.
"""
import os
import re
import tempfile

from .base import MXNetError


def atomic_write(path, data):
    """Write bytes ``data`` to ``path`` atomically."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    remove_stale_temps(directory, lambda target: target == base)
    try:   # the writer's pid in the name: only a dead writer's temporaries are stale
        fd, tmp = tempfile.mkstemp(prefix='.%s.%d.' % (base, os.getpid()), suffix='.tmp',
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


# .<target file name>.<writer pid>.<mkstemp's random part>.tmp (earlier tfmod: no pid)
_TEMP = re.compile(r'^\.(?P<target>.+)\.(?P<pid>\d+)\.[^.]+\.tmp$')
_OLD_TEMP = re.compile(r'^\.(?P<target>.+)\.[^.]+\.tmp$')


def _alive(pid):
    if pid == os.getpid():
        return False        # this process writes one file at a time: a leftover of its own
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:         # exists, owned by someone else
        return True
    return True


def remove_stale_temps(directory, is_target):
    """Delete the temporaries that killed saves left behind: those of files whose name
    ``is_target`` accepts, written by a process that is gone (another process saving beside
    this one -- e.g. each worker of a job its own checkpoint -- keeps its own)."""
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for n in names:
        m = _TEMP.match(n)
        if m and is_target(m.group('target')):
            stale = not _alive(int(m.group('pid')))
        else:
            m = _OLD_TEMP.match(n)
            stale = bool(m) and is_target(m.group('target'))
        if stale:
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
