"""The reference trainers: plain loops over the hand-derived formulas.

Parallel: both layers' gradients come from the weights the forward pass used
(what autodiff gives, and the tutorial's hand-worked first step).
Sequential: the output layer is updated first, then the hidden layer's delta
is computed through the NEW output weights.

Iteration k trains on batch k of the data (numpy_ref.data); the biases are
trained with their layer's weights when the example says so.
"""

from typing import NamedTuple

import numpy as np

from .example import DTYPES, MAZUR
from .network import (
    bias_gradient,
    forward,
    hidden_deltas,
    mean_loss,
    output_deltas,
    weight_gradient,
)
from .optimizers import PLAIN_SGD, OptimizerState
from .result import TrainingResult

UPDATE_ORDERS = ("parallel", "sequential")


class Parameters(NamedTuple):
    """Everything an update can change, in the tutorial's orientation."""

    w_hidden: np.ndarray  # [[w1, w2], [w3, w4]]
    w_output: np.ndarray  # [[w5, w6], [w7, w8]]
    b_hidden: np.ndarray  # [b_h1, b_h2]
    b_output: np.ndarray  # [b_o1, b_o2]


def carrying_weights(update, w_output, new_w_output):
    """The one place where the two orders differ: which w5..w8 carry delta_o back.

    Parallel: the forward pass's own; sequential: the ones just updated.
    """
    return new_w_output if update == "sequential" else w_output


def update_step(x, target, parameters, lr, update, optimizer=None, t=1, training=PLAIN_SGD,
                train_biases=False):
    """One forward pass of the batch (x, target) and one update in the given order.

    Returns (out_h, out_o, new Parameters).  ``optimizer`` is an
    OptimizerState (None: plain SGD), ``t`` the number of this update.
    Works on a batch of networks too: weights (B, 2, 2), biases (B, 2), with
    ``lr`` shaped to broadcast, (B, 1, 1).
    """
    hidden, output = forward(x, *parameters)
    optimizer = optimizer or OptimizerState(PLAIN_SGD.optimizer, parameters.w_hidden.dtype)
    new = updated_parameters(x, target, hidden, output, parameters, lr, update, optimizer, t,
                             training, train_biases)
    return hidden, output, new


class Update(NamedTuple):
    """What one update computed: the new Parameters and the gradients that made them."""

    new: Parameters
    #: dE/dW of each layer as its step used it (the penalty's gradient added;
    #: sequential: w1..w4's through the new w5..w8), and dE/db of trained
    #: biases (None where the biases stay constant).
    gradients: Parameters


def updated_parameters(x, target, hidden, output, parameters, lr, update, optimizer, t,
                       training, train_biases):
    """Backpropagate one forward pass and make update ``t``: the new Parameters."""
    return backpropagate(x, target, hidden, output, parameters, lr, update, optimizer, t,
                         training, train_biases).new


def backpropagate(x, target, hidden, output, parameters, lr, update, optimizer, t, training,
                  train_biases):
    """Backpropagate one forward pass and make update ``t``: an Update.

    The output layer's step comes first; its new weights carry delta_o back
    in the sequential order (carrying_weights).  Each layer's weight
    gradient is dE/dW, plus the penalty's gradient at that layer's current
    weights; its bias gradient is the mean of its deltas (never penalised).
    """
    w_hidden, w_output, b_hidden, b_output = parameters
    # lr broadcasts over the weights (..., 2, 2); a bias (..., 2) drops the last axis
    bias_lr = lr[..., 0] if np.ndim(lr) else lr

    def layer_step(name, w, b, deltas, inputs):
        """(new w, new b, dE/dw, dE/db or None) of one layer."""
        gradient = training.gradient_with_penalty(weight_gradient(deltas, inputs), w)
        new_w = optimizer.step(name, w, gradient, lr, t)
        if not train_biases:
            return new_w, b, gradient, None
        b_gradient = bias_gradient(deltas)
        new_b = optimizer.step(f"{name}_bias", b, b_gradient, bias_lr, t)
        return new_w, new_b, gradient, b_gradient

    delta_o = output_deltas(target, output) / x.shape[-2]  # of the batch's mean loss
    new_w_output, new_b_output, dw_output, db_output = layer_step(
        "output", w_output, b_output, delta_o, hidden)
    delta_h = hidden_deltas(delta_o, carrying_weights(update, w_output, new_w_output), hidden)
    new_w_hidden, new_b_hidden, dw_hidden, db_hidden = layer_step(
        "hidden", w_hidden, b_hidden, delta_h, x)
    return Update(Parameters(new_w_hidden, new_w_output, new_b_hidden, new_b_output),
                  Parameters(dw_hidden, dw_output, db_hidden, db_output))


