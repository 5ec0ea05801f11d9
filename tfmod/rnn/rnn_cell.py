"""``mx.rnn`` cells: symbolic RNN building blocks unrolled into ordinary symbol graphs.

Every cell builds its graph from ``mx.sym`` constructors, naming nodes, parameters and
attributes exactly as MXNet 1.9.1 does, so an unrolled graph's ``tojson()`` is MXNet's and
checkpoints of MXNet RNN models load unchanged. The naming scheme:

* parameters are ``<prefix>i2h_weight`` / ``i2h_bias`` / ``h2h_weight`` / ``h2h_bias`` (a fused
  cell has one ``<prefix>parameters``), created once per cell through :class:`RNNParams`;
* the nodes of step ``t`` are ``<prefix>t<t>_<what>``; anonymous arithmetic (``_plus3``,
  ``_mul0``, ``activation2``...) takes names from the current NameManager, so the order in
  which the expressions of a step are built matters and follows MXNet's;
* begin states are ``<prefix>begin_state_<k>``, ``k`` counting across calls until ``reset()``.
"""
import warnings
import functools

import numpy as np

from .. import symbol
from .. import initializer as init
from .. import ndarray
from ..base import MXNetError

__all__ = ['RNNParams', 'BaseRNNCell', 'RNNCell', 'LSTMCell', 'GRUCell', 'FusedRNNCell',
           'SequentialRNNCell', 'DropoutCell', 'ModifierCell', 'ZoneoutCell', 'ResidualCell',
           'BidirectionalCell', 'BaseConvRNNCell', 'ConvRNNCell', 'ConvLSTMCell', 'ConvGRUCell']

_NUMBER = (int, float, np.integer, np.floating)


# -- helpers shared by the container cells -------------------------------------------------------
def _concat_lists(lists):
    out = []
    for piece in lists:
        out.extend(piece)
    return out


def _fold_weights(cells, args, method):
    for cell in cells:
        args = getattr(cell, method)(args)
    return args


def _steps_or_merged(length, inputs, layout, merge, in_layout=None):
    """Bring ``inputs`` to the form a cell wants: per-step list (``merge`` False), one
    time-stacked symbol (``merge`` True) or whatever it already is (``merge`` None).

    Returns ``(inputs, time_axis)``; ``time_axis`` is where 'T' sits in ``layout``.
    """
    if inputs is None:
        raise MXNetError('unroll(inputs=None) has been deprecated. '
                         'Please create input variables outside unroll.')
    axis = layout.find('T')
    src_axis = axis if in_layout is None else in_layout.find('T')
    if isinstance(inputs, symbol.Symbol):
        if merge is False:
            if len(inputs.list_outputs()) != 1:
                raise MXNetError("unroll doesn't allow grouped symbol as input. Please convert "
                                 "to list with list(inputs) first or let unroll handle "
                                 "splitting.")
            inputs = list(symbol.split(inputs, axis=src_axis, num_outputs=length,
                                       squeeze_axis=1))
    else:
        inputs = list(inputs)
        if length is not None and len(inputs) != length:
            raise MXNetError('unroll: got %d input steps for length %d' % (len(inputs), length))
        if merge is True:
            expanded = [symbol.expand_dims(step, axis=axis) for step in inputs]
            inputs = symbol.Concat(*expanded, dim=axis)
            src_axis = axis
    if isinstance(inputs, symbol.Symbol) and axis != src_axis:
        inputs = symbol.swapaxes(inputs, dim1=axis, dim2=src_axis)
    return inputs, axis


def _assert_unmodified(cell):
    if cell._modified:
        raise MXNetError('After applying modifier cells (e.g. DropoutCell) the base cell cannot '
                         'be called directly. Call the modifier cell instead.')


# -- parameters ----------------------------------------------------------------------------------
class RNNParams:
    """Variables of one or more cells, created on first request and shared afterwards.

    ``get('i2h_weight')`` returns the Variable ``<prefix>i2h_weight``; keyword arguments
    (``init=``, ``shape=``...) go to ``mx.sym.Variable`` when it is created.
    """

    def __init__(self, prefix=''):
        self._prefix = prefix
        self._params = {}

    def get(self, name, **kwargs):
        full = self._prefix + name
        var = self._params.get(full)
        if var is None:
            var = symbol.Variable(full, **kwargs)
            self._params[full] = var
        return var


