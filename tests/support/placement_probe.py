"""Run a data-parallel and a model-parallel training step with TF's placement log on.

tests/test_multidevice.py runs this in a fresh process (TF only logs placements when the flag is
set before its context starts) and reads the log lines ``<op>: (<type>): .../device:CPU:<k>``
from stdout, to check where the ops really run, not only where the variables live.
"""
import json
import os
import sys

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
_TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# this checkout's tfmod and tests/support, not whichever tfmod the interpreter has installed (a
# script's sys.path starts with its own folder, not the working directory)
sys.path[:0] = [_TESTS, os.path.dirname(_TESTS)]

import tensorflow as tf  # noqa: E402

_cpus = tf.config.list_physical_devices('CPU')
tf.config.set_logical_device_configuration(_cpus[0], [tf.config.LogicalDeviceConfiguration()] * 4)
tf.debugging.set_log_device_placement(True)

import tfmod as mx  # noqa: E402
from support import module_replay as R  # noqa: E402

D = os.path.join(_TESTS, 'fixtures', 'multidevice')


def step(which):
    if which == 'data_parallel':
        mod = mx.mod.Module(R.net_symbol('mlp'), context=[mx.cpu(i) for i in range(3)])
        mod.bind([('data', (9, 10))], [('softmax_label', (9,))])
    else:
        sym = mx.sym.load_json(json.dumps(
            json.load(open(os.path.join(D, 'model_parallel.json')))['symbol_json']))
        mod = mx.mod.Module(sym, context=mx.cpu(0),
                            group2ctxs={'dev1': mx.cpu(1), 'dev2': mx.cpu(2)})
        mod.bind([('data', (9, 10))], [('softmax_label', (9,))])
    mod.init_params()
    mod.init_optimizer(optimizer='sgd', optimizer_params={'learning_rate': 0.1})
    mod.forward_backward(R.batch('mlp', 0, size=9))
    mod.update()
    mod.forward(R.batch('mlp', 1, size=9), is_train=False)
    mod.get_outputs()[0].asnumpy()


def executor_step():
    """The model-parallel symbol bound directly (simple_bind + forward/backward), its layers
    renamed ex_* so its log lines do not mix with the module's."""
    text = json.dumps(json.load(open(os.path.join(D, 'model_parallel.json')))['symbol_json'])
    sym = mx.sym.load_json(text.replace('"mp_', '"ex_'))
    exe = sym.simple_bind(mx.cpu(0), group2ctx={'dev1': mx.cpu(1), 'dev2': mx.cpu(2)},
                          data=(9, 10), softmax_label=(9,))
    for n, a in exe.arg_dict.items():
        a[:] = 0.1
    batch = R.batch('mlp', 0, size=9)
    exe.forward(is_train=True, data=batch.data[0], softmax_label=batch.label[0])
    exe.backward()
    exe.grad_dict['ex_fc1_weight'].asnumpy()


if __name__ == '__main__':
    step('model_parallel')     # its layers are named mp_*, so the two logs do not mix
    executor_step()
    step('data_parallel')
    sys.stdout.flush()
