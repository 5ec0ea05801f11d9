"""Symbol: MXNet's symbolic graph API over converters' Node graph.

A Symbol is a list of head entries ``(node, output_index)``. Symbols are composed by calling op
constructors (generated from the registry in ``register.py``), by calling a symbol with other
symbols for its free variables, and by Python operators, naming nodes exactly as MXNet does.
"""
import warnings

import numpy as np

from tfmod_converters import dtypes as _dt
from tfmod_converters import registry
from tfmod_converters import shape_mode as _shape_mode
from tfmod_converters.graph import GraphFunction, Node, classify_variables, topo_order
from tfmod_converters.infer import infer, is_known
from ..attribute import current as _attr_scope
from ..base import MXNetError, NotImplementedForSymbol
from ..name import current as _name_manager
from . import jsonfmt

HIDDEN_KEYS = jsonfmt.HIDDEN_KEYS


def _hidden_key(key):
    """Plain hidden keys given by users (ctx_group, lr_mult...) are stored as __key__."""
    return '__%s__' % key if key in HIDDEN_KEYS else key


class Symbol:
    """A symbolic graph with one or more outputs."""
    __slots__ = ('_heads', '__weakref__')

    def __init__(self, heads):
        self._heads = list(heads)

    # -- structure ----------------------------------------------------------------------------
    def _order(self):
        return topo_order(self._heads)

    @property
    def name(self):
        if len(self._heads) != 1:
            return None
        return self._heads[0][0].name

    def __repr__(self):
        name = self.name
        if name is None:
            return '<Symbol group [%s]>' % ', '.join(n.name for n, _ in self._heads)
        return '<Symbol %s>' % name

    def __len__(self):
        return len(self._heads)

    def __iter__(self):
        return (Symbol([h]) for h in self._heads)

    @property
    def num_outputs(self):
        return len(self._heads)

    def __getitem__(self, index):
        outputs = self.list_outputs()
        if isinstance(index, str):
            idx = [i for i, n in enumerate(outputs) if n == index]
            if not idx:
                raise ValueError('There is no output named %r; outputs are %s'
                                 % (index, outputs))
            if len(idx) > 1:
                raise ValueError('There are multiple outputs with name %r' % index)
            index = idx[0]
        if isinstance(index, slice):
            return Group([Symbol([h]) for h in self._heads[index]])
        if not isinstance(index, int):
            raise TypeError('Symbol only supports integer or string indexing')
        if index >= len(self._heads) or index < -len(self._heads):
            raise IndexError('Symbol index %d out of range (%d outputs)'
                             % (index, len(self._heads)))
        return Symbol([self._heads[index]])

    def list_outputs(self):
        out = []
        for node, k in self._heads:
            names = node.output_names()
            name = names[k] if k < len(names) else '%s_output%d' % (node.name, k)
            # an unnamed node (``_gen_atomic_symbol``) lists its outputs bare, as MXNet does
            out.append(name[1:] if not node.name and not node.is_variable else name)
        return out

    def list_arguments(self):
        args, _ = classify_variables(self._order())
        return [n.name for n in args]

    def list_auxiliary_states(self):
        _, aux = classify_variables(self._order())
        return [n.name for n in aux]

    def list_inputs(self):
        return [n.name for n in self._order() if n.is_variable]

    def get_internals(self):
        heads = []
        for node in self._order():
            for k in range(node.num_visible_outputs()):
                heads.append((node, k))
        return Symbol(heads)

    def get_children(self):
        """The inputs of this symbol's head nodes (each node once, in head order) as one
        symbol; None when they have none (variables)."""
        seen, entries = set(), []
        for node, _ in self._heads:
            if id(node) not in seen:
                seen.add(id(node))
                entries.extend(node.inputs)
        return Symbol(entries) if entries else None

    def _gen_atomic_symbol(self):
        """A new unnamed node of this symbol's op and attributes, without inputs."""
        node = self._heads[0][0]
        if node.is_variable:
            raise MXNetError('_gen_atomic_symbol: %r is a variable, not an operator' % node.name)
        atom = Node(node.op, '', dict(node.attrs))
        atom.subgraphs = node.subgraphs
        return Symbol([(atom, k) for k in range(atom.num_visible_outputs())])

    def gradient(self, wrt):
        """Declared by MXNet 1.9.1's Symbol, which has no implementation behind it: raises as
        MXNet does (gradients come from ``bind(...).backward()``)."""
        raise MXNetError('Symbol.gradient: not implemented (MXNet 1.9.1 has no symbolic '
                         'gradient either; bind the symbol and call backward())')

    def as_nd_ndarray(self):
        """This symbol (MXNet's legacy/np conversion; tfmod has only legacy symbols)."""
        return self

    # -- attributes ---------------------------------------------------------------------------
    def attr(self, key):
        if len(self._heads) != 1:
            return None
        attrs = self._heads[0][0].attrs
        if key in attrs:
            return attrs[key]
        return attrs.get(_hidden_key(key))

    def list_attr(self, recursive=False):
        if recursive:
            raise DeprecationWarning('Symbol.list_attr with recursive=True has been deprecated. '
                                     'Please use attr_dict instead.')
        if len(self._heads) != 1:
            return {}
        return _listed(self._heads[0][0].attrs)

    def attr_dict(self):
        out = {}
        for node in self._order():
            if node.attrs:
                out[node.name] = _listed(node.attrs)
        return out

    def _set_attr(self, **kwargs):
        for node, _ in self._heads:
            for k, v in kwargs.items():
                if not isinstance(v, str):
                    raise MXNetError('Set Attr only accepts string values')
                node.set_attr(_hidden_key(k), v)

    # -- copying and composition ----------------------------------------------------------------
    def __copy__(self):
        return self._copy_graph()

    def __deepcopy__(self, memo):
        return self._copy_graph()

    def copy(self):
        """NDArray-only in MXNet (``copy.copy(sym)`` / ``copy.deepcopy(sym)`` copy a symbol)."""
        raise NotImplementedForSymbol(self.copy, None)

    def _copy_graph(self, replace=None):
        """A copy of the graph; ``replace`` maps id(variable node) -> entry to splice in."""
        replace = replace or {}
        mapping = {}
        for node in self._order():
            if id(node) in replace:
                continue
            new = Node(node.op, node.name, dict(node.attrs))
            new.subgraphs = node.subgraphs
            mapping[id(node)] = new
        for node in self._order():
            if id(node) in replace:
                continue
            mapping[id(node)].inputs = [replace[id(s)] if id(s) in replace
                                        else (mapping[id(s)], k) for s, k in node.inputs]
        return Symbol([replace[id(n)] if id(n) in replace else (mapping[id(n)], k)
                       for n, k in self._heads])

    def __call__(self, *args, **kwargs):
        s = self._copy_graph()
        s._compose(*args, **kwargs)
        return s

    def _compose(self, *args, **kwargs):
        """Replace free variables by symbols: positionally (list_arguments order) or by name."""
        name = kwargs.pop('name', None)
        if args and kwargs:
            raise TypeError('compose only accept input Symbols either as positional or keyword '
                            'arguments, not both')
        for v in list(args) + list(kwargs.values()):
            if not isinstance(v, Symbol):
                raise TypeError('Compose expect `Symbol` as arguments')
            if len(v._heads) != 1:
                raise MXNetError('cannot compose with a multi-output symbol (%s)' % v.list_outputs())
        order = self._order()
        args_nodes, _ = classify_variables(order)
        replace = {}
        if args:
            if len(args) > len(args_nodes):
                raise MXNetError('too many positional arguments: symbol has %d free arguments'
                                 % len(args_nodes))
            for node, s in zip(args_nodes, args):
                replace[id(node)] = s._heads[0]
        else:
            by_name = {}
            for node in order:
                if node.is_variable:
                    by_name.setdefault(node.name, []).append(node)
            for key, s in kwargs.items():
                for node in by_name.get(key, []):
                    replace[id(node)] = s._heads[0]
        if not replace:
            return
        new = self._copy_graph(replace)
        self._heads = new._heads
        if name and len(self._heads) == 1 and not self._heads[0][0].is_variable:
            self._heads[0][0].name = name

    # -- inference ----------------------------------------------------------------------------
    def _shape_kwargs(self, args, kwargs):
        if args and kwargs:
            raise MXNetError('infer_shape: give shapes either positionally or by name, not both')
        if args:
            names = self.list_arguments()
            known = {}
            for n, s in zip(names, args):
                if s is not None:
                    known[n] = tuple(s)
            return known
        return {k: tuple(v) for k, v in kwargs.items() if v is not None}

    def _infer(self, shapes=None, types=None):
        order = self._order()
        names = {n.name for n in order if n.is_variable}
        for k in list(shapes or {}) + list(types or {}):
            if k not in names:
                raise MXNetError('infer: %r is not an input of the symbol; its inputs are %s'
                                 % (k, self.list_inputs()))
        shapes = {k: _shape_mode.normalize(v) for k, v in (shapes or {}).items()}
        return infer(self._heads, shapes, types), order

    def infer_shape(self, *args, **kwargs):
        """(arg_shapes, out_shapes, aux_shapes) -- or (None, None, None) with MXNet's warning
        naming the arguments still unknown (0s are unknown dimensions in legacy mode)."""
        res = self._infer_shape_impl(False, *args, **kwargs)
        if res[1] is None:
            arg_shapes = self._infer_shape_impl(True, *args, **kwargs)[0]
            unknown = -1 if _shape_mode.is_np_shape() else 0
            unknowns = ['%s: %s' % (n, s) for n, s in zip(self.list_arguments(), arg_shapes)
                        if not s or unknown in s]
            if len(unknowns) > 10:
                unknowns = unknowns[:10] + ['...']
            warnings.warn('Cannot decide shape for the following arguments (0s in shape means '
                          'unknown dimensions). Consider providing them as input:\n\t'
                          + '\n\t'.join(unknowns), stacklevel=2)
        return res

    def infer_shape_partial(self, *args, **kwargs):
        return self._infer_shape_impl(True, *args, **kwargs)

    def _infer_shape_impl(self, partial, *args, **kwargs):
        known = self._shape_kwargs(args, kwargs)
        res, order = self._infer(known)
        args_n, aux_n = classify_variables(order)

        np_mode = _shape_mode.is_np_shape()

        def conv(s):
            # MXNet's spelling of the unknown: () and 0 in legacy mode, None and -1 in NumPy mode
            if s is None:
                return None if np_mode else ()
            return tuple((-1 if np_mode else 0) if d is None else d for d in s)
        arg_shapes = [res.shape(n) for n in args_n]
        aux_shapes = [res.shape(n) for n in aux_n]
        out_shapes = [res.shape(n, k) for n, k in self._heads]
        if not partial and not all(is_known(s) for s in arg_shapes + aux_shapes + out_shapes):
            return None, None, None
        return ([conv(s) for s in arg_shapes], [conv(s) for s in out_shapes],
                [conv(s) for s in aux_shapes])

    def infer_type(self, *args, **kwargs):
        """(arg_types, out_types, aux_types) as numpy types, or (None, None, None)."""
        if args:
            names = self.list_arguments()
            kwargs = {n: t for n, t in zip(names, args) if t is not None}
        types = {k: _dt.canonical(v) for k, v in kwargs.items()}
        res, order = self._infer(None, types)
        args_n, aux_n = classify_variables(order)
        a = [res.dtype(n) for n in args_n]
        x = [res.dtype(n) for n in aux_n]
        o = [res.dtype(n, k) for n, k in self._heads]
        if any(t is None for t in a + x + o):
            return None, None, None
        conv = lambda ts: [_dt.to_np(t).type for t in ts]  # noqa: E731
        return conv(a), conv(o), conv(x)

    def infer_type_partial(self, *args, **kwargs):
        if args:
            names = self.list_arguments()
            kwargs = {n: t for n, t in zip(names, args) if t is not None}
        types = {k: _dt.canonical(v) for k, v in kwargs.items()}
        res, order = self._infer(None, types)
        args_n, aux_n = classify_variables(order)
        conv = lambda ts: [None if t is None else _dt.to_np(t).type for t in ts]  # noqa: E731
        return (conv([res.dtype(n) for n in args_n]),
                conv([res.dtype(n, k) for n, k in self._heads]),
                conv([res.dtype(n) for n in aux_n]))

    # -- serialisation ------------------------------------------------------------------------
    def tojson(self, remove_amp_cast=True):
        return jsonfmt.to_json(self._heads, self._order())

    def save(self, fname, remove_amp_cast=True):
        from ..fileio import atomic_write
        atomic_write(fname, self.tojson().encode('utf-8'))

    def __getstate__(self):
        return {'handle': self.tojson()}

    def __setstate__(self, state):
        self._heads = jsonfmt.from_json(state['handle'])

    def debug_str(self):
        lines = []
        for node in self._order():
            if node.is_variable:
                lines.append('Variable:%s' % node.name)
            else:
                lines.append('Op:%s, Name=%s' % (node.op, node.name))
                for j, (src, k) in enumerate(node.inputs):
                    lines.append('Inputs:\n\targ[%d]=%s(%d)' % (j, src.name, k))
        return '\n'.join(lines)

    # -- execution ----------------------------------------------------------------------------
    def _graph_function(self, placement=None):
        return GraphFunction(self._heads, placement)

    def simple_bind(self, ctx, grad_req='write', type_dict=None, stype_dict=None,
                    group2ctx=None, shared_arg_names=None, shared_exec=None, shared_buffer=None,
                    **kwargs):
        from ..executor import Executor
        return Executor.simple_bind(self, ctx, grad_req, type_dict, group2ctx, shared_exec,
                                    shared_arg_names, kwargs)

    def bind(self, ctx, args, args_grad=None, grad_req='write', aux_states=None, group2ctx=None,
             shared_exec=None):
        from ..executor import Executor
        return Executor.bind(self, ctx, args, args_grad, grad_req, aux_states, group2ctx,
                             shared_exec)

    def eval(self, ctx=None, **kwargs):
        from ..context import current_context
        ex = self.bind(ctx or current_context(), kwargs)
        return ex.forward()

    # -- Python operators (the op names MXNet emits) -------------------------------------------
    def _bin(self, other, op, scalar_op, hint, scalar_hint):
        if isinstance(other, Symbol):
            return _create(op, [self, other], {}, None, None, hint)
        if isinstance(other, (int, float, np.number)) and not isinstance(other, bool):
            return _create(scalar_op, [self], {'scalar': other}, None, None, scalar_hint)
        if isinstance(other, bool):
            return _create(scalar_op, [self], {'scalar': int(other)}, None, None, scalar_hint)
        raise TypeError('type %s not supported' % str(type(other)))

    def _rscalar(self, other, scalar_op, hint):
        if isinstance(other, (int, float, np.number)):
            return _create(scalar_op, [self], {'scalar': other}, None, None, hint)
        raise TypeError('type %s not supported' % str(type(other)))

    def __add__(self, o):
        return self._bin(o, 'elemwise_add', '_plus_scalar', '_plus', '_plusscalar')

    __radd__ = __add__

    def __iadd__(self, o):
        raise NotImplementedForSymbol(self.__iadd__, '+=', o, 1)

    def __sub__(self, o):
        return self._bin(o, 'elemwise_sub', '_minus_scalar', '_minus', '_minusscalar')

    def __isub__(self, o):
        raise NotImplementedForSymbol(self.__isub__, '-=', o)

    def __rsub__(self, o):
        return self._rscalar(o, '_rminus_scalar', '_rminusscalar')

    def __mul__(self, o):
        return self._bin(o, 'elemwise_mul', '_mul_scalar', '_mul', '_mulscalar')

    __rmul__ = __mul__

    def __imul__(self, o):
        raise NotImplementedForSymbol(self.__imul__, '*=', o)

    def __truediv__(self, o):
        return self._bin(o, 'elemwise_div', '_div_scalar', '_div', '_divscalar')

    def __rtruediv__(self, o):
        return self._rscalar(o, '_rdiv_scalar', '_rdivscalar')

    def __itruediv__(self, o):
        raise NotImplementedForSymbol(self.__itruediv__, '/=', o)

    __div__, __rdiv__, __idiv__ = __truediv__, __rtruediv__, __itruediv__

    def __mod__(self, o):
        return self._bin(o, '_mod', '_mod_scalar', '_mod', '_modscalar')

    def __rmod__(self, o):
        return self._rscalar(o, '_rmod_scalar', '_rmodscalar')

    def __pow__(self, o):
        return self._bin(o, '_power', '_power_scalar', '_power', '_powerscalar')

    def __rpow__(self, o):
        return self._rscalar(o, '_rpower_scalar', '_rpower_scalar')

    def __neg__(self):
        return self.__mul__(-1.0)

    def __abs__(self):
        return _create('abs', [self], {}, None, None, 'abs')

    def __eq__(self, o):
        return self._bin(o, '_equal', '_equal_scalar', '_equal', '_equal_scalar')

    def __ne__(self, o):
        return self._bin(o, '_not_equal', '_not_equal_scalar', '_not_equal', '_not_equal_scalar')

    def __gt__(self, o):
        return self._bin(o, '_greater', '_greater_scalar', '_greater', '_greater_scalar')

    def __ge__(self, o):
        return self._bin(o, '_greater_equal', '_greater_equal_scalar', '_greater_equal',
                         '_greater_equal_scalar')

    def __lt__(self, o):
        return self._bin(o, '_lesser', '_lesser_scalar', '_lesser', '_lesser_scalar')

    def __le__(self, o):
        return self._bin(o, '_lesser_equal', '_lesser_equal_scalar', '_lesser_equal',
                         '_lesser_equal_scalar')

    def __hash__(self):
        return id(self)

    def __bool__(self):
        raise NotImplementedForSymbol(self.__bool__, 'bool')

    __nonzero__ = __bool__

    # NDArray-only methods, which MXNet's Symbol has and refuses
    def wait_to_read(self):
        raise NotImplementedForSymbol(self.wait_to_read, None)

    def asnumpy(self):
        raise NotImplementedForSymbol(self.asnumpy, None)

    def asscalar(self):
        raise NotImplementedForSymbol(self.asscalar, None)

    def as_in_context(self):
        raise NotImplementedForSymbol(self.as_in_context, None)

    def detach(self):
        raise NotImplementedForSymbol(self.detach, None)

    def backward(self):
        raise NotImplementedForSymbol(self.backward, None)


