"""Record MXNet 1.9.1's behaviour of its small helper namespaces -- mx.util, mx.runtime, mx.log,
mx.engine, mx.library -- into tests/fixtures/ns_util/oracle.json for tests/test_util.py and
tests/test_runtime_misc.py.

Run with the oracle's python (MXNet 1.9.1):
    /tmp/mxnet-oracle/bin/python tools/record_ns_util.py
Paths in messages are stored as ``{path}`` so the tests can fill in their own.
"""
import inspect
import io
import json
import logging
import os
import re
import sys
import tempfile
import threading
import warnings

import mxnet as mx

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures',
                   'ns_util', 'oracle.json')


def outcome(fn, *args, **kwargs):
    """['ok', value] or ['raise', exception type name, message]."""
    try:
        return ['ok', fn(*args, **kwargs)]
    except Exception as e:  # noqa: BLE001 -- recording whatever MXNet raises
        return ['raise', type(e).__name__, str(e)]


def public_api(mod):
    """The public names a namespace defines itself (not what it imports), with their kind."""
    api = {}
    for name in dir(mod):
        if name.startswith('_'):
            continue
        obj = getattr(mod, name)
        if inspect.ismodule(obj):
            continue
        if callable(obj) and getattr(obj, '__module__', None) != mod.__name__:
            continue
        api[name] = 'class' if inspect.isclass(obj) else 'function' if callable(obj) else \
            type(obj).__name__
    return api


def in_thread(fn):
    out = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join()
    return out[0]


def record_util():
    u = mx.util
    r = {}
    r['set_np_shape_seq'] = [u.set_np_shape(True), u.set_np_shape(True), u.is_np_shape(),
                             in_thread(u.is_np_shape), u.set_np_shape(False), u.is_np_shape()]
    seq = []
    with u.np_shape(True):
        seq.append(u.is_np_shape())
        with u.np_shape(False):
            seq.append(u.is_np_shape())
            with u.np_shape(None):
                seq.append(u.is_np_shape())
        seq.append(u.is_np_shape())
    seq.append(u.is_np_shape())
    r['np_shape_scopes'] = seq

    @u.use_np_shape
    def f_shape(a, b=2):
        """doc of f_shape"""
        return [u.is_np_shape(), u.is_np_array(), a + b]
    r['use_np_shape_func'] = [f_shape(1), f_shape.__name__, f_shape.__doc__, u.is_np_shape()]

    @u.use_np
    class C:
        def __init__(self):
            self.seen_init = [u.is_np_shape(), u.is_np_array()]

        def method(self):
            return [u.is_np_shape(), u.is_np_array()]

        @staticmethod
        def static():
            return [u.is_np_shape(), u.is_np_array()]

        @property
        def prop(self):
            return [u.is_np_shape(), u.is_np_array()]
    c = C()
    r['use_np_class'] = [c.seen_init, c.method(), C.static(), c.prop,
                         [u.is_np_shape(), u.is_np_array()]]
    r['use_np_shape_bad'] = outcome(u.use_np_shape, 3)
    r['use_np_array_bad'] = outcome(u.use_np_array, 'x')
    r['use_np_bad'] = outcome(u.use_np, None)

    seq = []
    with u.np_array(True):
        seq.append(u.is_np_array())
        with u.np_array(False):
            seq.append(u.is_np_array())
        seq.append(u.is_np_array())
        seq.append(in_thread(u.is_np_array))
    seq.append(u.is_np_array())
    r['np_array_scopes'] = seq

    r['set_np_shape_false_array'] = outcome(u.set_np, shape=False, array=True)
    u.set_np()
    r['after_set_np'] = [u.is_np_shape(), u.is_np_array()]
    r['deactivate_shape_with_array'] = outcome(u.set_np_shape, False)
    u.reset_np()
    r['after_reset_np'] = [u.is_np_shape(), u.is_np_array()]
    u.set_np(array=False)
    r['after_set_np_array_false'] = [u.is_np_shape(), u.is_np_array()]
    u.reset_np()

    cases = [('where', False), ('where', None), ('casting', 'no'), ('casting', 'unsafe'),
             ('casting', 'bogus'), ('order', 'C'), ('order', 1), ('dtype', 'float32'),
             ('dtype', 'int16'), ('dtype', 'float64'), ('dtype', 'bool'), ('dtype', None),
             ('subok', False), ('subok', 1), ('out', None), ('axis', 0)]
    r['ufunc_legal'] = [[k, v, u.np_ufunc_legal_option(k, v)] for k, v in cases]
    import numpy as np
    r['ufunc_legal_np_dtypes'] = [u.np_ufunc_legal_option('dtype', d) for d in
                                  (np.float32, np.int8, np.int16, np.bool_)]

    def neg(x, out=None):
        return ['neg', x, out]

    def add(x1, x2, out=None):
        return ['add', x1, x2, out]
    wu, wb = u.wrap_np_unary_func(neg), u.wrap_np_binary_func(add)
    kw_cases = [{}, {'casting': 'same_kind', 'where': True, 'order': 'K', 'dtype': None,
                     'subok': True}, {'casting': 'unsafe'}, {'casting': 'bogus'},
                {'dtype': 'float32'}, {'dtype': 'int16'}, {'order': 'C'}, {'axis': 1},
                {'subok': False}, {'where': False}]
    r['wrap_unary'] = [[kw, outcome(wu, 5, **kw)] for kw in kw_cases]
    r['wrap_binary'] = [[kw, outcome(wb, 1, 2, **kw)] for kw in kw_cases]
    r['wrap_names'] = [wu.__name__, wb.__name__]
    r['wrap_out'] = [wu(1, out=3), wb(1, 2, out=4)]

    def g():
        pass
    r['set_module'] = [u.set_module('mxnet.numpy')(g).__module__,
                       u.set_module(None)(g).__module__]

    u.setenv('TFMOD_NSU_VAR', 'abc')
    r['env'] = [u.getenv('TFMOD_NSU_VAR')]
    u.setenv('TFMOD_NSU_VAR', None)
    r['env'].append(u.getenv('TFMOD_NSU_VAR'))
    r['env'].append(u.getenv('TFMOD_NSU_NEVER_SET'))
    r['cuda_cc_cpu'] = outcome(u.get_cuda_compute_capability, mx.cpu())
    return r


