"""Mazur's network as JAX arrays, trained by jax.grad and optax in one compiled loop.

Parallel updates are what autodiff gives on its own: ``jax.value_and_grad``
of the loss, then one optax update of every weight.  Sequential updates are
autodiff too, asked to do something else: the output layer's update first,
then ``jax.vjp`` carries the same output deltas back through the NEW output
weights to the hidden layer.  No gradient formula is written by hand; a
penalty (--l1, --l2) is a term of the loss that autodiff differentiates.

The optimizers and schedules are optax's own (optax.sgd, optax.rmsprop,
optax.adam; optax.exponential_decay, optax.cosine_decay_schedule) with the
run's hyperparameters; numpy_ref/optax_formulas.py writes each out as optax
computes it.  The whole run is one ``jax.jit`` of a ``jax.lax.scan`` over the
iterations, which records every iteration's loss, outputs, hidden
activations and weights.

float64 exists in JAX only once ``jax_enable_x64`` is on, before any array
is made: importing this module turns it on.  float32 runs make float32
arrays and stay float32.
"""

from collections.abc import Callable
from functools import partial
from typing import Any

import jax

jax.config.update("jax_enable_x64", True)  # before any array: float64 needs it

# isort: split

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

from numpy_ref import MAZUR  # noqa: E402
from numpy_ref.example import Example  # noqa: E402
from numpy_ref.result import TrainingResult  # noqa: E402
from numpy_ref.schedules import Schedule  # noqa: E402
from numpy_ref.training import PLAIN_SGD, Training  # noqa: E402

from . import LOSSES  # noqa: E402
from .history import (  # noqa: E402
    FinalState,
    FirstIterationArrays,
    History,
    kernel_from_weights,
    training_result,
)

#: Runs this long or longer are compiled with XLA's full optimization; shorter ones
#: with its code generator at -O0, which compiles 0.1 to 0.2 s sooner and then takes
#: 2.5 to 3.5 times as long an iteration (0.3 against 0.1 us): less in all below
#: about 500,000 iterations.  From here on the loop is what a run is timed by, and
#: the benchmark holds it against TensorFlow's XLA loop (docs/performance.md).
FULLY_OPTIMIZED_FROM = 100_000


def compiler_options(iterations: int) -> dict[str, int]:
    """XLA's options for a training loop of ``iterations``: -O0 for a short one."""
    return {} if iterations >= FULLY_OPTIMIZED_FROM else {"xla_backend_optimization_level": 0}


#: A layer's trained arrays: {"kernel": K, and "bias": b when biases train}.
Layer = dict[str, jax.Array]
#: Both layers: {"hidden": Layer, "output": Layer}.
Parameters = dict[str, Layer]
#: A batch's loss as a function of (target, output).
LossFunction = Callable[[jax.Array, jax.Array], jax.Array]
#: What one step returns: (loss, out_h, out_o of the batch), new parameters, new states.
StepResult = tuple[tuple[jax.Array, jax.Array, jax.Array], Parameters, dict[str, Any]]


def loss_function(name: str) -> LossFunction:
    """The loss of a batch as a function of (target, output), both shaped (samples, 2):
    the mean over the samples of each one's loss."""
    if name == "half-sse":  # E = sum 1/2 (t - o)^2, the tutorial's E_total
        return lambda t, o: 0.5 * jnp.mean(jnp.sum(jnp.square(t - o), axis=-1))
    if name == "mse":  # mean (t - o)^2 = 1/2 sum (t - o)^2 for two outputs
        return lambda t, o: jnp.mean(jnp.square(t - o))
    if name == "sse":  # sum (t - o)^2 = 2 E: every gradient doubles
        return lambda t, o: jnp.mean(jnp.sum(jnp.square(t - o), axis=-1))
    raise ValueError(f"loss must be one of {LOSSES}, not {name!r}")


