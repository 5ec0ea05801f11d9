"""Run with MXNet 1.9.1's python: read one file the way an MXNet user would and report what
MXNet sees, as JSON on stdout (exit 0: read, 1: refused). Used by tools/check_mxnet_reads.py.

    PY tools/mxnet_read_report.py nd|symbol FILE OUT.npz

nd: ``mx.nd.load``; the report names the container (list/dict), its keys and each array's dtype
and shape, and OUT.npz receives the values MXNet read (key: the name, or the list index).
symbol: ``mx.sym.load``; the report holds the argument/output/auxiliary names, ``attr_dict()``
and ``tojson()`` -- the graph as MXNet understood it, written back.
"""
import json
import os
import sys
import warnings

os.environ.setdefault('OMP_NUM_THREADS', '1')
warnings.filterwarnings('ignore')
import numpy as np  # noqa: E402
import mxnet as mx  # noqa: E402


def read(kind, path):
    """-> (report, {key: array})."""
    if kind == 'nd':
        got = mx.nd.load(path)
        items = list(got.items()) if isinstance(got, dict) else \
            [(str(i), v) for i, v in enumerate(got)]
        arrays = {k: v.asnumpy() for k, v in items}
        rep = {'type': 'dict' if isinstance(got, dict) else 'list',
               'keys': [k for k, _ in items],
               'arrays': {k: {'dtype': a.dtype.name, 'shape': list(a.shape)}
                          for k, a in arrays.items()}}
        return rep, arrays
    if kind == 'symbol':
        s = mx.sym.load(path)
        return {'list_arguments': s.list_arguments(), 'list_outputs': s.list_outputs(),
                'list_auxiliary_states': s.list_auxiliary_states(),
                'attr_dict': s.attr_dict(), 'tojson': json.loads(s.tojson())}, {}
    raise SystemExit('unknown kind %r' % kind)


def main(kind, path, out):
    try:
        rep, arrays = read(kind, path)
    except mx.base.MXNetError as e:
        lines = [ln.strip() for ln in str(e).split('\n') if ln.strip()]
        print(json.dumps({'ok': False, 'message': lines[-1] if lines else ''}))
        return 1
    rep['ok'] = True
    print(json.dumps(rep))
    np.savez(out, **arrays)
    return 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:4]))
