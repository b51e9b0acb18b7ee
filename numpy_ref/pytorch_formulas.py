"""torch.optim's optimizer formulas: PYTORCH_OPTIMIZERS, beside Keras's.

The same optimizers as keras_formulas.py's OPTIMIZERS, one entry each, with
the same hyperparameters and the same default numbers (not torch's own
defaults: a difference between the two tables is the formula and nothing
else), each step written operation for operation as torch 2.13's
single-tensor CPU code computes it (torch/optim/sgd.py, rmsprop.py, adam.py,
``_single_tensor_*``; dampening 0, weight_decay 0, centered and amsgrad off),
and the torch.optim class and arguments that make the same thing.

For each weight w with gradient g, learning rate lr (after the schedule) and
t the number of the update being made (1 for the first):

    sgd       w <- w - lr g
    momentum  m <- mu m + g;  w <- w - lr m
    nesterov  m <- mu m + g;  w <- w - lr (g + mu m)          (with the new m)
    rmsprop   v <- rho v + (1 - rho) g^2;  w <- w - lr g / (sqrt(v) + eps)
    adam      m <- m + (1 - b1)(g - m);  v <- b2 v + (1 - b2) g^2
              w <- w - lr / (1 - b1^t) m / (sqrt(v) / sqrt(1 - b2^t) + eps)

Where they part from Keras's:
- momentum and nesterov: torch's m (its momentum_buffer) sums gradients and
  is multiplied by the rate when the weight steps; Keras's m sums steps
  already multiplied (m <- mu m - lr g).  At a constant rate the two are the
  same numbers (Keras's m = -lr torch's m, to rounding); under a schedule
  torch's whole sum takes today's rate, Keras's keeps each step's own.
- rmsprop: eps outside the square root (Keras: sqrt(v + eps)).
- adam: eps added to the bias-corrected sqrt(v-hat), the paper's Algorithm 1
  (Keras: added to sqrt(v), the corrections folded into alpha).

Two habits of torch's arithmetic are kept, so that float64 agrees to the
last bit.  Hyperparameters are Python floats, and what torch computes from
them in Python (1 - b1, the bias corrections, the step size) is computed
here in Python floats too.  And its CPU kernels round ``add(x, alpha=a)``,
``addcmul`` and ``lerp`` once, as a fused multiply-add (fused.py).  One
rounding is not NumPy's to copy: torch's CPU builds on Intel's MKL take
``sqrt`` from MKL's vector library, which is one unit in the last place low
for about 1 value in 200 (np.sqrt rounds correctly), so there RMSprop and
Adam agree with torch.optim to about a unit in the last place, not to the
bit.  In a float32 run the hyperparameters arrive already rounded to
float32, where torch keeps Python floats: there the two agree to float32's
rounding, not to the bit.

State (m, v) starts at zero, one per weight; every state is of the run's
float type, and so is every result.
"""

import numpy as np

from .fused import fused_multiply_add
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
    new_w = fused_multiply_add(-lr, g, w)  # param.add_(grad, alpha=-lr): w + (-lr) g
    return new_w, state, {"step": -lr * g}


def _momentum(
    w: FloatArray,
    g: FloatArray,
    state: Slots,
    lr: Rate,
    *,
    t: np.floating,
    hp: dict[str, np.floating],
) -> tuple[FloatArray, Slots, Trace]:
    # m is torch's momentum_buffer, the sum of gradients (not Keras's m, a sum of
    # steps); the first is g itself (torch's clone of g), as mu 0 + g is.
    m = state["m"] * float(hp["momentum"]) + g  # buf.mul_(mu).add_(grad): m <- mu m + g
    new_w = fused_multiply_add(-lr, m, w)  # param.add_(buf, alpha=-lr): w + (-lr) m
    return new_w, {"m": m}, {"m": m, "step": -lr * m}


def _nesterov(
    w: FloatArray,
    g: FloatArray,
    state: Slots,
    lr: Rate,
    *,
    t: np.floating,
    hp: dict[str, np.floating],
) -> tuple[FloatArray, Slots, Trace]:
    mu = float(hp["momentum"])
    m = state["m"] * mu + g  # buf.mul_(mu).add_(grad): m <- mu m + g (torch's momentum_buffer)
    direction = fused_multiply_add(mu, m, g)  # grad.add(buf, alpha=mu): g + mu m, the new m
    new_w = fused_multiply_add(-lr, direction, w)  # param.add_(grad, alpha=-lr)
    return new_w, {"m": m}, {"m": m, "step": -lr * direction}


def _rmsprop(
    w: FloatArray,
    g: FloatArray,
    state: Slots,
    lr: Rate,
    *,
    t: np.floating,
    hp: dict[str, np.floating],
) -> tuple[FloatArray, Slots, Trace]:
    rho = float(hp["rho"])  # torch's alpha
    # square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho): v <- rho v + (1 - rho) g g
    v = fused_multiply_add((1 - rho) * g, g, state["v"] * rho)
    avg = np.sqrt(v) + hp["epsilon"]  # square_avg.sqrt().add_(eps): eps OUTSIDE the root
    increment = -lr * g / avg  # param.addcdiv_(grad, avg, value=-lr): (-lr) g / avg
    return w + increment, {"v": v}, {"v": v, "step": increment}


