"""The reference runs the pictures draw: numpy_ref's trainer, watched as it trains.

NumPy in float64, so the pictures show the same numbers as the reference
(and, at iteration 1, the tutorial's); no TensorFlow is needed.  Only the
iterations a picture draws are kept, so a long run costs time, not memory.
"""

from collections.abc import Collection, Container

import numpy as np

from numpy_ref.example import Example, data_text
from numpy_ref.network import FloatArray
from numpy_ref.result import TrainingResult, divergence_message
from numpy_ref.trainers import Iteration, Steps, train, unwatched
from numpy_ref.training import Training


class Diverged(Exception):
    """A run a picture draws became NaN or infinite; the message is the one line to print."""


def finite(result: TrainingResult) -> TrainingResult:
    """``result``, or Diverged when its loss or weights became NaN or infinite."""
    problem = divergence_message(result)
    if problem:
        raise Diverged(problem)
    return result


#: How many points, at most, a curve over the iterations is drawn with: spaced
#: logarithmically like its axis, so a long run costs no more to draw.
DRAWN = 2000


def log_spaced(iterations: int, count: int) -> list[int]:
    """At least min(count, iterations) distinct iterations from 1 to ``iterations``,
    spaced logarithmically (rounding merges the first few: more are asked for).

    How many points to ask for is bisected, as if the distinct ones never grew
    fewer as more are asked for: each try is a geomspace of thousands of points,
    and asking for one more at a time took 0.5 to 1.7 s for 2000 drawn points
    over 5000 to 100,000 iterations (it chose the same points for every length
    compared).  Up to ``count`` iterations, every one of them is drawn (that
    search took 2.2 s to find all of 1000)."""
    if iterations <= count:
        return list(range(1, iterations + 1))

    def spaced(asked: int) -> np.ndarray:
        return np.unique(np.round(np.geomspace(1, iterations, asked)).astype(int))

    # too_few asks give fewer than count distinct points; enough asks give enough
    too_few, enough = count - 1, count
    while len(spaced(enough)) < count:
        too_few, enough = enough, 2 * enough
    while enough - too_few > 1:
        middle = (too_few + enough) // 2
        if len(spaced(middle)) >= count:
            enough = middle
        else:
            too_few = middle
    return [int(k) for k in spaced(enough)]


def run_keeping(
    iterations: int,
    update: str,
    example: Example,
    training: Training,
    kept: Container[int],
    *,
    steps: Steps = unwatched,
) -> tuple[TrainingResult, dict[int, Iteration]]:
    """Train; return (TrainingResult, {k: numpy_ref.trainers.Iteration} for k in ``kept``).

    ``steps``: numpy_ref's loop wrapper (a progress bar on a long run)."""
    seen: dict[int, Iteration] = {}

    def observe(iteration: Iteration) -> None:
        if iteration.number in kept:
            seen[iteration.number] = iteration

    result = train(
        iterations, update, example, "float64", steps=steps, training=training, observe=observe
    )
    return finite(result), seen


def weight_gradients(
    iterations: int,
    update: str,
    example: Example,
    training: Training,
    at: Collection[int],
    *,
    steps: Steps = unwatched,
) -> tuple[TrainingResult, FloatArray]:
    """(TrainingResult, dE/dw1..dE/dw8 of the updates at iterations ``at``, (len(at), 8))."""
    result, kept = run_keeping(iterations, update, example, training, set(at), steps=steps)
    # every kept iteration made an update: only until_loss stops a run without one, and no
    # picture takes --until-loss
    gradients = [kept[k].update.gradients for k in at]  # type: ignore[union-attr]
    return result, np.array(
        [np.concatenate([g.w_hidden.ravel(), g.w_output.ravel()]) for g in gradients]
    )


def plural(count: int, noun: str) -> str:
    """'1 update', '2 updates'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def describe_run(update: str | None, example: Example, training: Training) -> str:
    """'parallel update, sgd, lr 0.5' for a title (no order: both are drawn), with the
    data as the results table names it when it is not the tutorial's
    (' on xor (4 samples, batches of 4, trained biases)')."""
    order = f"{update} update, " if update else ""
    return (
        f"{order}{training.optimizer.describe()}, lr {example.learning_rate:g}"
        f"{data_text(example.to_json())}"
    )
