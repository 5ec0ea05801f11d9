"""Operator attributes: MXNet's string forms parsed once, by a schema per op.

MXNet stores every attribute as a string (``"(3, 3)"``, ``"True"``, ``"None"``, ``"0.5"``): Python
values given to an op constructor are turned into strings with ``str`` before they reach the
graph, and symbol JSON files hold them so. A :class:`Schema` holds one :class:`Param` per attribute
with its type parser and default; ``Schema.parse`` turns a node's string dict into a
:class:`Params` object with typed fields (``p.kernel == (3, 3)``), checking names and values the
way MXNet does. Schemas are built from MXNet's own declared type strings (recorded in
``signatures.json``), e.g. ``"Shape(tuple), optional, default=[]"``.
"""
import ast
import re

from .base import MXNetError

_TRUE = {'true', '1'}
_FALSE = {'false', '0'}


def is_hidden(key):
    """Dunder keys (``__ctx_group__``, ``__lr_mult__``) are graph annotations, not op params."""
    return key.startswith('__') and key.endswith('__')


def parse_bool(s):
    if isinstance(s, bool):
        return s
    t = str(s).strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise ValueError('expected a boolean, got %r' % (s,))


def parse_int(s):
    if isinstance(s, bool):
        return int(s)
    if isinstance(s, int):
        return s
    t = str(s).strip()
    try:
        return int(t)
    except ValueError:
        f = float(t)
        if f != int(f):
            raise ValueError('expected an integer, got %r' % (s,)) from None
        return int(f)


def parse_float(s):
    if isinstance(s, (int, float)) and not isinstance(s, bool):
        return float(s)
    t = str(s).strip()
    low = t.lower()
    if low in ('inf', '+inf', 'infinity'):
        return float('inf')
    if low in ('-inf', '-infinity'):
        return float('-inf')
    if low == 'nan':
        return float('nan')
    return float(t)


def _literal(s):
    t = str(s).strip()
    if t in ('', '[]', '()'):
        return ()
    t = t.replace('L', '') if re.fullmatch(r'[\[\(\d,\sL\-]+[\]\)]?', t) else t
    try:
        v = ast.literal_eval(t)
    except (ValueError, SyntaxError):
        raise ValueError('expected a tuple, got %r' % (s,)) from None
    return v


def parse_shape(s):
    """'(3, 3)' / '[3,3]' / '3' / '(None, 1)' -> tuple; None entries are kept (slice bounds)."""
    if isinstance(s, (tuple, list)):
        v = s
    elif isinstance(s, int) and not isinstance(s, bool):
        v = (s,)
    else:
        v = _literal(s)
    if isinstance(v, (int, float)) or v is None:
        v = (v,)
    out = []
    for x in v:
        if x is None:
            out.append(None)
        elif isinstance(x, (int, float)) and not isinstance(x, bool) and float(x) == int(x):
            out.append(int(x))
        else:
            raise ValueError('expected a shape tuple, got %r' % (s,))
    return tuple(out)


def _parse_tuple_of(elem):
    def parse(s):
        if isinstance(s, (tuple, list)):
            v = s
        else:
            v = _literal(s)
            if not isinstance(v, (tuple, list)):
                v = (v,)
        return tuple(elem(x) for x in v)
    return parse


def _optional(parser):
    def parse(s):
        if s is None or str(s).strip() in ('None', ''):
            return None
        return parser(s)
    return parse


def _enum(choices):
    allow_none = None in choices
    names = tuple(c for c in choices if c is not None)

    def parse(s):
        if s is None or str(s) == 'None':
            if allow_none:
                return None
        t = str(s)
        if t not in names:
            raise ValueError("Invalid Input: '%s', valid values are: {%s}"
                             % (t, ', '.join(("None" if c is None else "'%s'" % c)
                                             for c in choices)))
        return t
    return parse


def parse_str(s):
    return str(s)


_BASE_PARSERS = {
    'boolean': parse_bool, 'bool': parse_bool,
    'int': parse_int, 'long': parse_int, 'int (non-negative)': parse_int,
    'long (non-negative)': parse_int, 'int64': parse_int,
    'float': parse_float, 'double': parse_float, 'real_t': parse_float,
    'Shape(tuple)': parse_shape, 'Shape': parse_shape,
    'string': parse_str, '': parse_str, 'ptr': parse_str,
}


