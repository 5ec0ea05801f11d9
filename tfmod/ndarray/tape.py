"""The autograd state under NDArrays: MXNet's recording/training flags and the tf.GradientTape
that recorded computations go on.

MXNet records imperative ops into a graph while ``is_recording()``; here each stretch of
recording (a ``record()`` block, or the part of one between ``pause()`` scopes) goes on its own
persistent ``tf.GradientTape`` (a :class:`Graph`). A recorded array read by a later stretch is
watched there as an input (``imports``), and ``backward()`` carries the gradient from graph to
graph, so the history spans blocks as MXNet's does -- while each tape is dropped as soon as no
array refers to it, so training loops hold only their current step.

What MXNet keeps per array is kept here per :class:`~tfmod.ndarray.ndarray.Storage` (``.ag``):
``None`` (a constant), ``VARIABLE`` (holds an array marked with ``attach_grad``), or
``(graph, tensor)`` -- the tensor an op produced while recording, the target of a later
``backward()``. A marked array carries a :class:`VarInfo`: its gradient buffer, grad_req and the
tensor its reads return (the source the tape watches).

This module imports nothing of tfmod's NDArray (ndarray.py imports it); it works on the arrays
it is given through their ``_read`` / ``_write`` methods.
"""
import logging
import threading
import weakref

import tensorflow as tf
from tensorflow.python.eager import record as _tf_record

from tfmod_converters import sparse as _sparse
from tfmod_converters.base import tf_message
from ..base import MXNetError

VARIABLE = 'variable'
GRAD_REQS = ('write', 'add', 'null')

MSG_NOT_IN_GRAPH = (
    'Cannot differentiate node because it is not in a computational graph. You need to set '
    'is_recording to true or use autograd.record() to save computational graphs for backward. '
    'If you want to differentiate the same graph twice, you need to pass retain_graph=True to '
    'backward.')
MSG_ASSIGN = (
    'Assigning to NDArrays that are already in a computational graph will cause undefined '
    'behavior when evaluating gradients. Please call backward first to clear the graph or do '
    'this out side of a record section. Also note that you cannot use inplace operations like '
    '+=, *=, relu(x, out=x), y[idx]=x, etc inside a record section.')
MSG_INPLACE = ('Inplace operations (+=, -=, x[:]=, etc) are not supported when recording with '
               'autograd.')
MSG_NO_INPUTS = 'There are no inputs in computation graph that require gradients.'


class _QuietHigherOrder(logging.Filter):
    """grad(create_graph=True) differentiates inside the tape on purpose (that is how the
    gradient gets recorded); TF's warning about doing so is noise here."""

    def filter(self, record):
        return 'persistent tape inside its context' not in record.getMessage()


tf.get_logger().addFilter(_QuietHigherOrder())


class _State(threading.local):
    """MXNet's flags are per thread; so are TF's tapes."""

    def __init__(self):
        self.recording = False
        self.training = False
        self.graph = None


_ST = _State()
_MARKED = []          # weakrefs to arrays with a VarInfo, for watching at record() entry


class Graph:
    """One stretch of recording: a persistent GradientTape and what it watches."""
    __slots__ = ('tape', 'watched', 'imports', 'released', 'freed', 'order', '__weakref__')
    _count = 0

    def __init__(self):
        self.tape = tf.GradientTape(persistent=True, watch_accessed_variables=False)
        self.watched = {}       # id(source) -> source (a tensor or a tf.Variable)
        self.imports = {}       # id(tensor) -> (older graph, tensor recorded there)
        self.released = False   # a backward() without retain_graph went through this graph
        self.freed = []         # tensors whose history such a backward freed
        Graph._count += 1
        self.order = Graph._count

    def watch(self, source):
        if id(source) not in self.watched and source.dtype.is_floating:
            self.tape.watch(source)
            self.watched[id(source)] = source


