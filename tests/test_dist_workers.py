"""Several worker processes on 127.0.0.1: kvstore='dist_sync' on MultiWorkerMirroredStrategy,
the launcher, and what happens when a worker dies or never comes.

The workers run tests/support/dist_train_worker.py. Their results are compared with one process of the
same program (its ``ref`` mode): the plain MLP with one device on the whole batches, the
BatchNorm MLP with as many logical devices as the workers have in all (MXNet's multi-device
numbers, which test_multidevice.py checks against MXNet: BatchNorm statistics are each
device's, as they are each worker's).
"""
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tfmod.base import MXNetError
from tfmod.kvstore import cluster
from tfmod.launch import _free_ports, worker_env

ROOT = Path(__file__).resolve().parent.parent
WORKER = str(Path(__file__).resolve().parent / 'support' / 'dist_train_worker.py')


def _env(**extra):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3', PYTHONUNBUFFERED='1')
    env['PYTHONPATH'] = os.pathsep.join([str(ROOT)] + [p for p in [env.get('PYTHONPATH')] if p])
    for k in ('TF_CONFIG', 'DMLC_ROLE', 'DMLC_NUM_WORKER', 'DMLC_WORKER_ID'):
        env.pop(k, None)
    env.update(extra)
    return env


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """Two workers (worker 0 with two batches more than worker 1) and the reference."""
    tmp = tmp_path_factory.mktemp('dist')
    launch = subprocess.Popen(
        [sys.executable, '-m', 'tfmod.launch', '-n', '2', sys.executable, WORKER,
         str(tmp / 'w%s.npz'), 'dist', '--extra-batches', '2'],
        env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=str(tmp))
    ref = subprocess.run([sys.executable, WORKER, str(tmp / 'ref.npz'), 'ref'], env=_env(),
                         capture_output=True, text=True, timeout=300)
    log = launch.communicate(timeout=300)[0].decode()
    assert ref.returncode == 0, ref.stdout + ref.stderr
    assert launch.returncode == 0, log
    return [dict(np.load(tmp / n)) for n in ('w0.npz', 'w1.npz', 'ref.npz')] + [log]


def test_launcher_prefixes_each_workers_lines(trained):
    log = trained[3]
    assert '[worker 0] rank 0 of 2' in log and '[worker 1] rank 1 of 2' in log


def test_workers_end_with_the_same_weights(trained):
    w0, w1, _, _ = trained
    args = [k for k in w0 if '/arg:' in k]
    assert len(args) == 16
    for k in args:     # worker 1 started from other random weights: the broadcast made them one
        np.testing.assert_array_equal(w0[k], w1[k], err_msg=k)


@pytest.mark.parametrize('net', ['plain', 'bn', 'bn2'])
def test_two_workers_match_one_process(trained, net):
    """5 sgd-momentum steps: worker 0's extra batches are not trained on (both end at step 5),
    and the weights are the one-process run's on the concatenated batches within 1e-5."""
    w0, _, ref, _ = trained
    for k in [k for k in ref if k.startswith(net + '/arg:')]:
        np.testing.assert_allclose(w0[k], ref[k], rtol=1e-5, atol=1e-6, err_msg=k)
    assert not np.allclose(w0[net + '/arg:fc2_weight'], 0)


@pytest.mark.parametrize('net', ['bn', 'bn2'])
def test_batchnorm_statistics_are_each_workers(trained, net):
    """Each worker keeps the moving statistics of its own rows (MXNet's dist_sync does not
    push aux states); their mean is what the devices' get_params averages to in one process."""
    w0, w1, ref, _ = trained
    for k in (net + '/aux:bn1_moving_mean', net + '/aux:bn1_moving_var'):
        assert np.abs(w0[k] - w1[k]).max() > 1e-3
        np.testing.assert_allclose((w0[k] + w1[k]) / 2, ref[k], rtol=1e-5, atol=1e-6)


