"""Record MXNet 1.9.1's operator signatures (attribute names, type strings, aliases).

Run with the oracle's python (``PY=$(../shared/oracle/setup.sh)``):

    $PY tools/record_op_signatures.py converters/signatures.json

The output is data about MXNet's public interface -- which attributes each operator takes, their
declared types and defaults, which names are aliases of one another -- so that tfmod's attribute
schemas are the real ones, not remembered ones. Backward (``_backward_*``) ops are left out.
``open_attrs`` records, for each op, whether MXNet keeps and ignores attributes it does not declare
(true of most ops without a parameter struct: Gluon writes ``zeros_like`` with a ``dtype``) rather
than refusing them, probed by loading a one-node graph carrying an undeclared attribute.
``fluent`` lists the op's names (canonical or alias) that MXNet's ``NDArray`` or ``Symbol`` has as
a plain fluent method -- one whose body is just ``return op.<name>(self, *args, **kwargs)`` --
read from the classes' source.
"""
import ctypes
import inspect
import json
import re
import sys

import mxnet as mx
from mxnet.base import _LIB, check_call, mx_uint, py_str


def op_names():
    size = mx_uint()
    plist = ctypes.POINTER(ctypes.c_char_p)()
    check_call(_LIB.MXListAllOpNames(ctypes.byref(size), ctypes.byref(plist)))
    return sorted(py_str(plist[i]) for i in range(size.value))


def op_info(name):
    handle = ctypes.c_void_p()
    check_call(_LIB.NNGetOpHandle(mx.base.c_str(name), ctypes.byref(handle)))
    real_name = ctypes.c_char_p()
    desc = ctypes.c_char_p()
    num_args = mx_uint()
    arg_names = ctypes.POINTER(ctypes.c_char_p)()
    arg_types = ctypes.POINTER(ctypes.c_char_p)()
    arg_descs = ctypes.POINTER(ctypes.c_char_p)()
    key_var_num_args = ctypes.c_char_p()
    ret_type = ctypes.c_char_p()
    check_call(_LIB.MXSymbolGetAtomicSymbolInfo(
        handle, ctypes.byref(real_name), ctypes.byref(desc), ctypes.byref(num_args),
        ctypes.byref(arg_names), ctypes.byref(arg_types), ctypes.byref(arg_descs),
        ctypes.byref(key_var_num_args), ctypes.byref(ret_type)))
    n = num_args.value
    args = [[py_str(arg_names[i]), py_str(arg_types[i])] for i in range(n)]
    return handle.value, py_str(real_name.value), args, py_str(key_var_num_args.value or b'')


def accepts_unknown_attrs(name, inputs):
    """Whether MXNet loads a node of ``name`` that carries an attribute it does not declare."""
    nodes = [{'op': 'null', 'name': 'in%d' % i, 'inputs': []} for i in range(len(inputs))]
    nodes.append({'op': name, 'name': 'probe', 'attrs': {'tfmod_probe': '1'},
                  'inputs': [[i, 0, 0] for i in range(len(inputs))]})
    graph = {'nodes': nodes, 'arg_nodes': list(range(len(inputs))),
             'heads': [[len(inputs), 0, 0]], 'attrs': {'mxnet_version': ['int', 10901]}}
    try:
        mx.sym.load_json(json.dumps(graph))
    except mx.base.MXNetError:
        return False
    return True


def fluent_methods():
    """Names of the plain fluent methods of MXNet's NDArray and Symbol."""
    names = set()
    for cls in (mx.nd.NDArray, mx.sym.Symbol):
        for name, fn in vars(cls).items():
            if name.startswith('_') or not inspect.isfunction(fn):
                continue
            m = re.search(r'return op\.(\w+)\(self, \*args, \*\*kwargs\)$',
                          inspect.getsource(fn).strip())
            if m and m.group(1) == name:
                names.add(name)
    return names


def main(out):
    by_handle = {}
    infos = {}
    for name in op_names():
        if name.startswith('_backward'):
            continue
        handle, real, args, kvna = op_info(name)
        infos[name] = (handle, real, args, kvna)
        by_handle.setdefault(handle, []).append(name)
    ops = {}
    fluent = fluent_methods()
    for name, (handle, real, args, kvna) in infos.items():
        if name != real:
            continue
        inputs = [a for a, t in args if t.startswith('NDArray') or t.startswith('Symbol')]
        params = [[a, t] for a, t in args if not (t.startswith('NDArray') or t.startswith('Symbol'))]
        ops[name] = {
            'aliases': sorted(n for n in by_handle[handle] if n != name),
            'inputs': inputs,
            # MXNet's generated function takes ``*data`` when an input is an array list
            'variadic': any(t.startswith(('NDArray', 'Symbol')) and t.endswith('[]')
                            for a, t in args),
            'params': params,
            'key_var_num_args': kvna,
            'open_attrs': not params and not any(t.endswith('[]') for a, t in args)
                          and accepts_unknown_attrs(name, inputs),
        }
        names = sorted(n for n in by_handle[handle] if n in fluent)
        if names:
            ops[name]['fluent'] = names
    doc = {'mxnet_version': mx.__version__, 'ops': ops}
    with open(out, 'w') as f:
        json.dump(doc, f, indent=0, sort_keys=True)
        f.write('\n')
    print('%d ops, %d names' % (len(ops), sum(1 + len(o['aliases']) for o in ops.values())))


if __name__ == '__main__':
    main(sys.argv[1])
