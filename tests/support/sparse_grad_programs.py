"""The row_sparse-gradient programs whose results MXNet 1.9.1 defines, written once for the
recorder (tools/record_sparse_grad.py, run by MXNet) and the test (tests/test_sparse_grad.py,
run by tfmod); ``mx`` is the library under test. Each returns {fixture key: JSON-able result}."""
import numpy as np

IDS = [[1, 3], [3, 8], [0, 3]]      # repeated ids: their rows' gradients sum


def _net(mx, kind):
    """A bag of embeddings summed into a loss; ``kind`` picks how the weight is read."""
    data, w = mx.sym.Variable('data'), mx.sym.Variable('emb_weight')
    if kind == 'contrib':
        e = mx.sym.contrib.SparseEmbedding(data, w, input_dim=10, output_dim=3, name='emb')
    else:
        e = mx.sym.Embedding(data, w, input_dim=10, output_dim=3, name='emb',
                             sparse_grad=kind != 'dense')
    loss = mx.sym.sum(e * e)
    if kind == 'also_dense':    # the weight also read by another op: MXNet's gradient is dense
        loss = loss + mx.sym.sum(w)
    return mx.sym.MakeLoss(loss)


def _grad(g):
    out = {'stype': g.stype, 'value': g.asnumpy().astype(np.float64).tolist()}
    if g.stype == 'row_sparse':
        out['indices'] = g.indices.asnumpy().tolist()
    return out


def executor_grads(mx):
    """grad_dict's storage type and value after two steps of simple_bind executors."""
    out = {}
    for kind in ('sparse', 'contrib', 'dense', 'also_dense'):
        exe = _net(mx, kind).simple_bind(mx.cpu(), data=(3, 2),
                                         grad_req={'data': 'null', 'emb_weight': 'write'})
        out['bind_stype_%s' % kind] = exe.grad_dict['emb_weight'].stype
        exe.arg_dict['emb_weight'][:] = mx.nd.array(np.arange(30).reshape(10, 3) / 10.0)
        for ids in (IDS, [[2, 2], [2, 9], [4, 4]]):
            exe.forward(is_train=True, data=mx.nd.array(ids))
            exe.backward()
            out['grad_%s_%d' % (kind, ids[0][0])] = _grad(exe.grad_dict['emb_weight'])
    return out


def module_grads(mx):
    """A Module's gradient array of an Embedding(sparse_grad=True) weight, and the weight
    after one SGD step with momentum (a lazy update: untouched rows keep their value)."""
    mod = mx.mod.Module(_net(mx, 'sparse'), data_names=['data'], label_names=None)
    mod.bind([('data', (3, 2))])
    mod.init_params(arg_params={'emb_weight': mx.nd.array(np.arange(30).reshape(10, 3) / 10.0)})
    mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.1,
                                                          'momentum': 0.9, 'wd': 0.1})
    out = {}
    for step, ids in enumerate((IDS, [[2, 2], [2, 9], [4, 4]])):
        mod.forward_backward(mx.io.DataBatch([mx.nd.array(ids)]))
        out['mod_grad_%d' % step] = _grad(mod._exec_group.grad_arrays[0][0])
        mod.update()
        out['mod_weight_%d' % step] = mod.get_params()[0]['emb_weight'].asnumpy().astype(
            np.float64).tolist()
    return out


PROGRAMS = [executor_grads, module_grads]
