"""Initializers against MXNet 1.9.1 (fixtures/modules/initializers, README section 4 and
Pitfall 18): every recorded configuration is replayed on the recorded symbol, then the API
(InitDesc, register/alias/create, Load, Mixed, legacy calls) and its errors."""
import json
import math
import re
import warnings

import numpy as np
import pytest

import tfmod as mx
from tfmod.base import MXNetError
from support import module_replay as R
from support.log_capture import capture_logs  # noqa: E402

INIT = R.load_json('initializers', 'initializers.json')
EXACT = np.load(R.fixture('initializers', 'exact_values.npz'))
CONFIGS = [k for k in INIT if not k.startswith('_')]
SYM_INFO = INIT['_symbol']
I = mx.init


def _make(config):
    """The initializer each fixture configuration was recorded with."""
    return {
        'uniform_default': lambda: I.Uniform(),
        'uniform_0.5': lambda: I.Uniform(0.5),
        'normal_default': lambda: I.Normal(),
        'normal_0.5': lambda: I.Normal(0.5),
        'xavier_default': lambda: I.Xavier(),
        'xavier_in_gaussian_2': lambda: I.Xavier(rnd_type='gaussian', factor_type='in',
                                                 magnitude=2),
        'xavier_out_uniform_2.34': lambda: I.Xavier(factor_type='out', magnitude=2.34),
        'msraprelu_default': lambda: I.MSRAPrelu(),
        'msraprelu_in_0': lambda: I.MSRAPrelu(factor_type='in', slope=0.0),
        'constant_0.3': lambda: I.Constant(0.3),
        'zero': lambda: I.Zero(),
        'one': lambda: I.One(),
        'orthogonal_default': lambda: I.Orthogonal(),
        'orthogonal_normal_1': lambda: I.Orthogonal(scale=1.0, rand_type='normal'),
        'mixed_bias_const_else_uniform': lambda: I.Mixed(['.*bias', '.*'],
                                                         [I.Constant(0.3), I.Uniform(0.1)]),
        'mixed_prefix_fc_one_else_normal': lambda: I.Mixed(['fc', '.*'],
                                                           [I.One(), I.Normal(0.5)]),
    }[config]()




@pytest.fixture(scope='module')
def module():
    sym = mx.sym.load(R.fixture('initializers', 'init_symbol.json'))
    mod = mx.mod.Module(sym, data_names=['data', 'tok'], label_names=None)
    mod.bind([('data', (4, 3, 8, 8)), ('tok', (4, 5))], for_training=False)
    return mod


def _run(mod, config):
    """The recorded procedure: verbose children, seed 42, init_params(force_init=True)."""
    init = _make(config)
    kids = [init] if isinstance(init, I.Initializer) else [c for _, c in init.map]
    for c in kids:
        c.set_verbosity(True, print_func=lambda x: '')
    mx.random.seed(42)
    with capture_logs() as lines:
        mod.init_params(initializer=init, force_init=True)
    arg, aux = mod.get_params()
    params = {k: v.asnumpy() for k, v in list(arg.items()) + list(aux.items())}
    return init, lines, params


@pytest.fixture(scope='module')
def runs(module):
    return {c: _run(module, c) for c in CONFIGS}


def _rules(lines):
    out = {}
    for ln in lines:
        body = ln[len('Initialized '):]
        name, _, rest = body.partition(' as ')
        out[name] = rest.rsplit(':', 1)[0]
    return out


# -- FusedRNN 'parameters' layout, written out independently: 1 layer, unidirectional LSTM,
#    input 16, hidden 8: i2h weights (4H x I), h2h weights (4H x H), i2h bias, h2h bias; the 4H
#    rows in gate order i, f, c, o.
H, IN, GATES = 8, 16, 'ifco'


