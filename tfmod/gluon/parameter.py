"""``mx.gluon.Parameter`` and ``ParameterDict``: a SymbolBlock's weights, kept as MXNet 1.9.1 does.

A Parameter holds one NDArray per context (and a gradient buffer each, marked for autograd
unless grad_req is 'null'), or a deferred initialisation waiting for the first batch to give
its shape. ``ParameterDict`` is the ordered name -> Parameter map ``collect_params()`` returns,
with MXNet's file loading (``arg:``/``aux:`` keys of ``export`` files, plain names of
``save_parameters`` files) and its checks for missing and extra names.

Blocks bind a parameter's arrays into compiled executors; whenever a parameter's arrays are
replaced (initialize, load into a fresh parameter, cast, reset_ctx) ``generation()`` changes,
and blocks check whether the parameter was one of theirs before rebinding. Writes into
existing arrays (``set_data``, a load into a loaded parameter) go through to the executors
without rebinding.
"""
import warnings
from collections import OrderedDict

import numpy as np

from ..base import MXNetError
from ..context import Context, cpu, current_context
from .. import autograd
from .. import initializer
from ..ndarray import ndarray as _nd
from ..ndarray import saveload as _saveload

__all__ = ['DeferredInitializationError', 'Parameter', 'ParameterDict']

_GENERATION = [0]


def generation():
    """A number that changes whenever any Parameter's arrays are replaced."""
    return _GENERATION[0]


def _replaced():
    _GENERATION[0] += 1


class DeferredInitializationError(MXNetError):
    """A parameter whose initialisation waits for the first batch (its shape is unknown)."""


