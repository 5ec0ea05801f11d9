"""Record MXNet 1.9.1's mx.test_utils verdicts and SVRGModule trajectories, for
tests/test_test_utils.py and tests/test_svrg.py. Run with the oracle's python:

    PY=$(../shared/oracle/setup.sh)
    OMP_NUM_THREADS=1 $PY tools/record_testutils_svrg.py

Writes tests/fixtures/test_utils/cases.json (+ mnist.npz) and tests/fixtures/svrg/svrg.npz
(+ svrg.json). Random helpers are recorded after np.random.seed(k): test_utils draws from numpy's
global generator, so the same seed must give the same shapes and arrays.
"""
import json
import logging
import os
import sys
import tempfile

import numpy as np
import mxnet as mx
from mxnet import test_utils as tu
from mxnet.contrib.svrg_optimization.svrg_module import SVRGModule

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests'))
from support.testutils_svrg_programs import (  # noqa: E402
    backward_checks, forward_checks, mnist_iterator_runs, numeric_grad_and_consistency,
    numeric_gradient_checks, random_draws, reductions_and_tolerances, svrg_fit, svrg_symbol,
    synthetic_mnist, verdict, write_idx)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures')


def record_assert_cases():
    """assert_almost_equal / almost_equal at and around the default tolerance boundary."""
    cases = []
    f32 = np.float32
    inputs = {
        'f32_inside': (np.array([1.0, 2.0, 3.0], f32), np.array([1.0, 2.0, 3.0011], f32), {}),
        'f32_outside': (np.array([1.0, 2.0, 3.0], f32), np.array([1.0, 2.0, 3.01], f32), {}),
        'f64_outside': (np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 2.0001], [3.0, 4.0]]),
                        {}),
        'f64_inside': (np.array([1.0, 2.0]), np.array([1.0, 2.000001]), {}),
        'names_rtol': (np.arange(12, dtype=f32).reshape(3, 4),
                       np.arange(12, dtype=f32).reshape(3, 4) * 1.1,
                       {'rtol': 1e-2, 'atol': 1e-3, 'names': ('x', 'y')}),
        'nan_default': (np.array([1.0, np.nan], f32), np.array([1.0, np.nan], f32), {}),
        'nan_equal': (np.array([1.0, np.nan], f32), np.array([1.0, np.nan], f32),
                      {'equal_nan': True}),
        'mixed_f16_f32': (np.array([1.0, 2.0], np.float16), np.array([1.0, 2.05], f32), {}),
        'int_exact': (np.array([1, 2, 3]), np.array([1, 2, 4]), {}),
        'broadcast': (np.ones((2, 3), f32), np.ones((3,), f32), {}),
        'scalar_f64': (np.array(1.0), np.array(1.0 + 1e-3), {}),
        'many_mismatch': (np.zeros((4, 5), f32), np.linspace(0, 1, 20).astype(f32).reshape(4, 5),
                          {'mismatches': (3, 5)}),
    }
    for name, (a, b, kw) in inputs.items():
        outcome, msg, printed = verdict(lambda: tu.assert_almost_equal(a, b, **kw))
        nd_verdict, nd_msg, _ = verdict(
            lambda: tu.assert_almost_equal(mx.nd.array(a, dtype=a.dtype),
                                           mx.nd.array(b, dtype=b.dtype), **kw)) \
            if a.ndim and b.ndim and a.dtype != np.int64 else (None, None, None)
        kw_ae = {k: v for k, v in kw.items() if k in ('rtol', 'atol', 'equal_nan')}
        cases.append({'name': name, 'a': a.tolist(), 'b': b.tolist(), 'a_dtype': str(a.dtype),
                      'b_dtype': str(b.dtype),
                      'kwargs': {k: (list(v) if isinstance(v, tuple) else v)
                                 for k, v in kw.items()},
                      'verdict': outcome, 'message': msg, 'printed': printed,
                      'nd_verdict': nd_verdict, 'nd_message': nd_msg,
                      'almost_equal': bool(tu.almost_equal(a, b, **kw_ae))
                      if name != 'broadcast' else True})
    np.set_printoptions(edgeitems=3, infstr='inf', linewidth=75, nanstr='nan', precision=8,
                        suppress=False, threshold=1000, formatter=None)
    ign = verdict(lambda: tu.assert_almost_equal_ignore_nan(
        np.array([1.0, np.nan, 3.0], np.float32), np.array([np.nan, 2.0, 3.0], np.float32)))
    ign2 = verdict(lambda: tu.assert_almost_equal_ignore_nan(
        np.array([1.0, np.nan, 3.0], np.float32), np.array([np.nan, 2.0, 3.5], np.float32)))
    return cases, {'ignore_nan_pass': ign[0], 'ignore_nan_fail': ign2[0],
                   'ignore_nan_fail_msg': ign2[1],
                   'ignore_nan_equal': bool(tu.almost_equal_ignore_nan(
                       np.array([1.0, np.nan]), np.array([np.nan, 1.0])))
                   if hasattr(tu, 'almost_equal_ignore_nan') else None}


def record_random():
    out = random_draws(tu)
    out.update(reductions_and_tolerances(tu))
    return out


def record_symbolic():
    """check_symbolic_forward/backward and check_numeric_gradient verdicts."""
    out = forward_checks(mx, tu)
    out.update(backward_checks(mx, tu))
    out.update(numeric_gradient_checks(mx, tu))
    out.update(numeric_grad_and_consistency(mx, tu, np.array(out['x'])))
    return out


