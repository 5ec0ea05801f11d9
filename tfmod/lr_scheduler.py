"""``mx.lr_scheduler``: learning-rate schedules, as MXNet 1.9.1 has them.

A scheduler is called with ``num_update`` (the optimizer's update count, 1 for the first
update) and returns the learning rate.  The schedulers are stateful, exactly like MXNet's:

* ``FactorScheduler`` decays once ``num_update > count + step`` (so update n gets
  ``base_lr * factor**floor((n-1)/step)``), and a decay is never undone by a smaller
  ``num_update``.  ``MultiFactorScheduler`` decays once ``num_update > step[i]``.
* ``PolyScheduler`` and ``CosineScheduler`` store each computed rate in ``base_lr`` and
  keep returning it past ``max_update``; they compute from ``base_lr_orig``, so setting
  ``base_lr`` afterwards (what an optimizer's ``learning_rate`` override does) has no
  effect on them.
* Warmup (``num_update < warmup_steps``) goes from ``warmup_begin_lr`` to the constructor's
  ``base_lr`` (linear) or stays at ``warmup_begin_lr`` (constant).

Decays are reported with ``logging.info('Update[%d]: Change learning rate to %0.5e')``.
"""
import logging
from math import cos, pi

from . import states_pickle as _states_pickle

__all__ = ['LRScheduler', 'FactorScheduler', 'MultiFactorScheduler', 'PolyScheduler',
           'CosineScheduler']


class LRScheduler(object):
    """Base class: holds ``base_lr`` and the warmup settings.

    Parameters
    ----------
    base_lr : float
        Initial learning rate.
    warmup_steps : int
        Number of warmup updates before the schedule proper starts.
    warmup_begin_lr : float
        Learning rate at update 0 of the warmup.
    warmup_mode : {'linear', 'constant'}
    """

    def __init__(self, base_lr=0.01, warmup_steps=0, warmup_begin_lr=0, warmup_mode='linear'):
        self.base_lr = base_lr
        assert isinstance(warmup_steps, int)
        self.warmup_steps = warmup_steps
        self.warmup_final_lr = base_lr
        self.warmup_begin_lr = warmup_begin_lr
        if self.warmup_begin_lr > self.warmup_final_lr:
            raise ValueError('Base lr has to be higher than warmup_begin_lr')
        if self.warmup_steps < 0:
            raise ValueError('Warmup steps has to be positive or 0')
        if warmup_mode not in ('linear', 'constant'):
            raise ValueError('Supports only linear and constant modes of warmup')
        self.warmup_mode = warmup_mode

    def get_warmup_lr(self, num_update):
        """Learning rate at ``num_update`` (< warmup_steps) during warmup."""
        assert num_update < self.warmup_steps
        if self.warmup_mode == 'linear':
            span = self.warmup_final_lr - self.warmup_begin_lr
            return self.warmup_begin_lr + span * float(num_update) / float(self.warmup_steps)
        if self.warmup_mode == 'constant':
            return self.warmup_begin_lr
        raise ValueError('Invalid warmup mode %s' % self.warmup_mode)

    def __call__(self, num_update):
        """The learning rate for update ``num_update``."""
        raise NotImplementedError('must override this')


class FactorScheduler(LRScheduler):
    """Multiply the rate by ``factor`` every ``step`` updates, not below
    ``stop_factor_lr``."""

    def __init__(self, step, factor=1, stop_factor_lr=1e-8, base_lr=0.01,
                 warmup_steps=0, warmup_begin_lr=0, warmup_mode='linear'):
        super(FactorScheduler, self).__init__(base_lr, warmup_steps, warmup_begin_lr,
                                              warmup_mode)
        if step < 1:
            raise ValueError('Schedule step must be greater or equal than 1 round')
        if factor > 1.0:
            raise ValueError('Factor must be no more than 1 to make lr reduce')
        self.step = step
        self.factor = factor
        self.stop_factor_lr = stop_factor_lr
        self.count = 0

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        while num_update > self.count + self.step:
            self.count += self.step
            self.base_lr *= self.factor
            if self.base_lr < self.stop_factor_lr:
                self.base_lr = self.stop_factor_lr
                logging.info('Update[%d]: now learning rate arrived at %0.5e, will not '
                             'change in the future', num_update, self.base_lr)
            else:
                logging.info('Update[%d]: Change learning rate to %0.5e',
                             num_update, self.base_lr)
        return self.base_lr