# -- the base cell -------------------------------------------------------------------------------
class BaseRNNCell:
    """Abstract recurrent cell: one step is ``cell(inputs, states) -> (output, states)``.

    ``prefix`` names the cell's nodes (and its weights unless ``params`` is shared).
    """

    def __init__(self, prefix='', params=None):
        self._own_params = params is None
        self._params = RNNParams(prefix) if params is None else params
        self._prefix = prefix
        self._modified = False
        self.reset()

    def reset(self):
        """Restart step and begin-state numbering before building another graph."""
        self._init_counter = -1
        self._counter = -1
        for cell in getattr(self, '_cells', ()):
            cell.reset()

    def __call__(self, inputs, states):
        raise NotImplementedError()

    @property
    def params(self):
        """The cell's RNNParams. Handing them out means the cell no longer owns them alone."""
        self._own_params = False
        return self._params

    @property
    def state_info(self):
        raise NotImplementedError()

    @property
    def state_shape(self):
        return [info['shape'] for info in self.state_info]

    @property
    def _gate_names(self):
        return ()

    def begin_state(self, func=symbol.zeros, **kwargs):
        """One initial state per ``state_info`` entry: ``func(name=..., shape=..., __layout__=...,
        **kwargs)``; ``func`` may be ``mx.sym.zeros``, ``mx.sym.Variable``, ``mx.sym.uniform``..."""
        _assert_unmodified(self)
        states = []
        for info in self.state_info:
            self._init_counter += 1
            if info is not None:
                kwargs.update(info)
            name = '%sbegin_state_%d' % (self._prefix, self._init_counter)
            states.append(func(name=name, **kwargs))
        return states

    def unpack_weights(self, args):
        """Split the gate-stacked i2h/h2h weights and biases into one array per gate
        (``<prefix>i2h_f_weight``...). Returns a new dict."""
        args = dict(args)
        gates = self._gate_names
        if not gates:
            return args
        h = self._num_hidden
        for group in ('i2h', 'h2h'):
            weight = args.pop('%s%s_weight' % (self._prefix, group))
            bias = args.pop('%s%s_bias' % (self._prefix, group))
            for j, gate in enumerate(gates):
                rows = slice(j * h, (j + 1) * h)
                args['%s%s%s_weight' % (self._prefix, group, gate)] = weight[rows].copy()
                args['%s%s%s_bias' % (self._prefix, group, gate)] = bias[rows].copy()
        return args

    def pack_weights(self, args):
        """Inverse of :meth:`unpack_weights`. Returns a new dict."""
        args = dict(args)
        gates = self._gate_names
        if not gates:
            return args
        for group in ('i2h', 'h2h'):
            for kind in ('weight', 'bias'):
                pieces = [args.pop('%s%s%s_%s' % (self._prefix, group, gate, kind))
                          for gate in gates]
                args['%s%s_%s' % (self._prefix, group, kind)] = ndarray.concatenate(pieces)
        return args

    def unroll(self, length, inputs, begin_state=None, layout='NTC', merge_outputs=None):
        """Apply the cell ``length`` times.

        ``inputs``: one symbol laid out as ``layout`` ('NTC' or 'TNC'), or a list of ``length``
        per-step symbols. ``merge_outputs``: True for one stacked symbol, False for a list, None
        for whichever is cheaper. Returns ``(outputs, states)``.
        """
        self.reset()
        inputs, _ = _steps_or_merged(length, inputs, layout, False)
        states = self.begin_state() if begin_state is None else begin_state
        outputs = []
        for t in range(length):
            out, states = self(inputs[t], states)
            outputs.append(out)
        outputs, _ = _steps_or_merged(length, outputs, layout, merge_outputs)
        return outputs, states

    def _get_activation(self, inputs, activation, **kwargs):
        if isinstance(activation, str):
            return symbol.Activation(inputs, act_type=activation, **kwargs)
        return activation(inputs, **kwargs)


# -- plain cells ---------------------------------------------------------------------------------
class RNNCell(BaseRNNCell):
    """Elman cell: ``out = act(W_i x + b_i + W_h h + b_h)``."""

    def __init__(self, num_hidden, activation='tanh', prefix='rnn_', params=None):
        super().__init__(prefix=prefix, params=params)
        self._num_hidden = num_hidden
        self._activation = activation
        self._iW = self.params.get('i2h_weight')
        self._iB = self.params.get('i2h_bias')
        self._hW = self.params.get('h2h_weight')
        self._hB = self.params.get('h2h_bias')

    @property
    def state_info(self):
        return [{'shape': (0, self._num_hidden), '__layout__': 'NC'}]

    @property
    def _gate_names(self):
        return ('',)

    def __call__(self, inputs, states):
        self._counter += 1
        step = '%st%d_' % (self._prefix, self._counter)
        i2h = symbol.FullyConnected(data=inputs, weight=self._iW, bias=self._iB,
                                    num_hidden=self._num_hidden, name=step + 'i2h')
        h2h = symbol.FullyConnected(data=states[0], weight=self._hW, bias=self._hB,
                                    num_hidden=self._num_hidden, name=step + 'h2h')
        out = self._get_activation(i2h + h2h, self._activation, name=step + 'out')
        return out, [out]


