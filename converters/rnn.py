"""The fused recurrent op RNN (LSTM, GRU, vanilla tanh/relu; stacked, bidirectional).

``parameters`` is one flat vector, packed as MXNet (and cuDNN) do: all weights first, then all
biases; inside each block layer by layer, direction ``l`` (forward) before ``r`` (backward), the
input-to-hidden part before the hidden-to-hidden part. Every layer/direction has *two* biases
(b_i2h and b_h2h, both added). Gate order: LSTM i, f, g, o; GRU r, z, n with
``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))`` and ``h' = (1 - z) * n + z * h``. With
``projection_size`` (LSTMP) each layer/direction's weights are ``[i2h, h2h, h2r]`` where h2r has
shape (P, H) and the recurrent/output state is ``r = h2r @ h``.

Data is TNC; states are (layers*dirs, N, H), indexed ``layer*dirs + dir``.

The input projection of every time step is one matmul per layer; only the recurrent part runs in
a ``tf.while_loop``, with both directions of a bidirectional layer advanced together by a batched
matmul. Gradients are TF autodiff of this.

MXNet quirks worth knowing:
* ``p`` (dropout on every layer's output except the last, training only): MXNet 1.9.1's CPU build
  ignores it for float32 (its oneDNN kernel has no dropout) but applies it on GPU and for float64;
  tfmod applies it, as documented, with a stateless mask.
* ``use_sequence_length``, ``lstm_state_clip_*`` are cuDNN-only in MXNet (the CPU build raises).
  tfmod implements them with cuDNN's semantics: outputs past a sequence's length are 0, the final
  states are those at its last valid step, the backward direction starts at its last valid step;
  the LSTM cell state is clipped to [min, max] every step (NaN -> min with lstm_state_clip_nan).
* ``projection_size`` trains on GPU only in MXNet (CPU: inference only); tfmod does both.
"""
import tensorflow as tf

from .base import MXNetError
from .registry import op

_GATES = {'rnn_relu': 1, 'rnn_tanh': 1, 'lstm': 4, 'gru': 3}


def _rnn_inputs(p):
    names = ['data', 'parameters', 'state']
    if p.mode == 'lstm':
        names.append('state_cell')
    if p.use_sequence_length:
        names.append('sequence_length')
    return names


def _rnn_outputs(p):
    names = ['output']
    if p.state_outputs:
        names.append('state_output')
        if p.mode == 'lstm':
            names.append('statecell_output')
    return names


def _dirs(p):
    return 2 if p.bidirectional else 1


def _out_size(p):
    """Size of the recurrent state h (the projection size for LSTMP)."""
    return p.projection_size if p.projection_size is not None else p.state_size


def _check(p):
    if p.mode not in _GATES:
        raise MXNetError("RNN: invalid mode %r" % (p.mode,))
    if p.num_layers < 1:
        raise MXNetError('RNN: num_layers must be >= 1, got %d' % p.num_layers)
    if not 0.0 <= p.p < 1.0:
        raise MXNetError('RNN: unsupported dropout value p=%s, should be 0 <= p < 1' % p.p)
    if p.projection_size is not None:
        if p.mode != 'lstm':
            raise MXNetError('RNN: projection_size is only supported for LSTM (mode=%r)' % p.mode)
        if p.projection_size < 1 or p.projection_size > p.state_size:
            raise MXNetError('RNN: projection_size (%d) must be in [1, state_size=%d]'
                             % (p.projection_size, p.state_size))
    lo, hi = p.lstm_state_clip_min, p.lstm_state_clip_max
    if lo is not None or hi is not None:
        if p.mode != 'lstm':
            raise MXNetError('RNN: state clipping (lstm_state_clip_min/max) is only supported '
                             'for LSTM (mode=%r)' % p.mode)
        if lo is None or hi is None:
            raise MXNetError('RNN: lstm_state_clip_min and lstm_state_clip_max must be '
                             'specified together')
        if hi < lo:
            raise MXNetError('RNN: lstm_state_clip_max (%s) must be greater or equal to '
                             'lstm_state_clip_min (%s)' % (hi, lo))


def param_layout(p, input_size):
    """[(layer, dir, name, shape)] for the weights then the biases, in packing order."""
    G = _GATES[p.mode]
    H = p.state_size
    P = p.projection_size
    R = _out_size(p)
    D = _dirs(p)
    weights, biases = [], []
    for layer in range(p.num_layers):
        n_in = input_size if layer == 0 else R * D
        for d in range(D):
            weights.append((layer, d, 'i2h_weight', (G * H, n_in)))
            weights.append((layer, d, 'h2h_weight', (G * H, R)))
            if P is not None:
                weights.append((layer, d, 'h2r_weight', (P, H)))
    for layer in range(p.num_layers):
        for d in range(D):
            biases.append((layer, d, 'i2h_bias', (G * H,)))
            biases.append((layer, d, 'h2h_bias', (G * H,)))
    return weights + biases


def param_size(p, input_size):
    """Length of the packed ``parameters`` vector (MXNet's GetRnnParamSize)."""
    total = 0
    for _, _, _, shape in param_layout(p, input_size):
        n = 1
        for s in shape:
            n *= s
        total += n
    return total


