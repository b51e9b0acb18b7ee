"""Mazur's network as tf.Variables, trained by tf.GradientTape autodiff.

Parallel updates are what autodiff gives on its own: one tape, one forward
pass, the gradients of both layers from the same weights, applied together by
a Keras optimizer (SGD unless the run's Training names another).  Sequential
updates are autodiff too, asked to do something else: the output layer is
updated first, then the tape's vector-Jacobian products carry the same output
deltas back through the NEW output weights to the hidden layer.  No gradient
formula is written by hand; a penalty (--l1, --l2) is part of the loss the
tape differentiates.

The whole training loop is one compiled tf.while_loop (tf.function, with XLA
from XLA_FROM_ITERATIONS on), which records every iteration's loss, outputs,
hidden activations and weights.
"""

from . import tensorflow_backend  # noqa: F401  first: Keras on TensorFlow, before keras

# isort: split

import contextlib
from collections.abc import Callable

import numpy as np
import tensorflow as tf

from numpy_ref import MAZUR
from numpy_ref.example import Example
from numpy_ref.result import TrainingResult
from numpy_ref.training import PLAIN_SGD, Training

from . import LOSSES
from .common import apply_layer_by_layer, keras_optimizer, weight_penalty
from .history import (
    FinalState,
    FirstIterationArrays,
    History,
    kernel_from_weights,
    training_result,
)

#: Runs this long or longer are XLA-compiled; shorter ones run in graph mode.
XLA_FROM_ITERATIONS = 5000

#: A batch's loss as a function of (target, output).
LossFunction = Callable[[tf.Tensor, tf.Tensor], tf.Tensor]
#: One step on a batch: (x, target) -> (the batch's loss, out_h, out_o).
Step = Callable[[tf.Tensor, tf.Tensor], tuple[tf.Tensor, tf.Tensor, tf.Tensor]]
#: The compiled training loop: () -> (history, iterations recorded, whether it stopped).
TrainingLoop = Callable[[], tuple[dict[str, tf.Tensor], tf.Tensor, tf.Tensor]]


def loss_function(name: str) -> LossFunction:
    """The loss of a batch as a function of (target, output), both shaped (samples, 2):
    the mean over the samples of each one's loss."""
    if name == "half-sse":  # E = sum 1/2 (t - o)^2, the tutorial's E_total
        return lambda t, o: 0.5 * tf.reduce_mean(tf.reduce_sum(tf.square(t - o), axis=-1))
    if name == "mse":  # mean (t - o)^2 = 1/2 sum (t - o)^2 for two outputs
        return lambda t, o: tf.reduce_mean(tf.square(t - o))
    if name == "sse":  # sum (t - o)^2 = 2 E: every gradient doubles
        return lambda t, o: tf.reduce_mean(tf.reduce_sum(tf.square(t - o), axis=-1))
    raise ValueError(f"loss must be one of {LOSSES}, not {name!r}")


