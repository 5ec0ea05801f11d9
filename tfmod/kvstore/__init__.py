"""``mx.kv`` / ``mx.kvstore``: KVStore and create."""
from . import kvstore, kvstore_server  # noqa: F401
from .kvstore import KVStore, create  # noqa: F401
from .kvstore_server import KVStoreServer  # noqa: F401

KVStoreBase = KVStore