def optax_learning_rate(
    schedule: Schedule, learning_rate: float, dtype: str
) -> float | optax.Schedule:
    """The learning rate optax is given: a number, or the schedule's optax function.

    optax counts updates in int32, and its exponential_decay evaluated at an
    int32 count computes in float32 even with x64 on; evaluated at the count
    as the run's float type it stays in that type (a schedule is any function
    of the count).
    """
    rule = schedule.rule
    if not rule.optax_function:
        return float(learning_rate)
    arguments = {theirs: getattr(schedule, ours) for ours, theirs in rule.optax_arguments}
    rate = getattr(optax, rule.optax_function)(init_value=float(learning_rate), **arguments)
    return lambda count: rate(jnp.asarray(count, dtype))  # k as a float of the run's type


def optax_optimizer(
    training: Training, learning_rate: float, dtype: str
) -> optax.GradientTransformation:
    """The optax optimizer that ``training`` names, with its hyperparameters."""
    optimizer = training.optimizer
    make = getattr(optax, optimizer.rule.class_name)
    return make(
        learning_rate=optax_learning_rate(training.schedule, learning_rate, dtype),
        **optimizer.rule.library_arguments(optimizer.hyperparameters),
    )


class JaxNetwork:
    """The network as JAX arrays: parameters (kernels; biases when they train) passed
    through pure functions, and constants.  Kernels are in x @ K orientation: K = W.T.
    Each layer has its own optax state, so that in sequential order it can step alone."""

    def __init__(
        self,
        example: Example,
        dtype: str,
        *,
        loss: str = "half-sse",
        training: Training = PLAIN_SGD,
    ) -> None:
        # optax computes the optimizer, whoever's formulas ``training`` names
        self.example, self.dtype = example, dtype
        self.training = training = training.following("optax")
        # Every array is put on the device as it is (jax.device_put): jnp.asarray would
        # compile a small XLA program for each, at a cost the script's run would see.
        x, target, hidden_weights, output_weights = example.arrays(dtype)
        self.x, self.target = jax.device_put(x), jax.device_put(target)  # (samples, 2) each
        self.parameters: Parameters = {
            "hidden": {"kernel": jax.device_put(kernel_from_weights(hidden_weights, dtype))},
            "output": {"kernel": jax.device_put(kernel_from_weights(output_weights, dtype))},
        }
        # the tutorial's b1 and b2: constants, one per layer, unless biases train
        self.constant_bias = {
            "hidden": jax.device_put(np.asarray(example.hidden_bias, dtype)),
            "output": jax.device_put(np.asarray(example.output_bias, dtype)),
        }
        if example.train_biases:
            for name, bias in zip(("hidden", "output"), example.biases(dtype)):
                self.parameters[name]["bias"] = jax.device_put(bias)  # [b_h1, b_h2], [b_o1, b_o2]
        self.loss = loss_function(loss)
        self.optimizer = optax_optimizer(training, example.learning_rate, dtype)
        self.states = {name: self.optimizer.init(layer) for name, layer in self.parameters.items()}
        #: (loss, predictions over every sample) of the parameters the last run left
        self.evaluation: tuple[jax.Array, jax.Array] | None = None

    def net(self, layer: Layer, name: str, inputs: jax.Array) -> jax.Array:
        """net = inputs @ K + b of the layer ``name``."""
        return inputs @ layer["kernel"] + layer.get("bias", self.constant_bias[name])

    def forward(
        self, parameters: Parameters, x: jax.Array
    ) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
        """net_h = x @ K_h + b_h, out_h = sigmoid(net_h);
        net_o = out_h @ K_o + b_o, out_o = sigmoid(net_o), for the rows ``x``."""
        net_hidden = self.net(parameters["hidden"], "hidden", x)
        hidden = jax.nn.sigmoid(net_hidden)
        net_output = self.net(parameters["output"], "output", hidden)
        return net_hidden, hidden, net_output, jax.nn.sigmoid(net_output)

    def penalty(self, kernel: jax.Array) -> jax.Array | float:
        """l1 sum|w| + l2 sum w^2 of one kernel (0 without a penalty); a term whose
        coefficient is 0 is left out, as numpy_ref leaves it out."""
        total: jax.Array | float = 0.0
        if self.training.l1:
            total = total + self.training.l1 * jnp.sum(jnp.abs(kernel))
        if self.training.l2:
            total = total + self.training.l2 * jnp.sum(jnp.square(kernel))
        return total

    def with_penalty(self, gradients: Layer, layer: Layer) -> Layer:
        """A layer's gradients plus d(penalty)/dK at the forward pass's kernel."""
        if not (self.training.l1 or self.training.l2):
            return gradients
        return {
            **gradients,
            "kernel": gradients["kernel"] + jax.grad(self.penalty)(layer["kernel"]),
        }

    def layer_step(
        self, name: str, gradients: Layer, layer: Layer, state: Any
    ) -> tuple[Layer, Any]:
        """One optax update of one layer: its new arrays and its new optimizer state."""
        updates, state = self.optimizer.update(gradients, state, layer)
        return optax.apply_updates(layer, updates), state

    def parallel_step(
        self, parameters: Parameters, states: dict[str, Any], x: jax.Array, target: jax.Array
    ) -> StepResult:
        """Every gradient from this forward pass, by jax.value_and_grad; both layers step."""

        def trained_loss(p: Parameters) -> tuple[jax.Array, tuple[jax.Array, ...]]:
            _, hidden, _, output = self.forward(p, x)
            loss = self.loss(target, output)
            penalty = self.penalty(p["hidden"]["kernel"]) + self.penalty(p["output"]["kernel"])
            return loss + penalty, (loss, hidden, output)

        (_, seen), gradients = jax.value_and_grad(trained_loss, has_aux=True)(parameters)
        stepped = {
            name: self.layer_step(name, gradients[name], parameters[name], states[name])
            for name in parameters
        }
        return (
            seen,
            {name: layer for name, (layer, _) in stepped.items()},
            {name: state for name, (_, state) in stepped.items()},
        )

    def sequential_step(
        self, parameters: Parameters, states: dict[str, Any], x: jax.Array, target: jax.Array
    ) -> StepResult:
        """The output layer's update first, then the hidden layer's through the new K_o."""
        step, _ = self.sequential_gradients(parameters, states, x, target)
        return step

    def sequential_gradients(
        self, parameters: Parameters, states: dict[str, Any], x: jax.Array, target: jax.Array
    ) -> tuple[StepResult, Layer]:
        """sequential_step, and the hidden layer's gradients as the new K_o carries them."""
        hidden_layer, output_layer = parameters["hidden"], parameters["output"]
        # out_h, and the vjp from dE/dout_h to dE/dK_h (and dE/db_h)
        hidden, hidden_vjp = jax.vjp(
            lambda layer: jax.nn.sigmoid(self.net(layer, "hidden", x)), hidden_layer
        )
        net_output, output_vjp = jax.vjp(
            lambda layer: self.net(layer, "output", hidden), output_layer
        )
        # the output deltas dE/dnet_o, and dE/dK_o (dE/db_o) from them
        loss, deltas = jax.value_and_grad(lambda net: self.loss(target, jax.nn.sigmoid(net)))(
            net_output
        )
        (output_gradients,) = output_vjp(deltas)
        output_gradients = self.with_penalty(output_gradients, output_layer)
        new_output, output_state = self.layer_step(
            "output", output_gradients, output_layer, states["output"]
        )
        # Through the NEW output kernel: net_o' = out_h @ K_o(new) + b_o, one vjp of the
        # same deltas, dE/dout_h = dE/dnet_o . K_o(new)^T, carried on through out_h's
        # own vjp: dE/dK_h = dE/dout_h . dout_h/dnet_h . dnet_h/dK_h.
        _, through_new = jax.vjp(lambda h: self.net(new_output, "output", h), hidden)
        (hidden_cotangent,) = through_new(deltas)
        (hidden_gradients,) = hidden_vjp(hidden_cotangent)
        hidden_gradients = self.with_penalty(hidden_gradients, hidden_layer)
        new_hidden, hidden_state = self.layer_step(
            "hidden", hidden_gradients, hidden_layer, states["hidden"]
        )
        seen = (loss, hidden, jax.nn.sigmoid(net_output))
        step = (
            seen,
            {"hidden": new_hidden, "output": new_output},
            {"hidden": hidden_state, "output": output_state},
        )
        return step, hidden_gradients

    def batch_step(self, update: str) -> Callable[..., StepResult]:
        """(parameters, states, k) -> the step on iteration k + 1's batch, with out_h
        and out_o of the batch's first sample.

        Consecutive rows, in passes over the data (numpy_ref.data).  XLA needs
        fixed shapes: a batch of the common size is a dynamic slice of that
        size; a smaller last batch of a pass is its own branch.
        """
        order = self.sequential_step if update == "sequential" else self.parallel_step

        def step(p: Parameters, s: dict[str, Any], x: jax.Array, target: jax.Array) -> StepResult:
            (loss, hidden, output), p, s = order(p, s, x, target)
            return (loss, hidden[0], output[0]), p, s

        samples, size = self.example.samples, self.example.batch
        if size == samples:  # full batch: every iteration's batch is all of it
            return lambda p, s, k: step(p, s, self.x, self.target)
        per_pass = -(-samples // size)  # ceil(samples / size)
        last = samples - (per_pass - 1) * size  # the last batch's size

        def full(p: Parameters, s: dict[str, Any], k: jax.Array) -> StepResult:
            first = (k % per_pass) * size
            rows = (
                jax.lax.dynamic_slice(array, (first, 0), (size, 2))
                for array in (self.x, self.target)
            )
            return step(p, s, *rows)

        if last == size:
            return full
        x_last, target_last = self.x[samples - last :], self.target[samples - last :]
        return lambda p, s, k: jax.lax.cond(
            k % per_pass == per_pass - 1,
            lambda: step(p, s, x_last, target_last),
            lambda: full(p, s, k),
        )

    def fit(self, iterations: int, update: str) -> tuple[History, bool]:
        """Run up to ``iterations`` updates in one compiled scan; return the history of
        the iterations that ran, and whether the run stopped at a loss below until_loss."""
        history, recorded, stopped = self.training_loop(iterations, update)()
        recorded = int(recorded)
        history = {name: np.asarray(array)[:recorded] for name, array in history.items()}
        return history, bool(stopped)

    def training_loop(self, iterations: int, update: str) -> Callable[[], tuple[Any, ...]]:
        """A function that runs up to ``iterations`` updates from the network's state,
        one jax.jit of one lax.scan, and returns (history, iterations recorded,
        whether it stopped); the parameters and optimizer states it leaves become
        the network's (a second call trains on from there, compiled already).

        Each iteration records its loss, its batch's first outputs and hidden
        activations, and the kernels it used.  With ``training.until_loss`` an
        iteration whose loss is below it makes no update, nor does any after
        it: the scan runs on, unchanged, and only the recorded rows count.
        """
        step, until_loss = self.batch_step(update), self.training.until_loss

        def iteration(carry: tuple[Any, ...], k: jax.Array) -> tuple[tuple[Any, ...], dict]:
            parameters, states, stopped = carry
            (loss, hidden, output), new_parameters, new_states = step(parameters, states, k)
            record = {
                "losses": loss,
                "outputs": output,  # the batch's first sample
                "hidden": hidden,
                "hidden_kernels": parameters["hidden"]["kernel"],  # read before the update
                "output_kernels": parameters["output"]["kernel"],
                "ran": ~stopped,
            }
            if until_loss is not None:
                stopped = stopped | (loss < until_loss)  # stop here, without this update
                new_parameters, new_states = jax.tree.map(
                    lambda old, new: jnp.where(stopped, old, new),
                    (parameters, states),
                    (new_parameters, new_states),
                )
            return (new_parameters, new_states, stopped), record

        @partial(jax.jit, compiler_options=compiler_options(iterations))
        def loop(parameters: Parameters, states: dict[str, Any]) -> tuple[Any, ...]:
            carry = (parameters, states, jnp.asarray(False))
            (parameters, states, stopped), history = jax.lax.scan(
                iteration, carry, jnp.arange(iterations)
            )
            ran = history.pop("ran")
            return history, jnp.sum(ran), stopped, parameters, states, self.evaluate(parameters)

        def run() -> tuple[Any, ...]:
            # JAX dispatches asynchronously: wait for the arrays, so that the call
            # takes as long as the training does (the benchmark times it)
            done = jax.block_until_ready(loop(self.parameters, self.states))
            history, recorded, stopped, self.parameters, self.states, self.evaluation = done
            return history, recorded, stopped

        return run

    def evaluate(self, parameters: Parameters) -> tuple[jax.Array, jax.Array]:
        """The loss and the predictions over every sample that ``parameters`` give."""
        output = self.forward(parameters, self.x)[3]
        return self.loss(self.target, output), output

    def final_state(self) -> FinalState:
        """Kernels and biases after training, and the loss and predictions they give
        over every sample: evaluated in the training loop's own compiled program
        (op by op, each small op would compile a program of its own)."""
        if self.evaluation is None:  # not trained: evaluated in one program of its own
            self.evaluation = jax.jit(self.evaluate)(self.parameters)
        loss, output = self.evaluation
        return {
            "hidden_kernel": np.asarray(self.parameters["hidden"]["kernel"]),
            "output_kernel": np.asarray(self.parameters["output"]["kernel"]),
            "biases": tuple(
                np.broadcast_to(np.asarray(layer.get("bias", self.constant_bias[name])), 2).copy()
                for name, layer in self.parameters.items()
            ),
            "loss": np.asarray(loss),
            "predictions": np.asarray(output),
        }

    def first_iteration(self, update: str) -> FirstIterationArrays:
        """The first iteration's arrays, every gradient from jax.grad; then one update.
        In the tutorial's orientation."""
        parameters, x, target = self.parameters, self.x, self.target
        net_hidden, hidden, net_output, output = self.forward(parameters, x)
        deltas = jax.grad(lambda net: self.loss(target, jax.nn.sigmoid(net)))(net_output)
        gradients = jax.grad(lambda p: self.loss(target, self.forward(p, x)[3]))(parameters)
        found = {name: np.asarray(gradients[name]["kernel"]).T for name in ("hidden", "output")}
        if update == "sequential":
            (_, new, _), hidden_new = self.sequential_gradients(parameters, self.states, x, target)
            found["hidden_new"] = np.asarray(hidden_new["kernel"]).T
        else:
            _, new, _ = self.parallel_step(parameters, self.states, x, target)
        forward_pass = [np.asarray(t)[0] for t in (net_hidden, hidden, net_output, output)]
        updated = (np.asarray(new["hidden"]["kernel"]).T, np.asarray(new["output"]["kernel"]).T)
        return (*forward_pass, np.asarray(target)[0]), np.asarray(deltas)[0], found, updated


def train(
    iterations: int = 1000,
    update: str = "parallel",
    example: Example = MAZUR,
    dtype: str = "float32",
    *,
    loss: str = "half-sse",
    training: Training = PLAIN_SGD,
) -> TrainingResult:
    """Train with jax.grad and optax in one compiled loop; return a numpy_ref
    TrainingResult.  The optimizer is optax's, whoever's formulas ``training`` names."""
    network = JaxNetwork(example, dtype, loss=loss, training=training.for_iterations(iterations))
    history, stopped = network.fit(iterations, update)
    return training_result(
        "jax",
        history,
        network.final_state(),
        update=update,
        example=example,
        dtype=dtype,
        iterations=iterations,
        training=network.training,
        stopped=stopped,
        loss=loss,
    )
