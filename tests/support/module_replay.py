"""Helpers replaying the MXNet-recorded Module fixtures (tests/fixtures/modules)."""
import json
import os

import numpy as np

import tfmod as mx
from tfmod.io import DataBatch
from support import TESTS

M = os.path.join(TESTS, 'fixtures', 'modules')


def fixture(*parts):
    return os.path.join(M, *parts)


def load_json(*parts):
    with open(fixture(*parts)) as f:
        return json.load(f)


NETS = load_json('common', 'nets.json')


def net_symbol(net):
    """The recorded symbol of 'mlp', 'convbn' or 'mlp_attrs', loaded from its JSON."""
    return mx.sym.load_json(json.dumps(NETS[net]['symbol_json']))


def init_params(net):
    base = 'mlp' if net.startswith('mlp') else net
    z = np.load(fixture('common', '%s_init.npz' % base))
    arg = {k[4:]: mx.nd.array(z[k]) for k in z.files if k.startswith('arg/')}
    aux = {k[4:]: mx.nd.array(z[k]) for k in z.files if k.startswith('aux/')}
    return arg, aux


def data(net):
    base = 'mlp' if net.startswith('mlp') else net
    return np.load(fixture('common', '%s_data.npz' % base))


def batch(net, k, size=8):
    d = data(net)
    return DataBatch([mx.nd.array(d['data'][size * k:size * (k + 1)])],
                     [mx.nd.array(d['label'][size * k:size * (k + 1)])])


def bound_module(net, fixed=None, grad_req='write', **kwargs):
    sym = net_symbol(net)
    shape = tuple(NETS['mlp' if net.startswith('mlp') else net]['data_shape_per_sample'])
    mod = mx.mod.Module(sym, data_names=['data'], label_names=['softmax_label'],
                        context=mx.cpu(), fixed_param_names=fixed, **kwargs)
    mod.bind([('data', (8,) + shape)], [('softmax_label', (8,))], for_training=True,
             grad_req=grad_req)
    arg, aux = init_params(net)
    mod.init_params(arg_params=arg, aux_params=aux)
    return mod
