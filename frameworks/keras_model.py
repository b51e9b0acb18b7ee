"""Mazur's network as a real Keras model, trained by model.fit().

The model is a functional keras.Model: Dense kernels (no bias), a small Bias
layer per layer (the tutorial's fixed b1 and b2, or trained per neuron), and
sigmoid activations.
Training always goes through fit(), so History, callbacks and predict() work
as they do for any Keras model.

Sequential updates are written by hand in MazurModel.train_step, the hook
Keras provides for custom training logic: the output layer is updated first,
and only then is the hidden layer's delta computed, through the NEW output
weights.  Parallel updates are stock Keras: the compiled optimizer on the
mean squared error (plus the layers' kernel_regularizer penalties), through
Keras's own train_step.  (For two outputs, MSE equals the tutorial's
E = sum 1/2 (target - out)^2, so the gradients are the same.)

In both orders train_step first records the forward pass (loss, outputs,
hidden activations, weights) as one row of a per-iteration buffer, so the
results hold the whole training history.  fit() runs STEPS_PER_EXECUTION
steps per graph call, in plain graph mode (not XLA).

Importing this module registers the custom classes with Keras, so that plain
keras.saving.load_model reads a saved model back.
"""

import contextlib
import io
import sys

import keras
import numpy as np
import tensorflow as tf

from numpy_ref import MAZUR
from numpy_ref.optimizers import PLAIN_SGD, Training

from .common import (
    apply_layer_by_layer,
    keras_floatx,
    keras_optimizer,
    kernel_from_weights,
    training_result,
    weight_penalty,
    weights_from_kernels,
)

#: Steps fit() runs inside one compiled graph call before returning to Python
#: (callbacks' on_train_batch_* then see one call per this many steps).
STEPS_PER_EXECUTION = 1000
#: Under tf.distribute: Keras 3.15's fit() fails with more than one step per
#: execution there ("You must feed a value for placeholder tensor").
DISTRIBUTED_STEPS = 1


def half_squared_error(target, output):
    """The batch's loss: the mean over its samples of E = sum 1/2 (target - out)^2."""
    return 0.5 * tf.reduce_mean(tf.reduce_sum(tf.square(target - output), axis=-1))


@keras.saving.register_keras_serializable(package="mazur", name="Bias")
class Bias(keras.layers.Layer):
    """Adds each unit's own bias, which starts at ``value`` (b1 or b2).

    Built non-trainable (``trainable=False``) it stays the tutorial's constant.
    """

    def __init__(self, value, **kwargs):
        super().__init__(**kwargs)
        self.value = float(value)

    def build(self, input_shape):
        # Constant casts its value to the weight's dtype, and a Python float
        # would reach that cast as float32 (b1 = 0.35 as 0.3499999940 in a
        # float64 model); a NumPy float64 is cast from float64.
        self.bias = self.add_weight(
            shape=(input_shape[-1],), name="bias", trainable=self.trainable,
            initializer=keras.initializers.Constant(np.float64(self.value)))

    def call(self, inputs):
        if not self.trainable:  # a constant the graph folds in: no variable read per step
            return inputs + self.value
        return inputs + self.bias

    def get_config(self):
        return {**super().get_config(), "value": self.value}

