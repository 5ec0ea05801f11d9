"""Loss layers: SoftmaxOutput, the regression outputs, SVMOutput, MakeLoss/make_loss, BlockGrad,
softmax_cross_entropy and CTCLoss, and the sparsity regulariser IdentityAttachKLSparseReg.

The "output" layers (SoftmaxOutput, *RegressionOutput, SVMOutput, MakeLoss, make_loss) return a
prediction in forward and carry MXNet's own gradient through ``tf.custom_gradient``: it ignores
whatever head gradient arrives, exactly as MXNet's backward does, and the label gets a zero
gradient. BlockGrad is an identity with zero gradient. softmax_cross_entropy and CTCLoss are
ordinary ops: their gradient is scaled by the head gradient.
"""
import tensorflow as tf

from .base import MXNetError
from .infer import fmt
from .registry import InferenceForm, op
from .dims import dims as _dims, prod as _prod


# -- helpers -------------------------------------------------------------------------------------

def _known(shape):
    return shape is not None and all(d is not None for d in shape)


def _as_int(label):
    """MXNet reads labels as ``static_cast<int>(label)``: truncation toward zero."""
    return label if label.dtype.is_integer else tf.cast(label, tf.int32)


def _no_grad(t):
    """The gradient MXNet gives a label/length input: zero (None for integer tensors)."""
    return tf.zeros_like(t) if t.dtype.is_floating else None


def _scalar(value, dtype):
    return tf.cast(value, dtype)


def _label_types(p, in_types, out_types):
    """Labels/lengths default to the data's dtype; the data's dtype never comes from a label."""
    if in_types[0] is None:
        return in_types
    return [in_types[0] if t is None else t for t in in_types]


# -- SoftmaxOutput ------------------------------------------------------------------------------

def _softmax_infer_inputs(p, ins, outs):
    """MXNet's label shape: data.shape[:-1]; with multi_output (N, prod(spatial)), also accepting
    (N, d2, d3...) and (N, 1, d2...). A label of data's own shape is a probability target."""
    data, label = ins[0], ins[1]
    if data is None:
        return ins
    data = tuple(data)
    if p.multi_output and len(data) < 2:
        raise MXNetError('SoftmaxOutput: multi_output needs data with at least 2 dims, got %s'
                         % fmt(data))
    if not p.multi_output and len(data) < 1:
        raise MXNetError('SoftmaxOutput: data must have at least 1 dim')
    if label is not None:
        label = tuple(label)
        if not (_known(label) and _known(data)):
            # partly known: complete an index label of the expected rank, leave the rest
            if not p.multi_output and len(label) == len(data) - 1:
                ins[1] = data[:-1]
            return ins
        if label == data:          # probability label
            return ins
    if p.multi_output:
        spatial = None if any(d is None for d in data[2:]) else _prod(data[2:])
        l1 = (data[0], spatial)
        if label is None:
            ins[1] = l1
        elif label not in (l1, (data[0],) + data[2:], (data[0], 1) + data[2:]):
            raise MXNetError('SoftmaxOutput: label shape: Expecting %s or %s. But got %s'
                             % (fmt(l1), fmt((data[0],) + data[2:]), fmt(label)))
    else:
        expect = data[:-1]
        if label is None:
            ins[1] = expect
        elif label != expect:
            raise MXNetError('Shape inconsistent, SoftmaxOutput argument label: provided %s, '
                             'inferred %s' % (fmt(label), fmt(expect)))
    return ins


def _softmax_forward(ctx, p, x):
    """MXNet's forward. multi_output: softmax over axis 1; preserve_shape: over the last axis;
    otherwise over the data flattened to (N, -1) -- except that MXNet's oneDNN CPU build answers
    *inference* calls on float32 data of 1, 2 or 4 dims with a softmax over the last axis
    (observed with 1.9.1; training forwards and float64 / 3-D / 5-D data use the flattened form).
    """
    nd = len(x.shape)
    if p.multi_output:
        if nd < 2:
            raise MXNetError('SoftmaxOutput: multi_output needs data with at least 2 dims')
        return tf.nn.softmax(x, axis=1)
    if nd == 0:
        raise MXNetError('SoftmaxOutput: data must have at least 1 dim')
    if p.preserve_shape or nd == 2:
        return tf.nn.softmax(x, axis=-1)
    if not ctx.is_train and x.dtype in (tf.float32, tf.bfloat16) and nd in (1, 4):
        return tf.nn.softmax(x, axis=-1)
    dims = _dims(x)
    flat = tf.reshape(x, [dims[0], -1])
    return tf.reshape(tf.nn.softmax(flat, axis=1), dims)


