"""This process's place in a multi-worker job, and the TF strategy that joins the workers.

MXNet's ``dist_sync`` runs each worker as its own process; a parameter server sums the workers'
gradients. tfmod joins the workers with ``tf.distribute.MultiWorkerMirroredStrategy`` instead:
the gradients are all-reduced with TF's collective ops and every worker applies the same update
to its own copy (no server processes).

The job is described by the environment, read once when tfmod is imported -- TensorFlow accepts
collective ops only before its runtime starts, and MXNet too decides a process's role at import:

* ``TF_CONFIG`` (TensorFlow's form): ``{"cluster": {"worker": [host:port, ...]},
  "task": {"type": "worker", "index": i}}``;
* or MXNet's launcher variables: ``DMLC_ROLE=worker``, ``DMLC_NUM_WORKER``,
  ``DMLC_WORKER_ID`` (or dmlc-tracker's ``DMLC_TASK_ID``), ``DMLC_PS_ROOT_URI`` and
  ``DMLC_PS_ROOT_PORT``: worker i listens on ``ROOT_URI:ROOT_PORT + 1 + i`` (one host; give
  ``TF_CONFIG`` for several). ``DMLC_ROLE=server`` / ``scheduler`` processes have nothing to do
  here (there is no parameter server): they exit at import, as MXNet's server processes do once
  served.

One worker (or none described) means no strategy: ``dist_*`` kvstores then run as rank 0 of 1.
"""
import json
import os
import re
import sys

from tfmod_converters.base import MXNetError

# seconds a collective waits for the other workers before failing (a worker's first step also
# traces and compiles its graph, so this is generous); a dead worker is found sooner by TF's
# peer health checks
TIMEOUT = float(os.environ.get('TFMOD_DIST_TIMEOUT', '300'))
# seconds to wait for every worker to start and join the job
CONNECT_TIMEOUT = float(os.environ.get('TFMOD_DIST_CONNECT_TIMEOUT', '120'))
# seconds without a worker's heartbeat before it counts as dead
HEARTBEAT_TIMEOUT = float(os.environ.get('TFMOD_DIST_HEARTBEAT_TIMEOUT', '10'))

_STATE = {'spec': None, 'strategy': None, 'read': False}


def _from_tf_config(text):
    try:
        cfg = json.loads(text)
        workers = list(cfg['cluster']['worker'])
        task = cfg.get('task', {})
        if task.get('type', 'worker') != 'worker':
            raise MXNetError('TF_CONFIG task type %r: tfmod jobs have workers only (no '
                             'parameter servers or chief)' % task.get('type'))
        index = int(task.get('index', 0))
        if set(cfg['cluster']) - {'worker'}:
            raise MXNetError('TF_CONFIG cluster %s: tfmod jobs have workers only'
                             % sorted(cfg['cluster']))
    except MXNetError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise MXNetError('TF_CONFIG is not a worker cluster description (%s: %s): %r'
                         % (type(e).__name__, e, text[:200])) from None
    if not 0 <= index < len(workers):
        raise MXNetError('TF_CONFIG task index %d is outside its %d workers'
                         % (index, len(workers)))
    return {'workers': workers, 'rank': index, 'source': 'TF_CONFIG'}


def _from_dmlc(env):
    def num(name, default=None):
        v = env.get(name, default)
        try:
            return int(v)
        except (TypeError, ValueError):
            raise MXNetError('%s=%r is not an integer' % (name, v)) from None
    n = num('DMLC_NUM_WORKER', 1)
    wid = env.get('DMLC_WORKER_ID', env.get('DMLC_TASK_ID'))
    if wid is None:
        raise MXNetError('DMLC_ROLE=worker with DMLC_NUM_WORKER=%d needs DMLC_WORKER_ID (this '
                         "worker's rank, 0..%d)" % (n, n - 1))
    rank = num('DMLC_WORKER_ID' if 'DMLC_WORKER_ID' in env else 'DMLC_TASK_ID')
    host = env.get('DMLC_PS_ROOT_URI', '127.0.0.1')
    port = num('DMLC_PS_ROOT_PORT', 9091)
    if not 0 <= rank < n:
        raise MXNetError('worker id %d is outside DMLC_NUM_WORKER=%d' % (rank, n))
    return {'workers': ['%s:%d' % (host, port + 1 + i) for i in range(n)], 'rank': rank,
            'source': 'DMLC_*'}


def spec_from_env(env=None):
    """``{'workers': [addr...], 'rank': i, 'source': ...}`` for a job of several workers, or
    None when the environment describes none (or a job of one)."""
    env = os.environ if env is None else env
    if env.get('TF_CONFIG'):
        spec = _from_tf_config(env['TF_CONFIG'])
    elif env.get('DMLC_ROLE') == 'worker':
        spec = _from_dmlc(env)
    else:
        return None
    return spec if len(spec['workers']) > 1 else None


