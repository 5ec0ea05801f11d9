"""``mx.gluon.utils``: the helpers Gluon training loops use, as MXNet 1.9.1's -- splitting a
batch over contexts, clipping gradients by their global norm, checking and downloading files.

``download`` fetches with the standard library (MXNet uses ``requests``). Where the file is
already in place with the expected SHA-1 it does not touch the network; when the network cannot
be reached it raises ``ConnectionError`` (an OSError, as MXNet's ``requests`` error) naming the
URL and the file it was to write.
"""
import hashlib
import os
import urllib.request
import uuid
import warnings
import weakref

import numpy as np

from ..base import MXNetError
from .. import ndarray as _nd
from ..util import is_np_array, is_np_shape  # noqa: F401 (MXNet's gluon.utils has them)

__all__ = ['split_data', 'split_and_load', 'clip_global_norm', 'check_sha1', 'download',
           'replace_file', 'shape_is_known', 'HookHandle']


def shape_is_known(shape):
    """Whether every dimension of ``shape`` is known (0 is unknown in MXNet's legacy shapes,
    -1 under ``np_shape``)."""
    if shape is None:
        return False
    unknown = -1 if is_np_shape() else 0
    if len(shape) == 0:
        return unknown == -1
    return all(d != unknown for d in shape)


def split_data(data, num_slice, batch_axis=0, even_split=True):
    """``data`` cut into ``num_slice`` parts along ``batch_axis`` (the first ones one longer
    when it does not divide, if ``even_split`` is False)."""
    size = data.shape[batch_axis]
    if even_split and size % num_slice != 0:
        raise MXNetError(
            "data with shape %s cannot be evenly split into %d slices along axis %d. Use a "
            "batch size that's multiple of %d or set even_split=False to allow uneven "
            "partitioning of data." % (str(data.shape), num_slice, batch_axis, num_slice))
    each, extras = divmod(size, num_slice)
    bounds = np.cumsum([0] + [each + 1] * extras + [each] * (num_slice - extras))
    if batch_axis == 0:
        return [data[int(bounds[i]):int(bounds[i + 1])] for i in range(num_slice)]
    return [_nd.slice_axis(data, axis=batch_axis, begin=int(bounds[i]), end=int(bounds[i + 1]))
            for i in range(num_slice)]


def split_and_load(data, ctx_list, batch_axis=0, even_split=True):
    """``data`` split along ``batch_axis``, one part on each context of ``ctx_list``."""
    if not isinstance(data, _nd.NDArray):
        data = _nd.array(data, ctx=ctx_list[0])
    if len(ctx_list) == 1:
        return [data.as_in_context(ctx_list[0])]
    parts = split_data(data, len(ctx_list), batch_axis, even_split)
    return [p.as_in_context(ctx) for p, ctx in zip(parts, ctx_list)]


def clip_global_norm(arrays, max_norm, check_isfinite=True):
    """Scale ``arrays`` in place so their joint 2-norm is at most ``max_norm``; returns that
    norm before scaling (a float, or an NDArray when ``check_isfinite`` is False)."""
    if not arrays:
        raise MXNetError('clip_global_norm: arrays is empty')
    ctx = arrays[0].context

    def sq_norm(arr):
        if arr.stype == 'default':
            flat = arr.reshape((-1,))
            return _nd.dot(flat, flat)
        return arr.norm().square()
    total = _nd.sqrt(_nd.add_n(*[sq_norm(a).as_in_context(ctx) for a in arrays]))
    if check_isfinite and not np.isfinite(total.asscalar()):
        warnings.warn(UserWarning('nan or inf is detected. Clipping results will be '
                                  'undefined.'), stacklevel=2)
    scale = max_norm / (total + 1e-8)
    scale = _nd.min(_nd.concat(scale, _nd.ones(1, ctx=ctx), dim=0))
    for arr in arrays:
        arr *= scale.as_in_context(arr.context)
    return total.asscalar() if check_isfinite else total


