"""CSVIter reads float text to the float32 MXNet 1.9.1 reads (dmlc-core's strtof), bit for bit,
which for 1 in 7 of np.savetxt's values is not the nearest float32
(tests/fixtures/csv_float/, recorded by tools/record_csv_float.py)."""
import json
import os

import numpy as np

import tfmod as mx
from conftest import FIXTURES


def test_csv_floats_read_as_mxnet_reads_them(tmp_path):
    with open(os.path.join(FIXTURES, 'csv_float', 'floats.json')) as f:
        want = json.load(f)
    path = tmp_path / 'f.csv'
    path.write_text('\n'.join(want['fields']) + '\n')
    it = mx.io.CSVIter(data_csv=str(path), data_shape=(1,), batch_size=len(want['fields']))
    got = next(iter(it)).data[0].asnumpy().ravel().astype(np.float32).view(np.uint32)
    bad = [(field, hex(g), hex(w)) for field, g, w in zip(want['fields'], got.tolist(),
                                                          want['float32_bits']) if g != w]
    assert not bad, bad[:10]
    # the case the data tutorial shows: np.savetxt's default format, off by one ulp
    nearest = np.float32(float('7.319939418114050572e-01'))
    assert mx.io.csv_float.parse_floats(['7.319939418114050572e-01'])[0] != nearest
