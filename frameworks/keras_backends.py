"""Mazur's network as one Keras model trained by fit() on Keras's JAX or PyTorch backend.

Keras 3 is one API over three backends, chosen when keras is first imported
(KERAS_BACKEND).  On the TensorFlow backend ann_keras.py trains
keras_model.py's functional model (with tf.distribute, the SavedModel and
TFLite exports and --load); this module is the same network and the same
two orders on the other two backends, written as Keras's guides to
customising fit() write them for each:

- parallel: Keras's own train_step, the compiled optimizer on MSE (for two
  outputs, MSE is the tutorial's E = sum 1/2 (target - out)^2);
- sequential, on JAX: a stateless ``train_step(state, data)``; jax.vjp gives
  the output layer's gradients and the output deltas, the optimizer's
  stateless_apply updates the output layer, and one more jax.vjp carries the
  same deltas back through the NEW output kernel to the hidden layer;
- sequential, on PyTorch: ``loss.backward()`` fills the output layer's
  gradients, ``optimizer.apply`` updates it, and torch.autograd.grad carries
  the deltas back through the new output kernel.

Keras keeps float64 here only where a backend lets it: on PyTorch,
keras.ops.matmul (and so Dense) returns float32 for two float64 inputs
(keras.backend.result_type maps float64 to float32 on every backend but
TensorFlow; keras-team/keras issue 23704), while keras.ops.einsum keeps
float64, so the layers multiply with einsum.  On JAX float64 exists only
once jax_enable_x64 is on, before Keras is imported: frameworks.use_backend,
called before this module is imported, does both.

Each step records its forward pass (loss, out_o, out_h of the batch's first
sample, both kernels) as one row of a non-trainable "history" variable,
which fit() carries like any other state: the result holds every iteration.
"""

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import ops

from numpy_ref import MAZUR
from numpy_ref.example import Example
from numpy_ref.result import TrainingResult
from numpy_ref.training import PLAIN_SGD, Training

from .common import WeightPenalty, keras_floatx, keras_optimizer
from .history import FinalState, kernel_from_weights, training_result
from .keras_backend_steps import JaxSteps, TorchSteps, sigmoid

#: One history row: [E, out_o1, out_o2, out_h1, out_h2, K_h (4), K_o (4)].
FIELDS = (
    ("losses", slice(0, 1), ()),
    ("outputs", slice(1, 3), (2,)),
    ("hidden", slice(3, 5), (2,)),
    ("hidden_kernels", slice(5, 9), (2, 2)),
    ("output_kernels", slice(9, 13), (2, 2)),
)
WIDTH = 13
#: Steps fit() runs per compiled call before returning to Python, by backend
#: (Keras's PyTorch backend runs one at a time).
STEPS_PER_EXECUTION = {"jax": 1000, "torch": 1}


@keras.saving.register_keras_serializable(package="mazur", name="half_squared_errors")
def half_squared_errors(target: Any, output: Any) -> Any:
    """Each sample's E = sum 1/2 (target - out)^2, which Keras's own train_step averages
    over the batch (a sum over the count, in float64).  Keras's MeanSquaredError
    would average in float32 on the JAX and PyTorch backends: 2e-9 (JAX) and 2e-8
    (PyTorch) off for a batch of three samples (tests/test_keras_backends.py)."""
    return 0.5 * ops.sum(ops.square(target - output), axis=-1)


