"""What the Keras trainers share, on any of Keras's backends (keras and keras.ops
only, no TensorFlow): Keras's float type, the optimizer and the penalty, an
update made layer by layer, and a .keras file saved whole.  (What every
framework shares, Keras or not, is history.py.)"""

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import keras
import numpy as np

from numpy_ref.schedules import Schedule
from numpy_ref.training import Training
from support.files import atomic_output


@contextlib.contextmanager
def keras_floatx(dtype: str) -> Iterator[None]:
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


def exact(value: float, dtype: str) -> float:
    """A hyperparameter as Keras must be given it to use it in ``dtype`` unrounded.

    Keras brings most hyperparameters into the update through ops.cast, which
    makes a Python float a float32 tensor first: in a float64 run, beta_1 =
    0.9 would reach Adam as 0.89999997615814209.  A NumPy float64 is cast
    from float64.  (In a float32 run a Python float is what Keras expects:
    SGD refuses a momentum that is not a Python float.)
    """
    return np.float64(value) if dtype == "float64" else float(value)


def keras_learning_rate(
    schedule: Schedule, learning_rate: float, dtype: str
) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """The learning rate for a Keras optimizer: a number, or the schedule's Keras object.

    A number becomes the optimizer's learning-rate variable, in Keras's float
    type (keras_floatx); a schedule computes in the type of its initial rate.
    """
    rule = schedule.rule
    if not rule.keras_class:
        return float(learning_rate)
    arguments: dict[str, float | None] = {"decay_steps": schedule.decay_steps}
    if "decay_rate" in rule.uses:
        arguments["decay_rate"] = exact(schedule.decay_rate, dtype)
    make = getattr(keras.optimizers.schedules, rule.keras_class)
    return make(exact(learning_rate, dtype), **arguments)


def keras_optimizer(
    training: Training, learning_rate: float, dtype: str
) -> keras.optimizers.Optimizer:
    """The Keras optimizer that ``training`` names (numpy_ref.optimizers), exact in ``dtype``."""
    rule = training.optimizer.rule
    values = training.optimizer.hyperparameters
    arguments: dict[str, object] = {
        keras_name: exact(values[name], dtype) for name, keras_name in rule.argument_names
    }
    arguments.update(rule.fixed_arguments)
    with keras_floatx(dtype):  # the learning-rate variable, when there is one
        return getattr(keras.optimizers, rule.class_name)(
            learning_rate=keras_learning_rate(training.schedule, learning_rate, dtype), **arguments
        )


@keras.saving.register_keras_serializable(package="mazur", name="WeightPenalty")
class WeightPenalty(keras.regularizers.Regularizer):
    """Keras's L1 and L2 penalties together, l1 sum|w| + l2 sum w^2, exact in float64.

    keras.regularizers.L1L2 computes the same sum, but with l1 and l2 cast
    from float32: in a float64 run l2 = 0.001 would be 0.0010000000474974513.
    Here they stay Python floats, which TensorFlow converts straight to the
    weights' float type.
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = float(l1)
        self.l2 = float(l2)

    def __call__(self, x: Any) -> Any:
        return self.l1 * keras.ops.sum(keras.ops.abs(x)) + self.l2 * keras.ops.sum(
            keras.ops.square(x)
        )

    def gradient(self, x: Any) -> Any:
        """d/dw (l1 |w| + l2 w^2) = l1 sign(w) + 2 l2 w, for a hand-written step."""
        return self.l1 * keras.ops.sign(x) + (2 * self.l2) * x

    def get_config(self) -> dict[str, float]:
        return {"l1": self.l1, "l2": self.l2}


def weight_penalty(training: Training) -> WeightPenalty | None:
    """The WeightPenalty that ``training`` asks for, or None without one."""
    return WeightPenalty(training.l1, training.l2) if training.penalised else None


def apply_layer_by_layer(
    optimizer: keras.optimizers.Optimizer,
    gradients: Sequence[Any],
    variables: Sequence[keras.Variable],
    first: bool,
) -> None:
    """Apply one layer's gradients (kernel, and bias when it trains) as part of an
    update made layer by layer.

    Keras counts every apply_gradients call as an update (optimizer.iterations).
    A sequential update applies the output layer, then the hidden layer: two
    calls, one update.  The second call is counted back, so that after N
    updates the optimizer has counted N, and both calls of an update see the
    same count (as a schedule or Adam's bias correction must).
    """
    if not first:
        optimizer.iterations.assign_sub(1)
    optimizer.apply_gradients(zip(gradients, variables))


def save_model(model: keras.Model, path: str) -> None:
    """Save the .keras file whole or not at all."""
    with atomic_output(path) as temporary:
        model.save(temporary)