def _unpack_frnn(vec):
    out = {}
    off = 0
    for conn, cols in (('i2h', IN), ('h2h', H)):
        w = vec[off:off + 4 * H * cols].reshape(4 * H, cols)
        off += 4 * H * cols
        for g, gate in enumerate(GATES):
            out['frnn_l0_%s_%s_weight' % (conn, gate)] = w[g * H:(g + 1) * H]
    for conn in ('i2h', 'h2h'):
        b = vec[off:off + 4 * H]
        off += 4 * H
        for g, gate in enumerate(GATES):
            out['frnn_l0_%s_%s_bias' % (conn, gate)] = b[g * H:(g + 1) * H]
    assert off == vec.size
    return out


# -- replay ------------------------------------------------------------------------------------
def test_symbol_matches_recording(module):
    sym = module.symbol
    assert sym.list_arguments() == SYM_INFO['list_arguments']
    assert sym.list_auxiliary_states() == SYM_INFO['list_auxiliary_states']
    attrs = sym.attr_dict()
    for name, want in SYM_INFO['attr_dict'].items():
        if '__init__' in want:
            assert json.loads(attrs[name]['__init__']) == json.loads(want['__init__']), name
    args, _, auxs = sym.infer_shape(data=(4, 3, 8, 8), tok=(4, 5))
    assert dict(zip(sym.list_arguments(), map(list, args))) == SYM_INFO['arg_shapes']
    assert dict(zip(sym.list_auxiliary_states(), map(list, auxs))) == SYM_INFO['aux_shapes']


@pytest.mark.parametrize('config', CONFIGS)
def test_dumps(config):
    init = _make(config)
    want = INIT[config]['dumps']
    if want is None:        # Mixed has no dumps() in MXNet
        assert not hasattr(init, 'dumps')
    else:
        assert json.loads(init.dumps()) == want
        # dumps() round-trips through create()
        assert I.create(init.dumps()) == init


@pytest.mark.parametrize('config', CONFIGS)
def test_verbose_log_and_rules(runs, config):
    _, lines, _ = runs[config]
    rec = INIT[config]
    assert lines == rec['verbose_log']
    assert _rules(lines) == rec['rule_by_name']


@pytest.mark.parametrize('config', CONFIGS)
def test_shapes_and_exact_values(runs, config):
    _, _, params = runs[config]
    rec = INIT[config]['params']
    for name, st in rec.items():
        if name == 'frnn_parameters(unpacked)':
            continue
        assert list(params[name].shape) == st['shape'], name
        assert params[name].dtype == np.float32
    keys = [k for k in EXACT.files if k.startswith(config + '/')]
    assert keys
    unpacked = _unpack_frnn(params['frnn_parameters'])
    for key in keys:
        rest = key[len(config) + 1:]
        got = unpacked[rest[len('unpacked/'):]] if rest.startswith('unpacked/') else params[rest]
        np.testing.assert_array_equal(got, EXACT[key], err_msg=key)
    # the fused forget-gate bias is set on both i2h and h2h: 2.0 in total
    np.testing.assert_array_equal(unpacked['frnn_l0_i2h_f_bias'], 1.0)
    np.testing.assert_array_equal(unpacked['frnn_l0_h2h_f_bias'], 1.0)


def _pick(init, name):
    """The initializer that decides ``name`` (Mixed: first anchored pattern match)."""
    if isinstance(init, I.Mixed):
        for prog, child in init.map:
            if prog.match(name):
                return child
        raise AssertionError(name)
    return init


def _distribution(init, shape):
    """('uniform', bound) | ('normal', sigma) | ('orthogonal', scale) | ('const', v)."""
    if isinstance(init, I.Xavier):        # MSRAPrelu too
        hw = float(np.prod(shape[2:])) if len(shape) > 2 else 1.0
        fan_in, fan_out = shape[1] * hw, shape[0] * hw
        factor = {'avg': (fan_in + fan_out) / 2.0, 'in': fan_in, 'out': fan_out}[
            init.factor_type]
        scale = math.sqrt(init.magnitude / factor)
        return ('uniform' if init.rnd_type == 'uniform' else 'normal', scale)
    if isinstance(init, I.Uniform):
        return 'uniform', init.scale
    if isinstance(init, I.Normal):
        return 'normal', init.sigma
    if isinstance(init, I.Orthogonal):
        return 'orthogonal', init.scale
    if isinstance(init, I.Constant):
        return 'const', init.value
    if isinstance(init, I.One):
        return 'const', 1.0
    if isinstance(init, I.Zero):
        return 'const', 0.0
    raise AssertionError(init)


