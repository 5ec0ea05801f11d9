"""``mx.init``: parameter initializers with MXNet's name-suffix dispatch.

An initializer is called with an ``InitDesc`` (the parameter name plus its symbol attributes)
and the array. A variable's ``__init__`` attribute wins; otherwise the name decides: ``*weight``
gets the initializer's own rule, ``*bias``/``*beta``/``*min`` 0, ``*gamma``/``*max`` 1; anything
else is an error. Random values come from tfmod's generator (``mx.random.seed``), so they
cannot equal MXNet's; rules, shapes and distributions do.
"""
import json
import logging
import math
import re
import warnings

import numpy as np

from .base import MXNetError
from . import random as _random
from .ndarray import ndarray as _nd

_REGISTRY = {}


class InitDesc(str):
    """A parameter name carrying its attributes and the global initializer."""

    def __new__(cls, name, attrs=None, global_init=None):
        ret = super(InitDesc, cls).__new__(cls, name)
        ret.attrs = attrs or {}
        ret.global_init = global_init
        return ret


def register(klass):
    """Register an initializer class under its lower-case name (for ``create`` / __init__)."""
    if not isinstance(klass, type) or not issubclass(klass, Initializer):
        raise MXNetError('register expects an Initializer subclass')
    name = klass.__name__.lower()
    if name in _REGISTRY and _REGISTRY[name] is not klass:
        warnings.warn('New initializer %s.%s is overriding existing initializer %s.%s'
                      % (klass.__module__, klass.__name__, _REGISTRY[name].__module__,
                         _REGISTRY[name].__name__), UserWarning, stacklevel=2)
    _REGISTRY[name] = klass
    return klass


def alias(*aliases):
    """Register extra names for an initializer class."""
    def reg(klass):
        for a in aliases:
            _REGISTRY[a.lower()] = klass
        return klass
    return reg


def create(*args, **kwargs):
    """An initializer from an instance, a name, a JSON dump ``'["xavier", {...}]'`` or a dict."""
    if args:
        name, args = args[0], args[1:]
    else:
        name = kwargs.pop('initializer')
    if isinstance(name, Initializer):
        if args or kwargs:
            raise MXNetError('initializer is already an instance; extra arguments are invalid')
        return name
    if isinstance(name, dict):
        return create(**name)
    if not isinstance(name, str):
        raise MXNetError('initializer must be of string type, got %r' % (name,))
    if name.startswith('['):
        name, kwargs = json.loads(name)
        return create(name, **kwargs)
    if name.startswith('{'):
        return create(**json.loads(name))
    klass = _REGISTRY.get(name.lower())
    if klass is None:
        raise MXNetError('Cannot find initializer %s. Registered initializers: %s'
                         % (name, ', '.join(sorted(_REGISTRY))))
    return klass(*args, **kwargs)


