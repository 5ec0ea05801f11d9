"""MXNet 1.x scripts reach the contrib ops through older spellings too: ``mx.contrib.nd`` /
``mx.contrib.ndarray`` and ``mx.contrib.sym`` / ``mx.contrib.symbol`` (MXNet 1.9.1 still has
them, holding the same generated functions as ``mx.nd.contrib`` / ``mx.sym.contrib``)."""
import numpy as np

import tfmod as mx


def test_contrib_nd_spellings_reach_nd_contrib():
    x = mx.nd.array([[0.5, 1.0, 0.5], [2.0, 1.0, 1.0]])
    for ns in (mx.contrib.nd, mx.contrib.ndarray):
        got = ns.arange_like(x, axis=1).asnumpy()
        np.testing.assert_array_equal(got, [0.0, 1.0, 2.0])
        assert ns.box_iou is mx.nd.contrib.box_iou


def test_contrib_sym_spellings_reach_sym_contrib():
    d = mx.sym.var('data')
    for ns in (mx.contrib.sym, mx.contrib.symbol):
        s = ns.BilinearResize2D(d, height=4, width=4, name='up')
        assert s.list_outputs() == ['up_output']
        assert ns.foreach is mx.sym.contrib.foreach
