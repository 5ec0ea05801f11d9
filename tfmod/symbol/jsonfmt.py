"""Symbol JSON: read every MXNet 1.x form, write the 1.9 form byte for byte as MXNet does.

Older files differ in small ways that are upgraded on read, as MXNet's own loader does:
node attributes under ``attr`` or ``param`` instead of ``attrs``; 2-element input entries;
no ``node_row_ptr`` / ``arg_nodes``; hidden keys written plainly (``lr_mult``, or
``<input>_lr_mult`` on the op node) that become ``__lr_mult__`` on the variable; aux-state inputs
missing before 0.9 (created as ``<node>_<input>`` variables); ``argmax/argmin`` ``axis=-1``;
op aliases (``_Minus``, ``_sub``) written under the op's own name; input-entry versions kept as
the file gave them. tests/test_old_mxnet_files.py checks files of 0.9.5 ... 1.8 against 1.9.1.
"""
import json
import weakref

from tfmod_converters import registry
from tfmod_converters.attrs import is_hidden
from tfmod_converters.graph import Node, check_ops, topo_order
from ..base import MXNetError

MXNET_VERSION = 10901
# node -> [(source node, output index, version)] as its input entries were read from a file
_READ_VERSIONS = weakref.WeakKeyDictionary()
HIDDEN_KEYS = ('ctx_group', 'lr_mult', 'wd_mult', 'force_mirroring', 'mirror_stage')


# -- writing ------------------------------------------------------------------------------------
def _q(s):
    return json.dumps(s, ensure_ascii=False)


def _attrs_text(attrs, indent):
    keys = sorted(attrs)
    if len(keys) == 1:
        return '{%s: %s}' % (_q(keys[0]), _q(attrs[keys[0]]))
    pad = ' ' * (indent + 2)
    body = ', \n'.join('%s%s: %s' % (pad, _q(k), _q(attrs[k])) for k in keys)
    return '{\n%s\n%s}' % (body, ' ' * indent)


def _array(items, indent):
    """dmlc's JSON writer: arrays of more than 10 items go one item per line."""
    if len(items) > 10:
        pad = ' ' * (indent + 2)
        return '[\n' + ', \n'.join(pad + x for x in items) + '\n' + ' ' * indent + ']'
    return '[' + ', '.join(items) + ']'


def _entries(es, indent):
    return _array(['[%d, %d, %d]' % e for e in es], indent)


def _ints(xs, indent):
    return _array([str(x) for x in xs], indent)


def _versions(node):
    """The third field of each input entry: a variable's version. MXNet writes 1 for an aux
    state, 0 otherwise, and keeps whatever a loaded file said (Gluon 0.11 wrote 2; 0.8 files
    have no version, so 0, also on the aux inputs the upgrade adds)."""
    if node.is_variable:
        return []
    aux = set(node.aux_indices())
    read = _READ_VERSIONS.get(node, ())
    out = []
    for j, (src, k) in enumerate(node.inputs):
        v = 1 if (j in aux and src.is_variable) else 0
        if j < len(read) and read[j][0] is src and read[j][1] == k and src.is_variable:
            v = read[j][2]
        out.append(v)
    return out


def to_json(heads, order=None, indent=0, top=True):
    """The MXNet 1.9 ``tojson()`` text of the graph with these head entries. Subgraphs of
    fused nodes (``_sg_*``) are written nested, as MXNet does (no version attrs inside)."""
    order = order or topo_order(heads)
    index = {id(n): i for i, n in enumerate(order)}
    node_texts = []
    row_ptr = [0]
    arg_nodes = []
    b = ' ' * indent
    for i, node in enumerate(order):
        parts = [b + '      "op": %s' % _q(node.op), b + '      "name": %s' % _q(node.name)]
        if node.attrs:
            parts.append(b + '      "attrs": %s' % _attrs_text(node.attrs, indent + 6))
        ents = [(index[id(src)], k, v) for (src, k), v in zip(node.inputs, _versions(node))]
        parts.append(b + '      "inputs": %s' % _entries(ents, indent + 6))
        subs = getattr(node, 'subgraphs', None)
        if subs:
            texts = [b + '        ' + to_json(sub, None, indent + 8, False) for sub in subs]
            parts.append(b + '      "subgraphs": [\n' + ', \n'.join(texts) + '\n' + b +
                         '      ]')
        node_texts.append(b + '    {\n' + ', \n'.join(parts) + '\n' + b + '    }')
        row_ptr.append(row_ptr[-1] + node.num_outputs())
        if node.is_variable:
            arg_nodes.append(i)
    heads_e = [(index[id(n)], k, 0) for n, k in heads]
    text = ('{\n' + b + '  "nodes": [\n' + ', \n'.join(node_texts) + '\n' + b + '  ], \n' +
            b + '  "arg_nodes": %s, \n' % _ints(arg_nodes, indent + 2) +
            b + '  "node_row_ptr": %s, \n' % _ints(row_ptr, indent + 2) +
            b + '  "heads": %s' % _entries(heads_e, indent + 2))
    if top:
        text += ', \n' + b + '  "attrs": {"mxnet_version": ["int", %d]}' % MXNET_VERSION
    return text + '\n' + b + '}'


