"""ImageRecordIter's random augmentations observed, run identically on MXNet 1.9.1 and tfmod
(pass the module as ``mx_module``). No tfmod import here.

The same seed gives different random numbers in the two frameworks, so the run is described by
what any correct implementation shows: each sample located in its source image (the record
decoded with ``mx.image.imdecode``) as a crop window and a mirror flag, and each epoch's order.
tools/record_image_record_random.py records MXNet's description; tests/test_image_record_iter.py
computes tfmod's and compares the properties.
"""
import os

import numpy as np

from support import TESTS

HERE = os.path.join(TESTS, 'fixtures', 'image_record')
CROP = 16
EPOCHS = 40
PARAMS = dict(data_shape=(3, CROP, CROP), batch_size=7, rand_crop=True, rand_mirror=True,
              shuffle=True, seed=5)


def sources(mx_module):
    """label -> the record's image decoded as the iterator decodes it (RGB, HWC)."""
    rec = mx_module.recordio.MXRecordIO(os.path.join(HERE, 'images.rec'), 'r')
    out = {}
    while True:
        item = rec.read()
        if not item:
            break
        header, payload = mx_module.recordio.unpack(item)
        out[int(header.label)] = mx_module.image.imdecode(payload).asnumpy()
    rec.close()
    return out


def locate(sample, src):
    """Every (x, y, mirrored) at which the CHW ``sample`` is exactly a window of ``src``."""
    h, w = sample.shape[1:]
    win = np.lib.stride_tricks.sliding_window_view(src.astype(np.float32), (h, w), axis=(0, 1))
    # win: (H-h+1, W-w+1, C, h, w)
    hits = []
    for mirrored, s in ((False, sample), (True, sample[:, :, ::-1])):
        eq = np.all(win == s[None, None], axis=(2, 3, 4))
        hits += [(int(x), int(y), mirrored) for y, x in zip(*np.nonzero(eq))]
    return hits


def observe(mx_module):
    """{'sizes': {label: [H, W]}, 'epochs': [[[label, [(x, y, mirrored), ...]], ...], ...]}: per
    epoch, the samples in order with every placement that reproduces them (empty: none does)."""
    src = sources(mx_module)
    it = mx_module.io.ImageRecordIter(path_imgrec=os.path.join(HERE, 'images.rec'), **PARAMS)
    epochs = []
    for _ in range(EPOCHS):
        ep = []
        for b in it:
            data = b.data[0].asnumpy()
            for row, lab in enumerate(b.label[0].asnumpy().astype(np.int64).tolist()):
                ep.append([lab, locate(data[row], src[lab])])
        epochs.append(ep)
        it.reset()
    return {'sizes': {str(k): list(v.shape[:2]) for k, v in sorted(src.items())},
            'epochs': epochs}