@keras.saving.register_keras_serializable(package="mazur", name="BackendMazurModel")
class BackendMazurModel(JaxSteps, TorchSteps):
    """The 2-2-2 network: two kernels (x @ K, K = W.T), two biases (the tutorial's
    constants, or trained per neuron), sigmoids; the update order chosen in fit()."""

    def __init__(
        self,
        hidden_kernel: Any,
        output_kernel: Any,
        hidden_bias: float,
        output_bias: float,
        *,
        update: str = "sequential",
        train_biases: bool = False,
        iterations: int = 1,
        l1: float = 0.0,
        l2: float = 0.0,
        dtype: str = "float64",
        **kwargs: Any,
    ) -> None:
        super().__init__(dtype=dtype, **kwargs)
        self.update, self.train_biases, self.iterations = update, train_biases, iterations
        #: l1 sum|w| + l2 sum w^2 of a kernel: its regularizer, which the stock step adds
        #: to the loss and the sequential step differentiates (None: no penalty)
        self.penalty = WeightPenalty(l1, l2) if (l1 or l2) else None
        self.settings = {
            "hidden_kernel": np.asarray(hidden_kernel, dtype).tolist(),
            "output_kernel": np.asarray(output_kernel, dtype).tolist(),
            "hidden_bias": float(hidden_bias),
            "output_bias": float(output_bias),
        }
        self.hidden_kernel = self._weight("hidden_kernel", hidden_kernel, dtype)
        self.hidden_bias = self._weight("hidden_bias", np.full(2, hidden_bias), dtype, train_biases)
        self.output_kernel = self._weight("output_kernel", output_kernel, dtype)
        self.output_bias = self._weight("output_bias", np.full(2, output_bias), dtype, train_biases)
        self.history_rows = self.add_weight(
            shape=(iterations, WIDTH),
            initializer="zeros",
            dtype=dtype,
            trainable=False,
            name="history",
        )
        self.step_count = self.add_weight(
            shape=(), initializer="zeros", dtype="int64", trainable=False, name="step_count"
        )

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "BackendMazurModel":
        # the saved dtype is Keras's DTypePolicy record: its float type's name
        dtype = keras.dtype_policies.deserialize(config.pop("dtype")).variable_dtype
        return cls(**config, dtype=dtype)

    def _weight(self, name: str, value: Any, dtype: str, trainable: bool = True) -> Any:
        # a NumPy float64 initial value: a Python float would reach Constant as float32
        initial = keras.initializers.Constant(np.asarray(value, np.float64))
        return self.add_weight(
            shape=np.shape(value),
            initializer=initial,
            dtype=dtype,
            trainable=trainable,
            name=name,
            regularizer=self.penalty if name.endswith("kernel") else None,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            **self.settings,
            "update": self.update,
            "train_biases": self.train_biases,
            "iterations": self.iterations,
            "l1": 0.0 if self.penalty is None else self.penalty.l1,
            "l2": 0.0 if self.penalty is None else self.penalty.l2,
        }

    @staticmethod
    def layer(inputs: Any, kernel: Any, bias: Any) -> Any:
        """out = sigmoid(inputs @ K + b), the product by einsum: float64 on every backend."""
        return sigmoid(ops.einsum("si,ij->sj", inputs, kernel) + bias)

    def call(self, x: Any) -> Any:
        hidden = self.layer(x, self.hidden_kernel, self.hidden_bias)
        return self.layer(hidden, self.output_kernel, self.output_bias)

    @property
    def layers_variables(self) -> tuple[list[Any], list[Any]]:
        """Each layer's trained variables: ([K_h], [K_o]), with b_h, b_o when they train."""
        hidden, output = [self.hidden_kernel], [self.output_kernel]
        if self.train_biases:
            hidden.append(self.hidden_bias)
            output.append(self.output_bias)
        return hidden, output

    @staticmethod
    def history_parts(loss: Any, hidden: Any, output: Any, kernels: Sequence[Any]) -> list[Any]:
        """This forward pass's history row in FIELDS' order, as its pieces: E, the
        batch's first sample's outputs and hidden activations, both kernels flat (each
        by the array's own reshape, a JAX array's or a torch tensor's)."""
        return [loss.reshape(1), output[0], hidden[0], *(kernel.reshape(4) for kernel in kernels)]

    def history_row(self, loss: Any, hidden: Any, output: Any, kernels: Sequence[Any]) -> Any:
        """This forward pass as one row of the history, in the model's float type."""
        parts = self.history_parts(loss, hidden, output, kernels)
        return ops.reshape(ops.concatenate([ops.cast(p, self.dtype) for p in parts]), (1, WIDTH))

    def train_step(self, *arguments: Any) -> Any:
        backend = keras.backend.backend()
        if backend == "jax":
            return self.jax_train_step(*arguments)
        return self.torch_train_step(*arguments)

    def recorded_history(self) -> dict[str, np.ndarray]:
        """The recorded rows, field by field (losses, outputs, hidden, both kernels)."""
        rows = keras.ops.convert_to_numpy(self.history_rows.value)[: int(self.step_count.value)]
        return {
            name: rows[:, columns].reshape((len(rows), *shape)) for name, columns, shape in FIELDS
        }


