"""Record MXNet 1.9.1's mx.profiler behaviour for tests/test_profiler.py. Run with the oracle's
python from a scratch directory (it writes profile files into the current directory):

    cd $(mktemp -d) && /tmp/mxnet-oracle/bin/python /path/to/tools/record_profiler.py \
        /path/to/tests/fixtures/profiler

Writes ``behaviour.json``: set_config's accepted values and error messages, the error types and
messages of set_state/dumps/dump/Marker/Counter on bad input, and what a run of the user-level
objects (Domain, Task, Frame, Event, Counter, Marker) plus one Module forward/backward/update
leaves in the chrome-trace file (its top-level keys, each record's keys, ph, cat and name, the
counter values, the marker scopes) and in ``dumps()`` (table and JSON text, numbers masked by
the test, not here).
"""
import json
import os
import subprocess
import sys

import mxnet as mx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests'))
from support.profiler_programs import (  # noqa: E402
    dumps_calls, module_step, record_shape, user_objects)


def outcome(fn):
    try:
        value = fn()
    except BaseException as e:  # noqa: B902 -- recording whatever MXNet raises
        return {'error': type(e).__name__, 'mxnet_error': isinstance(e, mx.base.MXNetError),
                'message': str(e)}
    return {'value': value}


def config_cases():
    p = mx.profiler
    cases = {
        'unknown_argument': lambda: p.set_config(foo=1),
        'bad_boolean': lambda: p.set_config(profile_all='maybe'),
        'bad_float': lambda: p.set_config(dump_period='abc'),
        'bad_process': lambda: p.set_config(profile_process='x'),
        'every_argument': lambda: p.set_config(
            filename='every.json', profile_all=True, profile_symbolic=True,
            profile_imperative=True, profile_memory=True, profile_api=True,
            continuous_dump=False, dump_period=1.0, aggregate_stats=True,
            profile_process='worker'),
        'old_set_config_bad_mode': lambda: p.profiler_set_config(mode='foo', filename='y.json'),
    }
    out = {k: outcome(f) for k, f in cases.items()}
    out['boolean_spellings'] = {
        repr(v): 'error' not in outcome(lambda: p.set_config(profile_all=v))
        for v in [True, False, 1, 0, 2, '1', '0', 'true', 'True', 'TRUE', 'false', 'False', 'yes',
                  'no', 'on']}
    return out


def state_cases():
    p = mx.profiler
    d = p.Domain('d')
    return {
        'bad_state': outcome(lambda: p.set_state('go')),
        'bad_process': outcome(lambda: p.set_state('run', profile_process='x')),
        'dumps_bad_format': outcome(lambda: p.dumps(format='xml')),
        'dumps_bad_sort_by': outcome(lambda: p.dumps(sort_by='foo')),
        'dumps_bad_reset': outcome(lambda: p.dumps(reset=2)),
        'dumps_bad_ascending': outcome(lambda: p.dumps(ascending='x')),
        'marker_bad_scope': outcome(lambda: p.Marker(d, 'm').mark('foo')),
        'counter_bad_value': outcome(lambda: p.Counter(d, 'c', 'abc')),
        'str_domain': outcome(lambda: str(d)),
        'str_task': outcome(lambda: str(p.Task(d, 'tt'))),
        'str_frame': outcome(lambda: str(d.new_frame('ff'))),
        'str_event': outcome(lambda: str(p.Event('ee'))),
        'str_counter': outcome(lambda: str(d.new_counter('cc'))),
        'has_scope': hasattr(p, 'scope'),
        'public_names': sorted(n for n in dir(p) if not n.startswith('_')),
    }


def trace_run():
    p = mx.profiler
    out = {'dump_before_run': outcome(lambda: p.dump())}
    p.set_config(profile_all=True, filename='trace.json', aggregate_stats=True)
    p.set_state('run')
    user_objects(p)
    module_step(mx)
    p.pause()
    p.Event('paused_event').start()
    p.resume()
    p.set_state('stop')
    p.Event('stopped_event').start()
    out['dumps_after_stop_has_operator'] = 'operator' in p.dumps()
    p.dump()
    out['dump_twice'] = outcome(lambda: p.dump())
    with open('trace.json') as f:
        trace = json.load(f)
    out['top_keys'] = sorted(trace)
    out['displayTimeUnit'] = trace['displayTimeUnit']
    out['records'] = [record_shape(ev) for ev in trace['traceEvents']
                      if ev.get('cat') not in ('MXNET_C_API', 'Device Storage')]
    return out


def dumps_run():
    """Only user objects (no operators, API calls or memory), so the sections are stable."""
    p = mx.profiler
    dumps_calls(p)
    out = {'table': p.dumps(), 'json': p.dumps(format='json'),
           'table_reset': p.dumps(reset=True), 'after_reset': p.dumps()}
    p.dump()
    return out


def no_aggregate_run():
    p = mx.profiler
    p.set_config(aggregate_stats=False, filename='noagg.json')
    p.set_state('run')
    p.Event('x').start()
    p.set_state('stop')
    out = {'dumps': p.dumps()}
    p.dump()
    return out


PARTS = {'config': config_cases, 'states': state_cases, 'trace': trace_run, 'dumps': dumps_run,
         'no_aggregate': no_aggregate_run}


def main(out_dir):
    """Each part in its own process: MXNet's profiler refuses some reconfigurations once run."""
    os.makedirs(out_dir, exist_ok=True)
    result = {}
    for part in PARTS:
        text = subprocess.run([sys.executable, os.path.abspath(__file__), '--part', part],
                              check=True, capture_output=True, text=True).stdout
        result[part] = json.loads(text.splitlines()[-1])
    with open(os.path.join(out_dir, 'behaviour.json'), 'w') as f:
        json.dump(result, f, indent=1, sort_keys=True)


if __name__ == '__main__':
    if sys.argv[1] == '--part':
        print(json.dumps(PARTS[sys.argv[2]]()))
    else:
        main(sys.argv[1])