def _listed(attrs):
    """list_attr view: hidden keys are also shown without underscores, as MXNet does."""
    out = dict(attrs)
    for k in HIDDEN_KEYS:
        if '__%s__' % k in attrs:
            out[k] = attrs['__%s__' % k]
    return out


def Variable(name, attr=None, shape=None, lr_mult=None, wd_mult=None, dtype=None, init=None,
             stype=None, **kwargs):
    """A free variable (an argument to bind)."""
    if not isinstance(name, str):
        raise TypeError('Expect a string for variable `name`')
    attr = _attr_scope().get(attr)
    attrs = {_hidden_key(k): v for k, v in attr.items()}
    if shape is not None:
        attrs['__shape__'] = str(tuple(shape))
    if lr_mult is not None:
        attrs['__lr_mult__'] = str(lr_mult)
    if wd_mult is not None:
        attrs['__wd_mult__'] = str(wd_mult)
    if dtype is not None:
        attrs['__dtype__'] = str(_dt.code(dtype))
    if init is not None:
        if not isinstance(init, str):
            init = init.dumps()
        attrs['__init__'] = init
    if stype is not None:   # MXNet's storage type code: 0 default, 1 row_sparse, 2 csr
        codes = {'default': 0, 'row_sparse': 1, 'csr': 2}
        if stype not in codes:
            raise MXNetError("Variable %r: unknown stype %r (expected 'default', 'row_sparse' "
                             "or 'csr')" % (name, stype))
        attrs['__storage_type__'] = str(codes[stype])
    for k, v in kwargs.items():
        if k.startswith('__') and k.endswith('__'):
            attrs[k] = str(v)
        else:
            raise ValueError('Attribute name=%s is not supported. Additional attributes must '
                             'start and end with double underscores, e.g, __yourattr__' % k)
    return Symbol([(Node('null', name, attrs), 0)])