class LSTMCell(BaseRNNCell):
    """LSTM cell, gates stacked i, f, c, o. ``forget_bias`` is not added in the graph: it
    initialises the forget slice of ``i2h_bias`` (the LSTMBias initializer attribute)."""

    def __init__(self, num_hidden, prefix='lstm_', params=None, forget_bias=1.0):
        super().__init__(prefix=prefix, params=params)
        self._num_hidden = num_hidden
        self._iW = self.params.get('i2h_weight')
        self._hW = self.params.get('h2h_weight')
        self._iB = self.params.get('i2h_bias', init=init.LSTMBias(forget_bias=forget_bias))
        self._hB = self.params.get('h2h_bias')

    @property
    def state_info(self):
        return [{'shape': (0, self._num_hidden), '__layout__': 'NC'},
                {'shape': (0, self._num_hidden), '__layout__': 'NC'}]

    @property
    def _gate_names(self):
        return ['_i', '_f', '_c', '_o']

    def __call__(self, inputs, states):
        self._counter += 1
        step = '%st%d_' % (self._prefix, self._counter)
        h4 = self._num_hidden * 4
        i2h = symbol.FullyConnected(data=inputs, weight=self._iW, bias=self._iB,
                                    num_hidden=h4, name=step + 'i2h')
        h2h = symbol.FullyConnected(data=states[0], weight=self._hW, bias=self._hB,
                                    num_hidden=h4, name=step + 'h2h')
        gates = symbol.SliceChannel(i2h + h2h, num_outputs=4, name=step + 'slice')
        acts = [symbol.Activation(gates[k], act_type=kind, name=step + tag)
                for k, (kind, tag) in enumerate((('sigmoid', 'i'), ('sigmoid', 'f'),
                                                  ('tanh', 'c'), ('sigmoid', 'o')))]
        in_gate, forget_gate, in_transform, out_gate = acts
        kept = forget_gate * states[1]
        added = in_gate * in_transform
        next_c = symbol._internal._plus(kept, added, name=step + 'state')
        next_h = symbol._internal._mul(out_gate, symbol.Activation(next_c, act_type='tanh'),
                                       name=step + 'out')
        return next_h, [next_h, next_c]


class GRUCell(BaseRNNCell):
    """GRU cell as cuDNN defines it (reset gate applied after the h2h product), gates r, z, o."""

    def __init__(self, num_hidden, prefix='gru_', params=None):
        super().__init__(prefix=prefix, params=params)
        self._num_hidden = num_hidden
        self._iW = self.params.get('i2h_weight')
        self._iB = self.params.get('i2h_bias')
        self._hW = self.params.get('h2h_weight')
        self._hB = self.params.get('h2h_bias')

    @property
    def state_info(self):
        return [{'shape': (0, self._num_hidden), '__layout__': 'NC'}]

    @property
    def _gate_names(self):
        return ['_r', '_z', '_o']

    def __call__(self, inputs, states):
        self._counter += 1
        step = '%st%d_' % (self._prefix, self._counter)
        h_prev = states[0]
        h3 = self._num_hidden * 3
        i2h = symbol.FullyConnected(data=inputs, weight=self._iW, bias=self._iB,
                                    num_hidden=h3, name='%s_i2h' % step)
        h2h = symbol.FullyConnected(data=h_prev, weight=self._hW, bias=self._hB,
                                    num_hidden=h3, name='%s_h2h' % step)
        i_r, i_z, i_n = symbol.SliceChannel(i2h, num_outputs=3, name='%s_i2h_slice' % step)
        h_r, h_z, h_n = symbol.SliceChannel(h2h, num_outputs=3, name='%s_h2h_slice' % step)
        reset = symbol.Activation(i_r + h_r, act_type='sigmoid', name='%s_r_act' % step)
        update = symbol.Activation(i_z + h_z, act_type='sigmoid', name='%s_z_act' % step)
        candidate = symbol.Activation(i_n + reset * h_n, act_type='tanh',
                                      name='%s_h_act' % step)
        new_part = (1. - update) * candidate
        old_part = update * h_prev
        next_h = symbol._internal._plus(new_part, old_part, name='%sout' % step)
        return next_h, [next_h]