def _check_random(name, a, dist, rec=None):
    kind, s = dist
    a = a.astype(np.float64)
    n = a.size
    if kind == 'const':
        np.testing.assert_array_equal(a, np.float32(s), err_msg=name)
        return
    if kind == 'orthogonal':
        m = a.reshape(a.shape[0], -1) / s
        g = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
        err = np.abs(g - np.eye(g.shape[0])).max()
        assert err < 1e-5, (name, err)
        if rec is not None:
            assert rec['orthogonality_max_abs_err'] < 1e-5
        return
    sigma = s / math.sqrt(3.0) if kind == 'uniform' else s
    if kind == 'uniform':
        assert a.min() >= -s and a.max() <= s, (name, a.min(), a.max(), s)
    assert abs(a.mean()) <= 4 * sigma / math.sqrt(n), (name, a.mean(), sigma, n)
    assert len(np.unique(a)) > 0.9 * n, name           # really random, not a fill
    if n >= 500:
        assert abs(a.std() / sigma - 1) < 0.1, (name, a.std(), sigma)
        if rec is not None:      # MXNet's own draw obeys the same law
            assert abs(rec['std'] / sigma - 1) < 0.1, (name, rec['std'], sigma)
            if kind == 'uniform':
                assert abs(a.max() - rec['max']) < 0.05 * s


@pytest.mark.parametrize('config', CONFIGS)
def test_random_statistics(runs, config):
    init, _, params = runs[config]
    rec = INIT[config]['params']
    rules = INIT[config]['rule_by_name']
    checked = 0
    for name, st in rec.items():
        if name == 'frnn_parameters(unpacked)' or rules.get(name) != 'weight':
            continue
        chosen = _pick(init, name)
        dist = _distribution(chosen, st['shape'])
        if 'xavier_scale' in st:
            assert dist[1] == pytest.approx(st['xavier_scale'], rel=1e-12)
        _check_random(name, params[name], dist, st)
        checked += 1
    # the fused vector's gate weights follow the global initializer (inner names l0_*)
    unpacked = _unpack_frnn(params['frnn_parameters'])
    glob = _pick(init, 'frnn_parameters')
    for name, a in unpacked.items():
        if name.endswith('weight'):
            _check_random(name, a, _distribution(glob, a.shape))
            want = rec['frnn_parameters(unpacked)'][name]
            assert list(a.shape) == want['shape']
            checked += 1
    assert checked >= 13


def test_seed_makes_init_reproducible(module):
    a = _run(module, 'xavier_default')[2]
    b = _run(module, 'xavier_default')[2]
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    mx.random.seed(7)
    module.init_params(initializer=I.Xavier(), force_init=True)
    c = module.get_params()[0]['fc1_weight'].asnumpy()
    assert not np.array_equal(a['fc1_weight'], c)


# -- API ---------------------------------------------------------------------------------------
def _arr(shape, fill=7.0):
    return mx.nd.full(shape, fill)


