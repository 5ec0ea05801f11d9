"""Record how MXNet 1.9.1's ImageRecordIter crops, mirrors and shuffles at random, for
tests/test_image_record_iter.py. Run from the repository root:

    /tmp/mxnet-oracle/bin/python tools/record_image_record_random.py

Runs tests/support/image_record_random.py (rand_crop + rand_mirror + shuffle over the seven
records of tests/fixtures/image_record/images.rec, 40 epochs) and writes what it observed -- per
epoch the order of the records and, per sample, the window and mirror flag that reproduce it
from the decoded record -- to tests/fixtures/image_record/random_aug.json.
"""
import json
import os
import sys

import mxnet as mx

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
sys.path.insert(0, os.path.join(ROOT, 'tests'))
from support import image_record_random as R  # noqa: E402


def main():
    obs = R.observe(mx)
    unmatched = sum(1 for ep in obs['epochs'] for _, hits in ep if not hits)
    out = dict(obs, mxnet_version=mx.__version__, params=R.PARAMS, unmatched=unmatched,
               made_by='/tmp/mxnet-oracle/bin/python tools/record_image_record_random.py')
    with open(os.path.join(R.HERE, 'random_aug.json'), 'w') as f:
        json.dump(out, f, separators=(',', ':'))
    print(sum(len(ep) for ep in obs['epochs']), 'samples,', unmatched, 'not a window')


if __name__ == '__main__':
    main()
