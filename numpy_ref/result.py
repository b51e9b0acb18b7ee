"""The one kind of result every trainer in the project returns.

Index k of each history array belongs to iteration k+1: the (k+1)-th forward
pass, the one the (k+1)-th update is computed from.  So ``losses[0]`` is the
loss at iteration 1 (the untrained network) and ``losses[-1]`` the loss at the
last iteration, *before* its update.  ``final_loss`` and ``final_prediction``
come from one more forward pass, with the weights left by all the updates.

With more than one sample, iteration k's loss is that of its batch (the mean
of the samples' E), its outputs and hidden activations are those of the
batch's first sample, and the final loss and ``predictions`` cover every
sample of the data.

A run that stops early (``training.until_loss``) at iteration k records k
iterations and makes k - 1 updates: iteration k's loss is below the limit, so
its update is not made, and its loss is also the final loss.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .example import MAZUR, Example
from .network import FloatArray
from .numbers import exact
from .optimizers import Optimizer
from .training import PLAIN_SGD, Training


@dataclass
class TrainingResult:
    implementation: str  # "numpy", "tensorflow" or "keras"
    update: str  # "parallel" or "sequential"
    dtype: str  # "float32" or "float64"
    learning_rate: float
    iterations: int
    losses: FloatArray  # (N,)      the loss of iteration k's batch
    outputs: FloatArray  # (N, 2)    out_o1, out_o2 at iteration k (its batch's first sample)
    hidden: FloatArray  # (N, 2)    out_h1, out_h2 at iteration k (its batch's first sample)
    hidden_weights: FloatArray  # (N, 2, 2) [[w1, w2], [w3, w4]] used at iteration k
    output_weights: FloatArray  # (N, 2, 2) [[w5, w6], [w7, w8]] used at iteration k
    final_hidden_weights: FloatArray  # (2, 2) after all N updates
    final_output_weights: FloatArray  # (2, 2) after all N updates
    final_biases: tuple[FloatArray, FloatArray]  # ([b_h1, b_h2], [b_o1, b_o2]) after all N updates
    final_loss: float  # the mean E over every sample after all N updates
    predictions: FloatArray  # (samples, 2) out_o1, out_o2 of every sample after all N updates
    targets: FloatArray  # (samples, 2)
    example: Example = MAZUR  # the data and how it trains
    replicas: int = 1  # devices that shared each batch (tf.distribute)
    loss: str = "half-sse"  # the loss trained on: E = sum 1/2 (target - out)^2
    training: Training = field(default=PLAIN_SGD)  # the optimizer and the rest
    stopped_at: int | None = None  # the iteration whose loss was below until_loss, if any
    #: Updates made before this run, by the saved run it resumes (ann_keras.py
    #: --load): iteration k here is iteration resumed_after + k of the whole run.
    resumed_after: int = 0

    @property
    def recorded(self) -> int:
        """How many iterations ran: ``iterations``, or ``stopped_at`` for a run that stopped."""
        return len(self.losses)

    @property
    def updates(self) -> int:
        """How many updates were made: one per iteration, but none at ``stopped_at``."""
        return self.recorded - (self.stopped_at is not None)

    @property
    def final_prediction(self) -> FloatArray:
        """out_o1, out_o2 of the first sample (the only one of Mazur's data) after training."""
        return self.predictions[0]

    @property
    def target(self) -> FloatArray:
        """t1, t2 of the first sample (the only one of Mazur's data)."""
        return self.targets[0]

    @property
    def samples_right(self) -> int:
        """How many samples have both outputs on their target's side of 0.5 after training."""
        right = (self.predictions > 0.5) == (self.targets > 0.5)
        return int(np.sum(np.all(right, axis=-1)))

    @property
    def final_penalty(self) -> float:
        """l1 sum|w| + l2 sum w^2 at the final weights (0 without a penalty)."""
        return self.training.penalty(self.final_hidden_weights, self.final_output_weights)

    @property
    def initial_loss(self) -> float:
        """Loss at iteration 1: the untrained network's."""
        return float(self.losses[0])

    @property
    def last_iteration_loss(self) -> float:
        """Loss at iteration N: the forward pass the last update came from."""
        return float(self.losses[-1])

    @property
    def error_reduction_percent(self) -> float | None:
        """How much of the first loss training removed: 100 * (1 - final/initial).

        None for mini-batches: iteration 1's loss is then one batch's, and the
        final loss every sample's.
        """
        if self.example.batch < self.example.samples:
            return None
        return 100.0 * (1.0 - self.final_loss / self.initial_loss)

    @property
    def diverged(self) -> bool:
        """True when any loss, final weight or the final penalty is NaN or infinite."""
        return not (
            np.all(np.isfinite(self.losses))
            and self.final_weights_finite
            and np.isfinite(self.final_loss)
            and np.isfinite(self.final_penalty)
        )

    @property
    def final_weights_finite(self) -> bool:
        """Whether every final weight and bias is a finite number."""
        return all(
            np.all(np.isfinite(a))
            for a in (self.final_hidden_weights, self.final_output_weights, *self.final_biases)
        )

    def first_bad_iteration(self) -> int | None:
        """The first iteration whose loss is NaN or infinite (None if none is)."""
        bad = np.flatnonzero(~np.isfinite(self.losses))
        return int(bad[0]) + 1 if bad.size else None

    def to_json(self) -> dict[str, Any]:
        """The summary fields as plain Python values, ready for json.dumps."""
        one_sample = len(self.targets) == 1
        return {
            "implementation": self.implementation,
            "update": self.update,
            "dtype": self.dtype,
            "learning_rate": self.learning_rate,
            "iterations": self.iterations,
            "updates": self.updates,
            "stopped_at": self.stopped_at,
            "resumed_after": self.resumed_after,
            **self.training.to_json(),
            "loss": self.loss,
            "initial_loss": self.initial_loss,
            "last_iteration_loss": self.last_iteration_loss,
            "final_loss": float(self.final_loss),
            **self.example.to_json(),
            "replicas": self.replicas,
            # the one sample's, as before; null for data with more samples
            "prediction": self.final_prediction.tolist() if one_sample else None,
            "target": self.target.tolist() if one_sample else None,
            "predictions": self.predictions.tolist(),
            "samples_right": self.samples_right,
            "error_reduction_percent": self.error_reduction_percent,
            "weights": {
                "hidden": self.final_hidden_weights.tolist(),
                "output": self.final_output_weights.tolist(),
                "biases": {
                    "hidden": self.final_biases[0].tolist(),
                    "output": self.final_biases[1].tolist(),
                },
            },
            "final_penalty": self.final_penalty,
        }


def divergence_message(result: TrainingResult) -> str | None:
    """One line saying the run diverged, or None when every figure is finite: the
    learning rate in force at the update that diverged, and the option to make smaller."""
    if not result.diverged:
        return None
    training = result.training
    if (
        result.final_weights_finite
        and np.isfinite(result.final_loss)
        and not np.isfinite(result.final_penalty)
    ):
        given = " or ".join(f"--{name}" for name in ("l1", "l2") if getattr(training, name))
        return (
            "error: training diverged: the penalty l1 sum|w| + l2 sum w^2 became"
            f" infinite; try a smaller {given}"
        )
    where = result.first_bad_iteration()
    when = f"at iteration {where}" if where else "after the last update"
    # iteration K's forward pass is the first to use the weights of update K - 1
    update = max(where - 1, 1) if where else max(result.updates, 1)
    rate = rate_at_update(result, update)
    why, option = _cause(result, rate, update)
    return (
        f"error: training diverged: the loss or weights became NaN or infinite "
        f"{when} ({why}); try a smaller {option}"
    )


def rate_at_update(result: TrainingResult, update: int) -> float:
    """The learning rate of this run's update number ``update`` (1 for the first), as
    the run's schedule computes it in the run's float type: lr0 for a constant rate.
    A resumed run's schedule goes on from the updates the saved run made."""
    schedule = result.training.schedule.for_iterations(result.iterations)
    made = result.resumed_after + update - 1  # k, the updates made before this one
    with np.errstate(over="ignore"):  # lr0 R^(k/S) beyond the float type's range: inf
        return float(schedule.rate(result.learning_rate, made, result.dtype))


def _cause(result: TrainingResult, rate: float, update: int) -> tuple[str, str]:
    """(the learning rate in force and what made it so, the option to make smaller):
    --l2 when the penalty alone makes every weight grow, the schedule's --decay-rate
    when the schedule raised the rate above --lr, else --lr."""
    schedule, lr0, l2 = result.training.schedule, result.learning_rate, result.training.l2
    # raised: above update 1's rate, lr0 in the run's float type (not lr0 itself, which
    # float32 may round up: 3e38 is 3.0000000054977558e+38 there)
    raised = not schedule.constant and rate > rate_at_update(result, 1)
    in_force = f"learning rate {rate:g}"
    if not schedule.constant:
        how = "raised from" if raised else "from"
        in_force += f" at update {update}, {how} --lr {exact(lr0)} by --lr-schedule {schedule.name}"
    bound = _l2_bound(result.training.optimizer)
    if bound is not None and rate * l2 > bound:
        penalty = f"lr * l2 is above {bound:.3g}, so the penalty alone makes every weight grow"
        return f"{in_force} with --l2 {exact(l2)}: {penalty}", "--l2"
    if raised:
        return f"{in_force} --decay-rate {exact(schedule.decay_rate)}", "--decay-rate"
    return in_force, "--lr"


def _l2_bound(optimizer: Optimizer) -> float | None:
    """The largest lr l2 at which the L2 term alone keeps every weight bounded (None:
    no l2 makes it grow).

    Alone, the term is a gradient step on l2 w^2, of curvature h = 2 l2:
    SGD's w <- (1 - lr h) w stays bounded while lr h < 2; momentum's
    (heavy ball) while lr h < 2 (1 + mu), and Nesterov's while
    lr h < 2 (1 + mu) / (1 + 2 mu), the roots of their characteristic
    polynomials lambda^2 - (1 - lr h + mu) lambda + mu and
    lambda^2 - (1 + mu)(1 - lr h) lambda + mu (1 - lr h) inside the unit
    circle.  RMSprop and Adam scale every step to about lr: no l2 makes
    them grow.
    """
    mu = optimizer.hyperparameters.get("momentum", 0.0)
    bounds = {"sgd": 1.0, "momentum": 1 + mu, "nesterov": (1 + mu) / (1 + 2 * mu)}
    return bounds.get(optimizer.name)


def divergence_among(results: Iterable[TrainingResult]) -> str | None:
    """The divergence line of the first diverged run among several, tagged with its
    implementation, order and (when not SGD) optimizer; None when every run stayed
    finite."""
    for result in results:
        problem = divergence_message(result)
        if problem:
            optimizer = result.training.optimizer.name
            named = "" if optimizer == "sgd" else f", {optimizer}"
            return f"{problem} [{result.implementation}, {result.update}{named}]"
    return None