def test_suffix_dispatch_and_attr_init():
    u = I.Uniform(0.5)
    cases = {'a_weight': None, 'a_bias': 0.0, 'a_gamma': 1.0, 'a_beta': 0.0, 'a_min': 0.0,
             'a_max': 1.0}
    for name, want in cases.items():
        a = _arr((3, 4))
        u(I.InitDesc(name), a)
        if want is None:
            assert np.abs(a.asnumpy()).max() <= 0.5 and len(np.unique(a.asnumpy())) > 1
        else:
            np.testing.assert_array_equal(a.asnumpy(), want)
    # __init__ attribute wins over the suffix, even for a bias
    a = _arr((8,))
    u(I.InitDesc('x_bias', attrs={'__init__': I.Constant(0.5).dumps()}), a)
    np.testing.assert_array_equal(a.asnumpy(), 0.5)
    a = _arr((8,))
    u(I.InitDesc('lstm_i2h_bias', attrs={'__init__': I.LSTMBias(2.0).dumps()}), a)
    np.testing.assert_array_equal(a.asnumpy(), [0, 0, 2, 2, 0, 0, 0, 0])
    # Constant/One/Zero only change the weight rule
    for init in (I.Constant(0.3), I.One(), I.Zero()):
        b = _arr((4,))
        init(I.InitDesc('fc_bias'), b)
        np.testing.assert_array_equal(b.asnumpy(), 0.0)
        g = _arr((4,))
        init(I.InitDesc('bn_gamma'), g)
        np.testing.assert_array_equal(g.asnumpy(), 1.0)


def test_init_desc():
    d = I.InitDesc('fc_weight', attrs={'k': 'v'})
    assert isinstance(d, str) and d == 'fc_weight'
    assert d.attrs == {'k': 'v'} and d.global_init is None
    u = I.Uniform()
    u(d, _arr((2, 2)))
    assert d.global_init is u      # the first initializer called becomes the global one
    assert I.InitDesc('x').attrs == {}


def test_unknown_pattern_names_the_parameter():
    with pytest.raises(MXNetError, match='foo_thing') as e:
        I.Uniform()(I.InitDesc('foo_thing'), _arr((3,)))
    assert isinstance(e.value, ValueError)      # what MXNet raised
    assert 'Unknown initialization pattern' in str(e.value)


def test_default_verbose_print_is_rms():
    with capture_logs() as lines:
        for init in (I.Zero(), I.One(), I.Constant(0.3)):
            init.set_verbosity(True)
            init(I.InitDesc('fc_weight'), _arr((2, 3)))
            init(I.InitDesc('fc_bias'), _arr((3,)))
            init(I.InitDesc('bn_gamma'), _arr((3,)))
        c = I.Constant(2.0).set_verbosity(True)
        c(I.InitDesc('w_weight'), _arr((2, 2)))
        I.One().set_verbosity(True, print_func=lambda x: 'custom')(I.InitDesc('q_weight'),
                                                                  _arr((2,)))
        I.One()(I.InitDesc('silent_weight'), _arr((2,)))       # verbosity off
    # recorded from MXNet 1.9.1 (str of norm(x)/sqrt(size) as float32)
    assert lines == ['Initialized fc_weight as weight: 0.0', 'Initialized fc_bias as bias: 0.0',
                     'Initialized bn_gamma as gamma: 1.0', 'Initialized fc_weight as weight: 1.0',
                     'Initialized fc_bias as bias: 0.0', 'Initialized bn_gamma as gamma: 1.0',
                     'Initialized fc_weight as weight: 0.3', 'Initialized fc_bias as bias: 0.0',
                     'Initialized bn_gamma as gamma: 1.0', 'Initialized w_weight as weight: 2.0',
                     'Initialized q_weight as weight: custom']


def test_create_forms():
    assert isinstance(I.create('zeros'), I.Zero) and isinstance(I.create('ONES'), I.One)
    assert I.create('uniform', 0.3).scale == 0.3
    assert I.create('normal', sigma=0.2).sigma == 0.2
    assert I.create(initializer='xavier', magnitude=2).magnitude == 2.0
    assert I.create('["normal", {"sigma": 0.2}]') == I.Normal(0.2)
    assert I.create({'initializer': 'uniform', 'scale': 0.3}) == I.Uniform(0.3)
    assert I.create('{"initializer": "uniform", "scale": 0.4}') == I.Uniform(0.4)
    x = I.Xavier()
    assert I.create(x) is x
    with pytest.raises(MXNetError, match='already an instance'):
        I.create(x, 3)
    with pytest.raises(MXNetError):
        I.create(3)
    assert I.create(I.MSRAPrelu().dumps()) == I.MSRAPrelu()


