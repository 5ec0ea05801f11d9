"""``mx.runtime``: MXNet's feature query (``Features().is_enabled('CUDA')``), answered for tfmod on
the TensorFlow build and machine it runs on.

The names and their order are MXNet 1.9.1's. What each means here:

* CUDA: TensorFlow is a CUDA build *and* sees a GPU (scripts use this flag to pick ``mx.gpu()``;
  a CUDA build without a usable driver cannot run on a GPU). CUDNN / NCCL: the same, with
  TensorFlow's cuDNN (and, on Linux, NCCL for multi-GPU reductions). TENSORRT: TensorFlow's
  TensorRT build flag.
* CPU_SSE ... CPU_AVX2, SSE, F16C: the instruction sets of this CPU (TensorFlow's kernels pick
  them at run time), read from /proc/cpuinfo; False where that file does not exist.
* MKLDNN: TensorFlow's oneDNN build flag. MXNet's oneDNN subgraph backend and int8
  quantization are not offered by tfmod either way.
* OPENCV: True -- ``mx.image`` and ``ImageRecordIter`` decode and resize as OpenCV does.
* LAPACK, INT64_TENSOR_SIZE: True -- ``linalg`` ops and tensors over 2**31 elements run on TF.
* DIST_KVSTORE: False -- ``dist_*`` kvstores run as one worker. CUDA_RTC, OPENMP, JEMALLOC,
  BLAS_*, CAFFE, PROFILER, CXX14, SIGNAL_HANDLER, DEBUG, TVM_OP: False, nothing of the kind.
"""
import collections
import functools
import os
import sys

__all__ = ['Feature', 'Features', 'feature_list']

# MXNet 1.9.1's feature names, in its order.
FEATURE_NAMES = (
    'CUDA', 'CUDNN', 'NCCL', 'CUDA_RTC', 'TENSORRT', 'CPU_SSE', 'CPU_SSE2', 'CPU_SSE3',
    'CPU_SSE4_1', 'CPU_SSE4_2', 'CPU_SSE4A', 'CPU_AVX', 'CPU_AVX2', 'OPENMP', 'SSE', 'F16C',
    'JEMALLOC', 'BLAS_OPEN', 'BLAS_ATLAS', 'BLAS_MKL', 'BLAS_APPLE', 'LAPACK', 'MKLDNN', 'OPENCV',
    'CAFFE', 'PROFILER', 'DIST_KVSTORE', 'CXX14', 'INT64_TENSOR_SIZE', 'SIGNAL_HANDLER', 'DEBUG',
    'TVM_OP')

# Feature -> /proc/cpuinfo flag (MXNet's CPU_SSE3 is SSE3, which Linux calls "pni").
_CPU_FLAGS = {'CPU_SSE': 'sse', 'CPU_SSE2': 'sse2', 'CPU_SSE3': 'pni', 'CPU_SSE4_1': 'sse4_1',
              'CPU_SSE4_2': 'sse4_2', 'CPU_SSE4A': 'sse4a', 'CPU_AVX': 'avx', 'CPU_AVX2': 'avx2',
              'SSE': 'sse', 'F16C': 'f16c'}
_ALWAYS = frozenset(['LAPACK', 'INT64_TENSOR_SIZE', 'OPENCV'])


class Feature:
    """One feature: ``name`` and ``enabled``; printed as MXNet prints it (``✔ CUDA``)."""
    __slots__ = ('_name', '_enabled')

    def __init__(self, name, enabled):
        self._name = name
        self._enabled = bool(enabled)

    @property
    def name(self):
        """Feature name."""
        return self._name

    @property
    def enabled(self):
        """Whether this tfmod/TensorFlow installation has the feature."""
        return self._enabled

    def __repr__(self):
        return ('✔ {}' if self._enabled else '✖ {}').format(self._name)


def _cpu_flags(path='/proc/cpuinfo'):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith('flags'):
                    return set(line.split(':', 1)[1].split())
    except OSError:
        pass
    return set()


@functools.lru_cache(maxsize=1)
def _states():
    import tensorflow as tf
    from tensorflow.python.util import _pywrap_util_port
    info = tf.sysconfig.get_build_info()
    cuda = bool(info.get('is_cuda_build')) and bool(tf.config.list_physical_devices('GPU'))
    flags = _cpu_flags()
    states = {name: name in _ALWAYS for name in FEATURE_NAMES}
    states.update({name: flag in flags for name, flag in _CPU_FLAGS.items()})
    states['CUDA'] = cuda
    states['CUDNN'] = cuda and bool(info.get('cudnn_version'))
    states['NCCL'] = cuda and sys.platform.startswith('linux')
    states['TENSORRT'] = bool(info.get('is_tensorrt_build'))
    states['MKLDNN'] = (bool(_pywrap_util_port.IsMklEnabled())
                        and os.environ.get('TF_ENABLE_ONEDNN_OPTS', '1') != '0')
    return states


def feature_list():
    """The list of ``Feature`` objects, in MXNet's order."""
    states = _states()
    return [Feature(name, states[name]) for name in FEATURE_NAMES]


class Features(collections.OrderedDict):
    """Ordered dict of feature name -> ``Feature``; one shared instance, as in MXNet."""
    instance = None

    def __new__(cls):
        if cls.instance is None:
            cls.instance = super().__new__(cls)
            super(Features, cls.instance).__init__([(f.name, f) for f in feature_list()])
        return cls.instance

    def __init__(self):    # filled once, in __new__; calling Features() again changes nothing
        pass

    def __repr__(self):
        return str(list(self.values()))

    def is_enabled(self, feature_name):
        """Whether feature ``feature_name`` (any case) is enabled; RuntimeError for an unknown
        name, as MXNet."""
        feature_name = feature_name.upper()
        if feature_name not in self:
            raise RuntimeError("Feature '{}' is unknown, known features are: {}".format(
                feature_name, list(self.keys())))
        return self[feature_name].enabled
