"""Mazur's network as a real Keras model, trained by model.fit().

The model is a functional keras.Model: Dense kernels (no bias), a small Bias
layer per layer (the tutorial's fixed b1 and b2, or trained per neuron), and
sigmoid activations.
Training always goes through fit(), so History, callbacks and predict() work
as they do for any Keras model.

Sequential updates are written by hand in MazurModel.train_step, the hook
Keras provides for custom training logic: the output layer is updated first,
and only then is the hidden layer's delta computed, through the NEW output
weights.  Parallel updates are stock Keras: the compiled optimizer on the
mean squared error (plus the layers' kernel_regularizer penalties), through
Keras's own train_step.  (For two outputs, MSE equals the tutorial's
E = sum 1/2 (target - out)^2, so the gradients are the same.)

In both orders train_step first records the forward pass (loss, outputs,
hidden activations, weights) as one row of a per-iteration buffer, so the
results hold the whole training history.  fit() runs STEPS_PER_EXECUTION
steps per graph call, in plain graph mode (not XLA).

This module holds the model: its layers, its train_step and how it is built
and compiled.  Training it by fit(), with the per-iteration history and the
callbacks, is keras_fit.py; saving and loading is keras_saving.py.

Importing this module registers the custom classes with Keras, so that plain
keras.saving.load_model reads a saved model back.  The model's config keeps
the settings it was built with (saved_run.py's SavedRun, under "run"), so
that a saved run can be resumed exactly.
"""

from . import tensorflow_backend  # noqa: F401  first: Keras on TensorFlow, before keras

# isort: split

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import keras
import numpy as np
import tensorflow as tf

from numpy_ref import MAZUR
from numpy_ref.data import Weights
from numpy_ref.example import Example
from numpy_ref.training import PLAIN_SGD, Training

from .common import apply_layer_by_layer, keras_floatx, keras_optimizer, weight_penalty
from .history import kernel_from_weights
from .saved_run import SavedRun

if TYPE_CHECKING:  # keras_fit imports this module
    from .keras_fit import HistoryRecorder

#: Steps fit() runs inside one compiled graph call before returning to Python
#: (callbacks' on_train_batch_* then see one call per this many steps).
STEPS_PER_EXECUTION = 1000
#: Under tf.distribute: Keras 3.15's fit() fails with more than one step per
#: execution there ("You must feed a value for placeholder tensor").
DISTRIBUTED_STEPS = 1


def half_squared_error(target: tf.Tensor, output: tf.Tensor) -> tf.Tensor:
    """The batch's loss: the mean over its samples of E = sum 1/2 (target - out)^2."""
    return 0.5 * tf.reduce_mean(tf.reduce_sum(tf.square(target - output), axis=-1))


@keras.saving.register_keras_serializable(package="mazur", name="Bias")
class Bias(keras.layers.Layer):
    """Adds each unit's own bias, which starts at ``value`` (b1 or b2).

    Built non-trainable (``trainable=False``) it stays the tutorial's constant.
    """

    def __init__(self, value: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.value = float(value)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        # Constant casts its value to the weight's dtype, and a Python float
        # would reach that cast as float32 (b1 = 0.35 as 0.3499999940 in a
        # float64 model); a NumPy float64 is cast from float64.
        self.bias = self.add_weight(
            shape=(input_shape[-1],),
            name="bias",
            trainable=self.trainable,
            initializer=keras.initializers.Constant(np.float64(self.value)),
        )

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        if not self.trainable:  # a constant the graph folds in: no variable read per step
            return inputs + self.value
        return inputs + self.bias

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "value": self.value}


