"""Sums across the workers of a multi-worker job, outside the compiled training step.

The dist kvstore's eager operations -- ``init`` (every worker starts from worker 0's value),
``push`` (the workers' gradients summed), ``barrier`` and the end-of-epoch agreement of ``fit``
-- are all-reduces on the job's ``MultiWorkerMirroredStrategy``. Each distinct list of shapes
and dtypes is traced once; every worker must issue the same sums in the same order (they run the
same program), which is also what MXNet's dist_sync requires of its workers.
"""
import tensorflow as tf

from . import cluster

# what a collective raises when a peer died or cannot be reached
_LOST = (tf.errors.UnavailableError, tf.errors.DeadlineExceededError, tf.errors.CancelledError,
         tf.errors.AbortedError, tf.errors.InternalError)

_FNS = {}


def _compiled(strategy, signature):
    fn = _FNS.get(signature)
    if fn is not None:
        return fn
    nlocal = len(strategy.extended.worker_devices)

    def per_replica(*xs):
        ctx = tf.distribute.get_replica_context()
        first = tf.equal(ctx.replica_id_in_sync_group % nlocal, 0)
        # each worker's value enters the sum once, however many local replicas it has
        xs = [tf.where(first, x, tf.zeros_like(x)) for x in xs]
        return ctx.all_reduce(tf.distribute.ReduceOp.SUM, xs)

    def run(*xs):
        with strategy.scope():
            res = strategy.run(per_replica, args=xs)
        return [strategy.experimental_local_results(r)[0] for r in res]
    fn = _FNS[signature] = tf.function(run, autograph=False)
    return fn


def all_sum(tensors):
    """The sum over all workers of each of ``tensors`` (this worker's values)."""
    strategy = cluster.strategy()
    tensors = [tf.convert_to_tensor(t) for t in tensors]
    if strategy is None or not tensors:
        return tensors
    sig = tuple((tuple(t.shape), t.dtype.name) for t in tensors)
    try:
        return _compiled(strategy, sig)(*tensors)
    except _LOST as e:
        raise cluster.describe_failure(e) from None


def from_rank0(tensors):
    """Worker 0's values of ``tensors``, on every worker."""
    if cluster.strategy() is None:
        return [tf.convert_to_tensor(t) for t in tensors]
    mine = cluster.rank() == 0
    return all_sum([t if mine else tf.zeros_like(t) for t in tensors])


def all_true(flag):
    """Whether ``flag`` holds on every worker."""
    if cluster.strategy() is None:
        return bool(flag)
    total = all_sum([tf.constant(1.0 if flag else 0.0, tf.float32)])[0]
    return int(round(float(total))) == cluster.num_workers()
