"""Files tfmod writes whose MXNet-readability is checked: built identically by the recording
tool (tools/check_mxnet_reads.py, which asks real MXNet to read them) and by the test
(tests/test_mxnet_reads.py, which checks tfmod still writes exactly those bytes)."""
import hashlib
import json
import os

import numpy as np

import tfmod as mx

HERE = os.path.dirname(os.path.abspath(__file__))


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
    return files


def digest(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()
