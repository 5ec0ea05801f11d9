"""``BatchEndParam``: what ``fit`` passes to every batch-end callback (MXNet's record, field for
field), in a module of its own so the fit loops and callbacks need not import ``mx.model``."""
from collections import namedtuple

BatchEndParam = namedtuple('BatchEndParams', ['epoch', 'nbatch', 'eval_metric', 'locals'])
