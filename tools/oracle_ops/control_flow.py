"""Record MXNet 1.9.1 cases for the control-flow ops of converters/control_flow.py.

    /tmp/mxnet-oracle/bin/python tools/oracle_ops/control_flow.py [case,...]

Writes tests/fixtures/ops_by_family/control_flow/ (corpus format, tests/fixtures/ops/README.md).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _family_runner import main  # noqa: E402


def define(g):
    mx, V, N, case = g.mx, g.V, g.N, g.case
    S = mx.sym
    G = 'control_flow'

    def scale_add():
        w = V('w')

        def step(x, states):
            out = S.broadcast_mul(x, w) + states[0]
            return [out, out * 2], [out]
        outs, states = S.contrib.foreach(step, V('data'), [V('init')])
        return S.Group(outs + states)
    case('foreach_scale_add', scale_add, {'data': N(4, 2, 3), 'init': N(2, 3), 'w': N(3)},
         op='graph', group=G, note='two per-step outputs and one state')

    def rnn_cell():
        def step(x, states):
            h = S.FullyConnected(S.concat(x, states[0], dim=1), num_hidden=4, name='i2h')
            h = S.Activation(h, act_type='tanh')
            return [h], [h, states[1] + x]
        outs, states = S.contrib.foreach(step, V('data'), [V('h0'), V('acc0')])
        return S.Group(outs + states)
    case('foreach_rnn_cell', rnn_cell, {'data': N(5, 2, 3), 'h0': N(2, 4), 'acc0': N(2, 3)},
         op='graph', group=G,
         note='a tanh RNN written with foreach: the FullyConnected weights are inferred through '
              'the body; two states')

    def two_sequences():
        def step(xs, states):
            a, b = xs
            s = states[0] + a * b
            return [s], [s]
        outs, states = S.contrib.foreach(step, [V('a'), V('b')], [V('s0')])
        return S.Group(outs + states)
    case('foreach_two_sequences', two_sequences, {'a': N(3, 4), 'b': N(3, 4), 's0': N(4)},
         op='graph', group=G, note='a list of data inputs, sliced together')


if __name__ == '__main__':
    sys.exit(main('control_flow', define))
