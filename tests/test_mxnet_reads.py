"""Files tfmod writes are read by real MXNet 1.9.1.

tools/check_mxnet_reads.py had MXNet read each file of tests/mxnet_reads.py and recorded its
report with the file's sha256. Here (no MXNet needed) tfmod writes the same files again: the
bytes must be exactly those MXNet accepted, and MXNet's report must show the same arrays,
names and symbol structure tfmod meant to write.
"""
import json
import os

import pytest

import tfmod as mx
import mxnet_reads

HERE = os.path.dirname(os.path.abspath(__file__))
REPORTS = json.load(open(os.path.join(HERE, 'fixtures', 'mxnet_reads', 'reports.json')))


@pytest.fixture(scope='module')
def written(tmp_path_factory):
    d = str(tmp_path_factory.mktemp('mxnet_reads'))
    return d, mxnet_reads.write_all(d)


def test_every_written_file_was_checked(written):
    _, files = written
    assert sorted(files) == sorted(REPORTS)


@pytest.mark.parametrize('fname', sorted(REPORTS))
def test_mxnet_read_exactly_these_bytes(written, fname):
    d, files = written
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
    else:
        got = mx.nd.load(path)
        if isinstance(got, dict):
            assert rep['type'] == 'dict' and rep['keys'] == list(got)
            for k, v in got.items():
                assert rep['arrays'][k] == {'dtype': v.asnumpy().dtype.name,
                                            'shape': list(v.shape)}
        else:
            assert rep['type'] == 'list'
            assert rep['arrays'] == [{'dtype': v.asnumpy().dtype.name, 'shape': list(v.shape)}
                                     for v in got]