def check_sha1(filename, sha1_hash):
    """Whether the file's SHA-1 hex digest is ``sha1_hash``."""
    sha1 = hashlib.sha1()
    with open(filename, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            sha1.update(chunk)
    return sha1.hexdigest() == sha1_hash


def replace_file(src, dst):
    """Move ``src`` onto ``dst`` atomically (``src`` removed if that fails)."""
    try:
        os.replace(src, dst)
    except OSError:
        try:
            os.remove(src)
        except OSError:
            pass
        raise OSError('Moving downloaded temp file - %s, to %s failed. Please retry the '
                      'download.' % (src, dst)) from None


def download(url, path=None, overwrite=False, sha1_hash=None, retries=5, verify_ssl=True):
    """Fetch ``url`` to ``path`` (a file, or a directory for the URL's file name) unless the
    file is there already (with ``sha1_hash``, when given); returns the file name."""
    if path is None:
        fname = url.split('/')[-1]
        if not fname:
            raise MXNetError("Can't construct file-name from this URL. Please set the `path` "
                             "option manually.")
    else:
        path = os.path.expanduser(path)
        fname = os.path.join(path, url.split('/')[-1]) if os.path.isdir(path) else path
    if retries < 0:
        raise MXNetError("Number of retries should be at least 0, currently it's %d" % retries)
    if not verify_ssl:
        warnings.warn('Unverified HTTPS request is being made (verify_ssl=False). Adding '
                      'certificate verification is strongly advised.')
    if not overwrite and os.path.exists(fname) and \
            (not sha1_hash or check_sha1(fname, sha1_hash)):
        return fname
    dirname = os.path.dirname(os.path.abspath(fname))
    os.makedirs(dirname, exist_ok=True)
    context = None
    if not verify_ssl:
        import ssl
        context = ssl._create_unverified_context()  # pylint: disable=protected-access
    last = None
    for _ in range(retries + 1):
        tmp = '%s.%s' % (fname, uuid.uuid4())
        try:
            print('Downloading %s from %s...' % (fname, url))
            with urllib.request.urlopen(url, timeout=60, context=context) as r, \
                    open(tmp, 'wb') as f:
                for chunk in iter(lambda: r.read(1 << 16), b''):
                    f.write(chunk)
            replace_file(tmp, fname)
        except OSError as e:   # URLError, HTTPError, timeouts, disk errors
            last = e
            if os.path.exists(tmp):
                os.remove(tmp)
            continue
        if sha1_hash and not check_sha1(fname, sha1_hash):
            raise UserWarning('File %s is downloaded but the content hash does not match. The '
                              'repo may be outdated or download may be incomplete. If the '
                              '"repo_url" is overridden, consider switching to the default '
                              'repo.' % fname)
        return fname
    raise ConnectionError('download of %s to %s failed after %d attempt(s): %s (is the network '
                          'reachable? put the file there yourself to skip the download)'
                          % (url, fname, retries + 1, getattr(last, 'reason', last)))


class HookHandle:
    """A hook registered in a dict of hooks, removed again by ``detach()`` (or on leaving a
    ``with`` block)."""

    def __init__(self):
        self._hooks_dict_ref = None
        self._id = None

    def attach(self, hooks_dict, hook):
        if self._hooks_dict_ref is not None:
            raise MXNetError('The same handle cannot be attached twice.')
        self._id = id(hook)
        hooks_dict[self._id] = hook
        self._hooks_dict_ref = weakref.ref(hooks_dict)

    def detach(self):
        hooks_dict = self._hooks_dict_ref() if self._hooks_dict_ref is not None else None
        if hooks_dict is not None and self._id in hooks_dict:
            del hooks_dict[self._id]

    def __enter__(self):
        return self

    def __exit__(self, ptype, value, trace):
        self.detach()


def __getattr__(attr):
    from . import absent
    return absent.name_getattr(__name__, attr)