def brief_list(names, limit=7):
    """``'a', 'b', 'c', ..., 'x', 'y', 'z'``: a long list of names cut in the middle."""
    names = ["'%s'" % n for n in names]
    if len(names) > limit:
        names = names[:limit // 2] + ['...'] + names[-(limit // 2):]
    return ', '.join(names)


def _shape_known(shape):
    return shape is not None and all(d > 0 for d in shape)


def _as_ctx_list(ctx):
    if ctx is None:
        return [current_context()]
    return [ctx] if isinstance(ctx, Context) else list(ctx)


class Parameter:
    """A weight of a block: its arrays on each context, their gradients, lr/wd multipliers."""

    def __init__(self, name, grad_req='write', shape=None, dtype=np.float32, lr_mult=1.0,
                 wd_mult=1.0, init=None, allow_deferred_init=False, differentiable=True,
                 stype='default', grad_stype='default'):
        if stype != 'default' or grad_stype != 'default':
            raise MXNetError("Parameter %r: tfmod's gluon Parameters hold dense arrays only "
                             "(stype=%r, grad_stype=%r)" % (name, stype, grad_stype))
        self._var = None
        self._data = None
        self._grad = None
        self._ctx_list = None
        self._deferred_init = ()
        self._differentiable = differentiable
        self._allow_deferred_init = allow_deferred_init
        self._grad_req = None
        self._shape = (shape,) if isinstance(shape, int) else shape
        self.name = name
        self._dtype = dtype
        self.lr_mult = lr_mult
        self.wd_mult = wd_mult
        self.grad_req = grad_req
        self.init = init

    def __repr__(self):
        return 'Parameter %s (shape=%s, dtype=%s)' % (self.name, self.shape, self.dtype)

    # -- attributes -----------------------------------------------------------------------------
    @property
    def grad_req(self):
        return self._grad_req

    @grad_req.setter
    def grad_req(self, req):
        if req not in ('write', 'add', 'null'):
            raise MXNetError("grad_req of Parameter %r must be one of 'write', 'add', or 'null', "
                             "but got %r" % (self.name, req))
        if not self._differentiable:
            req = 'null'
        if self._grad_req == req:
            return
        self._grad_req = req
        if req == 'null' and self._grad is not None:
            self._grad = None
            self._data = [d.copy() for d in self._data]   # no longer an autograd variable
            _replaced()
        elif self._data is not None:
            self._init_grad()

    @property
    def dtype(self):
        return self._dtype

    @dtype.setter
    def dtype(self, dtype):
        self.cast(dtype)

    @property
    def shape(self):
        """None until known; 0 marks a dimension the first batch will give."""
        return self._shape

    @shape.setter
    def shape(self, new_shape):
        new_shape = tuple(new_shape)
        if self._shape is not None and (len(self._shape) != len(new_shape) or any(
                j not in (0, -1, i) for i, j in zip(new_shape, self._shape))):
            raise MXNetError('Parameter %r: expected shape %s is incompatible with given shape '
                             '%s' % (self.name, new_shape, self._shape))
        self._shape = new_shape

    # -- arrays ---------------------------------------------------------------------------------
    def _check_and_get(self, arrs, ctx):
        if arrs is not None:
            if ctx is list:
                return arrs
            if ctx is None:
                if len(arrs) == 1:
                    return arrs[0]
                ctx = current_context()
            for c, a in zip(self._ctx_list, arrs):
                if c == ctx:
                    return a
            raise MXNetError('Parameter %r was not initialized on context %s. It was only '
                             'initialized on %s.' % (self.name, ctx, self._ctx_list))
        if self._deferred_init:
            raise DeferredInitializationError(
                'Parameter %r has not been initialized yet because initialization was deferred. '
                'Actual initialization happens during the first forward pass.' % self.name)
        raise MXNetError('Parameter %r has not been initialized: load it (load_parameters, '
                         'SymbolBlock.imports with a parameter file) or call initialize()'
                         % self.name)

    def data(self, ctx=None):
        """This parameter's array on ``ctx`` (the only one when there is one)."""
        return self._check_and_get(self._data, ctx)

    def list_data(self):
        return self._check_and_get(self._data, list)

    def grad(self, ctx=None):
        if self._data is not None and self._grad is None:
            raise MXNetError("Cannot get gradient array for Parameter %r because grad_req='null'"
                             % self.name)
        return self._check_and_get(self._grad, ctx)

    def list_grad(self):
        if self._data is not None and self._grad is None:
            raise MXNetError("Cannot get gradient array for Parameter %r because grad_req='null'"
                             % self.name)
        return self._check_and_get(self._grad, list)

    def list_ctx(self):
        if self._data is None:
            if self._deferred_init:
                return self._deferred_init[1]
            raise MXNetError('Parameter %r has not been initialized' % self.name)
        return self._ctx_list

    def set_data(self, data):
        """Write ``data`` into this parameter's arrays on every context."""
        self.shape = data.shape
        if self._data is None:
            if not self._deferred_init:
                raise MXNetError('Parameter %r has not been initialized' % self.name)
            self._deferred_init = self._deferred_init[:3] + (data,)
            return
        for arr in self._data:
            arr[:] = data

    def zero_grad(self):
        for g in self._grad or ():
            g[:] = 0

    def var(self):
        """The Symbol variable standing for this parameter."""
        if self._var is None:
            from .. import symbol
            self._var = symbol.var(self.name, shape=self.shape, dtype=self.dtype,
                                   lr_mult=self.lr_mult, wd_mult=self.wd_mult, init=self.init)
        return self._var

    def _init_impl(self, data, ctx_list):
        self._ctx_list = list(ctx_list)
        self._data = [data.copyto(c) for c in self._ctx_list]
        _replaced()
        self._init_grad()

    def _init_grad(self):
        if self.grad_req == 'null':
            self._grad = None
            return
        self._grad = [_nd.zeros(d.shape, d.context, dtype=d.dtype) for d in self._data]
        autograd.mark_variables(self._data, self._grad, self.grad_req)

    def _reduce(self):
        """The value to save: the copy on one context, the mean of several, on the CPU."""
        arrs = self.list_data()
        if len(arrs) == 1:
            return arrs[0].copyto(cpu())
        total = arrs[0].copyto(cpu())
        for a in arrs[1:]:
            total = total + a.copyto(cpu())
        return total / len(arrs)

    def initialize(self, init=None, ctx=None, default_init=initializer.Uniform(),
                   force_reinit=False):
        """Give the parameter its arrays, by ``init`` (else its own ``init``, else
        ``default_init``); deferred to the first batch while the shape is unknown."""
        if self._data is not None and not force_reinit:
            warnings.warn('Parameter %r is already initialized, ignoring. Set force_reinit=True '
                          'to re-initialize.' % self.name, stacklevel=2)
            return
        self._data = self._grad = None
        ctx = _as_ctx_list(ctx)
        if init is None:
            init = default_init if self.init is None else self.init
        if not _shape_known(self.shape):
            if self._allow_deferred_init:
                self._deferred_init = (init, ctx, default_init, None)
                return
            raise MXNetError('Cannot initialize Parameter %r because it has invalid shape: %s.'
                             % (self.name, self.shape))
        self._deferred_init = (init, ctx, default_init, None)
        self._finish_deferred_init()

    def _finish_deferred_init(self):
        if not self._deferred_init:
            return
        init, ctx, default_init, data = self._deferred_init
        self._deferred_init = ()
        if not _shape_known(self.shape):
            raise MXNetError('Cannot initialize Parameter %r because it has invalid shape: %s.'
                             % (self.name, self.shape))
        with autograd.pause():
            if data is None:
                data = _nd.zeros(self.shape, cpu(), dtype=self.dtype)
                initializer.create(default_init)(
                    initializer.InitDesc(self.name, {'__init__': init}), data)
            self._init_impl(data, ctx)

    def _load_init(self, data, ctx, cast_dtype=False, dtype_source='current'):
        """(Re)initialise from a loaded array, checking its shape and dtype as MXNet does."""
        if dtype_source not in ('current', 'saved'):
            raise MXNetError("dtype_source must be 'current' or 'saved', not %r" % dtype_source)
        if self.shape:
            if len(self.shape) != len(data.shape) or any(
                    s not in (0, -1, d) for s, d in zip(self.shape, data.shape)):
                raise MXNetError('Failed loading Parameter %r from saved params: shape '
                                 'incompatible expected %s vs saved %s'
                                 % (self.name, self.shape, data.shape))
            self.shape = tuple(d if s in (0, -1) else s for s, d in zip(self.shape, data.shape))
        if self.dtype is not None and np.dtype(self.dtype) != np.dtype(data.dtype):
            if not cast_dtype:
                raise MXNetError('Failed loading Parameter %r from saved params: dtype '
                                 'incompatible expected %s vs saved %s. Set cast_dtype=True to '
                                 'cast the dtype of saved params.'
                                 % (self.name, np.dtype(self.dtype).name,
                                    np.dtype(data.dtype).name))
            if dtype_source == 'current':
                data = data.astype(self.dtype)
            else:
                self._dtype = data.dtype
        if getattr(data, 'stype', 'default') != 'default':
            data = data.tostype('default')
        if isinstance(ctx, Context):
            ctx = [ctx]
        if self._data is None:
            if self._deferred_init:
                if ctx is not None and set(ctx) != set(self._deferred_init[1]):
                    raise MXNetError('Failed to load Parameter %r on %s because it was previously '
                                     'initialized on %s.' % (self.name, ctx,
                                                             self._deferred_init[1]))
                ctx = self._deferred_init[1]
            elif ctx is None:
                ctx = [cpu()]
            self._init_impl(data, ctx)
        else:
            if ctx is not None and set(ctx) != set(self.list_ctx()):
                raise MXNetError('Failed to load Parameter %r on %s because it was previously '
                                 'initialized on %s.' % (self.name, ctx, self.list_ctx()))
            self.set_data(data)
        self._deferred_init = ()

    def reset_ctx(self, ctx):
        """Move the parameter's arrays to other context(s)."""
        ctx = _as_ctx_list(ctx)
        if self._data:
            data = self._reduce()
            with autograd.pause():
                self._init_impl(data, ctx)
        elif self._deferred_init:
            init, _, default_init, data = self._deferred_init
            self._deferred_init = (init, ctx, default_init, data)
        else:
            raise MXNetError('Cannot reset context for Parameter %r because it has not been '
                             'initialized.' % self.name)

    def cast(self, dtype):
        """Cast the arrays and gradients to ``dtype``."""
        self._dtype = dtype
        if self._data is None:
            return
        with autograd.pause():
            self._data = [d.astype(dtype) for d in self._data]
            _replaced()
            if self._grad is not None:
                self._grad = [g.astype(dtype) for g in self._grad]
                autograd.mark_variables(self._data, self._grad, self.grad_req)

    def row_sparse_data(self, row_id):
        raise MXNetError('Parameter %r: tfmod gluon Parameters are dense; use data()' % self.name)

    list_row_sparse_data = row_sparse_data


class ParameterDict:
    """An ordered name -> Parameter map; ``get`` makes a parameter or takes it from ``shared``."""

    def __init__(self, prefix='', shared=None):
        self._prefix = prefix
        self._params = OrderedDict()
        self._shared = shared

    def __repr__(self):
        name = self._prefix + ' ' if self._prefix else ''
        return '%s(\n%s\n)' % (name, '\n'.join('  %r' % v for v in self.values()))

    def __getitem__(self, key):
        return self._params[key]

    def __iter__(self):
        return iter(self._params)

    def items(self):
        return self._params.items()

    def keys(self):
        return self._params.keys()

    def values(self):
        return self._params.values()

    @property
    def prefix(self):
        return self._prefix

    def _get_impl(self, name):
        if name in self._params:
            return self._params[name]
        if self._shared is not None and name in self._shared._params:
            self._params[name] = self._shared._params[name]
            return self._params[name]
        return None

    def get(self, name, **kwargs):
        """The parameter ``prefix + name``: existing (here or in ``shared``) or new."""
        name = self._prefix + name
        param = self._get_impl(name)
        if param is None:
            param = self._params[name] = Parameter(name, **kwargs)
            return param
        for k, v in kwargs.items():
            existing = getattr(param, k, None)
            if existing is None:
                setattr(param, k, v)
            elif k == 'shape' and v is not None and len(v) == len(existing) and all(
                    a == b or a in (0, -1) or b in (0, -1) for a, b in zip(v, existing)):
                param._shape = tuple(b if a in (0, -1) else a for a, b in zip(v, existing))
            elif k == 'dtype' and np.dtype(v) == np.dtype(existing):
                continue
            elif v is not None and v != existing:
                raise MXNetError("Cannot retrieve Parameter %r because desired attribute does not "
                                 "match with stored for attribute %r: desired %r vs stored %r."
                                 % (name, k, v, existing))
        return param

    def update(self, other):
        """Add the parameters of ``other`` (the same objects)."""
        for k, v in other.items():
            if k in self._params and self._params[k] is not v:
                raise MXNetError('Cannot update self with other because they have different '
                                 'Parameters with the same name %r' % k)
        for k, v in other.items():
            self._params[k] = v

    def initialize(self, init=initializer.Uniform(), ctx=None, verbose=False,
                   force_reinit=False):
        """Initialise every parameter (``init`` where the parameter has none of its own)."""
        if verbose:
            init.set_verbosity(verbose=verbose)
        for v in self.values():
            v.initialize(None, ctx, init, force_reinit=force_reinit)

    def zero_grad(self):
        for p in self.values():
            p.zero_grad()

    def reset_ctx(self, ctx):
        for p in self.values():
            p.reset_ctx(ctx)

    def list_ctx(self):
        out = []
        for p in self.values():
            for c in p.list_ctx():
                if c not in out:
                    out.append(c)
        return out

    def setattr(self, name, value):
        """Set one attribute (``grad_req``, ``lr_mult``, ...) of every parameter."""
        for p in self.values():
            setattr(p, name, value)

    def save(self, filename, strip_prefix=''):
        """Write the parameters to an ``mx.nd.save`` file, keyed by name less ``strip_prefix``."""
        arrays = OrderedDict()
        for p in self.values():
            if not p.name.startswith(strip_prefix):
                raise MXNetError("Prefix %r is to be striped before saving, but Parameter's name "
                                 "%r does not start with %r." % (strip_prefix, p.name,
                                                                 strip_prefix))
            arrays[p.name[len(strip_prefix):]] = p._reduce()
        _saveload.save(filename, arrays)

    def load(self, filename, ctx=None, allow_missing=False, ignore_extra=False,
             restore_prefix='', cast_dtype=False, dtype_source='current'):
        """Load an ``mx.nd.save`` file of named arrays (``arg:``/``aux:`` keys as ``export``
        writes them, or plain names) into these parameters."""
        if restore_prefix:
            for name in self.keys():
                if not name.startswith(restore_prefix):
                    raise MXNetError('restore_prefix is %r but Parameters name %r does not start '
                                     'with %r' % (restore_prefix, name, restore_prefix))
        loaded = _saveload.load(filename)
        if not isinstance(loaded, dict):
            if not loaded:
                loaded = {}
            else:
                raise MXNetError('%s holds %d unnamed arrays; a parameter file names each array'
                                 % (filename, len(loaded)))
        self.load_dict(loaded, ctx, allow_missing, ignore_extra, restore_prefix, filename,
                       cast_dtype, dtype_source)

    def load_dict(self, param_dict, ctx=None, allow_missing=False, ignore_extra=False,
                  restore_prefix='', filename=None, cast_dtype=False, dtype_source='current'):
        """Load named arrays (``arg:``/``aux:`` prefixes dropped) into these parameters."""
        items = param_dict.items() if isinstance(param_dict, dict) else param_dict
        arrays = OrderedDict(
            (restore_prefix + (k[4:] if k.startswith(('arg:', 'aux:')) else k), v)
            for k, v in items)
        where = 'file: %s' % filename if filename else 'param_dict'
        lp = len(restore_prefix)
        if not allow_missing:
            for name in self.keys():
                if name not in arrays:
                    raise MXNetError('Parameter %r is missing in %s, which contains parameters: '
                                     '%s. Set allow_missing=True to ignore missing parameters.'
                                     % (name[lp:], where, brief_list(arrays)))
        for name, arr in arrays.items():
            if name not in self._params:
                if not ignore_extra:
                    raise MXNetError('Parameter %r loaded from %s is not present in '
                                     'ParameterDict, choices are: %s. Set ignore_extra=True to '
                                     'ignore.' % (name[lp:], where, brief_list(self._params)))
                continue
            self._params[name]._load_init(arr, ctx, cast_dtype=cast_dtype,
                                          dtype_source=dtype_source)


def __getattr__(attr):
    """MXNet's other names here (``Constant``, ...) raise an MXNetError naming them."""
    from . import absent
    return absent.name_getattr(__name__, attr)
