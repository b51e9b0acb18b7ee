"""Optimizers, as Keras 3 computes them.

Each optimizer is one entry in a table (OPTIMIZERS; the learning-rate
schedules are schedules.py's SCHEDULES): its hyperparameters and their
defaults, its formula in words, its step in NumPy written operation for
operation as Keras 3 writes it (keras/src/optimizers/), and the Keras class
and arguments that make the same thing.  The TensorFlow and Keras trainers
build their optimizers from the same entries, so adding an optimizer is
adding one entry here.

For each weight w with gradient g, learning rate lr (after the schedule) and
t the number of the update being made (1 for the first):

    sgd       w <- w - lr g
    momentum  m <- mu m - lr g;  w <- w + m
    nesterov  m <- mu m - lr g;  w <- w + mu m - lr g        (with the new m)
    rmsprop   v <- rho v + (1 - rho) g^2;  w <- w - lr g / sqrt(v + eps)
    adam      m <- m + (g - m)(1 - b1);  v <- v + (g^2 - v)(1 - b2)
              alpha = lr sqrt(1 - b2^t) / (1 - b1^t);  w <- w - alpha m / (sqrt(v) + eps)

Two places where Keras departs from the papers: RMSprop adds eps inside the
square root (Hinton's slides and PyTorch add it outside), and Adam is the
paper's "eps-hat" form from the end of its section 2, where eps is added to
sqrt(v) and the bias corrections are folded into alpha, not its Algorithm 1
(eps added to sqrt(v-hat)).

State (m, v) starts at zero, one per weight.  Every hyperparameter and every
state is of the run's float type.
"""

import math
from dataclasses import dataclass
from typing import Protocol, Self

import numpy as np
from numpy.typing import NDArray

# Weights, their gradients and the optimizer's state are FloatArrays: floats
# of the run's type, with a leading axis (B, ...) for a batch of networks.
from .network import FloatArray

#: The run's float type: "float32", "float64", or that np.dtype.
FloatType = str | np.dtype[np.floating]
#: A learning rate: a scalar of the run's float type, or one per network
#: shaped to broadcast over the weights, (B, 1, 1).
Rate = np.floating | FloatArray
#: One layer's optimizer state, slot -> array: {"m": ..., "v": ...} for Adam.
Slots = dict[str, FloatArray]
#: What one step computed, for --explain: {"m": ..., "alpha": ..., "step": ...}.
Trace = dict[str, Rate]

# ---------------------------------------------------------------------------
# Optimizer steps: (w, g, state, lr, *, t, hp) -> (new w, new state, what was computed)
# ``state`` and ``hp`` are dicts; every value is of w's float type.
# ---------------------------------------------------------------------------


def _sgd(
    w: FloatArray,
    g: FloatArray,
    state: Slots,
    lr: Rate,
    *,
    t: np.floating,
    hp: dict[str, np.floating],
) -> tuple[FloatArray, Slots, Trace]:
    step = g * lr  # Keras: w.assign_sub(g * lr)
    return w - step, state, {"step": -step}


def _momentum(
    w: FloatArray,
    g: FloatArray,
    state: Slots,
    lr: Rate,
    *,
    t: np.floating,
    hp: dict[str, np.floating],
) -> tuple[FloatArray, Slots, Trace]:
    m = state["m"] * hp["momentum"] - g * lr  # m <- mu m - lr g
    return w + m, {"m": m}, {"m": m, "step": m}  # w <- w + m


def _nesterov(
    w: FloatArray,
    g: FloatArray,
    state: Slots,
    lr: Rate,
    *,
    t: np.floating,
    hp: dict[str, np.floating],
) -> tuple[FloatArray, Slots, Trace]:
    m = state["m"] * hp["momentum"] - g * lr  # m <- mu m - lr g
    step = m * hp["momentum"] - g * lr  # mu m - lr g, with the new m
    return w + step, {"m": m}, {"m": m, "step": step}


