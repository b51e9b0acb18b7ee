"""The reference runs the pictures draw: numpy_ref's trainer, watched as it trains.

NumPy in float64, so the pictures show the same numbers as the reference
(and, at iteration 1, the tutorial's); no TensorFlow is needed.
"""

import numpy as np

from console.report import divergence_message
from numpy_ref.trainers import train


class Diverged(Exception):
    """A run a picture draws became NaN or infinite; the message is the one line to print."""


def finite(result):
    """``result``, or Diverged when its loss or weights became NaN or infinite."""
    problem = divergence_message(result)
    if problem:
        raise Diverged(problem)
    return result


def run_keeping(iterations, update, example, training, kept):
    """Train; return (TrainingResult, {k: numpy_ref.trainers.Iteration} for k in ``kept``)."""
    seen = {}

    def observe(iteration):
        if iteration.number in kept:
            seen[iteration.number] = iteration

    result = train(iterations, update, example, "float64", training=training, observe=observe)
    return finite(result), seen


def weight_gradients(iterations, update, example, training):
    """(TrainingResult, dE/dw1..dE/dw8 of every update as an (N, 8) array)."""
    gradients = []

    def observe(iteration):
        if iteration.update is not None:
            made = iteration.update.gradients
            gradients.append(np.concatenate([made.w_hidden.ravel(), made.w_output.ravel()]))

    result = train(iterations, update, example, "float64", training=training, observe=observe)
    return finite(result), np.array(gradients)


def describe_run(update, example, training):
    """'parallel update, sgd, lr 0.5, mazur data' for a title (no order: both are drawn)."""
    data = f"{example.data.name} data" + (", trained biases" if example.train_biases else "")
    batch = "" if example.batch == example.samples else f", batches of {example.batch}"
    order = f"{update} update, " if update else ""
    return (f"{order}{training.optimizer.describe()}, lr {example.learning_rate:g},"
            f" {data}{batch}")
