"""Files tfmod writes are read by real MXNet 1.9.1, with the values and graphs tfmod meant.

tools/check_mxnet_reads.py had MXNet read each file of tests/support/mxnet_reads.py and recorded its
report with the file's sha256, and the array values it read (mxnet_arrays.npz). Here (no MXNet
needed) tfmod writes the same files again: the bytes must be exactly those MXNet accepted;
MXNet must have read, bit for bit, the arrays tfmod held when it wrote them; and for symbol
files, MXNet's own tojson() of what it loaded and its attr_dict() must be what tfmod wrote.
"""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from support import mxnet_reads

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, 'fixtures', 'mxnet_reads')
REPORTS = json.load(open(os.path.join(FIX, 'reports.json')))
MX_ARRAYS = np.load(os.path.join(FIX, 'mxnet_arrays.npz'))


@pytest.fixture(scope='module')
def written(tmp_path_factory):
    d = str(tmp_path_factory.mktemp('mxnet_reads'))
    held = {}
    return d, mxnet_reads.write_all(d, held), held


def test_every_written_file_was_checked(written):
    _, files, held = written
    assert sorted(files) == sorted(REPORTS)
    assert sorted(held) == sorted(k for k, v in files.items() if v == 'nd')


@pytest.mark.parametrize('fname', sorted(REPORTS))
def test_mxnet_read_exactly_these_bytes(written, fname):
    d, files, held = written
    rec = REPORTS[fname]
    assert rec['mxnet_exit'] == 0 and rec['report']['ok'], rec['report']
    assert mxnet_reads.digest(os.path.join(d, fname)) == rec['sha256'], (
        '%s changed since MXNet checked it: rerun tools/check_mxnet_reads.py' % fname)
    path = os.path.join(d, fname)
    rep = rec['report']
    if rec['kind'] == 'symbol':
        sym = mx.sym.load(path)
        assert rep['list_arguments'] == sym.list_arguments()
        assert rep['list_outputs'] == sym.list_outputs()
        assert rep['list_auxiliary_states'] == sym.list_auxiliary_states()
        assert rep['attr_dict'] == sym.attr_dict()
        with open(path) as f:
            assert rep['tojson'] == json.load(f)    # MXNet understood every node and attribute
    else:
        want = held[fname]
        assert rep['keys'] == list(want)
        assert rep['type'] == ('list' if list(want) == [str(i) for i in range(len(want))]
                               else 'dict')
        for k, a in want.items():
            assert rep['arrays'][k] == {'dtype': a.dtype.name, 'shape': list(a.shape)}, k
            got = MX_ARRAYS['%s/%s' % (fname, k)]
            assert got.dtype == a.dtype, k
            np.testing.assert_array_equal(got, a, err_msg='%s %s as MXNet read it' % (fname, k))
