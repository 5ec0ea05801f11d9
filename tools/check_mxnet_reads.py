"""Ask real MXNet 1.9.1 to read the files tfmod writes; record its reports as a test fixture.

    python tools/check_mxnet_reads.py [--oracle PYTHON]

Writes the files of tests/mxnet_reads.py with tfmod, runs ../shared/oracle/mx_check_file.py on
each with the oracle's python, and stores per file its sha256 and MXNet's report in
tests/fixtures/mxnet_reads/reports.json. tests/test_mxnet_reads.py then checks, without MXNet,
that tfmod still writes exactly those bytes and that MXNet read them all.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
sys.path.insert(0, os.path.join(ROOT, 'tests'))
sys.path.insert(0, ROOT)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--oracle', default=None, help='python with MXNet 1.9.1')
    args = ap.parse_args()
    oracle = args.oracle or subprocess.run(
        [os.path.join(ROOT, '..', 'shared', 'oracle', 'setup.sh')], capture_output=True,
        text=True, check=True).stdout.strip()
    checker = os.path.join(ROOT, '..', 'shared', 'oracle', 'mx_check_file.py')
    import mxnet_reads
    reports = {}
    with tempfile.TemporaryDirectory() as d:
        files = mxnet_reads.write_all(d)
        for fname, kind in sorted(files.items()):
            path = os.path.join(d, fname)
            res = subprocess.run([oracle, checker, kind, path], capture_output=True, text=True)
            rep = json.loads(res.stdout) if res.stdout.strip() else {'ok': False,
                                                                      'error': res.stderr[-300:]}
            reports[fname] = {'kind': kind, 'sha256': mxnet_reads.digest(path),
                              'mxnet_exit': res.returncode, 'report': rep}
            print('%-45s %s' % (fname, 'ok' if rep.get('ok') else 'REFUSED: %s' % rep))
    out = os.path.join(ROOT, 'tests', 'fixtures', 'mxnet_reads', 'reports.json')
    with open(out, 'w') as f:
        json.dump(reports, f, indent=1, sort_keys=True)
    print('wrote', out)


if __name__ == '__main__':
    main()
