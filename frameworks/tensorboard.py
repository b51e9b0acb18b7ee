"""TensorBoard scalars of a TensorFlow or Keras run (run_log.py's RunLog), written
with TensorFlow's own tf.summary, so logging needs no tensorboard package; only
viewing the logs does."""

import errno
import os
import re

import numpy as np
import tensorflow as tf
from numpy.typing import NDArray
from tensorflow.core.framework import summary_pb2

from .run_log import RunLog


def _scalar_metadata() -> bytes:
    """What marks a summary as a TensorBoard scalar (what tf.summary.scalar adds)."""
    metadata = summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = "scalars"
    metadata.data_class = summary_pb2.DATA_CLASS_SCALAR
    return metadata.SerializeToString()


#: The causes a TensorFlow write error names, as the errno they stand for.
_CAUSES = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOENT)


def as_os_error(error: tf.errors.OpError, path: str) -> OSError:
    """An OSError with one line for a tf.errors.OpError while writing ``path``.

    TensorFlow's message can run to fifty lines (the graph node, its trace);
    the reason is a system error it names, or else its first line.
    """
    for number in _CAUSES:
        if os.strerror(number) in error.message:
            return OSError(number, os.strerror(number), path)
    first = re.sub(r"\{\{.*?\}\}\s*", "", error.message).strip().splitlines()[0]
    return OSError(errno.EIO, first[:200], path)


class ScalarLog(RunLog):
    """A RunLog written with tf.summary from a compiled loop over the rows."""

    def open_writer(self) -> None:
        try:
            self.writer = tf.summary.create_file_writer(self.path)
        except tf.errors.OpError as error:
            raise as_os_error(error, self.path) from None
        self.metadata = _scalar_metadata()
        self._write = tf.function(
            self._write_compiled,
            input_signature=[
                tf.TensorSpec([None, len(self.NAMES)], tf.float32),
                tf.TensorSpec([None], tf.int64),
            ],
        )

    def _write_compiled(self, rows: tf.Tensor, steps: tf.Tensor) -> None:
        with self.writer.as_default():
            for i in tf.range(tf.shape(rows, out_type=tf.int64)[0]):
                for j, name in enumerate(self.NAMES):
                    tf.summary.write(name, rows[i, j], step=steps[i], metadata=self.metadata)

    def write_rows(self, rows: NDArray[np.float32], steps: NDArray[np.int64]) -> None:
        try:
            self._write(rows, steps)
            self.writer.flush()
        except tf.errors.OpError as error:
            raise as_os_error(error, self.path) from None

    def close(self) -> None:
        self.writer.close()
