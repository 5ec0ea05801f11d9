"""Record what MXNet 1.9.1's ``gluon.SymbolBlock`` does with the committed Gluon corpus
(tests/fixtures/gluon/), for tests/test_gluon_symbolblock.py.

Run with the oracle's python (MXNet 1.9.1):

    /tmp/mxnet-oracle/bin/python tools/record_gluon_symbolblock.py [OUT_DIR]

Writes to OUT_DIR (default tests/fixtures/gluon_symbolblock/):
  outputs.npz    inputs and outputs of ``SymbolBlock.imports(...)(x)`` per net at batch 1 and 3,
                 the two-input/two-output block, the feature-extraction block, gradients
  record.json    parameter names/dtypes/grad_req/shape in collect_params() order, output forms,
                 names, reprs, key lists of save_parameters/export files, errors MXNet raises
  two_heads-saved.params        two_heads' save_parameters file (bytes compared)
  two_heads-export-0007.params  two_heads' export(epoch=7) parameter file (bytes compared)
  two_in-symbol.json, two_in-0000.params   a two-input, two-output net exported by MXNet
"""
import json
import os
import sys
import tempfile
import warnings

import numpy as np
import mxnet as mx
from mxnet import gluon

warnings.simplefilter('ignore')
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(HERE, 'tests', 'fixtures', 'gluon')
NETS = ['plain_convnet', 'two_heads', 'resnet_v1_basic', 'text_lstm', 'attention',
        'unrolled_cells']


def _files(name):
    return (os.path.join(CORPUS, name + '-symbol.json'),
            os.path.join(CORPUS, name + '-0000.params'))


def _input(name, batch, rng):
    shape = [batch] + json.load(open(os.path.join(CORPUS, name + '.json')))['input']['data'][1:]
    if name.startswith('text'):
        return rng.randint(0, 50, size=shape).astype('float32')
    return rng.uniform(-1, 1, size=shape).astype('float32')


def _error(fn, tmp=None):
    try:
        fn()
    except Exception as e:  # pylint: disable=broad-except
        msg = str(e).split('\n')[-1][:300]
        return {'type': type(e).__name__,
                'message': msg.replace(tmp, '<tmp>') if tmp else msg}
    return None


def _params(block):
    return [{'name': k, 'shape': None if p.shape is None else list(p.shape),
             'dtype': np.dtype(p.dtype).name, 'grad_req': p.grad_req}
            for k, p in block.collect_params().items()]


