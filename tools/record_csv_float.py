"""Record how MXNet 1.9.1's CSVIter reads float text (dmlc-core's strtof, not correctly
rounded) into tests/fixtures/csv_float/floats.json for tests/test_csv_float.py: each field as
written and the float32 bits MXNet read. Run with the oracle's python:
    /tmp/mxnet-oracle/bin/python tools/record_csv_float.py
"""
import json
import os
import tempfile

import numpy as np
import mxnet as mx

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures',
                   'csv_float', 'floats.json')


def fields():
    """np.savetxt's and other common spellings of numbers of many magnitudes, and edge forms."""
    rs = np.random.RandomState(5)
    values = np.concatenate([rs.rand(120), rs.normal(0, 100, 60), rs.normal(0, 1e-6, 40),
                             rs.normal(0, 1e7, 40), 10.0 ** rs.uniform(-30, 30, 60)])
    formats = ['%.18e', '%.6f', '%g', '%.9g', '%.3e', '%.12f', 'repr']
    out = [repr(float(v)) if formats[i % 7] == 'repr' else formats[i % 7] % v
           for i, v in enumerate(values)]
    return out + ['1', '-2', '+3.5', '1e5', '2E-3', '.5', '5.', '-0', ' 7', '1.5f',
                  '123456789', '16777217', '0.1e39', 'inf', '-inf', 'Infinity', '-nan', 'NaN', '3.4028235e38',
                  '0.12345678901234567890123']


def main():
    text = fields()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'f.csv')
        with open(path, 'w') as f:
            f.write('\n'.join(text) + '\n')
        it = mx.io.CSVIter(data_csv=path, data_shape=(1,), batch_size=len(text))
        got = next(iter(it)).data[0].asnumpy().ravel().astype(np.float32)
    bits = got.view(np.uint32).tolist()
    with open(OUT, 'w') as f:
        json.dump({'fields': text, 'float32_bits': bits}, f, indent=0)
        f.write('\n')
    print(len(text), 'fields recorded')


if __name__ == '__main__':
    main()
