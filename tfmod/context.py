"""Devices: ``mx.cpu(i)``, ``mx.gpu(i)`` and the current default context, mapped to TF devices.

As in MXNet every ``cpu(i)`` is the host: it maps to TF's logical CPU i when that many exist
(tests make several with ``tf.config``) and to CPU 0 otherwise. ``gpu(i)`` maps to TF's GPU i; a
missing GPU is reported when the context is used, naming it.
"""
import threading

import tensorflow as tf

from .base import MXNetError


class Context:
    """A device: ``Context('cpu', 0)``, ``Context('gpu', 1)``; also a ``with`` scope."""
    devtype2str = {1: 'cpu', 2: 'gpu', 3: 'cpu_pinned', 5: 'cpu_shared'}
    devstr2type = {'cpu': 1, 'gpu': 2, 'cpu_pinned': 3, 'cpu_shared': 5}
    _default_ctx = threading.local()

    def __init__(self, device_type, device_id=0):
        if isinstance(device_type, Context):
            self.device_typeid = device_type.device_typeid
            self.device_id = device_type.device_id
        else:
            if device_type not in self.devstr2type:
                raise MXNetError('unknown device type %r (expected cpu, gpu, cpu_pinned or '
                                 'cpu_shared)' % (device_type,))
            self.device_typeid = self.devstr2type[device_type]
            self.device_id = int(device_id)
        self._old_ctx = None

    @property
    def device_type(self):
        return self.devtype2str[self.device_typeid]

    def __hash__(self):
        return hash((self.device_typeid, self.device_id))

    def __eq__(self, other):
        return isinstance(other, Context) and self.device_typeid == other.device_typeid \
            and self.device_id == other.device_id

    def __str__(self):
        return '%s(%d)' % (self.device_type, self.device_id)

    __repr__ = __str__

    def __enter__(self):
        if not hasattr(Context._default_ctx, 'value'):
            Context._default_ctx.value = Context('cpu', 0)
        self._old_ctx = Context._default_ctx.value
        Context._default_ctx.value = self
        return self

    def __exit__(self, ptype, value, trace):
        Context._default_ctx.value = self._old_ctx

    @property
    def tf_device(self):
        """The TF device string this context runs on; raises MXNetError for an absent GPU."""
        if self.device_type == 'gpu':
            gpus = tf.config.list_logical_devices('GPU')
            if self.device_id >= len(gpus):
                raise MXNetError('%s is not available: TensorFlow sees %d GPU(s) on this machine'
                                 % (self, len(gpus)))
            return gpus[self.device_id].name
        cpus = tf.config.list_logical_devices('CPU')
        i = self.device_id if self.device_id < len(cpus) else 0
        return cpus[i].name

    def empty_cache(self):
        """No-op: TensorFlow manages its own memory pools."""


def cpu(device_id=0):
    return Context('cpu', device_id)


def gpu(device_id=0):
    return Context('gpu', device_id)


def cpu_pinned(device_id=0):
    return Context('cpu_pinned', device_id)


def num_gpus():
    return len(tf.config.list_physical_devices('GPU'))


def gpu_memory_info(device_id=0):
    info = tf.config.experimental.get_memory_info(gpu(device_id).tf_device)
    return info.get('peak', 0), info.get('current', 0)


def current_context():
    if not hasattr(Context._default_ctx, 'value'):
        Context._default_ctx.value = Context('cpu', 0)
    return Context._default_ctx.value
