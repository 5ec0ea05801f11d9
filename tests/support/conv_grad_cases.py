"""The Convolution layers whose gradients tests/test_conv_grad.py compares with MXNet 1.9.1's
(recorded by tools/record_conv_grad.py): sizes where tfmod computes a gradient as a forward
convolution (converters/conv_grad.py) and sizes next to them that keep TF's backprop kernels,
with their inputs drawn from one seed, so the recorder and the test build the same arrays."""
import numpy as np

# name: (N, C, F, (H, W), kernel, stride, pad, bias, (filter form?, input form?))
CASES = {
    'both_forms': (8, 16, 16, (5, 5), (3, 3), (1, 1), (1, 1), False, (True, True)),
    'filter_form_5x5': (8, 4, 6, (6, 6), (5, 5), (1, 1), (2, 2), False, (True, False)),
    'stride2_native': (8, 16, 16, (7, 7), (3, 3), (2, 2), (1, 1), False, (False, False)),
    'small_batch_input_form': (2, 16, 16, (5, 5), (3, 3), (1, 1), (1, 1), False, (False, True)),
    'valid_both_forms': (8, 16, 16, (6, 6), (3, 3), (1, 1), (0, 0), True, (True, True)),
    'rect_kernel': (8, 16, 16, (5, 6), (3, 1), (1, 1), (1, 0), False, (True, True)),
    'one_by_one_bias': (8, 16, 16, (4, 4), (1, 1), (1, 1), (0, 0), True, (False, True)),
    'pad_beyond_kernel': (8, 16, 16, (3, 3), (3, 3), (1, 1), (3, 3), False, (True, False)),
}


def arrays(name):
    """{'data', 'conv_weight'[, 'conv_bias'], 'head'} for a case, in MXNet's NCHW layout."""
    n, c, f, hw, k, s, p, bias, _ = CASES[name]
    rng = np.random.RandomState(sorted(CASES).index(name))
    out = {'data': rng.randn(n, c, *hw).astype(np.float32),
           'conv_weight': (rng.randn(f, c, *k) * 0.2).astype(np.float32)}
    if bias:
        out['conv_bias'] = rng.randn(f).astype(np.float32)
    ho = [(d + 2 * q - kk) // ss + 1 for d, q, kk, ss in zip(hw, p, k, s)]
    out['head'] = rng.randn(n, f, *ho).astype(np.float32)
    return out


def symbol(mx, name):
    n, c, f, hw, k, s, p, bias, _ = CASES[name]
    return mx.sym.Convolution(mx.sym.Variable('data'), num_filter=f, kernel=k, stride=s, pad=p,
                              no_bias=not bias, name='conv')