def start_from_environment():
    """Called once when tfmod is imported: in a multi-worker job, create the strategy now
    (before TensorFlow's runtime starts); server/scheduler roles exit."""
    if _STATE['read']:
        return
    _STATE['read'] = True
    role = os.environ.get('DMLC_ROLE')
    if role in ('server', 'scheduler') and not os.environ.get('TF_CONFIG'):
        sys.stderr.write('tfmod: DMLC_ROLE=%s has nothing to do (workers all-reduce their '
                         'gradients; there is no parameter server); exiting\n' % role)
        sys.exit(0)
    spec = spec_from_env()
    if spec is None:
        return
    _STATE['spec'] = spec
    import tensorflow as tf
    from tensorflow.python.eager import context as _context
    if _context.context()._context_handle is not None:
        raise MXNetError('a multi-worker job (%s) must start before TensorFlow runs anything: '
                         'import tfmod first' % spec['source'])
    if spec['source'] != 'TF_CONFIG':   # TF reads its cluster from TF_CONFIG
        os.environ['TF_CONFIG'] = json.dumps({'cluster': {'worker': spec['workers']},
                                              'task': {'type': 'worker',
                                                       'index': spec['rank']}})
    # TF's coordination service as MultiWorkerMirroredStrategy configures it, but with bounded
    # waits: for every worker to join (CONNECT_TIMEOUT) and for a silent one (its heartbeats)
    from tensorflow.compiler.xla.tsl.protobuf import coordination_config_pb2 as _coord
    _context.context().configure_coordination_service(
        service_type='standalone', service_leader='/job:worker/replica:0/task:0',
        coordinated_jobs=[_coord.CoordinatedJob(name='worker',
                                                num_tasks=len(spec['workers']))],
        cluster_register_timeout_in_ms=int(CONNECT_TIMEOUT * 1000),
        heartbeat_timeout_in_ms=int(HEARTBEAT_TIMEOUT * 1000))
    opts = tf.distribute.experimental.CommunicationOptions(timeout_seconds=TIMEOUT)
    watchdog = _start_join_watchdog(spec)
    try:
        _STATE['strategy'] = tf.distribute.MultiWorkerMirroredStrategy(
            communication_options=opts)
    except tf.errors.OpError as e:
        raise describe_failure(e, 'could not join the job') from None
    finally:
        watchdog.stdin.close()     # joined (or failed): the watchdog leaves quietly
        try:
            watchdog.wait(timeout=10)
        except Exception:   # noqa: BLE001 -- a slow watchdog is no reason to fail the job
            pass


_WATCHDOG = r"""
import os, select, signal, socket, sys, time
pid, timeout, rank, addrs = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
ready, _, _ = select.select([sys.stdin], [], [], timeout)
if ready:
    sys.exit(0)
def reachable(a):
    host, _, port = a.rpartition(':')
    try:
        socket.create_connection((host.strip('[]'), int(port)), timeout=2).close()
        return True
    except (OSError, ValueError):
        return False
others = [(i, a) for i, a in enumerate(addrs) if i != rank]
down = [(i, a) for i, a in others if not reachable(a)] or others
sys.stderr.write('tfmod: MXNetError: kvstore dist_sync: worker %d of %d could not join the job '
                 'within %g s (TFMOD_DIST_CONNECT_TIMEOUT): cannot reach %s\n' % (
                     rank, len(addrs), timeout,
                     ', '.join('worker %d at %s' % (i, a) for i, a in down)))
sys.stderr.flush()
os.kill(pid, signal.SIGTERM)
time.sleep(3)
try:
    os.kill(pid, signal.SIGKILL)
except OSError:
    pass
"""


def _start_join_watchdog(spec):
    """TF waits without bound for the other workers while the strategy is created, in native
    code that holds the interpreter (no thread or signal handler can run): a small separate
    process ends this one after CONNECT_TIMEOUT, naming the workers it cannot reach. Closing
    its stdin tells it the job was joined."""
    import subprocess
    return subprocess.Popen(
        [sys.executable, '-c', _WATCHDOG, str(os.getpid()), repr(CONNECT_TIMEOUT),
         str(spec['rank'])] + list(spec['workers']), stdin=subprocess.PIPE)


def spec():
    """This job's spec (see spec_from_env), or None outside a multi-worker job."""
    return _STATE['spec']


def strategy():
    """The MultiWorkerMirroredStrategy joining the workers, or None."""
    return _STATE['strategy']


def rank():
    s = _STATE['spec']
    return 0 if s is None else s['rank']


def num_workers():
    s = _STATE['spec']
    return 1 if s is None else len(s['workers'])


def describe_failure(exc, what='lost the other workers'):
    """An MXNetError for a failed collective or join: this worker, the workers TF names (or all
    of them), what TF said."""
    s = _STATE['spec'] or {'workers': [], 'rank': 0}
    text = str(exc)
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    detail = next((ln for ln in lines if any(w in ln.lower() for w in (
        'unhealthy', 'aborted', 'deadline', 'unavailable', 'connect', 'timed out', 'timeout'))),
        lines[0] if lines else type(exc).__name__)
    named = sorted({int(t) for t in re.findall(r'task:(\d+)', text)} - {s['rank']})
    peers = [('worker %d (%s)' % (i, s['workers'][i])) for i in named if i < len(s['workers'])]
    if not peers:
        peers = ['worker %d (%s)' % (i, a) for i, a in enumerate(s['workers']) if i != s['rank']]
    return MXNetError('kvstore dist_sync: worker %d of %d %s -- %s: %s'
                      % (s['rank'], len(s['workers']), what, ', '.join(peers), detail[:300]))