class Initializer:
    """Base class: subclasses implement ``_init_weight``."""

    def __init__(self, **kwargs):
        self._kwargs = kwargs
        self._verbose = False
        self._print_func = None

    def set_verbosity(self, verbose=False, print_func=None):
        """Log ``Initialized <name> as <rule>: <print_func(arr)>`` for every parameter."""
        self._verbose = verbose
        if print_func is None:
            def asum_stat(x):
                """MXNet's default: the root mean square ``norm(x) / sqrt(size)``."""
                return str((_nd_norm(x) / math.sqrt(x.size)).asscalar())
            print_func = asum_stat
        self._print_func = print_func
        return self

    def _verbose_print(self, desc, init, arr):
        if self._verbose and self._print_func:
            logging.info('Initialized %s as %s: %s', desc, init, self._print_func(arr))

    def dumps(self):
        """``'["<name>", {kwargs}]'`` -- what Variable(init=...) stores in ``__init__``."""
        return json.dumps([self.__class__.__name__.lower(), self._kwargs])

    def __call__(self, desc, arr):
        if not isinstance(desc, InitDesc):
            self._legacy_init(desc, arr)
            return
        if desc.global_init is None:
            desc.global_init = self
        init = desc.attrs.get('__init__', '')
        if init:
            create(init)._init_weight(desc, arr)
            self._verbose_print(desc, init, arr)
            return
        for suffix, method, label in (('weight', self._init_weight, 'weight'),
                                      ('bias', self._init_bias, 'bias'),
                                      ('gamma', self._init_gamma, 'gamma'),
                                      ('beta', self._init_beta, 'beta'),
                                      ('min', self._init_zero, 'min'),
                                      ('max', self._init_one, 'max')):
            if desc.endswith(suffix):
                method(desc, arr)
                self._verbose_print(desc, label, arr)
                return
        for suffix, method in (('weight_quantize', self._init_quantized_weight),
                               ('bias_quantize', self._init_quantized_bias)):
            if desc.endswith(suffix):
                method(desc, arr)
                self._verbose_print(desc, suffix, arr)
                return
        self._init_default(desc, arr)

    def _legacy_init(self, name, arr):
        warnings.warn('Calling initializer with init(str, NDArray) has been deprecated. please '
                      'use init(mx.init.InitDesc(...), NDArray) instead.', DeprecationWarning,
                      stacklevel=3)
        if not isinstance(name, str):
            raise TypeError('name must be string')
        if not isinstance(arr, _nd.NDArray):
            raise TypeError('arr must be NDArray')
        if name.startswith('upsampling'):
            self._init_bilinear(name, arr)
        elif name.startswith('stn_loc') and name.endswith('weight'):
            self._init_zero(name, arr)
        elif name.startswith('stn_loc') and name.endswith('bias'):
            self._init_loc_bias(name, arr)
        elif name.endswith('bias'):
            self._init_bias(name, arr)
        elif name.endswith('gamma'):
            self._init_gamma(name, arr)
        elif name.endswith('beta'):
            self._init_beta(name, arr)
        elif name.endswith('weight'):
            self._init_weight(name, arr)
        elif name.endswith('moving_mean') or name.endswith('moving_inv_var') or \
                name.endswith('moving_avg') or name.endswith('min'):
            self._init_zero(name, arr)
        elif name.endswith('moving_var') or name.endswith('max'):
            self._init_one(name, arr)
        else:
            self._init_default(name, arr)

    def _init_bilinear(self, _, arr):
        arr[:] = bilinear_kernel(arr.shape)

    def _init_loc_bias(self, _, arr):
        if arr.shape[0] != 6:
            raise MXNetError('stn_loc bias must have 6 elements')
        arr[:] = np.array([1.0, 0, 0, 0, 1.0, 0])

    def _init_zero(self, _, arr):
        arr[:] = 0.0

    def _init_one(self, _, arr):
        arr[:] = 1.0

    def _init_bias(self, _, arr):
        arr[:] = 0.0

    def _init_gamma(self, _, arr):
        arr[:] = 1.0

    def _init_beta(self, _, arr):
        arr[:] = 0.0

    def _init_quantized_weight(self, _, arr):
        # As MXNet: one random int8 value, broadcast over the whole array.
        arr[:] = _random.randint(-127, 127, dtype='int32').asnumpy().astype(np.int8)

    def _init_quantized_bias(self, _, arr):
        arr[:] = 0

    def _init_weight(self, name, arr):
        raise NotImplementedError('Must override it')

    def _init_default(self, name, _):
        raise MXNetError('Unknown initialization pattern for %s. Default initialization is now '
                         'limited to "weight", "bias", "gamma" (1.0), and "beta" (0.0). Please use '
                         'mx.sym.Variable(init=mx.init.*) to set initialization pattern' % name)

    def __eq__(self, other):
        if not isinstance(other, Initializer):
            return NotImplemented
        return type(self) is type(other) and self._kwargs == other._kwargs

    __hash__ = object.__hash__