@keras.saving.register_keras_serializable(package="mazur", name="MazurModel")
class MazurModel(keras.Model):
    """The functional 2-2-2 model, with the update order chosen in fit()."""

    def __init__(self, *args, update="sequential", **kwargs):
        super().__init__(*args, **kwargs)
        self.update = update
        self.recorder = None  # set by train(): where each step is written
        #: A (2, 2) tf.Variable that sequential_step fills with dE/dK_h (through
        #: the new K_o) when set; for --explain with an optimizer other than SGD.
        self.hidden_gradient_log = None

    def get_config(self):
        return {**super().get_config(), "update": self.update}

    def hidden_and_output(self, x):
        """out_h and out_o for a batch x, through the model's own layers."""
        hidden = x
        for name in ("hidden_weights", "hidden_bias", "hidden"):
            hidden = self.get_layer(name)(hidden)
        output = hidden
        for name in ("output_weights", "output_bias", "output"):
            output = self.get_layer(name)(output)
        return hidden, output

    def train_step(self, data):
        # fit() hands NumPy data over as float32; compute in the weights' dtype.
        dtype = self.kernels()[0].dtype
        x, target = (tf.cast(tensor, dtype) for tensor in data)
        hidden, output = self.hidden_and_output(x)
        loss = half_squared_error(target, output)  # of this forward pass (of this replica)
        replicas = self.distribute_strategy.num_replicas_in_sync
        if replicas > 1:  # every replica has an equal share: the batch's loss is their mean
            loss = tf.distribute.get_replica_context().all_reduce(
                tf.distribute.ReduceOp.MEAN, loss)
        if self.update == "parallel":
            stock_step = super().train_step  # Keras's own step: the optimizer on MSE

            def update():
                stock_step((x, target))
        else:
            def update():
                self.sequential_step(x, target, hidden, output, loss)
        if self.recorder is None:
            update()
        else:
            self.recorder.record_then_update(loss, hidden, output, self.kernels(), update)
        return self.get_metrics_result()

    def kernels(self):
        """K_h and K_o (x @ K orientation) as Keras holds them."""
        return (
            self.get_layer("hidden_weights").kernel,
            self.get_layer("output_weights").kernel,
        )

    def trained_variables(self):
        """Each layer's trained variables: ([K_h], [K_o]), with b_h and b_o when they train.

        (apply_layer_by_layer pairs them with [kernel gradient, bias gradient].)
        """
        return tuple(
            [self.get_layer(f"{name}_weights").kernel]
            + [w for w in self.get_layer(f"{name}_bias").trainable_weights]
            for name in ("hidden", "output"))

    # Keras turns NumPy input of any other float type into its default float
    # type (float32) before a step sees it: a float64 model would predict from
    # i1 = 0.05 rounded to 0.0500000007.  The model's own float type is the
    # default while it reads data.

    def fit(self, *args, **kwargs):
        with keras_floatx(self.kernels()[0].dtype):
            return super().fit(*args, **kwargs)

    def evaluate(self, *args, **kwargs):
        with keras_floatx(self.kernels()[0].dtype):
            return super().evaluate(*args, **kwargs)

    def predict(self, *args, **kwargs):
        with keras_floatx(self.kernels()[0].dtype):
            return super().predict(*args, **kwargs)

    def sequential_step(self, x, target, hidden, output, loss):
        """Hand-written backpropagation, output layer first."""
        hidden_kernel, output_kernel = self.kernels()
        hidden_layer, output_layer = self.trained_variables()
        # Under tf.distribute each of R replicas has 1/R of the batch, and the
        # optimizer sums the replicas' gradients (its all-reduce): each
        # replica's share of the penalty is 1/R of it.
        replicas = self.distribute_strategy.num_replicas_in_sync
        # The penalty's gradient at each layer's weights before the update,
        # d/dw (l1 |w| + l2 w^2) = l1 sign(w) + 2 l2 w, when the layers have one.
        penalties = [self.get_layer(name).kernel_regularizer
                     for name in ("hidden_weights", "output_weights")]
        penalty_gradients = [
            None if penalty is None else penalty.gradient(kernel) / replicas
            for penalty, kernel in zip(penalties, (hidden_kernel, output_kernel))]
        # dE/dnet_o = (out_o - target) * out_o * (1 - out_o), of each sample, which
        # counts 1/samples in the batch's mean loss (the batch: every replica's share)
        samples = tf.cast(tf.shape(x)[0] * replicas, x.dtype)
        output_deltas = (output - target) * output * (1.0 - output) / samples
        # dE/dK_o[j, k] = sum over samples of out_h_j * delta_o_k
        output_gradient = tf.transpose(hidden) @ output_deltas
        if penalty_gradients[1] is not None:
            output_gradient += penalty_gradients[1]
        # dE/db_o = sum over samples of delta_o (when the biases train)
        output_gradients = [output_gradient, tf.reduce_sum(output_deltas, axis=0)]
        apply_layer_by_layer(self.optimizer, output_gradients, output_layer, first=True)
        # dE/dnet_h = (delta_o @ K_o(new).T) * out_h * (1 - out_h):
        # the deltas go back through the output weights JUST updated.
        hidden_deltas = (
            output_deltas @ tf.transpose(output_kernel) * hidden * (1.0 - hidden)
        )
        # dE/dK_h[i, j] = sum over samples of x_i * delta_h_j
        hidden_gradient = tf.transpose(x) @ hidden_deltas
        if penalty_gradients[0] is not None:
            hidden_gradient += penalty_gradients[0]
        if self.hidden_gradient_log is not None:
            self.hidden_gradient_log.assign(hidden_gradient)
        hidden_gradients = [hidden_gradient, tf.reduce_sum(hidden_deltas, axis=0)]
        apply_layer_by_layer(self.optimizer, hidden_gradients, hidden_layer, first=False)
        # fit()'s loss metric gets this forward pass's E, which is what the
        # compiled MSE would give (for two outputs, MSE = E).
        for metric in self.metrics:
            metric.update_state(loss)

