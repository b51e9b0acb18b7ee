"""The one kind of result every trainer in the project returns.

Index k of each history array belongs to iteration k+1: the (k+1)-th forward
pass, the one the (k+1)-th update is computed from.  So ``losses[0]`` is the
loss at iteration 1 (the untrained network) and ``losses[-1]`` the loss at the
last iteration, *before* its update.  ``final_loss`` and ``final_prediction``
come from one more forward pass, with the weights left by all the updates.

A run that stops early (``training.until_loss``) at iteration k records k
iterations and makes k - 1 updates: iteration k's loss is below the limit, so
its update is not made, and its loss is also the final loss.
"""

from dataclasses import dataclass, field

import numpy as np

from .optimizers import PLAIN_SGD


@dataclass
class TrainingResult:
    implementation: str  # "numpy", "tensorflow" or "keras"
    update: str  # "parallel" or "sequential"
    dtype: str  # "float32" or "float64"
    learning_rate: float
    iterations: int
    losses: np.ndarray  # (N,)      E_total at iteration k
    outputs: np.ndarray  # (N, 2)    out_o1, out_o2 at iteration k
    hidden: np.ndarray  # (N, 2)    out_h1, out_h2 at iteration k
    hidden_weights: np.ndarray  # (N, 2, 2) [[w1, w2], [w3, w4]] used at iteration k
    output_weights: np.ndarray  # (N, 2, 2) [[w5, w6], [w7, w8]] used at iteration k
    final_hidden_weights: np.ndarray  # (2, 2) after all N updates
    final_output_weights: np.ndarray  # (2, 2) after all N updates
    final_loss: float  # E_total after all N updates
    final_prediction: np.ndarray  # (2,) out_o1, out_o2 after all N updates
    targets: np.ndarray  # (2,)
    loss: str = "half-sse"  # the loss trained on: E = sum 1/2 (target - out)^2
    training: object = field(default=PLAIN_SGD)  # numpy_ref.optimizers.Training
    stopped_at: int = None  # the iteration whose loss was below until_loss, if any

    @property
    def recorded(self):
        """How many iterations ran: ``iterations``, or ``stopped_at`` for a run that stopped."""
        return len(self.losses)

    @property
    def updates(self):
        """How many updates were made: one per iteration, but none at ``stopped_at``."""
        return self.recorded - (self.stopped_at is not None)

    @property
    def final_penalty(self):
        """l1 sum|w| + l2 sum w^2 at the final weights (0 without a penalty)."""
        return self.training.penalty(self.final_hidden_weights, self.final_output_weights)

    @property
    def initial_loss(self):
        """Loss at iteration 1: the untrained network's."""
        return float(self.losses[0])

    @property
    def last_iteration_loss(self):
        """Loss at iteration N: the forward pass the last update came from."""
        return float(self.losses[-1])

    @property
    def error_reduction_percent(self):
        """How much of the first loss training removed: 100 * (1 - final/initial)."""
        return 100.0 * (1.0 - self.final_loss / self.initial_loss)

    @property
    def diverged(self):
        """True when any loss, final weight or the final penalty is NaN or infinite."""
        checked = (self.losses, self.final_hidden_weights, self.final_output_weights)
        return not all(np.all(np.isfinite(a)) for a in checked) or not (
            np.isfinite(self.final_loss) and np.isfinite(self.final_penalty))

    def first_bad_iteration(self):
        """The first iteration whose loss is NaN or infinite (None if none is)."""
        bad = np.flatnonzero(~np.isfinite(self.losses))
        return int(bad[0]) + 1 if bad.size else None

    def to_json(self):
        """The summary fields as plain Python values, ready for json.dumps."""
        return {
            "implementation": self.implementation,
            "update": self.update,
            "dtype": self.dtype,
            "learning_rate": self.learning_rate,
            "iterations": self.iterations,
            "updates": self.updates,
            "stopped_at": self.stopped_at,
            **self.training.to_json(),
            "loss": self.loss,
            "initial_loss": self.initial_loss,
            "last_iteration_loss": self.last_iteration_loss,
            "final_loss": float(self.final_loss),
            "prediction": [float(v) for v in self.final_prediction],
            "target": [float(v) for v in self.targets],
            "error_reduction_percent": self.error_reduction_percent,
            "weights": {
                "hidden": self.final_hidden_weights.tolist(),
                "output": self.final_output_weights.tolist(),
            },
            "final_penalty": self.final_penalty,
        }
