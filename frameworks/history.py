"""What every framework's trainer hands back, without importing any framework: the
kernels' orientation, the per-iteration history and final state, and the
numpy_ref TrainingResult assembled from them."""

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from numpy_ref.example import Example
from numpy_ref.network import FloatArray
from numpy_ref.result import TrainingResult
from numpy_ref.training import Training

#: A trainer's per-iteration history: losses (N,), outputs and hidden (N, 2),
#: hidden_kernels and output_kernels (N, 2, 2) in x @ K orientation.
History = dict[str, np.ndarray]
#: The state after training: hidden_kernel, output_kernel, biases (two arrays),
#: loss and predictions (training_result reads them).
FinalState = dict[str, Any]
#: The first iteration as console.explain.values_from_arrays takes it: (the
#: forward pass and the target), the output deltas, {name: gradient} and the
#: updated (W_hidden, W_output), all in the tutorial's orientation.
FirstIterationArrays = tuple[
    tuple[FloatArray, ...], FloatArray, dict[str, FloatArray], Sequence[FloatArray]
]


def kernel_from_weights(weights: ArrayLike, dtype: str) -> FloatArray:
    """Tutorial matrix W (row = receiving neuron) -> framework kernel K = W.T for x @ K."""
    return np.asarray(weights, dtype=dtype).T.copy()


def weights_from_kernels(kernels: ArrayLike) -> FloatArray:
    """Framework kernels K (x @ K) -> tutorial matrices W = K.T, one or many."""
    return np.swapaxes(np.asarray(kernels), -1, -2)


def training_result(
    implementation: str,
    history: Mapping[str, np.ndarray],
    final: Mapping[str, Any],
    *,
    update: str,
    example: Example,
    dtype: str,
    iterations: int,
    training: Training,
    stopped: bool,
    loss: str = "half-sse",
    replicas: int = 1,
) -> TrainingResult:
    """Assemble a TrainingResult from a framework's history and final state.

    ``history`` holds per-iteration arrays (losses, outputs, hidden, and the
    kernels used at each iteration, in x @ K orientation) for every iteration
    that ran; ``final`` holds the kernels and biases after all updates and
    the loss and predictions they give over every sample; ``stopped``: whether
    the last iteration's loss was below ``training.until_loss`` (and so made no
    update).  Kernels are
    transposed back to the tutorial's orientation here.
    """
    recorded = int(len(history["losses"]))
    return TrainingResult(
        implementation=implementation,
        update=update,
        dtype=dtype,
        learning_rate=float(example.learning_rate),
        iterations=iterations,
        losses=np.asarray(history["losses"]),
        outputs=np.asarray(history["outputs"]),
        hidden=np.asarray(history["hidden"]),
        hidden_weights=weights_from_kernels(history["hidden_kernels"]),
        output_weights=weights_from_kernels(history["output_kernels"]),
        final_hidden_weights=weights_from_kernels(final["hidden_kernel"]),
        final_output_weights=weights_from_kernels(final["output_kernel"]),
        # two biases, one per layer: mypy cannot tell tuple()'s length
        final_biases=tuple(np.asarray(b) for b in final["biases"]),  # type: ignore[arg-type]
        final_loss=float(final["loss"]),
        predictions=np.asarray(final["predictions"]),
        targets=np.asarray(example.targets, dtype=dtype),
        example=example,
        replicas=replicas,
        loss=loss,
        training=training,
        stopped_at=recorded if stopped else None,
    )
