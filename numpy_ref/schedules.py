"""Learning-rate schedules, as Keras 3 computes them: lr after k updates (0 for the
first), from the initial rate lr0.

Each schedule is one entry in SCHEDULES: its formula in words, the
hyperparameters it uses (decay_steps S, decay_rate R), its NumPy arithmetic
written as Keras writes it (keras/src/optimizers/schedules/), and the Keras
class and the optax function that make the same thing (optax's arithmetic
differs from Keras's in the order of one product and one division, a unit
in the last place at most).  A Training (training.py) holds one Schedule.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Self

import numpy as np

from .numbers import exact
from .optimizer_rule import FloatType
from .optimizers import check_finite


def _constant(
    lr0: np.floating, k: np.floating, decay_steps: np.floating, decay_rate: np.floating
) -> np.floating:
    return lr0


def _exponential(
    lr0: np.floating, k: np.floating, decay_steps: np.floating, decay_rate: np.floating
) -> np.floating:
    # Keras ExponentialDecay: lr = lr0 · R^(k / S)
    return lr0 * np.power(decay_rate, k / decay_steps)


def _cosine(
    lr0: np.floating, k: np.floating, decay_steps: np.floating, decay_rate: np.floating
) -> np.floating:
    # Keras CosineDecay (alpha 0): lr = lr0 · 1/2 (1 + cos(pi · min(k, S) / S))
    fraction = np.minimum(k, decay_steps) / decay_steps
    return lr0 * (0.5 * (1.0 + np.cos(np.pi * fraction)))


@dataclass(frozen=True)
class ScheduleRule:
    name: str
    formula: str
    uses: tuple[str, ...]  # which of decay_steps, decay_rate it reads
    #: (lr0, k, S, R), all of the run's float type -> lr
    rate: Callable[[np.floating, np.floating, np.floating, np.floating], np.floating]
    keras_class: str = ""  # in keras.optimizers.schedules ("" for a constant rate)
    optax_function: str = ""  # in optax ("" for a constant rate)
    #: ((our hyperparameter, the optax function's argument), ...)
    optax_arguments: tuple[tuple[str, str], ...] = ()


SCHEDULES = {
    rule.name: rule
    for rule in (
        ScheduleRule("constant", "lr = lr0", (), _constant),
        ScheduleRule(
            "exponential",
            "lr = lr0 · R^(k/S)",
            ("decay_steps", "decay_rate"),
            _exponential,
            "ExponentialDecay",
            "exponential_decay",
            (("decay_steps", "transition_steps"), ("decay_rate", "decay_rate")),
        ),
        ScheduleRule(
            "cosine",
            "lr = lr0 · 1/2 (1 + cos(pi · min(k, S)/S))",
            ("decay_steps",),
            _cosine,
            "CosineDecay",
            "cosine_decay_schedule",
            (("decay_steps", "decay_steps"),),
        ),
    )
}

DEFAULT_DECAY_RATE = 0.1
#: Why a decay rate above 1 is refused (Keras's ExponentialDecay takes one, and grows).
GROWING_DECAY = (
    "is above 1: the rate lr0 R^(k/S) would grow with every update instead of decaying;"
    " a decay rate is at most 1"
)


@dataclass(frozen=True)
class Schedule:
    """A learning-rate schedule; ``decay_steps`` None means the run's iteration count."""

    name: str = "constant"
    decay_steps: int | None = None
    decay_rate: float = DEFAULT_DECAY_RATE

    @classmethod
    def named(
        cls, name: str, decay_steps: int | None = None, decay_rate: float | None = None
    ) -> Self:
        """The schedule ``name``; ValueError for a bad value or one it does not use."""
        if name not in SCHEDULES:
            raise ValueError(f"lr-schedule must be one of {', '.join(SCHEDULES)}, not {name!r}")
        uses = SCHEDULES[name].uses
        for key, value in (("decay_steps", decay_steps), ("decay_rate", decay_rate)):
            if value is not None and key not in uses:
                raise ValueError(f"the {name} schedule does not use {key}")
        if decay_steps is not None and decay_steps < 1:
            raise ValueError(f"decay_steps must be at least 1, not {decay_steps}")
        if decay_rate is not None:
            check_finite("decay_rate", decay_rate)
            if decay_rate <= 0:
                raise ValueError(f"decay_rate must be above 0, not {decay_rate:g}")
            if decay_rate > 1:
                raise ValueError(f"decay_rate {exact(decay_rate)} {GROWING_DECAY}")
        return cls(
            name, decay_steps, DEFAULT_DECAY_RATE if decay_rate is None else float(decay_rate)
        )

    @property
    def rule(self) -> ScheduleRule:
        return SCHEDULES[self.name]

    def for_iterations(self, iterations: int) -> Self:
        """This schedule with decay_steps filled in (the iteration count by default)."""
        return replace(self, decay_steps=self.decay_steps or iterations)

    def rate(self, lr0: float, k: int, dtype: FloatType) -> np.floating:
        """The learning rate of the update made after ``k`` updates, in ``dtype``."""
        kind: type[np.floating] = np.dtype(dtype).type
        return self.rule.rate(
            kind(lr0), kind(k), kind(self.decay_steps or 1), kind(self.decay_rate)
        )

    @property
    def constant(self) -> bool:
        """Whether the rate never changes (no need to compute it at every update)."""
        return not self.rule.uses

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, **{key: getattr(self, key) for key in self.rule.uses}}