class TensorBoardScalars(keras.callbacks.Callback):
    """Sends every recorded iteration to a ScalarLog as fit() goes along.

    Called once per steps_per_execution steps; each call logs the rows
    recorded since the last one.  A log that cannot be written stops logging
    but not training: the failure is kept in ``failure`` for the caller.
    """

    def __init__(self, log):
        super().__init__()
        self.log = log
        self.written = 0
        self.failure = None

    def on_train_batch_end(self, batch, logs=None):
        self._log_new_rows()

    def on_train_end(self, logs=None):
        self._log_new_rows()

    def _log_new_rows(self):
        recorder = self.model.recorder
        done = recorder.recorded()
        if done > self.written and self.failure is None:
            rows = recorder.history(self.written, done)
            try:
                self.log.write(
                    self.written + 1, rows["losses"], rows["outputs"],
                    weights_from_kernels(rows["hidden_kernels"]),
                    weights_from_kernels(rows["output_kernels"]),
                )
            except OSError as error:
                self.failure = error
            self.written = done

    def finish(self, result):
        """After fit(): the state after the last update as the log's last point."""
        if self.failure is not None:
            raise self.failure
        self.log.write_final(result)
        self.log.close()


class StopWhenRecorderStops(keras.callbacks.Callback):
    """Ends fit() after the execution in which the recorder's run stopped (until_loss)."""

    def on_train_batch_end(self, batch, logs=None):
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
    FIELDS = (
        ("losses", slice(0, 1), ()),
        ("outputs", slice(1, 3), (2,)),
        ("hidden", slice(3, 5), (2,)),
        ("hidden_kernels", slice(5, 9), (2, 2)),
        ("output_kernels", slice(9, 13), (2, 2)),
    )
    WIDTH = 13

    def __init__(self, iterations, dtype, until_loss=None):
        # Under tf.distribute (made in the strategy's scope) every replica makes
        # the same writes but for out_h and out_o, and the first replica's,
        # which holds the batch's first sample, are the ones kept.
        first_replica = tf.VariableAggregation.ONLY_FIRST_REPLICA
        self.rows = tf.Variable(tf.zeros((iterations, self.WIDTH), dtype), trainable=False,
                                aggregation=first_replica)
        self.step = tf.Variable(0, trainable=False, aggregation=first_replica)
        self.until_loss = until_loss
        self.stopped = tf.Variable(False, trainable=False, aggregation=first_replica)

    def record_then_update(self, loss, hidden, output, kernels, update):
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

        def update_or_stop():
            self.record(loss, hidden, output, kernels)

            def updated():
                update()
                return tf.constant(False)

            self.stopped.assign(tf.cond(loss < self.until_loss, lambda: tf.constant(True),
                                        updated))
            return tf.constant(0)

        tf.cond(self.stopped, lambda: tf.constant(0), update_or_stop)

    def record(self, loss, hidden, output, kernels):
        """Write this forward pass (before its update) at row ``step``."""
        row = tf.concat(
            [tf.reshape(loss, [1]), output[0], hidden[0],
             tf.reshape(kernels[0], [-1]), tf.reshape(kernels[1], [-1])],
            axis=0,
        )
        index = self.step.assign_add(1) - 1
        # scatter_update: the one scatter that a mirrored variable (tf.distribute) takes
        self.rows.scatter_update(tf.IndexedSlices(row[None], tf.reshape(index, [1])))

    def recorded(self):
        """How many rows have been written so far."""
        return int(self.step.numpy())

    def history(self, start=0, stop=None):
        """Recorded rows start..stop-1 (all by default) as named arrays (kernels in x @ K)."""
        rows = self.rows[start:self.recorded() if stop is None else stop].numpy()
        return {
            name: rows[:, columns].reshape((len(rows), *shape))
            for name, columns, shape in self.FIELDS
        }