def _rmsprop(
    w: FloatArray,
    g: FloatArray,
    state: Slots,
    lr: Rate,
    *,
    t: np.floating,
    hp: dict[str, np.floating],
) -> tuple[FloatArray, Slots, Trace]:
    rho = hp["rho"]
    v = rho * state["v"] + (1 - rho) * np.square(g)  # v <- rho v + (1 - rho) g^2
    increment = (lr * g) / np.sqrt(v + hp["epsilon"])  # lr g / sqrt(v + eps): eps INSIDE
    return w - increment, {"v": v}, {"v": v, "step": -increment}


def _adam(
    w: FloatArray,
    g: FloatArray,
    state: Slots,
    lr: Rate,
    *,
    t: np.floating,
    hp: dict[str, np.floating],
) -> tuple[FloatArray, Slots, Trace]:
    beta1, beta2 = hp["beta1"], hp["beta2"]
    # alpha = lr sqrt(1 - b2^t) / (1 - b1^t): both bias corrections in one factor
    alpha = lr * np.sqrt(1 - np.power(beta2, t)) / (1 - np.power(beta1, t))
    m = state["m"] + (g - state["m"]) * (1 - beta1)  # m <- m + (g - m)(1 - b1)
    v = state["v"] + (np.square(g) - state["v"]) * (1 - beta2)  # v <- v + (g^2 - v)(1 - b2)
    increment = (m * alpha) / (np.sqrt(v) + hp["epsilon"])  # alpha m / (sqrt(v) + eps)
    return w - increment, {"m": m, "v": v}, {"m": m, "v": v, "alpha": alpha, "step": -increment}


class StepRule(Protocol):
    """The signature every step above has: (w, g, state, lr, *, t, hp) -> (new w, new
    state, trace), with t the number of the update and hp the hyperparameters."""

    def __call__(
        self,
        w: FloatArray,
        g: FloatArray,
        state: Slots,
        lr: Rate,
        *,
        t: np.floating,
        hp: dict[str, np.floating],
    ) -> tuple[FloatArray, Slots, Trace]: ...


@dataclass(frozen=True)
class OptimizerRule:
    """One optimizer: what it computes and which Keras class computes the same."""

    name: str
    formula: str  # the update in one line of text
    defaults: tuple[tuple[str, float], ...]  # ((hyperparameter, Keras's default), ...)
    slots: tuple[str, ...]  # the state kept per weight, starting at zero
    step: StepRule  # (w, g, state, lr, *, t, hp) -> (new w, new state, trace)
    keras_class: str  # in keras.optimizers
    keras_names: tuple[tuple[str, str], ...] = ()  # ((our hyperparameter, Keras's argument), ...)
    keras_fixed: tuple[tuple[str, object], ...] = ()  # ((Keras's argument, value), ...)
    #: The update-order study's learning rates: log-spaced from the first to the second.
    study_rates: tuple[float, float] = (0.05, 10.0)
    #: --explain's lines for one weight: ((what, formula with str.format fields), ...);
    #: the fields are the step's trace (m, v, alpha, step), the state before it
    #: (m_before, v_before), g, lr, t and the hyperparameters.
    explained: tuple[tuple[str, str], ...] = ()