var = Variable


def Group(symbols):
    """One symbol whose outputs are the outputs of all ``symbols``, in order."""
    if not symbols or any(not isinstance(s, Symbol) for s in symbols):
        raise TypeError('Expected a list of symbols as input')
    heads = []
    for s in symbols:
        heads.extend(s._heads)
    return Symbol(heads)


def load_json(json_str):
    """A Symbol from an MXNet symbol JSON string (any MXNet 1.x version)."""
    if not isinstance(json_str, str):
        raise TypeError('fname required to be string')
    return Symbol(jsonfmt.from_json(json_str))


def load(fname):
    """A Symbol from an MXNet ``-symbol.json`` file."""
    if not isinstance(fname, str):
        raise TypeError('fname need to be string')
    try:
        with open(fname, 'rb') as f:
            text = f.read()   # bytes: from_json checks the encoding, naming the file
    except OSError as e:
        raise MXNetError('cannot read symbol file %s: %s' % (fname, e.strerror)) from None
    return Symbol(jsonfmt.from_json(text, source=fname))


# -- op nodes (the generated constructors in register.py and the Python operators above) ------
def make_node(op_name, args, kwargs, name, attr, hint):
    """(Node, opdef) for an op applied to Symbol inputs ``args``/symbol-valued ``kwargs``."""
    od = registry.lookup(op_name)
    sym_kwargs = {}
    attrs = {}
    input_names = set(registry.signatures().get(od.name, {}).get('inputs', ()))
    for k, v in kwargs.items():
        if isinstance(v, Symbol):
            sym_kwargs[k] = v
        elif v is not None or k not in input_names:
            attrs[k] = v  # None attributes are kept, as the string 'None' (as MXNet)
    scope = _attr_scope().get(attr)
    for k, v in scope.items():
        attrs[k] = v
    if args and sym_kwargs and od.variadic:
        raise TypeError('Operators with variable length input can only accept input Symbols '
                        'either as positional or keyword arguments, not both')
    for s in list(args) + list(sym_kwargs.values()):
        if len(s._heads) != 1:
            raise MXNetError('%s: input %s has %d outputs; pass a single-output symbol'
                             % (op_name, s.name or s.list_outputs(), len(s._heads)))
    if od.key_var_num_args and od.key_var_num_args not in attrs:
        attrs[od.key_var_num_args] = len(args) + len(sym_kwargs)
    str_attrs = {}
    for k, v in attrs.items():
        key = '__%s__' % k if k in HIDDEN_KEYS else k
        str_attrs[key] = registry.attr_string(k, v)
    node_name = _name_manager().get(name, hint)
    node = Node(od.name, node_name, str_attrs)
    p = node.params  # validates attributes now, as MXNet does at creation
    if od.variadic:
        entries = [s._heads[0] for s in args] or [s._heads[0] for s in sym_kwargs.values()]
        node.inputs = entries
        return node, od
    names, given = od.assign_inputs(p, args, sym_kwargs)
    inputs = []
    var_attrs = {k: v for k, v in str_attrs.items()}
    for j, n in enumerate(names):
        if n in given:
            inputs.append(given[n]._heads[0])
        else:
            vname = '%s_%s' % (node_name, n) if node_name else n
            inputs.append((Node('null', vname, dict(var_attrs)), 0))
    node.inputs = inputs
    if od.input_var_attrs is not None:
        for j, (src, _) in enumerate(node.inputs):
            if src.is_variable and '__init__' not in src.attrs:
                src.attrs.update(od.input_var_attrs(p, j))
    return node, od


def _create(op_name, args, kwargs, name=None, attr=None, hint=None):
    node, od = make_node(op_name, args, kwargs, name, attr, hint or op_name.lower())
    n = node.num_visible_outputs()
    return Symbol([(node, k) for k in range(n)])