def test_unknown_name_lists_registered_names():
    with pytest.raises(MXNetError) as e:
        I.create('nope')
    msg = str(e.value)
    assert 'nope' in msg
    for name in ('uniform', 'normal', 'xavier', 'msraprelu', 'orthogonal', 'constant', 'zero',
                 'zeros', 'one', 'ones', 'bilinear', 'lstmbias', 'fusedrnn'):
        assert re.search(r'\b%s\b' % name, msg), name


def test_register_and_alias():
    @I.register
    @I.alias('mytestinit_alias')
    class MyTestInit(I.Initializer):
        def __init__(self, v=0.1):
            super().__init__(v=v)
            self.v = v

        def _init_weight(self, _, arr):
            arr[:] = self.v

        def _init_bias(self, _, arr):
            arr[:] = 1

    for name in ('mytestinit', 'MyTestInit', 'mytestinit_alias'):
        init = I.create(name, v=0.25)
        assert isinstance(init, MyTestInit)
    init = I.create(json.dumps(['mytestinit', {'v': 0.5}]))
    w, b = _arr((2, 2)), _arr((2,))
    init(I.InitDesc('a_weight'), w)
    init(I.InitDesc('a_bias'), b)
    np.testing.assert_array_equal(w.asnumpy(), 0.5)
    np.testing.assert_array_equal(b.asnumpy(), 1.0)
    # a variable's init= attribute can name a registered custom initializer
    v = mx.sym.Variable('cw', init=MyTestInit(0.75))
    fc = mx.sym.FullyConnected(mx.sym.Variable('data'), weight=v, num_hidden=2, name='fc')
    mod = mx.mod.Module(fc, label_names=None)
    mod.bind([('data', (1, 3))], for_training=False)
    mod.init_params(initializer=I.Uniform())
    np.testing.assert_array_equal(mod.get_params()[0]['cw'].asnumpy(), 0.75)
    # re-registering a different class under the same name warns
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')

        class mytestinit(I.Initializer):        # noqa: N801 -- same lower-case name
            def _init_weight(self, _, arr):
                arr[:] = 0
        I.register(mytestinit)
    assert any(issubclass(x.category, UserWarning) for x in w)
    # MXNet: AssertionError('Can only register subclass of Initializer')
    with pytest.raises(MXNetError, match='register expects an Initializer subclass'):
        I.register(int)


def test_mixed():
    m = I.Mixed(['.*bias', '.*'], [I.Constant(0.3), I.One()])
    w, b = _arr((2, 2)), _arr((2,))
    m(I.InitDesc('fc_weight'), w)
    m(I.InitDesc('fc_bias'), b)
    np.testing.assert_array_equal(w.asnumpy(), 1.0)
    np.testing.assert_array_equal(b.asnumpy(), 0.0)     # Constant's bias rule is still 0
    # re.match is anchored at the start: 'bias' does not match 'fc_bias'
    with pytest.raises(MXNetError, match='fc_bias'):
        I.Mixed(['bias'], [I.Zero()])(I.InitDesc('fc_bias'), b)
    with pytest.raises(MXNetError, match='as many patterns as initializers'):
        I.Mixed(['a', 'b'], [I.Zero()])


