"""Ask real MXNet 1.9.1 to read the files tfmod writes; record what it read as a test fixture.

    python tools/check_mxnet_reads.py [--oracle PYTHON]    (default /tmp/mxnet-oracle/bin/python)

Writes the files of tests/support/mxnet_reads.py with tfmod, runs tools/mxnet_read_report.py on each
with the oracle's python, and stores per file its sha256 and MXNet's report (names, dtypes,
shapes; for symbols attr_dict() and MXNet's tojson() of what it loaded) in
tests/fixtures/mxnet_reads/reports.json, and the array values MXNet read in
tests/fixtures/mxnet_reads/mxnet_arrays.npz ('<file>/<key>'). tests/test_mxnet_reads.py then
checks, without MXNet, that tfmod still writes exactly those bytes and that MXNet read the
values and graphs tfmod meant to write.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
sys.path.insert(0, os.path.join(ROOT, 'tests'))
sys.path.insert(0, ROOT)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--oracle', default='/tmp/mxnet-oracle/bin/python',
                    help='python with MXNet 1.9.1')
    args = ap.parse_args()
    reader = os.path.join(ROOT, 'tools', 'mxnet_read_report.py')
    from support import mxnet_reads
    reports, values = {}, {}
    with tempfile.TemporaryDirectory() as d:
        files = mxnet_reads.write_all(d)
        for fname, kind in sorted(files.items()):
            path = os.path.join(d, fname)
            npz = os.path.join(d, 'read.npz')
            res = subprocess.run([args.oracle, reader, kind, path, npz], capture_output=True,
                                 text=True)
            rep = json.loads(res.stdout) if res.stdout.strip() else {'ok': False,
                                                                      'error': res.stderr[-300:]}
            reports[fname] = {'kind': kind, 'sha256': mxnet_reads.digest(path),
                              'mxnet_exit': res.returncode, 'report': rep}
            if rep.get('ok') and kind == 'nd':
                with np.load(npz) as z:
                    values.update({'%s/%s' % (fname, k): z[k] for k in z.files})
            print('%-45s %s' % (fname, 'ok' if rep.get('ok') else 'REFUSED: %s' % rep))
    out = os.path.join(ROOT, 'tests', 'fixtures', 'mxnet_reads')
    with open(os.path.join(out, 'reports.json'), 'w') as f:
        json.dump(reports, f, indent=1, sort_keys=True)
    np.savez_compressed(os.path.join(out, 'mxnet_arrays.npz'), **values)
    print('wrote', out, len(values), 'arrays')


if __name__ == '__main__':
    main()
