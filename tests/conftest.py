"""Shared test setup: quiet TF, and four logical CPU devices.

The logical devices let the multi-device tests place replicas on distinct TF devices, as
MXNet's ``context=[mx.cpu(0), mx.cpu(1), ...]`` does; they must exist before TF initialises.
Everything else runs on CPU:0 exactly as without them.
"""
import importlib.util
import os

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

import tensorflow as tf  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')
NUM_LOGICAL_CPUS = 4

_cpus = tf.config.list_physical_devices('CPU')
tf.config.set_logical_device_configuration(
    _cpus[0], [tf.config.LogicalDeviceConfiguration()] * NUM_LOGICAL_CPUS)

# this tree's converters/ is the tfmod_converters the tests import, even when the environment's
# editable install points at another checkout (tfmod/_converters_home.py says why)
_home = importlib.util.spec_from_file_location(
    '_tfmod_converters_home',
    os.path.join(os.path.dirname(FIXTURES), os.pardir, 'tfmod', '_converters_home.py'))
_home.loader.exec_module(importlib.util.module_from_spec(_home))
