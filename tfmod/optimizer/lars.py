"""LARS and LBSGD: SGD with layer-wise adaptive learning rates.

LARS follows what MXNet 1.9.1's Updater runs (aggregated: multi_lars + preloaded_multi_sgd):
for every parameter whose name does not end in gamma/beta/bias,

    lr = lr*eta*||w|| / (||grad||*rescale + wd*||w|| + eps)     (when ||w|| > 0 and ||grad|| > 0)

then ``mom = m*mom - lr*wd*w - lr*clip(rescale*grad); w += mom``. With momentum_correction the
momentum is scaled by cur_lr/last_lr, which ``_get_lrs`` tracks once per aggregated call of
``aggregate_num`` parameters, so only the first chunk of a step sees the ratio (the Updater hands
LARS chunks, as MXNet's aggregated Updater does). Only ``*_weight`` parameters decay.

LBSGD keeps Python-side cumulated gradients and warm-up bookkeeping per update, so it runs
eagerly (the per-parameter path), as MXNet's own Python update does.
"""
import logging
import math
import os

import numpy as np
import tensorflow as tf

from tfmod_converters import optimizer as K
from .. import ndarray as nd
from ._momentum import MomentumState
from .optimizer import Optimizer, register
from ._kernels import kbound, kparam, zeros_state


def _no_lars(name):
    return name.endswith('gamma') or name.endswith('beta') or name.endswith('bias')