# -- the fused cell ------------------------------------------------------------------------------
class FusedRNNCell(BaseRNNCell):
    """All layers and time steps in one ``RNN`` op with one flat ``<prefix>parameters`` vector.

    ``mode``: 'rnn_relu', 'rnn_tanh', 'lstm' or 'gru'. ``get_next_state`` makes the op return
    the final states too. :meth:`unfuse` gives the equivalent stack of step cells.
    """

    def __init__(self, num_hidden, num_layers=1, mode='lstm', bidirectional=False,
                 dropout=0., get_next_state=False, forget_bias=1.0, prefix=None, params=None):
        if prefix is None:
            prefix = '%s_' % mode
        super().__init__(prefix=prefix, params=params)
        self._num_hidden = num_hidden
        self._num_layers = num_layers
        self._mode = mode
        self._bidirectional = bidirectional
        self._dropout = dropout
        self._get_next_state = get_next_state
        self._directions = ['l', 'r'] if bidirectional else ['l']
        initializer = init.FusedRNN(None, num_hidden, num_layers, mode, bidirectional,
                                    forget_bias)
        self._parameter = self.params.get('parameters', init=initializer)

    @property
    def state_info(self):
        rows = (2 if self._bidirectional else 1) * self._num_layers
        count = 2 if self._mode == 'lstm' else 1
        return [{'shape': (rows, 0, self._num_hidden), '__layout__': 'LNC'}
                for _ in range(count)]

    @property
    def _gate_names(self):
        return {'rnn_relu': [''], 'rnn_tanh': [''], 'lstm': ['_i', '_f', '_c', '_o'],
                'gru': ['_r', '_z', '_o']}[self._mode]

    @property
    def _num_gates(self):
        return len(self._gate_names)

    def _pieces(self, num_input):
        """(name, shape) of each block of the flat vector, in the RNN op's packing order:
        all weights (layer, direction, i2h gates then h2h gates), then all biases likewise."""
        h = self._num_hidden
        b = len(self._directions)
        out = []
        for kind in ('weight', 'bias'):
            for layer in range(self._num_layers):
                cols = num_input if layer == 0 else b * h
                for d in self._directions:
                    for group, width in (('i2h', cols), ('h2h', h)):
                        for gate in self._gate_names:
                            name = '%s%s%d_%s%s_%s' % (self._prefix, d, layer, group, gate, kind)
                            out.append((name, (h, width) if kind == 'weight' else (h,)))
        return out

    def _num_input(self, size):
        b = len(self._directions)
        m = self._num_gates
        h = self._num_hidden
        return size // b // h // m - (self._num_layers - 1) * (h + b * h + 2) - h - 2

    def unpack_weights(self, args):
        args = dict(args)
        flat = args.pop(self._parameter.name)
        pieces = self._pieces(self._num_input(flat.size))
        total = sum(int(np.prod(s)) for _, s in pieces)
        if total != flat.size:
            raise MXNetError('Invalid parameters size for FusedRNNCell')
        pos = 0
        for name, shape in pieces:
            n = int(np.prod(shape))
            args[name] = flat[pos:pos + n].reshape(shape).copy()
            pos += n
        return args

    def pack_weights(self, args):
        args = dict(args)
        first = args['%sl0_i2h%s_weight' % (self._prefix, self._gate_names[0])]
        pieces = self._pieces(first.shape[1])
        flat = [args.pop(name).reshape((-1,)) for name, _ in pieces]
        args[self._parameter.name] = ndarray.concatenate(flat).astype(first.dtype)
        return args

    def __call__(self, inputs, states):
        raise NotImplementedError('FusedRNNCell cannot be stepped. Please use unroll')

    def unroll(self, length, inputs, begin_state=None, layout='NTC', merge_outputs=None):
        self.reset()
        inputs, axis = _steps_or_merged(length, inputs, layout, True)
        if axis == 1:
            warnings.warn('NTC layout detected. Consider using TNC for FusedRNNCell for faster '
                          'speed')
            inputs = symbol.swapaxes(inputs, dim1=0, dim2=1)
        elif axis != 0:
            raise MXNetError('Unsupported layout %s' % layout)
        if begin_state is None:
            begin_state = self.begin_state()
        state_kw = {'state': begin_state[0]}
        if self._mode == 'lstm':
            state_kw['state_cell'] = begin_state[1]
        rnn = symbol.RNN(data=inputs, parameters=self._parameter, state_size=self._num_hidden,
                         num_layers=self._num_layers, bidirectional=self._bidirectional,
                         p=self._dropout, state_outputs=self._get_next_state, mode=self._mode,
                         name=self._prefix + 'rnn', **state_kw)
        if not self._get_next_state:
            outputs, states = rnn, []
        else:
            count = 2 if self._mode == 'lstm' else 1
            states = [rnn[k] for k in range(1, count + 1)]
            for st in states:
                st._set_attr(__layout__='LNC')
            outputs = rnn[0]
        if axis == 1:
            outputs = symbol.swapaxes(outputs, dim1=0, dim2=1)
        outputs, _ = _steps_or_merged(length, outputs, layout, merge_outputs)
        return outputs, states

    def unfuse(self):
        """The same network as a SequentialRNNCell of step cells (runs anywhere, can step)."""
        h = self._num_hidden
        makers = {'rnn_relu': lambda p: RNNCell(h, activation='relu', prefix=p),
                  'rnn_tanh': lambda p: RNNCell(h, activation='tanh', prefix=p),
                  'lstm': lambda p: LSTMCell(h, prefix=p),
                  'gru': lambda p: GRUCell(h, prefix=p)}
        make = makers[self._mode]
        stack = SequentialRNNCell()
        for layer in range(self._num_layers):
            if self._bidirectional:
                stack.add(BidirectionalCell(
                    make('%sl%d_' % (self._prefix, layer)),
                    make('%sr%d_' % (self._prefix, layer)),
                    output_prefix='%sbi_l%d_' % (self._prefix, layer)))
            else:
                stack.add(make('%sl%d_' % (self._prefix, layer)))
            if self._dropout > 0 and layer != self._num_layers - 1:
                stack.add(DropoutCell(self._dropout,
                                      prefix='%s_dropout%d_' % (self._prefix, layer)))
        return stack


