"""Record MXNet 1.9.1's answers to tests/support/metric_programs.py for tests/test_metric.py.

Run with the oracle's python from the repository root:

    /tmp/mxnet-oracle/bin/python tools/record_metric_programs.py tests/fixtures/metric_programs
"""
import json
import os
import sys

import mxnet as mx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests'))
from support import metric_programs as P  # noqa: E402


def main(out):
    rec = {name: getattr(P, name)(mx) for name in P.PROGRAMS}
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'metric_programs.json'), 'w') as f:
        json.dump({'mxnet_version': mx.__version__,
                   'made_by': '/tmp/mxnet-oracle/bin/python tools/record_metric_programs.py '
                              'tests/fixtures/metric_programs',
                   'programs': rec}, f, indent=1, default=lambda o: o.item())
    print(json.dumps(rec, default=lambda o: o.item())[:3000])


if __name__ == '__main__':
    main(sys.argv[1])
