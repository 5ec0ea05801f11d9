"""Shared test setup: quiet TF, and four logical CPU devices.

The logical devices let the multi-device tests place replicas on distinct TF devices, as
MXNet's ``context=[mx.cpu(0), mx.cpu(1), ...]`` does; they must exist before TF initialises.
Everything else runs on CPU:0 exactly as without them.
"""
import os

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

import tensorflow as tf  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')
NUM_LOGICAL_CPUS = 4

_cpus = tf.config.list_physical_devices('CPU')
tf.config.set_logical_device_configuration(
    _cpus[0], [tf.config.LogicalDeviceConfiguration()] * NUM_LOGICAL_CPUS)
