"""``mx.io``: data descriptions, batches and iterators."""
from .base import DataDesc, DataBatch, DataIter  # noqa: F401
