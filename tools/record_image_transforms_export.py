"""Record a Gluon export whose graph starts with MXNet's image transforms: a hybridized
HybridSequential of transforms.ToTensor, transforms.Normalize, Conv2D and Dense, saved with
``net.export`` (``-symbol.json`` with ``_image_to_tensor`` / ``_image_normalize`` nodes, and
``-0000.params``), and MXNet 1.9.1's prediction for a batch of NHWC uint8 images.

    /tmp/mxnet-oracle/bin/python tools/record_image_transforms_export.py

Writes tests/fixtures/image_transforms_export/{transforms_net-symbol.json,
transforms_net-0000.params, io.npz}.
"""
import os

import numpy as np
import mxnet as mx
from mxnet.gluon import nn
from mxnet.gluon.data.vision import transforms

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures',
                   'image_transforms_export')


def main():
    mx.random.seed(7)
    net = nn.HybridSequential()
    net.add(transforms.ToTensor(),
            transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
            nn.Conv2D(4, 3, activation='relu'), nn.Dense(3))
    net.initialize(mx.init.Xavier())
    net.hybridize()
    images = np.random.RandomState(7).randint(0, 256, (2, 10, 8, 3)).astype('uint8')
    out = net(mx.nd.array(images, dtype='uint8')).asnumpy()
    os.makedirs(OUT, exist_ok=True)
    net.export(os.path.join(OUT, 'transforms_net'), 0)
    np.savez_compressed(os.path.join(OUT, 'io.npz'), images=images, out=out)
    print(out)


if __name__ == '__main__':
    main()
