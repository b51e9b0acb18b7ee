"""Optimizers by name, and the state they keep while a network trains.

An Optimizer names an optimizer, its hyperparameters and whose formulas it
follows: Keras 3's (keras_formulas.py's OPTIMIZERS, the project's own, which
the TensorFlow and Keras trainers use), torch.optim's (pytorch_formulas.py's
PYTORCH_OPTIMIZERS, which ann_pytorch.py uses) or optax's (optax_formulas.py's
OPTAX_OPTIMIZERS, which ann_jax.py uses).  The tables have the same
optimizers with the same default numbers, so that where they part it is the
formula and nothing else.  OptimizerState keeps an
optimizer's state (m, v) per layer and makes its steps; optimizer_rule.py
holds what an entry of either table is.

    Optimizer.named("adam", beta2=0.99)                       Keras's formulas
    Optimizer.named("adam", formulas="pytorch", beta2=0.99)   torch.optim's
    Optimizer.named("adam", formulas="optax", beta2=0.99)     optax's
"""

import math
from dataclasses import dataclass
from typing import Self

import numpy as np
from numpy.typing import NDArray

from .keras_formulas import OPTIMIZERS
from .network import FloatArray
from .numbers import exact
from .optax_formulas import OPTAX_OPTIMIZERS
from .optimizer_rule import FloatType, OptimizerRule, Rate, Slots, StepRule, Trace
from .pytorch_formulas import PYTORCH_OPTIMIZERS

__all__ = [
    "FORMULAS",
    "HYPERPARAMETER_RANGES",
    "OPTAX_OPTIMIZERS",
    "OPTIMIZERS",
    "PYTORCH_OPTIMIZERS",
    "FloatType",
    "Optimizer",
    "OptimizerRule",
    "OptimizerState",
    "Rate",
    "Slots",
    "StepRule",
    "Trace",
    "check_finite",
    "formulas_table",
]

#: Whose formulas an optimizer follows -> their table (the same names in each).
FORMULAS = {"keras": OPTIMIZERS, "pytorch": PYTORCH_OPTIMIZERS, "optax": OPTAX_OPTIMIZERS}
#: How a description names them.
FORMULAS_NAMED = {
    "keras": "Keras's formulas",
    "pytorch": "torch.optim's formulas",
    "optax": "optax's formulas",
}

#: Every optimizer hyperparameter, and the values it may take.
HYPERPARAMETER_RANGES = {
    "momentum": "[0, 1)",
    "rho": "[0, 1)",
    "beta1": "[0, 1)",
    "beta2": "[0, 1)",
    "epsilon": "above 0",
}


def formulas_table(formulas: str) -> dict[str, OptimizerRule]:
    """The table of ``formulas`` (a FORMULAS name); ValueError for another name."""
    if formulas not in FORMULAS:
        raise ValueError(f"formulas must be one of {', '.join(FORMULAS)}, not {formulas!r}")
    return FORMULAS[formulas]


def check_finite(name: str, value: float) -> None:
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, not {value}")


def _check_hyperparameter(name: str, value: float) -> None:
    check_finite(name, value)
    if HYPERPARAMETER_RANGES[name] == "[0, 1)" and not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), not {value:g}")
    if HYPERPARAMETER_RANGES[name] == "above 0" and not value > 0:
        raise ValueError(f"{name} must be above 0, not {value:g}")


