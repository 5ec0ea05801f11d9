"""``mx.kv.KVStoreServer``: MXNet's parameter-server loop, which tfmod has no use for.

tfmod's dist_sync workers all-reduce their gradients (``kvstore/cluster.py``); processes started
with ``DMLC_ROLE=server`` exit when tfmod is imported. The class is kept so that code naming it
imports, and running it says why there is nothing to run.
"""
from ..base import MXNetError


class KVStoreServer:
    """MXNet's server wrapper around a KVStore; ``run`` raises (no parameter servers here)."""

    def __init__(self, kvstore):
        self.kvstore = kvstore

    def run(self):
        raise MXNetError('tfmod has no parameter servers: dist_sync workers all-reduce their '
                         'gradients with TensorFlow collective ops (start them with '
                         'python -m tfmod.launch)')