def record_runtime():
    f = mx.runtime.Features()
    return {
        'names': list(f.keys()),
        'singleton': f is mx.runtime.Features(),
        'is_ordered_dict': isinstance(f, __import__('collections').OrderedDict),
        'unknown': outcome(f.is_enabled, 'nope'),
        'repr_on': repr([x for x in f.values() if x.enabled][0]).split(' ')[0],
        'repr_off': repr([x for x in f.values() if not x.enabled][0]).split(' ')[0],
        'feature_list_type': type(mx.runtime.feature_list()).__name__,
        'lower_case_ok': outcome(f.is_enabled, 'cuda')[0],
    }


def record_log():
    L = mx.log
    r = {'levels': {n: getattr(L, n) for n in
                    ('CRITICAL', 'ERROR', 'WARNING', 'INFO', 'DEBUG', 'NOTSET')}}
    logger = L.get_logger('tfmod_nsu_logger')
    handler = logger.handlers[0]
    r['handler'] = type(handler).__name__
    r['level'] = logger.level
    lines = {}
    for lvl in (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL, 25):
        rec = logging.LogRecord('tfmod_nsu_logger', lvl, '/x/script.py', 12, 'hello %s',
                                ('world',), None, func='main')
        lines[str(lvl)] = handler.formatter.format(rec)
    # Time and process id vary: store them as placeholders.
    r['format'] = {k: re.sub(r'\d{4} \d\d:\d\d:\d\d \d+ ', '{time} {pid} ', v)
                   for k, v in lines.items()}
    L.get_logger('tfmod_nsu_logger', level=logging.DEBUG)
    r['handlers_after_second_call'] = len(logger.handlers)
    r['level_after_second_call'] = logger.level
    root = logging.getLogger()
    n_root = len(root.handlers)
    r['root_is_root'] = L.get_logger() is root
    r['root_handlers_added'] = len(root.handlers) - n_root
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        L.getLogger('tfmod_nsu_logger2')
    r['getLogger_warning'] = [w[0].category.__name__, str(w[0].message)]
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'log.txt')
        fl = L.get_logger('tfmod_nsu_file', filename=path, level=logging.INFO)
        fl.info('first %d', 1)
        fl.debug('hidden')
        fl.handlers[0].close()
        with open(path) as fh:
            r['file_contents'] = fh.read()
        r['file_mode'] = fl.handlers[0].mode
    return r


def record_engine():
    e = mx.engine
    seq = [e.set_bulk_size(5), e.set_bulk_size(7), in_thread(lambda: e.set_bulk_size(1))]
    with e.bulk(10) as scope:
        seq.append(e.set_bulk_size(10))
        seq.append(type(scope).__name__)
    seq.append(e.set_bulk_size(0))
    return {'seq': seq}


def record_library():
    r = {}
    with tempfile.TemporaryDirectory() as d:
        txt = os.path.join(d, 'notalib.txt')
        open(txt, 'w').close()
        missing = os.path.join(d, 'missing.so')
        r['missing'] = outcome(mx.library.load, missing)
        r['not_library'] = outcome(mx.library.load, txt)
        cwd = os.getcwd()
        os.chdir(d)
        try:
            r['relative'] = outcome(mx.library.load, 'notalib.txt')
        finally:
            os.chdir(cwd)
        for key, val in r.items():
            val[2] = val[2].replace(missing, '{path}').replace(txt, '{path}') \
                .replace('notalib.txt', '{path}')
    return r


def main():
    import mxnet.runtime, mxnet.log, mxnet.engine, mxnet.library  # noqa: F401,E401
    namespaces = {n: public_api(getattr(mx, n)) for n in
                  ('util', 'runtime', 'log', 'engine', 'library')}
    top_from_util = sorted(n for n in dir(mx) if not n.startswith('_')
                           and getattr(getattr(mx, n), '__module__', None) == 'mxnet.util')
    data = {'mxnet_version': mx.__version__, 'public_api': namespaces,
            'top_level_from_util': top_from_util,
            'util': record_util(), 'runtime': record_runtime(), 'log': record_log(),
            'engine': record_engine(), 'library': record_library()}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write('\n')
    print('wrote', os.path.relpath(OUT))


if __name__ == '__main__':
    main()
