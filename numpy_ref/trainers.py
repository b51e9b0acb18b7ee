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
from .result import TrainingResult

UPDATE_ORDERS = ("parallel", "sequential")


def carrying_weights(update, w_output, new_w_output):
    """The one place where the two orders differ: which w5..w8 carry delta_o back.

    Parallel: the forward pass's own; sequential: the ones just updated.
    """
    return new_w_output if update == "sequential" else w_output


def update_step(x, target, w_hidden, w_output, b_hidden, b_output, lr, update):
    """One forward pass and one update in the given order.

    Returns (out_h, out_o, new W_hidden, new W_output).  Works on a batch of
    networks too: weights (B, 2, 2), with ``lr`` shaped to broadcast, (B, 1, 1).
    """
    hidden, output = forward(x, w_hidden, w_output, b_hidden, b_output)
    delta_o = output_deltas(target, output)
    new_w_output = w_output - lr * output_weight_gradients(delta_o, hidden)
    delta_h = hidden_deltas(delta_o, carrying_weights(update, w_output, new_w_output), hidden)
    new_w_hidden = w_hidden - lr * hidden_weight_gradients(delta_h, x)
    return hidden, output, new_w_hidden, new_w_output


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


def train(iterations=1000, update="parallel", example=MAZUR, dtype="float64", steps=unwatched):
    """Train ``example``'s network for ``iterations`` updates in the given order."""
    check_settings(iterations, update, dtype)
    x, target, w_hidden, w_output = example.arrays(dtype)
    b_hidden = np.asarray(example.hidden_bias, dtype=dtype)
    b_output = np.asarray(example.output_bias, dtype=dtype)
    with np.errstate(over="ignore"):  # a rate too large for float32 becomes inf
        lr = np.asarray(example.learning_rate, dtype=dtype)

    losses = np.empty(iterations, dtype=dtype)
    outputs = np.empty((iterations, 2), dtype=dtype)
    hiddens = np.empty((iterations, 2), dtype=dtype)
    hidden_history = np.empty((iterations, 2, 2), dtype=dtype)
    output_history = np.empty((iterations, 2, 2), dtype=dtype)

    # A diverging run overflows to inf and NaN without warnings: the result
    # says so (TrainingResult.diverged), and the command line in one line.
    with np.errstate(over="ignore", invalid="ignore"):
        for k in steps(iterations, f"NumPy {update}"):
            hidden, output, new_w_hidden, new_w_output = update_step(
                x, target, w_hidden, w_output, b_hidden, b_output, lr, update
            )
            losses[k] = half_squared_error(target, output)
            outputs[k], hiddens[k] = output, hidden
            hidden_history[k], output_history[k] = w_hidden, w_output
            w_hidden, w_output = new_w_hidden, new_w_output
        _, final_output = forward(x, w_hidden, w_output, b_hidden, b_output)
    return TrainingResult(
        implementation="numpy",
        update=update,
        dtype=dtype,
        learning_rate=float(example.learning_rate),
        iterations=iterations,
        losses=losses,
        outputs=outputs,
        hidden=hiddens,
        hidden_weights=hidden_history,
        output_weights=output_history,
        final_hidden_weights=w_hidden,
        final_output_weights=w_output,
        final_loss=float(half_squared_error(target, final_output)),
        final_prediction=final_output,
        targets=target,
    )