# What the loss ops export as: their forward over the data alone (labels are pruned). The
# softmax stays in float32 under a reduced-precision export, as the float32 model computes it
# (MXNet's oneDNN softmax axis depends on the dtype) and for accuracy.
_SOFTMAX = InferenceForm('softmax', _softmax_forward, float32=True)
_IDENTITY = InferenceForm('identity', lambda ctx, p, data: tf.identity(data))
_SIGMOID = InferenceForm('sigmoid', lambda ctx, p, data: tf.sigmoid(data))


def _softmax_output_grad(p, out, label):
    """MXNet's SoftmaxOutput backward (grad wrt data), with ``out`` the forward output."""
    dtype = out.dtype
    odims = _dims(out)
    if label.shape.as_list() == out.shape.as_list() and label.shape.rank == out.shape.rank:
        # probability label: no normalisation, no ignore
        g = (out - tf.cast(label, dtype)) * _scalar(p.grad_scale, dtype)
        if p.out_grad:
            g = g * out
        return g
    lab = _as_int(label)
    ign = int(p.ignore_label)
    if p.multi_output:
        n, k = odims[0], odims[1]
        out3 = tf.reshape(out, [n, k, -1])
        lab2 = tf.reshape(lab, [n, -1])
        s = _prod(odims[2:])
        onehot = tf.one_hot(lab2, k, axis=1, dtype=dtype)   # smooth_alpha is not applied here
        g = out3 - onehot
        if p.use_ignore:
            g = g * tf.cast(tf.not_equal(lab2, ign), dtype)[:, None, :]
        if p.normalization == 'batch':
            scale = _scalar(p.grad_scale, dtype) / _scalar(s, dtype) / _scalar(n, dtype)
        elif p.normalization == 'valid':
            cnt = tf.reduce_sum(tf.cast(tf.not_equal(lab2, ign), dtype))
            scale = _scalar(p.grad_scale, dtype) / tf.maximum(cnt, 1)
        else:
            scale = _scalar(p.grad_scale, dtype) / _scalar(s, dtype)
        g = g * scale
        if p.out_grad:
            g = g * out3
        return tf.reshape(g, odims)
    if p.preserve_shape:
        rows, k = _prod(odims[:-1]), odims[-1]
    else:
        rows, k = odims[0], _prod(odims[1:])
    out2 = tf.reshape(out, [rows, k])
    lab_all = tf.reshape(lab, [-1])
    lab1 = lab_all[:rows]      # only the first `rows` labels are read (4-D data, no multi_output)
    onehot = tf.one_hot(lab1, k, dtype=dtype)
    if p.smooth_alpha:
        a = p.smooth_alpha
        onehot = onehot * (1.0 - a) + (1.0 - onehot) * (a / (float(k) - 1.0)
                                                         if isinstance(k, int) else
                                                         a / (tf.cast(k, dtype) - 1))
    g = out2 - onehot
    if p.use_ignore:
        g = g * tf.cast(tf.not_equal(lab1, ign), dtype)[:, None]
    if p.normalization == 'batch':       # MXNet divides by the label's element count
        scale = _scalar(p.grad_scale, dtype) / tf.cast(tf.size(lab_all), dtype)
    elif p.normalization == 'valid':     # ignore_label is discounted even without use_ignore
        cnt = tf.reduce_sum(tf.cast(tf.not_equal(lab_all, ign), dtype))
        scale = _scalar(p.grad_scale, dtype) / tf.maximum(cnt, 1)
    else:
        scale = _scalar(p.grad_scale, dtype)
    g = g * scale
    if p.out_grad:
        g = g * out2
    return tf.reshape(g, odims)


@op('SoftmaxOutput', loss=True, infer_inputs=_softmax_infer_inputs, infer_types=_label_types,
    inference=_SOFTMAX, nan_propagates=True)
