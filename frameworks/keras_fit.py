"""Mazur's Keras model trained by model.fit(): the history, the callbacks, the result.

fit() is Keras's own loop; this module gives it what the project needs on
top: a HistoryRecorder that train_step writes each forward pass into (one
row per iteration, on the device), callbacks that stream those rows to
TensorBoard or stop fit() at --until-loss, and the TrainingResult assembled
from the history and the state after the last update.  The model itself, with
its train_step, is keras_model.py.

``first_iteration`` reads the first update off one fit() step, for --explain.
"""

from . import tensorflow_backend  # noqa: F401  first: Keras on TensorFlow, before keras

# isort: split

import contextlib
import dataclasses
import io
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import keras
import numpy as np
import tensorflow as tf

from numpy_ref import MAZUR
from numpy_ref.example import Example
from numpy_ref.network import FloatArray
from numpy_ref.optimizers import Optimizer
from numpy_ref.result import TrainingResult
from numpy_ref.training import PLAIN_SGD, Training

from .history import (
    FinalState,
    FirstIterationArrays,
    History,
    training_result,
    weights_from_kernels,
)
from .keras_model import STEPS_PER_EXECUTION, MazurModel, build_model, half_squared_error

if TYPE_CHECKING:  # for annotations only: the caller makes the log
    from .tensorboard import ScalarLog


class TensorBoardScalars(keras.callbacks.Callback):
    """Sends every recorded iteration to a ScalarLog as fit() goes along.

    Called once per steps_per_execution steps; each call logs the rows
    recorded since the last one.  A log that cannot be written stops logging
    but not training: the failure is kept in ``failure`` for the caller.
    """

    def __init__(self, log: "ScalarLog", resumed_after: int = 0) -> None:
        super().__init__()
        self.log = log
        self.written = 0
        self.resumed_after = resumed_after  # a resumed run's iteration k is this + k
        self.failure: OSError | None = None

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._log_new_rows()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self._log_new_rows()

    def _log_new_rows(self) -> None:
        recorder = self.model.recorder
        done = recorder.recorded()
        if done > self.written and self.failure is None:
            rows = recorder.history(self.written, done)
            try:
                self.log.write(
                    self.resumed_after + self.written + 1,
                    rows["losses"],
                    rows["outputs"],
                    weights_from_kernels(rows["hidden_kernels"]),
                    weights_from_kernels(rows["output_kernels"]),
                )
            except OSError as error:
                self.failure = error
            self.written = done

    def finish(self, result: TrainingResult) -> None:
        """After fit(): the state after the last update as the log's last point."""
        if self.failure is not None:
            raise self.failure
        self.log.write_final(result)
        self.log.close()


class StopWhenRecorderStops(keras.callbacks.Callback):
    """Ends fit() after the execution in which the recorder's run stopped (until_loss)."""

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.model.recorder.stopped.numpy():
            self.model.stop_training = True


