"""mx.lr_scheduler replays MXNet 1.9.1's recorded schedules
(tests/fixtures/modules/lr_scheduler/lr_schedulers.json; README section 2, Pitfall 9).

Every entry is replayed: the sequential and fresh-instance values for num_update 0..15, the
12, 0, 3, 12 call sequence, the logged lines, and the two optimizer fields, through tfmod's own
``mx.optimizer.SGD``: its ``learning_rate`` is ``lr_scheduler(num_update)``, and an explicit
``learning_rate`` that differs from the scheduler's ``base_lr`` overwrites it (printing MXNet's
warning).
"""
import json
import logging
import os

import pytest

import tfmod as mx
from tfmod import lr_scheduler as L

PATH = os.path.join(os.path.dirname(__file__), 'fixtures', 'modules', 'lr_scheduler',
                    'lr_schedulers.json')
with open(PATH) as _f:
    FIX = json.load(_f)

N = 15
REL = 1e-12   # Python double arithmetic: exact (README section 2)


def _make(desc):
    kw = {k: v for k, v in desc.items() if k != 'class'}
    if 'power' in kw:
        kw['pwr'] = kw.pop('power')
    return getattr(L, desc['class'])(**kw)


def _approx(values):
    return pytest.approx(values, rel=REL, abs=0)


@pytest.fixture(params=list(FIX))
def entry(request):
    return request.param, FIX[request.param]


def test_attributes_match_recorded_description(entry):
    _, rec = entry
    s = _make(rec['scheduler'])
    assert type(s).__name__ == rec['scheduler']['class']
    for key, value in rec['scheduler'].items():
        if key != 'class':
            assert getattr(s, key) == value, key


def test_sequential_calls_and_log_lines(entry, caplog):
    _, rec = entry
    with caplog.at_level(logging.INFO):
        s = _make(rec['scheduler'])
        got = [s(n) for n in range(N + 1)]
    assert got == _approx(rec['sequential_calls_num_update_0_to_15'])
    assert [r.getMessage() for r in caplog.records] == rec['log_lines_sequential']
    assert all(r.levelno == logging.INFO for r in caplog.records)


def test_fresh_instance_per_call(entry):
    _, rec = entry
    got = [_make(rec['scheduler'])(n) for n in range(N + 1)]
    assert got == _approx(rec['fresh_instance_per_call_0_to_15'])


def test_call_sequence_is_stateful(entry):
    _, rec = entry
    s = _make(rec['scheduler'])
    want = rec['call_sequence_12_0_3_12']
    got = [[n, s(n)] for n, _ in want]
    assert [n for n, _ in got] == [n for n, _ in want]
    assert [v for _, v in got] == _approx([v for _, v in want])


def test_optimizer_learning_rate(entry, capsys):
    _, rec = entry
    opt = mx.optimizer.SGD(lr_scheduler=_make(rec['scheduler']))
    got, used = [], []
    for n in range(1, N + 1):
        opt.num_update = n
        got.append(opt.learning_rate)
        used.append(opt._get_lr(0))     # the rate an update applies (MXNet's _get_lr)
    assert got == _approx(rec['optimizer_learning_rate_num_update_1_to_15'])
    assert used == _approx(rec['optimizer_learning_rate_num_update_1_to_15'])
    assert capsys.readouterr().out == ''


def test_optimizer_learning_rate_override(entry, capsys):
    _, rec = entry
    opt = mx.optimizer.SGD(lr_scheduler=_make(rec['scheduler']), learning_rate=0.05)
    assert capsys.readouterr().out == rec['override_stdout']
    got = []
    for n in range(1, N + 1):
        opt.num_update = n
        got.append(opt.learning_rate)
    assert got == _approx(rec['optimizer_lr_0.05_override_num_update_1_to_15'])


def test_factor_decays_after_step_not_at_step():
    s = L.FactorScheduler(step=2, factor=0.5, base_lr=1.0)
    assert [s(n) for n in (1, 2, 3, 4, 5)] == [1.0, 1.0, 0.5, 0.5, 0.25]


def test_log_line_format(caplog):
    with caplog.at_level(logging.INFO):
        L.MultiFactorScheduler(step=[1], factor=0.1, base_lr=1.0)(2)
    assert [r.getMessage() for r in caplog.records] == \
        ['Update[2]: Change learning rate to 1.00000e-01']


@pytest.mark.parametrize('make,err', [
    (lambda: L.FactorScheduler(step=0), 'Schedule step must be greater or equal than 1 round'),
    (lambda: L.FactorScheduler(step=2, factor=1.5), 'Factor must be no more than 1'),
    (lambda: L.MultiFactorScheduler(step=[3, 2]), 'increasing integer list'),
    (lambda: L.PolyScheduler(max_update=0), 'strictly positive'),
    (lambda: L.CosineScheduler(max_update=5, base_lr=0.1, warmup_begin_lr=0.5),
     'Base lr has to be higher than warmup_begin_lr'),
    (lambda: L.LRScheduler(warmup_mode='cubic'), 'only linear and constant'),
])
def test_argument_errors(make, err):
    with pytest.raises(ValueError, match=err):
        make()


def test_base_class_needs_override():
    s = L.LRScheduler(base_lr=0.1, warmup_steps=2, warmup_begin_lr=0.0)
    assert s.get_warmup_lr(1) == 0.05
    with pytest.raises(NotImplementedError):
        s(3)