def parser_for(type_str):
    """A parser for one of MXNet's declared parameter type strings (the part before ', ')."""
    t = type_str.strip()
    m = re.fullmatch(r'\{(.*)\}', t)
    if m:
        choices = []
        for c in m.group(1).split(','):
            c = c.strip()
            choices.append(None if c == 'None' else c.strip("'"))
        return _enum(choices)
    m = re.fullmatch(r'tuple of <(.*)>', t)
    if m:
        return _parse_tuple_of(parser_for(m.group(1)))
    if t.endswith(' or None'):
        return _optional(parser_for(t[:-len(' or None')]))
    if t in _BASE_PARSERS:
        return _BASE_PARSERS[t]
    return parse_str


class Param:
    """One attribute: its name, parser, whether it is required, and its default (parsed)."""
    __slots__ = ('name', 'parse', 'required', 'default', 'type_str')

    def __init__(self, name, parse, required=False, default=None, type_str=''):
        self.name = name
        self.parse = parse
        self.required = required
        self.default = default
        self.type_str = type_str

    @classmethod
    def from_mxnet(cls, name, declared):
        """From MXNet's declaration, e.g. ``"int or None, optional, default='None'"``."""
        m = re.match(r'^(.*?)\s*,\s*(optional|required)(?:\s*,\s*default=(.*))?\s*$', declared)
        if m:
            type_str, kind, default = m.group(1), m.group(2), m.group(3)
        else:
            type_str, kind, default = declared, 'optional', None
        parse = parser_for(type_str)
        value = None
        if kind == 'optional' and default is not None:
            d = default.strip()
            if len(d) >= 2 and d[0] == d[-1] == "'":
                d = d[1:-1]
            value = None if d == 'None' else parse(d)
        return cls(name, parse, kind == 'required', value, declared)


class Params:
    """Parsed attributes of one node: ``p.num_hidden``; ``p.raw`` keeps the strings given."""

    def __init__(self, values, raw):
        self.__dict__.update(values)
        self.__dict__['raw'] = raw

    def __setattr__(self, key, value):
        raise AttributeError('Params are read-only')

    def get(self, key, default=None):
        return self.__dict__.get(key, default)

    def __repr__(self):
        items = ', '.join('%s=%r' % kv for kv in sorted(self.__dict__.items()) if kv[0] != 'raw')
        return 'Params(%s)' % items


class Schema:
    """The attributes one op accepts, in MXNet's declaration order. An ``open`` schema belongs to
    an op without a parameter struct: MXNet keeps the attributes it does not declare on the node
    (they are written back to JSON) and ignores them, where any other op refuses them."""

    def __init__(self, params=(), open=False):
        self.params = {p.name: p for p in params}
        self.open = open

    @classmethod
    def from_mxnet(cls, declared):
        return cls([Param.from_mxnet(n, t) for n, t in declared])

    def add(self, *params):
        for p in params:
            self.params[p.name] = p
        return self

    def parse(self, attrs, op_name, node_name=''):
        """Typed Params from a node's string attrs; dunder keys are ignored here."""
        where = "operator %s(name=\"%s\")" % (op_name, node_name)
        values = {}
        for key, raw in attrs.items():
            if is_hidden(key):
                continue
            p = self.params.get(key)
            if p is None and self.open:
                continue
            if p is None:
                known = ', '.join(self.params) or '(none)'
                raise MXNetError("Cannot find argument '%s' in %s. Possible arguments: %s"
                                 % (key, where, known))
            try:
                values[key] = p.parse(raw)
            except (ValueError, SyntaxError, TypeError) as e:
                raise MXNetError("Invalid value %r for argument '%s' in %s: %s"
                                 % (raw, key, where, e)) from None
        for name, p in self.params.items():
            if name not in values:
                if p.required:
                    raise MXNetError("Required parameter %s of %s is not presented, in %s"
                                     % (name, p.type_str.split(',')[0], where))
                values[name] = p.default
        return Params(values, dict(attrs))


def to_attr_string(value):
    """How MXNet's Python frontend turns a keyword value into the string stored in the graph."""
    if isinstance(value, str):
        return value
    return str(value)
