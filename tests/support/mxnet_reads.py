"""Files tfmod writes whose MXNet-readability is checked: built identically by the recording
tool (tools/check_mxnet_reads.py, which asks real MXNet to read them) and by the test
(tests/test_mxnet_reads.py, which checks tfmod still writes exactly those bytes)."""
import hashlib
import json
import os

import numpy as np

import tfmod as mx
from support import TESTS

HERE = TESTS


def _sym_cases():
    with open(os.path.join(HERE, 'fixtures', 'symbol_api', 'cases.json')) as f:
        return json.load(f)['cases']


def write_all(out, held=None):
    """Write every checked file into directory ``out``; returns {filename: kind}. ``held``, a
    dict, receives per nd file the arrays tfmod held when writing it ({key: numpy array}, keyed
    as MXNet's load gives them: the name, or the list index)."""
    files = {}
    held = {} if held is None else held
    for name, rec in sorted(_sym_cases().items()):
        env = {'mx': mx}
        with mx.name.NameManager():
            exec(rec['source'], env)  # noqa: S102 -- our own recorded case text
        fname = 'sym_%s-symbol.json' % name
        env['out'].save(os.path.join(out, fname))
        files[fname] = 'symbol'
    for net in ('mlp', 'convbn'):
        with open(os.path.join(HERE, 'fixtures', 'modules', 'common', 'nets.json')) as f:
            spec = json.load(f)[net]
        sym = mx.sym.load_json(json.dumps(spec['symbol_json']))
        z = np.load(os.path.join(HERE, 'fixtures', 'modules', 'common', '%s_init.npz' % net))
        mod = mx.mod.Module(sym)
        mod.bind([('data', (8,) + tuple(spec['data_shape_per_sample']))],
                 [('softmax_label', (8,))])
        mod.init_params(arg_params={k[4:]: mx.nd.array(z[k]) for k in z.files
                                    if k.startswith('arg/')},
                        aux_params={k[4:]: mx.nd.array(z[k]) for k in z.files
                                    if k.startswith('aux/')})
        mod.save_checkpoint(os.path.join(out, 'ck_%s' % net), 3)
        arg, aux = mod.get_params()
        held['ck_%s-0003.params' % net] = dict(
            [('arg:' + k, v.asnumpy()) for k, v in arg.items()] +
            [('aux:' + k, v.asnumpy()) for k, v in aux.items()])
        files['ck_%s-symbol.json' % net] = 'symbol'
        files['ck_%s-0003.params' % net] = 'nd'
    dtypes = ['float32', 'float64', 'float16', 'uint8', 'int8', 'int32', 'int64']
    arrays = [mx.nd.array(np.arange(6).reshape(2, 3) - 2, dtype=d) for d in dtypes]
    arrays.append(mx.nd.array(np.zeros((0, 3), np.float32)))
    mx.nd.save(os.path.join(out, 'nd_list.nd'), arrays)
    files['nd_list.nd'] = 'nd'
    held['nd_list.nd'] = {str(i): a.asnumpy() for i, a in enumerate(arrays)}
    mx.nd.save(os.path.join(out, 'nd_dict.nd'),
               {'z:%s' % d: a for d, a in zip(dtypes, arrays)})
    files['nd_dict.nd'] = 'nd'
    held['nd_dict.nd'] = {'z:%s' % d: a.asnumpy() for d, a in zip(dtypes, arrays)}
    sparse = _sparse_arrays()
    mx.nd.save(os.path.join(out, 'nd_sparse.nd'), sparse)
    files['nd_sparse.nd'] = 'nd'
    held['nd_sparse.nd'] = {k: a.asnumpy() for k, a in sparse.items()}
    return files


def _sparse_arrays():
    """csr and row_sparse arrays as tfmod's sparse ops make them (issue 19)."""
    c = mx.nd.sparse.csr_matrix((np.array([1., -2, 3, 0.5], 'float32'), np.array([0, 2, 1, 3]),
                                 np.array([0, 2, 2, 4])), shape=(3, 4))
    d = mx.nd.array(np.arange(6, dtype='float32').reshape(3, 2))
    return {'csr': c, 'csr_sum': mx.nd.elemwise_add(c, c * 2.0),
            'rsp_dot': mx.nd.dot(c, d, transpose_a=True),
            'rsp_f64': mx.nd.sparse.row_sparse_array(
                (np.array([[1.5, 2.5]]), np.array([2])), shape=(4, 2), dtype='float64'),
            'csr_empty': mx.nd.sparse.zeros('csr', (2, 5), dtype='int64'),
            'rsp_empty': mx.nd.sparse.zeros('row_sparse', (3, 2, 2))}


def digest(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()
