"""Optimizers, schedules, --until-loss and penalties: every framework against the NumPy formulas.

The NumPy reference writes Keras 3's optimizers out operation for operation
(numpy_ref/optimizers.py); TensorFlow and Keras use Keras's own.  In float64
they must agree to 1e-12 on every iteration's loss and the final weights, in
both update orders; in float32 (a diagonal of the settings: in_float32_too) each
run must be ten times nearer its own order than the other.
"""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import ann_keras
import ann_tensorflow
from console.comparison import distance
from frameworks import keras_fit, tape
from frameworks.common import WeightPenalty, exact, keras_floatx
from implementations import other_order
from numpy_ref import MAZUR, train
from numpy_ref.__main__ import SCRIPT as NUMPY_SCRIPT
from numpy_ref.optimizers import OPTIMIZERS, Optimizer
from numpy_ref.schedules import Schedule
from numpy_ref.training import Training

ITERATIONS = 200

#: Each optimizer runs in every one of these settings: (learning rate, Training fields).
#: Together they cover every schedule, --until-loss reached and not reached,
#: both penalties, and two learning rates.
SETTINGS = {
    "constant, lr 0.5": (0.5, {}),
    "constant, lr 0.05": (0.05, {}),
    "exponential, until-loss": (
        0.5,
        {"schedule": Schedule.named("exponential", 100, 0.5), "until_loss": 1e-4},
    ),
    "cosine, l1": (0.5, {"schedule": Schedule.named("cosine"), "l1": 1e-3}),
    "exponential, l2, lr 0.05": (0.05, {"schedule": Schedule.named("exponential"), "l2": 1e-3}),
}
FRAMEWORK_MODULES = {"tensorflow": tape, "keras": keras_fit}


def training(optimizer, setting):
    learning_rate, fields = SETTINGS[setting]
    return MAZUR.with_learning_rate(learning_rate), Training(
        optimizer=Optimizer.named(optimizer), **fields
    )


@pytest.mark.slow
@pytest.mark.parametrize("update", ["parallel", "sequential"])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("setting", list(SETTINGS))
def test_frameworks_compute_the_numpy_formulas(setting, optimizer, update):
    example, settings = training(optimizer, setting)
    reference = train(ITERATIONS, update, example, training=settings)
    for name, module in FRAMEWORK_MODULES.items():
        exact_run = module.train(ITERATIONS, update, example, "float64", training=settings)
        assert exact_run.stopped_at == reference.stopped_at, name
        assert exact_run.updates == reference.updates, name
        assert distance(exact_run, reference) <= 1e-12, name
    if not in_float32_too(setting, optimizer):
        return
    other = train(ITERATIONS, other_order(update), example, training=settings)
    for name, module in FRAMEWORK_MODULES.items():
        rounded = module.train(ITERATIONS, update, example, "float32", training=settings)
        assert distance(rounded, reference) * 10 <= distance(rounded, other), name


def in_float32_too(setting, optimizer):
    """The settings run in float32 too: one diagonal of the settings-by-optimizers
    square, in both orders, so that every setting (schedule, penalty, --until-loss) and
    every optimizer runs in float32 at least once; the README's optimizer table holds
    every optimizer's float32 run at the constant rate (tests/test_readme_optimizers.py).
    Every pair in float32 took a third of this file's time (75 s against 51 s in one
    process) for no code path of its own."""
    settings, optimizers = list(SETTINGS), list(OPTIMIZERS)
    return settings.index(setting) % len(optimizers) == optimizers.index(optimizer) % len(settings)


def test_until_loss_stops_without_the_update_and_reports_it():
    settings = Training(until_loss=1e-3)
    result = train(5000, "sequential", training=settings)
    k = result.stopped_at
    assert result.losses[k - 1] < 1e-3 <= result.losses[k - 2]
    assert (result.recorded, result.updates, result.iterations) == (k, k - 1, 5000)
    assert result.final_loss == result.last_iteration_loss == result.losses[-1]
    np.testing.assert_array_equal(result.final_output_weights, result.output_weights[-1])
    document = result.to_json()
    assert (document["updates"], document["stopped_at"], document["until_loss"]) == (k - 1, k, 1e-3)
    never = train(100, "sequential", training=settings)
    assert (never.stopped_at, never.updates, never.to_json()["stopped_at"]) == (None, 100, None)


@pytest.mark.slow
@pytest.mark.parametrize("module", [keras_fit, tape], ids=["keras", "tensorflow"])
def test_until_loss_stops_at_exactly_that_iteration_across_executions(module):
    # Keras runs 1000 steps per execution; the stop comes in the second one.
    # TensorFlow compiles with XLA from 5000 iterations: the stop is inside it.
    reference = train(6000, "sequential", training=Training(until_loss=1e-3))
    assert 1000 < reference.stopped_at < 2000
    run = module.train(6000, "sequential", MAZUR, "float64", training=Training(until_loss=1e-3))
    assert (run.stopped_at, run.updates) == (reference.stopped_at, reference.updates)
    assert distance(run, reference) <= 1e-12


