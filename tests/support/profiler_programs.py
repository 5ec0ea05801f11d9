"""The mx.profiler programs whose traces and statistics MXNet 1.9.1 defines, written once for the
recorder (tools/record_profiler.py, run by MXNet) and the test (tests/test_profiler.py, run by
tfmod), so the two cannot drift apart; ``mx`` / ``p`` (its profiler) are the library under test."""


def user_objects(p):
    """One of each user-level profiler object, used as a script would."""
    d = p.Domain('mydomain')
    t = d.new_task('mytask')
    t.start()
    t.stop()
    t.start()
    t.stop()
    f = d.new_frame('myframe')
    f.start()
    f.stop()
    e = p.Event('myevent')
    e.start()
    e.stop()
    c = d.new_counter('mycounter', 5)
    c.increment(3)
    c.decrement(1)
    c += 10
    c -= 2
    c.set_value(2)
    m = d.new_marker('mymarker')
    for scope in ('global', 'process', 'thread', 'task', 'marker'):
        m.mark(scope)


def module_step(mx, after=None):
    """One Module forward/backward/update, its output read; then ``after(module, batch)``, whose
    result is returned. (The module is freed on return, inside the recorded run, as MXNet's
    trace shows.)"""
    data = mx.sym.Variable('data')
    net = mx.sym.FullyConnected(data, num_hidden=4, name='fc1')
    net = mx.sym.SoftmaxOutput(net, name='softmax')
    mod = mx.mod.Module(net)
    mod.bind(data_shapes=[('data', (2, 3))], label_shapes=[('softmax_label', (2,))])
    mod.init_params()
    mod.init_optimizer()
    batch = mx.io.DataBatch([mx.nd.ones((2, 3))], [mx.nd.zeros((2,))])
    mod.forward(batch)
    mod.backward()
    mod.update()
    mod.get_outputs()[0].wait_to_read()
    return after(mod, batch) if after is not None else None


def dumps_calls(p):
    """A run of user objects only (no operators, API calls or memory): stable dumps() sections."""
    p.set_config(profile_symbolic=False, profile_imperative=False, profile_memory=False,
                 profile_api=False, filename='stats.json', aggregate_stats=True)
    p.set_state('run')
    user_objects(p)
    p.Event('a_name_longer_than_the_twenty_five_columns').start()
    p.Event('a_name_longer_than_the_twenty_five_columns').stop()
    p.set_state('stop')


def record_shape(ev):
    """What is compared of one chrome-trace record: its keys, phase, name, category, scope, and
    the arguments of metadata and counter records (never times)."""
    rec = {'keys': sorted(ev), 'ph': ev['ph'], 'name': ev['name']}
    for key in ('cat', 's'):
        if key in ev:
            rec[key] = ev[key]
    if ev['ph'] in ('M', 'C'):
        rec['args'] = ev['args']
    return rec
