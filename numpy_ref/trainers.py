"""The reference trainers: plain loops over the hand-derived formulas.

Parallel: both layers' gradients come from the weights the forward pass used
(what autodiff gives, and the tutorial's hand-worked first step).
Sequential: the output layer is updated first, then the hidden layer's delta
is computed through the NEW output weights.

Iteration k trains on batch k of the data (numpy_ref.data); the biases are
trained with their layer's weights when the example says so.
"""

from collections.abc import Callable, Iterable
from typing import NamedTuple

import numpy as np

from .example import DTYPES, MAZUR, Example
from .network import (
    FloatArray,
    bias_gradient,
    forward,
    hidden_deltas,
    mean_loss,
    output_deltas,
    weight_gradient,
)
from .optimizer_rule import Rate
from .optimizers import OptimizerState
from .result import TrainingResult
from .training import PLAIN_SGD, Training

UPDATE_ORDERS = ("parallel", "sequential")


class Parameters(NamedTuple):
    """Everything an update can change, in the tutorial's orientation."""

    w_hidden: FloatArray  # [[w1, w2], [w3, w4]]
    w_output: FloatArray  # [[w5, w6], [w7, w8]]
    b_hidden: FloatArray  # [b_h1, b_h2]
    b_output: FloatArray  # [b_o1, b_o2]


def carrying_weights(update: str, w_output: FloatArray, new_w_output: FloatArray) -> FloatArray:
    """The one place where the two orders differ: which w5..w8 carry delta_o back.

    Parallel: the forward pass's own; sequential: the ones just updated.
    """
    return new_w_output if update == "sequential" else w_output


def update_step(
    x: FloatArray,
    target: FloatArray,
    parameters: Parameters,
    lr: Rate,
    update: str,
    *,
    optimizer_state: OptimizerState | None = None,
    t: int = 1,
    training: Training = PLAIN_SGD,
    train_biases: bool = False,
) -> tuple[FloatArray, FloatArray, Parameters]:
    """One forward pass of the batch (x, target) and one update in the given order.

    Returns (out_h, out_o, new Parameters).  ``optimizer_state`` is an
    OptimizerState (None: plain SGD), ``t`` the number of this update.
    Works on a batch of networks too: weights (B, 2, 2), biases (B, 2), with
    ``lr`` shaped to broadcast, (B, 1, 1).
    """
    optimizer_state = optimizer_state or OptimizerState(
        PLAIN_SGD.optimizer, parameters.w_hidden.dtype
    )
    with np.errstate(over="ignore"):  # e^-net = inf for very negative net: out = 0
        hidden, output = forward(x, *parameters)
        new = updated_parameters(
            x,
            target,
            hidden,
            output,
            parameters,
            lr=lr,
            update=update,
            optimizer_state=optimizer_state,
            t=t,
            training=training,
            train_biases=train_biases,
        )
    return hidden, output, new


class Update(NamedTuple):
    """What one update computed: the new Parameters and the gradients that made them."""

    new: Parameters
    #: dE/dW of each layer as its step used it (the penalty's gradient added;
    #: sequential: w1..w4's through the new w5..w8), and dE/db of trained
    #: biases (None where the biases stay constant).
    gradients: Parameters


def updated_parameters(
    x: FloatArray,
    target: FloatArray,
    hidden: FloatArray,
    output: FloatArray,
    parameters: Parameters,
    *,
    lr: Rate,
    update: str,
    optimizer_state: OptimizerState,
    t: int,
    training: Training,
    train_biases: bool,
) -> Parameters:
    """Backpropagate one forward pass and make update ``t``: the new Parameters."""
    return backpropagate(
        x,
        target,
        hidden,
        output,
        parameters,
        lr=lr,
        update=update,
        optimizer_state=optimizer_state,
        t=t,
        training=training,
        train_biases=train_biases,
    ).new


