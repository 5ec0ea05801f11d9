"""Which parameters of a Module have row_sparse storage or row_sparse gradients, and the rows a
batch touches -- what MXNet's sparse training (Module.update, prepare, get_params) needs.

MXNet gives a parameter a row_sparse gradient when it is ``Embedding(sparse_grad=True)``'s or
``contrib.SparseEmbedding``'s weight (the rows are the batch's distinct ids -- evaluated from
the graph when the ids are computed, as wide_deep's split of its dense input) or a
``Variable(stype='row_sparse')`` (for ``dot(csr data, weight)``: the csr batch's distinct column
ids). A lookup weight's gradient is row_sparse in the executor itself (executor.py: only the
batch's rows are computed, and the compiled training step updates only those). The other
gradients are computed densely, and the optimizer is handed a row_sparse gradient holding
exactly the rows MXNet's holds, so its lazy update touches the rows MXNet's does; a row_sparse
weight whose rows come from elsewhere in the
graph takes the rows where the dense gradient is nonzero.
"""
import json

import numpy as np
import tensorflow as tf

from tfmod_converters import sparse as _sp
from tfmod_converters.base import MXNetError
from ..ndarray import ndarray as _nd
from ..ndarray.sparse import RowSparseNDArray

ROW_SPARSE, CSR = '1', '2'   # MXNet's __storage_type__ codes


class SparseParams:
    """The sparse facts of one symbol: ``row_sparse`` (parameter names declared row_sparse) and
    ``grads`` ({parameter name: the rows source}) -- a source is ('ids', data name, rows),
    ('csr_columns', data name) or ('nonzero',)."""

    def __init__(self, symbol, param_names):
        graph = json.loads(symbol.tojson())
        nodes = graph['nodes']

        def var(entry):
            node = nodes[entry[0]]
            return node['name'] if node['op'] == 'null' else None

        def attrs(node):
            return node.get('attrs', node.get('attr', node.get('param', {}))) or {}

        stypes = {n['name']: attrs(n).get('__storage_type__') for n in nodes if n['op'] == 'null'}
        params = set(param_names)
        self.row_sparse = [n for n in param_names if stypes.get(n) == ROW_SPARSE]
        self.csr_inputs = {n for n, s in stypes.items() if s == CSR}
        self.grads = {}
        self._evals = {}
        for node in nodes:
            a, ins = attrs(node), node['inputs']
            sparse_grad = str(a.get('sparse_grad', 'False')) in ('True', '1', 'true')
            if (node['op'] == 'Embedding' and sparse_grad) or \
                    node['op'] == '_contrib_SparseEmbedding':
                w, d = var(ins[1]), var(ins[0])
                if w in params and d:
                    self.grads[w] = ('ids', d, int(a['input_dim']))
                elif w in params:   # ids computed in the graph (wide_deep: split(slice(data)))
                    self.grads[w] = ('internal', _entry_symbol(symbol, nodes, ins[0]),
                                     int(a['input_dim']))
            elif node['op'] in ('dot', '_sparse_dot') and len(ins) == 2:
                lhs, w = var(ins[0]), var(ins[1])
                flat = str(a.get('transpose_a', 'False')) in ('False', '0', 'false') and \
                    str(a.get('transpose_b', 'False')) in ('False', '0', 'false')
                if w in self.row_sparse and lhs in self.csr_inputs and flat:
                    self.grads[w] = ('csr_columns', lhs)
        for name in self.row_sparse:
            self.grads.setdefault(name, ('nonzero',))

    def __bool__(self):
        return bool(self.grads or self.row_sparse)

    def _evaluate(self, sym, inputs):
        """``sym`` (an Embedding's ids) on the batch's inputs, as numpy; one executor per
        symbol and input shapes."""
        args = {n: inputs[n] for n in sym.list_arguments()}
        key = (id(sym),) + tuple(tuple(a.shape) for a in args.values())
        if key not in self._evals:
            ctx = list(args.values())[0].context
            self._evals[key] = sym.simple_bind(ctx, grad_req='null',
                                               **{n: a.shape for n, a in args.items()})
        return self._evals[key].forward(is_train=False, **args)[0].asnumpy()

    def rows(self, name, inputs, dense_grads):
        """The sorted distinct rows the batch touches in parameter ``name``: ``inputs`` maps the
        module's input names to the batch's arrays, ``dense_grads`` are its gradients."""
        source = self.grads[name]
        if source[0] == 'internal' and all(n in inputs for n in source[1].list_arguments()):
            ids = self._evaluate(source[1], inputs).astype(np.int64).ravel()
            return np.unique(np.clip(ids, 0, source[2] - 1))
        if source[0] == 'ids' and source[1] in inputs:
            ids = np.clip(inputs[source[1]].asnumpy().astype(np.int64).ravel(), 0,
                          source[2] - 1)
            return np.unique(ids)
        if source[0] == 'csr_columns' and source[1] in inputs and \
                inputs[source[1]].stype == 'csr':
            return np.unique(inputs[source[1]].indices.asnumpy().astype(np.int64))
        touched = None
        for g in dense_grads:
            t = g._read()
            flat = tf.reshape(t, [t.shape[0], -1])
            nz = tf.reduce_any(tf.not_equal(flat, 0), axis=1).numpy()
            touched = nz if touched is None else (touched | nz)
        return np.nonzero(touched)[0].astype(np.int64)


def _entry_symbol(symbol, nodes, entry):
    """The internal output of ``symbol`` that graph entry [node, output] is."""
    internals = symbol.get_internals()
    names = internals.list_outputs()
    node = nodes[entry[0]]['name']
    for name in (node + '_output%d' % entry[1], node + '_output'):
        if name in names:
            return internals[name]
    raise MXNetError('sparse gradient rows: no output %r of node %r' % (entry[1], node))


def row_sparse_grad(grad, rows):
    """The dense gradient NDArray ``grad`` as a RowSparseNDArray storing ``rows``."""
    with tf.device(grad.context.tf_device):
        ids = tf.constant(rows, tf.int64)
        content = _sp.make_rsp(ids, tf.gather(grad._read(), ids), tuple(grad.shape))
    return RowSparseNDArray(content, grad.context)


def all_rows_sparse(arr):
    """The dense NDArray ``arr`` as a RowSparseNDArray storing every row, zero rows included
    (MXNet's row_sparse weight of a Module keeps all its rows)."""
    with tf.device(arr.context.tf_device):
        ids = tf.range(arr.shape[0], dtype=tf.int64)
        content = _sp.make_rsp(ids, arr._read(), tuple(arr.shape))
    return RowSparseNDArray(content, arr.context)


def full_rows(arr):
    """Row ids 0..n-1 of ``arr`` as an int64 NDArray (pulling a whole row_sparse weight)."""
    return _nd.array(np.arange(arr.shape[0], dtype=np.int64), ctx=arr.context, dtype='int64')
