"""Optimizers, learning-rate schedules, early stopping and weight penalties, as Keras 3 computes them.

Each optimizer and each schedule is one entry in a table (OPTIMIZERS,
SCHEDULES): its hyperparameters and their defaults, its formula in words, its
step in NumPy written operation for operation as Keras 3 writes it
(keras/src/optimizers/), and the Keras class and arguments that make the same
thing.  The TensorFlow and Keras trainers build their optimizers from the
same entries, so adding an optimizer is adding one entry here.

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
from dataclasses import dataclass, replace

import numpy as np

# ---------------------------------------------------------------------------
# Optimizer steps: (w, g, state, lr, t, hp) -> (new w, new state, what was computed)
# ``state`` and ``hp`` are dicts; every value is of w's float type.
# ---------------------------------------------------------------------------


def _sgd(w, g, state, lr, t, hp):
    step = g * lr  # Keras: w.assign_sub(g * lr)
    return w - step, state, {"step": -step}


def _momentum(w, g, state, lr, t, hp):
    m = state["m"] * hp["momentum"] - g * lr  # m <- mu m - lr g
    return w + m, {"m": m}, {"m": m, "step": m}  # w <- w + m


def _nesterov(w, g, state, lr, t, hp):
    m = state["m"] * hp["momentum"] - g * lr  # m <- mu m - lr g
    step = m * hp["momentum"] - g * lr  # mu m - lr g, with the new m
    return w + step, {"m": m}, {"m": m, "step": step}


def _rmsprop(w, g, state, lr, t, hp):
    rho = hp["rho"]
    v = rho * state["v"] + (1 - rho) * np.square(g)  # v <- rho v + (1 - rho) g^2
    increment = (lr * g) / np.sqrt(v + hp["epsilon"])  # lr g / sqrt(v + eps): eps INSIDE
    return w - increment, {"v": v}, {"v": v, "step": -increment}


def _adam(w, g, state, lr, t, hp):
    beta1, beta2 = hp["beta1"], hp["beta2"]
    # alpha = lr sqrt(1 - b2^t) / (1 - b1^t): both bias corrections in one factor
    alpha = lr * np.sqrt(1 - np.power(beta2, t)) / (1 - np.power(beta1, t))
    m = state["m"] + (g - state["m"]) * (1 - beta1)  # m <- m + (g - m)(1 - b1)
    v = state["v"] + (np.square(g) - state["v"]) * (1 - beta2)  # v <- v + (g^2 - v)(1 - b2)
    increment = (m * alpha) / (np.sqrt(v) + hp["epsilon"])  # alpha m / (sqrt(v) + eps)
    return w - increment, {"m": m, "v": v}, {"m": m, "v": v, "alpha": alpha,
                                             "step": -increment}


@dataclass(frozen=True)
class OptimizerRule:
    """One optimizer: what it computes and which Keras class computes the same."""

    name: str
    formula: str  # the update in one line of text
    defaults: tuple  # ((hyperparameter, Keras's default), ...)
    slots: tuple  # the state kept per weight, starting at zero
    step: object  # (w, g, state, lr, t, hp) -> (new w, new state, trace)
    keras_class: str  # in keras.optimizers
    keras_names: tuple = ()  # ((our hyperparameter, Keras's argument), ...)
    keras_fixed: tuple = ()  # ((Keras's argument, value), ...)
    #: The update-order study's learning rates: log-spaced from the first to the second.
    study_rates: tuple = (0.05, 10.0)
    #: --explain's lines for one weight: ((what, formula with str.format fields), ...);
    #: the fields are the step's trace (m, v, alpha, step), the state before it
    #: (m_before, v_before), g, lr, t and the hyperparameters.
    explained: tuple = ()


OPTIMIZERS = {
    rule.name: rule
    for rule in (
        OptimizerRule(
            "sgd", "w <- w - lr g", (), (), _sgd, "SGD",
            explained=(("step", "= -lr·g = -{lr:g}·{g:.9f}"),)),
        OptimizerRule(
            "momentum", "m <- mu m - lr g; w <- w + m",
            (("momentum", 0.9),), ("m",), _momentum, "SGD", (("momentum", "momentum"),),
            study_rates=(0.01, 2.0),
            explained=(("m", "= mu·m - lr·g = {momentum:g}·{m_before:.9g} - {lr:g}·{g:.9f}"),
                       ("step", "= m"))),
        OptimizerRule(
            "nesterov", "m <- mu m - lr g; w <- w + mu m - lr g",
            (("momentum", 0.9),), ("m",), _nesterov, "SGD", (("momentum", "momentum"),),
            (("nesterov", True),), study_rates=(0.01, 2.0),
            explained=(("m", "= mu·m - lr·g = {momentum:g}·{m_before:.9g} - {lr:g}·{g:.9f}"),
                       ("step", "= mu·m - lr·g (the new m)"
                        " = {momentum:g}·{m:.9f} - {lr:g}·{g:.9f}"))),
        OptimizerRule(
            "rmsprop", "v <- rho v + (1 - rho) g^2; w <- w - lr g / sqrt(v + eps)",
            (("rho", 0.9), ("epsilon", 1e-7)), ("v",), _rmsprop, "RMSprop",
            (("rho", "rho"), ("epsilon", "epsilon")), study_rates=(0.001, 1.0),
            explained=(("v", "= rho·v + (1 - rho)·g^2"
                        " = {rho:g}·{v_before:.9g} + (1 - {rho:g})·({g:.9f})^2"),
                       ("step", "= -lr·g / sqrt(v + eps)"
                        " = -{lr:g}·{g:.9f} / sqrt({v:.9g} + {epsilon:g})"))),
        OptimizerRule(
            "adam", "m <- m + (g - m)(1 - b1); v <- v + (g^2 - v)(1 - b2);"
            " w <- w - lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps)",
            (("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-7)), ("m", "v"), _adam, "Adam",
            (("beta1", "beta_1"), ("beta2", "beta_2"), ("epsilon", "epsilon")),
            study_rates=(0.001, 1.0),
            explained=(("m", "= m + (g - m)(1 - b1)"
                        " = {m_before:.9g} + ({g:.9f} - {m_before:.9g})·(1 - {beta1:g})"),
                       ("v", "= v + (g^2 - v)(1 - b2)"
                        " = {v_before:.9g} + (({g:.9f})^2 - {v_before:.9g})·(1 - {beta2:g})"),
                       ("alpha", "= lr·sqrt(1 - b2^t) / (1 - b1^t)"
                        " = {lr:g}·sqrt(1 - {beta2:g}^{t:g}) / (1 - {beta1:g}^{t:g})"),
                       ("step", "= -alpha·m / (sqrt(v) + eps)"
                        " = -{alpha:.9f}·{m:.9g} / (sqrt({v:.9g}) + {epsilon:g})"))),
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


def _check_finite(name, value):
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, not {value}")


def _check_hyperparameter(name, value):
    _check_finite(name, value)
    if HYPERPARAMETER_RANGES[name] == "[0, 1)" and not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), not {value:g}")
    if HYPERPARAMETER_RANGES[name] == "above 0" and not value > 0:
        raise ValueError(f"{name} must be above 0, not {value:g}")


@dataclass(frozen=True)
class Optimizer:
    """An optimizer by name, with every hyperparameter it uses (defaults filled in)."""

    name: str = "sgd"
    settings: tuple = ()  # ((hyperparameter, value), ...) in the rule's order

    @classmethod
    def named(cls, name, **given):
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
        return cls(name, tuple((key, float(default if given.get(key) is None else given[key]))
                               for key, default in defaults.items()))

    @property
    def rule(self):
        return OPTIMIZERS[self.name]

    @property
    def hyperparameters(self):
        return dict(self.settings)

    def to_json(self):
        return {"name": self.name, **self.hyperparameters}

    def describe(self):
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

    def __init__(self, optimizer, dtype, traced=False):
        self.rule = optimizer.rule
        self.dtype = np.dtype(dtype)
        self.hyperparameters = {key: self.dtype.type(value)
                                for key, value in optimizer.settings}
        self.state = {}  # layer -> {slot: array}
        self.traced = traced  # keep what each step computed, for ``explained``
        self.traces = {}  # layer -> what the last step computed

    def step(self, layer, w, g, lr, t):
        """The new weights of ``layer`` after update number ``t`` (1 for the first)."""
        if layer not in self.state:
            self.state[layer] = {slot: np.zeros_like(w) for slot in self.rule.slots}
        state = self.state[layer]
        t = self.dtype.type(t)
        new_w, self.state[layer], trace = self.rule.step(w, g, state, lr, t,
                                                         self.hyperparameters)
        if self.traced:
            self.traces[layer] = {"g": g, "lr": lr, "t": t,
                                  **{f"{slot}_before": value for slot, value in state.items()},
                                  **trace}
        return new_w

    def explained(self, layer, index):
        """[(what, value, formula with its numbers)] of the last step, for one weight.

        ``index`` picks the weight within the layer's array (e.g. (0, 1) for w2).
        """
        fields = {key: value if np.ndim(value) == 0 else value[index]
                  for key, value in self.traces[layer].items()}
        fields.update(self.hyperparameters)
        return [(what, fields[what], formula.format(**fields))
                for what, formula in self.rule.explained]

    def keep(self, mask):
        """Keep only the networks that ``mask`` selects, in every state array."""
        self.state = {layer: {slot: array[mask] for slot, array in slots.items()}
                      for layer, slots in self.state.items()}


# ---------------------------------------------------------------------------
# Learning-rate schedules: k = the number of updates already made (0 for the first)
# ---------------------------------------------------------------------------


def _constant(lr0, k, decay_steps, decay_rate):
    return lr0


def _exponential(lr0, k, decay_steps, decay_rate):
    # Keras ExponentialDecay: lr = lr0 · R^(k / S)
    return lr0 * np.power(decay_rate, k / decay_steps)


def _cosine(lr0, k, decay_steps, decay_rate):
    # Keras CosineDecay (alpha 0): lr = lr0 · 1/2 (1 + cos(pi · min(k, S) / S))
    fraction = np.minimum(k, decay_steps) / decay_steps
    return lr0 * (0.5 * (1.0 + np.cos(np.pi * fraction)))


@dataclass(frozen=True)
class ScheduleRule:
    name: str
    formula: str
    uses: tuple  # which of decay_steps, decay_rate it reads
    rate: object  # (lr0, k, S, R), all of the run's float type -> lr
    keras_class: str = ""  # in keras.optimizers.schedules ("" for a constant rate)


SCHEDULES = {
    rule.name: rule
    for rule in (
        ScheduleRule("constant", "lr = lr0", (), _constant),
        ScheduleRule("exponential", "lr = lr0 · R^(k/S)", ("decay_steps", "decay_rate"),
                     _exponential, "ExponentialDecay"),
        ScheduleRule("cosine", "lr = lr0 · 1/2 (1 + cos(pi · min(k, S)/S))", ("decay_steps",),
                     _cosine, "CosineDecay"),
    )
}

DEFAULT_DECAY_RATE = 0.1


@dataclass(frozen=True)
class Schedule:
    """A learning-rate schedule; ``decay_steps`` None means the run's iteration count."""

    name: str = "constant"
    decay_steps: int = None
    decay_rate: float = DEFAULT_DECAY_RATE

    @classmethod
    def named(cls, name, decay_steps=None, decay_rate=None):
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
            _check_finite("decay_rate", decay_rate)
            if decay_rate <= 0:
                raise ValueError(f"decay_rate must be above 0, not {decay_rate:g}")
        return cls(name, decay_steps, DEFAULT_DECAY_RATE if decay_rate is None
                   else float(decay_rate))

    @property
    def rule(self):
        return SCHEDULES[self.name]

    def for_iterations(self, iterations):
        """This schedule with decay_steps filled in (the iteration count by default)."""
        return replace(self, decay_steps=self.decay_steps or iterations)

    def rate(self, lr0, k, dtype):
        """The learning rate of the update made after ``k`` updates, in ``dtype``."""
        kind = np.dtype(dtype).type
        return self.rule.rate(kind(lr0), kind(k), kind(self.decay_steps or 1),
                              kind(self.decay_rate))

    @property
    def constant(self):
        """Whether the rate never changes (no need to compute it at every update)."""
        return not self.rule.uses

    def to_json(self):
        return {"name": self.name,
                **{key: getattr(self, key) for key in self.rule.uses}}


