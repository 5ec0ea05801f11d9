"""``mx.gluon.SymbolBlock``: a Gluon-exported model run as Gluon users run it.

``SymbolBlock.imports('net-symbol.json', ['data'], 'net-0000.params')`` gives a block whose call
on NDArrays returns MXNet's outputs (one NDArray, or a list for several outputs). The block is a
bound symbol: inference runs through an :class:`~tfmod.executor.Executor` bound once per input
shape, dtype and context (its guarded, weight-cached compiled call), so a repeated batch shape
costs one compiled call. Under ``autograd.record()`` or ``train_mode()`` the block runs the
graph as one ``tf.function`` per shape taking the parameters as arguments, so TensorFlow's tape
carries gradients to every parameter (``out = net(x); loss.backward(); p.grad()``) and
BatchNorm's running statistics update in the forward, as in Gluon.

Of Gluon's Block API this module has what running and fine-tuning an exported model uses; its
other names (``HybridBlock``, ``Block``) raise an MXNetError saying tfmod does not provide them.
"""
import re
import warnings
from collections import OrderedDict

import numpy as np
import tensorflow as tf

from ..base import MXNetError
from .. import autograd
from .. import name as _name
from .. import random as _random
from .. import symbol as _symbol
from ..executor import Executor
from ..ndarray import ndarray as _nd
from ..ndarray import saveload as _saveload
from ..ndarray import tape as _tape
from ..symbol.symbol import Symbol
from . import absent
from .parameter import (DeferredInitializationError, ParameterDict, brief_list,
                        generation)

__all__ = ['SymbolBlock']

# (graph, input shapes/dtypes, training, parameter dtypes) -> (tf.function, uses_rng), for the
# most recently used graphs and shapes
_SHARED_TRAIN_FNS = OrderedDict()
_SHARED_MAX = 32


def _common_prefix(names):
    """The longest string every name starts with (Gluon strips it from saved parameter keys)."""
    if not names:
        return ''
    prefix = names[0]
    for n in names[1:]:
        i = 0
        while i < len(prefix) and i < len(n) and prefix[i] == n[i]:
            i += 1
        prefix = prefix[:i]
    return prefix


def _as_symbols(x, what):
    if isinstance(x, Symbol):
        return [x]
    if isinstance(x, (list, tuple)) and x and all(isinstance(s, Symbol) for s in x):
        return list(x)
    raise MXNetError('SymbolBlock: %s must be a Symbol or a list of Symbols, got %r'
                     % (what, type(x).__name__))