class Iteration(NamedTuple):
    """Iteration ``number`` of a reference run, everything it computed (``train(observe=)``)."""

    number: int  # 1 for the first
    x: np.ndarray  # the batch's inputs (m, 2)
    target: np.ndarray  # (m, 2)
    parameters: Parameters  # what the forward pass used
    hidden: np.ndarray  # out_h of every sample of the batch (m, 2)
    output: np.ndarray  # out_o (m, 2)
    loss: float  # the batch's mean E
    #: the update made from this forward pass; None at a run's stopping iteration
    update: Update = None


def check_settings(iterations, update, dtype):
    """ValueError for settings no trainer accepts."""
    if update not in UPDATE_ORDERS:
        raise ValueError(f"update must be one of {UPDATE_ORDERS}, not {update!r}")
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, not {dtype!r}")
    if iterations < 1:
        raise ValueError(f"iterations must be at least 1, not {iterations}")


def unwatched(count, label):
    """range(count): the iterations of a loop that nobody watches.

    Loops take this as ``steps``; a command line that wants a progress bar
    passes a function with the same arguments that wraps the range in one.
    """
    return range(count)


def train(iterations=1000, update="parallel", example=MAZUR, dtype="float64", steps=unwatched,
          training=PLAIN_SGD, observe=None):
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
    optimizer = OptimizerState(training.optimizer, dtype)

    losses = np.empty(iterations, dtype=dtype)
    outputs = np.empty((iterations, 2), dtype=dtype)
    hiddens = np.empty((iterations, 2), dtype=dtype)
    hidden_history = np.empty((iterations, 2, 2), dtype=dtype)
    output_history = np.empty((iterations, 2, 2), dtype=dtype)
    recorded, stopped_at = iterations, None

    # A diverging run overflows to inf and NaN without warnings: the result
    # says so (TrainingResult.diverged), and the command line in one line.
    # (A rate too large for float32 becomes inf the same way.)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in steps(iterations, f"NumPy {update}"):
            first, end = example.batch_rows(k)
            batch_x, batch_target = x[first:end], target[first:end]
            hidden, output = forward(batch_x, *parameters)
            losses[k] = mean_loss(batch_target, output)
            outputs[k], hiddens[k] = output[0], hidden[0]  # the batch's first sample
            hidden_history[k], output_history[k] = parameters.w_hidden, parameters.w_output
            # iteration k+1 stops the run, without an update, when its loss is below until_loss
            stops = training.until_loss is not None and losses[k] < training.until_loss
            made = None
            if not stops:
                if k == 0 or not training.schedule.constant:
                    lr = training.schedule.rate(example.learning_rate, k, dtype)  # after k updates
                made = backpropagate(batch_x, batch_target, hidden, output, parameters, lr,
                                     update, optimizer, k + 1, training, example.train_biases)
            if observe:
                observe(Iteration(k + 1, batch_x, batch_target, parameters, hidden, output,
                                  losses[k], made))
            if stops:
                recorded, stopped_at = k + 1, k + 1
                break
            parameters = made.new
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
