"""Mazur's 2-2-2 example as data: the samples, the starting weights, the biases.

Matrices are in the tutorial's orientation, one row per receiving neuron:

    hidden = [[w1, w2],      net_h1 = w1*i1 + w2*i2 + b_h1
              [w3, w4]]      net_h2 = w3*i1 + w4*i2 + b_h2
    output = [[w5, w6],      net_o1 = w5*out_h1 + w6*out_h2 + b_o1
              [w7, w8]]      net_o2 = w7*out_h1 + w8*out_h2 + b_o2

Every neuron has its own bias.  They start at the tutorial's b1 (b_h1, b_h2)
and b2 (b_o1, b_o2); the tutorial never trains them, and neither does a run
without ``train_biases``.

A framework that computes ``x @ K`` (Keras Dense, ``tf.matmul(x, K)``) needs
``K = W.T``; that transpose happens inside the framework scripts, never here.
"""

from dataclasses import dataclass, replace
from typing import Any, Self

import numpy as np

from .data import MAZUR_DATA, DataSet, Weights, random_weights
from .network import FloatArray

#: The float types every trainer accepts; float64 is the reference's default.
DTYPES = ("float32", "float64")

#: Where w1..w8 start: the tutorial's figures, or random draws from a seed.
INITS = ("mazur", "random")


@dataclass(frozen=True)
class Example:
    """The data, starting weights and biases, how they train, and the learning rate."""

    data: DataSet = MAZUR_DATA
    hidden_weights: Weights = ((0.15, 0.20), (0.25, 0.30))  # w1..w4
    output_weights: Weights = ((0.40, 0.45), (0.50, 0.55))  # w5..w8
    hidden_bias: float = 0.35  # b1: where b_h1 and b_h2 start
    output_bias: float = 0.60  # b2: where b_o1 and b_o2 start
    learning_rate: float = 0.5
    train_biases: bool = False  # False: the biases stay b1 and b2, as in the tutorial
    batch_size: int | None = None  # samples per update; None: all of them (full batch)
    init: str = "mazur"  # how w1..w8 were chosen
    seed: int | None = None  # the seed of init "random"

    def with_learning_rate(self, learning_rate: float | None) -> Self:
        """The same example with another learning rate (None keeps this one)."""
        if learning_rate is None:
            return self
        return replace(self, learning_rate=float(learning_rate))

    def with_random_weights(self, seed: int) -> Self:
        """The same example with w1..w8 from numpy_ref.data.random_weights(seed)."""
        hidden, output = random_weights(seed)
        return replace(self, hidden_weights=hidden, output_weights=output, init="random", seed=seed)

    @property
    def inputs(self) -> tuple[tuple[float, ...], ...]:
        """((i1, i2), ...): every sample's inputs."""
        return self.data.inputs

    @property
    def targets(self) -> tuple[tuple[float, ...], ...]:
        """((t1, t2), ...): every sample's targets."""
        return self.data.targets

    @property
    def samples(self) -> int:
        return self.data.samples

    @property
    def batch(self) -> int:
        """The samples per update: batch_size, or all of them."""
        return self.batch_size or self.samples

    def batch_rows(self, k: int) -> tuple[int, int]:
        """(first row, end row) of the batch that iteration k + 1 trains on."""
        return self.data.batch_rows(k, self.batch)

    def arrays(
        self, dtype: str = "float64"
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """x (samples, 2), target (samples, 2), W_hidden, W_output as fresh arrays of ``dtype``."""
        return (
            np.array(self.inputs, dtype=dtype),
            np.array(self.targets, dtype=dtype),
            np.array(self.hidden_weights, dtype=dtype),
            np.array(self.output_weights, dtype=dtype),
        )

    def biases(self, dtype: str = "float64") -> tuple[FloatArray, FloatArray]:
        """The starting biases [b_h1, b_h2] and [b_o1, b_o2] as fresh arrays of ``dtype``."""
        return (
            np.full(2, self.hidden_bias, dtype=dtype),
            np.full(2, self.output_bias, dtype=dtype),
        )

    def to_json(self) -> dict[str, Any]:
        """The data and how it trains, for a result's JSON."""
        return {
            "data": self.data.name,
            "samples": self.samples,
            "batch_size": self.batch,
            "train_biases": self.train_biases,
            "init": self.init,
            "seed": self.seed,
        }


#: The network exactly as the tutorial starts it.
MAZUR = Example()


def data_text(row: dict[str, Any]) -> str:
    """' on xor (4 samples, batches of 4, trained biases)': what differs from the
    tutorial's one sample, constant biases and weights ('' for the tutorial's)."""
    details = []
    if row["samples"] > 1:
        details.append(f"{row['samples']} samples, batches of {row['batch_size']}")
    if row["train_biases"]:
        details.append("trained biases")
    if row["init"] == "random":
        details.append(f"random start, seed {row['seed']}")
    if not details and row["data"] == "mazur":
        return ""
    return f" on {row['data']} ({', '.join(details)})" if details else f" on {row['data']}"