@register
class LARS(MomentumState, Optimizer):
    """The LARS optimizer (state: momentum or None; multi_precision: (momentum, master))."""
    _tf_hparams = ('eta', 'eps')
    _eager_aggregate = True
    _takes_index_lists = True
    _decayed_suffixes = ('_weight',)  # MXNet's LARS leaves *_gamma undecayed too

    def __init__(self, momentum=0.0, lazy_update=True, eta=0.001, eps=0,
                 momentum_correction=True, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.momentum_correction = momentum_correction
        self.lazy_update = lazy_update
        self.aggregate_num = int(os.getenv('MXNET_OPTIMIZER_AGGREGATION_SIZE', "4"))
        self.eta = eta
        self.eps = eps
        self.skip = 0
        self.last_lr = None
        self.cur_lr = None

    def _get_lrs(self, indices):
        if self.cur_lr is not None:
            self.last_lr = self.cur_lr
        lr = self.lr_scheduler(self.num_update) if self.lr_scheduler is not None else self.lr
        if self.cur_lr is None:
            self.last_lr = lr
        self.cur_lr = lr
        return [lr * self._lr_mult_of(i) for i in indices]

    def _tf_param_hparams(self, indices):
        if self.momentum > 0 and self.momentum_correction and self.last_lr != 0:
            first = self.momentum * (self.cur_lr / self.last_lr)
        else:
            first = self.momentum
        n = max(1, self.aggregate_num)
        moms = [first if j < n else self.momentum for j in range(len(indices))]
        names = [self.idx2name.get(i, str(i)) for i in indices]
        return {'momentum': moms, 'lars_on': [0.0 if _no_lars(nm) else 1.0 for nm in names]}

    def _tf_step(self, weight, grad, state, lr, wd, t, hp):
        dt = weight.dtype
        lr32, wd32 = tf.cast(lr, tf.float32), tf.cast(wd, tf.float32)
        rescale32 = tf.cast(hp['rescale_grad'], tf.float32)
        w_norm = tf.sqrt(tf.reduce_sum(tf.square(tf.cast(weight, tf.float32))))
        g_ss = tf.reduce_sum(tf.square(tf.cast(grad, tf.float32)))
        valid = tf.logical_and(w_norm > 0., g_ss > 0.)
        denom = tf.sqrt(g_ss) * rescale32 + wd32 * w_norm + tf.cast(hp['eps'], tf.float32)
        scaled = lr32 * tf.cast(hp['eta'], tf.float32) * w_norm / tf.where(valid, denom, 1.)
        lars_lr = tf.where(tf.logical_and(valid, hp['lars_on'] > 0.5), scaled, lr32)
        # then preloaded_multi_sgd(_mom)'s kernel, which runs without a buffer from mom = 0
        mom = tf.zeros_like(weight) if state is None else state
        m = tf.zeros([], dt) if state is None else kparam(hp['momentum'], dt)
        new_w, mom = K.sgd_mom(weight, grad, mom, tf.cast(lars_lr, dt), m, kparam(wd, dt),
                               kparam(hp['rescale_grad'], dt), kbound(hp, dt))
        return new_w, (None if state is None else mom)


@register
class LBSGD(Optimizer):
    """Large-batch SGD with warm-up strategies ('linear', 'power2', 'sqrt', 'lars')."""

    def __init__(self, momentum=0.0, multi_precision=False, warmup_strategy='linear',
                 warmup_epochs=5, batch_scale=1, updates_per_epoch=32, begin_epoch=0,
                 num_epochs=60, **kwargs):
        super().__init__(**kwargs)
        logging.info('Running Large-Batch SGD Algorithm')
        logging.info('(Batch_scale=%f, warmup_epochs=%d, warmup_strategy=%s, '
                     'updates_per_epoch=%d)', batch_scale, warmup_epochs, warmup_strategy,
                     updates_per_epoch)
        self.momentum = momentum
        self.multi_precision = multi_precision
        self.warmup_strategy = warmup_strategy
        self.warmup_epochs = warmup_epochs
        self.batch_scale = batch_scale
        self.updates_per_epoch = updates_per_epoch
        self.init_updates = begin_epoch * updates_per_epoch
        self.num_epochs = num_epochs
        self.lbmult = 1
        self.cumgrads = {}
        self.adaptive = False
        self.admult = 1

    def create_state(self, index, weight):
        mom = None
        if self.multi_precision and weight.dtype == np.float16:
            master = weight.astype(np.float32)
            if self.momentum != 0.0:
                mom = zeros_state(weight, 'float32')
            return (mom, master)
        if self.momentum != 0.0:
            mom = zeros_state(weight, weight.dtype)
        return mom

    def _get_lbmult(self, nup):
        nwup = self.warmup_epochs * self.updates_per_epoch
        maxmult = float(self.batch_scale)
        if nup >= nwup:
            return maxmult
        if nwup <= 1:
            return 1.0
        if self.warmup_strategy == 'linear':
            return 1.0 + (maxmult - 1) * nup / nwup
        if self.warmup_strategy == 'power2':
            return 1.0 + (maxmult - 1) * (nup * nup) / (nwup * nwup)
        if self.warmup_strategy == 'sqrt':
            return 1.0 + (maxmult - 1) * math.sqrt(float(nup) / nwup)
        return 1.0

    @staticmethod
    def _l2norm(v):
        a = v.asnumpy()
        return (a * a).sum()

    def _get_lars(self, weight, g, wd):
        weight2 = self._l2norm(weight)
        grad2 = self._l2norm(g)
        lars = math.sqrt(weight2 / (grad2 + wd * weight2 + 1e-18))
        return min(max(lars, 0.01), 100)

    def _reset_cum_gradient(self, index):
        self.cumgrads[index]['cum_grad'] = 0

    def _get_cum_gradient(self, index):
        return self.cumgrads.get(index, {})

    def _put_cum_gradient(self, index, cgrad):
        self.cumgrads[index] = cgrad

    def _cumulate_gradient(self, grad, index):
        cgrad = self._get_cum_gradient(index)
        if cgrad and cgrad['num_cums'] > 0:
            cum_grad = cgrad['cum_grad'] + grad
            num_cums = cgrad['num_cums'] + 1
        else:
            cum_grad = grad
            num_cums = self.init_updates + 1
        cgrad = {'cum_grad': cum_grad, 'num_cums': num_cums}
        self._put_cum_gradient(index, cgrad)
        return cgrad

    def update(self, index, weight, grad, state):
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        self._update_count(index)
        cgrad = self._cumulate_gradient(grad, index)
        if cgrad['num_cums'] % self.batch_scale == 0:
            grad = cgrad['cum_grad'] / self.batch_scale
            if self.warmup_strategy == 'lars':
                lbmult = self._get_lars(weight, grad, wd)
            else:
                lbmult = self._get_lbmult(cgrad['num_cums'])
            lr = lr * lbmult
            # the regular SGD update ops, as MXNet's LBSGD calls them
            kw = {'rescale_grad': self.rescale_grad, 'lr': lr, 'wd': wd}
            if self.momentum > 0:
                kw['momentum'] = self.momentum
            if self.clip_gradient:
                kw['clip_gradient'] = self.clip_gradient
            if isinstance(state, (list, tuple)):   # (momentum, float32 master)
                mom, master = state
                if mom is not None:
                    nd.mp_sgd_mom_update(weight, grad, mom, master, out=weight, **kw)
                else:
                    nd.mp_sgd_update(weight, grad, master, out=weight, **kw)
            elif state is not None:
                nd.sgd_mom_update(weight, grad, state, out=weight, **kw)
            else:
                nd.sgd_update(weight, grad, out=weight, **kw)
            self._reset_cum_gradient(index)
        else:
            nd.sgd_update(weight, grad, out=weight, lr=0.0, wd=wd)