@keras.saving.register_keras_serializable(package="mazur", name="MazurModel")
class MazurModel(keras.Model):
    """The functional 2-2-2 model, with the update order chosen in fit()."""

    def __init__(
        self,
        *args: Any,
        update: str = "sequential",
        run: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.update = update
        #: The settings it is trained with (saved_run.SavedRun), saved in its config
        #: under "run", so that --load resumes the run exactly; None if not known.
        self.saved_run = None if run is None else SavedRun.from_json(run)
        # set by keras_fit.fit(): where each step is written
        self.recorder: HistoryRecorder | None = None
        #: A (2, 2) tf.Variable that sequential_step fills with dE/dK_h (through
        #: the new K_o) when set; for --explain with an optimizer other than SGD.
        self.hidden_gradient_log: tf.Variable | None = None

    def get_config(self) -> dict[str, Any]:
        run = None if self.saved_run is None else self.saved_run.to_json()
        return {**super().get_config(), "update": self.update, "run": run}

    def hidden_and_output(self, x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """out_h and out_o for a batch x, through the model's own layers."""
        hidden = x
        for name in ("hidden_weights", "hidden_bias", "hidden"):
            hidden = self.get_layer(name)(hidden)
        output = hidden
        for name in ("output_weights", "output_bias", "output"):
            output = self.get_layer(name)(output)
        return hidden, output

    def train_step(self, data: tuple[tf.Tensor, tf.Tensor]) -> dict[str, Any]:
        # fit() hands NumPy data over as float32; compute in the weights' dtype.
        dtype = self.kernels()[0].dtype
        x, target = (tf.cast(tensor, dtype) for tensor in data)
        hidden, output = self.hidden_and_output(x)
        loss = half_squared_error(target, output)  # of this forward pass (of this replica)
        replicas = self.distribute_strategy.num_replicas_in_sync
        if replicas > 1:  # every replica has an equal share: the batch's loss is their mean
            loss = tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.MEAN, loss)
        if self.update == "parallel":
            stock_step = super().train_step  # Keras's own step: the optimizer on MSE

            def update() -> None:
                stock_step((x, target))
        else:

            def update() -> None:
                self.sequential_step(x, target, hidden, output, loss)

        if self.recorder is None:
            update()
        else:
            self.recorder.record_then_update(loss, hidden, output, self.kernels(), update)
        # This step's loss as the step's logs (fit() reads the epoch's mean, the
        # loss metric's result, from the metric itself at the epoch's end).
        return {"loss": loss}

    def kernels(self) -> tuple[tf.Variable, tf.Variable]:
        """K_h and K_o (x @ K orientation) as Keras holds them."""
        return (
            self.get_layer("hidden_weights").kernel,
            self.get_layer("output_weights").kernel,
        )

    def trained_variables(self) -> tuple[list[tf.Variable], ...]:
        """Each layer's trained variables: ([K_h], [K_o]), with b_h and b_o when they train.

        (apply_layer_by_layer pairs them with [kernel gradient, bias gradient].)
        """
        return tuple(
            [self.get_layer(f"{name}_weights").kernel]
            + [w for w in self.get_layer(f"{name}_bias").trainable_weights]
            for name in ("hidden", "output")
        )

    # Keras turns NumPy input of any other float type into its default float
    # type (float32) before a step sees it: a float64 model would predict from
    # i1 = 0.05 rounded to 0.0500000007.  The model's own float type is the
    # default while it reads data.

    def fit(self, *args: Any, **kwargs: Any) -> keras.callbacks.History:
        with keras_floatx(self.kernels()[0].dtype):
            return super().fit(*args, **kwargs)

    def evaluate(self, *args: Any, **kwargs: Any) -> Any:  # a loss, a list or a dict
        with keras_floatx(self.kernels()[0].dtype):
            return super().evaluate(*args, **kwargs)

    def predict(self, *args: Any, **kwargs: Any) -> np.ndarray:
        with keras_floatx(self.kernels()[0].dtype):
            return super().predict(*args, **kwargs)

    def sequential_step(
        self, x: tf.Tensor, target: tf.Tensor, hidden: tf.Tensor, output: tf.Tensor, loss: tf.Tensor
    ) -> None:
        """Hand-written backpropagation, output layer first."""
        hidden_kernel, output_kernel = self.kernels()
        hidden_layer, output_layer = self.trained_variables()
        # Under tf.distribute each of R replicas has 1/R of the batch, and the
        # optimizer sums the replicas' gradients (its all-reduce): each
        # replica's share of the penalty is 1/R of it.
        replicas = self.distribute_strategy.num_replicas_in_sync
        # The penalty's gradient at each layer's weights before the update,
        # d/dw (l1 |w| + l2 w^2) = l1 sign(w) + 2 l2 w, when the layers have one.
        penalties = [
            self.get_layer(name).kernel_regularizer for name in ("hidden_weights", "output_weights")
        ]
        penalty_gradients = [
            None if penalty is None else penalty.gradient(kernel) / replicas
            for penalty, kernel in zip(penalties, (hidden_kernel, output_kernel))
        ]
        # dE/dnet_o = (out_o - target) * out_o * (1 - out_o), of each sample, which
        # counts 1/samples in the batch's mean loss (the batch: every replica's share)
        # (a constant when the batch's shape is static: keras_fit.example_batches)
        batch = x.shape[0] if x.shape[0] is not None else tf.shape(x)[0]
        samples = tf.cast(batch * replicas, x.dtype)
        output_deltas = (output - target) * output * (1.0 - output) / samples
        # dE/dK_o[j, k] = sum over samples of out_h_j * delta_o_k
        output_gradient = tf.transpose(hidden) @ output_deltas
        if penalty_gradients[1] is not None:
            output_gradient += penalty_gradients[1]
        # dE/db_o = sum over samples of delta_o (when the biases train)
        output_gradients = [output_gradient, tf.reduce_sum(output_deltas, axis=0)]
        apply_layer_by_layer(self.optimizer, output_gradients, output_layer, first=True)
        # dE/dnet_h = (delta_o @ K_o(new).T) * out_h * (1 - out_h):
        # the deltas go back through the output weights JUST updated.
        hidden_deltas = output_deltas @ tf.transpose(output_kernel) * hidden * (1.0 - hidden)
        # dE/dK_h[i, j] = sum over samples of x_i * delta_h_j
        hidden_gradient = tf.transpose(x) @ hidden_deltas
        if penalty_gradients[0] is not None:
            hidden_gradient += penalty_gradients[0]
        if self.hidden_gradient_log is not None:
            self.hidden_gradient_log.assign(hidden_gradient)
        hidden_gradients = [hidden_gradient, tf.reduce_sum(hidden_deltas, axis=0)]
        apply_layer_by_layer(self.optimizer, hidden_gradients, hidden_layer, first=False)
        # fit()'s loss metric gets this forward pass's E, which is what the
        # compiled MSE would give (for two outputs, MSE = E).
        for metric in self.metrics:
            metric.update_state(loss)


def build_model(
    example: Example = MAZUR,
    update: str = "sequential",
    dtype: str = "float32",
    *,
    training: Training = PLAIN_SGD,
    strategy: tf.distribute.Strategy | None = None,
    steps_per_execution: int | None = None,
) -> MazurModel:
    """The compiled 2-2-2 Keras model, starting from the example's weights.

    ``training`` names the optimizer, its schedule and the penalties, which
    become each Dense layer's kernel_regularizer (decay_steps filled in).
    With a tf.distribute ``strategy`` the model is made in its scope, and
    fit() trains under it, one step per execution (see DISTRIBUTED_STEPS).
    ``steps_per_execution`` overrides either default (the benchmark compares
    one device and several at one step per execution).
    """
    if steps_per_execution is None:
        steps_per_execution = DISTRIBUTED_STEPS if strategy else STEPS_PER_EXECUTION
    with strategy.scope() if strategy else contextlib.nullcontext():
        return _build_model(
            example, update, dtype, training=training, steps_per_execution=steps_per_execution
        )


def _build_model(
    example: Example, update: str, dtype: str, *, training: Training, steps_per_execution: int
) -> MazurModel:

    def layer(
        example_weights: Weights, bias: float, name: str
    ) -> Callable[[keras.KerasTensor], keras.KerasTensor]:
        """net = x @ K (K = W.T), + the constant bias, then the sigmoid."""
        kernel = kernel_from_weights(example_weights, dtype)
        weights = keras.layers.Dense(
            2,
            use_bias=False,
            kernel_initializer=keras.initializers.Constant(kernel),
            kernel_regularizer=weight_penalty(training),
            dtype=dtype,
            name=f"{name}_weights",
        )
        add_bias = Bias(bias, trainable=example.train_biases, dtype=dtype, name=f"{name}_bias")
        sigmoid = keras.layers.Activation("sigmoid", dtype=dtype, name=name)
        return lambda x: sigmoid(add_bias(weights(x)))

    inputs = keras.Input(shape=(2,), dtype=dtype, name="inputs")
    hidden = layer(example.hidden_weights, example.hidden_bias, "hidden")(inputs)
    output = layer(example.output_weights, example.output_bias, "output")(hidden)
    run = SavedRun(update, example, dtype, training).to_json()
    model = MazurModel(inputs, output, update=update, run=run, name="mazur_2_2_2")
    optimizer = keras_optimizer(training, example.learning_rate, dtype)
    # For two outputs, MSE = 1/2 sum (target - out)^2, the tutorial's E.  Compiled
    # under the model's float type: Keras sums the compiled loss and the
    # penalties in the float type that is the default at compile time.
    with keras_floatx(dtype):
        model.compile(
            optimizer=optimizer,
            loss=keras.losses.MeanSquaredError(dtype=dtype),
            steps_per_execution=steps_per_execution,
            # Plain graph mode: an XLA-compiled step costs a launch of its own on
            # every step (about 100 us a step here, against about 50 us without).
            jit_compile=False,
        )
    # Build for both kernels now: sequential steps apply them one at a time.
    optimizer.build(model.trainable_variables)
    return model