def _lerp(start: FloatArray, end: FloatArray, weight: float) -> FloatArray:
    """torch.lerp(start, end, weight) as torch's CPU kernel computes it, from the end
    nearer the weight (each rounded once)."""
    if abs(weight) < 0.5:  # is_lerp_weight_small
        return fused_multiply_add(weight, end - start, start)  # start + w (end - start)
    return fused_multiply_add(weight - 1, end - start, end)  # end - (1 - w)(end - start)


def _adam(
    w: FloatArray,
    g: FloatArray,
    state: Slots,
    lr: Rate,
    *,
    t: np.floating,
    hp: dict[str, np.floating],
) -> tuple[FloatArray, Slots, Trace]:
    beta1, beta2, step = float(hp["beta1"]), float(hp["beta2"]), float(t)  # Python floats
    m = _lerp(state["m"], g, 1 - beta1)  # exp_avg.lerp_(grad, 1 - b1): m + (1 - b1)(g - m)
    # exp_avg_sq.mul_(b2).addcmul_(grad, grad, value=1 - b2): v <- b2 v + (1 - b2) g g
    v = fused_multiply_add((1 - beta2) * g, g, state["v"] * beta2)
    bias_correction1 = 1 - beta1**step  # 1 - b1^t
    bias_correction2 = 1 - beta2**step  # 1 - b2^t
    step_size = lr / bias_correction1  # lr / (1 - b1^t)
    bias_correction2_sqrt = bias_correction2**0.5  # sqrt(1 - b2^t), as torch's ** 0.5
    denom = np.sqrt(v) / bias_correction2_sqrt + hp["epsilon"]  # sqrt(v-hat) + eps: eps AFTER
    increment = -step_size * m / denom  # param.addcdiv_(exp_avg, denom, value=-step_size)
    trace = {"m": m, "v": v, "step_size": step_size, "denom": denom, "step": increment}
    return w + increment, {"m": m, "v": v}, trace


PYTORCH_OPTIMIZERS = {
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
            "m <- mu m + g; w <- w - lr m",
            (("momentum", 0.9),),
            ("m",),
            _momentum,
            "SGD",
            (("momentum", "momentum"),),
            study_rates=(0.01, 2.0),
            explained=(
                ("m", "= mu·m + g = {momentum:g}·{m_before:.9g} + {g:.9f}"),
                ("step", "= -lr·m = -{lr:g}·{m:.9g}"),
            ),
        ),
        OptimizerRule(
            "nesterov",
            "m <- mu m + g; w <- w - lr (g + mu m)",
            (("momentum", 0.9),),
            ("m",),
            _nesterov,
            "SGD",
            (("momentum", "momentum"),),
            (("nesterov", True),),
            study_rates=(0.01, 2.0),
            explained=(
                ("m", "= mu·m + g = {momentum:g}·{m_before:.9g} + {g:.9f}"),
                (
                    "step",
                    "= -lr·(g + mu·m) (the new m) = -{lr:g}·({g:.9f} + {momentum:g}·{m:.9g})",
                ),
            ),
        ),
        OptimizerRule(
            "rmsprop",
            "v <- rho v + (1 - rho) g^2; w <- w - lr g / (sqrt(v) + eps)",
            (("rho", 0.9), ("epsilon", 1e-7)),
            ("v",),
            _rmsprop,
            "RMSprop",
            (("rho", "alpha"), ("epsilon", "eps")),
            study_rates=(0.001, 1.0),
            explained=(
                (
                    "v",
                    "= rho·v + (1 - rho)·g^2 = {rho:g}·{v_before:.9g} + (1 - {rho:g})·({g:.9f})^2",
                ),
                (
                    "step",
                    "= -lr·g / (sqrt(v) + eps) = -{lr:g}·{g:.9f} / (sqrt({v:.9g}) + {epsilon:g})",
                ),
            ),
        ),
        OptimizerRule(
            "adam",
            "m <- m + (1 - b1)(g - m); v <- b2 v + (1 - b2) g^2;"
            " w <- w - lr / (1 - b1^t) m / (sqrt(v) / sqrt(1 - b2^t) + eps)",
            (("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-7)),
            ("m", "v"),
            _adam,
            "Adam",
            (("beta1", "betas"), ("beta2", "betas"), ("epsilon", "eps")),
            study_rates=(0.001, 1.0),
            explained=(
                (
                    "m",
                    "= m + (1 - b1)(g - m)"
                    " = {m_before:.9g} + (1 - {beta1:g})·({g:.9f} - {m_before:.9g})",
                ),
                (
                    "v",
                    "= b2·v + (1 - b2)·g^2"
                    " = {beta2:g}·{v_before:.9g} + (1 - {beta2:g})·({g:.9f})^2",
                ),
                ("step_size", "= lr / (1 - b1^t) = {lr:g} / (1 - {beta1:g}^{t:g})"),
                (
                    "denom",
                    "= sqrt(v) / sqrt(1 - b2^t) + eps"
                    " = sqrt({v:.9g}) / sqrt(1 - {beta2:g}^{t:g}) + {epsilon:g}",
                ),
                ("step", "= -step_size·m / denom = -{step_size:.9f}·{m:.9g} / {denom:.9g}"),
            ),
        ),
    )
}
