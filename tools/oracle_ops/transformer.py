"""Record MXNet 1.9.1 cases for the contrib Transformer ops (converters/transformer.py).

    /tmp/mxnet-oracle/bin/python tools/oracle_ops/transformer.py [case,...]

Writes tests/fixtures/ops_by_family/transformer/ (corpus format, see tests/fixtures/ops/README.md).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _family_runner import main  # noqa: E402


def define(g):
    mx, V, N, case = g.mx, g.V, g.N, g.case
    C = mx.sym.contrib
    G = 'transformer'

    for heads, t, b, hd in ((2, 4, 2, 3), (1, 3, 2, 4), (4, 5, 1, 2)):
        e3 = 3 * heads * hd
        case('selfatt_qk_h%d' % heads,
             lambda heads=heads: C.interleaved_matmul_selfatt_qk(V('qkv'), heads=heads, name='qk'),
             {'qkv': N(t, b, e3)}, group=G, note='(T, B, heads*3*hd) -> (B*heads, T, T)')
        case('selfatt_valatt_h%d' % heads,
             lambda heads=heads: C.interleaved_matmul_selfatt_valatt(V('qkv'), V('att'),
                                                                     heads=heads, name='va'),
             {'qkv': N(t, b, e3), 'att': N(b * heads, t, t)}, group=G,
             note='(B*heads, T, T) x values -> (T, B, heads*hd)')
    for heads, tq, tk, b, hd in ((2, 3, 5, 2, 3), (1, 4, 2, 3, 2), (3, 2, 4, 2, 2)):
        e = heads * hd
        case('encdec_qk_h%d' % heads,
             lambda heads=heads: C.interleaved_matmul_encdec_qk(V('q'), V('kv'), heads=heads,
                                                                name='qk'),
             {'q': N(tq, b, e), 'kv': N(tk, b, 2 * e)}, group=G)
        case('encdec_valatt_h%d' % heads,
             lambda heads=heads: C.interleaved_matmul_encdec_valatt(V('kv'), V('att'),
                                                                    heads=heads, name='va'),
             {'kv': N(tk, b, 2 * e), 'att': N(b * heads, tq, tk)}, group=G)

    def self_attention():
        x = V('data')
        qkv = mx.sym.FullyConnected(x, num_hidden=3 * 2 * 4, flatten=False, name='proj')
        s = C.interleaved_matmul_selfatt_qk(qkv, heads=2, name='qk')
        a = mx.sym.softmax(s, axis=-1, name='att')
        o = C.interleaved_matmul_selfatt_valatt(qkv, a, heads=2, name='va')
        return mx.sym.FullyConnected(o, num_hidden=5, flatten=False, name='out')
    case('graph_self_attention', self_attention, {'data': N(4, 2, 6)}, op='graph', group=G,
         note='FC(flatten=False) -> selfatt_qk -> softmax -> selfatt_valatt -> FC (BERT layout)')

    def encdec_attention():
        q = mx.sym.FullyConnected(V('dec'), num_hidden=6, flatten=False, name='qproj')
        kv = mx.sym.FullyConnected(V('enc'), num_hidden=12, flatten=False, name='kvproj')
        s = C.interleaved_matmul_encdec_qk(q, kv, heads=3, name='qk')
        a = mx.sym.softmax(s, axis=-1, name='att')
        return C.interleaved_matmul_encdec_valatt(kv, a, heads=3, name='va')
    case('graph_encdec_attention', encdec_attention, {'dec': N(3, 2, 4), 'enc': N(5, 2, 4)},
         op='graph', group=G, note='encoder-decoder attention block')

    def mkldnn_fused():
        qkv = V('qkv')
        s = C.interleaved_matmul_selfatt_qk(qkv, heads=2, name='qk')
        a = mx.sym.softmax(s, axis=-1, name='att')
        o = C.interleaved_matmul_selfatt_valatt(qkv, a, heads=2, name='va')
        return o.optimize_for('MKLDNN')
    case('graph_selfatt_mkldnn_fused', mkldnn_fused, {'qkv': N(4, 2, 12)}, op='graph', group=G,
         backward=False,
         note="optimize_for('MKLDNN') turns the interleaved ops into _sg_mkldnn_selfatt_qk / "
              "_sg_mkldnn_selfatt_valatt nodes (carrying their original op as a 'subgraphs' "
              "entry); MXNet gives them no gradient")

if __name__ == '__main__':
    sys.exit(main('transformer', define))
