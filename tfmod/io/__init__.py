"""``mx.io``: data descriptions, batches and iterators."""
from .base import DataDesc, DataBatch, DataIter  # noqa: F401
from .ndarray_iter import NDArrayIter  # noqa: F401
from .resize_iter import ResizeIter  # noqa: F401
from .prefetch_iter import PrefetchingIter  # noqa: F401
from .csv_iter import CSVIter  # noqa: F401
from .image_record_iter import ImageRecordIter  # noqa: F401
from .image_record_variants import (ImageRecordUInt8Iter, ImageRecordInt8Iter,  # noqa: F401
                                    ImageRecordIter_v1, ImageRecordUInt8Iter_v1)
from .mnist_iter import MNISTIter  # noqa: F401
from .libsvm_iter import LibSVMIter  # noqa: F401
from .image_det_record_iter import ImageDetRecordIter  # noqa: F401
from .mxdata_iter import MXDataIter  # noqa: F401