OPTIMIZERS = {
    rule.name: rule
    for rule in (
        OptimizerRule(
            "sgd",
            "w <- w - lr g",
            (),
            (),
            _sgd,
            "SGD",
            explained=(("step", "= -lr·g = -{lr:g}·{g:.9f}"),),
        ),
        OptimizerRule(
            "momentum",
            "m <- mu m - lr g; w <- w + m",
            (("momentum", 0.9),),
            ("m",),
            _momentum,
            "SGD",
            (("momentum", "momentum"),),
            study_rates=(0.01, 2.0),
            explained=(
                ("m", "= mu·m - lr·g = {momentum:g}·{m_before:.9g} - {lr:g}·{g:.9f}"),
                ("step", "= m"),
            ),
        ),
        OptimizerRule(
            "nesterov",
            "m <- mu m - lr g; w <- w + mu m - lr g",
            (("momentum", 0.9),),
            ("m",),
            _nesterov,
            "SGD",
            (("momentum", "momentum"),),
            (("nesterov", True),),
            study_rates=(0.01, 2.0),
            explained=(
                ("m", "= mu·m - lr·g = {momentum:g}·{m_before:.9g} - {lr:g}·{g:.9f}"),
                ("step", "= mu·m - lr·g (the new m) = {momentum:g}·{m:.9f} - {lr:g}·{g:.9f}"),
            ),
        ),
        OptimizerRule(
            "rmsprop",
            "v <- rho v + (1 - rho) g^2; w <- w - lr g / sqrt(v + eps)",
            (("rho", 0.9), ("epsilon", 1e-7)),
            ("v",),
            _rmsprop,
            "RMSprop",
            (("rho", "rho"), ("epsilon", "epsilon")),
            study_rates=(0.001, 1.0),
            explained=(
                (
                    "v",
                    "= rho·v + (1 - rho)·g^2 = {rho:g}·{v_before:.9g} + (1 - {rho:g})·({g:.9f})^2",
                ),
                ("step", "= -lr·g / sqrt(v + eps) = -{lr:g}·{g:.9f} / sqrt({v:.9g} + {epsilon:g})"),
            ),
        ),
        OptimizerRule(
            "adam",
            "m <- m + (g - m)(1 - b1); v <- v + (g^2 - v)(1 - b2);"
            " w <- w - lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps)",
            (("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-7)),
            ("m", "v"),
            _adam,
            "Adam",
            (("beta1", "beta_1"), ("beta2", "beta_2"), ("epsilon", "epsilon")),
            study_rates=(0.001, 1.0),
            explained=(
                (
                    "m",
                    "= m + (g - m)(1 - b1)"
                    " = {m_before:.9g} + ({g:.9f} - {m_before:.9g})·(1 - {beta1:g})",
                ),
                (
                    "v",
                    "= v + (g^2 - v)(1 - b2)"
                    " = {v_before:.9g} + (({g:.9f})^2 - {v_before:.9g})·(1 - {beta2:g})",
                ),
                (
                    "alpha",
                    "= lr·sqrt(1 - b2^t) / (1 - b1^t)"
                    " = {lr:g}·sqrt(1 - {beta2:g}^{t:g}) / (1 - {beta1:g}^{t:g})",
                ),
                (
                    "step",
                    "= -alpha·m / (sqrt(v) + eps)"
                    " = -{alpha:.9f}·{m:.9g} / (sqrt({v:.9g}) + {epsilon:g})",
                ),
            ),
        ),
    )
}

#: Every optimizer hyperparameter, and the values it may take.
HYPERPARAMETER_RANGES = {
    "momentum": "[0, 1)",
    "rho": "[0, 1)",
    "beta1": "[0, 1)",
    "beta2": "[0, 1)",
    "epsilon": "above 0",
}


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
    """An optimizer by name, with every hyperparameter it uses (defaults filled in)."""

    name: str = "sgd"
    #: ((hyperparameter, value), ...) in the rule's order
    settings: tuple[tuple[str, float], ...] = ()

    @classmethod
    def named(cls, name: str, **given: float | None) -> Self:
        """The optimizer ``name`` with the hyperparameters given (None: Keras's default).

        ValueError for an unknown name, a value out of range, or a
        hyperparameter that this optimizer does not use.
        """
        if name not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, not {name!r}")
        defaults = dict(OPTIMIZERS[name].defaults)
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
        )

    @property
    def rule(self) -> OptimizerRule:
        return OPTIMIZERS[self.name]

    @property
    def hyperparameters(self) -> dict[str, float]:
        return dict(self.settings)

    def to_json(self) -> dict[str, str | float]:
        return {"name": self.name, **self.hyperparameters}

    def describe(self) -> str:
        """'adam (beta1 0.9, beta2 0.999, epsilon 1e-07)'."""
        if not self.settings:
            return self.name
        return f"{self.name} ({', '.join(f'{k} {v:g}' for k, v in self.settings)})"


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