# -- containers ----------------------------------------------------------------------------------
class SequentialRNNCell(BaseRNNCell):
    """Cells stacked: each one's output is the next one's input; states are concatenated."""

    def __init__(self, params=None):
        super().__init__(prefix='', params=params)
        self._override_cell_params = params is not None
        self._cells = []

    def add(self, cell):
        """Append ``cell`` on top of the stack."""
        self._cells.append(cell)
        if self._override_cell_params:
            if not cell._own_params:
                raise MXNetError('Either specify params for SequentialRNNCell or child cells, '
                                 'not both.')
            cell.params._params.update(self.params._params)
        self.params._params.update(cell.params._params)

    @property
    def state_info(self):
        return _concat_lists(c.state_info for c in self._cells)

    def begin_state(self, **kwargs):
        _assert_unmodified(self)
        return _concat_lists(c.begin_state(**kwargs) for c in self._cells)

    def unpack_weights(self, args):
        return _fold_weights(self._cells, args, 'unpack_weights')

    def pack_weights(self, args):
        return _fold_weights(self._cells, args, 'pack_weights')

    def __call__(self, inputs, states):
        self._counter += 1
        new_states = []
        pos = 0
        for cell in self._cells:
            if isinstance(cell, BidirectionalCell):
                raise MXNetError('Bidirectional cannot be stepped. Please use unroll')
            n = len(cell.state_info)
            inputs, st = cell(inputs, states[pos:pos + n])
            pos += n
            new_states.extend(st)
        return inputs, new_states

    def unroll(self, length, inputs, begin_state=None, layout='NTC', merge_outputs=None):
        self.reset()
        if begin_state is None:
            begin_state = self.begin_state()
        last = len(self._cells) - 1
        pos = 0
        states_out = []
        for i, cell in enumerate(self._cells):
            n = len(cell.state_info)
            inputs, st = cell.unroll(length, inputs=inputs, begin_state=begin_state[pos:pos + n],
                                     layout=layout,
                                     merge_outputs=merge_outputs if i == last else None)
            pos += n
            states_out.extend(st)
        return inputs, states_out


class DropoutCell(BaseRNNCell):
    """Dropout on the input of each step (or on the whole sequence at once)."""

    def __init__(self, dropout, prefix='dropout_', params=None):
        super().__init__(prefix, params)
        if not isinstance(dropout, _NUMBER):
            raise MXNetError('dropout probability must be a number')
        self.dropout = dropout

    @property
    def state_info(self):
        return []

    def __call__(self, inputs, states):
        if self.dropout > 0:
            inputs = symbol.Dropout(data=inputs, p=self.dropout)
        return inputs, states

    def unroll(self, length, inputs, begin_state=None, layout='NTC', merge_outputs=None):
        self.reset()
        inputs, _ = _steps_or_merged(length, inputs, layout, merge_outputs)
        if isinstance(inputs, symbol.Symbol):
            return self(inputs, [])
        return super().unroll(length, inputs, begin_state=begin_state, layout=layout,
                              merge_outputs=merge_outputs)


class ModifierCell(BaseRNNCell):
    """A cell wrapping ``base_cell`` (Zoneout, Residual...); the base cell must then only be
    used through the modifier."""

    def __init__(self, base_cell):
        super().__init__()
        base_cell._modified = True
        self.base_cell = base_cell

    @property
    def params(self):
        self._own_params = False
        return self.base_cell.params

    @property
    def state_info(self):
        return self.base_cell.state_info

    def begin_state(self, init_sym=symbol.zeros, **kwargs):
        _assert_unmodified(self)
        if 'func' in kwargs:  # what SequentialRNNCell.begin_state(func=...) hands its children
            init_sym = kwargs.pop('func')
        self.base_cell._modified = False
        try:
            states = self.base_cell.begin_state(func=init_sym, **kwargs)
        finally:
            self.base_cell._modified = True
        return states

    def unpack_weights(self, args):
        return self.base_cell.unpack_weights(args)

    def pack_weights(self, args):
        return self.base_cell.pack_weights(args)

    def __call__(self, inputs, states):
        raise NotImplementedError


def _has_bidirectional(cell):
    if isinstance(cell, BidirectionalCell):
        return True
    return any(_has_bidirectional(c) for c in getattr(cell, '_cells', ()))