class SymbolBlock:
    """A block computing ``outputs`` (Symbols) from ``inputs`` (variables); its parameters are
    the outputs' other arguments and auxiliary states, taken from ``params`` where it has them."""

    @staticmethod
    def imports(symbol_file, input_names, param_file=None, ctx=None, allow_missing=False,
                ignore_extra=False):
        """A SymbolBlock from ``HybridBlock.export`` / ``Module.save_checkpoint`` files."""
        sym = _symbol.load(symbol_file)
        if isinstance(input_names, str):
            input_names = [input_names]
        if param_file is None:
            inputs = [_symbol.var(i, dtype='float32') for i in input_names]
        else:
            inputs = [_symbol.var(i) for i in input_names]
        ret = SymbolBlock(sym, inputs)
        if param_file is not None:
            try:
                ret.collect_params().load(param_file, ctx, allow_missing, ignore_extra,
                                          cast_dtype=True, dtype_source='saved')
            except MXNetError as e:
                unknown = [n for n in input_names if n not in sym.list_arguments()]
                if not unknown:
                    raise
                raise MXNetError('%s (input_names %s: %s not an argument of %s, whose arguments '
                                 'are %s)' % (e, list(input_names), ', '.join(map(repr, unknown)),
                                              symbol_file, brief_list(sym.list_arguments()))
                                 ) from None
        return ret

    def __init__(self, outputs, inputs, params=None):
        self._prefix = ''
        self._name = _name.current().get(None, 'symbolblock')
        self._params = ParameterDict('', params)
        ins = _as_symbols(inputs, 'inputs')
        if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
            outputs = outputs[0]
        outs = _as_symbols(outputs, 'outputs')
        for s in ins:
            if len(s.get_internals().list_outputs()) != 1:
                raise MXNetError('SymbolBlock: input symbols must be variables, but %s is an '
                                 'output of operators' % s)
        self._input_names = [s.name for s in ins]
        if len(outs) > 1:
            out = _symbol.Group(outs)
            self._n_out = len(out.list_outputs())
        else:
            out = outs[0]
            n = len(out.list_outputs())
            self._n_out = n if n > 1 else 0       # 0: one output, returned bare
        self._out = out
        in_set = set(self._input_names)
        # the parameters a call binds, in the graph's input order (export writes them so)
        self._needed = [n for n in out.list_inputs() if n not in in_set]
        arg_types, aux_types = self._param_types(ins, out)
        for n, t in zip(out.list_arguments(), arg_types):
            if n not in in_set:
                self._params.get(n, allow_deferred_init=True, dtype=t)
        for n, t in zip(out.list_auxiliary_states(), aux_types):
            if n not in in_set:
                self._params.get(n, grad_req='null', allow_deferred_init=True, dtype=t)
        keys = list(self._params.keys())
        cut = len(_common_prefix(keys))
        self._reg_params = OrderedDict((k[cut:], v) for k, v in self._params.items())
        self._execs = {}          # (ctx, input shapes/dtypes) -> inference Executor
        self._train_fns = {}      # (ctx, input shapes/dtypes, is_train) -> (tf.function, rng)
        self._json = None
        self._gen = generation()
        self._bound = self._array_lists()

    def _array_lists(self):
        """Each parameter's list of arrays: replaced (not written) when its arrays are."""
        return [p._data for p in self._params.values()]

    def _check_bound(self):
        """Drop the compiled calls when one of this block's parameters had its arrays replaced
        (cast, reset_ctx, a fresh load): O(1) unless some parameter anywhere was."""
        if self._gen == generation():
            return
        now = self._array_lists()
        if any(a is not b for a, b in zip(now, self._bound)):
            self._execs.clear()
            self._train_fns.clear()
        self._bound = now
        self._gen = generation()

    @staticmethod
    def _param_types(ins, out):
        """Parameter dtypes inferred from the inputs' declared dtypes (float32 otherwise)."""
        n_arg, n_aux = len(out.list_arguments()), len(out.list_auxiliary_states())
        known = {}
        for s in ins:
            t = s.infer_type()[0]
            if not t or t[0] is None:
                known = None
                break
            known[s.name] = t[0]
        arg_t = aux_t = None
        if known is not None:
            try:
                arg_t, _, aux_t = out.infer_type(**known)
            except MXNetError:
                arg_t = aux_t = None
        if arg_t is None or len(arg_t) != n_arg or any(t is None for t in arg_t):
            arg_t = [np.float32] * n_arg
        if aux_t is None or len(aux_t) != n_aux or any(t is None for t in aux_t):
            aux_t = [np.float32] * n_aux
        return arg_t, aux_t

    # -- naming and parameters ---------------------------------------------------------------
    @property
    def name(self):
        return self._name

    @property
    def prefix(self):
        return self._prefix

    @property
    def params(self):
        return self._params

    def collect_params(self, select=None):
        """The block's parameters; ``select``: a regular expression their names must match."""
        ret = ParameterDict(self._params.prefix)
        if not select:
            ret.update(self._params)
        else:
            pattern = re.compile(select)
            ret.update(OrderedDict((k, v) for k, v in self._params.items() if pattern.match(k)))
        return ret

    def initialize(self, init=None, ctx=None, verbose=False, force_reinit=False):
        """Initialise the parameters (``mx.init.Uniform()`` by default); unknown shapes wait
        for the first batch."""
        from .. import initializer
        self.collect_params().initialize(init or initializer.Uniform(), ctx, verbose,
                                         force_reinit)

    def hybridize(self, active=True, **kwargs):
        """Accepted for Gluon scripts: a tfmod SymbolBlock always runs compiled."""

    def cast(self, dtype):
        """Cast the parameters to ``dtype`` (float16 keeps BatchNorm's in float32, as Gluon)."""
        self._execs.clear()
        self._train_fns.clear()
        for p in self._params.values():
            p.cast(dtype)
        if np.dtype(dtype).name != 'float16':
            return
        names = self._out.get_internals().list_inputs()
        for stat, n in (('running_var', 11), ('moving_var', 10)):
            for node in names:
                if node.endswith(stat):
                    base = node[:-n]
                    sibs = [base + t for t in (stat.replace('var', 'mean'), 'gamma', 'beta')]
                    if all(s in names for s in sibs):
                        for s in [node] + sibs:
                            self._params.get(s).cast('float32')

    def reset_ctx(self, ctx):
        """Move every parameter to other context(s)."""
        for p in self._params.values():
            p.reset_ctx(ctx)

    def __repr__(self):
        return '%s(\n%s : %d -> %d\n)' % (type(self).__name__, self._out,
                                          len(self._input_names),
                                          len(self._out.list_outputs()))

    # -- calls ------------------------------------------------------------------------------------
    def __call__(self, *args):
        return self.forward(*args)

    def forward(self, x, *args):
        """The outputs for NDArray inputs (one NDArray, or a list when the block has several
        outputs); for Symbol inputs, the block's graph composed on them."""
        inputs = (x,) + args
        if len(inputs) != len(self._input_names):
            raise MXNetError('SymbolBlock %s takes %d input(s) (%s), got %d'
                             % (self._name, len(self._input_names),
                                ', '.join(self._input_names), len(inputs)))
        if all(isinstance(a, Symbol) for a in inputs):
            out = self._out(**dict(zip(self._input_names, inputs)))
            return list(out) if self._n_out else out
        if not all(isinstance(a, _nd.NDArray) for a in inputs):
            raise MXNetError('SymbolBlock %s takes NDArrays (or Symbols), got %s'
                             % (self._name, ', '.join(type(a).__name__ for a in inputs)))
        self._check_bound()
        ctx = inputs[0].context
        key = (ctx, tuple((a.shape, a._s.dtype) for a in inputs))
        if autograd.is_recording() or autograd.is_training():
            outs = self._run_recorded(key, inputs)
        else:
            ex = self._execs.get(key)
            if ex is None:
                ex = self._execs[key] = self._bind(ctx, inputs)
            res = ex.forward(is_train=False, **dict(zip(self._input_names, inputs)))
            outs = [_nd.from_tensor(o._read(), o.context) for o in res]
        return outs if self._n_out else outs[0]

    def _param_arrays(self, ctx, inputs):
        """{name: array} of every parameter on ``ctx``, finishing deferred initialisations
        with the shapes the inputs give."""
        needed = self._needed
        try:
            return {n: self._params[n].data(ctx) for n in needed}
        except DeferredInitializationError:
            pass
        shapes = dict(zip(self._input_names, (a.shape for a in inputs)))
        try:
            arg_s, _, aux_s = self._out.infer_shape(**shapes)
        except MXNetError as e:
            raise MXNetError('SymbolBlock %s: deferred initialization failed because shape '
                             'cannot be inferred: %s' % (self._name, e)) from None
        found = dict(zip(self._out.list_arguments(), arg_s or ()))
        found.update(zip(self._out.list_auxiliary_states(), aux_s or ()))
        for n, p in self._params.items():
            if found.get(n) is not None:
                p.shape = found[n]
        for n in needed:
            self._params[n]._finish_deferred_init()
        self._bound = self._array_lists()
        self._gen = generation()
        return {n: self._params[n].data(ctx) for n in needed}

    def _bind(self, ctx, inputs):
        params = self._param_arrays(ctx, inputs)
        args, aux = {}, {}
        for n, a in zip(self._input_names, inputs):
            args[n] = _nd.zeros(a.shape, ctx, dtype=a._s.dtype)
        aux_names = set(self._out.list_auxiliary_states())
        for n, a in params.items():
            (aux if n in aux_names else args)[n] = a
        return Executor.bind(self._out, ctx, args, None, 'null', aux)

    def _run_recorded(self, key, inputs):
        """A forward autograd can differentiate (recording) or in training mode: one compiled
        call taking the inputs and parameters as tensors; BatchNorm's new running statistics
        are written back."""
        ctx = key[0]
        training = autograd.is_training()
        params = self._param_arrays(ctx, inputs)
        entry = self._train_fns.get(key + (training,))
        if entry is None:
            shared = (self._graph_key(), key, training,
                      tuple(a._s.dtype for a in params.values()))
            entry = _SHARED_TRAIN_FNS.pop(shared, None) or self._trace(inputs, params, training)
            _SHARED_TRAIN_FNS[shared] = entry
            while len(_SHARED_TRAIN_FNS) > _SHARED_MAX:
                _SHARED_TRAIN_FNS.popitem(last=False)
            self._train_fns[key + (training,)] = entry
        fn, uses_rng = entry
        g = _tape.current_graph()
        values = {}
        for n, a in params.items():
            if g is not None and a._ag is not None and a._s.var is not None:
                g.watch(a._s.var)       # before the read, so the tape links it to the variable
            values[n] = a._read()
        for n, a in zip(self._input_names, inputs):
            values[n] = a._read()
        seed = _random.next_seed() if uses_rng else tf.constant([0, 0], tf.int32)
        with tf.device(ctx.tf_device):
            outs, updates = fn(values, seed)
        for n, t in updates.items():
            params[n]._write(t, track=False)
        return [_nd.from_tensor(o, ctx) for o in outs]

    def _graph_key(self):
        """The block's graph as text: blocks of one graph share their traced training calls
        (which take every parameter as an argument), so fine-tuning a re-imported model, or
        several copies of one, traces once."""
        if self._json is None:
            self._json = (self._out.tojson(), tuple(self._input_names), tuple(self._needed))
        return self._json

    def _trace(self, inputs, params, training):
        gf = self._out._graph_function()
        shapes = {n: a.shape for n, a in params.items()}
        dtypes = {n: a._s.dtype for n, a in params.items()}
        for n, a in zip(self._input_names, inputs):
            shapes[n], dtypes[n] = a.shape, a._s.dtype
        res, _ = self._out._infer(shapes, dtypes)
        gf.set_inferred(res)
        aux = set(gf.aux_names)

        def run(values, seed):
            # aux states, and in training the ones MXNet writes into a fix_gamma BatchNorm's
            # gamma (its oneDNN kernel does, so a Trainer step leaves gamma at 1 as in MXNet)
            outs, updates = gf(values, is_train=training, seed=seed)
            return list(outs), {n: t for n, t in updates.items() if training or n in aux}
        return tf.function(run, autograph=False), gf.uses_rng

    # -- files ------------------------------------------------------------------------------------
    def save_parameters(self, filename, deduplicate=False):
        """Gluon's parameter file: the arrays keyed by name less the names' common prefix."""
        arrays = OrderedDict()
        seen = set()
        for k, p in self._reg_params.items():
            if deduplicate and id(p) in seen:
                continue
            seen.add(id(p))
            arrays[k] = p._reduce()
        _saveload.save(filename, arrays)

    def load_parameters(self, filename, ctx=None, allow_missing=False, ignore_extra=False,
                        cast_dtype=False, dtype_source='current'):
        """Load a ``save_parameters`` file (names less their common prefix) or an ``export``
        file (``arg:``/``aux:`` keys) into the block's parameters."""
        loaded = _saveload.load(filename)
        if not isinstance(loaded, dict):
            if loaded:
                raise MXNetError('%s holds %d unnamed arrays; a parameter file names each array'
                                 % (filename, len(loaded)))
            loaded = {}
        if not loaded and not self._reg_params:
            return
        bare = [k[4:] if k.startswith(('arg:', 'aux:')) else k for k in loaded]
        if not any('.' in k for k in loaded) and not (
                set(bare).isdisjoint(self._params.keys()) and set(bare) <= set(self._reg_params)):
            self.collect_params().load(filename, ctx, allow_missing, ignore_extra, self.prefix,
                                       cast_dtype=cast_dtype, dtype_source=dtype_source)
            return
        # keys as save_parameters writes them (MXNet 1.9.1 itself reads these back only
        # through collect_params().load(restore_prefix=...))
        if not allow_missing:
            for k in self._reg_params:
                if k not in loaded:
                    raise MXNetError("Parameter %r is missing in file '%s', which contains "
                                     "parameters: %s. Set allow_missing=True to ignore missing "
                                     "parameters." % (k, filename, brief_list(loaded)))
        for k, v in loaded.items():
            if k not in self._reg_params:
                if not ignore_extra:
                    raise MXNetError("Parameter %r loaded from file '%s' is not present in "
                                     "ParameterDict, which contains parameters %s. Set "
                                     "ignore_extra=True to ignore." % (
                                         k, filename, brief_list(self._reg_params)))
                continue
            self._reg_params[k]._load_init(v, ctx, cast_dtype=cast_dtype,
                                           dtype_source=dtype_source)

    def save_params(self, filename):
        """Deprecated in MXNet (use save_parameters): the parameters under their full names."""
        warnings.warn('save_params is deprecated. Please use save_parameters.')
        self.collect_params().save(filename, strip_prefix=self.prefix)

    def load_params(self, filename, ctx=None, allow_missing=False, ignore_extra=False):
        """Deprecated in MXNet: load_parameters."""
        warnings.warn('load_params is deprecated. Please use load_parameters.')
        self.load_parameters(filename, ctx, allow_missing, ignore_extra)

    def export(self, path, epoch=0, remove_amp_cast=True):
        """``path-symbol.json`` and ``path-%04d.params`` (``arg:``/``aux:`` keys), files MXNet's
        ``SymbolBlock.imports``, ``Module.load`` and ``load_checkpoint`` read."""
        self._out.save('%s-symbol.json' % path, remove_amp_cast=remove_amp_cast)
        aux = set(self._out.list_auxiliary_states())
        arrays = OrderedDict()
        for n in self._needed:
            arrays[('aux:%s' if n in aux else 'arg:%s') % n] = self._params[n]._reduce()
        _saveload.save('%s-%04d.params' % (path, epoch), arrays)


def __getattr__(attr):
    return absent.name_getattr(__name__, attr)