def _rnn_infer_inputs(p, ins, outs):
    _check(p)
    data = ins[0]
    if data is None:
        return ins
    if len(data) != 3:
        raise MXNetError('RNN: data should be a rank-3 tensor of dim (sequence length, batch '
                         'size, input size), got %d dims' % len(data))
    _, n, c = data
    LD = p.num_layers * _dirs(p)
    ins[2] = (LD, n, _out_size(p))
    k = 3
    if p.mode == 'lstm':
        ins[3] = (LD, n, p.state_size)
        k = 4
    if c is not None:
        ins[1] = (param_size(p, c),)
    if p.use_sequence_length:
        ins[k] = (n,)
    return ins


def _unpack(p, params, input_size):
    """Slice the flat vector into {(layer, dir, name): tensor}."""
    layout = param_layout(p, input_size)
    total = param_size(p, input_size)
    got = params.shape.as_list()
    if len(got) != 1 or (got[0] is not None and got[0] != total):
        raise MXNetError('RNN: parameters should have shape (%d,) for input size %d, '
                         'state_size %d, num_layers %d, bidirectional %s, mode %s; got %s'
                         % (total, input_size, p.state_size, p.num_layers, p.bidirectional,
                            p.mode, tuple(got)))
    out = {}
    off = 0
    for layer, d, name, shape in layout:
        n = 1
        for s in shape:
            n *= s
        out[(layer, d, name)] = tf.reshape(params[off:off + n], shape)
        off += n
    return out


def _cell_step(p, xp_t, hp, c):
    """One recurrent step for all directions at once.

    xp_t: (D, N, G*H) input projection (+ biases); hp: (D, N, G*H) = h @ W_hh^T (+ b_hh for GRU).
    Returns (h_new, c_new) before projection/masking.
    """
    mode = p.mode
    if mode == 'rnn_tanh':
        return tf.tanh(xp_t + hp), None
    if mode == 'rnn_relu':
        return tf.nn.relu(xp_t + hp), None
    if mode == 'lstm':
        i, f, g, o = tf.split(xp_t + hp, 4, axis=-1)
        c_new = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
        if p.lstm_state_clip_min is not None:
            lo = tf.constant(p.lstm_state_clip_min, c_new.dtype)
            hi = tf.constant(p.lstm_state_clip_max, c_new.dtype)
            clipped = tf.minimum(tf.maximum(c_new, lo), hi)
            if p.lstm_state_clip_nan:
                clipped = tf.where(tf.math.is_nan(c_new), tf.fill(tf.shape(c_new), lo), clipped)
            c_new = clipped
        return tf.sigmoid(o) * tf.tanh(c_new), c_new
    # gru
    xr, xz, xn = tf.split(xp_t, 3, axis=-1)
    hr, hz, hn = tf.split(hp, 3, axis=-1)
    r = tf.sigmoid(xr + hr)
    z = tf.sigmoid(xz + hz)
    n = tf.tanh(xn + r * hn)
    return n, z


def _reverse_time(x, seq_len):
    """Reverse the time axis (0) of (T, N, ...), per sample within its length if given."""
    if seq_len is None:
        return tf.reverse(x, [0])
    return tf.reverse_sequence(x, seq_len, seq_axis=0, batch_axis=1)