def softmax_output(ctx, p, data, label):
    """Softmax forward; backward grad_scale*(softmax - target) normalised as MXNet does.

    Quirks kept from MXNet 1.9.1: 'null' normalisation does not divide by the batch;
    multi_output divides by the spatial size (except 'valid'); 'batch' without multi_output
    divides by the label's element count; 'valid' counts labels != ignore_label even without
    use_ignore; smooth_alpha is ignored with multi_output; a label of data's shape is a
    probability target; ``out_grad=True`` multiplies by the softmax output itself (MXNet feeds
    the output where the head gradient should be).
    """
    if ctx.no_grad:     # inference: the forward alone, without the gradient wrapper
        return _softmax_forward(ctx, p, data)

    @tf.custom_gradient
    def fwd(x, lab):
        out = _softmax_forward(ctx, p, x)

        def grad(dy):
            return _softmax_output_grad(p, out, lab), _no_grad(lab)
        return out, grad
    return fwd(data, label)


# -- regression outputs -------------------------------------------------------------------------

def _regression_infer_inputs(p, ins, outs):
    """Label defaults to data's shape ((N,) for data (N, 1)); a given label must have data's
    batch size and element count."""
    data, label = ins[0], ins[1]
    if data is None:
        return ins
    data = tuple(data)
    if label is None:
        ins[1] = (data[0],) if len(data) == 2 and data[1] == 1 else data
    elif _known(label) and _known(data):
        if len(label) == 0 or label[0] != data[0] or _prod(label) != _prod(data):
            raise MXNetError('Shape inconsistent, Provided=%s, inferred shape=%s'
                             % (fmt(label), fmt(data)))
    return ins


