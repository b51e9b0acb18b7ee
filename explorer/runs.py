"""Every run the page shows: each optimizer in both orders, as numpy_ref trains it.

State K is the network after K updates (K = 0: the example's start).  For
each state the page needs its weights (and biases, where they train), its
loss, and the gradients of the update made from it.  So a page of N
iterations trains N + 1 updates: the last one gives state N's gradients, and
the state after it the new w5..w8 that the sequential order carries back.
"""

from dataclasses import dataclass

import numpy as np

from numpy_ref.example import Example
from numpy_ref.network import FloatArray
from numpy_ref.optimizers import Optimizer
from numpy_ref.trainers import UPDATE_ORDERS, Iteration, Parameters, train
from numpy_ref.training import Training

#: The weights' names, in the order of every vector here: w_hidden, then w_output, row by row.
WEIGHTS = ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8")
#: The trained biases' names, after the weights: b_hidden, then b_output.
BIASES = ("b_h1", "b_h2", "b_o1", "b_o2")


@dataclass(frozen=True)
class Trace:
    """One run of the page: an optimizer in one order, every state of it in float64."""

    optimizer: Optimizer
    update: str
    #: (N + 2, P): state K's parameters, w1..w8 then (trained) b_h1..b_o2
    parameters: FloatArray
    #: (N + 1, P): dE/dparameter of the update made from state K
    gradients: FloatArray
    #: (N + 1,): state K's loss, of the batch its update trains on
    losses: FloatArray


def parameter_names(example: Example) -> tuple[str, ...]:
    """w1..w8, and b_h1..b_o2 when the biases train."""
    return WEIGHTS + BIASES if example.train_biases else WEIGHTS


def as_vector(parameters: Parameters, biases: bool) -> FloatArray:
    """[w1..w8] (+ [b_h1, b_h2, b_o1, b_o2] with ``biases``): one state as one row."""
    rows = [parameters.w_hidden.ravel(), parameters.w_output.ravel()]
    if biases:
        rows += [parameters.b_hidden, parameters.b_output]
    return np.concatenate(rows)


def trace(example: Example, optimizer: Optimizer, update: str, iterations: int) -> Trace:
    """The Trace of ``iterations`` updates of ``example`` with ``optimizer`` in ``update`` order."""
    states: list[FloatArray] = []
    gradients: list[FloatArray] = []
    biases = example.train_biases

    def observe(iteration: Iteration) -> None:
        made = iteration.update
        assert made is not None  # no stopping loss: every iteration makes its update
        states.append(as_vector(iteration.parameters, biases))
        gradients.append(as_vector(made.gradients, biases))

    result = train(
        iterations + 1, update, example, "float64", training=Training(optimizer), observe=observe
    )
    last = Parameters(
        result.final_hidden_weights, result.final_output_weights, *result.final_biases
    )
    states.append(as_vector(last, biases))
    return Trace(optimizer, update, np.array(states), np.array(gradients), result.losses)


def traces(example: Example, optimizers: tuple[Optimizer, ...], iterations: int) -> list[Trace]:
    """Every optimizer's Trace in both orders, in that order."""
    return [
        trace(example, optimizer, update, iterations)
        for optimizer in optimizers
        for update in UPDATE_ORDERS
    ]


def first_non_finite(trace: Trace) -> int | None:
    """The first iteration whose loss is inf or NaN (the run diverged), or None."""
    bad = np.flatnonzero(~np.isfinite(trace.losses))
    return int(bad[0]) if bad.size else None
