"""mx.profiler against MXNet 1.9.1 (tests/fixtures/profiler/behaviour.json, recorded by
tools/record_profiler.py): set_config's arguments and messages, the states and their errors,
the chrome-trace file dump() writes (its structure and the records of the user's objects and
of tfmod's compiled calls), dumps()'s table and JSON layout, and TensorFlow's profile beside
it. Timings differ from run to run, so the tests check formats and records, never times."""
import glob
import json
import os
import re
import warnings

import numpy as np
import pytest

from support import profiler_programs as PP
import tfmod as mx
from tfmod.profiler import recorder

with open(os.path.join(os.path.dirname(__file__), 'fixtures', 'profiler',
                       'behaviour.json')) as _f:
    MX = json.load(_f)

P = mx.profiler


@pytest.fixture(autouse=True)
def fresh_profiler(tmp_path, monkeypatch):
    """Each test gets a stopped, default-configured profiler writing into tmp_path."""
    monkeypatch.chdir(tmp_path)
    recorder.PROFILER.stop()
    recorder.PROFILER.__init__()
    yield
    recorder.PROFILER.stop()
    recorder.PROFILER.__init__()


def _message(outcome):
    return outcome['message'].replace('MXNetError: ', '', 1)


def _squash(text):
    return ' '.join(text.split())


# -- set_config ---------------------------------------------------------------------------------
@pytest.mark.parametrize('case,kwargs', [
    ('unknown_argument', dict(foo=1)),
    ('bad_boolean', dict(profile_all='maybe')),
    ('bad_float', dict(dump_period='abc')),
    ('bad_process', dict(profile_process='x')),
])
def test_set_config_rejects_as_mxnet(case, kwargs):
    with pytest.raises(mx.base.MXNetError) as err:
        P.set_config(**kwargs)
    assert str(err.value) == _message(MX['config'][case])


def test_set_config_accepts_mxnets_arguments_and_spellings():
    assert MX['config']['every_argument'] == {'value': None}
    P.set_config(filename='every.json', profile_all=True, profile_symbolic=True,
                 profile_imperative=True, profile_memory=True, profile_api=True,
                 continuous_dump=False, dump_period=1.0, aggregate_stats=True,
                 profile_process='worker')
    for spelling, accepted in MX['config']['boolean_spellings'].items():
        value = eval(spelling)  # noqa: S307 -- the fixture's repr() of True, '1', 'yes', ...
        if accepted:
            P.set_config(profile_all=value)
        else:
            with pytest.raises(mx.base.MXNetError, match='expect boolean'):
                P.set_config(profile_all=value)


def test_deprecated_set_config_and_state():
    with pytest.warns(UserWarning, match='deprecated'):
        P.profiler_set_config(mode='all', filename='old.json')
    assert recorder.PROFILER.config['profile_all'] is True
    assert recorder.PROFILER.config['filename'] == 'old.json'
    with pytest.warns(UserWarning, match='deprecated'):
        with pytest.raises(mx.base.MXNetError) as err:
            P.profiler_set_config(mode='foo')
    assert str(err.value) == _message(MX['config']['old_set_config_bad_mode'])
    with pytest.warns(UserWarning, match='deprecated'):
        P.profiler_set_state('stop')


# -- states and bad input -----------------------------------------------------------------------
def test_bad_state_and_process_are_key_errors_as_in_mxnet():
    for call, case in ((lambda: P.set_state('go'), 'bad_state'),
                       (lambda: P.set_state('run', profile_process='x'), 'bad_process')):
        assert MX['states'][case]['error'] == 'KeyError'
        with pytest.raises(KeyError) as err:
            call()
        assert isinstance(err.value, mx.base.MXNetError)
        assert repr(str(err.value)) == MX['states'][case]['message']
    with pytest.raises(mx.base.MXNetError, match='server'):
        P.set_state('run', profile_process='server')
    assert not recorder.PROFILER.running


@pytest.mark.parametrize('case,kwargs', [
    ('dumps_bad_format', dict(format='xml')),
    ('dumps_bad_sort_by', dict(sort_by='foo')),
    ('dumps_bad_reset', dict(reset=2)),
    ('dumps_bad_ascending', dict(ascending='x')),
])
def test_dumps_bad_arguments_assert_as_in_mxnet(case, kwargs):
    assert MX['states'][case]['error'] == 'AssertionError'
    with pytest.raises(AssertionError) as err:
        P.dumps(**kwargs)
    assert isinstance(err.value, mx.base.MXNetError)
    assert _squash(str(err.value)) == _squash(MX['states'][case]['message'])


