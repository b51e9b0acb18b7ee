"""The reference trainers: plain loops over the hand-derived formulas.

Parallel: both layers' gradients come from the weights the forward pass used
(what autodiff gives, and the tutorial's hand-worked first step).
Sequential: the output layer is updated first, then the hidden layer's delta
is computed through the NEW output weights.
"""

import numpy as np

from .example import DTYPES, MAZUR
from .network import (
    forward,
    half_squared_error,
    hidden_deltas,
    hidden_weight_gradients,
    output_deltas,
    output_weight_gradients,
)
from .optimizers import PLAIN_SGD, OptimizerState
from .result import TrainingResult

UPDATE_ORDERS = ("parallel", "sequential")


def carrying_weights(update, w_output, new_w_output):
    """The one place where the two orders differ: which w5..w8 carry delta_o back.

    Parallel: the forward pass's own; sequential: the ones just updated.
    """
    return new_w_output if update == "sequential" else w_output


def update_step(x, target, w_hidden, w_output, b_hidden, b_output, lr, update,
                optimizer=None, t=1, training=PLAIN_SGD):
    """One forward pass and one update in the given order.

    Returns (out_h, out_o, new W_hidden, new W_output).  ``optimizer`` is an
    OptimizerState (None: plain SGD), ``t`` the number of this update.
    Works on a batch of networks too: weights (B, 2, 2), with ``lr`` shaped
    to broadcast, (B, 1, 1).
    """
    hidden, output = forward(x, w_hidden, w_output, b_hidden, b_output)
    optimizer = optimizer or OptimizerState(PLAIN_SGD.optimizer, w_hidden.dtype)
    new_w_hidden, new_w_output = updated_weights(
        x, target, hidden, output, w_hidden, w_output, lr, update, optimizer, t, training)
    return hidden, output, new_w_hidden, new_w_output


def updated_weights(x, target, hidden, output, w_hidden, w_output, lr, update, optimizer, t,
                    training):
    """Backpropagate one forward pass and make update ``t``: (new W_hidden, new W_output).

    The output layer's step comes first; its new weights carry delta_o back
    in the sequential order (carrying_weights).  Each layer's gradient is
    dE/dw, plus the penalty's gradient at that layer's current weights.
    """
    delta_o = output_deltas(target, output)
    output_gradient = training.gradient_with_penalty(
        output_weight_gradients(delta_o, hidden), w_output)
    new_w_output = optimizer.step("output", w_output, output_gradient, lr, t)
    delta_h = hidden_deltas(delta_o, carrying_weights(update, w_output, new_w_output), hidden)
    hidden_gradient = training.gradient_with_penalty(
        hidden_weight_gradients(delta_h, x), w_hidden)
    new_w_hidden = optimizer.step("hidden", w_hidden, hidden_gradient, lr, t)
    return new_w_hidden, new_w_output


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
          training=PLAIN_SGD):
    """Train ``example``'s network for up to ``iterations`` updates in the given order.

    ``training`` chooses the optimizer, the schedule, the stopping loss and
    the penalties (numpy_ref.optimizers; the default is the tutorial's SGD).
    """
    check_settings(iterations, update, dtype)
    training = training.for_iterations(iterations)
    x, target, w_hidden, w_output = example.arrays(dtype)
    b_hidden = np.asarray(example.hidden_bias, dtype=dtype)
    b_output = np.asarray(example.output_bias, dtype=dtype)
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
            hidden, output = forward(x, w_hidden, w_output, b_hidden, b_output)
            losses[k] = half_squared_error(target, output)
            outputs[k], hiddens[k] = output, hidden
            hidden_history[k], output_history[k] = w_hidden, w_output
            if training.until_loss is not None and losses[k] < training.until_loss:
                recorded, stopped_at = k + 1, k + 1  # iteration k+1 makes no update
                break
            if k == 0 or not training.schedule.constant:
                lr = training.schedule.rate(example.learning_rate, k, dtype)  # after k updates
            w_hidden, w_output = updated_weights(x, target, hidden, output, w_hidden,
                                                 w_output, lr, update, optimizer, k + 1,
                                                 training)
        _, final_output = forward(x, w_hidden, w_output, b_hidden, b_output)
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
        final_hidden_weights=w_hidden,
        final_output_weights=w_output,
        final_loss=float(half_squared_error(target, final_output)),
        final_prediction=final_output,
        targets=target,
        training=training,
        stopped_at=stopped_at,
    )