def _regression(kind):
    def lower(ctx, p, data, label):
        @tf.custom_gradient
        def fwd(x, lab):
            out = tf.sigmoid(x) if kind == 'logistic' else tf.identity(x)

            def grad(dy):
                dtype = out.dtype
                target = tf.reshape(tf.cast(lab, dtype), _dims(out))
                ls = lab.shape.as_list()
                if len(ls) >= 1 and all(d is not None for d in ls[1:]):
                    per_sample = _scalar(_prod(ls[1:]), dtype)
                else:
                    per_sample = tf.cast(tf.size(lab) // tf.shape(lab)[0], dtype)
                if kind == 'mae':      # sign with sign(0) = -1, as MXNet's minus_sign
                    d = tf.where(out - target > 0, tf.ones_like(out), -tf.ones_like(out))
                else:
                    d = out - target
                return d * (_scalar(p.grad_scale, dtype) / per_sample), _no_grad(lab)
            return out, grad
        return fwd(data, label)
    return lower


def _register_regression(name, kind, fwd, diff, form):
    lower = _regression(kind)
    lower.__name__ = name
    lower.__doc__ = ('%s: forward %s; backward grad_scale*%s/(label.size/label.shape[0]), i.e. '
                     'divided by the outputs per sample; the head gradient is ignored.'
                     % (name, fwd, diff))
    return op(name, loss=True, infer_inputs=_regression_infer_inputs,
              infer_types=_label_types, inference=form, nan_propagates=True)(lower)


linear_regression_output = _register_regression('LinearRegressionOutput', 'linear',
                                                 'identity', '(out - label)', _IDENTITY)
logistic_regression_output = _register_regression('LogisticRegressionOutput', 'logistic',
                                                   'sigmoid', '(out - label)', _SIGMOID)
mae_regression_output = _register_regression('MAERegressionOutput', 'mae', 'identity',
                                             'sign(out - label) (sign(0) = -1)', _IDENTITY)


# -- SVMOutput ------------------------------------------------------------------------------------

def _svm_infer_inputs(p, ins, outs):
    data, label = ins[0], ins[1]
    if data is None:
        return ins
    expect = tuple(data)[:-1]
    if label is None:
        ins[1] = expect
    elif _known(label) and _known(data) and tuple(label) != expect:
        raise MXNetError('Shape inconsistent, SVMOutput argument label: provided %s, inferred %s'
                         % (fmt(label), fmt(expect)))
    return ins


@op('SVMOutput', loss=True, infer_inputs=_svm_infer_inputs, infer_types=_label_types,
    inference=_IDENTITY)
def svm_output(ctx, p, data, label):
    """Identity forward; one-vs-rest hinge gradient over the last axis (c = reg. coefficient).

    L2 (default): true class -2c*max(0, margin - x), others 2c*max(0, margin + x);
    use_linear: true class -c*[margin > x], others c*[margin > -x].
    """
    @tf.custom_gradient
    def fwd(x, lab):
        out = tf.identity(x)

        def grad(dy):
            dtype = out.dtype
            dims = _dims(out)
            k = dims[-1]
            out2 = tf.reshape(out, [-1, k])
            lab1 = tf.reshape(_as_int(lab), [-1])[:tf.shape(out2)[0]]
            onehot = tf.equal(lab1[:, None], tf.range(k)[None, :])
            m = _scalar(p.margin, dtype)
            c = _scalar(p.regularization_coefficient, dtype)
            zero = tf.zeros_like(out2)
            if p.use_linear:
                g_true = -tf.cast(m > out2, dtype) * c
                g_other = tf.cast(m > -out2, dtype) * c
            else:
                g_true = -2 * c * tf.where(m > out2, m - out2, zero)
                g_other = 2 * c * tf.where(m > -out2, m + out2, zero)
            g = tf.where(onehot, g_true, g_other)
            return tf.reshape(g, dims), _no_grad(lab)
        return out, grad
    return fwd(data, label)


# -- MakeLoss / BlockGrad -------------------------------------------------------------------------

@op('MakeLoss', loss=True, inference=_IDENTITY, nan_propagates=True)
def make_loss(ctx, p, data):
    """Identity forward; gradient grad_scale, divided for 'batch' by the rows of the data seen as
    2-D (prod of all dims but the last, MXNet's FlatTo2D) and for 'valid' by max(1, count of
    elements > valid_thresh)."""
    @tf.custom_gradient
    def fwd(x):
        out = tf.identity(x)

        def grad(dy):
            dtype = x.dtype
            scale = _scalar(p.grad_scale, dtype)
            if p.normalization == 'batch':
                rows = _prod(_dims(x)[:-1]) if len(x.shape) > 0 else 1
                scale = scale / tf.cast(rows, dtype)
            elif p.normalization == 'valid':
                cnt = tf.reduce_sum(tf.cast(x > _scalar(p.valid_thresh, dtype), dtype))
                scale = scale / tf.maximum(cnt, 1)
            return tf.ones_like(x) * scale
        return out, grad
    return fwd(data)


@op('make_loss', loss=True, outputs=['loss'], inference=_IDENTITY, nan_propagates=True)
def make_loss_elemwise(ctx, p, data):
    """The elementwise ``make_loss``: identity forward, gradient ones (head gradient ignored);
    its output is named 'loss' (``ml_loss``), unlike MakeLoss's 'output'."""
    @tf.custom_gradient
    def fwd(x):
        return tf.identity(x), lambda dy: tf.ones_like(x)
    return fwd(data)


@op('BlockGrad', needs_head_grad=False, nan_propagates=True)
def block_grad(ctx, p, data):
    """Identity forward, zero gradient (alias stop_gradient)."""
    return tf.stop_gradient(data)


# -- softmax_cross_entropy ------------------------------------------------------------------------

def _sce_infer_inputs(p, ins, outs):
    data, label = ins[0], ins[1]
    if data is not None:
        if len(data) != 2:
            raise MXNetError('SoftmaxCrossEntropy only accept 2D data, got %s' % fmt(data))
        if label is None:
            ins[1] = (data[0],)
    if ins[1] is not None:
        label = ins[1]
        if len(label) != 1:
            raise MXNetError('SoftmaxCrossEntropy only accept 1D label, got %s' % fmt(label))
        if data is not None and None not in (data[0], label[0]) and data[0] != label[0]:
            raise MXNetError('SoftmaxCrossEntropy: data label shape mismatch (%s vs %s)'
                             % (fmt(data), fmt(label)))
    return ins


@op('softmax_cross_entropy', infer_inputs=_sce_infer_inputs, infer_types=_label_types)
def softmax_cross_entropy(ctx, p, data, label):
    """sum_i -log(max(softmax(data)[i, label_i], 1e-8)), shape (1,); gradient
    head * (softmax - onehot) (MXNet's, unaffected by the 1e-8 clamp)."""
    if len(data.shape) != 2 or len(label.shape) != 1:
        raise MXNetError('softmax_cross_entropy needs 2-D data and 1-D label, got %s and %s'
                         % (data.shape, label.shape))

    @tf.custom_gradient
    def fwd(x, lab):
        sm = tf.nn.softmax(x, axis=1)
        onehot = tf.one_hot(_as_int(lab), tf.shape(x)[1], dtype=x.dtype)
        picked = tf.reduce_sum(sm * onehot, axis=1)
        loss = -tf.math.log(tf.maximum(picked, _scalar(1e-8, x.dtype)))
        out = tf.reshape(tf.reduce_sum(loss), [1])

        def grad(dy):
            return tf.reshape(dy, []) * (sm - onehot), _no_grad(lab)
        return out, grad
    return fwd(data, label)


# -- CTCLoss ---------------------------------------------------------------------------------------

def _ctc_inputs(p):
    names = ['data', 'label']
    if p.use_data_lengths:
        names.append('data_lengths')
    if p.use_label_lengths:
        names.append('label_lengths')
    return names


def _ctc_infer_inputs(p, ins, outs):
    data, label = ins[0], ins[1]
    if data is not None and len(data) != 3:
        raise MXNetError('CTCLoss: the number of dimensions of data array must be 3, got %s'
                         % fmt(data))
    if label is not None and len(label) != 2:
        raise MXNetError('CTCLoss: the number of dimensions of labels array must be 2, got %s'
                         % fmt(label))
    batch = None
    if data is not None:
        batch = data[1]
    if batch is None and label is not None:
        batch = label[0]
    if data is not None and label is not None and None not in (data[1], label[0]) and \
            data[1] != label[0]:
        raise MXNetError('CTCLoss: the batch size for the labels and data arrays must be the '
                         'same (%s vs %s)' % (fmt(data), fmt(label)))
    if data is not None and label is not None and None not in (data[0], label[1]) and \
            data[0] < label[1]:
        raise MXNetError('CTCLoss: the max number of labels (%d) cannot exceed the maximum '
                         'sequence length of the data (%d)' % (label[1], data[0]))
    for i in range(2, len(ins)):
        if ins[i] is None:
            ins[i] = (batch,)
        elif len(ins[i]) != 1:
            raise MXNetError('CTCLoss: %s must be a vector, got %s'
                             % (_ctc_inputs(p)[i], fmt(ins[i])))
    if label is None and data is not None:
        ins[1] = (data[1], None)
    return ins


def _ctc_alpha(emit, skip, first_ok, data_len, S_len):
    """Forward variables in log space. emit (T, N, S) log-probs of the extended labels;
    skip (N, S) bool: may come from s-2; returns alphas (T, N, S), frozen past data_len."""
    neg_inf = tf.constant(-float('inf'), emit.dtype)
    S = tf.shape(emit)[2]
    pos = tf.range(S)[None, :]
    in_range = pos < S_len[:, None]
    start = tf.logical_and(pos < 2, in_range)
    start = tf.logical_and(start, tf.logical_or(pos == 0, first_ok[:, None]))
    a0 = tf.where(start, emit[0], neg_inf)

    def step(prev, elems):
        e_t, t = elems
        pad1 = tf.fill([tf.shape(prev)[0], 1], neg_inf)
        pad2 = tf.fill([tf.shape(prev)[0], 2], neg_inf)
        s1 = tf.concat([pad1, prev[:, :-1]], axis=1)
        s2 = tf.concat([pad2, prev[:, :-2]], axis=1)
        s2 = tf.where(skip, s2, neg_inf)
        new = tf.reduce_logsumexp(tf.stack([prev, s1, s2], axis=0), axis=0) + e_t
        new = tf.where(in_range, new, neg_inf)
        live = (t < data_len)[:, None]
        return tf.where(live, new, prev)

    T = tf.shape(emit)[0]
    rest = tf.scan(step, (emit[1:], tf.range(1, T)), initializer=a0)
    return tf.concat([a0[None], rest], axis=0)


def _ctc_cost_and_grad(logits, labels, label_len, data_len, blank):
    """Per-sample CTC negative log-likelihood (N,) and its gradient wrt logits (T, N, K).

    Samples that cannot be aligned (label length + repeated neighbours > data length) get cost 0
    and gradient 0, as MXNet's warp-ctc CPU code does; frames past data_len get gradient 0.
    """
    dtype = logits.dtype
    T = tf.shape(logits)[0]
    N = tf.shape(logits)[1]
    K = tf.shape(logits)[2]
    L = tf.shape(labels)[1]
    data_len = tf.clip_by_value(data_len, 0, T)
    label_len = tf.clip_by_value(label_len, 0, L)
    lpos = tf.range(L)[None, :]
    lmask = lpos < label_len[:, None]
    labs = tf.where(lmask, tf.clip_by_value(labels, 0, K - 1), blank)
    blanks = tf.fill([N, L], blank)
    ext = tf.reshape(tf.stack([blanks, labs], axis=2), [N, 2 * L])
    ext = tf.concat([ext, tf.fill([N, 1], blank)], axis=1)            # (N, S)
    S_len = 2 * label_len + 1
    logp = tf.nn.log_softmax(logits, axis=2)
    emit = tf.gather(tf.transpose(logp, [1, 0, 2]), ext, axis=2, batch_dims=1)  # (N, T, S)
    emit = tf.transpose(emit, [1, 0, 2])                               # (T, N, S)

    def skips(e):
        prev2 = tf.concat([tf.fill([N, 2], -1), e[:, :-2]], axis=1)
        return tf.logical_and(tf.not_equal(e, blank), tf.not_equal(e, prev2))

    first_ok = label_len > 0
    # beta is the same recursion on time- and label-reversed sequences: run both in one scan,
    # the reversed problems stacked after the forward ones along the batch axis.
    ext_r = tf.reverse_sequence(ext, S_len, seq_axis=1, batch_axis=0)
    emit_r = tf.reverse_sequence(emit, data_len, seq_axis=0, batch_axis=1)
    emit_r = tf.reverse_sequence(emit_r, S_len, seq_axis=2, batch_axis=1)
    both = _ctc_alpha(tf.concat([emit, emit_r], axis=1),
                      tf.concat([skips(ext), skips(ext_r)], axis=0),
                      tf.concat([first_ok, first_ok], axis=0),
                      tf.concat([data_len, data_len], axis=0),
                      tf.concat([S_len, S_len], axis=0))
    alpha, beta_r = both[:, :N], both[:, N:]
    beta = tf.reverse_sequence(beta_r, S_len, seq_axis=2, batch_axis=1)
    beta = tf.reverse_sequence(beta, data_len, seq_axis=0, batch_axis=1)

    last = alpha[-1]                                                   # (N, S), frozen at T_n-1
    idx_end = tf.stack([S_len - 1, tf.maximum(S_len - 2, 0)], axis=1)
    ends = tf.gather(last, idx_end, batch_dims=1)
    ends = tf.where(tf.stack([tf.ones_like(first_ok), first_ok], axis=1), ends,
                    tf.constant(-float('inf'), dtype))
    log_z = tf.reduce_logsumexp(ends, axis=1)                          # (N,)

    prev = tf.concat([tf.fill([N, 1], -1), labs[:, :-1]], axis=1)
    repeats = tf.reduce_sum(tf.cast(tf.logical_and(lmask, tf.logical_and(
        tf.equal(labs, prev), lpos > 0)), tf.int32), axis=1)
    feasible = tf.logical_and(label_len + repeats <= data_len, data_len > 0)
    feasible = tf.logical_and(feasible, tf.math.is_finite(log_z))

    cost = tf.where(feasible, -log_z, tf.zeros_like(log_z))
    tpos = tf.range(T)[:, None]
    tmask = tf.logical_and(tpos < data_len[None, :], feasible[None, :])  # (T, N)
    log_post = alpha + beta - emit - tf.where(feasible, log_z, tf.zeros_like(log_z))[None, :, None]
    post = tf.where(tf.math.is_finite(log_post), tf.exp(log_post), tf.zeros_like(log_post))
    occ = tf.einsum('tns,nsk->tnk', post, tf.one_hot(ext, K, dtype=dtype))
    grad = tf.exp(logp) - occ
    grad = tf.where(tmask[:, :, None], grad, tf.zeros_like(grad))
    return cost, grad


@op('CTCLoss', inputs=_ctc_inputs, outputs=['output0'], num_outputs=2,
    infer_inputs=_ctc_infer_inputs, infer_types=_label_types)
def ctc_loss(ctx, p, data, label, *lengths):
    """Connectionist Temporal Classification loss over (T, N, K) activations (softmax applied
    inside). Outputs: the per-sample loss (N,) and a hidden second output, the gradient
    wrt data; backward scales that gradient by the head gradient of each sample.

    blank_label 'first': blank is channel 0 and label padding is 0; 'last': blank is K-1 and
    label padding is -1. Without use_label_lengths a label row ends at its first padding value.
    """
    if len(data.shape) != 3 or len(label.shape) != 2:
        raise MXNetError('CTCLoss needs 3-D data and a 2-D label, got %s and %s'
                         % (data.shape, label.shape))
    k = tf.shape(data)[2]
    blank = tf.constant(0, tf.int32) if p.blank_label == 'first' else k - 1
    pad = 0 if p.blank_label == 'first' else -1

    @tf.custom_gradient
    def fwd(x, lab, *lens):
        labi = _as_int(lab)
        T = tf.shape(x)[0]
        N = tf.shape(x)[1]
        i = 0
        if p.use_data_lengths:
            dlen = _as_int(lens[i])
            i += 1
        else:
            dlen = tf.fill([N], T)
        if p.use_label_lengths:
            llen = _as_int(lens[i])
        else:
            is_pad = tf.equal(labi, pad)
            L = tf.shape(labi)[1]
            first_pad = tf.where(is_pad, tf.range(L)[None, :], L)
            llen = tf.reduce_min(first_pad, axis=1)
        cost, g = _ctc_cost_and_grad(x, labi, llen, dlen, blank)

        def grad(dy, dg):
            dx = g * tf.cast(dy, g.dtype)[None, :, None]
            return (dx, _no_grad(lab)) + tuple(_no_grad(t) for t in lens)
        return (cost, g), grad
    cost, g = fwd(data, label, *lengths)
    return cost, g


def _kl_infer_inputs(p, ins, outs):
    data = ins[0]
    if data is not None and len(data) >= 2 and ins[1] is None:
        ins = list(ins)
        ins[1] = (data[1],)
    return ins


@op('IdentityAttachKLSparseReg', inputs=['data', 'moving_avg'], aux=['moving_avg'],
    infer_inputs=_kl_infer_inputs,
    input_var_attrs=lambda p, i: {'__init__': '["zero", {}]'} if i == 1 else {})
def identity_attach_kl_sparse_reg(ctx, p, data, moving_avg):
    """Identity whose backward adds a KL sparsity penalty on the mean activation of each unit of
    (batch, units) data: the units' moving average first takes this batch's mean (momentum
    ``momentum``; applied in backward, as aux states are), then the gradient gains
    ``penalty * (-target/avg + (1 - target)/(1 - avg))``. Training needs 2-D data: MXNet sizes
    moving_avg by data.shape[1] and its backward fails for more dims."""
    if not ctx.is_train:
        return tf.identity(data)
    shape = data.shape.as_list()
    if len(shape) != 2:
        raise MXNetError('IdentityAttachKLSparseReg "%s": training needs 2-D (batch, units) '
                         'data, got shape %s (MXNet\'s backward fails for it too)'
                         % (ctx.name, tuple(shape)))
    m = tf.constant(p.momentum, data.dtype)
    new_avg = tf.stop_gradient(moving_avg * m + tf.reduce_mean(data, 0) * (1 - m))
    ctx.update(1, new_avg)
    rho = tf.constant(p.sparseness_target, data.dtype)
    extra = tf.constant(p.penalty, data.dtype) * (-rho / new_avg + (1 - rho) / (1 - new_avg))

    @tf.custom_gradient
    def ident(x):
        def grad(dy):
            return dy + extra[None, :]
        return tf.identity(x), grad
    return ident(data)