class VarInfo:
    """What ``attach_grad``/``mark_variables`` gives an array: grad buffer, grad_req, source."""
    __slots__ = ('req', 'src', 'base', 'fresh')

    def __init__(self, req):
        self.req = req
        self.fresh = False  # a backward() wrote the gradient since gluon's Trainer last stepped
        self.src = None    # the tensor this array's reads return (watched by the tape)
        self.base = None   # the storage value ``src`` was taken from


# -- flags ------------------------------------------------------------------------------------
def is_recording():
    return _ST.recording


def is_training():
    return _ST.training


def set_training(flag):
    prev, _ST.training = _ST.training, bool(flag)
    return prev


def set_recording(flag):
    """Enter (True) or leave (False) the current graph's tape; returns the previous flag."""
    flag = bool(flag)
    prev = _ST.recording
    if flag and not prev:
        g = _ST.graph = Graph()
        g.tape.__enter__()
        _ST.recording = True
        _watch_marked()
    elif prev and not flag:
        _ST.recording = False
        _ST.graph.tape.__exit__(None, None, None)
    return prev


def current_graph():
    return _ST.graph if _ST.recording else None


# -- variables --------------------------------------------------------------------------------
def mark(arr, grad, req):
    """Make ``arr`` a variable whose gradient goes into ``grad`` (grad_req ``req``)."""
    if req not in GRAD_REQS:
        raise KeyError('grad_req must be one of %s, got %r' % (GRAD_REQS, req))
    if arr._s.var is not None and arr._off is not None:
        raise MXNetError('attach_grad/mark_variables: a slice or reshape of an executor array '
                         '(a tf.Variable) cannot be a variable; copy it first')
    if arr._ag is None:
        _MARKED.append(weakref.ref(arr))
    arr._ag = VarInfo(req)
    arr._grad = grad
    arr._s.ag = VARIABLE
    if _ST.recording:
        arr._read()


def _watch_marked():
    alive = []
    for r in _MARKED:
        a = r()
        if a is not None and a._ag is not None:
            alive.append(r)
            a._read()
    _MARKED[:] = alive


# the tensors marked arrays' reads return (weakly held: an entry goes with its tensor)
_SOURCES = weakref.WeakValueDictionary()


def var_read(arr, info, value, window):
    """The value a marked array reads: one tensor per storage value, watched while recording.
    ``value`` is the storage's tensor, ``window(arr, value)`` the array's part of it."""
    s = arr._s
    if s.var is not None:
        g = current_graph()
        if g is not None:
            g.watch(s.var)
        return window(arr, value)
    if info.base is not value:
        info.base = value
        src = value if arr._off is None else tf.identity(window(arr, value))
        if _SOURCES.get(id(src)) is src:
            # another variable's reads return this very tensor (``b[:] = a`` shares it): a
            # source of its own, through which no gradient reaches the other's, or a backward
            # through one would write both gradients
            src = tf.stop_gradient(src)
        _SOURCES[id(src)] = src
        info.src = src
    g = current_graph()
    if g is not None:
        g.watch(info.src)
    return info.src


def _source(arr, g):
    """The watched source of marked ``arr`` on graph ``g``, or None."""
    s = arr._s
    src = s.var if s.var is not None else arr._ag.src
    return src if src is not None and id(src) in g.watched else None


def reading(s, value):
    """A recorded storage read while recording: a value from an earlier (still held) graph is
    watched on the current one, which remembers where it came from."""
    tag = s.ag
    if tag is VARIABLE or not _ST.recording or tag[1] is not value:
        return
    g = _ST.graph
    if tag[0] is not g and not tag[0].released and id(value) not in g.imports:
        g.watch(value)
        g.imports[id(value)] = tag


# -- recording outputs ------------------------------------------------------------------------
def tag_new(tensor):
    """The ``.ag`` of a new storage holding ``tensor``: in the graph if it depends on a source."""
    if _ST.recording and _tf_record.should_record_backprop([tensor]):
        return (_ST.graph, tensor)
    return None


