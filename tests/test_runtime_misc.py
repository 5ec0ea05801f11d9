"""mx.runtime, mx.log, mx.engine and mx.library against MXNet 1.9.1
(tests/fixtures/ns_util/oracle.json, recorded by tools/record_ns_util.py)."""
import collections
import json
import logging
import os
import re
import threading
import warnings

import pytest
import tensorflow as tf

import tfmod as mx

from conftest import FIXTURES
from support.ns_util_programs import outcome

with open(os.path.join(FIXTURES, 'ns_util', 'oracle.json')) as _f:
    ORACLE = json.load(_f)


@pytest.mark.parametrize('ns', ['runtime', 'log', 'engine', 'library'])
def test_public_names_match_mxnet(ns):
    mod = getattr(mx, ns)
    for name, kind in ORACLE['public_api'][ns].items():
        obj = getattr(mod, name)
        assert kind != 'int' or isinstance(obj, int), name
        assert kind == 'int' or callable(obj), name


# ---- runtime ----------------------------------------------------------------------------------

def test_features_names_order_and_errors():
    R = ORACLE['runtime']
    f = mx.runtime.Features()
    assert list(f.keys()) == R['names']
    assert (f is mx.runtime.Features()) == R['singleton']
    assert isinstance(f, collections.OrderedDict) == R['is_ordered_dict']
    assert outcome(f.is_enabled, 'nope') == R['unknown']
    assert outcome(f.is_enabled, 'cuda')[0] == R['lower_case_ok']
    assert type(mx.runtime.feature_list()).__name__ == R['feature_list_type']
    assert [x.name for x in mx.runtime.feature_list()] == R['names']
    for feat in f.values():
        mark = R['repr_on'] if feat.enabled else R['repr_off']
        assert repr(feat) == '%s %s' % (mark, feat.name)
    assert str(f) == str(list(f.values()))


def test_features_tell_the_truth_about_this_tensorflow():
    f = mx.runtime.Features()
    gpus = tf.config.list_physical_devices('GPU')
    assert f.is_enabled('CUDA') == (tf.test.is_built_with_cuda() and bool(gpus))
    assert not f.is_enabled('DIST_KVSTORE')
    assert not f.is_enabled('TVM_OP')
    assert f.is_enabled('INT64_TENSOR_SIZE')
    if os.path.exists('/proc/cpuinfo'):
        with open('/proc/cpuinfo') as fh:
            flags = next(line for line in fh if line.startswith('flags')).split()
        assert f.is_enabled('CPU_AVX') == ('avx' in flags)
        assert f.is_enabled('CPU_SSE2') == ('sse2' in flags)


# ---- log ----------------------------------------------------------------------------------------

def test_log_levels_and_format():
    L = ORACLE['log']
    for name, value in L['levels'].items():
        assert getattr(mx.log, name) == value
    logger = mx.log.get_logger('tfmod_nsu_logger')
    handler = logger.handlers[0]
    assert type(handler).__name__ == L['handler']
    assert logger.level == L['level']
    for lvl, expected in L['format'].items():
        rec = logging.LogRecord('tfmod_nsu_logger', int(lvl), '/x/script.py', 12, 'hello %s',
                                ('world',), None, func='main')
        line = re.sub(r'\d{4} \d\d:\d\d:\d\d \d+ ', '{time} {pid} ',
                      handler.formatter.format(rec))
        assert line == expected
    mx.log.get_logger('tfmod_nsu_logger', level=logging.DEBUG)
    assert len(logger.handlers) == L['handlers_after_second_call']
    assert logger.level == L['level_after_second_call']


def test_log_root_getlogger_and_file(tmp_path):
    L = ORACLE['log']
    root = logging.getLogger()
    n_root = len(root.handlers)
    assert (mx.log.get_logger() is root) == L['root_is_root']
    assert len(root.handlers) - n_root == L['root_handlers_added']
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        mx.log.getLogger('tfmod_nsu_logger2')
    assert [w[0].category.__name__, str(w[0].message)] == L['getLogger_warning']
    path = str(tmp_path / 'log.txt')
    fl = mx.log.get_logger('tfmod_nsu_file', filename=path, level=logging.INFO)
    fl.info('first %d', 1)
    fl.debug('hidden')
    fl.handlers[0].close()
    with open(path) as fh:
        assert fh.read() == L['file_contents']
    assert fl.handlers[0].mode == L['file_mode']


# ---- engine -------------------------------------------------------------------------------------

def test_engine_bulk_size_is_remembered_per_thread():
    e = mx.engine
    seq = [e.set_bulk_size(5), e.set_bulk_size(7)]
    out = []
    t = threading.Thread(target=lambda: out.append(e.set_bulk_size(1)))
    t.start()
    t.join()
    seq += out
    with e.bulk(10) as scope:
        seq.append(e.set_bulk_size(10))
        seq.append(type(scope).__name__)
    seq.append(e.set_bulk_size(0))
    assert seq == ORACLE['engine']['seq']


# ---- library ------------------------------------------------------------------------------------

def test_library_load_checks_paths_as_mxnet(tmp_path, monkeypatch):
    L = ORACLE['library']
    txt = str(tmp_path / 'notalib.txt')
    open(txt, 'w').close()
    missing = str(tmp_path / 'missing.so')
    got = {'missing': outcome(mx.library.load, missing),
           'not_library': outcome(mx.library.load, txt)}
    monkeypatch.chdir(tmp_path)
    got['relative'] = outcome(mx.library.load, 'notalib.txt')
    for key, val in got.items():
        val[2] = val[2].replace(missing, '{path}').replace(txt, '{path}') \
            .replace('notalib.txt', '{path}')
        assert val == L[key], key


def test_library_load_refuses_extension_libraries(tmp_path):
    lib = tmp_path / 'libmyops.so'
    lib.write_bytes(b'\x7fELF')
    with pytest.raises(mx.base.MXNetError, match='cannot be loaded into tfmod'):
        mx.library.load(str(lib))
