"""Record how MXNet 1.9.1 upgrades an MXNet 0.8-style symbol file, for tests/test_symbol_api.py.

Run with the oracle's python from the repository root:

    /tmp/mxnet-oracle/bin/python tools/record_legacy_json.py tests/fixtures/symbol_api

The 0.8-style file ("attr"/"param" keys, 2-element entries, no node_row_ptr, hidden keys written
plainly, BatchNorm aux inputs missing) is loaded with mx.sym.load_json; its arguments, aux
states, attr_dict, inferred aux shapes and the 1.9 JSON MXNet writes back are saved in
legacy_upgrade.json together with the input.
"""
import json
import os
import sys

import mxnet as mx

LEGACY = {
    'nodes': [
        {'op': 'null', 'name': 'data', 'param': {}, 'inputs': [], 'backward_source_id': -1},
        {'op': 'null', 'name': 'fc_weight', 'param': {}, 'inputs': [],
         'attr': {'lr_mult': '0.1'}},
        {'op': 'null', 'name': 'fc_bias', 'param': {}, 'inputs': []},
        {'op': 'FullyConnected', 'name': 'fc', 'param': {'num_hidden': '4', 'no_bias': 'False'},
         'inputs': [[0, 0], [1, 0], [2, 0]], 'attr': {'ctx_group': 'dev1'}},
        {'op': 'null', 'name': 'bn_gamma', 'param': {}, 'inputs': []},
        {'op': 'null', 'name': 'bn_beta', 'param': {}, 'inputs': []},
        {'op': 'BatchNorm', 'name': 'bn', 'param': {'eps': '0.001'},
         'inputs': [[3, 0], [4, 0], [5, 0]]},
    ],
    'arg_nodes': [0, 1, 2, 4, 5],
    'heads': [[6, 0]],
}


def main(out):
    s = mx.sym.load_json(json.dumps(LEGACY))
    rec = {'mxnet_version': mx.__version__,
           'made_by': '/tmp/mxnet-oracle/bin/python tools/record_legacy_json.py '
                      'tests/fixtures/symbol_api',
           'legacy': LEGACY,
           'list_arguments': s.list_arguments(),
           'list_auxiliary_states': s.list_auxiliary_states(),
           'attr_dict': s.attr_dict(),
           'aux_shapes': [list(t) for t in s.infer_shape(data=(2, 3))[2]],
           'tojson': s.tojson()}
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'legacy_upgrade.json'), 'w') as f:
        json.dump(rec, f, indent=1)
    print(json.dumps(rec, indent=1)[:1500])


if __name__ == '__main__':
    main(sys.argv[1])
