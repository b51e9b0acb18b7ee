"""Training: how the network is trained beyond the learning rate and the update order.

One record holds the optimizer and its schedule (optimizers.py's tables), the
loss at which a run stops early, and the weight penalties added to the loss
it trains on.  PLAIN_SGD is the tutorial's: plain SGD at a constant rate, no
stopping, no penalty.
"""

from dataclasses import dataclass, replace
from typing import Any, Self

import numpy as np

from .network import FloatArray
from .optimizers import Optimizer, check_finite
from .schedules import Schedule


@dataclass(frozen=True)
class Training:
    """How the network is trained, beyond the learning rate and the update order.

    The default is what the tutorial does: plain SGD, a constant rate, no
    stopping, no penalty.
    """

    optimizer: Optimizer = Optimizer()
    schedule: Schedule = Schedule()
    until_loss: float | None = None  # stop at the first iteration whose loss is below this
    l1: float = 0.0  # the trained loss is E + l1 sum|w| + l2 sum w^2 over w1..w8
    l2: float = 0.0

    def __post_init__(self) -> None:
        if self.until_loss is not None:
            check_finite("until_loss", self.until_loss)
            if self.until_loss <= 0:
                raise ValueError(f"until_loss must be above 0, not {self.until_loss:g}")
        for name in ("l1", "l2"):
            check_finite(name, getattr(self, name))
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 or above, not {getattr(self, name):g}")

    def for_iterations(self, iterations: int) -> Self:
        """These settings for a run of ``iterations``: the schedule's decay_steps filled in."""
        return replace(self, schedule=self.schedule.for_iterations(iterations))

    def following(self, formulas: str) -> Self:
        """These settings with the optimizer computed by ``formulas``' library (a
        numpy_ref.optimizers.FORMULAS name): the same name and hyperparameters."""
        return replace(self, optimizer=replace(self.optimizer, formulas=formulas))

    @property
    def plain(self) -> bool:
        """Whether this is the tutorial's training: plain SGD at a constant rate, no
        stopping, no penalty (whatever library's formulas the SGD follows)."""
        return (
            self.optimizer.name == "sgd"
            and self.schedule.constant
            and self.until_loss is None
            and not self.penalised
        )

    @property
    def penalised(self) -> bool:
        return bool(self.l1 or self.l2)

    def penalty(self, *weights: FloatArray) -> float:
        """l1 sum|w| + l2 sum w^2 over every weight given (Keras's L1 and L2); inf
        where it overflows, which the result counts as divergence.  A term whose
        coefficient is 0 is left out: 0 * inf (a huge weight squared) would be NaN."""
        total = 0.0
        with np.errstate(over="ignore", invalid="ignore"):
            for w in weights:
                if self.l1:
                    total += self.l1 * np.sum(np.abs(w))
                if self.l2:
                    total += self.l2 * np.sum(np.square(w))
        return float(total)

    def penalty_gradient(self, w: FloatArray) -> FloatArray:
        """d/dw (l1 |w| + l2 w^2) = l1 sign(w) + 2 l2 w (sign(0) = 0, as autodiff takes it)."""
        kind = w.dtype.type
        return kind(self.l1) * np.sign(w) + kind(2 * self.l2) * w

    def gradient_with_penalty(self, gradient: FloatArray, w: FloatArray) -> FloatArray:
        """dE/dw, plus the penalty's gradient when there is a penalty."""
        return gradient + self.penalty_gradient(w) if self.penalised else gradient

    def to_json(self) -> dict[str, Any]:
        return {
            "optimizer": self.optimizer.to_json(),
            "lr_schedule": self.schedule.to_json(),
            "until_loss": self.until_loss,
            "l1": self.l1,
            "l2": self.l2,
        }


#: The tutorial's training: plain SGD at a constant rate.
PLAIN_SGD = Training()
