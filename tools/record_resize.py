"""Record MXNet 1.9.1's ``mx.image.imresize`` (OpenCV's cv::resize inside libmxnet) at an input
pipeline's scale factors, for tests/test_resize.py: shrinking by 1.25 (the 256-short-side
resize of 300x400 images), by 3.5 (INTER_AREA's wide boxes), growing by 2.5, CIFAR's 32x32 to
40x40, a one-channel image growing in height while shrinking in width (INTER_AREA then uses
its linear weights on both axes) and a float32 image, each with the five kernels.

    /tmp/mxnet-oracle/bin/python tools/record_resize.py

Writes tests/fixtures/resize/cases.npz: the inputs (``in_<name>``) and MXNet's outputs
(``out_<name>_<interp>``).
"""
import os

import mxnet as mx
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures',
                   'resize', 'cases.npz')
# name: (input h, w, channels, dtype), output (w, h)
CASES = {'shrink': ((60, 80, 3, 'uint8'), (64, 48)),
         'area_wide': ((60, 80, 3, 'uint8'), (23, 17)),
         'grow': ((24, 32, 3, 'uint8'), (80, 60)),
         'cifar': ((32, 32, 3, 'uint8'), (40, 40)),
         'grey': ((37, 29, 1, 'uint8'), (20, 50)),
         'float': ((18, 16, 3, 'float32'), (23, 27))}


def image(h, w, c, dtype, seed):
    """Smooth random content plus noise (so kernels disagree visibly), full 0-255 range."""
    rng = np.random.RandomState(seed)
    small = rng.rand(h // 6 + 2, w // 6 + 2, c)
    rows = np.linspace(0, small.shape[0] - 1, h).round().astype(int)
    cols = np.linspace(0, small.shape[1] - 1, w).round().astype(int)
    img = np.clip(small[rows][:, cols] * 255 + rng.randn(h, w, c) * 25, 0, 255)
    img = img.round() if dtype == 'uint8' else img
    return np.ascontiguousarray(img.astype(dtype))


def main():
    out = {}
    for seed, (name, ((h, w, c, dtype), (ow, oh))) in enumerate(sorted(CASES.items())):
        img = image(h, w, c, dtype, seed)
        out['in_' + name] = img
        for interp in range(5):
            out['out_%s_%d' % (name, interp)] = mx.image.imresize(
                mx.nd.array(img, dtype=dtype), ow, oh, interp=interp).asnumpy()
    np.savez_compressed(OUT, **out)


if __name__ == '__main__':
    main()
