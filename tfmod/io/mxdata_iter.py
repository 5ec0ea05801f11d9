"""``mx.io.MXDataIter``: in MXNet, the Python class of every iterator written in C++ (CSVIter,
ImageRecordIter and its variants, LibSVMIter, MNISTIter), wrapping a C++ handle.

tfmod's versions of those iterators are Python classes of their own; MXDataIter is their common
abstract base, so ``isinstance(it, mx.io.MXDataIter)`` holds for them as in MXNet. It has no
C++ handles to wrap: constructing it directly raises (MXNet 1.9.1 crashes on a bad handle).
"""
import abc

from ..base import MXNetError
from .base import DataIter
from .csv_iter import CSVIter
from .image_record_iter import ImageRecordIter
from .libsvm_iter import LibSVMIter
from .mnist_iter import MNISTIter


class MXDataIter(DataIter, metaclass=abc.ABCMeta):
    """The iterators MXNet implements in C++ (an abstract base here: see the module's doc)."""

    def __init__(self, handle=None, data_name='data', label_name='softmax_label', **_):
        raise MXNetError('MXDataIter: tfmod has no C++ iterator handles to wrap (got %r); '
                         'create the iterator by its name, e.g. mx.io.ImageRecordIter(...)'
                         % (handle,))


for _cls in (CSVIter, ImageRecordIter, LibSVMIter, MNISTIter):
    MXDataIter.register(_cls)