class TapeNetwork:
    """The network as tf.Variables (weights; biases when they train) and constants.

    Kernels are in x @ K orientation: K = W.T of the tutorial's matrices.
    ``x`` and ``target`` hold every sample; iteration k trains on batch k.
    """

    def __init__(
        self,
        example: Example,
        dtype: str,
        *,
        loss: str = "half-sse",
        training: Training = PLAIN_SGD,
        strategy: tf.distribute.Strategy | None = None,
    ) -> None:
        self.dtype = dtype
        self.example = example
        # A tf.distribute strategy (None: one device) mirrors every variable and
        # the optimizer's state: they are made in its scope.
        self.strategy = strategy
        self.replicas = strategy.num_replicas_in_sync if strategy else 1
        with strategy.scope() if strategy else contextlib.nullcontext():
            self._make_variables(example, dtype, loss, training)

    def _make_variables(self, example: Example, dtype: str, loss: str, training: Training) -> None:
        """The data as constants; the weights (and biases) as Variables; the optimizer."""
        self.x = tf.constant(example.inputs, dtype)  # (samples, 2): [i1, i2] each
        self.target = tf.constant(example.targets, dtype)  # (samples, 2)
        self.hidden_kernel = tf.Variable(
            kernel_from_weights(example.hidden_weights, dtype), name="hidden_kernel"
        )
        self.output_kernel = tf.Variable(
            kernel_from_weights(example.output_weights, dtype), name="output_kernel"
        )
        if example.train_biases:
            b_hidden, b_output = example.biases(dtype)  # [b_h1, b_h2], [b_o1, b_o2]
            self.hidden_bias = tf.Variable(b_hidden, name="hidden_bias")
            self.output_bias = tf.Variable(b_output, name="output_bias")
        else:
            # The tutorial's b1 and b2: constants, one per layer, as it writes them.
            # (A (2,) constant would let TensorFlow fuse x @ K + b into one op, and
            # the fused op rounds differently in float32: the last digits of a
            # float32 run would no longer be those it printed before biases could
            # train.)
            self.hidden_bias = tf.constant(example.hidden_bias, dtype)
            self.output_bias = tf.constant(example.output_bias, dtype)
        self.loss = loss_function(loss)
        self.training = training
        self.penalty = weight_penalty(training)  # None: the loss trained is E alone
        self.optimizer = keras_optimizer(training, example.learning_rate, dtype)
        self.optimizer.build(self.hidden_layer + self.output_layer)

    @property
    def hidden_layer(self) -> list[tf.Variable]:
        """The hidden layer's trained variables: K_h, and b_h when biases train."""
        return [self.hidden_kernel] + ([self.hidden_bias] if self.example.train_biases else [])

    @property
    def output_layer(self) -> list[tf.Variable]:
        """The output layer's trained variables: K_o, and b_o when biases train."""
        return [self.output_kernel] + ([self.output_bias] if self.example.train_biases else [])

    @property
    def uniform_batches(self) -> bool:
        """Whether every batch has the same size (no smaller last batch in a pass)."""
        return len(set(self.example.data.batch_sizes(self.example.batch))) == 1

    def batch(self, k: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """(x, target) of the batch that iteration k + 1 trains on (k a scalar tensor).

        Consecutive rows, in passes over the data (numpy_ref.data).  When every
        batch has the same size that size is a constant, as XLA needs.
        """
        size = self.example.batch
        if size == self.example.samples:  # full batch: every iteration's batch is all of it
            return self.x, self.target
        per_pass = -(-self.example.samples // size)  # ceil(samples / size)
        first = (k % per_pass) * size
        if not self.uniform_batches:  # a smaller last batch: a size that varies
            size = tf.minimum(size, self.example.samples - first)
        return (
            tf.slice(self.x, [first, 0], [size, 2]),
            tf.slice(self.target, [first, 0], [size, 2]),
        )

    def penalised(self, loss: tf.Tensor, *kernels: tf.Variable) -> tf.Tensor:
        """The loss trained on: E, plus l1 sum|w| + l2 sum w^2 over ``kernels``."""
        if self.penalty is None:
            return loss
        return loss + sum(self.penalty(kernel) for kernel in kernels)

    def replica_share(self, trained: tf.Tensor) -> tf.Tensor:
        """What one replica differentiates: the trained loss over the replicas' count.

        The strategy's all-reduce sums the replicas' gradients; each one's
        loss (the mean over its share of the batch, plus the penalty) divided
        by R makes that sum the mean, the full batch's gradient.
        """
        return trained if self.replicas == 1 else trained / self.replicas

    def forward(
        self, x: tf.Tensor | None = None
    ) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]:
        """net_h = x @ K_h + b_h, out_h = sigmoid(net_h);
        net_o = out_h @ K_o + b_o, out_o = sigmoid(net_o).

        Returns (net_h, out_h, net_o, out_o), each shaped (samples, 2), for
        the rows ``x`` (every sample by default).
        """
        net_hidden = (self.x if x is None else x) @ self.hidden_kernel + self.hidden_bias
        hidden = tf.sigmoid(net_hidden)
        net_output = hidden @ self.output_kernel + self.output_bias
        return net_hidden, hidden, net_output, tf.sigmoid(net_output)

    def gradients(
        self, x: tf.Tensor | None = None, target: tf.Tensor | None = None
    ) -> tuple[list[tf.Tensor], tuple[tf.Tensor, tf.Tensor, tf.Tensor]]:
        """The tape's gradients of the trained loss for every trained variable (hidden
        layer first), and the forward pass (loss, out_h, out_o), on the rows ``x``
        (every sample by default).  The trained loss is E plus any penalty; the
        forward pass's loss is E.
        """
        x, target = (self.x, self.target) if x is None else (x, target)
        with tf.GradientTape() as tape:
            _, hidden, _, output = self.forward(x)
            loss = self.loss(target, output)
            trained = self.replica_share(
                self.penalised(loss, self.hidden_kernel, self.output_kernel)
            )
        return tape.gradient(trained, self.hidden_layer + self.output_layer), (loss, hidden, output)

    def parallel_step(
        self, x: tf.Tensor, target: tf.Tensor
    ) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        """One update on the batch: every gradient from this forward pass, applied together."""
        gradients, forward_pass = self.gradients(x, target)  # all from the same weights
        self.optimizer.apply_gradients(zip(gradients, self.hidden_layer + self.output_layer))
        return forward_pass

    def sequential_step(
        self, x: tf.Tensor, target: tf.Tensor
    ) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        """One update on the batch: output layer first, hidden layer through the new K_o."""
        loss, hidden, output, _ = self.sequential_update(x, target)
        return loss, hidden, output

    def sequential_update(
        self, x: tf.Tensor, target: tf.Tensor
    ) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]:
        """The sequential update; also returns dE/dK_h as carried by the new K_o."""
        with tf.GradientTape(persistent=True) as tape:
            _, hidden, net_output, output = self.forward(x)
            loss = self.loss(target, output)
            output_trained = self.replica_share(self.penalised(loss, self.output_kernel))
            carried_loss = self.replica_share(loss)
            hidden_penalty = self.penalty and self.replica_share(self.penalty(self.hidden_kernel))
        # dE/dK_o (with K_o's penalty), dE/db_o, and the output deltas dE/dnet_o,
        # from this forward pass.
        output_gradients = tape.gradient(output_trained, self.output_layer)
        output_deltas = tape.gradient(carried_loss, net_output)
        apply_layer_by_layer(self.optimizer, output_gradients, self.output_layer, first=True)

        # dE/dout_h = dE/dnet_o . dnet_o/dout_h with net_o = out_h @ K_o(new) + b_o:
        # the vector-Jacobian product of a tape that saw the NEW output kernel.
        with tf.GradientTape() as carry:
            carry.watch(hidden)
            net_output_new = hidden @ self.output_kernel + self.output_bias
        hidden_error = carry.gradient(net_output_new, hidden, output_gradients=output_deltas)
        # dE/dK_h (and dE/db_h) = dE/dout_h . dout_h/dnet_h . dnet_h/dK_h, the
        # rest from the first tape.
        hidden_gradients = tape.gradient(hidden, self.hidden_layer, output_gradients=hidden_error)
        if self.penalty is not None:  # + d(penalty)/dK_h at the forward pass's K_h
            hidden_gradients[0] += tape.gradient(hidden_penalty, self.hidden_kernel)
        del tape
        apply_layer_by_layer(self.optimizer, hidden_gradients, self.hidden_layer, first=False)
        return loss, hidden, output, hidden_gradients[0]

    def first_iteration(self, update: str) -> FirstIterationArrays:
        """The first iteration's arrays, every gradient from the tape; then one update.

        Returns what console.explain.values_from_arrays names: the forward
        pass and target, the output deltas, the gradients and the updated
        weights, all in the tutorial's orientation.
        """
        with tf.GradientTape() as tape:
            net_hidden, hidden, net_output, output = self.forward()
            loss = self.loss(self.target, output)
        hidden_gradient, output_gradient, deltas = tape.gradient(
            loss, [self.hidden_kernel, self.output_kernel, net_output]
        )
        gradients = {"hidden": hidden_gradient.numpy().T, "output": output_gradient.numpy().T}
        if update == "sequential":
            gradients["hidden_new"] = self.sequential_update(self.x, self.target)[3].numpy().T
        else:
            self.parallel_step(self.x, self.target)
        forward_pass = [t.numpy()[0] for t in (net_hidden, hidden, net_output, output)]
        updated = (self.hidden_kernel.numpy().T, self.output_kernel.numpy().T)
        return (*forward_pass, self.target.numpy()[0]), deltas.numpy()[0], gradients, updated

    def training_loop(self, iterations: int, update: str) -> TrainingLoop:
        """A tf.function that runs up to ``iterations`` updates and returns the history.

        One tf.while_loop records every iteration's loss, outputs, hidden
        activations and the kernels it used.  With ``training.until_loss`` the
        loop itself stops at the first iteration whose loss is below it,
        without making that iteration's update.  From XLA_FROM_ITERATIONS on
        it is XLA-compiled (about 0.07 us an iteration here, after a 0.1 s
        compile), when all batches are of one size; other runs stay in plain
        graph mode (about 20 us an iteration, no compile, and none of the 50 MB
        that XLA's compiler takes).

        The function returns (history, iterations recorded, whether it stopped);
        history's arrays have ``iterations`` rows, of which the recorded ones count.
        """
        step: Step = self.sequential_step if update == "sequential" else self.parallel_step
        if self.strategy is not None:
            step = self.replicated(step)
        until_loss = self.training.until_loss
        fields = ("losses", "outputs", "hidden", "hidden_kernels", "output_kernels")

        def checked_step(
            x: tf.Tensor, target: tf.Tensor
        ) -> tuple[tuple[tf.Tensor, tf.Tensor, tf.Tensor], tf.Tensor]:
            """Stop (no update) if this forward pass's loss is below until_loss, else step."""
            _, hidden, _, output = self.forward(x)
            loss = self.loss(target, output)
            stop = loss < until_loss

            def update() -> tf.Tensor:
                step(x, target)
                return tf.constant(False)

            tf.cond(stop, lambda: tf.constant(True), update)
            return (loss, hidden, output), stop

        def record(
            k: tf.Tensor, stopped: tf.Tensor, history: dict[str, tf.TensorArray]
        ) -> tuple[tf.Tensor, tf.Tensor, dict[str, tf.TensorArray]]:
            # The weights this iteration's forward pass uses, read before the update.
            kernels = (self.hidden_kernel.read_value(), self.output_kernel.read_value())
            x, target = self.batch(k)
            if until_loss is None:
                (loss, hidden, output), stopped = step(x, target), tf.constant(False)
            else:
                (loss, hidden, output), stopped = checked_step(x, target)
            values = {
                "losses": loss,
                "outputs": output[0],  # the batch's first sample
                "hidden": hidden[0],
                "hidden_kernels": kernels[0],
                "output_kernels": kernels[1],
            }
            history = {name: history[name].write(k, values[name]) for name in history}
            return k + 1, stopped, history

        def loop() -> tuple[dict[str, tf.Tensor], tf.Tensor, tf.Tensor]:
            history = {name: tf.TensorArray(self.dtype, size=iterations) for name in fields}
            recorded, stopped, history = tf.while_loop(
                lambda k, stopped, _: (k < iterations) & ~stopped,
                record,
                (tf.constant(0), tf.constant(False), history),
            )
            return {name: array.stack() for name, array in history.items()}, recorded, stopped

        # XLA compiles fixed shapes only: batches of two sizes stay in graph mode;
        # so does a strategy's loop (its all-reduce is not XLA's).
        return tf.function(
            loop,
            jit_compile=iterations >= XLA_FROM_ITERATIONS
            and self.uniform_batches
            and self.strategy is None,
        )

    def replicated(self, step: Step) -> Step:
        """``step`` made by every replica on its equal share of the batch:
        (x, target) -> (the batch's loss, out_h and out_o of its first sample)."""
        strategy = self.strategy
        assert strategy is not None, "only a network made with a strategy is replicated"

        def on_replica(x: tf.Tensor, target: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
            share = tf.shape(x)[0] // self.replicas
            first = tf.distribute.get_replica_context().replica_id_in_sync_group * share
            return step(
                tf.slice(x, [first, 0], [share, 2]), tf.slice(target, [first, 0], [share, 2])
            )

        def run(x: tf.Tensor, target: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
            loss, hidden, output = strategy.run(on_replica, args=(x, target))
            # the shares are equal: the batch's mean loss is the mean of theirs
            loss = strategy.reduce(tf.distribute.ReduceOp.MEAN, loss, axis=None)
            first_replica = strategy.experimental_local_results
            return loss, first_replica(hidden)[0], first_replica(output)[0]

        return run

    def fit(self, iterations: int, update: str) -> tuple[History, bool]:
        """Run up to ``iterations`` updates in one compiled loop.

        Returns the history of the iterations that ran, and whether the run
        stopped at an iteration whose loss was below until_loss.
        """
        history, recorded, stopped = self.training_loop(iterations, update)()
        recorded = int(recorded)
        return {name: tensor.numpy()[:recorded] for name, tensor in history.items()}, bool(stopped)

    def final_state(self) -> FinalState:
        """Kernels and biases after training, and the loss and predictions they give
        over every sample."""
        output = self.forward()[3]
        return {
            "hidden_kernel": self.hidden_kernel.numpy(),
            "output_kernel": self.output_kernel.numpy(),
            "biases": tuple(
                np.broadcast_to(bias.numpy(), 2).copy()  # per neuron
                for bias in (self.hidden_bias, self.output_bias)
            ),
            "loss": self.loss(self.target, output).numpy(),
            "predictions": output.numpy(),
        }


def train(
    iterations: int = 1000,
    update: str = "parallel",
    example: Example = MAZUR,
    dtype: str = "float32",
    *,
    loss: str = "half-sse",
    training: Training = PLAIN_SGD,
    replicas: int = 1,
) -> TrainingResult:
    """Train with tf.GradientTape (over ``replicas`` devices with tf.distribute);
    return a numpy_ref TrainingResult."""
    from .distribute import mirrored

    training = training.for_iterations(iterations)
    network = TapeNetwork(example, dtype, loss=loss, training=training, strategy=mirrored(replicas))
    history, stopped = network.fit(iterations, update)
    return training_result(
        "tensorflow",
        history,
        network.final_state(),
        update=update,
        example=example,
        dtype=dtype,
        iterations=iterations,
        training=training,
        stopped=stopped,
        loss=loss,
        replicas=replicas,
    )