class HistoryRecorder:
    """A per-iteration buffer that train_step writes into, one row per step.

    A row is [E, out_o1, out_o2, out_h1, out_h2, K_h (4), K_o (4)], written
    with one assignment: a step's bookkeeping costs one op, not five.  The
    buffer is a plain tf.Variable outside the model, so it is neither a model
    weight nor saved with it.
    """

    #: (name, columns, shape of one iteration's value)
    FIELDS: tuple[tuple[str, slice, tuple[int, ...]], ...] = (
        ("losses", slice(0, 1), ()),
        ("outputs", slice(1, 3), (2,)),
        ("hidden", slice(3, 5), (2,)),
        ("hidden_kernels", slice(5, 9), (2, 2)),
        ("output_kernels", slice(9, 13), (2, 2)),
    )
    WIDTH = 13

    def __init__(self, iterations: int, dtype: str, until_loss: float | None = None) -> None:
        # Under tf.distribute (made in the strategy's scope) every replica makes
        # the same writes but for out_h and out_o, and the first replica's,
        # which holds the batch's first sample, are the ones kept.
        first_replica = tf.VariableAggregation.ONLY_FIRST_REPLICA
        self.rows = tf.Variable(
            tf.zeros((iterations, self.WIDTH), dtype), trainable=False, aggregation=first_replica
        )
        self.step = tf.Variable(0, trainable=False, aggregation=first_replica)
        self.until_loss = until_loss
        self.stopped = tf.Variable(False, trainable=False, aggregation=first_replica)

    def record_then_update(
        self,
        loss: tf.Tensor,
        hidden: tf.Tensor,
        output: tf.Tensor,
        kernels: Sequence[tf.Variable],
        update: Callable[[], object],
    ) -> None:
        """Record this forward pass, then call ``update`` (which makes the step's update).

        With ``until_loss``: a loss below it stops the run instead, without
        the update; once stopped, the steps that fit() still makes in its
        current execution record and update nothing, so the run stops at
        exactly that iteration however many steps one execution runs.
        """
        if self.until_loss is None:
            self.record(loss, hidden, output, kernels)
            update()
            return

        def update_or_stop() -> tf.Tensor:
            self.record(loss, hidden, output, kernels)

            def updated() -> tf.Tensor:
                update()
                return tf.constant(False)

            self.stopped.assign(tf.cond(loss < self.until_loss, lambda: tf.constant(True), updated))
            return tf.constant(0)

        tf.cond(self.stopped, lambda: tf.constant(0), update_or_stop)

    def record(
        self, loss: tf.Tensor, hidden: tf.Tensor, output: tf.Tensor, kernels: Sequence[tf.Variable]
    ) -> None:
        """Write this forward pass (before its update) at row ``step``."""
        row = tf.concat(
            [
                tf.reshape(loss, [1]),
                output[0],
                hidden[0],
                tf.reshape(kernels[0], [-1]),
                tf.reshape(kernels[1], [-1]),
            ],
            axis=0,
        )
        index = self.step.read_value()  # this row's number, before the count moves on
        self.step.assign_add(1, read_value=False)
        # scatter_update: the one scatter that a mirrored variable (tf.distribute)
        # takes; one row of 13 at a scalar index
        self.rows.scatter_update(tf.IndexedSlices(row, index))

    def recorded(self) -> int:
        """How many rows have been written so far."""
        return int(self.step.numpy())

    def history(self, start: int = 0, stop: int | None = None) -> History:
        """Recorded rows start..stop-1 (all by default) as named arrays (kernels in x @ K)."""
        rows = self.rows[start : self.recorded() if stop is None else stop].numpy()
        return {
            name: rows[:, columns].reshape((len(rows), *shape))
            for name, columns, shape in self.FIELDS
        }


def fit(
    model: MazurModel,
    iterations: int,
    example: Example = MAZUR,
    dtype: str = "float32",
    *,
    progress_bar: bool = False,
    callbacks: Iterable[keras.callbacks.Callback] = (),
    until_loss: float | None = None,
    start: int = 0,
) -> tuple[History, bool]:
    """model.fit() for up to ``iterations`` steps, step k on the example's batch
    ``start`` + k (``start``: the updates already made, by a run this one resumes).

    Returns the history of the iterations that ran, and whether the run
    stopped at an iteration whose loss was below ``until_loss``.
    ``progress_bar``: show Keras's own progress bar, sent to stderr so that
    stdout keeps only the results.
    """
    with model.distribute_strategy.scope():
        recorder = HistoryRecorder(iterations, dtype, until_loss)
    use_recorder(model, recorder)
    batches = example_batches(example, dtype, start, iterations)
    callbacks = list(callbacks)
    if until_loss is not None:
        callbacks.insert(0, StopWhenRecorderStops())
    with contextlib.redirect_stdout(sys.stderr) if progress_bar else contextlib.nullcontext():
        model.fit(
            batches, epochs=1, shuffle=False, verbose=1 if progress_bar else 0, callbacks=callbacks
        )
    use_recorder(model, None)
    return recorder.history(), bool(recorder.stopped.numpy())


