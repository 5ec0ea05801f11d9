"""The public names of mx.nd / mx.sym (and their contrib, linalg, random, image modules) and of
Symbol / NDArray, against the lists recorded from MXNet 1.9.1 (dir(), in
tests/fixtures/call_conventions/dirs.json by tools/record_call_conventions.py).

Every name MXNet exposes must exist in tfmod, except the gaps listed below with their reason, so
a name that goes missing shows here.
"""
import json
import os

import pytest

import tfmod as mx

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, 'fixtures', 'call_conventions', 'dirs.json')) as f:
    MXNET_DIRS = json.load(f)['data']

# Modules MXNet's namespaces import for their own use (not API), and MXNet's generated-code
# plumbing (gen_* modules, op, CachedOp, the indexing helpers of its C API).
_PLUMBING = {'mx', 'np', 'math', 'ctypes', 'check_call', 'copy', 'symbol', 'ndarray', 'utils',
             'current_context', 'NDArray', 'Symbol', 'SymbolHandle', 'AttrScope', 'uniform',
             'op', 'gen_op', 'gen__internal', 'gen_contrib', 'gen_image', 'gen_linalg',
             'gen_sparse', 'CachedOp', 'get_indexing_dispatch_code',
             'get_oshape_of_gather_nd_op', 'indexing_key_expand_implicit_axes'}
# MXNet's NumPy interface: not in tfmod (README: "Not yet").
_NP = {'np', 'npx', 'numpy', 'numpy_extension', 'as_np_ndarray'}
# DLPack exchange: TensorFlow owns tfmod's buffers.
_DLPACK = {'from_dlpack', 'to_dlpack_for_read', 'to_dlpack_for_write'}
# Ops tfmod's registry does not implement (so no function can call them): quantization, FFT,
# DGL graph sampling, Hawkes process, count sketch, and the image op family.
_UNIMPLEMENTED_OPS = {
    'backward_gradientmultiplier', 'backward_hawkesll', 'backward_index_copy',
    'backward_quadratic', 'calibrate_entropy', 'count_sketch', 'dequantize', 'dgl_adjacency',
    'dgl_csr_neighbor_non_uniform_sample', 'dgl_csr_neighbor_uniform_sample',
    'dgl_graph_compact', 'dgl_subgraph', 'edge_id', 'fft', 'ifft', 'getnnz',
    'hawkesll', 'quantize', 'quantize_asym', 'quantize_v2',
    'quantized_act', 'quantized_batch_norm', 'quantized_concat', 'quantized_conv',
    'quantized_elemwise_add', 'quantized_elemwise_mul', 'quantized_embedding',
    'quantized_flatten', 'quantized_fully_connected', 'quantized_pooling', 'quantized_rnn',
    'requantize', 'image', 'imdecode'}
_IMAGE_OPS = {'adjust_lighting', 'crop', 'flip_left_right', 'flip_top_bottom', 'normalize',
              'random_brightness', 'random_color_jitter', 'random_contrast',
              'random_flip_left_right', 'random_flip_top_bottom', 'random_hue',
              'random_lighting', 'random_saturation', 'resize', 'to_tensor'}

GAPS = {
    'nd': _PLUMBING | _NP | _DLPACK | _UNIMPLEMENTED_OPS,
    'sym': _PLUMBING | _NP | {'image'},
    'nd.contrib': _PLUMBING | _UNIMPLEMENTED_OPS,
    'sym.contrib': _PLUMBING | _UNIMPLEMENTED_OPS | {
        # MXNet 1.9.1's symbol versions fail for every call ("Not enough argument to call
        # operator _adamw_update"); mx.nd.contrib's work and are provided
        'adamw_update', 'mp_adamw_update'},
    'nd.linalg': set(), 'sym.linalg': set(),
    'nd.random': _PLUMBING, 'sym.random': set(),
    'nd.image': _IMAGE_OPS, 'sym.image': _IMAGE_OPS,
    'nd.sparse': _PLUMBING | {   # what MXNet's sparse.py imports for itself (scipy as spsp)
        'NDArrayHandle', 'c_array_buf', 'gs_retain', 'integer_types', 'mx_real_t',
        'native_array', 'numeric_types', 'operator', 'py_slice', 'py_sum', 'spsp', 'warnings'},
    'sym.sparse': _PLUMBING,
    'Symbol': _NP | {
        'handle',                               # a C handle; tfmod symbols are Python graphs
        'optimize_for', 'get_backend_symbol'},  # MXNet's subgraph backends (oneDNN, TensorRT)
    'NDArray': _NP | _DLPACK | {
        'backward', 'detach'},                  # autograd: added with NDArray.attach_grad
}


def _resolve(key):
    obj = mx
    for part in key.split('.'):
        if part == 'Symbol':
            return mx.sym.Symbol
        if part == 'NDArray':
            return mx.nd.NDArray
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


@pytest.mark.parametrize('key', sorted(MXNET_DIRS))
def test_public_names_match_mxnet(key):
    obj = _resolve(key)
    have = set(dir(obj)) if obj is not None else set()
    missing = sorted(n for n in MXNET_DIRS[key]
                     if not n.startswith('_') and n not in have and n not in GAPS[key])
    assert not missing, '%s lacks MXNet 1.9.1 names: %s' % (key, ', '.join(missing))


def test_op_functions_are_named_and_documented_as_mxnet_ops():
    """Every generated function carries its public name and says which MXNet op it runs."""
    for ns in (mx.nd, mx.sym):
        for name in ('FullyConnected', 'clip', 'reshape', 'topk', 'broadcast_add'):
            fn = getattr(ns, name)
            assert fn.__name__ == name
            assert fn.__doc__


def test_fluent_methods_cover_mxnet_symbol_and_ndarray():
    """The fluent methods of both classes come from one list (their results are compared with
    MXNet's in test_call_conventions.py)."""
    from tfmod_converters import registry
    from tfmod import fluent
    recorded = {n for s in registry.signatures().values() for n in s.get('fluent', ())}
    assert len(recorded) == 78 and set(fluent.NAMES) == recorded
    for cls in (mx.sym.Symbol, mx.nd.NDArray):
        for name in fluent.NAMES + fluent.SPECIAL:
            assert callable(getattr(cls, name)), (cls, name)