def test_objects_bad_input_and_names():
    d = P.Domain('d')
    with pytest.raises(mx.base.MXNetError) as err:
        P.Marker(d, 'm').mark('foo')
    assert str(err.value) == _message(MX['states']['marker_bad_scope'])
    assert MX['states']['counter_bad_value']['error'] == 'ValueError'
    with pytest.raises(ValueError):
        P.Counter(d, 'c', 'abc')
    assert str(d) == MX['states']['str_domain']['value']
    assert str(P.Task(d, 'tt')) == MX['states']['str_task']['value']
    assert str(d.new_frame('ff')) == MX['states']['str_frame']['value']
    assert str(P.Event('ee')) == MX['states']['str_event']['value']
    assert str(d.new_counter('cc')) == MX['states']['str_counter']['value']


def test_public_api_is_mxnets():
    api = {'Counter', 'Domain', 'Event', 'Frame', 'Marker', 'Task', 'dump', 'dump_profile',
           'dumps', 'pause', 'profiler_set_config', 'profiler_set_state', 'resume',
           'set_config', 'set_state'}
    assert api <= set(MX['states']['public_names'])
    assert all(callable(getattr(P, name)) for name in api)
    # MXNet 1.9.1 has no profiler.scope (it came with 2.0): neither has tfmod
    assert hasattr(P, 'scope') == MX['states']['has_scope']


def test_dump_needs_a_run_and_finishes_it():
    want = _message(MX['trace']['dump_before_run']).split('Check failed: ')[-1].split(': ', 1)[1]
    with pytest.raises(mx.base.MXNetError) as err:
        P.dump()
    assert str(err.value) == want
    P.set_state('run')
    P.dump()                                   # finished=True: the run's output ends here
    assert not recorder.PROFILER.running
    assert MX['trace']['dump_twice']['error'] == 'MXNetError'
    with pytest.raises(mx.base.MXNetError, match="hasn't been run"):
        P.dump()


def test_hook_is_free_when_off():
    """tfmod's executors call span() on every compiled call: off, it is one shared no-op."""
    assert recorder.span('forward') is recorder._NOOP
    P.set_config(profile_symbolic=False)
    P.set_state('run')
    assert recorder.span('forward') is recorder._NOOP
    P.set_state('stop')


# -- the trace file -----------------------------------------------------------------------------
def _module_step():
    """The recorded module step, then an inference forward -> its output."""
    def infer(mod, batch):
        mod.forward(batch, is_train=False)
        return mod.get_outputs()[0].asnumpy()
    return PP.module_step(mx, infer)


def test_dump_writes_mxnets_chrome_trace_with_user_and_compiled_call_records():
    P.set_config(profile_all=True, filename='trace.json', aggregate_stats=True)
    P.set_state('run')
    PP.user_objects(P)
    out = _module_step()
    P.pause()
    P.Event('paused_event').start()
    P.resume()
    P.set_state('stop')
    P.Event('stopped_event').start()
    assert np.isfinite(out).all()
    assert ('operator' in P.dumps()) == MX['trace']['dumps_after_stop_has_operator']
    P.dump()
    with open('trace.json') as f:
        trace = json.load(f)
    assert sorted(trace) == MX['trace']['top_keys']
    assert trace['displayTimeUnit'] == MX['trace']['displayTimeUnit']
    events = trace['traceEvents']
    processes = {e['pid']: e['args']['name'] for e in events if e['ph'] == 'M'}
    assert all(e['name'] == 'process_name' and sorted(e) == ['args', 'name', 'ph', 'pid']
               for e in events if e['ph'] == 'M')
    assert all(e['pid'] in processes for e in events)
    assert all(isinstance(e['ts'], int) and isinstance(e['tid'], int)
               for e in events if e['ph'] != 'M')
    user = ('mydomain', 'mydomain,frame', 'event', 'mydomain,instant_marker')
    want = [r for r in MX['trace']['records'] if r.get('cat') in user]
    got = [PP.record_shape(e) for e in events if e.get('cat') in user]
    assert got == want          # every record, in order: keys, phases, names, values, scopes
    want_processes = {r['args']['name'] for r in MX['trace']['records'] if r['ph'] == 'M'}
    assert set(user) | {'cpu/0', 'cpu/1', 'cpu pinned/', 'cpu shared/'} <= want_processes
    assert set(user) | {'cpu/0', 'cpu/1', 'cpu pinned/', 'cpu shared/'} <= \
        set(processes.values())
    # tfmod's compiled calls are 'operator' records on the device's process, as MXNet's ops
    op_keys = {tuple(r['keys']) for r in MX['trace']['records'] if r.get('cat') == 'operator'}
    ops = [e for e in events if e.get('cat') == 'operator']
    assert {tuple(sorted(e)) for e in ops} <= op_keys
    assert [(e['name'], e['ph']) for e in ops] == [
        ('forward_backward_update', 'B'), ('forward_backward_update', 'E'),
        ('forward', 'B'), ('forward', 'E')]
    assert {processes[e['pid']] for e in ops} == {'cpu/0'}
    assert all(b['ts'] <= e['ts'] for b, e in zip(ops[::2], ops[1::2]))
    # and TensorFlow's profiler ran beside it: its xplane for TensorBoard
    assert glob.glob(os.path.join('trace_tf', 'plugins', 'profile', '*', '*.xplane.pb'))


