"""Record MXNet 1.9.1's behaviour of its small helper namespaces -- mx.util, mx.runtime, mx.log,
mx.engine, mx.library -- into tests/fixtures/ns_util/oracle.json for tests/test_util.py and
tests/test_runtime_misc.py.

Run with the oracle's python (MXNet 1.9.1):
    /tmp/mxnet-oracle/bin/python tools/record_ns_util.py
Paths in messages are stored as ``{path}`` so the tests can fill in their own.
"""
import inspect
import json
import logging
import os
import re
import sys
import tempfile
import warnings

import mxnet as mx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests'))
from support.ns_util_programs import UTIL_PROGRAMS, in_thread, outcome  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures',
                   'ns_util', 'oracle.json')


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


def record_util():
    r = {}
    for program in UTIL_PROGRAMS:
        r.update(program(mx))
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