@dataclass(frozen=True)
class Optimizer:
    """An optimizer by name, with every hyperparameter it uses (defaults filled in),
    and whose formulas it follows (a FORMULAS name: "keras", "pytorch" or "optax")."""

    name: str = "sgd"
    #: ((hyperparameter, value), ...) in the rule's order
    settings: tuple[tuple[str, float], ...] = ()
    formulas: str = "keras"

    def __post_init__(self) -> None:
        formulas_table(self.formulas)

    @classmethod
    def named(cls, name: str, *, formulas: str = "keras", **given: float | None) -> Self:
        """The optimizer ``name`` with ``formulas``' formulas and the hyperparameters
        given (None: the project's default, Keras's, for either formulas).

        ValueError for unknown formulas, an unknown name, a value out of
        range, or a hyperparameter that this optimizer does not use.
        """
        table = formulas_table(formulas)
        if name not in table:
            raise ValueError(f"optimizer must be one of {', '.join(table)}, not {name!r}")
        defaults = dict(table[name].defaults)
        for key, value in given.items():
            if value is None:
                continue
            if key not in defaults:
                raise ValueError(f"{name} does not use {key}")
            _check_hyperparameter(key, value)
        # mypy cannot tell that given.get(key) not None makes given[key] not None
        return cls(
            name,
            tuple(
                (key, float(default if given.get(key) is None else given[key]))  # type: ignore[arg-type]
                for key, default in defaults.items()
            ),
            formulas,
        )

    @property
    def rule(self) -> OptimizerRule:
        return FORMULAS[self.formulas][self.name]

    @property
    def hyperparameters(self) -> dict[str, float]:
        return dict(self.settings)

    def to_json(self) -> dict[str, str | float]:
        return {"name": self.name, "formulas": self.formulas, **self.hyperparameters}

    def describe(self) -> str:
        """'adam (beta1 0.9, beta2 0.999, epsilon 1e-07)' with Keras's formulas, the
        project's own; 'adam, torch.optim's formulas (beta1 0.9, ...)' with others."""
        named = self.name if self.formulas == "keras" else f"{self.name}, {self.formulas_named}"
        if not self.settings:
            return named
        # every digit a value needs: beta1 0.99999999, not 1 (numbers.exact)
        return f"{named} ({', '.join(f'{k} {exact(v)}' for k, v in self.settings)})"

    @property
    def formulas_named(self) -> str:
        """ "Keras's formulas", "torch.optim's formulas" or "optax's formulas"."""
        return FORMULAS_NAMED[self.formulas]


class OptimizerState:
    """The state an optimizer keeps (m, v: zero at first, one per weight) and its step.

    Layers are named ("hidden", "output"); each has its own state.  Works on
    a batch of networks too: state arrays take the weights' shape, and a
    ``keep`` mask drops finished networks from every one of them.
    """

    def __init__(self, optimizer: Optimizer, dtype: FloatType, traced: bool = False) -> None:
        self.rule = optimizer.rule
        self.dtype: np.dtype[np.floating] = np.dtype(dtype)
        self.hyperparameters: dict[str, np.floating] = {
            key: self.dtype.type(value) for key, value in optimizer.settings
        }
        self.state: dict[str, Slots] = {}  # layer -> {slot: array}
        self.traced = traced  # keep what each step computed, for ``explained``
        self.traces: dict[str, Trace] = {}  # layer -> what the last step computed

    def step(
        self, layer: str, w: FloatArray, g: FloatArray, lr: Rate, t: int | np.floating
    ) -> FloatArray:
        """The new weights of ``layer`` after update number ``t`` (1 for the first)."""
        if layer not in self.state:
            self.state[layer] = {slot: np.zeros_like(w) for slot in self.rule.slots}
        state = self.state[layer]
        t = self.dtype.type(t)
        new_w, self.state[layer], trace = self.rule.step(
            w, g, state, lr, t=t, hp=self.hyperparameters
        )
        if self.traced:
            self.traces[layer] = {
                "g": g,
                "lr": lr,
                "t": t,
                **{f"{slot}_before": value for slot, value in state.items()},
                **trace,
            }
        return new_w

    def explained(self, layer: str, index: tuple[int, ...]) -> list[tuple[str, Rate, str]]:
        """[(what, value, formula with its numbers)] of the last step, for one weight.

        ``index`` picks the weight within the layer's array (e.g. (0, 1) for w2).
        """
        fields = {
            key: value if np.ndim(value) == 0 else value[index]  # type: ignore[index]  # np.ndim > 0: an array, not a scalar
            for key, value in self.traces[layer].items()
        }
        fields.update(self.hyperparameters)
        return [
            (what, fields[what], formula.format(**fields)) for what, formula in self.rule.explained
        ]

    def keep(self, mask: NDArray[np.bool_]) -> None:
        """Keep only the networks that ``mask`` selects, in every state array."""
        self.state = {
            layer: {slot: array[mask] for slot, array in slots.items()}
            for layer, slots in self.state.items()
        }