def test_load(tmp_path):
    src = {'arg:fc_weight': mx.nd.ones((2, 2)), 'aux:bn_moving_mean': mx.nd.full((2,), 3.0),
           'plain': mx.nd.full((1,), 5.0)}
    ld = I.Load(src, default_init=I.Constant(4.0), verbose=True)
    assert sorted(ld.param) == ['bn_moving_mean', 'fc_weight', 'plain']
    a = _arr((2, 2), 0.0)
    with capture_logs() as lines:
        ld('fc_weight', a)
        b = _arr((2, 2), 0.0)
        ld(I.InitDesc('fc2_weight'), b)
    np.testing.assert_array_equal(a.asnumpy(), 1.0)
    np.testing.assert_array_equal(b.asnumpy(), 4.0)
    assert lines == ['Initialized fc_weight by loading', 'Initialized fc2_weight by default']
    # MXNet raises AssertionError with these texts; tfmod raises MXNetError with the same text
    with pytest.raises(MXNetError, match=r'fc_weight cannot be initialized from loading\. '
                                         r'Shape mismatch, target \(3, 2\) vs loaded \(2, 2\)'):
        ld('fc_weight', _arr((3, 2)))
    with pytest.raises(MXNetError, match='Cannot Initialize x. Not found in loaded param and '
                                         'no default Initializer'):
        I.Load({})('x', _arr((1,)))
    fname = str(tmp_path / 'p.params')
    mx.nd.save(fname, src)
    ld2 = I.Load(fname)
    c = _arr((2,), 0.0)
    ld2('bn_moving_mean', c)
    np.testing.assert_array_equal(c.asnumpy(), 3.0)
    # Load works as a Module initializer
    fc = mx.sym.FullyConnected(mx.sym.Variable('data'), num_hidden=2, name='fc')
    mod = mx.mod.Module(fc, label_names=None)
    mod.bind([('data', (1, 2))], for_training=False)
    mod.init_params(initializer=I.Load({'arg:fc_weight': mx.nd.full((2, 2), 9.0)},
                                       default_init=I.Zero()))
    arg = mod.get_params()[0]
    np.testing.assert_array_equal(arg['fc_weight'].asnumpy(), 9.0)
    np.testing.assert_array_equal(arg['fc_bias'].asnumpy(), 0.0)


def test_legacy_string_call():
    u = I.Uniform()
    cases = [('upsampling0_weight', (1, 1, 4, 4)), ('bn_moving_var', (3,)),
             ('bn_moving_mean', (3,)), ('stn_loc_bias', (6,)), ('stn_loc_weight', (6,)),
             ('x_moving_inv_var', (2,)), ('x_moving_avg', (2,)), ('x_max', (2,)), ('x_min', (2,))]
    got = {}
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        for name, shape in cases:
            a = _arr(shape)
            u(name, a)
            got[name] = a.asnumpy().ravel().tolist()
    assert w and all(issubclass(x.category, DeprecationWarning) for x in w)
    # values recorded from MXNet 1.9.1
    assert got['upsampling0_weight'] == [0.0625, 0.1875, 0.1875, 0.0625, 0.1875, 0.5625,
                                         0.5625, 0.1875, 0.1875, 0.5625, 0.5625, 0.1875,
                                         0.0625, 0.1875, 0.1875, 0.0625]
    assert got['bn_moving_var'] == [1.0] * 3 and got['bn_moving_mean'] == [0.0] * 3
    assert got['stn_loc_bias'] == [1, 0, 0, 0, 1, 0] and got['stn_loc_weight'] == [0.0] * 6
    assert got['x_moving_inv_var'] == [0, 0] and got['x_moving_avg'] == [0, 0]
    assert got['x_max'] == [1, 1] and got['x_min'] == [0, 0]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with pytest.raises(TypeError):
            u('x_weight', np.zeros(3))
        with pytest.raises(MXNetError, match='odd_name'):
            u('odd_name', _arr((2,)))