def build_model(example=MAZUR, update="sequential", dtype="float32", training=PLAIN_SGD,
                strategy=None, steps_per_execution=None):
    """The compiled 2-2-2 Keras model, starting from the example's weights.

    ``training`` names the optimizer, its schedule and the penalties, which
    become each Dense layer's kernel_regularizer (decay_steps filled in).
    With a tf.distribute ``strategy`` the model is made in its scope, and
    fit() trains under it, one step per execution (see DISTRIBUTED_STEPS).
    ``steps_per_execution`` overrides either default (the benchmark compares
    one device and several at one step per execution).
    """
    if steps_per_execution is None:
        steps_per_execution = DISTRIBUTED_STEPS if strategy else STEPS_PER_EXECUTION
    with strategy.scope() if strategy else contextlib.nullcontext():
        return _build_model(example, update, dtype, training, steps_per_execution)


def _build_model(example, update, dtype, training, steps_per_execution):

    def layer(example_weights, bias, name):
        """net = x @ K (K = W.T), + the constant bias, then the sigmoid."""
        kernel = kernel_from_weights(example_weights, dtype)
        weights = keras.layers.Dense(
            2,
            use_bias=False,
            kernel_initializer=keras.initializers.Constant(kernel),
            kernel_regularizer=weight_penalty(training),
            dtype=dtype,
            name=f"{name}_weights",
        )
        add_bias = Bias(bias, trainable=example.train_biases, dtype=dtype, name=f"{name}_bias")
        sigmoid = keras.layers.Activation("sigmoid", dtype=dtype, name=name)
        return lambda x: sigmoid(add_bias(weights(x)))

    inputs = keras.Input(shape=(2,), dtype=dtype, name="inputs")
    hidden = layer(example.hidden_weights, example.hidden_bias, "hidden")(inputs)
    output = layer(example.output_weights, example.output_bias, "output")(hidden)
    model = MazurModel(inputs, output, update=update, name="mazur_2_2_2")
    optimizer = keras_optimizer(training, example.learning_rate, dtype)
    # For two outputs, MSE = 1/2 sum (target - out)^2, the tutorial's E.  Compiled
    # under the model's float type: Keras sums the compiled loss and the
    # penalties in the float type that is the default at compile time.
    with keras_floatx(dtype):
        model.compile(
            optimizer=optimizer,
            loss=keras.losses.MeanSquaredError(dtype=dtype),
            steps_per_execution=steps_per_execution,
            # Plain graph mode: an XLA-compiled step costs a launch of its own on
            # every step (about 100 us a step here, against about 50 us without).
            jit_compile=False,
        )
    # Build for both kernels now: sequential steps apply them one at a time.
    optimizer.build(model.trainable_variables)
    return model