def bilinear_kernel(shape):
    """The bilinear upsampling kernel MXNet's Bilinear initializer makes (4-D weight)."""
    size = int(np.prod(shape))
    f = np.ceil(shape[3] / 2.)
    c = (2 * f - 1 - f % 2) / (2. * f)
    i = np.arange(size)
    x = i % shape[3]
    y = (i // shape[3]) % shape[2]
    return ((1 - np.abs(x / f - c)) * (1 - np.abs(y / f - c))).astype(np.float32).reshape(shape)


class Load:
    """Initialise from a saved params file or dict (``arg:``/``aux:`` prefixes dropped)."""

    def __init__(self, param, default_init=None, verbose=False):
        if isinstance(param, str):
            param = _nd_load(param)
        if not isinstance(param, dict):
            raise MXNetError('Load needs a dict of name -> NDArray or a params file')
        self.param = {}
        for name, arr in param.items():
            if name.startswith('arg:') or name.startswith('aux:'):
                self.param[name[4:]] = arr
            else:
                self.param[name] = arr
        self.default_init = default_init
        self.verbose = verbose

    def __call__(self, name, arr):
        if name in self.param:
            if tuple(arr.shape) != tuple(self.param[name].shape):
                raise MXNetError('Parameter %s cannot be initialized from loading. Shape '
                                 'mismatch, target %s vs loaded %s'
                                 % (name, str(arr.shape), self.param[name].shape))
            arr[:] = self.param[name]
            if self.verbose:
                logging.info('Initialized %s by loading', name)
        else:
            if self.default_init is None:
                raise MXNetError('Cannot Initialize %s. Not found in loaded param and no default '
                                 'Initializer is provided.' % name)
            self.default_init(name, arr)
            if self.verbose:
                logging.info('Initialized %s by default', name)


def _nd_norm(x):
    from .ndarray import norm
    return norm(x)


def _nd_load(fname):
    from .ndarray import load
    return load(fname)


class Mixed:
    """The first initializer whose pattern ``re.match``-es the name (anchored at the start)."""

    def __init__(self, patterns, initializers):
        if len(patterns) != len(initializers):
            raise MXNetError('Mixed needs as many patterns as initializers')
        self.map = list(zip([re.compile(p) for p in patterns], initializers))

    def __call__(self, name, arr):
        for prog, init in self.map:
            if prog.match(name):
                init(name, arr)
                return
        raise MXNetError('Parameter name %s did not match any pattern. Consider add a ".*" '
                         'pattern at the and with default Initializer.' % name)


@register
@alias('zeros')
class Zero(Initializer):
    """Weights 0."""

    def __init__(self):
        super().__init__()

    def _init_weight(self, _, arr):
        arr[:] = 0


@register
@alias('ones')
class One(Initializer):
    """Weights 1."""

    def __init__(self):
        super().__init__()

    def _init_weight(self, _, arr):
        arr[:] = 1


@register
class Constant(Initializer):
    """Weights set to ``value`` (a scalar or an array of the weight's shape)."""

    def __init__(self, value):
        super().__init__(value=value)
        self.value = value

    def _init_weight(self, _, arr):
        arr[:] = self.value

    def dumps(self):
        val = self._kwargs['value']
        if not np.isscalar(val):
            self._kwargs['value'] = val.tolist() if isinstance(val, np.ndarray) else \
                val.asnumpy().tolist()
        return json.dumps([self.__class__.__name__.lower(), self._kwargs])


@register
class Uniform(Initializer):
    """Weights uniform in [-scale, scale]."""

    def __init__(self, scale=0.07):
        super().__init__(scale=scale)
        self.scale = scale

    def _init_weight(self, _, arr):
        _random.uniform(-self.scale, self.scale, arr.shape, dtype=arr.dtype, out=arr)


@register
class Normal(Initializer):
    """Weights normal with mean 0 and std ``sigma``."""

    def __init__(self, sigma=0.01):
        super().__init__(sigma=sigma)
        self.sigma = sigma

    def _init_weight(self, _, arr):
        _random.normal(0, self.sigma, arr.shape, dtype=arr.dtype, out=arr)


@register
class Orthogonal(Initializer):
    """An orthogonal matrix (from the SVD of a random one) times ``scale``."""

    def __init__(self, scale=1.414, rand_type='uniform'):
        super().__init__(scale=scale, rand_type=rand_type)
        self.scale = scale
        self.rand_type = rand_type

    def _init_weight(self, _, arr):
        nout = arr.shape[0]
        nin = int(np.prod(arr.shape[1:]))
        if self.rand_type == 'uniform':
            tmp = _random.uniform(-1.0, 1.0, (nout, nin)).asnumpy()
        elif self.rand_type == 'normal':
            tmp = _random.normal(0.0, 1.0, (nout, nin)).asnumpy()
        else:
            raise MXNetError('Orthogonal rand_type must be "uniform" or "normal"')
        u, _, v = np.linalg.svd(tmp, full_matrices=False)
        res = u if u.shape == tmp.shape else v
        arr[:] = self.scale * res.reshape(arr.shape)


@register
class Xavier(Initializer):
    """Scale sqrt(magnitude / factor) from fan-in/fan-out; uniform or gaussian."""

    def __init__(self, rnd_type='uniform', factor_type='avg', magnitude=3):
        super().__init__(rnd_type=rnd_type, factor_type=factor_type, magnitude=magnitude)
        self.rnd_type = rnd_type
        self.factor_type = factor_type
        self.magnitude = float(magnitude)

    def _init_weight(self, name, arr):
        shape = arr.shape
        if len(shape) < 2:
            raise MXNetError('Xavier initializer cannot be applied to vector {0}. It requires at '
                             'least 2D.'.format(name))
        hw_scale = float(np.prod(shape[2:])) if len(shape) > 2 else 1.
        fan_in, fan_out = shape[1] * hw_scale, shape[0] * hw_scale
        if self.factor_type == 'avg':
            factor = (fan_in + fan_out) / 2.0
        elif self.factor_type == 'in':
            factor = fan_in
        elif self.factor_type == 'out':
            factor = fan_out
        else:
            raise MXNetError('Incorrect factor type')
        scale = np.sqrt(self.magnitude / factor)
        if self.rnd_type == 'uniform':
            _random.uniform(-scale, scale, arr.shape, dtype=arr.dtype, out=arr)
        elif self.rnd_type == 'gaussian':
            _random.normal(0, scale, arr.shape, dtype=arr.dtype, out=arr)
        else:
            raise MXNetError('Unknown random type')


@register
class MSRAPrelu(Xavier):
    """He initialisation: gaussian Xavier with magnitude 2 / (1 + slope^2)."""

    def __init__(self, factor_type='avg', slope=0.25):
        magnitude = 2. / (1 + slope ** 2)
        super().__init__('gaussian', factor_type, magnitude)
        self._kwargs = {'factor_type': factor_type, 'slope': slope}


@register
class Bilinear(Initializer):
    """The bilinear upsampling kernel (UpSampling's weight)."""

    def __init__(self):
        super().__init__()

    def _init_weight(self, _, arr):
        arr[:] = bilinear_kernel(arr.shape)


@register
class LSTMBias(Initializer):
    """0 everywhere but ``forget_bias`` on the forget gate slice [H:2H] (gates i, f, c, o)."""

    def __init__(self, forget_bias=1.0):
        super().__init__(forget_bias=forget_bias)
        self.forget_bias = forget_bias

    def _init_weight(self, name, arr):
        arr[:] = 0.0
        num_hidden = int(arr.shape[0] / 4)
        arr[num_hidden:2 * num_hidden] = self.forget_bias


_GATES = {'lstm': ['_i', '_f', '_c', '_o'], 'gru': ['_r', '_z', '_o'],
          'rnn_tanh': [''], 'rnn_relu': ['']}


def fused_rnn_pieces(num_hidden, num_layers, mode, bidirectional, input_size, prefix=''):
    """(name, offset, shape) of every gate piece of a fused RNN ``parameters`` vector, in MXNet's
    packing order (all weights, then all biases; layer, direction l/r, i2h then h2h)."""
    gates = _GATES[mode]
    dirs = ['l', 'r'] if bidirectional else ['l']
    h = num_hidden
    pieces = []
    off = 0
    for kind in ('weight', 'bias'):
        for layer in range(num_layers):
            in_size = input_size if layer == 0 else len(dirs) * h
            for d in dirs:
                for conn, cols in (('i2h', in_size), ('h2h', h)):
                    for g in gates:
                        shape = (h, cols) if kind == 'weight' else (h,)
                        name = '%s%s%d_%s%s_%s' % (prefix, d, layer, conn, g, kind)
                        pieces.append((name, off, shape))
                        off += int(np.prod(shape))
    return pieces, off


@register
class FusedRNN(Initializer):
    """Initialise a fused RNN ``parameters`` vector piece by piece (forget bias for LSTM)."""

    def __init__(self, init, num_hidden, num_layers, mode, bidirectional=False, forget_bias=1.0):
        if isinstance(init, str):
            klass, kwargs = json.loads(init)
            init = _REGISTRY[klass.lower()](**kwargs)
        super().__init__(init=init.dumps() if init is not None else None,
                         num_hidden=num_hidden, num_layers=num_layers, mode=mode,
                         bidirectional=bidirectional, forget_bias=forget_bias)
        self._init = init
        self._num_hidden = num_hidden
        self._num_layers = num_layers
        self._mode = mode
        self._bidirectional = bidirectional
        self._forget_bias = forget_bias

    def _init_weight(self, desc, arr):
        h, layers = self._num_hidden, self._num_layers
        dirs = 2 if self._bidirectional else 1
        ngates = len(_GATES[self._mode])
        total = arr.size
        # solve total = dirs*ngates*h*(in + h + 2) + (layers-1)*dirs*ngates*h*(dirs*h + h + 2)
        rest = (layers - 1) * dirs * ngates * h * (dirs * h + h + 2)
        input_size = (total - rest) // (dirs * ngates * h) - h - 2
        pieces, size = fused_rnn_pieces(h, layers, self._mode, self._bidirectional, input_size)
        if size != total:
            raise MXNetError('FusedRNN: parameters of size %d do not fit %s with %d hidden, %d '
                             'layers' % (total, self._mode, h, layers))
        flat = np.zeros(total, dtype=np.float32)
        for name, off, shape in pieces:
            piece = _nd.zeros(shape)
            if self._mode == 'lstm' and name.endswith('_f_bias'):
                piece[:] = self._forget_bias
            else:
                sub = InitDesc(name, global_init=desc.global_init)
                (self._init if self._init is not None else desc.global_init)(sub, piece)
            flat[off:off + int(np.prod(shape))] = piece.asnumpy().reshape(-1)
        arr[:] = flat