def example_batches(example: Example, dtype: str, start: int, iterations: int) -> tf.data.Dataset:
    """numpy_ref.data's batches in its order (consecutive rows, a smaller last
    batch, passes repeated, no shuffling): step k gets batch ``start`` + k.

    When every batch has one size, the batches are stacked, and the repeated
    block holds passes enough for one execution: each step reads one slice of
    a static shape, and the block's iterator is made once per execution, not
    once per pass (Mazur's one sample: once per step).
    """
    per_pass = math.ceil(example.samples / example.batch)
    inputs, targets = (tf.constant(rows, dtype) for rows in (example.inputs, example.targets))
    if example.samples % example.batch:  # a smaller last batch: batched pass by pass
        block = tf.data.Dataset.from_tensor_slices((inputs, targets)).batch(example.batch)
    else:
        passes = math.ceil(STEPS_PER_EXECUTION / per_pass)
        stacked = [tf.reshape(rows, (per_pass, example.batch, 2)) for rows in (inputs, targets)]
        block = tf.data.Dataset.from_tensor_slices(
            tuple(tf.tile(t, [passes, 1, 1]) for t in stacked)
        )
    return block.repeat().skip(start % per_pass).take(iterations)  # skip: where a pass stood


def use_recorder(model: MazurModel, recorder: HistoryRecorder | None) -> None:
    """Point train_step at ``recorder`` (None: record nothing)."""
    model.recorder = recorder
    # A compiled train step holds on to the buffers it was traced with: retrace.
    model.make_train_function(force=True)


def final_state(model: MazurModel, example: Example, dtype: str) -> FinalState:
    """Kernels and biases after training, and the loss and predictions they give
    over every sample."""
    # Called directly: under tf.distribute, predict_on_batch would give every
    # replica the whole batch and return each one's copy.
    predictions = model(tf.constant(example.inputs, dtype))
    target = tf.constant(example.targets, dtype)
    hidden_kernel, output_kernel = model.kernels()
    return {
        "hidden_kernel": hidden_kernel.numpy(),
        "output_kernel": output_kernel.numpy(),
        "biases": tuple(
            model.get_layer(f"{name}_bias").bias.numpy() for name in ("hidden", "output")
        ),
        "loss": half_squared_error(target, predictions).numpy(),
        "predictions": predictions.numpy(),
    }


def train_model(
    iterations: int = 1000,
    update: str = "sequential",
    example: Example = MAZUR,
    dtype: str = "float32",
    *,
    model: MazurModel | None = None,
    progress_bar: bool = False,
    callbacks: Iterable[keras.callbacks.Callback] = (),
    training: Training = PLAIN_SGD,
    replicas: int = 1,
) -> tuple[TrainingResult, MazurModel]:
    """Build (or take) the model, fit it (over ``replicas`` devices with
    tf.distribute); return (TrainingResult, model).

    A model that has trained already (``model``, or one keras_saving.load_model
    read) goes on from where it stopped: its optimizer's state and iteration
    count (the schedule's position) as they are, and batch k of the data for
    its k-th update; the result numbers its iterations from there
    (``resumed_after``).
    """
    from .distribute import mirrored

    training = training.for_iterations(iterations)
    model = model or build_model(
        example, update, dtype, training=training, strategy=mirrored(replicas)
    )
    done = updates_made(model)
    history, stopped = fit(
        model,
        iterations,
        example,
        dtype,
        progress_bar=progress_bar,
        callbacks=callbacks,
        until_loss=training.until_loss,
        start=done,
    )
    final = final_state(model, example, dtype)
    result = training_result(
        "keras",
        history,
        final,
        update=update,
        example=example,
        dtype=dtype,
        iterations=iterations,
        training=training,
        stopped=stopped,
        replicas=model.distribute_strategy.num_replicas_in_sync,
    )
    return dataclasses.replace(result, resumed_after=done), model


def updates_made(model: keras.Model) -> int:
    """How many updates the model's optimizer has made: its iteration count."""
    return int(model.optimizer.iterations.numpy())