def check_write(arr, value, inplace):
    """Called before ``arr``'s storage takes ``value`` (its new whole value, a tensor); raises
    MXNet's errors for writes a gradient could not follow, and returns the storage's new tag."""
    s = arr._s
    tag = s.ag
    if not _ST.recording:
        return tag
    if tag is VARIABLE or (tag is not None and not tag[0].released):
        raise MXNetError(MSG_ASSIGN)
    if not _tf_record.should_record_backprop([value]):
        return None
    if inplace or arr._off is not None:
        raise MXNetError(MSG_INPLACE)
    if s.var is not None:
        raise MXNetError('autograd cannot record a write into an executor array (it lives in a '
                         'tf.Variable, whose assignment has no gradient); write the value into '
                         'a new array (mx.nd.zeros(...)[:] = ...) or do it outside record()')
    return (_ST.graph, value)


# -- gradients --------------------------------------------------------------------------------
class _Active:
    """Graph ``g``'s tape recording (create_graph) or not, for the span of a gradient call."""

    def __init__(self, g, on):
        self.g, self.on = g, on
        self.was = _ST.recording and _ST.graph is g

    def __enter__(self):
        if self.on and not self.was:
            self.g.tape.__enter__()
        elif self.was and not self.on:
            self.g.tape.__exit__(None, None, None)

    def __exit__(self, *exc):
        if self.on and not self.was:
            self.g.tape.__exit__(None, None, None)
        elif self.was and not self.on:
            self.g.tape.__enter__()


def _head(h, window):
    """(graph, target tensor) of head array ``h``; a view of a recorded array targets its
    window, read on the graph's tape so the gradient reaches the recorded tensor."""
    tag = h._s.ag
    if tag is VARIABLE and h._off is not None and h._ag is None:
        # a slice/reshape of a variable taken while recording (MXNet records a slice op)
        g, t = _ST.graph, h._s.tensor
        if g is None or t is None or id(t) not in g.watched:
            raise MXNetError(MSG_NOT_IN_GRAPH)
        tag = (g, t)
    if tag is None or tag is VARIABLE:
        raise MXNetError(MSG_NOT_IN_GRAPH)
    g, t = tag
    if h._off is None:
        return g, t
    with _Active(g, True):
        return g, window(h, t)


def _marked_sources(g):
    """{id(source): source} of the marked arrays watched on graph ``g``."""
    out = {}
    for r in _MARKED:
        a = r()
        if a is not None and a._ag is not None:
            src = _source(a, g)
            if src is not None:
                out[id(src)] = src
    return out