def test_dump_unfinished_keeps_running_and_rewrites_the_whole_file():
    P.set_config(filename='cont.json')
    P.set_state('run')
    P.Event('first').start()
    P.Event('first').stop()
    e = P.Event('second')
    e.start()
    e.stop()
    P.dump(finished=False)
    assert recorder.PROFILER.running
    e.start()
    e.stop()
    P.set_state('stop')
    P.dump()
    with open('cont.json') as f:
        names = [ev['name'] for ev in json.load(f)['traceEvents'] if ev['ph'] != 'M']
    # as in MXNet, stop() on another Event object of the same name ends the open 'first'
    assert names == ['first', 'first'] + ['second'] * 4


def test_no_compiled_call_records_without_profile_symbolic():
    P.set_config(profile_symbolic=False, filename='nosym.json')
    P.set_state('run')
    _module_step()
    P.set_state('stop')
    P.dump()
    with open('nosym.json') as f:
        assert not [e for e in json.load(f)['traceEvents'] if e.get('cat') == 'operator']


# -- dumps ---------------------------------------------------------------------------------------
def _masked_lines(text):
    """Lines with the timings masked; rows sorted within their section (timing orders them)."""
    text = re.sub(r'\d+\.\d{4}\b', '#', text)                            # table cells
    text = re.sub(r'("(?:Total|Min|Max|Avg)": )[-0-9.e+]+', r'\1#', text)  # JSON values
    return sorted(text.splitlines())


def _dumps_run():
    PP.dumps_calls(P)


def test_dumps_table_and_json_are_mxnets_layout():
    _dumps_run()
    table = P.dumps()
    assert _masked_lines(table) == _masked_lines(MX['dumps']['table'])
    # the section skeleton (everything but rows) is MXNet's, in MXNet's order
    rows = re.compile(r'.*\d+\.\d{4}$')
    assert [line for line in table.splitlines() if not rows.match(line)] == \
        [line for line in MX['dumps']['table'].splitlines() if not rows.match(line)]
    text = P.dumps(format='json')
    assert _masked_lines(text) == _masked_lines(MX['dumps']['json'])
    got, want = json.loads(text), json.loads(MX['dumps']['json'])
    assert {c: {n: v['Count'] for n, v in names.items()} for c, names in got['Time'].items()} \
        == {c: {n: v['Count'] for n, v in names.items()} for c, names in want['Time'].items()}
    assert P.dumps(reset=True) == table
    assert P.dumps() == MX['dumps']['after_reset']


def test_dumps_sorting_and_without_aggregate_stats():
    P.set_config(filename='sort.json', aggregate_stats=True)
    P.set_state('run')
    for name, times in (('a', 1), ('b', 3), ('c', 2)):
        e = P.Event(name)
        for _ in range(times):
            e.start()
            e.stop()
    P.set_state('stop')

    def order(**kw):
        return [m.group(1) for m in re.finditer(r'^([abc]) +\d', P.dumps(**kw), re.M)]
    assert order(sort_by='count') == ['b', 'c', 'a']
    assert order(sort_by='count', ascending=True) == ['a', 'c', 'b']
    P.set_config(aggregate_stats=False)
    assert P.dumps() == MX['no_aggregate']['dumps'] == ''


def test_paused_and_stopped_profiler_records_nothing():
    P.set_config(filename='quiet.json', aggregate_stats=True)
    P.set_state('run')
    P.pause()
    P.Event('while_paused').start()
    P.Domain('d').new_counter('c', 1)
    P.resume()
    P.set_state('stop')
    P.Event('after_stop').start()
    P.dump()
    with open('quiet.json') as f:
        assert [e for e in json.load(f)['traceEvents'] if e['ph'] != 'M'] == []
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert 'while_paused' not in P.dumps()


def test_user_tf_profiler_session_is_left_alone():
    """A TF profiler the user already started keeps running; mx.profiler records its own file
    and says why no TF profile of its own is written."""
    import tensorflow as tf
    tf.profiler.experimental.start('user_tf')
    try:
        P.set_config(filename='mine.json')
        with pytest.warns(UserWarning, match='TensorFlow profiler not started'):
            P.set_state('run')
        P.Event('e').start()
        P.Event('e').stop()
        P.set_state('stop')
        P.dump()
    finally:
        tf.profiler.experimental.stop()
    assert not os.path.exists('mine_tf')
    with open('mine.json') as f:
        assert [e['ph'] for e in json.load(f)['traceEvents'] if e['ph'] != 'M'] == ['B', 'E']
    assert glob.glob(os.path.join('user_tf', 'plugins', 'profile', '*', '*.xplane.pb'))
