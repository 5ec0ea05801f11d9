"""``mx.contrib.tensorboard``: log metrics as TensorBoard scalars.

MXNet's version wrote through mxboard/tensorboardX; this one writes the event files with core
TensorFlow's ``tf.summary.write`` -- the same records ``tf.summary.scalar`` writes (a float32
scalar tensor tagged for the 'scalars' plugin) without needing the ``tensorboard`` package.
Use ``tensorboard --logdir=<dir>`` to view them.
"""
import tensorflow as tf


def _scalar_metadata():
    """What TensorBoard's scalar summary attaches: plugin 'scalars', ScalarPluginData v0
    (which serialises to empty content)."""
    md = tf.compat.v1.SummaryMetadata()
    md.plugin_data.plugin_name = 'scalars'
    md.plugin_data.content = b''
    return md


class LogMetricsCallback:
    """Batch- or epoch-end callback writing every metric of ``param.eval_metric`` as a scalar.

    logging_dir: the event file directory. prefix: if given, scalars are named
    ``'<prefix>-<metric name>'`` (so train and eval curves of the same metric can share a chart
    when logged to different directories). As in MXNet, the step is ``param.epoch``.

    >>> mod.fit(train, eval_data=val, num_epoch=5,
    ...         batch_end_callback=mx.contrib.tensorboard.LogMetricsCallback('logs/train'),
    ...         eval_end_callback=mx.contrib.tensorboard.LogMetricsCallback('logs/eval'))
    """

    def __init__(self, logging_dir, prefix=None):
        self.prefix = prefix
        self.logging_dir = logging_dir
        self.summary_writer = tf.summary.create_file_writer(logging_dir)
        self._metadata = _scalar_metadata()

    def __call__(self, param):
        """Write the metric values of ``param`` (a BatchEndParam) at step ``param.epoch``."""
        if param.eval_metric is None:
            return
        name_value = param.eval_metric.get_name_value()
        with self.summary_writer.as_default():
            for name, value in name_value:
                if self.prefix is not None:
                    name = '%s-%s' % (self.prefix, name)
                tf.summary.write(name, tf.constant(value, tf.float32), step=int(param.epoch),
                                 metadata=self._metadata)
        self.summary_writer.flush()

    def close(self):
        """Flush and close the event file."""
        self.summary_writer.close()
