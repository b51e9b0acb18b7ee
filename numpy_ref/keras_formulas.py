"""Keras 3's optimizer formulas: OPTIMIZERS, the project's own.

Each optimizer is one entry in a table (OPTIMIZERS; torch.optim's formulas
are pytorch_formulas.py's PYTORCH_OPTIMIZERS, the learning-rate schedules
schedules.py's SCHEDULES): its hyperparameters and their defaults, its
formula in words, its step in NumPy written operation for operation as
Keras 3 writes it (keras/src/optimizers/), and the Keras class and arguments
that make the same thing.  The TensorFlow and Keras trainers build their
optimizers from the same entries, so adding an optimizer is adding one entry
here (and one in pytorch_formulas.py).

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

import numpy as np

from .network import FloatArray
from .optimizer_rule import OptimizerRule, Rate, Slots, Trace

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