def build_model(
    example: Example, update: str, dtype: str, training: Training, iterations: int
) -> BackendMazurModel:
    """The compiled model, starting from the example's weights, with room for the
    history of ``iterations`` steps."""
    model = BackendMazurModel(
        kernel_from_weights(example.hidden_weights, dtype),
        kernel_from_weights(example.output_weights, dtype),
        example.hidden_bias,
        example.output_bias,
        update=update,
        train_biases=example.train_biases,
        iterations=iterations,
        l1=training.l1,
        l2=training.l2,
        dtype=dtype,
        name="mazur_2_2_2",
    )
    optimizer = keras_optimizer(training, example.learning_rate, dtype)
    with keras_floatx(dtype):  # the compiled loss's and the metrics' float type
        model.compile(
            optimizer=optimizer,
            loss=half_squared_errors,
            steps_per_execution=STEPS_PER_EXECUTION[keras.backend.backend()],
        )
        optimizer.build(model.trainable_variables)  # both layers: each steps alone
    return model


class Batches(keras.utils.PyDataset):
    """fit()'s data on JAX: iteration k's batch, the consecutive rows numpy_ref's batch
    k is (numpy_ref.data), for exactly ``iterations`` steps in one epoch."""

    def __init__(self, example: Example, dtype: str, iterations: int) -> None:
        super().__init__()
        self.example, self.iterations = example, iterations
        self.x, self.target, _, _ = example.arrays(dtype)

    def __len__(self) -> int:
        return self.iterations

    def __getitem__(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        first, end = self.example.batch_rows(k)
        return self.x[first:end], self.target[first:end]


class TensorBatches:
    """fit()'s data on PyTorch, for a torch DataLoader: the same batches as Batches, as
    tensors made once for one pass over the data (step k trains on batch k of a pass),
    handed over as they are.  Through a PyDataset every step's batch was sliced,
    converted and collated again: 0.1 to 0.5 ms of a 2.3 to 4.3 ms step."""

    def __init__(self, example: Example, dtype: str, iterations: int) -> None:
        import torch

        x, target = (torch.from_numpy(array) for array in example.arrays(dtype)[:2])
        per_pass = len(example.data.batch_sizes(example.batch))
        rows = [example.batch_rows(k) for k in range(per_pass)]
        self.one_pass = [(x[first:end], target[first:end]) for first, end in rows]
        self.iterations = iterations

    def __len__(self) -> int:
        return self.iterations

    def __getitem__(self, k: int) -> tuple[Any, Any]:
        return self.one_pass[k % len(self.one_pass)]

    @classmethod
    def loader(cls, example: Example, dtype: str, iterations: int) -> Any:
        import torch

        # a map-style dataset (__len__, __getitem__), one batch an item, none collated
        batches: Any = cls(example, dtype, iterations)
        return torch.utils.data.DataLoader(batches, batch_size=None, collate_fn=lambda b: b)


#: fit()'s data, by backend.
FIT_DATA = {"jax": Batches, "torch": TensorBatches.loader}


def final_state(model: BackendMazurModel, example: Example, dtype: str) -> FinalState:
    """Kernels and biases after training, and the loss and predictions they give."""
    x, target, _, _ = example.arrays(dtype)
    with keras_floatx(dtype):
        predictions = ops.convert_to_numpy(model(ops.convert_to_tensor(x, dtype)))
    values = {v.name: ops.convert_to_numpy(v.value) for v in model.weights}
    return {
        "hidden_kernel": values["hidden_kernel"],
        "output_kernel": values["output_kernel"],
        "biases": (values["hidden_bias"], values["output_bias"]),
        "loss": np.asarray(0.5 * np.mean(np.sum(np.square(target - predictions), axis=-1))),
        "predictions": predictions,
    }


def train_model(
    iterations: int = 1000,
    update: str = "sequential",
    example: Example = MAZUR,
    dtype: str = "float64",
    *,
    training: Training = PLAIN_SGD,
) -> tuple[TrainingResult, BackendMazurModel]:
    """Train by fit() on Keras's current backend (JAX or PyTorch): one epoch of
    ``iterations`` steps, one per batch.  Return the numpy_ref TrainingResult and the
    trained model."""
    training = training.for_iterations(iterations)
    model = build_model(example, update, dtype, training, iterations)
    with keras_floatx(dtype):  # fit() turns NumPy input into the default float type
        data = FIT_DATA[keras.backend.backend()](example, dtype, iterations)
        model.fit(data, epochs=1, shuffle=False, verbose=0)
    result = training_result(
        f"keras-{keras.backend.backend()}",  # the registry's name: keras-jax, keras-torch
        model.recorded_history(),
        final_state(model, example, dtype),
        update=update,
        example=example,
        dtype=dtype,
        iterations=iterations,
        training=training,
        stopped=False,
    )
    return result, model
