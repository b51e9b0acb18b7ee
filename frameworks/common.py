"""What the TensorFlow and Keras trainers share: kernels, Keras's float type, the result."""

import contextlib

import keras
import numpy as np

from numpy_ref import TrainingResult


@contextlib.contextmanager
def keras_floatx(dtype):
    """Make ``dtype`` Keras's default float type inside the block.

    Keras creates an optimizer's learning-rate variable in the default float
    type; under float64 it must be float64 too, or a rate such as 0.1 would
    reach the update rounded to float32.
    """
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


def apply_layer_by_layer(optimizer, gradient, variable, first):
    """Apply one layer's gradient as part of an update made layer by layer.

    Keras counts every apply_gradients call as an update (optimizer.iterations).
    A sequential update applies the output layer, then the hidden layer: two
    calls, one update.  The second call is counted back, so that after N
    updates the optimizer has counted N, and both calls of an update see the
    same count (as a schedule or Adam's bias correction must).
    """
    if not first:
        optimizer.iterations.assign_sub(1)
    optimizer.apply_gradients([(gradient, variable)])