def _two_input_net(out_dir):
    """A Gluon block with two inputs and two outputs, exported by MXNet (data0, data1)."""
    class TwoIn(gluon.HybridBlock):
        def __init__(self, **kw):
            super().__init__(**kw)
            with self.name_scope():
                self.fa = gluon.nn.Dense(4)
                self.fb = gluon.nn.Dense(4)
                self.head = gluon.nn.Dense(2)

        def hybrid_forward(self, F, a, b):
            h = F.relu(self.fa(a) + self.fb(b))
            return self.head(h), F.sum(h, axis=1)
    mx.random.seed(3)
    net = TwoIn(prefix='twoin_')
    net.initialize(mx.init.Xavier())
    net.hybridize()
    net(mx.nd.ones((2, 5)), mx.nd.ones((2, 3)))
    net.export(os.path.join(out_dir, 'two_in'))


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.RandomState(11)
    arrays, rec = {}, {'mxnet': mx.__version__, 'nets': {}}
    for name in NETS:
        sym_f, par_f = _files(name)
        net = gluon.nn.SymbolBlock.imports(sym_f, ['data'], par_f, ctx=mx.cpu())
        net.hybridize()
        info = {'params': _params(net), 'name': net.name, 'prefix': net.prefix}
        for batch in (1, 3):
            x = _input(name, batch, rng)
            out = net(mx.nd.array(x))
            info['list'] = isinstance(out, list)
            outs = out if isinstance(out, list) else [out]
            arrays['%s_b%d_x' % (name, batch)] = x
            for i, o in enumerate(outs):
                arrays['%s_b%d_out%d' % (name, batch, i)] = o.asnumpy()
            info['n_out'] = len(outs)
        rec['nets'][name] = info
    sym_f, par_f = _files('two_heads')
    net = gluon.nn.SymbolBlock.imports(sym_f, ['data'], par_f)
    rec['repr'] = repr(net)
    rec['params_repr'] = repr(net.collect_params())
    rec['param_repr'] = repr(net.collect_params()['twoheads0_conv0_weight'])
    rec['select_weight'] = list(net.collect_params('.*weight').keys())
    rec['select_bn'] = list(net.collect_params('twoheads0_batchnorm0_(gamma|beta)').keys())
    rec['loaded_shape'] = net.collect_params()['twoheads0_conv0_weight'].shape
    x = arrays['two_heads_b3_x']
    net(mx.nd.array(x))
    net.save_parameters(os.path.join(out_dir, 'two_heads-saved.params'))
    rec['saved_keys'] = list(mx.nd.load(os.path.join(out_dir, 'two_heads-saved.params')).keys())
    tmp = tempfile.mkdtemp()
    net.collect_params().save(os.path.join(tmp, 'pd.params'), strip_prefix='twoheads0_')
    rec['paramdict_save_is_saved_file'] = open(os.path.join(tmp, 'pd.params'), 'rb').read() == \
        open(os.path.join(out_dir, 'two_heads-saved.params'), 'rb').read()
    net.save_params(os.path.join(tmp, 'sp.params'))     # deprecated: full names
    rec['save_params_keys'] = list(mx.nd.load(os.path.join(tmp, 'sp.params')).keys())
    rec['paramdict_save_bad_prefix'] = _error(lambda: net.collect_params().save(
        os.path.join(tmp, 'bad.params'), strip_prefix='zzz'))
    net.export(os.path.join(tmp, 'th'), epoch=7)
    os.replace(os.path.join(tmp, 'th-0007.params'),
               os.path.join(out_dir, 'two_heads-export-0007.params'))
    rec['export_json_is_corpus_json'] = open(os.path.join(tmp, 'th-symbol.json')).read() == \
        open(sym_f).read()
    # load_parameters: the export file (arg:/aux: keys) loads; the save_parameters file (the
    # names' common prefix stripped) does not load back into a SymbolBlock in MXNet 1.9.1
    fresh = gluon.nn.SymbolBlock.imports(sym_f, ['data'])
    rec['load_export_file'] = _error(lambda: fresh.load_parameters(
        os.path.join(out_dir, 'two_heads-export-0007.params')))
    fresh2 = gluon.nn.SymbolBlock.imports(sym_f, ['data'])
    rec['load_saved_file'] = _error(lambda: fresh2.load_parameters(
        os.path.join(out_dir, 'two_heads-saved.params')))
    rec['load_saved_file_restore_prefix'] = _error(lambda: fresh2.collect_params().load(
        os.path.join(out_dir, 'two_heads-saved.params'), restore_prefix='twoheads0_'))
    # export before any forward writes no parameters in MXNet 1.9.1
    unrun = gluon.nn.SymbolBlock.imports(sym_f, ['data'], par_f)
    unrun.export(os.path.join(tmp, 'unrun'))
    rec['export_before_forward'] = len(mx.nd.load(os.path.join(tmp, 'unrun-0000.params')))
    # errors
    d = mx.nd.load(par_f)
    missing = dict(d)
    del missing['arg:twoheads0_dense0_bias']
    mx.nd.save(os.path.join(tmp, 'missing.params'), missing)
    extra = dict(d)
    extra['arg:extra_w'] = mx.nd.ones((2,))
    mx.nd.save(os.path.join(tmp, 'extra.params'), extra)
    imports = gluon.nn.SymbolBlock.imports
    _err = _error
    _error_tmp = lambda fn: _err(fn, tmp)  # noqa: E731
    rec['errors'] = {
        'missing_param': _error_tmp(lambda: imports(sym_f, ['data'],
                                                os.path.join(tmp, 'missing.params'))),
        'extra_param': _error_tmp(lambda: imports(sym_f, ['data'],
                                                  os.path.join(tmp, 'extra.params'))),
        'extra_param_ignored': _error_tmp(lambda: imports(sym_f, ['data'],
                                                      os.path.join(tmp, 'extra.params'),
                                                      ignore_extra=True)),
        'wrong_input_name': _error_tmp(lambda: imports(sym_f, ['x'], par_f)),
        'missing_param_file': _error_tmp(lambda: imports(sym_f, ['data'],
                                                     os.path.join(tmp, 'nofile.params'))),
        'missing_symbol_file': _error_tmp(lambda: imports(os.path.join(tmp, 'nofile-symbol.json'),
                                                      ['data'])),
        'forward_uninitialized': _error_tmp(lambda: imports(sym_f, ['data'])(mx.nd.array(x))),
        'allow_missing_forward': _error_tmp(lambda: imports(
            sym_f, ['data'], os.path.join(tmp, 'missing.params'), allow_missing=True)(
                mx.nd.array(x))),
        'two_inputs_for_one': _error_tmp(lambda: net(mx.nd.array(x), mx.nd.array(x))),
    }
    # no parameter file: initialize() infers the shapes from the first batch
    deferred = gluon.nn.SymbolBlock.imports(sym_f, ['data'])
    deferred.initialize()
    deferred(mx.nd.array(x))
    rec['deferred_params'] = _params(deferred)
    # cast
    c16 = gluon.nn.SymbolBlock.imports(sym_f, ['data'], par_f)
    c16.cast('float16')
    rec['cast_float16'] = _params(c16)
    c64 = gluon.nn.SymbolBlock.imports(sym_f, ['data'], par_f)
    c64.cast('float64')
    out = c64(mx.nd.array(x, dtype='float64'))
    arrays['two_heads_f64_out0'] = out[0].asnumpy()
    rec['cast_float64_out_dtype'] = np.dtype(out[0].dtype).name
    # two inputs, two outputs: exported by MXNet, imported with both names
    _two_input_net(out_dir)
    two = gluon.nn.SymbolBlock.imports(os.path.join(out_dir, 'two_in-symbol.json'),
                                       ['data0', 'data1'],
                                       os.path.join(out_dir, 'two_in-0000.params'))
    a = rng.uniform(-1, 1, (3, 5)).astype('float32')
    b = rng.uniform(-1, 1, (3, 3)).astype('float32')
    outs = two(mx.nd.array(a), mx.nd.array(b))
    arrays.update(two_a=a, two_b=b, two_out0=outs[0].asnumpy(), two_out1=outs[1].asnumpy())
    rec['two_in_params'] = _params(two)
    # the constructor: a feature extractor on an internal output, sharing the parameters
    internals = net._cached_graph[1].get_internals()
    feat_name = 'twoheads0_relu0_output'
    feat = gluon.SymbolBlock(internals[feat_name], mx.sym.var('data'),
                             params=net.collect_params())
    out = feat(mx.nd.array(x))
    arrays['feat_out'] = out.asnumpy()
    rec['feat'] = {'output': feat_name, 'params': _params(feat), 'list': isinstance(out, list)}
    # gradients under autograd.record() (training mode: BatchNorm on batch statistics)
    g = gluon.nn.SymbolBlock.imports(sym_f, ['data'], par_f)
    with mx.autograd.record():
        o1, o2 = g(mx.nd.array(x))
        loss = (o1 * o1).sum() + o2.mean()
    loss.backward()
    for k, p in g.collect_params().items():
        if p.grad_req != 'null':
            arrays['grad:' + k] = p.grad().asnumpy()
        else:
            arrays['after:' + k] = p.data().asnumpy()
    arrays['grad_loss'] = loss.asnumpy()
    np.savez_compressed(os.path.join(out_dir, 'outputs.npz'), **arrays)
    with open(os.path.join(out_dir, 'record.json'), 'w') as f:
        json.dump(rec, f, indent=1, sort_keys=True)


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else
         os.path.join(HERE, 'tests', 'fixtures', 'gluon_symbolblock'))