def record_mnist():
    with tempfile.TemporaryDirectory() as d:
        synthetic_mnist(d)
        cwd = os.getcwd()
        os.chdir(d)
        try:
            arrays, meta = mnist_iterator_runs(tu)
        finally:
            os.chdir(cwd)
    # MNISTIter's shuffle order: 11 images with seed 5, 1000 images with seed 0 (pixel 0 and 1
    # of image i hold i % 256 and i // 256; MNISTIter scales pixels by 1/256)
    with tempfile.TemporaryDirectory() as d:
        for n, seed in ((11, 5), (1000, 0)):
            img = np.zeros((n, 28, 28))
            img[:, 0, 0] = np.arange(n) % 256
            img[:, 0, 1] = np.arange(n) // 256
            write_idx(os.path.join(d, 'i'), img, 2051)
            write_idx(os.path.join(d, 'l'), np.arange(n) % 10, 2049)
            it = mx.io.MNISTIter(image=os.path.join(d, 'i'), label=os.path.join(d, 'l'),
                                 batch_size=n, shuffle=True, flat=True, seed=seed)
            b = next(iter(it)).data[0].asnumpy() * 256
            meta['shuffle_n%d_seed%d' % (n, seed)] = \
                np.round(b[:, 0] + 256 * b[:, 1]).astype(int).tolist()
    return arrays, meta


# -- SVRG -----------------------------------------------------------------------------------------
def svrg_problem(n, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.uniform(-1, 1, (n, 3)).astype(np.float32)
    y = (x.dot(np.array([1.5, -2.0, 0.5])) + 0.3 + 0.05 * rng.randn(n)).astype(np.float32)
    w0 = rng.uniform(-0.5, 0.5, (1, 3)).astype(np.float32)
    b0 = np.zeros((1,), np.float32)
    return x, y, w0, b0


SVRG_CASES = {
    # name: (n, batch, num_epoch, update_freq, optimizer, optimizer_params, contexts)
    'sgd_n20_b5': (20, 5, 4, 2, 'sgd', {'learning_rate': 0.025}, 1),
    'sgd_mom_pad_n22_b5': (22, 5, 4, 2, 'sgd', {'learning_rate': 0.02, 'momentum': 0.9,
                                                 'wd': 0.001}, 1),
    'sgd_freq1_n16_b4': (16, 4, 3, 1, 'sgd', {'learning_rate': 0.05}, 1),
    'sgd_n20_b10_2dev': (20, 10, 3, 2, 'sgd', {'learning_rate': 0.05}, 2),
}


def record_svrg():
    arrays = {}
    meta = {}
    logging.getLogger().setLevel(logging.WARNING)
    for name, (n, bs, ne, uf, optname, oparams, ndev) in SVRG_CASES.items():
        x, y, w0, b0 = svrg_problem(n)
        arrays[name + '/x'] = x
        arrays[name + '/y'] = y
        arrays[name + '/w0'] = w0
        arrays[name + '/b0'] = b0
        full, traj, batch_params, mse = svrg_fit(mx, SVRGModule, x, y, w0, b0, bs, ne, uf,
                                                 optname, oparams, ndev)
        for e, p in enumerate(traj):
            for k, v in p.items():
                arrays['%s/epoch%d/%s' % (name, e, k)] = v
        for j, fg in enumerate(full):
            for k, v in fg.items():
                arrays['%s/full%d/%s' % (name, j, k)] = v
        arrays[name + '/batch_weights'] = np.stack(batch_params)
        meta[name] = {'n': n, 'batch_size': bs, 'num_epoch': ne, 'update_freq': uf,
                      'optimizer': optname, 'optimizer_params': oparams, 'num_devices': ndev,
                      'num_full': len(full), 'final_mse': mse}
    # errors on bad update_freq
    errs = {}
    for bad in (0, -1, 1.5, None):
        try:
            SVRGModule(svrg_symbol(mx), data_names=['data'], label_names=['lin_reg_label'],
                       update_freq=bad)
            errs[repr(bad)] = ['pass', '']
        except Exception as e:  # noqa: BLE001
            errs[repr(bad)] = [type(e).__name__, str(e)]
    meta['_errors'] = errs
    return arrays, meta


def main():
    cases, ign = record_assert_cases()
    tud = os.path.join(ROOT, 'test_utils')
    os.makedirs(tud, exist_ok=True)
    res = {'assert_cases': cases, 'ignore_nan': ign, 'random': record_random(),
           'symbolic': record_symbolic()}
    marr, mmeta = record_mnist()
    res['mnist'] = mmeta
    np.savez_compressed(os.path.join(tud, 'mnist.npz'), **marr)
    with open(os.path.join(tud, 'cases.json'), 'w') as f:
        json.dump(res, f, indent=1, sort_keys=True)
    sarr, smeta = record_svrg()
    sd = os.path.join(ROOT, 'svrg')
    os.makedirs(sd, exist_ok=True)
    np.savez(os.path.join(sd, 'svrg.npz'), **sarr)
    with open(os.path.join(sd, 'svrg.json'), 'w') as f:
        json.dump(smeta, f, indent=1, sort_keys=True)


if __name__ == '__main__':
    sys.exit(main())
