"""The transposed-convolution net of the inference weight cache test and its MXNet recorder
(tools/record_deconv_predict.py): a dilated Deconvolution, a grouped one, a 1-D one and a
bilinear UpSampling, whose filters inference calls keep in TF's layout."""
import numpy as np

SHAPE = (2, 4, 5, 5)


def net(mx):
    data = mx.sym.Variable('data')
    h = mx.sym.Deconvolution(data, num_filter=4, kernel=(3, 3), stride=(2, 2), dilate=(2, 1),
                             pad=(1, 1), no_bias=False, name='dc_a')
    h = mx.sym.Deconvolution(h, num_filter=4, kernel=(2, 2), num_group=2, name='dc_b')
    h = mx.sym.UpSampling(h, scale=2, num_filter=4, sample_type='bilinear', name='dc_up')
    v = mx.sym.Deconvolution(mx.sym.reshape(h, (2, 4, -1)), num_filter=3, kernel=(3,),
                             stride=(2,), name='dc_1d')
    return v


def values(sym, seed):
    rng = np.random.RandomState(seed)
    args, _, _ = sym.infer_shape(data=SHAPE)
    return {n: rng.uniform(-1, 1, s).astype(np.float32)
            for n, s in zip(sym.list_arguments(), args) if n != 'data'}


def data():
    return np.random.RandomState(5).uniform(-1, 1, SHAPE).astype(np.float32)