# ---------------------------------------------------------------------------
# All of a run's training settings
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Training:
    """How the network is trained, beyond the learning rate and the update order.

    The default is what the tutorial does: plain SGD, a constant rate, no
    stopping, no penalty.
    """

    optimizer: Optimizer = Optimizer()
    schedule: Schedule = Schedule()
    until_loss: float = None  # stop at the first iteration whose loss is below this
    l1: float = 0.0  # the trained loss is E + l1 sum|w| + l2 sum w^2 over w1..w8
    l2: float = 0.0

    def __post_init__(self):
        if self.until_loss is not None:
            _check_finite("until_loss", self.until_loss)
            if self.until_loss <= 0:
                raise ValueError(f"until_loss must be above 0, not {self.until_loss:g}")
        for name in ("l1", "l2"):
            _check_finite(name, getattr(self, name))
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 or above, not {getattr(self, name):g}")

    def for_iterations(self, iterations):
        """These settings for a run of ``iterations``: the schedule's decay_steps filled in."""
        return replace(self, schedule=self.schedule.for_iterations(iterations))

    @property
    def penalised(self):
        return bool(self.l1 or self.l2)

    def penalty(self, *weights):
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

    def penalty_gradient(self, w):
        """d/dw (l1 |w| + l2 w^2) = l1 sign(w) + 2 l2 w (sign(0) = 0, as autodiff takes it)."""
        kind = w.dtype.type
        return kind(self.l1) * np.sign(w) + kind(2 * self.l2) * w

    def gradient_with_penalty(self, gradient, w):
        """dE/dw, plus the penalty's gradient when there is a penalty."""
        return gradient + self.penalty_gradient(w) if self.penalised else gradient

    def to_json(self):
        return {
            "optimizer": self.optimizer.to_json(),
            "lr_schedule": self.schedule.to_json(),
            "until_loss": self.until_loss,
            "l1": self.l1,
            "l2": self.l2,
        }


#: The tutorial's training: plain SGD at a constant rate.
PLAIN_SGD = Training()