class MultiFactorScheduler(LRScheduler):
    """Multiply the rate by ``factor`` once ``num_update`` passes each of ``step``
    (an increasing list)."""

    def __init__(self, step, factor=1, base_lr=0.01, warmup_steps=0, warmup_begin_lr=0,
                 warmup_mode='linear'):
        super(MultiFactorScheduler, self).__init__(base_lr, warmup_steps, warmup_begin_lr,
                                                   warmup_mode)
        assert isinstance(step, list) and len(step) >= 1
        for i, s in enumerate(step):
            if i != 0 and step[i] <= step[i - 1]:
                raise ValueError('Schedule step must be an increasing integer list')
            if s < 1:
                raise ValueError('Schedule step must be greater or equal than 1 round')
        if factor > 1.0:
            raise ValueError('Factor must be no more than 1 to make lr reduce')
        self.step = step
        self.cur_step_ind = 0
        self.factor = factor
        self.count = 0

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        while self.cur_step_ind < len(self.step) and num_update > self.step[self.cur_step_ind]:
            self.count = self.step[self.cur_step_ind]
            self.cur_step_ind += 1
            self.base_lr *= self.factor
            logging.info('Update[%d]: Change learning rate to %0.5e', num_update, self.base_lr)
        return self.base_lr


class PolyScheduler(LRScheduler):
    """``final_lr + (base_lr - final_lr) * (1 - t/T)**pwr`` after warmup, where
    t = num_update - warmup_steps and T = max_update - warmup_steps."""

    def __init__(self, max_update, base_lr=0.01, pwr=2, final_lr=0,
                 warmup_steps=0, warmup_begin_lr=0, warmup_mode='linear'):
        super(PolyScheduler, self).__init__(base_lr, warmup_steps, warmup_begin_lr,
                                            warmup_mode)
        assert isinstance(max_update, int)
        if max_update < 1:
            raise ValueError('maximum number of updates must be strictly positive')
        self.power = pwr
        self.base_lr_orig = self.base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.max_steps = self.max_update - self.warmup_steps

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        if num_update <= self.max_update:
            frac = float(num_update - self.warmup_steps) / float(self.max_steps)
            self.base_lr = self.final_lr + \
                (self.base_lr_orig - self.final_lr) * pow(1 - frac, self.power)
        return self.base_lr


class CosineScheduler(LRScheduler):
    """``final_lr + (base_lr - final_lr) * (1 + cos(pi * t/T)) / 2`` after warmup, with
    t and T as for PolyScheduler."""

    def __init__(self, max_update, base_lr=0.01, final_lr=0,
                 warmup_steps=0, warmup_begin_lr=0, warmup_mode='linear'):
        super(CosineScheduler, self).__init__(base_lr, warmup_steps, warmup_begin_lr,
                                              warmup_mode)
        assert isinstance(max_update, int)
        if max_update < 1:
            raise ValueError('maximum number of updates must be strictly positive')
        self.base_lr_orig = base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.max_steps = self.max_update - self.warmup_steps

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        if num_update <= self.max_update:
            self.base_lr = self.final_lr + (self.base_lr_orig - self.final_lr) * \
                (1 + cos(pi * (num_update - self.warmup_steps) / self.max_steps)) / 2
        return self.base_lr


for _klass in (LRScheduler, FactorScheduler, MultiFactorScheduler, PolyScheduler, CosineScheduler):
    _states_pickle.admit_lr_scheduler(_klass)   # MXNet's dump_optimizer pickles may name them
del _klass
