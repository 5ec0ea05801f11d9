"""Which initial value every kind of parameter gets, as recorded from MXNet 1.9.1.

Recorded by tools/record_module_conventions.py into tests/fixtures/module_conventions/: for each
name suffix and initializer (called with an InitDesc, as Module does, and with a plain str, the
deprecated path), for a module holding every op-created parameter kind (BatchNorm's moving
statistics, prelu's gamma, IdentityAttachKLSparseReg's moving_avg, UpSampling's bilinear weight,
a ``Variable(init=...)``), under the default, Xavier, One, Mixed and Load initializers. Random
values cannot equal MXNet's; their bound and spread must.
"""
import builtins
import json
import os

import numpy as np
import pytest

from support import module_convention_programs as P
import tfmod as mx
from conftest import FIXTURES

REC = json.load(open(os.path.join(FIXTURES, 'module_conventions', 'conventions.json')))

def classify(a):
    v = np.asarray(a.asnumpy(), dtype=np.float64).ravel()
    if np.all(v == v[0]):
        return ['const', round(float(v[0]), 6)]
    return ['random', float(np.abs(v).max()), float(v.std()), float(v.mean()), v.size]


def check_same_rule(got, want, what):
    """Constants equal; random values within MXNet's bound with its spread (sampling noise)."""
    assert got[0] == want[0], (what, got, want)
    if want[0] == 'const':
        if 'quantize' in what:   # one random int8 broadcast: only the kind can match
            return
        assert got[1] == pytest.approx(want[1], abs=1e-6), (what, got, want)
    else:
        assert got[1] <= want[1] * 1.6 + 1e-6, (what, got, want)   # normals: tails vary
        # the sample std's relative error is about 0.7/sqrt(n) for a normal, 0.45/sqrt(n) for a
        # uniform: allow 4 of those (a 12-element embedding draws stds 30% off now and then)
        assert got[2] == pytest.approx(want[2], rel=max(0.3, 3.0 / np.sqrt(got[4]))), \
            (what, got, want)


def check_same_error(err, want, what):
    """The exception is (a subclass of) the built-in type MXNet raised, naming the parameter."""
    want_type = getattr(builtins, want[0], None)
    assert want_type is not None and isinstance(err, want_type), (what, repr(err), want)
    head = want[1].split('.')[0]
    assert head in str(err), (what, str(err), want)


@pytest.mark.parametrize('key', sorted(REC['suffixes']))
def test_name_suffix_rules(key):
    iname, how, name = key.split('|')
    want = REC['suffixes'][key]
    init = P.initializers(mx)[iname]()
    desc, arr = P.suffix_case(mx, name, how)
    try:
        with np.errstate(all='ignore'):
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                init(desc, arr)
    except Exception as e:  # noqa: BLE001 - compared with what MXNet raised
        assert want[0] not in ('const', 'random'), (key, repr(e), want)
        check_same_error(e, want, key)
        return
    assert want[0] in ('const', 'random'), (key, 'no error', want)
    check_same_rule(classify(arr), want, key)


MODULE_INITS = P.module_initializers(mx)


def test_ops_stamp_mxnet_init_attrs_on_their_variables():
    """prelu's gamma carries ["Constant", {"value": 0.25}], BatchNorm's statistics zero/one..."""
    attrs = {k: v for k, v in P.module_net(mx).attr_dict().items() if '__init__' in v}
    want = REC['module_init']['attrs']
    assert sorted(attrs) == sorted(want)
    for name, a in want.items():
        assert attrs[name]['__init__'] == a['__init__'], name


def test_prelu_gamma_of_an_explicit_variable():
    """MXNet stamps the 0.25 on a user's gamma Variable too, unless it has its own init."""
    d = mx.sym.Variable('data')
    s = mx.sym.LeakyReLU(d, gamma=mx.sym.Variable('g'), act_type='prelu')
    assert s.attr_dict()['g']['__init__'] == '["Constant", {"value": 0.25}]'
    s = mx.sym.LeakyReLU(d, gamma=mx.sym.Variable('g2', init=mx.init.One()), act_type='prelu')
    assert s.attr_dict()['g2']['__init__'] == '["one", {}]'
    assert '__init__' not in mx.sym.LeakyReLU(d, act_type='leaky').attr_dict().get('data', {})


@pytest.mark.parametrize('tag', sorted(MODULE_INITS))
def test_module_init_params_picks_mxnet_rules(tag):
    mod = P.bound_module_net(mx, P.module_net(mx))
    if MODULE_INITS[tag] is None:
        mod.init_params()
    else:
        mod.init_params(MODULE_INITS[tag]())
    args, auxs = mod.get_params()
    got = {k: classify(v) for k, v in list(args.items()) + list(auxs.items())}
    want = REC['module_init'][tag]
    assert sorted(got) == sorted(want)
    for name in want:
        check_same_rule(got[name], want[name], '%s/%s' % (tag, name))


def test_module_init_errors():
    mod = P.bound_module_net(mx, P.module_net(mx))
    # MXNet raises AssertionError with this text; tfmod raises MXNetError with the same text
    with pytest.raises(mx.base.MXNetError,
                       match='Cannot Initialize bn_beta. Not found in loaded param and no '
                             'default Initializer is provided'):
        mod.init_params(mx.init.Load(P.load_src(mx)))
    want = REC['module_init']['mixed_no_match']
    with pytest.raises(getattr(builtins, want[0])) as e:
        mod.init_params(mx.init.Mixed(['fc.*'], [mx.init.One()]), force_init=True)
    assert 'did not match any pattern' in str(e.value)


def test_fused_rnn_parameters_need_an_explicit_initializer():
    """A plain initializer refuses ``rnn_parameters`` (and unlisted states) as MXNet does."""
    for key, state_names, init in P.fused_rnn_cases(mx):
        mod = P.fused_rnn_module(mx, state_names)
        want = REC['module_init'][key]
        with pytest.raises(getattr(builtins, want[0])) as e:
            mod.init_params(init)
        check_same_error(e.value, want, key)