def test_individual_rules():
    # Bilinear == the upsampling kernel formula
    a = _arr((2, 1, 3, 4))
    I.Bilinear()(I.InitDesc('up_weight'), a)
    f = math.ceil(4 / 2.)
    c = (2 * f - 1 - f % 2) / (2. * f)
    want = np.zeros(2 * 3 * 4)
    for i in range(want.size):
        x, y = i % 4, (i // 4) % 3
        want[i] = (1 - abs(x / f - c)) * (1 - abs(y / f - c))
    np.testing.assert_allclose(a.asnumpy().ravel(), want, rtol=1e-6)
    # Constant with an array value; dumps() turns it into a list
    v = np.arange(4, dtype=np.float32).reshape(2, 2)
    a = _arr((2, 2))
    I.Constant(mx.nd.array(v))(I.InitDesc('k_weight'), a)
    np.testing.assert_array_equal(a.asnumpy(), v)
    assert json.loads(I.Constant(np.array([1, 2.5])).dumps()) == ['constant',
                                                                  {'value': [1.0, 2.5]}]
    assert json.loads(I.Constant(mx.nd.array([1, 2])).dumps()) == ['constant',
                                                                   {'value': [1.0, 2.0]}]
    # Xavier needs >= 2-D; bad factor / random types raise
    with pytest.raises(MXNetError, match='v_weight'):
        I.Xavier()(I.InitDesc('v_weight'), _arr((3,)))
    with pytest.raises(MXNetError):
        I.Xavier(factor_type='bad')(I.InitDesc('m_weight'), _arr((3, 3)))
    with pytest.raises(MXNetError):
        I.Xavier(rnd_type='bad')(I.InitDesc('m_weight'), _arr((3, 3)))
    # MSRAPrelu is gaussian Xavier with magnitude 2/(1+slope^2)
    m = I.MSRAPrelu(slope=0.5)
    assert m.rnd_type == 'gaussian' and m.magnitude == pytest.approx(2 / 1.25)
    assert json.loads(m.dumps()) == ['msraprelu', {'factor_type': 'avg', 'slope': 0.5}]
    # Orthogonal: wide and tall matrices, scaled
    for shape in ((3, 7), (7, 3), (4, 2, 2)):
        a = _arr(shape)
        I.Orthogonal(scale=2.0)(I.InitDesc('o_weight'), a)
        _check_random('o', a.asnumpy(), ('orthogonal', 2.0))
    # equality compares class and kwargs
    assert I.Uniform(0.1) == I.Uniform(0.1) and I.Uniform(0.1) != I.Uniform(0.2)
    assert I.Uniform(0.1) != I.Normal(0.1)
    # FusedRNN dumps, with and without an inner initializer
    assert json.loads(I.FusedRNN(None, 8, 1, 'lstm').dumps()) == [
        'fusedrnn', {'init': None, 'num_hidden': 8, 'num_layers': 1, 'mode': 'lstm',
                     'bidirectional': False, 'forget_bias': 1.0}]
    assert json.loads(json.loads(I.FusedRNN(I.Xavier(), 8, 1, 'lstm').dumps())[1]['init']) == [
        'xavier', {'rnd_type': 'uniform', 'factor_type': 'avg', 'magnitude': 3}]


def test_fused_rnn_with_own_inner_init():
    # 2 layers, bidirectional GRU, input 5, hidden 3, inner Constant(0.5): weights 0.5,
    # biases 0 (Constant only changes weights), no forget bias for GRU
    h, inp, dirs, g = 3, 5, 2, 3
    size = dirs * g * h * (inp + h + 2) + dirs * g * h * (dirs * h + h + 2)
    a = _arr((size,))
    fr = I.FusedRNN(I.Constant(0.5), h, 2, 'gru', bidirectional=True)
    I.Uniform()(I.InitDesc('r_parameters', attrs={'__init__': fr.dumps()}), a)
    v = a.asnumpy()
    nw = dirs * g * h * (inp + h) + dirs * g * h * (dirs * h + h)
    np.testing.assert_array_equal(v[:nw], 0.5)
    np.testing.assert_array_equal(v[nw:], 0.0)
    with pytest.raises(MXNetError):
        fr._init_weight(I.InitDesc('r_parameters'), _arr((size + 1,)))


def test_quantized_suffixes():
    a = mx.nd.zeros((2, 3), dtype='int8')
    I.Uniform()(I.InitDesc('w_weight_quantize'), a)
    v = a.asnumpy()
    assert v.dtype == np.int8 and np.all(v == v.flat[0]) and -127 <= v.flat[0] < 127
    b = mx.nd.ones((3,), dtype='int8')
    I.Uniform()(I.InitDesc('w_bias_quantize'), b)
    np.testing.assert_array_equal(b.asnumpy(), 0)