@pytest.mark.slow
def test_first_adam_step_by_hand():
    """w5's first Adam step, from the tutorial's forward pass, in plain Python."""
    sigmoid = lambda net: 1 / (1 + math.exp(-net))  # noqa: E731
    h1 = sigmoid(0.15 * 0.05 + 0.20 * 0.10 + 0.35)
    h2 = sigmoid(0.25 * 0.05 + 0.30 * 0.10 + 0.35)
    o1 = sigmoid(0.40 * h1 + 0.45 * h2 + 0.60)
    g5 = (o1 - 0.01) * o1 * (1 - o1) * h1  # dE/dw5 = 0.082167041
    m = 0.1 * g5  # m = 0 + (g - 0)(1 - 0.9)
    v = 0.001 * g5**2  # v = 0 + (g^2 - 0)(1 - 0.999)
    alpha = 0.5 * math.sqrt(1 - 0.999) / (1 - 0.9)  # 0.158113883
    w5_new = 0.40 - alpha * m / (math.sqrt(v) + 1e-7)
    assert round(g5, 9) == 0.082167041 and round(alpha, 9) == 0.158113883
    assert round(w5_new, 9) == -0.099980758  # a step of lr·(1 - tiny): Adam's first step is ±lr

    adam = Training(optimizer=Optimizer.named("adam"))
    for update in ("parallel", "sequential"):
        result = train(1, update, training=adam)
        assert result.final_output_weights[0, 0] == pytest.approx(w5_new, abs=1e-15)
        for module in FRAMEWORK_MODULES.values():
            run = module.train(1, update, MAZUR, "float64", training=adam)
            assert run.final_output_weights[0, 0] == pytest.approx(w5_new, abs=1e-15)

    text = NUMPY_SCRIPT.explain_text("parallel", optimizer=Optimizer.named("adam"))
    assert "alpha (w5)         0.158113883" in text
    assert "= 0.5·sqrt(1 - 0.999^1) / (1 - 0.9^1)" in text
    assert "w5+               -0.099980758" in text
    assert "17 of 17 published figures agree" in text


@pytest.mark.slow
@pytest.mark.parametrize(
    "script", [ann_tensorflow.SCRIPT, ann_keras.SCRIPT], ids=["tensorflow", "keras"]
)
@pytest.mark.parametrize("optimizer", ["momentum", "rmsprop", "adam"])
def test_framework_explanations_show_their_own_updated_weights(script, optimizer):
    chosen = Optimizer.named(optimizer)
    ours = script.explain_document("sequential", optimizer=chosen)
    reference = NUMPY_SCRIPT.explain_document("sequential", optimizer=chosen)

    def values(document):
        return {
            v["name"]: v["value"] for section in document["sections"] for v in section["values"]
        }

    mine, theirs = values(ours), values(reference)
    assert set(mine) <= set(theirs)  # NumPy also shows dE/dout_h
    assert {"m (w5)", "w1+", "w8+"} <= set(mine) if optimizer != "rmsprop" else True
    for name in mine:
        assert mine[name] == pytest.approx(theirs[name], abs=1e-12), name
    assert ours["published_checked"] == ours["published_agree"] == 17


@pytest.mark.slow
def test_python_float_constants_reach_keras_rounded_to_float32():
    """The trap the frameworks avoid: Keras casts a Python float through float32."""
    settings = Training(optimizer=Optimizer.named("adam"))
    example = MAZUR.with_learning_rate(0.05)
    reference = train(300, "parallel", example, training=settings)

    def adam_run(constant):
        network = tape.TapeNetwork(example, "float64", training=settings)
        with keras_floatx("float64"):
            network.optimizer = keras.optimizers.Adam(
                learning_rate=0.05,
                beta_1=constant(0.9),
                beta_2=constant(0.999),
                epsilon=constant(1e-7),
            )
        network.optimizer.build([network.hidden_kernel, network.output_kernel])
        history, _ = network.fit(300, "parallel")
        return np.abs(history["losses"] - reference.losses).max()

    assert adam_run(float) > 1e-9  # beta_1 reaches the update as 0.89999997615814209
    assert adam_run(lambda value: exact(value, "float64")) < 1e-15

    w = tf.constant([1.0], tf.float64)
    assert float(keras.regularizers.L2(1e-3)(w)) == float(np.float32(1e-3)) != 1e-3
    assert float(WeightPenalty(l2=1e-3)(w)) == 1e-3


def test_a_zero_penalty_stays_zero_for_huge_weights():
    """0 * inf would be NaN: a huge weight squared must not make a run with no
    penalty look diverged."""
    huge = np.array([[1e300, -1e300], [1e300, 1e300]])
    assert Training().penalty(huge, huge) == 0.0
    assert Training(l1=0.5).penalty(huge, huge) == 4e300
