"""TensorBoard scalars for every iteration: the loss, out_o1/out_o2, w1..w8.

Written with TensorFlow's own tf.summary, so logging needs no tensorboard
package; only viewing the logs does.
"""

import os
import time

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import summary_pb2


def _scalar_metadata():
    """What marks a summary as a TensorBoard scalar (what tf.summary.scalar adds)."""
    metadata = summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = "scalars"
    metadata.data_class = summary_pb2.DATA_CLASS_SCALAR
    return metadata.SerializeToString()


class ScalarLog:
    """TensorBoard scalars for every iteration: the loss, out_o1/out_o2, w1..w8.

    One run folder per invocation, DIR/<implementation>-<update>-<timestamp>,
    written with tf.summary from a compiled loop over the recorded history.
    """

    NAMES = ("loss", "output/o1", "output/o2",
             *(f"weights/w{k}" for k in range(1, 9)))

    def __init__(self, logdir, implementation, update):
        stamp = time.strftime("%Y%m%d-%H%M%S")
        base = os.path.join(logdir, f"{implementation}-{update}-{stamp}")
        self.path, suffix = base, 1
        while os.path.exists(self.path):  # two runs in the same second
            suffix += 1
            self.path = f"{base}-{suffix}"
        self.writer = tf.summary.create_file_writer(self.path)
        self.metadata = _scalar_metadata()
        self._write = tf.function(
            self._write_rows,
            input_signature=[tf.TensorSpec([None, len(self.NAMES)], tf.float32),
                             tf.TensorSpec([], tf.int64)],
        )

    def _write_rows(self, rows, first_iteration):
        with self.writer.as_default():
            for i in tf.range(tf.shape(rows, out_type=tf.int64)[0]):
                for j, name in enumerate(self.NAMES):
                    tf.summary.write(name, rows[i, j], step=first_iteration + i,
                                     metadata=self.metadata)

    def write(self, first_iteration, losses, outputs, hidden_weights, output_weights):
        """Log iterations first_iteration, first_iteration + 1, ... (1-based)."""
        rows = np.column_stack([
            losses, outputs,
            np.reshape(hidden_weights, (-1, 4)), np.reshape(output_weights, (-1, 4)),
        ]).astype(np.float32)  # TensorBoard's scalars are float32
        self._write(rows, np.int64(first_iteration))
        self.writer.flush()


    def write_result(self, result):
        """Log every iteration of a finished run."""
        self.write(1, result.losses, result.outputs, result.hidden_weights,
                   result.output_weights)