def backpropagate(
    x: FloatArray,
    target: FloatArray,
    hidden: FloatArray,
    output: FloatArray,
    parameters: Parameters,
    *,
    lr: Rate,
    update: str,
    optimizer_state: OptimizerState,
    t: int,
    training: Training,
    train_biases: bool,
) -> Update:
    """Backpropagate one forward pass and make update ``t``: an Update.

    The output layer's step comes first; its new weights carry delta_o back
    in the sequential order (carrying_weights).  Each layer's weight
    gradient is dE/dW, plus the penalty's gradient at that layer's current
    weights; its bias gradient is the mean of its deltas (never penalised).
    """
    w_hidden, w_output, b_hidden, b_output = parameters
    # lr broadcasts over the weights (..., 2, 2); a bias (..., 2) drops the last axis
    bias_lr = lr[..., 0] if lr.ndim else lr  # type: ignore[index]  # ndim > 0: an array

    def layer_step(
        name: str, w: FloatArray, b: FloatArray, deltas: FloatArray, inputs: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray | None]:
        """(new w, new b, dE/dw, dE/db or None) of one layer."""
        gradient = training.gradient_with_penalty(weight_gradient(deltas, inputs), w)
        new_w = optimizer_state.step(name, w, gradient, lr, t)
        if not train_biases:
            return new_w, b, gradient, None
        b_gradient = bias_gradient(deltas)
        new_b = optimizer_state.step(f"{name}_bias", b, b_gradient, bias_lr, t)
        return new_w, new_b, gradient, b_gradient

    delta_o = output_deltas(target, output) / x.shape[-2]  # of the batch's mean loss
    new_w_output, new_b_output, dw_output, db_output = layer_step(
        "output", w_output, b_output, delta_o, hidden
    )
    delta_h = hidden_deltas(delta_o, carrying_weights(update, w_output, new_w_output), hidden)
    new_w_hidden, new_b_hidden, dw_hidden, db_hidden = layer_step(
        "hidden", w_hidden, b_hidden, delta_h, x
    )
    # (db_hidden and db_output are None where the biases stay constant: see Update)
    return Update(
        Parameters(new_w_hidden, new_w_output, new_b_hidden, new_b_output),
        Parameters(dw_hidden, dw_output, db_hidden, db_output),  # type: ignore[arg-type]
    )


class Iteration(NamedTuple):
    """Iteration ``number`` of a reference run, everything it computed (``train(observe=)``)."""

    number: int  # 1 for the first
    x: FloatArray  # the batch's inputs (m, 2)
    target: FloatArray  # (m, 2)
    parameters: Parameters  # what the forward pass used
    hidden: FloatArray  # out_h of every sample of the batch (m, 2)
    output: FloatArray  # out_o (m, 2)
    loss: np.floating  # the batch's mean E
    #: the update made from this forward pass; None at a run's stopping iteration
    update: Update | None = None


def check_settings(iterations: int, update: str, dtype: str) -> None:
    """ValueError for settings no trainer accepts."""
    if update not in UPDATE_ORDERS:
        raise ValueError(f"update must be one of {UPDATE_ORDERS}, not {update!r}")
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, not {dtype!r}")
    if iterations < 1:
        raise ValueError(f"iterations must be at least 1, not {iterations}")


#: (count, label) -> the iterations 0 .. count - 1, as ``unwatched`` gives them or
#: wrapped in a progress bar, or stopping early by raising (the XOR study's threads).
Steps = Callable[[int, str], Iterable[int]]


def unwatched(count: int, label: str) -> Iterable[int]:
    """range(count): the iterations of a loop that nobody watches.

    Loops take this as ``steps``; a command line that wants a progress bar
    passes a function with the same arguments that wraps the range in one.
    """
    return range(count)


