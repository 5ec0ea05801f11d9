"""Start a multi-worker tfmod job: ``python -m tfmod.launch -n 2 python train.py --kv-store dist_sync``.

The role of MXNet's ``tools/launch.py``. Each worker runs the command with the environment that
makes it one worker of the job: ``TF_CONFIG`` (the workers' addresses and this one's index) and
MXNet's ``DMLC_ROLE=worker``, ``DMLC_NUM_WORKER``, ``DMLC_WORKER_ID`` for scripts that read them.
There are no server or scheduler processes: the workers all-reduce their gradients with
TensorFlow's collective ops (``kvstore='dist_sync'``).

Each worker's output lines are prefixed with ``[worker i]``. The job fails as a whole: when one
worker exits with an error, the others are stopped and the launcher exits with that worker's code.
"""
import argparse
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time

_DESCRIPTION = __doc__.split('\n\n', 1)[1]
_GRACE = 5.0     # seconds a stopped worker gets between SIGTERM and SIGKILL


def _free_ports(n, host='127.0.0.1'):
    socks, ports = [], []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind((host, 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def _read_hosts(path):
    try:
        with open(path) as f:
            hosts = [ln.split('#')[0].strip() for ln in f]
    except OSError as e:
        raise SystemExit('tfmod.launch: cannot read host file %r: %s' % (path, e.strerror))
    hosts = [h for h in hosts if h]
    if not hosts:
        raise SystemExit('tfmod.launch: host file %r names no host' % path)
    return hosts


def worker_addresses(args):
    """``host:port`` of every worker."""
    if args.launcher == 'local':
        ports = ([args.port + i for i in range(args.num_workers)] if args.port
                 else _free_ports(args.num_workers))
        return ['127.0.0.1:%d' % p for p in ports]
    hosts = _read_hosts(args.hostfile)
    base = args.port or 9091
    return ['%s:%d' % (hosts[i % len(hosts)], base + i // len(hosts))
            for i in range(args.num_workers)]


def worker_env(addresses, i):
    """The environment variables that make a process worker ``i`` of the job."""
    import json
    return {'TF_CONFIG': json.dumps({'cluster': {'worker': addresses},
                                     'task': {'type': 'worker', 'index': i}}),
            'DMLC_ROLE': 'worker', 'DMLC_NUM_WORKER': str(len(addresses)),
            'DMLC_WORKER_ID': str(i)}


def _spawn(args, addresses, i):
    env = worker_env(addresses, i)
    if args.launcher == 'local':
        full = dict(os.environ, **env)
        full.setdefault('PYTHONUNBUFFERED', '1')
        cmd = args.command
    else:
        host = addresses[i].rsplit(':', 1)[0]
        assigns = ' '.join('%s=%s' % (k, shlex.quote(v)) for k, v in env.items())
        remote = 'cd %s && env PYTHONUNBUFFERED=1 %s %s' % (
            shlex.quote(os.getcwd()), assigns, ' '.join(shlex.quote(c) for c in args.command))
        cmd = ['ssh', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', host, remote]
        full = dict(os.environ)
    return subprocess.Popen(cmd, env=full, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)


def _pump(proc, prefix, out, lock):
    for raw in iter(proc.stdout.readline, b''):
        line = raw.decode('utf-8', 'replace')
        with lock:
            out.write(prefix + line if line.endswith('\n') else prefix + line + '\n')
            out.flush()


def _stop(procs):
    for p in procs:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except OSError:
                pass
    deadline = time.time() + _GRACE
    for p in procs:
        while p.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
            p.wait()


def run(args, out=None):
    """Run the job; returns the launcher's exit code (0 when every worker succeeded)."""
    out = out or sys.stdout
    addresses = worker_addresses(args)
    lock = threading.Lock()
    procs, pumps = [], []
    try:
        for i in range(args.num_workers):
            try:
                p = _spawn(args, addresses, i)
            except OSError as e:
                _stop(procs)
                raise SystemExit('tfmod.launch: cannot start worker %d (%s): %s'
                                 % (i, args.command[0] if args.launcher == 'local' else 'ssh',
                                    e.strerror))
            procs.append(p)
            t = threading.Thread(target=_pump, args=(p, '[worker %d] ' % i, out, lock),
                                 daemon=True)
            t.start()
            pumps.append(t)
        code = 0
        while True:
            codes = [p.poll() for p in procs]
            failed = [i for i, c in enumerate(codes) if c not in (None, 0)]
            if failed:
                i = failed[0]
                code = codes[i] if codes[i] > 0 else 128 - codes[i]
                with lock:
                    out.write('tfmod.launch: worker %d (%s) exited with code %d; stopping the '
                              'others\n' % (i, addresses[i], codes[i]))
                    out.flush()
                break
            if all(c == 0 for c in codes):
                break
            time.sleep(0.1)
    except KeyboardInterrupt:
        code = 130
    finally:
        _stop(procs)
        for t in pumps:
            t.join(timeout=2)
    return code


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog='python -m tfmod.launch', description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='example: python -m tfmod.launch -n 2 python train_mnist.py --kv-store dist_sync')
    ap.add_argument('-n', '--num-workers', type=int, required=True,
                    help='number of worker processes')
    ap.add_argument('--launcher', choices=('local', 'ssh'), default='local',
                    help='local: every worker on this machine, on 127.0.0.1 (default); '
                         'ssh: worker i on host i (round robin) of the host file, started with '
                         'ssh in the same working directory')
    ap.add_argument('-H', '--hostfile', help='ssh launcher: a file with one host per line')
    ap.add_argument('--port', type=int, default=0,
                    help='first port of the workers (worker i listens on port + i; default: '
                         'free ports for local, 9091 for ssh)')
    ap.add_argument('-s', '--num-servers', type=int, default=0,
                    help="accepted for MXNet's launch.py compatibility and ignored: there are no "
                         'server processes')
    ap.add_argument('command', nargs=argparse.REMAINDER, help='the command every worker runs')
    args = ap.parse_args(argv)
    if args.num_workers < 1:
        ap.error('-n must be at least 1')
    if args.launcher == 'ssh' and not args.hostfile:
        ap.error('--launcher ssh needs -H HOSTFILE')
    if args.command and args.command[0] == '--':
        args.command = args.command[1:]
    if not args.command:
        ap.error('give the command the workers run, e.g. python train.py')
    return args


def main(argv=None):
    sys.exit(run(parse_args(sys.argv[1:] if argv is None else argv)))


if __name__ == '__main__':
    main()