def train(
    iterations: int = 1000,
    update: str = "sequential",
    example: Example = MAZUR,
    dtype: str = "float32",
    *,
    progress_bar: bool = False,
    training: Training = PLAIN_SGD,
    replicas: int = 1,
) -> TrainingResult:
    """Build the model and fit it; return the TrainingResult (train_model gives the model too)."""
    return train_model(
        iterations,
        update,
        example,
        dtype,
        progress_bar=progress_bar,
        training=training,
        replicas=replicas,
    )[0]


def first_iteration(
    update: str,
    example: Example = MAZUR,
    dtype: str = "float64",
    optimizer: Optimizer | None = None,
) -> FirstIterationArrays:
    """The first iteration's arrays as the Keras model computes it.

    The forward pass runs through the model's own layers; the gradients are
    read off the weight change of one plain-SGD fit() step, dE/dw = (w - w+) / lr.
    For the sequential order a second, parallel model supplies the
    hidden-layer gradients through the forward pass's w5..w8, for comparison.
    The updated weights are those of one fit() step with ``optimizer``
    (numpy_ref.optimizers.Optimizer; plain SGD if None); with another
    optimizer the sequential hidden gradients are train_step's own.  Returns
    what console.explain.values_from_arrays names.
    """
    model = build_model(example, update, dtype)
    x = tf.constant(example.inputs, dtype)  # the tutorial's one sample, (1, 2)
    net_hidden = model.get_layer("hidden_bias")(model.get_layer("hidden_weights")(x))
    hidden, output = model.hidden_and_output(x)
    net_output = model.get_layer("output_bias")(model.get_layer("output_weights")(hidden))
    forward_pass = [t.numpy()[0] for t in (net_hidden, hidden, net_output, output)]

    def one_step(
        update_order: str, training: Training = PLAIN_SGD
    ) -> tuple[list[FloatArray], list[FloatArray]]:
        """(W before, W after) of one fit() step, in the tutorial's orientation."""
        stepped = build_model(example, update_order, dtype, training=training)
        before = [k.numpy().T for k in stepped.kernels()]
        fit(stepped, 1, example, dtype)
        return before, [k.numpy().T for k in stepped.kernels()]

    def sgd_gradients(update_order: str) -> list[FloatArray]:
        before, after = one_step(update_order)  # w+ = w - lr dE/dw
        return [(b - a) / example.learning_rate for b, a in zip(before, after)]

    hidden_gradient, output_gradient = sgd_gradients(update)
    gradients = {"hidden": hidden_gradient, "output": output_gradient}
    if update == "sequential":
        gradients["hidden_new"] = hidden_gradient
        gradients["hidden"] = sgd_gradients("parallel")[0]
    if optimizer is None or optimizer.name == "sgd":
        updated = one_step(update)[1]
    else:
        # Another optimizer moves w5..w8 differently, so the sequential order's
        # hidden gradient (through the new w5..w8) is read from train_step itself.
        stepped = build_model(example, update, dtype, training=Training(optimizer=optimizer))
        stepped.hidden_gradient_log = tf.Variable(tf.zeros((2, 2), dtype), trainable=False)
        fit(stepped, 1, example, dtype)
        updated = [k.numpy().T for k in stepped.kernels()]
        if update == "sequential":
            gradients["hidden_new"] = stepped.hidden_gradient_log.numpy().T
    # dE/dw5 = delta_o1 · out_h1, so delta_o = dE/dw(h->o) / out_h1
    deltas = output_gradient[:, 0] / forward_pass[1][0]
    return (*forward_pass, np.asarray(example.targets[0])), deltas, gradients, updated


def summary_text(model: keras.Model) -> str:
    """model.summary() as text (nothing reaches stdout: Keras prints through rich)."""
    lines: list[str] = []
    with contextlib.redirect_stdout(io.StringIO()):
        model.summary(print_fn=lambda line, **_: lines.append(line))
    return "\n".join(lines)