def one_pass(
    example: Example, x: FloatArray, target: FloatArray
) -> list[tuple[FloatArray, FloatArray]]:
    """[(inputs, targets)] of each batch of one pass over the data, in order.

    Iteration k trains on batch k modulo their number (Example.batch_rows).
    """
    count = len(example.data.batch_sizes(example.batch))  # batches in one pass
    rows = (example.batch_rows(k) for k in range(count))
    return [(x[first:end], target[first:end]) for first, end in rows]


def train(
    iterations: int = 1000,
    update: str = "parallel",
    example: Example = MAZUR,
    dtype: str = "float64",
    *,
    steps: Steps = unwatched,
    training: Training = PLAIN_SGD,
    observe: Callable[[Iteration], object] | None = None,
) -> TrainingResult:
    """Train ``example``'s network for up to ``iterations`` updates in the given order.

    Iteration k trains on the example's batch k; ``training`` chooses the
    optimizer, the schedule, the stopping loss and the penalties
    (numpy_ref.optimizers; the default is the tutorial's SGD).  ``observe``,
    if given, is called with each Iteration, as it is made (the pictures).
    """
    check_settings(iterations, update, dtype)
    training = training.for_iterations(iterations)
    x, target, w_hidden, w_output = example.arrays(dtype)
    parameters = Parameters(w_hidden, w_output, *example.biases(dtype))
    optimizer_state = OptimizerState(training.optimizer, dtype)

    losses = np.empty(iterations, dtype=dtype)
    outputs = np.empty((iterations, 2), dtype=dtype)
    hiddens = np.empty((iterations, 2), dtype=dtype)
    hidden_history = np.empty((iterations, 2, 2), dtype=dtype)
    output_history = np.empty((iterations, 2, 2), dtype=dtype)
    recorded, stopped_at = iterations, None

    batches = one_pass(example, x, target)
    constant_rate = training.schedule.constant

    # A diverging run overflows to inf and NaN without warnings: the result
    # says so (TrainingResult.diverged), and the command line in one line.
    # (A rate too large for float32 becomes inf the same way.)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in steps(iterations, f"NumPy {update}"):
            batch_x, batch_target = batches[k % len(batches)]
            hidden, output = forward(batch_x, *parameters)
            losses[k] = mean_loss(batch_target, output)
            outputs[k], hiddens[k] = output[0], hidden[0]  # the batch's first sample
            hidden_history[k], output_history[k] = parameters.w_hidden, parameters.w_output
            # iteration k+1 stops the run, without an update, when its loss is below until_loss
            stops = training.until_loss is not None and losses[k] < training.until_loss
            made = None
            if not stops:
                if k == 0 or not constant_rate:
                    lr = training.schedule.rate(example.learning_rate, k, dtype)  # after k updates
                made = backpropagate(
                    batch_x,
                    batch_target,
                    hidden,
                    output,
                    parameters,
                    lr=lr,
                    update=update,
                    optimizer_state=optimizer_state,
                    t=k + 1,
                    training=training,
                    train_biases=example.train_biases,
                )
            if observe:
                observe(
                    Iteration(
                        k + 1, batch_x, batch_target, parameters, hidden, output, losses[k], made
                    )
                )
            if stops:
                recorded, stopped_at = k + 1, k + 1
                break
            # made is None only at the stopping iteration, which ended the loop above
            parameters = made.new  # type: ignore[union-attr]
        _, predictions = forward(x, *parameters)
    return TrainingResult(
        implementation="numpy",
        update=update,
        dtype=dtype,
        learning_rate=float(example.learning_rate),
        iterations=iterations,
        losses=losses[:recorded],
        outputs=outputs[:recorded],
        hidden=hiddens[:recorded],
        hidden_weights=hidden_history[:recorded],
        output_weights=output_history[:recorded],
        final_hidden_weights=parameters.w_hidden,
        final_output_weights=parameters.w_output,
        final_biases=(parameters.b_hidden, parameters.b_output),
        final_loss=float(mean_loss(target, predictions)),
        predictions=predictions,
        targets=target,
        example=example,
        training=training,
        stopped_at=stopped_at,
    )