class ZoneoutCell(ModifierCell):
    """Zoneout: at training time each output / state unit keeps its previous value with
    probability ``zoneout_outputs`` / ``zoneout_states``."""

    def __init__(self, base_cell, zoneout_outputs=0., zoneout_states=0.):
        if isinstance(base_cell, FusedRNNCell):
            raise MXNetError("FusedRNNCell doesn't support zoneout. Please unfuse first.")
        if isinstance(base_cell, BidirectionalCell):
            raise MXNetError("BidirectionalCell doesn't support zoneout since it doesn't support "
                             "step. Please add ZoneoutCell to the cells underneath instead.")
        if isinstance(base_cell, SequentialRNNCell) and _has_bidirectional(base_cell):
            raise MXNetError("Bidirectional SequentialRNNCell doesn't support zoneout. "
                             "Please add ZoneoutCell to the cells underneath instead.")
        super().__init__(base_cell)
        self.zoneout_outputs = zoneout_outputs
        self.zoneout_states = zoneout_states
        self.prev_output = None

    def reset(self):
        super().reset()
        self.prev_output = None

    def __call__(self, inputs, states):
        next_output, next_states = self.base_cell(inputs, states)

        def keep_mask(p, like):
            return symbol.Dropout(symbol.ones_like(like), p=p)

        prev = self.prev_output if self.prev_output is not None else symbol.zeros((0, 0))
        if self.zoneout_outputs != 0.:
            output = symbol.where(keep_mask(self.zoneout_outputs, next_output), next_output,
                                  prev)
        else:
            output = next_output
        if self.zoneout_states != 0.:
            states = [symbol.where(keep_mask(self.zoneout_states, new), new, old)
                      for new, old in zip(next_states, states)]
        else:
            states = next_states
        self.prev_output = output
        return output, states


class ResidualCell(ModifierCell):
    """Output = base cell output + input (Wu et al. 2016)."""

    def __init__(self, base_cell):
        super().__init__(base_cell)

    def __call__(self, inputs, states):
        output, states = self.base_cell(inputs, states)
        output = symbol.elemwise_add(output, inputs, name='%s_plus_residual' % output.name)
        return output, states

    def unroll(self, length, inputs, begin_state=None, layout='NTC', merge_outputs=None):
        self.reset()
        self.base_cell._modified = False
        try:
            outputs, states = self.base_cell.unroll(length, inputs=inputs,
                                                    begin_state=begin_state, layout=layout,
                                                    merge_outputs=merge_outputs)
        finally:
            self.base_cell._modified = True
        if merge_outputs is None:
            merge_outputs = isinstance(outputs, symbol.Symbol)
        inputs, _ = _steps_or_merged(length, inputs, layout, merge_outputs)
        if merge_outputs:
            outputs = symbol.elemwise_add(outputs, inputs,
                                          name='%s_plus_residual' % outputs.name)
        else:
            outputs = [symbol.elemwise_add(o, x, name='%s_plus_residual' % o.name)
                       for o, x in zip(outputs, inputs)]
        return outputs, states


class BidirectionalCell(BaseRNNCell):
    """``l_cell`` runs forward in time, ``r_cell`` backward; outputs are concatenated on the
    feature axis as ``<output_prefix>t<i>`` (or ``<output_prefix>out`` when merged)."""

    def __init__(self, l_cell, r_cell, params=None, output_prefix='bi_'):
        super().__init__('', params=params)
        self._output_prefix = output_prefix
        self._override_cell_params = params is not None
        if self._override_cell_params:
            if not (l_cell._own_params and r_cell._own_params):
                raise MXNetError('Either specify params for BidirectionalCell or child cells, '
                                 'not both.')
            l_cell.params._params.update(self.params._params)
            r_cell.params._params.update(self.params._params)
        self.params._params.update(l_cell.params._params)
        self.params._params.update(r_cell.params._params)
        self._cells = [l_cell, r_cell]

    def unpack_weights(self, args):
        return _fold_weights(self._cells, args, 'unpack_weights')

    def pack_weights(self, args):
        return _fold_weights(self._cells, args, 'pack_weights')

    def __call__(self, inputs, states):
        raise NotImplementedError('Bidirectional cannot be stepped. Please use unroll')

    @property
    def state_info(self):
        return _concat_lists(c.state_info for c in self._cells)

    def begin_state(self, **kwargs):
        _assert_unmodified(self)
        return _concat_lists(c.begin_state(**kwargs) for c in self._cells)

    def unroll(self, length, inputs, begin_state=None, layout='NTC', merge_outputs=None):
        self.reset()
        inputs, axis = _steps_or_merged(length, inputs, layout, False)
        if begin_state is None:
            begin_state = self.begin_state()
        l_cell, r_cell = self._cells
        n_left = len(l_cell.state_info)
        l_out, l_states = l_cell.unroll(length, inputs=inputs, begin_state=begin_state[:n_left],
                                        layout=layout, merge_outputs=merge_outputs)
        r_out, r_states = r_cell.unroll(length, inputs=list(reversed(inputs)),
                                        begin_state=begin_state[n_left:], layout=layout,
                                        merge_outputs=merge_outputs)
        if merge_outputs is None:
            merge_outputs = (isinstance(l_out, symbol.Symbol)
                             and isinstance(r_out, symbol.Symbol))
            if not merge_outputs:
                if isinstance(l_out, symbol.Symbol):
                    l_out = list(symbol.SliceChannel(l_out, axis=axis, num_outputs=length,
                                                     squeeze_axis=1))
                if isinstance(r_out, symbol.Symbol):
                    r_out = list(symbol.SliceChannel(r_out, axis=axis, num_outputs=length,
                                                     squeeze_axis=1))
        if merge_outputs:
            outputs = symbol.Concat(l_out, symbol.reverse(r_out, axis=axis), dim=2,
                                    name='%sout' % self._output_prefix)
        else:
            outputs = [symbol.Concat(lo, ro, dim=1, name='%st%d' % (self._output_prefix, i))
                       for i, (lo, ro) in enumerate(zip(l_out, reversed(r_out)))]
        return outputs, [l_states, r_states]


