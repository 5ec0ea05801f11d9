"""Record what MXNet 1.9.1 does with the contrib names tfmod added last: ``getnnz`` (csr
arrays), ``mx.sym.contrib.adamw_update`` / ``mp_adamw_update``, and the GPU-only ``fft``, ``ifft``
and ``count_sketch`` (on the CPU: their shape inference, their symbol JSON and the refusal).

    /tmp/mxnet-oracle/bin/python tools/record_contrib_extra.py

Writes tests/fixtures/contrib_extra/cases.json.
"""
import json
import os
import re

import numpy as np
import mxnet as mx

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures',
                   'contrib_extra', 'cases.json')


def error_of(fn):
    try:
        res = fn()
        mx.nd.waitall()
    except Exception as e:  # noqa: BLE001 -- record what MXNet says
        text = str(e)
        lines = [ln for ln in text.splitlines() if 'Check failed' in ln or 'Error' in ln[:40]
                 or 'only available' in ln or 'not supported' in ln]
        line = (lines or [text.splitlines()[0]])[0]
        return {'type': type(e).__name__, 'message': re.sub(r'\[\d\d:\d\d:\d\d\] ', '', line)}
    return {'type': None, 'value': res.asnumpy().tolist() if hasattr(res, 'asnumpy') else res}


def main():
    out = {'mxnet_version': mx.__version__}
    # getnnz: stored entries (explicit zeros too) of a csr array
    data, indices, indptr, shape = [1.0, 0.0, 3.0, 4.0, -2.0], [0, 2, 1, 2, 3], [0, 2, 2, 5], (3, 4)
    csr = mx.nd.sparse.csr_matrix((np.array(data), np.array(indices), np.array(indptr)),
                                  shape=shape)
    g = {'csr': {'data': data, 'indices': indices, 'indptr': indptr, 'shape': list(shape)}}
    for key, kw in (('all', {}), ('axis1', {'axis': 1}), ('axis0', {'axis': 0}),
                    ('axis_neg', {'axis': -1})):
        r = error_of(lambda kw=kw: mx.nd.contrib.getnnz(csr, **kw))
        if r['type'] is None:
            r['dtype'] = str(mx.nd.contrib.getnnz(csr, **kw).dtype.__name__)
        g[key] = r
    g['empty_axis1'] = error_of(lambda: mx.nd.contrib.getnnz(mx.nd.sparse.zeros('csr', (2, 3)),
                                                             axis=1))
    g['dense'] = error_of(lambda: mx.nd.contrib.getnnz(mx.nd.ones((2, 3))))
    g['infer'] = {}
    for key, kw in (('all', {}), ('axis1', {'axis': 1})):
        sym = mx.sym.contrib.getnnz(mx.sym.var('d'), **kw)
        g['infer'][key] = {'shape': list(sym.infer_shape(d=(3, 4))[1][0]),
                           'dtype': np.dtype(sym.infer_type(d='float32')[1][0]).name}
    out['getnnz'] = g

    # the symbol functions of the AdamW update ops
    V = mx.sym.var
    out['sym_adamw_update'] = error_of(lambda: mx.sym.contrib.adamw_update(
        V('w'), V('g'), V('m'), V('v'), 1.0, lr=0.1, eta=1.0))
    out['sym_mp_adamw_update'] = error_of(lambda: mx.sym.contrib.mp_adamw_update(
        V('w'), V('g'), V('m'), V('v'), V('w32'), V('r'), lr=0.1, eta=1.0))

    # GPU-only ops on the CPU: shapes, JSON and the refusal of a forward call
    gpu = {}
    for name, build, shapes in (
            ('fft', lambda: mx.sym.contrib.fft(V('data'), name='fft'),
             [{'data': (3, 5)}, {'data': (2, 3, 4, 6)}]),
            ('ifft', lambda: mx.sym.contrib.ifft(V('data'), compute_size=16, name='ifft'),
             [{'data': (3, 10)}, {'data': (2, 1, 3, 8)}]),
            ('count_sketch', lambda: mx.sym.contrib.count_sketch(V('data'), V('h'), V('s'),
                                                                 out_dim=7, name='cs'),
             [{'data': (4, 9), 'h': (1, 9), 's': (1, 9)},
              {'data': (2, 3, 2, 9), 'h': (1, 9), 's': (1, 9)}])):
        sym = build()
        entry = {'symbol': sym.tojson(), 'infer': []}
        for kw in shapes:
            _, outs, _ = sym.infer_shape(**kw)
            entry['infer'].append({'in': {k: list(v) for k, v in kw.items()},
                                   'out': [list(o) for o in outs]})
        args = {k: mx.nd.ones(v) for k, v in shapes[0].items()}
        entry['cpu_forward'] = error_of(lambda sym=sym, args=args:
                                        sym.bind(mx.cpu(), args).forward()[0])
        gpu[name] = entry
    out['gpu_only'] = gpu
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(out, f, indent=1, sort_keys=True)
    print(json.dumps(out, indent=1, sort_keys=True)[:3000])


if __name__ == '__main__':
    main()
