"""TF's graph-optimisation (Grappler) options for compiled training calls, set per call.

Training calls: the Module's training step (module/train_step.py) and an executor's training
forward / forward + backward.

TF optimises a traced function with Grappler when it first runs it. A training step is one
large graph, and on it Grappler's default of two rounds of its passes cost a ResNet-20's step
about 0.35 s of CPU at start-up, for nothing measurable after: the second round removed 36 of
2,700 nodes and the steady step took the same time. Two passes only concern GPUs -- the memory
optimizer's heuristics (swapping to host memory) and the layout optimizer (no conversion on CPU
by default) -- yet each walks the whole graph (~0.1-0.2 s each on that step).

Grappler also runs TF's MLIR graph passes (``tfg_optimizer``: attribute consolidation, a
topological sort, shape inference and, on functions, control-flow sinking) twice over the graph;
on a ResNet-20 step they changed no node and cost about 0.07 s of the first call.

So the step's calls run with one round, without the TFG passes, and on a machine without GPUs
without those two. The options are the thread's function-call options (what ``tf.function``
reads at each call), swapped in around the step's calls only: TF's global configuration is never
changed, and they are derived from the current one, so a setting the user made with
``tf.config.optimizer`` (or TF's ``meta_optimizer_iterations``) is kept -- only fields still at
TF's defaults change.
"""
import tensorflow as tf
from tensorflow.core.protobuf import config_pb2, rewriter_config_pb2
from tensorflow.python.eager import context as _context

_RW = rewriter_config_pb2.RewriterConfig
_derived = {}       # thread's default options object -> the step's options made from it
_gpus = []


def _no_gpus():
    if not _gpus:
        _gpus.append(bool(tf.config.list_logical_devices('GPU')))
    return not _gpus[0]


def step_options(base):
    """The training step's FunctionCallOptions derived from ``base`` (the thread's own)."""
    cfg = config_pb2.ConfigProto()
    if base.config_proto_serialized:
        cfg.ParseFromString(base.config_proto_serialized)
    rw = cfg.graph_options.rewrite_options
    if rw.meta_optimizer_iterations == _RW.DEFAULT_NUM_ITERS:
        rw.meta_optimizer_iterations = _RW.ONE
    rw.disable_tfg_optimizer = True
    if _no_gpus():
        if rw.memory_optimization == _RW.DEFAULT_MEM_OPT:
            rw.memory_optimization = _RW.NO_MEM_OPT
        if rw.layout_optimizer == _RW.DEFAULT:
            rw.layout_optimizer = _RW.OFF
    return _context.FunctionCallOptions(executor_type=base.executor_type, config_proto=cfg)


class StepCall:
    """``with StepCall():`` -- calls of compiled functions inside run with the step's options."""
    __slots__ = ('_ctx', '_base')

    def __enter__(self):
        ctx = self._ctx = _context.context()
        base = self._base = ctx.function_call_options
        ours = _derived.get(id(base))
        if ours is None or ours[0] is not base:
            # a thread's first step, or the user changed TF's config since: derive again
            if len(_derived) > 16:
                _derived.clear()
            ours = _derived[id(base)] = (base, step_options(base))
        ctx.function_call_options = ours[1]
        return self

    def __exit__(self, *exc):
        self._ctx.function_call_options = self._base
        return False