def test_launcher_help():
    out = subprocess.run([sys.executable, '-m', 'tfmod.launch', '--help'], env=_env(),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    for word in ('-n NUM_WORKERS', '--launcher {local,ssh}', '-H HOSTFILE', 'TF_CONFIG',
                 'DMLC_WORKER_ID', 'dist_sync', '[worker i]'):
        assert word in out.stdout, word


def test_launcher_fails_as_a_whole():
    prog = ('import os, sys, time\n'
            'i = int(os.environ["DMLC_WORKER_ID"])\n'
            'print("up", i, os.environ["DMLC_NUM_WORKER"], flush=True)\n'
            'sys.exit(5) if i == 1 else time.sleep(120)\n')
    t0 = time.time()
    out = subprocess.run([sys.executable, '-m', 'tfmod.launch', '-n', '3', sys.executable, '-c',
                          prog], env=_env(), capture_output=True, text=True, timeout=120)
    assert out.returncode == 5, out.stdout + out.stderr
    assert time.time() - t0 < 60
    assert '[worker 1] up 1 3' in out.stdout
    assert 'worker 1 (127.0.0.1:' in out.stdout and 'exited with code 5' in out.stdout


def _workers(tmp, n, extra=(), **env):
    addrs = ['127.0.0.1:%d' % p for p in _free_ports(2)]
    return addrs, [subprocess.Popen(
        [sys.executable, WORKER, str(tmp / 'k%s.npz'), 'dist'] + list(extra),
        env=_env(**worker_env(addrs, i), **env), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True) for i in range(n)]


def test_a_dead_worker_stops_the_others(tmp_path):
    """Worker 1 exits in its third step; worker 0 must fail (not hang, apache/mxnet#7888)
    within 60 s, with an MXNetError naming the job's workers."""
    addrs, (p0, p1) = _workers(tmp_path, 2, ['--steps', '40', '--die-at', '2'])
    try:
        out1 = p1.communicate(timeout=300)[0]
        died = time.time()
        assert p1.returncode == 17, out1
        out0 = p0.communicate(timeout=90)[0]
        assert time.time() - died < 60
    finally:
        for p in (p0, p1):
            p.kill()
    assert p0.returncode not in (0, None)
    assert 'MXNetError: kvstore dist_sync: worker 0 of 2' in out0, out0[-2000:]
    assert addrs[1] in out0


def test_an_absent_worker_is_named(tmp_path):
    addrs, (p0,) = _workers(tmp_path, 1, TFMOD_DIST_CONNECT_TIMEOUT='5')
    try:
        out = p0.communicate(timeout=120)[0]
    finally:
        p0.kill()
    assert p0.returncode not in (0, None)
    assert ('could not join the job within 5 s (TFMOD_DIST_CONNECT_TIMEOUT): cannot reach '
            'worker 1 at %s' % addrs[1]) in out, out[-2000:]


def test_the_job_from_tf_config_or_dmlc_variables():
    tf_config = '{"cluster": {"worker": ["h0:1", "h1:2", "h2:3"]}, "task": {"type": "worker", "index": 2}}'
    assert cluster.spec_from_env({'TF_CONFIG': tf_config}) == {
        'workers': ['h0:1', 'h1:2', 'h2:3'], 'rank': 2, 'source': 'TF_CONFIG'}
    dmlc = {'DMLC_ROLE': 'worker', 'DMLC_NUM_WORKER': '2', 'DMLC_WORKER_ID': '1',
            'DMLC_PS_ROOT_URI': '10.0.0.5', 'DMLC_PS_ROOT_PORT': '9000'}
    assert cluster.spec_from_env(dmlc) == {'workers': ['10.0.0.5:9001', '10.0.0.5:9002'],
                                           'rank': 1, 'source': 'DMLC_*'}
    # dmlc-tracker's local launcher numbers its tasks with DMLC_TASK_ID
    tracker = dict(dmlc, DMLC_TASK_ID='0')
    del tracker['DMLC_WORKER_ID']
    assert cluster.spec_from_env(tracker)['rank'] == 0
    # one worker, or no job: no strategy (dist_* run as rank 0 of 1)
    assert cluster.spec_from_env(dict(dmlc, DMLC_NUM_WORKER='1', DMLC_WORKER_ID='0')) is None
    assert cluster.spec_from_env({}) is None
    assert cluster.spec_from_env({'DMLC_ROLE': 'server'}) is None


@pytest.mark.parametrize('env, words', [
    ({'TF_CONFIG': '{"cluster": '}, 'TF_CONFIG is not a worker cluster'),
    ({'TF_CONFIG': '{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", '
                   '"index": 2}}'}, 'task index 2 is outside its 2 workers'),
    ({'TF_CONFIG': '{"cluster": {"worker": ["a:1"], "ps": ["b:2"]}, "task": {"type": "ps", '
                   '"index": 0}}'}, "task type 'ps'"),
    ({'DMLC_ROLE': 'worker', 'DMLC_NUM_WORKER': '2'}, 'needs DMLC_WORKER_ID'),
    ({'DMLC_ROLE': 'worker', 'DMLC_NUM_WORKER': 'two', 'DMLC_WORKER_ID': '0'},
     "DMLC_NUM_WORKER='two' is not an integer"),
    ({'DMLC_ROLE': 'worker', 'DMLC_NUM_WORKER': '2', 'DMLC_WORKER_ID': '2'},
     'worker id 2 is outside DMLC_NUM_WORKER=2'),
])
def test_a_bad_job_description_is_named(env, words):
    with pytest.raises(MXNetError, match=words.replace('(', r'\(').replace('[', r'\[')):
        cluster.spec_from_env(env)


def test_a_registered_store_class_is_created_by_name():
    import warnings
    import tfmod as mx

    @mx.kv.KVStoreBase.register
    class MyStoreForTest(mx.kv.KVStoreBase):
        pass
    try:
        kv = mx.kv.create('MyStoreForTest')
        assert type(kv) is MyStoreForTest
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            mx.kv.KVStoreBase.register(type('mystorefortest', (mx.kv.KVStoreBase,), {}))
        assert 'is overriding existing kvstore' in str(w[0].message)
    finally:
        mx.kv.KVStoreBase.kv_registry.pop('mystorefortest', None)
    with pytest.raises(MXNetError, match='no parameter servers'):
        mx.kv.KVStoreServer(mx.kv.create('local')).run()


def test_ssh_launcher_starts_worker_i_on_host_i(tmp_path):
    """--launcher ssh runs ``ssh HOST 'cd CWD && env VARS command'`` per worker; a stand-in
    ``ssh`` on PATH runs that command here and records the host it was asked for."""
    fake = tmp_path / 'bin'
    fake.mkdir()
    (fake / 'ssh').write_text('#!/bin/sh\n'
                              'for a; do host=$remote; remote=$a; done\n'
                              'echo "ssh to $host" \n'
                              'exec sh -c "$remote"\n')
    (fake / 'ssh').chmod(0o755)
    hosts = tmp_path / 'hosts'
    hosts.write_text('# two machines\nnode-a\n\nnode-b\n')
    prog = ('import json, os; c = json.loads(os.environ["TF_CONFIG"]); '
            'print("task", c["task"]["index"], c["cluster"]["worker"], os.getcwd())')
    env = _env(PATH=str(fake) + os.pathsep + os.environ['PATH'])
    out = subprocess.run([sys.executable, '-m', 'tfmod.launch', '-n', '3', '--launcher', 'ssh',
                          '-H', str(hosts), '--port', '7000', sys.executable, '-c', prog],
                         env=env, capture_output=True, text=True, timeout=120, cwd=str(tmp_path))
    assert out.returncode == 0, out.stdout + out.stderr
    workers = ['node-a:7000', 'node-b:7000', 'node-a:7001']
    for i, host in enumerate(['node-a', 'node-b', 'node-a']):
        assert '[worker %d] ssh to %s' % (i, host) in out.stdout, out.stdout
        assert '[worker %d] task %d %s %s' % (i, i, workers, tmp_path) in out.stdout, out.stdout
