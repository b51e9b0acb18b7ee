"""Helpers the two framework scripts share.

Importing this module does not import TensorFlow; each function imports it
when called, so the scripts can check their arguments first.
"""

import contextlib
import os
import sys

import numpy as np

from .result import TrainingResult

_quieted = False


def quiet_tensorflow_logs(verbose=False):
    """Keep TensorFlow's C++ log off the screen; call before importing it.

    TensorFlow's native code writes its start-up notes (oneDNN, CUDA probing,
    CPU features) straight to file descriptor 2, where no Python setting
    reaches.  Unless ``verbose``, descriptor 2 is pointed at /dev/null for
    the rest of the process while Python's ``sys.stderr`` keeps writing to
    the real terminal, so our own messages and any traceback still show.
    Only the scripts' ``main`` calls this; ``train()`` never touches it.
    """
    global _quieted
    if verbose or _quieted:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    terminal = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = os.fdopen(terminal, "w", buffering=1)
    _quieted = True


@contextlib.contextmanager
def keras_floatx(dtype):
    """Make ``dtype`` Keras's default float type inside the block.

    Keras creates an optimizer's learning-rate variable in the default float
    type; under float64 it must be float64 too, or a rate such as 0.1 would
    reach the update rounded to float32.
    """
    import keras

    previous = keras.config.floatx()
    keras.config.set_floatx(dtype)
    try:
        yield
    finally:
        keras.config.set_floatx(previous)


def kernel_from_weights(weights, dtype):
    """Tutorial matrix W (row = receiving neuron) -> framework kernel K = W.T for x @ K."""
    return np.asarray(weights, dtype=dtype).T.copy()


def weights_from_kernels(kernels):
    """Framework kernels K (x @ K) -> tutorial matrices W = K.T, one or many."""
    return np.swapaxes(np.asarray(kernels), -1, -2)


def training_result(implementation, update, example, dtype, history, final, loss):
    """Assemble a TrainingResult from a framework's history and final state.

    ``history`` holds per-iteration arrays (losses, outputs, hidden, and the
    kernels used at each iteration, in x @ K orientation); ``final`` holds
    the kernels after all updates and the loss and prediction they give.
    Kernels are transposed back to the tutorial's orientation here.
    """
    return TrainingResult(
        implementation=implementation,
        update=update,
        dtype=dtype,
        learning_rate=float(example.learning_rate),
        iterations=int(len(history["losses"])),
        losses=np.asarray(history["losses"]),
        outputs=np.asarray(history["outputs"]),
        hidden=np.asarray(history["hidden"]),
        hidden_weights=weights_from_kernels(history["hidden_kernels"]),
        output_weights=weights_from_kernels(history["output_kernels"]),
        final_hidden_weights=weights_from_kernels(final["hidden_kernel"]),
        final_output_weights=weights_from_kernels(final["output_kernel"]),
        final_loss=float(final["loss"]),
        final_prediction=np.asarray(final["prediction"]).reshape(2),
        targets=np.asarray(example.targets, dtype=dtype),
        loss=loss,
    )


def _scalar_metadata():
    """What marks a summary as a TensorBoard scalar (what tf.summary.scalar adds).

    Written with TensorFlow's own tf.summary.write, so logging needs no
    tensorboard package; only viewing the logs does.
    """
    from tensorflow.core.framework import summary_pb2

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
        import time

        import tensorflow as tf

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
        import tensorflow as tf

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