def _layer(p, x, w, layer, h0, c0, seq_len, mask):
    """Run one (possibly bidirectional) layer. x: (T, N, in). h0/c0: (D, N, R)/(D, N, H).

    Returns y (T, N, D*R), h_T (D, N, R), c_T (D, N, H) or None.
    """
    D = _dirs(p)
    G = _GATES[p.mode]
    H = p.state_size
    R = _out_size(p)
    dtype = x.dtype
    shape = x.shape.as_list()
    T_static, N_static, n_in = shape
    T = tf.shape(x)[0]
    N = tf.shape(x)[1]
    wx = tf.concat([w[(layer, d, 'i2h_weight')] for d in range(D)], axis=0)     # (D*GH, in)
    bx = tf.concat([w[(layer, d, 'i2h_bias')] for d in range(D)], axis=0)       # (D*GH,)
    bh = tf.stack([w[(layer, d, 'h2h_bias')] for d in range(D)])                # (D, GH)
    wh = tf.stack([w[(layer, d, 'h2h_weight')] for d in range(D)])              # (D, GH, R)
    whr = tf.stack([w[(layer, d, 'h2r_weight')] for d in range(D)]) \
        if p.projection_size is not None else None                              # (D, P, H)
    if p.mode != 'gru':
        # b_h2h can be folded into the input projection; GRU's n gate needs it inside r*(...).
        bx = bx + tf.reshape(bh, [-1])
    xp = tf.matmul(tf.reshape(x, [-1, n_in]), wx, transpose_b=True) + bx       # (T*N, D*GH)
    xp = tf.reshape(xp, [T, N, D, G * H])
    dirs = [xp[:, :, 0]]
    if D == 2:
        dirs.append(_reverse_time(xp[:, :, 1], seq_len))
    xp = tf.stack(dirs, axis=1)                                                 # (T, D, N, GH)
    xp.set_shape([T_static, D, N_static, G * H])
    xs = tf.TensorArray(dtype, size=T, element_shape=[D, N_static, G * H]).unstack(xp)
    ys = tf.TensorArray(dtype, size=T, element_shape=[D, N_static, R])
    masks = None
    if mask is not None:
        masks = tf.TensorArray(tf.bool, size=T, element_shape=[1, N_static, 1]).unstack(
            mask[:, None, :, None])
    lstm = p.mode == 'lstm'
    gh_bias = bh[:, None, :] if p.mode == 'gru' else None

    def body(t, h, c, ys):
        xp_t = xs.read(t)
        hp = tf.matmul(h, wh, transpose_b=True)                                 # (D, N, GH)
        if gh_bias is not None:
            hp = hp + gh_bias
        h_new, extra = _cell_step(p, xp_t, hp, c)
        c_new = c
        if lstm:
            c_new = extra
            if whr is not None:
                h_new = tf.matmul(h_new, whr, transpose_b=True)                # (D, N, P)
        elif p.mode == 'gru':
            h_new = (1 - extra) * h_new + extra * h
        if masks is not None:
            m = masks.read(t)
            y_t = tf.where(m, h_new, tf.zeros_like(h_new))
            h_new = tf.where(m, h_new, h)
            if lstm:
                c_new = tf.where(m, c_new, c)
        else:
            y_t = h_new
        return t + 1, h_new, c_new, ys.write(t, y_t)

    c_init = c0 if lstm else tf.zeros([0], dtype)
    _, h_T, c_T, ys = tf.while_loop(
        lambda t, *_: t < T, body, [tf.constant(0), h0, c_init, ys])
    y = ys.stack()                                                              # (T, D, N, R)
    y.set_shape([T_static, D, N_static, R])
    outs = [y[:, 0]]
    if D == 2:
        outs.append(_reverse_time(y[:, 1], seq_len))
    y = tf.concat(outs, axis=-1) if D == 2 else outs[0]
    return y, h_T, (c_T if lstm else None)


def _num_outputs(p):
    return len(_rnn_outputs(p))


@op('RNN', inputs=_rnn_inputs, outputs=_rnn_outputs, num_outputs=_num_outputs,
    infer_inputs=_rnn_infer_inputs, uses_rng=True)
def rnn(ctx, p, data, parameters, state, *rest):
    """Fused multi-layer RNN over TNC data (see the module docstring for layout and quirks)."""
    _check(p)
    rest = list(rest)
    state_cell = rest.pop(0) if p.mode == 'lstm' else None
    seq_len = rest.pop(0) if p.use_sequence_length else None
    shape = data.shape.as_list()
    if len(shape) != 3:
        raise MXNetError('RNN: data should be a rank-3 tensor of dim (sequence length, batch '
                         'size, input size), got shape %s' % (tuple(shape),))
    if shape[2] is None:
        raise MXNetError('RNN: the input size (data.shape[2]) must be known')
    D = _dirs(p)
    L = p.num_layers
    R = _out_size(p)
    H = p.state_size
    w = _unpack(p, parameters, shape[2])
    st = state.shape.as_list()
    if len(st) != 3 or (st[0] is not None and st[0] != L * D) or (st[2] is not None and
                                                                   st[2] != R):
        raise MXNetError('RNN: state should have shape (%d, batch, %d), got %s'
                         % (L * D, R, tuple(st)))
    if state_cell is not None:
        sc = state_cell.shape.as_list()
        if len(sc) != 3 or (sc[0] is not None and sc[0] != L * D) or (sc[2] is not None and
                                                                       sc[2] != H):
            raise MXNetError('RNN: state_cell should have shape (%d, batch, %d), got %s'
                             % (L * D, H, tuple(sc)))
    mask = None
    lens = None
    if seq_len is not None:
        lens = tf.cast(seq_len, tf.int64)
        T = tf.shape(data, out_type=tf.int64)[0]
        mask = tf.range(T)[:, None] < lens[None, :]                             # (T, N)
    x = data
    hs, cs = [], []
    for layer in range(L):
        h0 = state[layer * D:(layer + 1) * D]
        c0 = state_cell[layer * D:(layer + 1) * D] if state_cell is not None else None
        x, h_T, c_T = _layer(p, x, w, layer, h0, c0, lens, mask)
        hs.append(h_T)
        if c_T is not None:
            cs.append(c_T)
        if p.p > 0 and ctx.is_train and layer < L - 1:
            keep = 1.0 - p.p
            u = tf.random.stateless_uniform(tf.shape(x), ctx.seed(layer), dtype=x.dtype)
            x = tf.where(u < keep, x / keep, tf.zeros_like(x))
    outs = [x]
    if p.state_outputs:
        outs.append(tf.concat(hs, axis=0) if L > 1 else hs[0])
        if p.mode == 'lstm':
            outs.append(tf.concat(cs, axis=0) if L > 1 else cs[0])
    return tuple(outs) if len(outs) > 1 else outs[0]