def gradients(heads, head_grads, variables, retain_graph, create_graph, window):
    """d(heads)/d(sources), carried from the heads' graphs back through the graphs they read.

    ``variables`` None: every marked array (grad_req not 'null') reached -- what ``backward``
    fills; otherwise those arrays (``autograd.grad``), each of which must be marked.
    Returns (graph of the first head, arrays, gradient tensors or None where unconnected)."""
    pairs = [_head(h, window) for h in heads]
    if head_grads is None:
        head_grads = [None] * len(pairs)
    pending = {}                      # graph -> [(target, head gradient)]
    for (g, t), hg in zip(pairs, head_grads):
        pending.setdefault(g, []).append((t, tf.ones_like(t) if hg is None else hg))
    if variables is not None:
        for i, a in enumerate(variables):
            if getattr(a, '_ag', None) is None:
                raise MXNetError('Cannot differentiate with respect to the %d-th variable '
                                 'because it does not require gradient.' % i)
    total, seen, done = {}, {}, []
    while pending:
        g = max(pending, key=lambda k: k.order)   # imports only point to older graphs
        items = pending.pop(g)
        if done and create_graph:
            raise MXNetError('autograd.grad(create_graph=True): the heads depend on arrays '
                             'recorded in another record() block; record the whole '
                             'computation in one block for higher-order gradients')
        done.append((g, [t for t, _ in items]))
        srcs = _marked_sources(g)
        seen.update(srcs)
        sources = list(srcs.values())
        imps = [v for v in g.imports.values() if not v[0].released]
        freed = list(g.freed)
        try:
            with _Active(g, create_graph):
                grads = g.tape.gradient([t for t, _ in items],
                                        sources + [t for _, t in imps] + freed,
                                        output_gradients=[d for _, d in items])
        except (LookupError, ValueError, TypeError, tf.errors.OpError) as e:
            raise MXNetError('backward failed: %s' % tf_message(e)) from None
        n, m = len(sources), len(sources) + len(imps)
        if any(d is not None for d in grads[m:]):
            raise MXNetError(MSG_NO_INPUTS + ' The graph these heads depend on was freed by an '
                             'earlier backward(); pass retain_graph=True to it.')
        for src, d in zip(sources, grads[:n]):
            if d is not None:   # a gather's IndexedSlices stay sparse for row_sparse .grad
                total[id(src)] = _sparse.accumulate(total.get(id(src)), d)
        for (og, t), d in zip(imps, grads[n:m]):
            if d is not None:
                pending.setdefault(og, []).append((t, tf.convert_to_tensor(d)))
    if variables is None:
        arrs = []
        for r in _MARKED:
            a = r()
            if a is not None and a._ag is not None and a._ag.req != 'null':
                src = a._s.var if a._s.var is not None else a._ag.src
                if src is not None and id(src) in seen:
                    arrs.append(a)
        if not arrs:
            raise MXNetError(MSG_NO_INPUTS)
    else:
        arrs = list(variables)
    out = []
    for a in arrs:
        src = a._s.var if a._s.var is not None else a._ag.src
        d = total.get(id(src)) if src is not None else None
        if isinstance(d, tf.IndexedSlices):
            if variables is None and getattr(a._grad, 'stype', None) == 'row_sparse':
                d = _sparse.slices_to_rsp(d, a.shape)
            else:
                d = tf.convert_to_tensor(d)
        if d is not None and a._s.var is not None and a._off is not None:
            d = window(a, d)
        out.append(d)
    if all(d is None for d in out):
        raise MXNetError(MSG_NO_INPUTS)
    if not retain_graph:
        for g, targets in done:
            g.released = True
            g.freed.extend(targets)
        for h in heads:
            h._s.ag = None
    return pairs[0][0], arrs, out


def head_tensors(heads, head_grads):
    """Head gradients as tensors (None: ones), checked against the heads."""
    if head_grads is None:
        return None
    if len(head_grads) != len(heads):
        raise MXNetError('backward: %d head gradients given for %d heads'
                         % (len(head_grads), len(heads)))
    out = []
    for h, hg in zip(heads, head_grads):
        if hg is None:
            out.append(None)
            continue
        t = hg._read()
        if tuple(t.shape) != tuple(h.shape):
            raise MXNetError('backward: head gradient of shape %s for a head of shape %s'
                             % (tuple(t.shape), tuple(h.shape)))
        if t.dtype.name != h._s.dtype:
            t = tf.cast(t, h._s.dtype)
        out.append(tf.stop_gradient(t))
    return out


def backward(heads, head_grads, retain_graph, train_mode, window):
    """MXNet's backward: the heads' gradients into every variable's ``.grad`` by its grad_req."""
    prev = set_training(train_mode)
    try:
        g, arrs, grads = gradients(heads, head_tensors(heads, head_grads), None, retain_graph,
                                   False, window)
    finally:
        set_training(prev)
    for r in _MARKED:   # MXNet drops the (unused) buffer of the graph's 'null' variables
        v = r()
        if v is not None and v._ag is not None and v._ag.req == 'null' \
                and _source(v, g) is not None:
            v._grad = None
    for a, d in zip(arrs, grads):
        a._ag.fresh = True      # in the graph: MXNet marks its gradient fresh (Trainer.step)
        if d is None:
            continue
        buf = a._grad
        if a._ag.req == 'add':
            if isinstance(d, tf.IndexedSlices) and buf.stype == 'row_sparse':
                raise MXNetError("backward: a row_sparse gradient (Embedding/SparseEmbedding "
                                 "with sparse_grad) takes grad_req='write' only, as in MXNet")
            else:
                d = buf._read() + tf.cast(tf.convert_to_tensor(_sparse.to_dense(d)),
                                          buf._s.dtype)
        buf._write(d)