# -- convolutional cells -------------------------------------------------------------------------
class BaseConvRNNCell(BaseRNNCell):
    """Abstract convolutional cell: i2h and h2h are Convolutions; the state has the spatial
    shape of the i2h convolution's output."""

    def __init__(self, input_shape, num_hidden, h2h_kernel, h2h_dilate, i2h_kernel, i2h_stride,
                 i2h_pad, i2h_dilate, i2h_weight_initializer, h2h_weight_initializer,
                 i2h_bias_initializer, h2h_bias_initializer, activation, prefix='', params=None,
                 conv_layout='NCHW'):
        super().__init__(prefix=prefix, params=params)
        if h2h_kernel[0] % 2 != 1 or h2h_kernel[1] % 2 != 1:
            raise MXNetError('Only support odd number, get h2h_kernel= %s' % str(h2h_kernel))
        self._h2h_kernel = h2h_kernel
        self._h2h_pad = (h2h_dilate[0] * (h2h_kernel[0] - 1) // 2,
                         h2h_dilate[1] * (h2h_kernel[1] - 1) // 2)
        self._h2h_dilate = h2h_dilate
        self._i2h_kernel = i2h_kernel
        self._i2h_stride = i2h_stride
        self._i2h_pad = i2h_pad
        self._i2h_dilate = i2h_dilate
        self._num_hidden = num_hidden
        self._input_shape = input_shape
        self._conv_layout = conv_layout
        self._activation = activation

        probe = symbol.Convolution(data=symbol.Variable('data'), num_filter=num_hidden,
                                   kernel=i2h_kernel, stride=i2h_stride, pad=i2h_pad,
                                   dilate=i2h_dilate, layout=conv_layout)
        out_shape = probe.infer_shape(data=input_shape)[1][0]
        self._state_shape = (0,) + tuple(out_shape[1:])

        self._iW = self.params.get('i2h_weight', init=i2h_weight_initializer)
        self._hW = self.params.get('h2h_weight', init=h2h_weight_initializer)
        self._iB = self.params.get('i2h_bias', init=i2h_bias_initializer)
        self._hB = self.params.get('h2h_bias', init=h2h_bias_initializer)

    @property
    def _num_gates(self):
        return len(self._gate_names)

    @property
    def state_info(self):
        return [{'shape': self._state_shape, '__layout__': self._conv_layout},
                {'shape': self._state_shape, '__layout__': self._conv_layout}]

    def _conv_forward(self, inputs, states, name):
        filters = self._num_hidden * self._num_gates
        i2h = symbol.Convolution(name='%si2h' % name, data=inputs, num_filter=filters,
                                 kernel=self._i2h_kernel, stride=self._i2h_stride,
                                 pad=self._i2h_pad, dilate=self._i2h_dilate, weight=self._iW,
                                 bias=self._iB, layout=self._conv_layout)
        h2h = symbol.Convolution(name='%sh2h' % name, data=states[0], num_filter=filters,
                                 kernel=self._h2h_kernel, dilate=self._h2h_dilate,
                                 pad=self._h2h_pad, stride=(1, 1), weight=self._hW,
                                 bias=self._hB, layout=self._conv_layout)
        return i2h, h2h

    def __call__(self, inputs, states):
        raise NotImplementedError('BaseConvRNNCell is abstract class for convolutional RNN')


def _leaky():
    return functools.partial(symbol.LeakyReLU, act_type='leaky', slope=0.2)


class ConvRNNCell(BaseConvRNNCell):
    """Convolutional Elman cell."""

    def __init__(self, input_shape, num_hidden, h2h_kernel=(3, 3), h2h_dilate=(1, 1),
                 i2h_kernel=(3, 3), i2h_stride=(1, 1), i2h_pad=(1, 1), i2h_dilate=(1, 1),
                 i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer='zeros', h2h_bias_initializer='zeros',
                 activation=_leaky(), prefix='ConvRNN_', params=None, conv_layout='NCHW'):
        super().__init__(input_shape, num_hidden, h2h_kernel, h2h_dilate, i2h_kernel,
                         i2h_stride, i2h_pad, i2h_dilate, i2h_weight_initializer,
                         h2h_weight_initializer, i2h_bias_initializer, h2h_bias_initializer,
                         activation, prefix=prefix, params=params, conv_layout=conv_layout)

    @property
    def _gate_names(self):
        return ('',)

    @property
    def state_info(self):
        return [{'shape': self._state_shape, '__layout__': self._conv_layout}]

    def __call__(self, inputs, states):
        self._counter += 1
        step = '%st%d_' % (self._prefix, self._counter)
        i2h, h2h = self._conv_forward(inputs, states, step)
        out = self._get_activation(i2h + h2h, self._activation, name='%sout' % step)
        return out, [out]


class ConvLSTMCell(BaseConvRNNCell):
    """Convolutional LSTM (Xingjian et al. 2015), gates i, f, c, o on the channel axis."""

    def __init__(self, input_shape, num_hidden, h2h_kernel=(3, 3), h2h_dilate=(1, 1),
                 i2h_kernel=(3, 3), i2h_stride=(1, 1), i2h_pad=(1, 1), i2h_dilate=(1, 1),
                 i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer='zeros', h2h_bias_initializer='zeros',
                 activation=_leaky(), prefix='ConvLSTM_', params=None, conv_layout='NCHW'):
        super().__init__(input_shape, num_hidden, h2h_kernel, h2h_dilate, i2h_kernel,
                         i2h_stride, i2h_pad, i2h_dilate, i2h_weight_initializer,
                         h2h_weight_initializer, i2h_bias_initializer, h2h_bias_initializer,
                         activation, prefix=prefix, params=params, conv_layout=conv_layout)

    @property
    def _gate_names(self):
        return ['_i', '_f', '_c', '_o']

    def __call__(self, inputs, states):
        self._counter += 1
        step = '%st%d_' % (self._prefix, self._counter)
        i2h, h2h = self._conv_forward(inputs, states, step)
        gates = symbol.SliceChannel(i2h + h2h, num_outputs=4,
                                    axis=self._conv_layout.find('C'), name='%sslice' % step)
        in_gate = symbol.Activation(gates[0], act_type='sigmoid', name='%si' % step)
        forget_gate = symbol.Activation(gates[1], act_type='sigmoid', name='%sf' % step)
        in_transform = self._get_activation(gates[2], self._activation, name='%sc' % step)
        out_gate = symbol.Activation(gates[3], act_type='sigmoid', name='%so' % step)
        kept = forget_gate * states[1]
        added = in_gate * in_transform
        next_c = symbol._internal._plus(kept, added, name='%sstate' % step)
        next_h = symbol._internal._mul(out_gate, self._get_activation(next_c, self._activation),
                                       name='%sout' % step)
        return next_h, [next_h, next_c]


class ConvGRUCell(BaseConvRNNCell):
    """Convolutional GRU, gates r, z, o on the channel axis."""

    def __init__(self, input_shape, num_hidden, h2h_kernel=(3, 3), h2h_dilate=(1, 1),
                 i2h_kernel=(3, 3), i2h_stride=(1, 1), i2h_pad=(1, 1), i2h_dilate=(1, 1),
                 i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer='zeros', h2h_bias_initializer='zeros',
                 activation=_leaky(), prefix='ConvGRU_', params=None, conv_layout='NCHW'):
        super().__init__(input_shape, num_hidden, h2h_kernel, h2h_dilate, i2h_kernel,
                         i2h_stride, i2h_pad, i2h_dilate, i2h_weight_initializer,
                         h2h_weight_initializer, i2h_bias_initializer, h2h_bias_initializer,
                         activation, prefix=prefix, params=params, conv_layout=conv_layout)

    @property
    def _gate_names(self):
        return ['_r', '_z', '_o']

    @property
    def state_info(self):
        return [{'shape': self._state_shape, '__layout__': self._conv_layout}]

    def __call__(self, inputs, states):
        self._counter += 1
        step = '%st%d_' % (self._prefix, self._counter)
        i2h, h2h = self._conv_forward(inputs, states, step)
        i_r, i_z, i_n = symbol.SliceChannel(i2h, num_outputs=3, name='%s_i2h_slice' % step)
        h_r, h_z, h_n = symbol.SliceChannel(h2h, num_outputs=3, name='%s_h2h_slice' % step)
        reset = symbol.Activation(i_r + h_r, act_type='sigmoid', name='%s_r_act' % step)
        update = symbol.Activation(i_z + h_z, act_type='sigmoid', name='%s_z_act' % step)
        candidate = self._get_activation(i_n + reset * h_n, self._activation,
                                         name='%s_h_act' % step)
        new_part = (1. - update) * candidate
        old_part = update * states[0]
        next_h = symbol._internal._plus(new_part, old_part, name='%sout' % step)
        return next_h, [next_h]
