"""Training with sparse storage against MXNet 1.9.1 (tests/fixtures/sparse/train.json, recorded
by tools/record_sparse_train.py from the programs in tests/support/sparse_train_programs.py):
LibSVMIter batches, row_sparse kvstore values, lazy optimizer updates, sparse Modules."""
import json
import os

import numpy as np
import pytest

import tfmod as mx
from support import sparse_train_programs as P
from conftest import FIXTURES

with open(os.path.join(FIXTURES, 'sparse', 'train.json')) as _f:
    FIX = json.load(_f)


def same(got, want, path='', rtol=1e-5, atol=1e-6):
    """``got`` equals MXNet's recorded ``want``: numbers within tolerance, the rest exactly."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(want), (path, got, want)
        for k in want:
            same(got[k], want[k], '%s.%s' % (path, k), rtol, atol)
    elif isinstance(want, list) and want[:1] == ['raise']:
        # where MXNet's Python asserts, tfmod raises its MXNetError (house rule)
        kind = 'MXNetError' if want[1] == 'AssertionError' else want[1]
        assert got[:2] == ['raise', kind], (path, got, want)
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), (path, got, want)
        for i, (g, w) in enumerate(zip(got, want)):
            same(g, w, '%s[%d]' % (path, i), rtol, atol)
    elif isinstance(want, float):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=path)
    else:
        assert got == want, (path, got, want)


@pytest.fixture(scope='module')
def libsvm(tmp_path_factory):
    return P.libsvm_iters(mx, str(tmp_path_factory.mktemp('libsvm')))


@pytest.mark.parametrize('case', sorted(k for k in FIX if k.startswith(('bs', 'label', 'part',
                                                                        'lpart', 'no_round'))))
def test_libsvm_iter(libsvm, case):
    same(libsvm[case], FIX[case], case)
    if FIX[case][0] == 'raise' and 'round_batch' in FIX[case][2]:
        assert FIX[case][2].endswith(libsvm[case][2])


@pytest.fixture(scope='module')
def kv_results():
    return P.kvstore_row_sparse(mx)


@pytest.mark.parametrize('case', sorted(k for k in FIX if k.startswith('kv_')))
def test_kvstore_row_sparse(kv_results, case):
    same(kv_results[case], FIX[case], case)


@pytest.fixture(scope='module')
def updaters():
    return P.optimizer_updaters(mx)


@pytest.mark.parametrize('case', sorted(k for k in FIX if k.startswith('upd_')))
def test_updater_row_sparse_grad(updaters, case):
    """Updater(index, row_sparse grad, weight): lazy updates touch only the gradient's rows."""
    same(updaters[case], FIX[case], case)


@pytest.fixture(scope='module')
def eager_ops():
    return P.eager_optimizer_ops(mx)


@pytest.mark.parametrize('case', sorted(k for k in FIX if k.startswith('op')))
def test_eager_update_op_row_sparse_grad(eager_ops, case):
    """mx.nd.<update op>(weight, row_sparse grad, *states, out=weight): the rows MXNet updates,
    the storage types it keeps, the calls it refuses."""
    same(eager_ops[case], FIX[case], case)


@pytest.fixture(scope='module')
def modules(tmp_path_factory):
    return P.sparse_modules(mx, str(tmp_path_factory.mktemp('modules')))


@pytest.mark.parametrize('case', sorted(k for k in FIX if k.startswith(('mod_', 'fit_'))))
def test_sparse_module_training(modules, case):
    """csr-fed dot with a row_sparse weight and an Embedding(sparse_grad=True) bag, trained by
    Module (prepare/forward_backward/update on the Updater or a KVStore with row_sparse_pull,
    and fit with kvstore 'local'): outputs and parameters after every batch equal MXNet's."""
    same(modules[case], FIX[case], case)


def test_variable_stype_is_mxnets_attribute():
    assert mx.sym.Variable('w', stype='row_sparse').attr_dict() == \
        {'w': {'__storage_type__': '1'}}
    assert mx.sym.Variable('d', stype='csr').list_attr() == {'__storage_type__': '2'}
    with pytest.raises(mx.base.MXNetError, match='stype'):
        mx.sym.Variable('d', stype='dense')


def test_lazy_states_save_and_resume():
    """States a lazy update wrote in place save and load like any others: resuming from them
    continues MXNet's recorded trajectory."""
    want = FIX['upd_sgd_mom_lazy_default_wd0.1'][1]['steps']
    opt = mx.optimizer.create('sgd', learning_rate=0.1, wd=0.1, momentum=0.9, lazy_update=True)
    w = mx.nd.array(np.array(P.W0, 'float32'))
    up = mx.optimizer.get_updater(opt)
    for s, rows in enumerate(P.STEP_ROWS[:2]):
        up(0, P.rsp(mx, rows, (5, 3), s), w)
    resumed = mx.optimizer.get_updater(opt)
    resumed.set_states(up.get_states())
    for s, rows in enumerate(P.STEP_ROWS[2:], 2):
        resumed(0, P.rsp(mx, rows, (5, 3), s), w)
    np.testing.assert_allclose(w.asnumpy(), want[-1], rtol=1e-5, atol=1e-6)