# -- reading ------------------------------------------------------------------------------------
def _version(doc):
    attrs = doc.get('attrs') or {}
    v = attrs.get('mxnet_version') if isinstance(attrs, dict) else None
    if isinstance(v, list) and len(v) == 2:
        try:
            return int(v[1])
        except (TypeError, ValueError, OverflowError):
            pass
    return 800


def _hidden_split(attrs):
    """Split plain hidden keys (``lr_mult``, ``fc1_weight_lr_mult``) out of an attr dict."""
    keep, hidden = {}, []
    for k, v in attrs.items():
        matched = False
        for hk in HIDDEN_KEYS:
            if k == hk or (k.endswith('_' + hk) and not is_hidden(k)):
                hidden.append((k, hk, v))
                matched = True
                break
        if not matched:
            keep[k] = v
    return keep, hidden


def _canonical_op(op):
    """The op's own name for an alias MXNet 1.9.1 declares (old files say ``_Minus``/``_sub``
    where 1.9.1 reads and writes ``elemwise_sub``); any other name as it is."""
    od = registry.get(op)
    if od is None or od.name == op:
        return op
    sig = registry.signatures().get(od.name)
    return od.name if sig and op in sig.get('aliases', ()) else op


def from_json(text, source='symbol JSON'):
    """Head entries of the graph in an MXNet symbol JSON text (any 1.x version). ``text`` may be
    bytes (a file's content), which must be UTF-8. Any malformed document -- bad encoding, too
    deep, wrong types or indices -- raises MXNetError naming ``source``."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode('utf-8')
        except UnicodeDecodeError as e:
            raise MXNetError('%s is not UTF-8 text (byte %d): not an MXNet symbol file'
                             % (source, e.start)) from None
    try:
        doc = json.loads(text)
    except (ValueError, TypeError, RecursionError) as e:
        raise MXNetError('%s is not valid JSON: %s' % (source, e)) from None
    try:
        return _from_doc(doc, source)
    except RecursionError:
        raise MXNetError('%s: graph nested too deeply' % source) from None


def _index(v, limit, what, source):
    """A JSON integer in ``[0, limit)``: node indices and output indices of graph entries."""
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < limit:
        raise MXNetError('%s: %s %r is not an integer in [0, %d)' % (source, what, v, limit))
    return v


def _entry(e, n_nodes, what, source):
    """(node index, output index, version or None) of a ``[node, output(, version)]`` entry."""
    if not isinstance(e, list) or not 2 <= len(e) <= 3:
        raise MXNetError('%s: %s %r is not a [node, output, version] list' % (source, what, e))
    node = _index(e[0], n_nodes, what + ' node index', source)
    out = _index(e[1], 1 << 16, what + ' output index', source)
    ver = e[2] if len(e) > 2 else None
    if ver is not None and (isinstance(ver, bool) or not isinstance(ver, int)):
        raise MXNetError('%s: %s %r has a non-integer version' % (source, what, e))
    return node, out, ver


def _text(v, what, source):
    if not isinstance(v, str):
        raise MXNetError('%s: %s %r is not a string' % (source, what, v))
    return v


def _from_doc(doc, source, subgraph=False):
    if not isinstance(doc, dict) or not isinstance(doc.get('nodes'), list):
        raise MXNetError('%s is not an MXNet symbol file (no "nodes" list)' % source)
    if not isinstance(doc.get('attrs', {}), (dict, type(None))):
        raise MXNetError('%s: "attrs" is not an object' % source)
    version = _version(doc)
    jnodes = doc['nodes']
    nodes = []
    for i, jn in enumerate(jnodes):
        if not isinstance(jn, dict) or 'op' not in jn or 'name' not in jn:
            raise MXNetError('%s: node %d is malformed (needs "op" and "name")' % (source, i))
        op = _text(jn['op'], 'node %d op' % i, source)
        name = _text(jn['name'], 'node %d name' % i, source)
        attrs = {}
        for key in ('param', 'attr', 'attrs'):
            if isinstance(jn.get(key), dict):
                attrs.update({str(k): str(v) for k, v in jn[key].items()})
        node = Node(_canonical_op(op), name, attrs)
        subs = jn.get('subgraphs')
        if subs is not None and not isinstance(subs, list):
            raise MXNetError('%s: node %r has "subgraphs" that is not a list' % (source, name))
        if subs:
            node.subgraphs = [_from_doc(sub, source, True) for sub in subs]
        nodes.append(node)
    for i, jn in enumerate(jnodes):
        entries = jn.get('inputs', [])
        if not isinstance(entries, list):
            raise MXNetError('%s: node %r has "inputs" that is not a list' % (source, jn['name']))
        ins, read = [], []
        for e in entries:
            src, k, ver = _entry(e, len(nodes), 'node %r input entry' % jn['name'], source)
            if src >= i:
                raise MXNetError('%s: node %r takes input from a later node %d (not a DAG)'
                                 % (source, jn['name'], src))
            ins.append((nodes[src], k))
            read.append((nodes[src], k, ver or 0))   # 0.8: no version
        nodes[i].inputs = ins
        if read:
            _READ_VERSIONS[nodes[i]] = read
    heads = doc.get('heads')
    if heads is not None and not isinstance(heads, list):
        raise MXNetError('%s: "heads" is not a list' % source)
    if not heads:
        if not nodes:
            raise MXNetError('%s has no nodes' % source)
        heads = [[len(nodes) - 1, 0, 0]]
    head_entries = []
    for h in heads:
        j, k, _ = _entry(h, len(nodes), 'head entry', source)
        head_entries.append((nodes[j], k))
    if not subgraph:
        head_entries = _inline_fused(head_entries, source)
        _upgrade(head_entries, version)
        try:
            check_ops(topo_order(head_entries))
        except MXNetError as e:
            raise MXNetError('%s: %s' % (source, e)) from None
    return head_entries


# oneDNN fusions MXNet writes after get_backend_symbol('MKLDNN') / optimize_for: each node keeps
# the float subgraph it replaced, which is its meaning.
_FUSED = ('_sg_mkldnn_conv', '_sg_mkldnn_fully_connected')


def _inline_fused(heads, source):
    """Replace every fused oneDNN node by the subgraph it carries, wired to the node's inputs
    (subgraph variables in DFS order = node inputs, subgraph heads = node outputs). Quantized
    (int8) fusions are refused by name."""
    order = topo_order(heads)
    if not any(n.op in _FUSED for n in order):
        return heads
    repl = {}                                    # (id(node), k) -> replacement entry

    def fix(entry):
        return repl.get((id(entry[0]), entry[1]), entry)

    for node in order:
        node.inputs = [fix(e) for e in node.inputs]
        if node.op not in _FUSED:
            continue
        if str(node.attrs.get('quantized', '')).lower() in ('true', '1'):
            raise MXNetError('%s: node %r (%s) is a quantized (int8) oneDNN fusion, which tfmod '
                             'does not run; load the float model instead'
                             % (source, node.name, node.op))
        if not node.subgraphs:
            raise MXNetError('%s: node %r (%s) has no subgraph to run' % (source, node.name,
                                                                         node.op))
        sub_heads = node.subgraphs[0]
        sub_order = topo_order(sub_heads)
        sub_vars = [n for n in sub_order if n.is_variable]
        if len(sub_vars) != len(node.inputs):
            raise MXNetError('%s: node %r (%s) has %d inputs but its subgraph %d variables'
                             % (source, node.name, node.op, len(node.inputs), len(sub_vars)))
        for v, e in zip(sub_vars, node.inputs):
            repl[(id(v), 0)] = e
        for inner in sub_order:
            if not inner.is_variable:
                inner.inputs = [fix(e) for e in inner.inputs]
        for k, h in enumerate(sub_heads):
            repl[(id(node), k)] = fix(h)
    return [fix(h) for h in heads]


def _upgrade(heads, version):
    order = topo_order(heads)
    for node in order:
        attrs, hidden = _hidden_split(node.attrs)
        if not hidden:
            continue
        node.attrs = attrs
        node._params = None
        for key, hk, value in hidden:
            if key == hk:
                node.attrs['__%s__' % hk] = value
                continue
            if node.is_variable or registry.get(node.op) is None:
                node.attrs[key] = value
                continue
            arg = key[:-(len(hk) + 1)]
            names = node.input_names()
            if arg in names and names.index(arg) < len(node.inputs) and \
                    node.inputs[names.index(arg)][0].is_variable:
                node.inputs[names.index(arg)][0].attrs['__%s__' % hk] = value
            else:
                node.attrs[key] = value
    for node in order:
        if node.is_variable or registry.get(node.op) is None:
            continue
        if version < 905 and node.op in ('argmax', 'argmin') and node.attrs.get('axis') == '-1':
            del node.attrs['axis']
            node._params = None
        if version < 900:
            names = node.input_names()
            for j in range(len(node.inputs), len(names)):
                var = Node('null', '%s_%s' % (node.name, names[j]) if node.name else names[j],
                           dict(node.attrs))
                node.inputs.append((var, 0))
                if node in _READ_VERSIONS:  # MXNet's upgrade gives these entries version 0
                    _READ_VERSIONS[node].append((var, 0, 0))
        if version < 904 and node.opdef.input_var_attrs is not None:
            for j, (src, _) in enumerate(node.inputs):
                if src.is_variable and '__init__' not in src.attrs:
                    src.attrs.update(node.opdef.input_var_attrs(node.params, j))