def fit(model, iterations, example=MAZUR, dtype="float32", progress_bar=False, callbacks=(),
        until_loss=None):
    """model.fit() for up to ``iterations`` steps, step k on the example's batch k.

    Returns the history of the iterations that ran, and whether the run
    stopped at an iteration whose loss was below ``until_loss``.
    ``progress_bar``: show Keras's own progress bar, sent to stderr so that
    stdout keeps only the results.
    """
    with model.distribute_strategy.scope():
        recorder = HistoryRecorder(iterations, dtype, until_loss)
    use_recorder(model, recorder)
    # Consecutive rows, a smaller last batch, passes repeated, no shuffling:
    # numpy_ref.data's batches, in its order.
    batches = tf.data.Dataset.from_tensor_slices(
        (tf.constant(example.inputs, dtype), tf.constant(example.targets, dtype))
    ).batch(example.batch).repeat().take(iterations)
    callbacks = list(callbacks)
    if until_loss is not None:
        callbacks.insert(0, StopWhenRecorderStops())
    with contextlib.redirect_stdout(sys.stderr) if progress_bar else contextlib.nullcontext():
        model.fit(batches, epochs=1, shuffle=False,
                  verbose=1 if progress_bar else 0, callbacks=callbacks)
    use_recorder(model, None)
    return recorder.history(), bool(recorder.stopped.numpy())


def use_recorder(model, recorder):
    """Point train_step at ``recorder`` (None: record nothing)."""
    model.recorder = recorder
    # A compiled train step holds on to the buffers it was traced with: retrace.
    model.make_train_function(force=True)


def final_state(model, example, dtype):
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
        "biases": tuple(model.get_layer(f"{name}_bias").bias.numpy()
                        for name in ("hidden", "output")),
        "loss": half_squared_error(target, predictions).numpy(),
        "predictions": predictions.numpy(),
    }


def train_model(iterations=1000, update="sequential", example=MAZUR, dtype="float32",
                model=None, progress_bar=False, callbacks=(), training=PLAIN_SGD, replicas=1):
    """Build (or take) the model, fit it (over ``replicas`` devices with
    tf.distribute); return (TrainingResult, model)."""
    from .distribute import mirrored

    training = training.for_iterations(iterations)
    model = model or build_model(example, update, dtype, training, mirrored(replicas))
    history, stopped = fit(model, iterations, example, dtype, progress_bar, callbacks,
                           training.until_loss)
    final = final_state(model, example, dtype)
    result = training_result("keras", update, example, dtype, history, final, "half-sse",
                             iterations, training, stopped,
                             model.distribute_strategy.num_replicas_in_sync)
    return result, model


def train(iterations=1000, update="sequential", example=MAZUR, dtype="float32",
          progress_bar=False, training=PLAIN_SGD, replicas=1):
    """Build the model and fit it; return the TrainingResult (train_model gives the model too)."""
    return train_model(iterations, update, example, dtype, progress_bar=progress_bar,
                       training=training, replicas=replicas)[0]


def first_iteration(update, example=MAZUR, dtype="float64", optimizer=None):
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

    def one_step(update_order, training=PLAIN_SGD):
        """(W before, W after) of one fit() step, in the tutorial's orientation."""
        stepped = build_model(example, update_order, dtype, training)
        before = [k.numpy().T for k in stepped.kernels()]
        fit(stepped, 1, example, dtype)
        return before, [k.numpy().T for k in stepped.kernels()]

    def sgd_gradients(update_order):
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
        stepped = build_model(example, update, dtype, Training(optimizer=optimizer))
        stepped.hidden_gradient_log = tf.Variable(tf.zeros((2, 2), dtype), trainable=False)
        fit(stepped, 1, example, dtype)
        updated = [k.numpy().T for k in stepped.kernels()]
        if update == "sequential":
            gradients["hidden_new"] = stepped.hidden_gradient_log.numpy().T
    # dE/dw5 = delta_o1 · out_h1, so delta_o = dE/dw(h->o) / out_h1
    deltas = output_gradient[:, 0] / forward_pass[1][0]
    return (*forward_pass, np.asarray(example.targets[0])), deltas, gradients, updated


def summary_text(model):
    """model.summary() as text (nothing reaches stdout: Keras prints through rich)."""
    lines = []
    with contextlib.redirect_stdout(io.StringIO()):
        model.summary(print_fn=lambda line, **_: lines.append(line))
    return "\n".join(lines)


def load_model(path):
    """keras.saving.load_model: this module's classes are registered on import."""
    return keras.saving.load_model(path)
