"""optax's optimizer formulas: OPTAX_OPTIMIZERS, beside Keras's and torch.optim's.

The same optimizers as keras_formulas.py's OPTIMIZERS, one entry each, with
the same hyperparameters and the same default numbers (not optax's own
defaults: a difference between the tables is the formula and nothing else),
each step written operation for operation as optax 0.2's gradient
transformations compute it (optax.sgd = trace, then scale_by_learning_rate;
optax.rmsprop = scale_by_rms, then scale_by_learning_rate; optax.adam =
scale_by_adam, then scale_by_learning_rate; optax.apply_updates adds the
result), and the optax function and arguments that make the same thing.

For each weight w with gradient g, learning rate lr (after the schedule) and
t the number of the update being made (1 for the first):

    sgd       w <- w - lr g
    momentum  m <- g + mu m;  w <- w - lr m
    nesterov  m <- g + mu m;  w <- w - lr (g + mu m)           (with the new m)
    rmsprop   v <- (1 - rho) g^2 + rho v;  w <- w - lr g / sqrt(v + eps)
    adam      m <- (1 - b1) g + b1 m;  v <- (1 - b2) g^2 + b2 v
              w <- w - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)

Where they meet the other two tables:
- sgd: every library's w - lr g, the same bits.
- momentum and nesterov: torch.optim's formula (m sums gradients; the rate
  multiplies the whole sum when the weight steps), not Keras's.
- rmsprop: Keras's formula, eps INSIDE the square root (optax's default
  eps_in_sqrt=True); torch.optim adds it outside.
- adam: torch.optim's formula, eps added to the bias-corrected sqrt(v-hat);
  Keras folds both corrections into its alpha and adds eps to sqrt(v).

Only the order of the operations differs from the table whose formula it
shares, so agreement is to rounding.  Two habits of optax's arithmetic are
kept: hyperparameters are Python floats, so (1 - rho), (1 - b1), (1 - b2)
are computed in Python before they meet the run's float type; and the bias
corrections 1 - b^t are a Python float to the power of the integer count
(which is what jax computes for a weak float to an int32 power).  Two are
not NumPy's to copy: XLA computes exp, the square root's reciprocal
(optax's RMSprop calls jax.lax.rsqrt) and a few products-and-sums its own
way, the last fused into one rounding where its compiler chooses, so a
JAX run agrees with this table to about a unit in the last place per
operation, not to the bit.

State (m, v) starts at zero, one per weight; every state is of the run's
float type, and so is every result.
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
    step = -lr * g  # scale_by_learning_rate: (-lr) g
    return w + step, state, {"step": step}  # apply_updates: w + update


def _momentum(
    w: FloatArray,
    g: FloatArray,
    state: Slots,
    lr: Rate,
    *,
    t: np.floating,
    hp: dict[str, np.floating],
) -> tuple[FloatArray, Slots, Trace]:
    m = g + hp["momentum"] * state["m"]  # trace: m <- g + mu m, a sum of gradients
    step = -lr * m  # scale_by_learning_rate: (-lr) m
    return w + step, {"m": m}, {"m": m, "step": step}


def _nesterov(
    w: FloatArray,
    g: FloatArray,
    state: Slots,
    lr: Rate,
    *,
    t: np.floating,
    hp: dict[str, np.floating],
) -> tuple[FloatArray, Slots, Trace]:
    mu = hp["momentum"]
    m = g + mu * state["m"]  # trace: m <- g + mu m
    step = -lr * (g + mu * m)  # trace(nesterov=True) gives g + mu m, the new m; then (-lr)
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
    rho = float(hp["rho"])  # optax's decay, a Python float
    # update_moment_per_elem_norm: v <- (1 - rho) g^2 + rho v, (1 - rho) in Python
    v = w.dtype.type(1 - rho) * (g * g) + w.dtype.type(rho) * state["v"]
    scaling = 1 / np.sqrt(v + hp["epsilon"])  # jax.lax.rsqrt(v + eps): eps INSIDE the root
    step = -lr * (scaling * g)  # scale_by_rms gives scaling g; then (-lr)
    return w + step, {"v": v}, {"v": v, "step": step}


def _adam(
    w: FloatArray,
    g: FloatArray,
    state: Slots,
    lr: Rate,
    *,
    t: np.floating,
    hp: dict[str, np.floating],
) -> tuple[FloatArray, Slots, Trace]:
    beta1, beta2, kind = float(hp["beta1"]), float(hp["beta2"]), w.dtype.type
    m = kind(1 - beta1) * g + kind(beta1) * state["m"]  # m <- (1 - b1) g + b1 m
    v = kind(1 - beta2) * (g * g) + kind(beta2) * state["v"]  # v <- (1 - b2) g^2 + b2 v
    count = int(t)  # the int32 count after this update: 1 for the first
    m_hat = m / kind(1 - beta1**count)  # bias_correction: m / (1 - b1^t)
    v_hat = v / kind(1 - beta2**count)  # v / (1 - b2^t)
    denom = np.sqrt(v_hat) + hp["epsilon"]  # sqrt(v-hat + eps_root 0) + eps: eps AFTER
    step = -lr * (m_hat / denom)  # scale_by_adam gives m-hat / denom; then (-lr)
    trace = {"m": m, "v": v, "m_hat": m_hat, "denom": denom, "step": step}
    return w + step, {"m": m, "v": v}, trace


OPTAX_OPTIMIZERS = {
    rule.name: rule
    for rule in (
        OptimizerRule(
            "sgd",
            "w <- w - lr g",
            (),
            (),
            _sgd,
            "sgd",
            explained=(("step", "= -lr·g = -{lr:g}·{g:.9f}"),),
        ),
        OptimizerRule(
            "momentum",
            "m <- g + mu m; w <- w - lr m",
            (("momentum", 0.9),),
            ("m",),
            _momentum,
            "sgd",
            (("momentum", "momentum"),),
            study_rates=(0.01, 2.0),
            explained=(
                ("m", "= g + mu·m = {g:.9f} + {momentum:g}·{m_before:.9g}"),
                ("step", "= -lr·m = -{lr:g}·{m:.9g}"),
            ),
        ),
        OptimizerRule(
            "nesterov",
            "m <- g + mu m; w <- w - lr (g + mu m)",
            (("momentum", 0.9),),
            ("m",),
            _nesterov,
            "sgd",
            (("momentum", "momentum"),),
            (("nesterov", True),),
            study_rates=(0.01, 2.0),
            explained=(
                ("m", "= g + mu·m = {g:.9f} + {momentum:g}·{m_before:.9g}"),
                (
                    "step",
                    "= -lr·(g + mu·m) (the new m) = -{lr:g}·({g:.9f} + {momentum:g}·{m:.9g})",
                ),
            ),
        ),
        OptimizerRule(
            "rmsprop",
            "v <- (1 - rho) g^2 + rho v; w <- w - lr g / sqrt(v + eps)",
            (("rho", 0.9), ("epsilon", 1e-7)),
            ("v",),
            _rmsprop,
            "rmsprop",
            (("rho", "decay"), ("epsilon", "eps")),
            study_rates=(0.001, 1.0),
            explained=(
                (
                    "v",
                    "= (1 - rho)·g^2 + rho·v = (1 - {rho:g})·({g:.9f})^2 + {rho:g}·{v_before:.9g}",
                ),
                ("step", "= -lr·g / sqrt(v + eps) = -{lr:g}·{g:.9f} / sqrt({v:.9g} + {epsilon:g})"),
            ),
        ),
        OptimizerRule(
            "adam",
            "m <- (1 - b1) g + b1 m; v <- (1 - b2) g^2 + b2 v;"
            " w <- w - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)",
            (("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-7)),
            ("m", "v"),
            _adam,
            "adam",
            (("beta1", "b1"), ("beta2", "b2"), ("epsilon", "eps")),
            study_rates=(0.001, 1.0),
            explained=(
                (
                    "m",
                    "= (1 - b1)·g + b1·m = (1 - {beta1:g})·{g:.9f} + {beta1:g}·{m_before:.9g}",
                ),
                (
                    "v",
                    "= (1 - b2)·g^2 + b2·v"
                    " = (1 - {beta2:g})·({g:.9f})^2 + {beta2:g}·{v_before:.9g}",
                ),
                ("m_hat", "= m / (1 - b1^t) = {m:.9g} / (1 - {beta1:g}^{t:g})"),
                (
                    "denom",
                    "= sqrt(v / (1 - b2^t)) + eps"
                    " = sqrt({v:.9g} / (1 - {beta2:g}^{t:g})) + {epsilon:g}",
                ),
                ("step", "= -lr·m_hat / denom = -{lr:g}·{m_hat:.9g} / {denom:.9g}"),
            ),
        ),
    )
}
