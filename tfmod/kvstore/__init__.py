"""``mx.kv`` / ``mx.kvstore``: KVStore and create."""
from .kvstore import KVStore, create  # noqa: F401

KVStoreBase = KVStore
