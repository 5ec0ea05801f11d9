"""The one random state tfmod draws from, seeded by ``mx.random.seed``.

Eager samplers, the per-call seeds compiled graphs give to Dropout and the random ops (stateless
TF random ops), and SGLD's noise all come from here, so a seeded program is reproducible run to
run. A leaf module: the op-calling machinery (which seeds random ops) and ``mx.random``'s
samplers (which call ops) both import it, neither imports the other back.
"""
import numpy as np
import tensorflow as tf

from .base import MXNetError

_state = {'rng': np.random.RandomState(0)}


def seed(seed_state, ctx='all'):
    """Seed every random source tfmod uses."""
    if not isinstance(seed_state, (int, np.integer)) or isinstance(seed_state, bool):
        raise MXNetError('seed_state must be an integer, got %r' % (seed_state,))
    _state['rng'] = np.random.RandomState(int(seed_state) & 0xFFFFFFFF)


def generator():
    """The current numpy RandomState (replaced by every seed())."""
    return _state['rng']


def next_seed():
    """A fresh [2] int32 seed tensor for one call of a compiled graph or a random op."""
    return tf.constant(_state['rng'].randint(0, 2 ** 31 - 1, size=2, dtype=np.int64)
                       .astype(np.int32))
